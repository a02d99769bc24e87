"""Admission to citizens' writes: how many may wait for the write lock in one process at once.

Every write queues for one lock (``server.store.db.WriterQueue`` in a process on SQLite, the log's advisory lock on
PostgreSQL): a drafter's keystroke waits behind every comment that arrived before it. Behind a long write (a
consolidation, an import) or a busy database, a flood of comments (a campaign, a bot) would line up there by the
hundreds, each answered seconds later. Beyond a bound, a citizen's write is turned away at once with 429 and
``Retry-After``, before it costs anything more; nothing turned away was written.

The writes admitted are run by the process's :class:`~server.store.group_commit.GroupCommit`: those that arrive
together share one transaction and one commit (see that module).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, request

from server.errors import IntakeBusy
from server.store.group_commit import GroupCommit, T, Work

#: Seconds a client turned away is asked to wait before it tries again.
RETRY_AFTER_SECONDS = 1


class IntakeGate:
    """A count of the citizens' writes this process has admitted and not yet answered."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the intake bound must be at least 1; found {limit}")
        self.limit = limit
        self._guard = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def full(self) -> bool:
        return self._pending >= self.limit

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place while the write runs; :class:`IntakeBusy` when every place is taken."""
        with self._guard:
            if self.full:
                raise busy()
            self._pending += 1
        try:
            yield
        finally:
            with self._guard:
                self._pending -= 1


def busy() -> IntakeBusy:
    return IntakeBusy("many comments are arriving at once and yours was not taken; send it again in a moment",
                      retry_after=RETRY_AFTER_SECONDS)


def intake_gate() -> IntakeGate:
    gate: IntakeGate = current_app.extensions["parley.intake"]
    return gate


def citizen_writes() -> GroupCommit:
    """The group commit that runs citizens' writes in this process."""
    writes: GroupCommit = current_app.extensions["parley.citizen_writes"]
    return writes


def write_as_citizen(work: Work[T]) -> T:
    """Run one citizen's write: a place in the intake line (or :class:`IntakeBusy`), then its batch."""
    with intake_gate().admit():
        return citizen_writes().run(work)


def init_intake(app: Flask, writes: Iterable[str]) -> None:
    """Bound the citizens' write endpoints ``writes`` (their handlers also hold a place while they write)."""
    gate = app.extensions["parley.intake"] = IntakeGate(int(app.config.get("COMMENT_INTAKE_MAX_PENDING", 128)))
    endpoints = frozenset(writes)

    @app.before_request
    def _turn_away_when_full() -> None:
        # Before the request is authenticated and checked against its schema (registered ahead of those): in a
        # flood, turning a post away must cost next to nothing, or the refusals eat the time of those let in.
        if gate.full and request.endpoint in endpoints:
            raise busy()

    app.extensions["parley.citizen_writes"] = GroupCommit(
        app.extensions["parley.db"], max_batch=int(app.config.get("COMMENT_INTAKE_BATCH", 64)))
