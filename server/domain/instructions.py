"""The formal wording of an amendment, generated from the provision as the member edited it.

Texts are compared word by word, with their markup (a word that becomes a reference has changed), and the
smallest changes are worded the way a reader finds them: ``In section 3(2), leave out "thirty" and insert
"sixty".`` A quote that occurs more than once in the provision is pinned down (``where it second occurs``, or
by widening the quote until it is unique, as the style asks). Two drafting styles are supported: Westminster
instructions and the EU two-column form (``Text proposed`` / ``Amendment`` with the changed words marked).

The words of a provision with subdivisions are its opening words (AKN ``<intro>``) or closing words
(``<wrapUp>``), and an instruction says which (:class:`TextPlace`): the end of section 3 is after its last
paragraph, not after the words that lead in to its first. Quoted words that hold the style's quotation marks are
quoted with the other kind, so that the quote's end cannot be mistaken. A change of formatting or markup alone
(``**bold**`` taken off) is no change of words, and is not worded (``server.domain.instruction_rules`` says why
an amendment made of nothing else is refused).

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Final, Literal

from server.domain.citation import Level, bare_number, cite, is_top_unit, unit_name, unit_phrase
from server.domain.words import Reading, read_words

__all__ = [
    "DraftingStyle",
    "Instruction",
    "Part",
    "Quoted",
    "Segment",
    "StyleName",
    "TextChange",
    "TextPlace",
    "change_parts",
    "compare_texts",
    "insertion_instruction",
    "join_parts",
    "omission_instruction",
    "ordinal",
    "text_instruction",
]

ChangeKind = Literal["replace", "delete", "insert"]
# How many neighbouring words a quote may take in to become unique before "where it occurs" is used.
MAX_WIDENING: Final = 4

_ORDINALS: Final = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
                    "seventeenth", "eighteenth", "nineteenth", "twentieth")


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


@dataclass(frozen=True)
class TextPlace:
    """Which words of a provision with subdivisions its text is: the opening words (AKN ``<intro>``), before its
    first subdivision, or the closing words (``<wrapUp>``), after its last.

    ``subdivision`` is that first or last subdivision (``paragraph (a)``), by which the words are named the way
    drafters name them: ``In section 3, in the words before paragraph (a), at the end, insert "x".`` Without a
    number, they are "the opening words" or "the closing words".
    """

    element: Literal["intro", "wrapUp"]
    subdivision: Level | None = None

    def edge(self) -> str | None:
        """Where the words stand, by their subdivision (``before paragraph (a)``), or None when it has no number."""
        if self.subdivision is None or bare_number(self.subdivision.num) is None:
            return None
        return f"{'before' if self.element == 'intro' else 'after'} {unit_phrase(self.subdivision)}"

    def words(self) -> str:
        """``the words before paragraph (a)``, or ``the opening words``."""
        edge = self.edge()
        if edge is not None:
            return f"the words {edge}"
        return "the opening words" if self.element == "intro" else "the closing words"

    def eu_part(self) -> str:
        """The words' place in a European Parliament citation (``Article 3 \u2013 introductory part``)."""
        return "introductory part" if self.element == "intro" else "final part"


@dataclass(frozen=True)
class Segment:
    """A run of a column in the EU two-column form; ``changed`` runs are printed bold italic."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class Quoted:
    """Words an instruction quotes (``leave out "thirty"``), kept apart so documents can mark them up."""

    text: str


Part = str | Quoted


def join_parts(parts: Sequence[Part], style: DraftingStyle) -> str:
    """The instruction's text: its parts with every quote between the style's quotation marks."""
    return "".join(style.quoted(p.text) if isinstance(p, Quoted) else p for p in parts)


@dataclass(frozen=True)
class Instruction:
    """The wording of an amendment, and what it is made of.

    ``parts`` is the Westminster wording as text and quotes, whatever the style of ``text``.
    """

    text: str
    citation: str
    parts: tuple[Part, ...] = ()
    changes: tuple[TextChange, ...] = ()
    text_proposed: tuple[Segment, ...] = ()
    amendment: tuple[Segment, ...] = ()
    style: StyleName = StyleName.WESTMINSTER
    extra: dict[str, str] = field(default_factory=dict)


def ordinal(n: int) -> str:
    """1 → "first", 22 → "22nd"."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- comparing ----------------------------------------------------------------------------------------------


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


