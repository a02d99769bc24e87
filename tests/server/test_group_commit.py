"""Writes that arrive together share a transaction; each is answered only after its commit, fails alone, and its
events are broadcast once, in order, only if it was kept."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.events import EventDraft
from server.store import eventlog
from server.store.db import Database
from server.store.group_commit import GroupCommit
from server.store.models import EventRecord


def _append(session: Session, n: int) -> int:
    return eventlog.append(session, EventDraft(stream=f"test/{n}", type="test.happened", data={"n": n},
                                               bill_id=1)).id


def _published(app: Flask) -> list[dict[str, Any]]:
    """What the broadcaster publishes; each event must already be visible to another connection by then."""
    seen: list[dict[str, Any]] = []
    db: Database = app.extensions["parley.db"]

    def publish(events: Sequence[dict[str, Any]]) -> None:
        with db.read() as other:
            for event in events:
                assert other.get(EventRecord, event["id"]) is not None, "published before its commit"
        seen.extend(events)

    app.extensions["parley.broadcaster"].subscribe(publish)
    return seen


def _committed(db: Database) -> list[int]:
    with db.read() as session:
        return [record.data["n"] for record in session.scalars(select(EventRecord).order_by(EventRecord.id))]


def test_writes_waiting_behind_a_batch_share_the_next_one(app: Flask, db: Database) -> None:
    group = GroupCommit(db, max_batch=64)
    published = _published(app)
    others_waiting, first_running = threading.Event(), threading.Event()
    writers = 12

    def first(session: Session) -> int:
        # The first write holds its batch open until the eleven others are queued behind it.
        first_running.set()
        assert others_waiting.wait(10)
        return _append(session, 0)

    results: dict[int, int] = {}
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            results[n] = group.run(first if n == 0 else lambda session: _append(session, n))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(0,))]
    threads[0].start()
    assert first_running.wait(10)
    threads += [threading.Thread(target=write, args=(n,)) for n in range(1, writers)]
    for thread in threads[1:]:
        thread.start()
    while len(group._waiting) < writers - 1:
        threading.Event().wait(0.001)
    others_waiting.set()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert (group.batches, group.writes) == (2, writers), "one batch for the first, one for the eleven behind it"
    assert sorted(_committed(db)) == list(range(writers))
    assert [event["id"] for event in published] == sorted(results.values())
    assert len(published) == writers


def test_a_failing_write_is_undone_alone_and_its_events_never_published(app: Flask, db: Database) -> None:
    group = GroupCommit(db)
    published = _published(app)
    release, first_running = threading.Event(), threading.Event()
    outcomes: dict[int, object] = {}

    def work(n: int) -> Any:
        def run(session: Session) -> int:
            if n == 0:
                first_running.set()
                assert release.wait(10)
            event_id = _append(session, n)
            if n == 2:
                raise ValueError("refused after appending")
            return event_id
        return run

    def write(n: int) -> None:
        try:
            outcomes[n] = group.run(work(n))
        except ValueError as error:
            outcomes[n] = error

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    threads[0].start()
    assert first_running.wait(10)
    for thread in threads[1:]:
        thread.start()
    while len(group._waiting) < 3:
        threading.Event().wait(0.001)
    release.set()
    for thread in threads:
        thread.join(10)
    assert isinstance(outcomes[2], ValueError)
    assert sorted(_committed(db)) == [0, 1, 3]
    assert [event["data"]["n"] for event in published] == _committed(db)
    # The chain has no gap: the write undone took no id.
    assert [event["id"] for event in published] == [1, 2, 3]
    assert group.writes == 4


def test_a_failed_commit_fails_every_write_of_its_batch(app: Flask, db: Database,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    group = GroupCommit(db)
    published = _published(app)

    def refuse(_session: Session) -> None:
        raise RuntimeError("the disk is full")

    from sqlalchemy import event as sa_event

    sa_event.listen(db.sessions, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError, match="disk is full"):
            group.run(lambda session: _append(session, 1))
    finally:
        sa_event.remove(db.sessions, "before_commit", refuse)
    assert _committed(db) == [] and published == []
    # The group is free for the next write.
    assert group.run(lambda session: _append(session, 2)) == 1
    assert _committed(db) == [2]


def test_writes_from_many_threads_all_land_once(app: Flask, db: Database) -> None:
    group = GroupCommit(db, max_batch=8)
    published = _published(app)
    results: list[int] = []
    guard = threading.Lock()

    def write(n: int) -> None:
        for k in range(10):
            event_id = group.run(lambda session, m=n * 100 + k: _append(session, m))
            with guard:
                results.append(event_id)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == list(range(1, 161))
    assert [event["id"] for event in published] == list(range(1, 161))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 160
    assert group.batches <= 160 and group.writes == 160
