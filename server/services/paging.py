"""Keyset pages of a query: ``WHERE key > after ORDER BY key LIMIT n + 1``.

A page continues after the key of its last item rather than at an offset, so rows inserted or removed while a
client walks the pages never make it skip or repeat one. The extra row tells whether another page follows
without counting the whole table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.domain.paging import DEFAULT_LIMIT

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page: at most ``limit`` items whose key comes after ``after`` (None: from the start)."""

    limit: int = DEFAULT_LIMIT
    after: int | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items, and the key to continue after (None on the last page)."""

    items: list[T]
    next_after: int | None


def keyset(
    session: Session, query: Select[Any], key: InstrumentedAttribute[int], page: PageRequest, *,
    descending: bool = False,
) -> Page[Any]:
    """One page of ``query``'s rows (single-entity queries) ordered by ``key``, an integer unique per row."""
    if page.after is not None:
        query = query.where(key < page.after if descending else key > page.after)
    rows = list(session.scalars(query.order_by(key.desc() if descending else key).limit(page.limit + 1)))
    return cut(rows, page.limit, lambda row: int(getattr(row, key.key)))


def cut(rows: list[T], limit: int, position: Callable[[T], int]) -> Page[T]:
    """A page from up to ``limit + 1`` rows fetched in key order: the extra row only says that more follow."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    return Page(kept, position(kept[-1]))
