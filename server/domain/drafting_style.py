"""How an amendment's instructions are worded: the drafting style (Westminster or the EU's two columns), how a
quote that occurs more than once is pinned down, and which quotation marks quote words without ambiguity.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

__all__ = ["MAX_WIDENING", "WESTMINSTER", "DraftingStyle", "StyleName"]

# How many neighbouring words a quote may take in to become unique before "where it occurs" is used.
MAX_WIDENING: Final = 4

# Quotation marks, as (opening, closing): the straight and curly kinds, double then single.
_STRAIGHT: Final = (('"', '"'), ("'", "'"))
_CURLY: Final = (("\u201c", "\u201d"), ("\u2018", "\u2019"))
_APOSTROPHES: Final = frozenset("'\u2019")


def _holds_marks(text: str, marks: tuple[str, str]) -> bool:
    """True when ``text`` holds either mark as a quotation mark (an apostrophe inside a word, as in "person's",
    is not one)."""
    for k, ch in enumerate(text):
        if ch not in marks:
            continue
        inside_a_word = 0 < k < len(text) - 1 and text[k - 1].isalnum() and text[k + 1].isalnum()
        if not (ch in _APOSTROPHES and inside_a_word):
            return True
    return False


class StyleName(StrEnum):
    WESTMINSTER = "westminster"
    EU = "eu"


@dataclass(frozen=True)
class DraftingStyle:
    """How instructions are worded.

    ``disambiguation`` says how a quote that occurs more than once is pinned down: ``"occurrence"`` (``leave
    out "the" where it second occurs``) or ``"widen"`` (quote neighbouring words until the quote is unique,
    falling back on the occurrence when that takes more than :data:`MAX_WIDENING` words).
    """

    name: StyleName = StyleName.WESTMINSTER
    disambiguation: Literal["occurrence", "widen"] = "occurrence"
    open_quote: str = '"'
    close_quote: str = '"'
    # Where the change is, when known ("Page 2, line 14"), put before the provision's citation.
    location: str | None = None

    def quote_marks(self, text: str) -> tuple[str, str]:
        """The marks that quote ``text`` without ambiguity: the style's own, unless the text holds them (``insert
        '"'``, ``leave out '"Clerk" means'``); then the other kind of the same family (single for double, double
        for single), then the other family (curly for straight, straight for curly)."""
        own = (self.open_quote, self.close_quote)
        families = (_CURLY, _STRAIGHT) if own in _CURLY else (_STRAIGHT, _CURLY)
        candidates = [own, *(pair for family in families for pair in family if pair != own)]
        for marks in candidates:
            if not _holds_marks(text, marks):
                return marks
        return own  # the text holds every kind of quotation mark: nothing would do better

    def quoted(self, text: str) -> str:
        opening, closing = self.quote_marks(text)
        return f"{opening}{text}{closing}"


WESTMINSTER: Final = DraftingStyle()
