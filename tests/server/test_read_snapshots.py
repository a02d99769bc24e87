"""A read unit of work sees the database as of one moment, however many statements it runs.

A page of comments, a bill with its provisions or a feed is read in several statements; a write committed between
two of them must not show in one and be missing from the next.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.services import accounts
from server.store.db import Database
from server.store.models import EventRecord, User


def _users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(EventRecord)) or 0)


def test_a_read_does_not_see_a_write_committed_while_it_runs(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.read() as reading:
            users, events = _users(reading), _events(reading)
            with database.write() as writing:
                accounts.register_user(writing, "committed-meanwhile", "citizen", "a-long-enough-password")
            # The account and its event were committed between the read's statements: neither shows.
            assert (_users(reading), _events(reading)) == (users, events)
        with database.read() as later:
            assert (_users(later), _events(later)) == (users + 1, events + 1)
    finally:
        database.dispose()
