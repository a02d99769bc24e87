"""Projections: how each event changes the read models, and how to rebuild them all from the log.

Each service module registers the projector of the event types it produces with :func:`projects`. The same
function runs live (inside the transaction that appends the event) and during a rebuild, so the two cannot
drift; ``tests/server/test_projections.py`` proves rebuilt state equals live state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.store import all_models, eventlog
from server.store.models import EventRecord, projection_tables

Handler = Callable[[Session, EventRecord], None]

_HANDLERS: dict[str, Handler] = {}


def projects(event_type: str) -> Callable[[Handler], Handler]:
    """Register the projector of ``event_type``."""

    def register(handler: Handler) -> Handler:
        if event_type in _HANDLERS and _HANDLERS[event_type] is not handler:
            raise RuntimeError(f"a projector for {event_type} is already registered")
        _HANDLERS[event_type] = handler
        return handler

    return register


def apply(session: Session, record: EventRecord) -> None:
    """Apply one event to the read models (events without a projector change nothing)."""
    handler = _HANDLERS.get(record.type)
    if handler is not None:
        handler(session, record)


def rebuild(session: Session) -> int:
    """Empty every projection table and replay the whole log into it; returns the number of events."""
    assert all_models.models  # every model module is imported, so every projection table is known
    session.flush()
    for table in projection_tables():
        session.execute(delete(table))
    # Objects loaded before the rebuild must not stand in for the rows the replay writes.
    session.expunge_all()
    count = 0
    for record in eventlog.iter_all(session):
        apply(session, record)
        count += 1
        if count % 1000 == 0:
            session.flush()
    session.flush()
    return count


def snapshot(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every projection row as plain values, ordered, with surrogate ids left out, for comparisons."""
    state: dict[str, list[dict[str, Any]]] = {}
    for table in projection_tables():
        name = table.name
        columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        rows = session.execute(select(*columns)).mappings().all()
        state[name] = sorted((dict(row) for row in rows), key=repr)
    return state
