"""The formal wording of an amendment, generated from the provision as the member edited it.

The smallest word-level changes between the two texts (``server.domain.text_changes``) are worded the way a
reader finds them: ``In section 3(2), leave out "thirty" and insert "sixty".`` A quote that occurs more than once
in the provision is pinned down (``where it second occurs``, or by widening the quote until it is unique, as the
style asks). Two drafting styles are supported (``server.domain.drafting_style``): Westminster instructions and
the EU two-column form (``Text proposed`` / ``Amendment`` with the changed words marked).

The words of a provision with subdivisions are its opening words (AKN ``<intro>``) or closing words
(``<wrapUp>``), and an instruction says which (:class:`TextPlace`): the end of section 3 is after its last
paragraph, not after the words that lead in to its first. Quoted words that hold the style's quotation marks are
quoted with the other kind, so that the quote's end cannot be mistaken. A change of formatting or markup alone
(``**bold**`` taken off) is no change of words, and is not worded (``server.domain.instruction_rules`` says why
an amendment made of nothing else is refused).

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from server.domain.citation import (
    Level,
    as_read,
    bare_number,
    cite,
    cited_in_brackets,
    is_top_unit,
    level_number,
    ordinal,
    phrase_within,
    unit_name,
    unit_phrase,
)
from server.domain.drafting_style import WESTMINSTER, DraftingStyle, StyleName
from server.domain.text_changes import TextChange, compare_texts
from server.domain.words import Reading, read_words

__all__ = [
    "WESTMINSTER",
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
    "inserted_number",
    "insertion_instruction",
    "join_parts",
    "omission_instruction",
    "ordinal",
    "text_instruction",
]

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


def inserted_number(sibling: Level, name: str, num: str | None) -> str | None:
    """The number of a new provision ``name`` numbered ``num``, inserted after ``sibling``, as the quoted provision
    reads it: in its siblings' style. A subdivision's number takes the punctuation its sibling's has ("a)" then
    "b)"), and, beside one whose num is bare (an enacted UK act's "f", printed "(f)"), the brackets a citation gives
    it ("paragraph (f)": "(g)"), whatever punctuation the member typed. A section, Part or schedule keeps the number
    as given ("4A."). Markup in either num is read as words (``//a)//`` is "a)")."""
    if num is None:
        return None
    new = as_read(Level(name, num))
    number = level_number(new)
    if number is None or not cited_in_brackets(name):
        return new.num
    before, after = "(", ")"
    read = as_read(sibling)
    own = level_number(read) if read.name == name else None
    if own is not None and read.num is not None:
        at = read.num.rfind(own)
        framed = (read.num[:at].strip(), read.num[at + len(own):].strip()) if at >= 0 else ("", "")
        if any(framed):
            before, after = framed
    return f"{before}{number}{after}"


def insertion_instruction(
    after: Sequence[Level],
    name: str,
    num: str | None,
    heading: str | None,
    text: str,
    style: DraftingStyle = WESTMINSTER,
) -> Instruction:
    """``After section 4, insert the following new section—`` and the new provision, quoted, its number in the
    style of its siblings' (:func:`inserted_number`): ``In section 1(2), after paragraph (f), insert the following
    new paragraph—"(g) …"``."""
    citation = cite(after)
    new_name = unit_name(name)
    num = inserted_number(after[-1], name, num) if after else num
    block = _structure_block(num, heading, text)
    if is_top_unit(after):
        lead = f"{style.location}, after {citation}" if style.location else f"After {citation}"
    else:
        lead = f"{_lead(style, cite(after[:-1]))}, after {phrase_within(after)}"
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
        wording = f"{_lead(style, cite(levels[:-1]))}, leave out {phrase_within(levels)}."
    if style.name is StyleName.EU:
        proposed = (Segment(read_words(text).text, changed=True),)
        deleted = (Segment("deleted"),)
        return Instruction(render_columns(citation, proposed, deleted), citation, (wording,), (), proposed,
                           deleted, style.name)
    return Instruction(wording, citation, (wording,), style=style.name)
