"""The event log: ordered appends, optimistic concurrency, and a hash chain that exposes tampering."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from server.domain.events import EventDraft
from server.errors import StreamVersionConflict
from server.store import eventlog
from server.store.db import Database
from server.store.models import EventRecord


def _append(db: Database, stream: str, expected: int | None, n: int = 0) -> EventRecord:
    with db.write() as session:
        return eventlog.append(
            session, EventDraft(stream=stream, type="test.happened", data={"n": n}), expected_version=expected
        )


def test_appends_number_streams_and_ids_in_order(db: Database) -> None:
    first = _append(db, "s/1", 0)
    second = _append(db, "s/1", 1)
    other = _append(db, "s/2", 0)
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert [first.id, second.id, other.id] == [1, 2, 3]
    assert second.previous_hash == first.hash and other.previous_hash == second.hash


def test_append_based_on_a_stale_version_is_refused(db: Database) -> None:
    _append(db, "s/1", 0)
    with pytest.raises(StreamVersionConflict) as refused:
        _append(db, "s/1", 0)
    assert refused.value.details["current_version"] == 1
    with db.read() as session:
        assert eventlog.last_event_id(session) == 1


def test_concurrent_appends_on_one_version_let_exactly_one_through(db: Database) -> None:
    _append(db, "s/1", 0)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        barrier.wait()
        try:
            _append(db, "s/1", 1, n)
            outcomes.append("ok")
        except StreamVersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    with db.read() as session:
        assert eventlog.verify_chain(session).ok
        assert [r.version for r in eventlog.events_after(session, 0)] == [1, 2]


def test_concurrent_appends_to_different_streams_keep_one_unbroken_chain(db: Database) -> None:
    def writer(stream: str) -> None:
        for n in range(10):
            _append(db, stream, None, n)

    threads = [threading.Thread(target=writer, args=(f"s/{k}",)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.read() as session:
        report = eventlog.verify_chain(session)
        assert report.ok and report.checked == 30
        assert [r.id for r in eventlog.events_after(session, 0)] == list(range(1, 31))


def test_a_rolled_back_append_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        eventlog.append(session, EventDraft(stream="s/1", type="test.happened", data={}))
        raise RuntimeError("the service failed after appending")
    with db.read() as session:
        assert eventlog.last_event_id(session) == 0


@pytest.mark.parametrize(
    ("tampering", "bad_id", "words"),
    [
        ("UPDATE events SET data = '{\"n\": 99}' WHERE id = 3", 3, "altered"),
        ("DELETE FROM events WHERE id = 3", 3, "missing"),
        ("UPDATE events SET type = 'test.other' WHERE id = 5", 5, "altered"),
    ],
)
def test_tampering_with_a_row_is_named_by_the_audit(db: Database, tampering: str, bad_id: int, words: str) -> None:
    for n in range(6):
        _append(db, "s/1", None, n)
    with db.engine.begin() as connection:
        connection.execute(text(tampering))
    with db.read() as session:
        report = eventlog.verify_chain(session)
    assert not report.ok
    assert report.first_bad_id == bad_id
    assert words in (report.problem or "")


def test_reordering_rows_is_caught(db: Database) -> None:
    for n in range(4):
        _append(db, "s/1", None, n)
    # Swap the contents of events 2 and 3, keeping ids: the chain no longer links.
    with db.read() as session:
        two, three = eventlog.events_after(session, 1, limit=2)
        swap = [(two.id, three), (three.id, two)]
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE events SET version = -version, hash = substr(hash, 2) || 'x' WHERE id IN (2, 3)")
        )
        for target, source in swap:
            connection.execute(
                text(
                    "UPDATE events SET stream=:s, version=:v, data=:d, previous_hash=:p, hash=:h WHERE id=:id"
                ),
                {"s": source.stream, "v": source.version, "d": f'{{"n": {source.data["n"]}}}',
                 "p": source.previous_hash, "h": source.hash, "id": target},
            )
    with db.read() as session:
        report = eventlog.verify_chain(session)
    assert not report.ok and report.first_bad_id == 2
