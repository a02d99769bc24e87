"""The append-only event log and its hash chain.

Appends are serialized for the whole log (SQLite: the write lock taken by ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock), so event ids commit in id order and each event's ``previous_hash`` is the
hash of the event before it. A reader that asks for "everything after id N" therefore never misses an event
that commits later with a smaller id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from server.domain.consultation import UNNAMED_ACTORS
from server.domain.events import GENESIS_HASH, EventDraft, event_hash, wire_time
from server.errors import StreamVersionConflict
from server.store.models import EventRecord

_ADVISORY_LOCK_KEY = 0x7061726C6579  # "parley"

PENDING_KEY = "parley.pending_events"

Projector = Callable[[Session, EventRecord], None]

# Built once and run on the session's connection: appending is on every write path, and the ORM's unit of work
# and entity loading cost more than the three statements themselves.
_events = cast(Table, EventRecord.__table__)
_HEAD_LINK = select(_events.c.id, _events.c.hash).order_by(_events.c.id.desc()).limit(1)
_STREAM_VERSION = select(func.max(_events.c.version)).where(_events.c.stream == bindparam("stream"))
_INSERT_EVENT = insert(_events)


def utcnow() -> datetime:
    """Naive UTC with microseconds: the form stored and hashed on every database."""
    return datetime.now(UTC).replace(tzinfo=None)


def acquire_append_lock(session: Session) -> None:
    """Serialize writers for the rest of this transaction (a no-op where BEGIN IMMEDIATE already did)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def stream_version(session: Session, stream: str) -> int:
    """The version of the last event in ``stream`` (0 when it is empty)."""
    current = session.scalar(select(func.max(EventRecord.version)).where(EventRecord.stream == stream))
    return int(current or 0)


def head(session: Session) -> EventRecord | None:
    return session.scalar(select(EventRecord).order_by(EventRecord.id.desc()).limit(1))


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(EventRecord.id))) or 0)


def append(
    session: Session,
    draft: EventDraft,
    *,
    expected_version: int | None = None,
    projector: Projector | None = None,
) -> EventRecord:
    """Append one event, apply it to the projections, and queue it for publication after commit.

    ``expected_version`` is the stream version the caller based its decision on; when another writer got
    there first, :class:`StreamVersionConflict` is raised and the caller's transaction should roll back.
    """
    acquire_append_lock(session)
    if session.new or session.dirty or session.deleted:
        # The event row goes in through the connection, not the unit of work: what the caller added to the
        # session (the bill an event names, say) must be in the tables first.
        session.flush()
    connection = session.connection()
    current = int(connection.scalar(_STREAM_VERSION, {"stream": draft.stream}) or 0)
    if expected_version is not None and expected_version != current:
        raise StreamVersionConflict(
            f"stream {draft.stream} is at version {current}, the change was based on {expected_version}",
            stream=draft.stream,
            current_version=current,
        )
    previous = connection.execute(_HEAD_LINK).first()
    previous_hash = previous.hash if previous else GENESIS_HASH
    event_id = (previous.id if previous else 0) + 1
    occurred_at = utcnow()
    record = EventRecord(
        id=event_id,
        stream=draft.stream,
        version=current + 1,
        type=draft.type,
        actor_id=draft.actor_id,
        bill_id=draft.bill_id,
        data=draft.data,
        occurred_at=occurred_at,
        previous_hash=previous_hash,
        hash=event_hash(
            previous_hash=previous_hash,
            event_id=event_id,
            stream=draft.stream,
            version=current + 1,
            type=draft.type,
            actor_id=draft.actor_id,
            bill_id=draft.bill_id,
            data=draft.data,
            occurred_at=occurred_at,
        ),
    )
    connection.execute(
        _INSERT_EVENT,
        {column.key: getattr(record, column.key) for column in _events.columns},
    )
    if projector is not None:
        projector(session, record)
    # The wire form is captured now: after commit the ORM object may be expired and its session closed.
    session.info.setdefault(PENDING_KEY, []).append(event_to_dict(record))
    return record


def events_after(
    session: Session, after: int, *, bill_id: int | None = None, limit: int | None = None
) -> list[EventRecord]:
    """Events with id greater than ``after``, in id order, optionally only those of one bill."""
    query = select(EventRecord).where(EventRecord.id > after).order_by(EventRecord.id)
    if bill_id is not None:
        query = query.where(EventRecord.bill_id == bill_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def iter_all(session: Session, batch: int = 1000) -> Iterator[EventRecord]:
    """Every event in id order, read in batches so a long log is not held in memory."""
    after = 0
    while True:
        rows = events_after(session, after, limit=batch)
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the hash chain."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the first event and name the first broken or missing link."""
    expected_previous = GENESIS_HASH
    expected_id = 1
    checked = 0
    for record in iter_all(session):
        if record.id != expected_id:
            return ChainReport(False, checked, expected_id, f"event {expected_id} is missing")
        if record.previous_hash != expected_previous:
            return ChainReport(
                False, checked, record.id, f"event {record.id} does not follow event {record.id - 1}"
            )
        recomputed = event_hash(
            previous_hash=record.previous_hash,
            event_id=record.id,
            stream=record.stream,
            version=record.version,
            type=record.type,
            actor_id=record.actor_id,
            bill_id=record.bill_id,
            data=record.data,
            occurred_at=record.occurred_at,
        )
        if recomputed != record.hash:
            return ChainReport(False, checked, record.id, f"event {record.id} was altered after it was written")
        expected_previous = record.hash
        expected_id += 1
        checked += 1
    return ChainReport(True, checked)


def event_to_dict(record: EventRecord) -> dict[str, Any]:
    """The public wire form of an event (contract: ``{id, type, bill, actor, at, data}``; the actor is null for
    system events and for those whose actor is not published)."""
    return {
        "id": record.id,
        "type": record.type,
        "bill": record.bill_id,
        "actor": None if record.type in UNNAMED_ACTORS else record.actor_id,
        "at": wire_time(record.occurred_at),
        "data": record.data,
    }
