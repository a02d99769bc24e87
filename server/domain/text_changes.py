"""The changes between two texts of a provision, found word by word with their markup: the smallest ones, each
quoted the way a reader finds it (widened until it holds a word, and, in the "widen" style, until it is unique).

A quote takes bracketed numbers and citations whole (``"(1)"``, never ``"1"`` or ``") or (3"``), and every change,
applied as its instruction reads, gives the text the member typed, spacing included: a change whose words would
come out spaced otherwise (``leave out "subsection" and insert "section 12"`` for "section 12(1)") takes in the
neighbouring words until it does (``server.domain.quote_edges``).

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from server.domain.drafting_style import MAX_WIDENING, WESTMINSTER, DraftingStyle
from server.domain.quote_edges import Citations, find_citations, spacing
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


Span = tuple[int, int, int, int]  # old words i1..i2 become new words j1..j2


def _keys(reading: Reading) -> list[tuple[tuple[str, ...], str]]:
    return [w.key for w in reading.words]


def _respacings(old: Reading, new: Reading, matcher: SequenceMatcher[tuple[tuple[str, ...], str]]) -> list[Span]:
    """The unchanged words whose spacing changed ("section 12 (1)" typed "section 12(1)"): a change all the same,
    which an instruction must say, as each pair of words either side of the space."""
    spans: list[Span] = []
    for i, j, size in matcher.get_matching_blocks():
        for d in range(1, size):
            if old.joined(i + d) != new.joined(j + d):
                spans.append((i + d - 1, i + d + 1, j + d - 1, j + d + 1))
    return spans


def _raw_changes(old: Reading, new: Reading) -> list[Span]:
    matcher = SequenceMatcher(None, _keys(old), _keys(new), autojunk=False)
    changes = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    changes = sorted(changes + _respacings(old, new, matcher))
    # Merge two changes when the words between them are no more than either change (the rule
    # diff-match-patch's semantic cleanup applies to characters): "thirty days after" → "sixty days before"
    # reads better as one replacement than as two. Changes that share words are one.
    merged: list[Span] = []
    for change in changes:
        if merged:
            i1, i2, j1, j2 = merged[-1]
            gap = change[0] - i2
            before = max(i2 - i1, j2 - j1)
            after = max(change[1] - change[0], change[3] - change[2])
            if gap <= min(before, after):
                merged[-1] = (i1, max(i2, change[1]), j1, max(j2, change[3]))
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


@dataclass(frozen=True)
class _Texts:
    """The two texts compared, with what placing a change's edges needs of each."""

    old: Reading
    new: Reading
    old_keys: tuple[tuple[tuple[str, ...], str], ...]
    new_keys: tuple[tuple[tuple[str, ...], str], ...]
    old_citations: Citations
    new_citations: Citations

    @classmethod
    def of(cls, old: Reading, new: Reading) -> _Texts:
        return cls(old, new, tuple(_keys(old)), tuple(_keys(new)), find_citations(old), find_citations(new))


def _gap(reading: Reading, k: int) -> str | None:
    """The space between word ``k - 1`` and word ``k``; None at either end of the text."""
    if k <= 0 or k >= len(reading.words):
        return None
    return "" if reading.joined(k) else " "


def _spaced(expected: str | None, gap: str | None) -> bool:
    return expected is None or expected == (gap or "")


def _reads_as_typed(t: _Texts, span: Span) -> tuple[bool, bool]:
    """Whether each edge of the change, made as its instruction reads, is spaced as in the new text.

    Words left out and inserted in their place keep the old spacing around them; words inserted, or words either
    side of words left out, are spaced as :func:`spacing` says a reader puts them.
    """
    old, new = t.old, t.new
    i1, i2, j1, j2 = span
    if i1 < i2 and j1 < j2:
        return _gap(old, i1) == _gap(new, j1), _gap(old, i2) == _gap(new, j2)
    if i1 < i2:
        if i1 == 0 or i2 == len(old.words):
            return True, True
        return _spaced(spacing(old.words[i1 - 1].text, old.text[old.words[i2].start :]), _gap(new, j1)), True
    inserted = new.quote(j1, j2)
    left = i1 == 0 or _spaced(spacing(old.words[i1 - 1].text, inserted), _gap(new, j1))
    right = i1 == len(old.words) or _spaced(spacing(inserted, old.text[old.words[i1].start :]), _gap(new, j2))
    return left, right


