"""Publish committed events to Socket.IO rooms, and nothing that was rolled back.

The event log appends records to ``session.info`` while a transaction runs; the hooks installed here hand them to
Socket.IO only in ``after_commit`` and drop them on rollback; a savepoint rolled back drops only the events
appended since it began (a batch of writes keeps the others'). With a message queue configured, the emit goes
through Redis to every server process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from flask_socketio import SocketIO
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from server.domain import opendata
from server.domain.consultation import ConsultationEvent
from server.services import amendment_privacy
from server.store.db import Database
from server.store.eventlog import PENDING_KEY

# How many events were pending when each open savepoint began, by the savepoint's id.
_SAVEPOINT_MARKS = "parley.savepoint_marks"

log = logging.getLogger(__name__)

EVENT = "event"
SITE_ROOM = "site"
#: The clerks and admins on the moderation page (``follow_moderation``), and what they are told there.
MODERATION_ROOM = "moderation"
MODERATION = "moderation"
#: The events that can change what waits for a clerk or what is hidden: a comment held, reported, withdrawn by
#: its author or decided, and an account suspended or reinstated. Many of them are private (no bill).
MODERATION_TYPES = frozenset({
    ConsultationEvent.COMMENT_POSTED, ConsultationEvent.COMMENT_EDITED, ConsultationEvent.COMMENT_HELD,
    ConsultationEvent.COMMENT_DELETED, ConsultationEvent.COMMENT_FLAGGED, ConsultationEvent.COMMENT_DISOWNED,
    ConsultationEvent.COMMENT_HIDDEN, ConsultationEvent.COMMENT_RESTORED, ConsultationEvent.ACCOUNT_SUSPENDED,
    ConsultationEvent.ACCOUNT_REINSTATED,
})

Publisher = Callable[[Sequence[dict[str, Any]]], None]
"""Receives the wire form of committed events (``{id, type, bill, actor, at, data}``), in id order."""


def bill_room(bill_id: int) -> str:
    return f"bill:{bill_id}"


def reader_room(bill_id: int, user_id: int) -> str:
    """One account's connections following a bill: where the events of a draft it may read go."""
    return f"bill:{bill_id}:reader:{user_id}"


def drafting_room(bill_id: int) -> str:
    """The drafters following a bill: where their cursors go (readers of the bill are not told who types where)."""
    return f"bill:{bill_id}:drafting"


def socketio_publisher(socketio: SocketIO, database: Database) -> Publisher:
    """Emit each bill event to the bill's room and to the site-wide room of public events; an event of a draft's
    history only to the accounts that may read it (``amendment_privacy``), each in its own room of the bill."""

    def publish(events: Sequence[dict[str, Any]]) -> None:
        bill_events = [payload for payload in events if payload["bill"] is not None]
        if amendment_privacy.concerns_amendments(bill_events):
            with database.read() as session:
                sent = amendment_privacy.deliveries(session, bill_events)
        else:
            sent = [amendment_privacy.Delivery(payload) for payload in bill_events]
        by_event: dict[int, list[amendment_privacy.Delivery]] = {}
        for delivery in sent:
            by_event.setdefault(delivery.payload["id"], []).append(delivery)
        for event_payload in events:
            if event_payload["type"] in MODERATION_TYPES:
                socketio.emit(MODERATION, moderation_notice(event_payload), to=MODERATION_ROOM, namespace="/")
            for delivery in by_event.get(event_payload["id"], []):
                _emit(socketio, delivery)

    return publish


def _emit(socketio: SocketIO, delivery: amendment_privacy.Delivery) -> None:
    payload = delivery.payload
    if delivery.user_id is not None:
        socketio.emit(EVENT, payload, to=reader_room(payload["bill"], delivery.user_id), namespace="/")
        return
    socketio.emit(EVENT, payload, to=bill_room(payload["bill"]), namespace="/")
    # The site-wide stream is for open-data users: public types only, no actor, public fields only, exactly as feeds
    # and webhooks publish them.
    if opendata.is_public(payload["type"], payload["bill"]):
        public = opendata.public_event(payload["id"], payload["type"], payload["bill"], payload["at"], payload["data"])
        socketio.emit(EVENT, public, to=SITE_ROOM, namespace="/")


def moderation_notice(payload: dict[str, Any]) -> dict[str, Any]:
    """What the moderation page is told of an event: which comment or account it touched, not its words or notes
    (the page asks for the counts again, and reads the rest where it always does)."""
    data = payload["data"]
    return {"id": payload["id"], "type": payload["type"], "actor": payload["actor"],
            "comment": data.get("comment_id"), "user": data.get("user_id")}


class Broadcaster:
    """Hands the events of each committed transaction to every subscribed publisher, in commit order."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.publishers: list[Publisher] = []
        event.listen(factory, "after_commit", self._after_commit)
        event.listen(factory, "after_transaction_create", self._mark_savepoint)
        # Not ``after_rollback``: it fires for a savepoint's rollback too, and cannot tell it from the whole.
        event.listen(factory, "after_soft_rollback", self._after_rollback)

    def subscribe(self, publish: Publisher) -> None:
        self.publishers.append(publish)

    @staticmethod
    def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
        if transaction.nested:
            marks = session.info.setdefault(_SAVEPOINT_MARKS, {})
            marks[id(transaction)] = len(session.info.get(PENDING_KEY, ()))

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released, not yet committed: its events wait for the transaction's commit
        session.info.pop(_SAVEPOINT_MARKS, None)
        pending = session.info.pop(PENDING_KEY, None)
        if not pending:
            return
        for publish in self.publishers:
            try:
                publish(pending)
            except Exception:
                # The change is committed and clients recover it through `since`; a failed emit must not turn
                # a committed change into an error for its author.
                log.exception("broadcast of %d committed events failed", len(pending))

    @staticmethod
    def _after_rollback(session: Session, previous: SessionTransaction) -> None:
        if not previous.nested:
            session.info.pop(_SAVEPOINT_MARKS, None)
            session.info.pop(PENDING_KEY, None)
            return
        mark = session.info.get(_SAVEPOINT_MARKS, {}).pop(id(previous), None)
        pending = session.info.get(PENDING_KEY)
        if mark is not None and pending is not None:
            del pending[mark:]
