"""Events reach Socket.IO only after their transaction commits; a rolled-back change emits nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from flask import Flask

from server.domain.events import EventDraft
from server.store import eventlog
from server.store.db import Database
from server.store.models import EventRecord


class Recorder:
    """A publisher that notes, at publication time, whether another connection can already see the event."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.published: list[tuple[int, bool]] = []

    def __call__(self, events: Sequence[dict[str, Any]]) -> None:
        for event in events:
            with self.db.read() as other:
                visible = other.get(EventRecord, event["id"]) is not None
            self.published.append((event["id"], visible))


def test_publication_follows_commit_and_sees_committed_rows(app: Flask, db: Database) -> None:
    recorder = Recorder(db)
    app.extensions["parley.broadcaster"].subscribe(recorder)
    with db.write() as session:
        eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={}, bill_id=1))
        eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={}, bill_id=1))
        assert recorder.published == [], "nothing is published while the transaction is open"
    assert recorder.published == [(1, True), (2, True)]


def test_rolled_back_service_call_emits_nothing(app: Flask, db: Database) -> None:
    recorder = Recorder(db)
    app.extensions["parley.broadcaster"].subscribe(recorder)
    with pytest.raises(ValueError), db.write() as session:
        eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={}, bill_id=1))
        raise ValueError("the service refused after appending")
    with db.write() as session:
        eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={"n": 2}, bill_id=1))
    assert recorder.published == [(1, True)], "only the committed event, which took id 1, was published"


def test_a_rolled_back_savepoint_drops_only_its_own_events(app: Flask, db: Database) -> None:
    recorder = Recorder(db)
    app.extensions["parley.broadcaster"].subscribe(recorder)
    with db.write() as session:
        with session.begin_nested():
            eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={"n": 1}, bill_id=1))
        with pytest.raises(ValueError), session.begin_nested():
            eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={"n": 2}, bill_id=1))
            raise ValueError("this one write is refused")
        with session.begin_nested():
            eventlog.append(session, EventDraft(stream="bill/1", type="test.happened", data={"n": 3}, bill_id=1))
    assert recorder.published == [(1, True), (2, True)], "the first and third, which took ids 1 and 2"
