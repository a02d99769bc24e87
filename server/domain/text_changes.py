"""The changes between two texts of a provision, found word by word with their markup: the smallest ones, each
quoted the way a reader finds it (widened until it holds a word, and, in the "widen" style, until it is unique).

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from server.domain.drafting_style import MAX_WIDENING, WESTMINSTER, DraftingStyle
from server.domain.words import Reading, read_words

__all__ = ["ChangeKind", "TextChange", "compare_texts"]

ChangeKind = Literal["replace", "delete", "insert"]


@dataclass(frozen=True)
class TextChange:
    """One change to a provision's text, in the words of the old text (``old_start``..``old_end``)."""

    kind: ChangeKind
    old_start: int
    old_end: int
    new_start: int
    new_end: int
    left_out: str  # reader text that goes (empty for an insertion)
    inserted: str  # reader text that comes (empty for an omission)
    anchor: str | None = None  # for an insertion: the words it follows, or None at the beginning/end
    position: Literal["after", "beginning", "end"] | None = None
    occurrence: int | None = None  # set when the quote (or anchor) occurs more than once
    # True for a replacement whose words read the same before and after: only their formatting or markup (bold,
    # a reference, a term) changes, which no instruction can say ("leave out "x" and insert "x"").
    markup_only: bool = False

    def span(self) -> tuple[int, int]:
        """The old words this change touches, as a half-open word range (empty for an insertion)."""
        return (self.old_start, self.old_end)


def _raw_changes(old: Reading, new: Reading) -> list[tuple[int, int, int, int]]:
    matcher = SequenceMatcher(None, [w.key for w in old.words], [w.key for w in new.words], autojunk=False)
    changes = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    # Merge two changes when the words between them are no more than either change (the rule
    # diff-match-patch's semantic cleanup applies to characters): "thirty days after" → "sixty days before"
    # reads better as one replacement than as two.
    merged: list[tuple[int, int, int, int]] = []
    for change in changes:
        if merged:
            i1, i2, j1, j2 = merged[-1]
            gap = change[0] - i2
            before = max(i2 - i1, j2 - j1)
            after = max(change[1] - change[0], change[3] - change[2])
            if gap <= min(before, after):
                merged[-1] = (i1, change[1], j1, change[3])
                continue
        merged.append(change)
    return merged


def _occurrences(text: str, quote: str) -> list[int]:
    """Where ``quote`` starts in ``text`` as whole words (overlapping matches counted)."""
    left = r"(?<!\w)" if quote[:1].isalnum() or quote[:1] == "_" else ""
    right = r"(?!\w)" if quote[-1:].isalnum() or quote[-1:] == "_" else ""
    pattern = re.compile(f"(?={left}{re.escape(quote)}{right})")
    return [m.start() for m in pattern.finditer(text)]


def _has_word(reading: Reading, first: int, last: int) -> bool:
    return any(reading.words[k].is_word for k in range(first, last))


def _occurrence_of(reading: Reading, first: int, last: int) -> int | None:
    """The ordinal of the quote of words ``first..last`` in the text, or None when it is unique."""
    starts = _occurrences(reading.text, reading.quote(first, last))
    if len(starts) <= 1:
        return None
    return sum(1 for s in starts if s < reading.words[first].start) + 1


def _widen_span(
    old: Reading, new: Reading, span: tuple[int, int, int, int], style: DraftingStyle
) -> tuple[tuple[int, int, int, int], int | None]:
    """Take in unchanged neighbours until the quote holds a word and, in the "widen" style, is unique."""
    i1, i2, j1, j2 = span

    def can_left() -> bool:
        return i1 > 0 and j1 > 0

    def can_right() -> bool:
        return i2 < len(old.words) and j2 < len(new.words)

    # A quote of punctuation alone ("leave out ","") is unreadable: take in a neighbouring word.
    while not (_has_word(old, i1, i2) or _has_word(new, j1, j2)) and (can_left() or can_right()):
        if can_left():
            i1, j1 = i1 - 1, j1 - 1
        else:
            i2, j2 = i2 + 1, j2 + 1
    occurrence = _occurrence_of(old, i1, i2) if i2 > i1 else None
    if occurrence is not None and style.disambiguation == "widen":
        trial = (i1, i2, j1, j2)
        for step in range(MAX_WIDENING):
            a1, a2, b1, b2 = trial
            if step % 2 == 0 and a2 < len(old.words) and b2 < len(new.words):
                trial = (a1, a2 + 1, b1, b2 + 1)
            elif a1 > 0 and b1 > 0:
                trial = (a1 - 1, a2, b1 - 1, b2)
            elif a2 < len(old.words) and b2 < len(new.words):
                trial = (a1, a2 + 1, b1, b2 + 1)
            else:
                break
            if _occurrence_of(old, trial[0], trial[1]) is None:
                return trial, None
    return (i1, i2, j1, j2), occurrence


def _insertion(old: Reading, new: Reading, span: tuple[int, int, int, int], style: DraftingStyle) -> TextChange:
    at, _, j1, j2 = span
    inserted = new.quote(j1, j2)
    if at == 0:
        return TextChange("insert", 0, 0, j1, j2, "", inserted, None, "beginning")
    if at == len(old.words):
        return TextChange("insert", at, at, j1, j2, "", inserted, None, "end")
    first = at - 1
    while first > 0 and not _has_word(old, first, at):
        first -= 1
    occurrence = _occurrence_of(old, first, at)
    if occurrence is not None and style.disambiguation == "widen":
        for trial in range(first - 1, max(first - 1 - MAX_WIDENING, -1), -1):
            if _occurrence_of(old, trial, at) is None:
                first, occurrence = trial, None
                break
    return TextChange("insert", at, at, j1, j2, "", inserted, old.quote(first, at), "after", occurrence)


def compare_texts(old_markup: str, new_markup: str, style: DraftingStyle = WESTMINSTER) -> list[TextChange]:
    """The smallest word-level changes that turn ``old_markup`` into ``new_markup``, in text order."""
    old, new = read_words(old_markup), read_words(new_markup)
    # A quote widened to be readable or unique may reach over the change beside it: two changes would then
    # cover the same words. Such neighbours become one change, made of their raw spans (whose edges map old
    # words to new ones exactly) and widened again.
    spans = list(_raw_changes(old, new))
    placed: list[tuple[tuple[int, int, int, int], tuple[int, int, int, int], int | None]] = []
    k = 0
    while k < len(spans):
        raw = spans[k]
        widened, occurrence = (raw, None) if raw[0] == raw[1] else _widen_span(old, new, raw, style)
        if placed and widened[0] < placed[-1][1][1]:
            before, _, _ = placed.pop()
            spans[k] = (before[0], raw[1], before[2], raw[3])
            continue
        if k + 1 < len(spans) and widened[1] > spans[k + 1][0]:
            after = spans[k + 1]
            spans[k + 1] = (raw[0], after[1], raw[2], after[3])
            k += 1
            continue
        placed.append((raw, widened, occurrence))
        k += 1
    result: list[TextChange] = []
    for _raw, span, occurrence in placed:
        i1, i2, j1, j2 = span
        if i1 == i2:
            result.append(_insertion(old, new, span, style))
            continue
        kind: ChangeKind = "replace" if j2 > j1 else "delete"
        inserted = new.quote(j1, j2) if j2 > j1 else ""
        same_words = [w.text for w in old.words[i1:i2]] == [w.text for w in new.words[j1:j2]]
        result.append(TextChange(kind, i1, i2, j1, j2, old.quote(i1, i2), inserted, occurrence=occurrence,
                                 markup_only=kind == "replace" and same_words))
    return result