def _edges_fit(t: _Texts, span: Span) -> tuple[bool, bool]:
    """Whether each edge of the change falls outside bracketed numbers and citations, in both texts."""
    i1, i2, j1, j2 = span
    # Words inserted after a citation may continue it with groups of their own: after "(1)", insert "(a)".
    insertion = i1 == i2
    left = not t.old_citations.cuts(i1) and not t.new_citations.cuts(j1, between_groups=insertion)
    right = not t.old_citations.cuts(i2) and not t.new_citations.cuts(j2, between_groups=insertion)
    return left, right


def _fits(t: _Texts, span: Span) -> tuple[bool, bool]:
    (fit_left, fit_right), (typed_left, typed_right) = _edges_fit(t, span), _reads_as_typed(t, span)
    return fit_left and typed_left, fit_right and typed_right


def _slides(t: _Texts, span: Span) -> Iterator[Span]:
    """``span``, then the same insertion or omission moved along the words it repeats, nearest first: inserting
    ") or (3" after "(1" is inserting " or (3)" after "(1)"."""
    yield span
    if (span[0] == span[1]) == (span[2] == span[3]):
        return  # a replacement has one place
    ok, nk = t.old_keys, t.new_keys

    # A move pairs an old word with another new one: the space before the pair must stay the same too.
    def right(s: Span) -> Span | None:
        a1, a2, b1, b2 = s
        if a2 >= len(ok) or b2 >= len(nk) or ok[a2] != nk[b2] or _gap(t.old, a1) != _gap(t.new, b1):
            return None
        moved_first = nk[b1] if a1 == a2 else ok[a1]
        return (a1 + 1, a2 + 1, b1 + 1, b2 + 1) if moved_first == ok[a2] else None

    def left(s: Span) -> Span | None:
        a1, a2, b1, b2 = s
        if a1 == 0 or b1 == 0 or ok[a1 - 1] != nk[b1 - 1] or _gap(t.old, a2) != _gap(t.new, b2):
            return None
        moved_last = nk[b2 - 1] if a1 == a2 else ok[a2 - 1]
        return (a1 - 1, a2 - 1, b1 - 1, b2 - 1) if moved_last == ok[a1 - 1] else None

    ahead: Span | None = span
    back: Span | None = span
    while ahead is not None or back is not None:
        ahead = right(ahead) if ahead is not None else None
        back = left(back) if back is not None else None
        yield from (s for s in (ahead, back) if s is not None)


def _settle(t: _Texts, span: Span) -> Span:
    """``span`` moved, or else widened, until no edge cuts a bracketed number or citation and, made as worded, it
    gives the new text's spacing."""
    for candidate in _slides(t, span):
        if all(_fits(t, candidate)):
            return candidate
    while True:
        i1, i2, j1, j2 = span
        left, right = _fits(t, span)
        grown = span
        if not left and i1 > 0 and j1 > 0:
            grown = (i1 - 1, i2, j1 - 1, j2)
        if not right and i2 < len(t.old.words) and j2 < len(t.new.words):
            grown = (grown[0], i2 + 1, grown[2], j2 + 1)
        if grown == span:
            return span
        span = grown


