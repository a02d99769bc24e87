"""Group commit: many small writes that arrive together share one transaction and one commit.

A citizen's comment is a few rows, but its own transaction also pays for the write lock, the commit and (on
SQLite with ``synchronous=FULL``) the flush of every page it touched to disk: more than the rows cost. When a
campaign or a debate brings hundreds at once, the writes waiting in one process are run together instead, each
in a savepoint of a shared transaction, so one that fails is undone alone and tells only its own author, and the
others commit together. No write is answered before the commit that holds it, and the events of a batch are
broadcast after that commit, in order, as those of any other transaction.

Whoever arrives while no batch is running leads: it lets the writes that are ready join (one yield of the
thread or greenlet), runs up to ``max_batch`` of them, and hands the lead to the oldest write still waiting, so
no request does more than one batch of others' work before it is answered.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from server.store.db import Database

T = TypeVar("T")

Work = Callable[[Session], T]


class _Ticket(Generic[T]):
    """One write waiting for its batch: what to run, and what became of it."""

    __slots__ = ("done", "error", "leads", "result", "work")

    def __init__(self, work: Work[T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.leads = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit:
    """Runs the writes of one process in shared transactions of at most ``max_batch`` writes each."""

    def __init__(self, database: Database, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError(f"a batch holds at least one write; found {max_batch}")
        self.database = database
        self.max_batch = max_batch
        self._guard = threading.Lock()
        self._waiting: deque[_Ticket[Any]] = deque()
        self._leading = False
        #: How many batches were committed, and how many writes they held (for tests and operators).
        self.batches = 0
        self.writes = 0

    def run(self, work: Work[T]) -> T:
        """Run ``work(session)`` in a savepoint of a shared transaction; its result once that has committed.

        What ``work`` raises is raised here, and only its own changes are undone; a failed commit fails every
        write of the batch, none of which was kept.
        """
        ticket: _Ticket[T] = _Ticket(work)
        with self._guard:
            self._waiting.append(ticket)
            leads = ticket.leads = not self._leading
            self._leading = True
        if not leads:
            ticket.done.wait()
            if not ticket.leads:
                return ticket.outcome()
        try:
            if leads:
                # The writes whose requests are ready come in now: under gevent nothing else runs while this
                # greenlet does, and with threads the others may be a few instructions from arriving. A write
                # handed the lead has waited through a batch, and the writes behind it are already in line.
                time.sleep(0)
            with self._guard:
                batch = [self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))]
            self._commit(batch)
        finally:
            with self._guard:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.leads = True
                    successor.done.set()
                else:
                    self._leading = False
        return ticket.outcome()

    def _commit(self, batch: list[_Ticket[Any]]) -> None:
        try:
            with self.database.write() as session:
                for ticket in batch:
                    try:
                        with session.begin_nested():
                            ticket.result = ticket.work(session)
                    except Exception as error:
                        ticket.error = error
                        ticket.result = None
            self.batches += 1
            self.writes += len(batch)
        except BaseException as error:
            for ticket in batch:
                if ticket.error is None:
                    ticket.error = error
                    ticket.result = None
            if not isinstance(error, Exception):
                raise
        finally:
            for ticket in batch:
                ticket.leads = False
                ticket.done.set()