# --- wording ------------------------------------------------------------------------------------------------


def _where(occurrence: int | None) -> str:
    return f" where it {ordinal(occurrence)} occurs" if occurrence else ""


def change_parts(change: TextChange) -> list[Part]:
    """One change as a Westminster instruction, without the provision: ``leave out "x" and insert "y"``."""
    if change.kind == "insert":
        if change.position == "beginning":
            return ["at the beginning, insert ", Quoted(change.inserted)]
        if change.position == "end":
            return ["at the end, insert ", Quoted(change.inserted)]
        return ["after ", Quoted(change.anchor or ""), f"{_where(change.occurrence)}, insert ",
                Quoted(change.inserted)]
    parts: list[Part] = ["leave out ", Quoted(change.left_out), _where(change.occurrence)]
    if change.kind == "replace":
        parts += [" and insert ", Quoted(change.inserted)]
    return parts


def word_change(change: TextChange, style: DraftingStyle = WESTMINSTER) -> str:
    """One change worded in ``style``'s quotation marks."""
    return join_parts(change_parts(change), style)


def _lead(style: DraftingStyle, citation: str) -> str:
    return f"{style.location}, in {citation}" if style.location else f"In {citation}"


def _columns(old: Reading, new: Reading, changes: Sequence[TextChange]) -> tuple[tuple[Segment, ...], ...]:
    def marked(reading: Reading, spans: list[tuple[int, int]]) -> tuple[Segment, ...]:
        segments: list[Segment] = []
        cursor = 0
        for first, last in spans:
            if last <= first:
                continue
            start, end = reading.words[first].start, reading.words[last - 1].end
            if start > cursor:
                segments.append(Segment(reading.text[cursor:start]))
            segments.append(Segment(reading.text[start:end], changed=True))
            cursor = end
        if cursor < len(reading.text):
            segments.append(Segment(reading.text[cursor:]))
        return tuple(segments)

    return (
        marked(old, [(c.old_start, c.old_end) for c in changes]),
        marked(new, [(c.new_start, c.new_end) for c in changes]),
    )


def render_columns(citation: str, proposed: Sequence[Segment], amendment: Sequence[Segment]) -> str:
    """The EU two-column form as text, changed words in bold italic (``***word***``)."""

    def show(segments: Sequence[Segment]) -> str:
        return "".join(f"***{s.text}***" if s.changed else s.text for s in segments)

    heading = citation[:1].upper() + citation[1:]
    return f"{heading}\n\nText proposed\n{show(proposed)}\n\nAmendment\n{show(amendment)}"


def _whole_words(place: TextPlace, change: TextChange, old: Reading) -> list[Part] | None:
    """The words of ``place`` given, left out or replaced whole, as drafters word it; None for any other change.

    Opening words that were not there go ``before subsection (1)``, not "at the beginning" of the provision; words
    left out whole are named, not quoted: ``leave out the words before paragraph (a)``.
    """
    if not old.words:
        edge = place.edge()
        if edge is None:
            return [f", insert the {'opening' if place.element == 'intro' else 'closing'} words ",
                    Quoted(change.inserted), "."]
        return [f", {edge}, insert ", Quoted(change.inserted), "."]
    if change.kind == "insert" or (change.old_start, change.old_end) != (0, len(old.words)):
        return None
    if change.kind == "delete":
        return [f", leave out {place.words()}."]
    return [f", leave out {place.words()} and insert ", Quoted(change.inserted), "."]


