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

from server.domain.consultation import CommentState, ConsultationEvent
from server.services import amendment_privacy
from server.services.principal import Principal
from server.store.consultation_models import Comment
from server.store.eventlog import event_to_dict
from server.store.models import EventRecord

_WORDS = ("body", "quote")
# The events that carry a comment's own words. An answer carries the answerer's: a parliament's reply stays
# on the record when the comment it replied to is hidden or withdrawn.
_COMMENT_WORDS = frozenset({ConsultationEvent.COMMENT_POSTED, ConsultationEvent.COMMENT_EDITED})


def _carries_comment_words(record: EventRecord) -> bool:
    return record.type in _COMMENT_WORDS and record.data.get("comment_id") is not None


# What a "this was not me" report says is for the clerks. Reports are no longer bill events; those recorded while
# they were keep the note in the log, and it is left out wherever the bill's events are served.
_PRIVATE_FIELDS = {ConsultationEvent.COMMENT_DISOWNED: ("note",)}


def public_events(session: Session, records: Sequence[EventRecord], reader: Principal | None
                  ) -> list[dict[str, Any]]:
    """The wire form of those of ``records`` that ``reader`` may read (not the history of a draft they may not see:
    ``amendment_privacy``), with the words of comments that are no longer visible left out, and what only the
    clerks may read."""
    mentioned = {int(r.data["comment_id"]) for r in records if _carries_comment_words(r)}
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
        if _carries_comment_words(record) and int(record.data["comment_id"]) in withdrawn:
            event["data"] = {**record.data, **{k: None for k in _WORDS if k in record.data}, "redacted": True}
        private = _PRIVATE_FIELDS.get(record.type)
        if private:
            event["data"] = {key: value for key, value in event["data"].items() if key not in private}
        events.append(event)
    return amendment_privacy.readable_events(session, reader, events)
