"""Writers of one process take SQLite's write lock in the order they arrive, one at a time."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from server.store.db import Database, WriterQueue


def test_writers_enter_in_arrival_order() -> None:
    queue = WriterQueue()
    entered: list[int] = []
    queue.__enter__()
    threads = []
    for number in range(8):
        thread = threading.Thread(target=lambda n=number: (queue.__enter__(), entered.append(n), queue.__exit__()))
        thread.start()
        threads.append(thread)
        # The next writer arrives only once this one is waiting in line.
        deadline = time.monotonic() + 10
        while len(queue._waiting) < number + 1:
            assert time.monotonic() < deadline, "a writer never joined the line"
            time.sleep(0.001)
    queue.__exit__()
    for thread in threads:
        thread.join(timeout=10)
    assert entered == list(range(8))


def test_one_writer_at_a_time_and_none_lost(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    inside = 0
    most = 0
    guard = threading.Lock()

    def write(number: int) -> None:
        nonlocal inside, most
        with database.write() as session:
            with guard:
                inside += 1
                most = max(most, inside)
            session.execute(text("INSERT INTO kv (k) VALUES (:k)"), {"k": number})
            time.sleep(0.002)
            with guard:
                inside -= 1

    try:
        with database.write() as session:
            session.execute(text("CREATE TABLE kv (k INTEGER PRIMARY KEY)"))
        threads = [threading.Thread(target=write, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with database.read() as session:
            assert session.scalar(text("SELECT count(*) FROM kv")) == 40
    finally:
        database.dispose()
    assert most == 1


def test_postgresql_writers_are_not_queued_in_process() -> None:
    # PostgreSQL queues waiters on the event log's advisory lock itself, across processes.
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert database.writers is None
    database.dispose()
