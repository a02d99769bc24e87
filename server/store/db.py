"""Engines and sessions for SQLite (embedded) and PostgreSQL (scale-out).

Sessions are opened at the edge (an HTTP request, a socket event, a CLI command) with ``unit_of_work`` and
passed into services; nothing below this module creates a session of its own.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, writer: bool = True, **kwargs: Any) -> Engine:
    """Create an engine with the settings Parley relies on for each dialect.

    On SQLite a ``writer`` engine takes the write lock when a transaction begins; readers use a separate engine
    whose transactions stay deferred, so WAL lets them run beside a writer.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine, immediate=writer)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write, so two writers can both read the
    # chain head and then fight over the lock; taking the write lock at BEGIN (IMMEDIATE) serializes appends.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


class WriterQueue:
    """A lock that writers of one process take in the order they arrive.

    SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5 … 100 ms), so under a
    steady stream of edits an unlucky one keeps losing the race and waits seconds while others go by. Queueing
    the writers of the process here first hands the lock on the moment it is free, first come first served;
    SQLite's own lock still guards against other processes (the CLI, a second server). Held through the
    commit and its broadcast, it also publishes events in the order they were committed.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._guard:
            if not self._held and not self._waiting:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()

    def __exit__(self, *_exc: object) -> None:
        with self._guard:
            if self._waiting:
                # Ownership passes straight to the next writer: no one can slip in between.
                self._waiting.popleft().set()
            else:
                self._held = False


class Database:
    """The engines and session factories of one application."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, writer=True)
        # A read is several statements (a page and its counts, a bill and its provisions); each sees the database
        # as of one moment: SQLite's WAL gives a reading transaction one snapshot, PostgreSQL's READ COMMITTED would
        # take a new one per statement, so its reads run REPEATABLE READ (which never fails a transaction that
        # only reads).
        self.read_engine = (make_engine(url, writer=False) if url.startswith("sqlite")
                            else self.engine.execution_options(isolation_level="REPEATABLE READ"))
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.read_engine)
        # PostgreSQL queues lock waiters itself (the event log's advisory lock); SQLite polls.
        self.writers: WriterQueue | None = WriterQueue() if url.startswith("sqlite") else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that may append events."""
        with self.writers or nullcontext(), unit_of_work(self.sessions) as session:
            yield session

    def read(self) -> Any:
        """A read-only transaction (never takes the write lock on SQLite)."""
        return unit_of_work(self.read_sessions)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    with factory() as session, session.begin():
        yield session
