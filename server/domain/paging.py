"""Pages of API lists: their sizes, and the opaque cursor a client sends back to get the next page.

A cursor names the key of the last item a page held (lists are walked by a unique, ordered key, never by an
offset), so rows added or removed between two requests never make a client skip or repeat an item. It is opaque so
that what it holds may change without changing the API.

Pure: no Flask, no SQLAlchemy, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from server.domain.wording import wording

DEFAULT_LIMIT: Final = 500
MAX_LIMIT: Final = 1000
MAX_CURSOR_LENGTH: Final = 64
CURSOR_PATTERN: Final = "^[A-Za-z0-9_-]+$"

MAX_POSITION: Final = 2**63
_PREFIX: Final = "k1:"
_POSITION: Final = re.compile(r"(0|[1-9]\d{0,18})")


class BadCursor(ValueError):
    """The cursor is not one this API gave out; its one argument says why, as a sentence (a
    :class:`~server.domain.wording.Wording`)."""


def encode_cursor(position: int) -> str:
    """The cursor of a page that continues after ``position`` (a non-negative key)."""
    if position < 0:
        raise ValueError(f"positions are not negative; found {position}")
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor continues after, or :class:`BadCursor`."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not re.fullmatch(CURSOR_PATTERN, cursor):
        raise BadCursor(wording("a cursor is the \"next\" value of a previous page"))
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(wording("a cursor is the \"next\" value of a previous page")) from None
    if not text.startswith(_PREFIX) or not _POSITION.fullmatch(text[len(_PREFIX):]):
        raise BadCursor(wording("a cursor is the \"next\" value of a previous page"))
    position = int(text[len(_PREFIX):])
    if position >= MAX_POSITION:  # 19 digits reach past what a 64-bit key holds
        raise BadCursor(wording("a cursor is the \"next\" value of a previous page"))
    return position