def text_instruction(
    levels: Sequence[Level],
    old_markup: str,
    new_markup: str,
    style: DraftingStyle = WESTMINSTER,
    place: TextPlace | None = None,
) -> Instruction:
    """The instruction that turns a provision's text ``old_markup`` into ``new_markup``.

    ``place`` says which words of a provision with subdivisions the text is (its opening or closing words); None
    for a provision whose text is all its content.

    Changes of formatting or markup alone (:attr:`TextChange.markup_only`) are not worded: no instruction can
    say them (``leave out "x" and insert "x"``), and they are an editorial matter. They stay in ``changes``, as
    the words the amendment touches (what it conflicts with), and in the EU form's columns.
    """
    citation = cite(levels)
    changes = compare_texts(old_markup, new_markup, style)
    worded = [change for change in changes if not change.markup_only]
    old, new = read_words(old_markup), read_words(new_markup)
    proposed, amendment = _columns(old, new, changes)
    parts: list[Part] = [_lead(style, citation)]
    within = f", in {place.words()}" if place is not None else ""
    whole = _whole_words(place, worded[0], old) if place is not None and len(worded) == 1 else None
    if not changes:
        parts.append(", no change.")
    elif not worded:
        parts.append(", no change of words.")
    elif whole is not None:
        parts += whole
    elif len(worded) == 1:
        parts += [within, ", ", *change_parts(worded[0]), "."]
    else:
        parts.append(f"{within}—")
        for k, change in enumerate(worded):
            parts += [f"\n({_letter(k)}) ", *change_parts(change), ";" if k < len(worded) - 1 else "."]
    if style.name is StyleName.EU:
        heading = f"{citation} \u2013 {place.eu_part()}" if place is not None else citation
        text = render_columns(heading, proposed, amendment)
    else:
        text = join_parts(parts, style)
    return Instruction(text, citation, tuple(parts), tuple(changes), proposed, amendment, style.name)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _structure_block(num: str | None, heading: str | None, text: str) -> Quoted:
    body = read_words(text).text
    if heading:
        lines = [" ".join(part for part in (num, heading) if part), body]
    else:
        lines = [" ".join(part for part in (num, body) if part)]
    return Quoted("\n".join(line for line in lines if line))


def insertion_instruction(
    after: Sequence[Level],
    name: str,
    num: str | None,
    heading: str | None,
    text: str,
    style: DraftingStyle = WESTMINSTER,
) -> Instruction:
    """``After section 4, insert the following new section—`` and the new provision, quoted."""
    citation = cite(after)
    new_name = unit_name(name)
    block = _structure_block(num, heading, text)
    if is_top_unit(after):
        lead = f"{style.location}, after {citation}" if style.location else f"After {citation}"
    else:
        lead = f"{_lead(style, cite(after[:-1]))}, after {unit_phrase(after[-1])}"
    parts: tuple[Part, ...] = (f"{lead}, insert the following new {new_name}—\n", block)
    if style.name is StyleName.EU:
        label = f"{citation} a (new)"
        shown = read_words(text).text
        amended = (Segment(" ".join(part for part in (num, heading, shown) if part), changed=True),)
        return Instruction(render_columns(label, (), amended), label, parts, (), (), amended, style.name)
    return Instruction(join_parts(parts, style), citation, parts, style=style.name)


def omission_instruction(
    levels: Sequence[Level], style: DraftingStyle = WESTMINSTER, *, text: str = ""
) -> Instruction:
    """``Leave out section 5.`` or ``In section 5, leave out subsection (2).``

    ``text`` is the provision's text, shown in the EU form's ``Text proposed`` column.
    """
    citation = cite(levels)
    if is_top_unit(levels):
        wording = f"{style.location}, leave out {citation}." if style.location else f"Leave out {citation}."
    else:
        wording = f"{_lead(style, cite(levels[:-1]))}, leave out {unit_phrase(levels[-1])}."
    if style.name is StyleName.EU:
        proposed = (Segment(read_words(text).text, changed=True),)
        deleted = (Segment("deleted"),)
        return Instruction(render_columns(citation, proposed, deleted), citation, (wording,), (), proposed,
                           deleted, style.name)
    return Instruction(wording, citation, (wording,), style=style.name)