def _widen_span(t: _Texts, span: Span, style: DraftingStyle) -> tuple[Span, int | None]:
    """Take in unchanged neighbours until the quote holds a word and, in the "widen" style, is unique."""
    old, new = t.old, t.new

    def wider(s: Span, rightwards: bool) -> Span | None:
        a1, a2, b1, b2 = s
        if rightwards:
            return _settle(t, (a1, a2 + 1, b1, b2 + 1)) if a2 < len(old.words) and b2 < len(new.words) else None
        return _settle(t, (a1 - 1, a2, b1 - 1, b2)) if a1 > 0 and b1 > 0 else None

    # A quote of punctuation alone ("leave out ","") is unreadable: take in a neighbouring word.
    while not (_has_word(old, span[0], span[1]) or _has_word(new, span[2], span[3])):
        grown = wider(span, rightwards=False) or wider(span, rightwards=True)
        if grown is None:
            break
        span = grown
    occurrence = _occurrence_of(old, span[0], span[1]) if span[1] > span[0] else None
    if occurrence is not None and style.disambiguation == "widen":
        trial = span
        for step in range(MAX_WIDENING):
            grown = wider(trial, rightwards=step % 2 == 0) or wider(trial, rightwards=step % 2 != 0)
            if grown is None:
                break
            trial = grown
            if _occurrence_of(old, trial[0], trial[1]) is None:
                return trial, None
    return span, occurrence


def _insertion(t: _Texts, span: Span, style: DraftingStyle) -> TextChange:
    old, new = t.old, t.new
    at, _, j1, j2 = span
    inserted = new.quote(j1, j2)
    if at == 0:
        return TextChange("insert", 0, 0, j1, j2, "", inserted, None, "beginning")
    if at == len(old.words):
        return TextChange("insert", at, at, j1, j2, "", inserted, None, "end")
    # The anchor is whole words, a citation among them whole ("(1)", not "1)").
    start_of = t.old_citations.start_of
    first = start_of(at - 1)
    while first > 0 and not _has_word(old, first, at):
        first = start_of(first - 1)
    occurrence = _occurrence_of(old, first, at)
    if occurrence is not None and style.disambiguation == "widen":
        trial = first
        for _ in range(MAX_WIDENING):
            if trial == 0:
                break
            trial = start_of(trial - 1)
            if _occurrence_of(old, trial, at) is None:
                first, occurrence = trial, None
                break
    return TextChange("insert", at, at, j1, j2, "", inserted, old.quote(first, at), "after", occurrence)


def _one_sided(span: Span) -> bool:
    return span[0] == span[1] or span[2] == span[3]


def _overlap(before: Span, after: Span) -> bool:
    """Whether two changes cover the same words, or touch where one of them inserts or leaves out words: the
    spacing between them then depends on both."""
    return after[0] < before[1] or (after[0] == before[1] and (_one_sided(before) or _one_sided(after)))


def _reads_the_same(old: Reading, new: Reading, span: Span) -> bool:
    i1, i2, j1, j2 = span
    return old.quote(i1, i2).split() == new.quote(j1, j2).split()


def compare_texts(old_markup: str, new_markup: str, style: DraftingStyle = WESTMINSTER) -> list[TextChange]:
    """The smallest word-level changes that turn ``old_markup`` into ``new_markup``, in text order."""
    old, new = read_words(old_markup), read_words(new_markup)
    t = _Texts.of(old, new)
    # A quote widened to be readable, unique or whole may reach over the change beside it: two changes would then
    # cover the same words. Such neighbours become one change, made of their raw spans (whose edges map old
    # words to new ones exactly) and widened again.
    spans = list(_raw_changes(old, new))
    placed: list[tuple[Span, Span, int | None]] = []
    k = 0
    while k < len(spans):
        raw = spans[k]
        settled = _settle(t, raw)
        widened, occurrence = (settled, None) if settled[0] == settled[1] else _widen_span(t, settled, style)
        if placed and _overlap(placed[-1][1], widened):
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
            result.append(_insertion(t, span, style))
            continue
        kind: ChangeKind = "replace" if j2 > j1 else "delete"
        inserted = new.quote(j1, j2) if j2 > j1 else ""
        result.append(TextChange(kind, i1, i2, j1, j2, old.quote(i1, i2), inserted, occurrence=occurrence,
                                 markup_only=kind == "replace" and _reads_the_same(old, new, span)))
    return result
