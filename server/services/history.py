"""The public history of a bill: its events as clients may read them later.

A comment's words were public while it was visible; once it is hidden, held or deleted, they must stop being
served — also from the history (``GET /api/bills/<id>/events``, ``join`` with ``since``). The log keeps them:
it is the record, and its hashes cover them; what is served is redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.consultation import CommentState
from server.store.consultation_models import Comment
from server.store.eventlog import event_to_dict
from server.store.models import EventRecord

_WORDS = ("body", "quote")


def public_events(session: Session, records: Sequence[EventRecord]) -> list[dict[str, Any]]:
    """The wire form of ``records``, with the words of comments that are no longer visible left out."""
    # An answer to a whole cluster names no comment (comment_id None) and is public as it stands.
    mentioned = {
        int(r.data["comment_id"]) for r in records
        if r.data.get("comment_id") is not None and any(k in r.data for k in _WORDS)
    }
    withdrawn: set[int] = set()
    if mentioned:
        withdrawn = set(
            session.scalars(
                select(Comment.id).where(Comment.id.in_(mentioned), Comment.state != CommentState.VISIBLE.value)
            )
        )
    events = []
    for record in records:
        event = event_to_dict(record)
        if record.data.get("comment_id") is not None and int(record.data["comment_id"]) in withdrawn:
            event["data"] = {**record.data, **{k: None for k in _WORDS if k in record.data}, "redacted": True}
        events.append(event)
    return events
