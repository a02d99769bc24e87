"""How an amendment names a provision: ``sec_3__subsec_2`` with nums "3." and "(2)" is "section 3(2)".

A citation starts at the provision's principal unit (section, article, clause, regulation, rule): the parts and
chapters above it are not cited, as each section number is unique in the bill. Units below it add their number
in brackets, the way a reader writes them: section 3(2)(a). A part or chapter is cited by itself: "Part 2".

A provision without a number (imported so) is named by where it stands among those of its kind (:class:`Unnumbered`):
"the unnumbered section after section 4", "the second unnumbered section after section 4", "the first unnumbered
section" (none numbered before it), and what it holds by its numbers within it: "subsection (2) of the unnumbered
section after section 4". Never by its heading: an instruction quotes words, and a quoted heading would read as
words to leave out. Unnumbered levels between the cited unit and the provision (an ``hcontainer``, say) are passed
over: section 7(b).

A schedule is cited by its own number, and what it holds by theirs within it: "Schedule 1", "paragraph 3(2) of
Schedule 1", "the Schedule" (one numbered "SCHEDULE" alone). Imported documents often hold a schedule, or a
regulation, in an ``hcontainer``: its ``name`` (or, lacking one, the word its ``<num>`` starts with: "SCHEDULE 1")
says which unit it is, since its eId (``hcontainer_1``) does not.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lxml import etree

from akn.errors import AknError
from akn.inline import inline_from_markup
from akn.naming import num_text
from akn.numbers import named_unit, unit_named, without_unit_label
from akn.provisions import BODY_ELEMENTS, child_provisions, is_component, iter_provisions
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS

__all__ = [
    "Level",
    "Unnumbered",
    "as_read",
    "bare_number",
    "citation_of_eid",
    "citation_of_element",
    "citation_of_provision",
    "cite",
    "cited_in_brackets",
    "cited_unit",
    "holds_markup",
    "is_top_unit",
    "level_number",
    "levels_from_eid",
    "numbered_alike",
    "ordinal",
    "phrase_within",
    "unit_name",
    "unit_phrase",
    "unnumbered_place",
]

# AKN eId abbreviations (naming convention, section 5.5.3) and the element each stands for.
_ABBREVIATIONS: Final = {
    "art": "article", "bk": "book", "chp": "chapter", "cl": "clause", "dvs": "division", "ind": "indent",
    "list": "list", "para": "paragraph", "part": "part", "pnt": "point", "point": "point", "prov": "proviso",
    "rule": "rule", "sec": "section", "subchp": "subchapter", "subclause": "subclause", "subdvs": "subdivision",
    "subpara": "subparagraph", "subpart": "subpart", "subsec": "subsection", "title": "title", "tome": "tome",
    "item": "item", "alinea": "alinea", "clause": "clause", "subrule": "subrule", "reg": "regulation",
}
_PRINCIPAL: Final = frozenset({"section", "article", "clause", "regulation", "rule"})
_GROUPS: Final = frozenset({"part", "subpart", "chapter", "subchapter", "title", "book", "tome", "division",
                            "subdivision"})
# How a unit's name reads in running text (groups are capitalised in Westminster drafting).
_SPOKEN: Final = {"part": "Part", "subpart": "Subpart", "chapter": "Chapter", "subchapter": "Subchapter",
                  "title": "Title", "book": "Book", "tome": "Tome", "division": "Division",
                  "subdivision": "Subdivision", "schedule": "Schedule", "hcontainer": "provision"}
_SCHEDULES: Final = frozenset({"schedule"})
# A num's punctuation, left out of a citation as drafters leave it out: "(2)", "3.", and the dash or colon a US
# heading's num ends with ("Chapter 3—", "SEC. 2:") is "Chapter 3", "section 2".
_NUM_EDGES = re.compile(r"^[\s(\[]+|[\s)\].:;,\u2010-\u2015-]+$")
# What the provision markup writes its elements with (docs/markup.md): `//a)//` is an `<i>`, `{{noteRef ...}}` a note.
_MARKUP_SIGNS = re.compile(r"[*/_{}\\]")
_ORDINALS: Final = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
                    "seventeenth", "eighteenth", "nineteenth", "twentieth")


@dataclass(frozen=True)
class Unnumbered:
    """Where a provision without a number stands among the provisions of its kind (sections of the bill,
    subsections of its section...), to name it by: the ``nth`` of ``among`` unnumbered ones in a row after the
    one numbered ``after`` (None: before any numbered one)."""

    after: str | None
    nth: int = 1
    among: int = 1


@dataclass(frozen=True)
class Level:
    """One step of a provision's path: its element name and its ``<num>`` as printed (or None), and, for one
    without a number, where it stands (None when not known: it is then "an unnumbered section")."""

    name: str
    num: str | None
    unnumbered: Unnumbered | None = None


def ordinal(n: int) -> str:
    """1 → "first", 22 → "22nd"."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def levels_from_eid(eid: str) -> list[Level]:
    """The path an eId spells (``sec_3__subsec_2`` → section "3", subsection "2"), for nums not at hand."""
    levels: list[Level] = []
    for component in eid.split("__"):
        abbreviation, _, number = component.partition("_")
        name = _ABBREVIATIONS.get(abbreviation, abbreviation)
        if number == "nn" or number.startswith("nn_") or name == "hcontainer":
            # Not numbers: the convention's name for a provision without one (`sec_nn_1`), and an hcontainer's
            # place among its siblings (`part_1__hcontainer_1`, a crossheading), which a citation passes over.
            number = ""
        levels.append(Level(name, number or None))
    return levels


@lru_cache(maxsize=65_536)
def citation_of_eid(eid: str) -> str:
    """The citation an eId spells ("part_2__sec_6__subsec_2" → "section 6(2)"); kept, since a long bill's
    provision tree asks for tens of thousands on each read."""
    return cite(levels_from_eid(eid))


def citation_of_provision(eid: str, levels: Sequence[Level]) -> str:
    """The citation of provision ``eid``, whose path with the nums as stored is ``levels``: the one its eId spells
    (:func:`citation_of_eid`), unless the eId does not number the unit it is cited by (an imported eId,
    ``section-1-1`` or ``schedule-2``, or ``hcontainer_1`` for a schedule or a regulation), or the path holds a
    schedule; then the one its nums give."""
    if _eid_numbers_its_unit(eid):
        units = [_as_unit(level).name for level in levels]
        spelt = _spelt_levels(eid)
        # An eId renamed to the convention after an edit calls a regulation held in an hcontainer
        # "part_1__hcontainer_2__para_1": it spells "Part 1(1)", not the regulation 2(1) the path has. And an
        # unnumbered list's eId counts it ("art_1__para_1__list_1"): "article 1(1)(1)", where it has no number.
        if not any(unit in _SCHEDULES for unit in units) and not any(
                (step.name == "hcontainer" and unit != step.name) or (step.num is not None and not level.num)
                for step, unit, level in zip(spelt, units, levels, strict=False)):
            return citation_of_eid(eid)
    return _cite_kept(tuple(levels))


@lru_cache(maxsize=65_536)
def _spelt_levels(eid: str) -> tuple[Level, ...]:
    return tuple(levels_from_eid(eid))


def citation_of_element(element: etree._Element) -> str:
    """The citation of provision ``element`` read from its document, as the provision tree cites it from the stored
    rows (:func:`citation_of_provision`): by its eId where that numbers its unit, else by the units and nums of its
    path, and, without a number, by where it stands ("the unnumbered section after section 4")."""
    chain = [element, *(a for a in element.iterancestors()
                        if a.get("eId") and (etree.QName(a).localname in HIERARCHY_ELEMENTS or is_component(a)))]
    levels = [Level(cited_unit(node), _num_text(node), unnumbered_place(node)) for node in reversed(chain)]
    return citation_of_provision(element.get("eId") or "", levels)


@lru_cache(maxsize=65_536)
def _eid_numbers_its_unit(eid: str) -> bool:
    levels = levels_from_eid(eid)
    return level_number(levels[_head(levels)]) is not None


@lru_cache(maxsize=65_536)
def _cite_kept(levels: tuple[Level, ...]) -> str:
    return cite(levels)


def cited_unit(element: etree._Element) -> str:
    """The unit a citation names ``element`` by: its local name, or an ``hcontainer``'s ``name`` when that is a
    unit's ("schedule", "regulation"); an ``hcontainer`` named otherwise is named by its num (:func:`cite`)."""
    return named_unit(element) or etree.QName(element).localname


# Kept: a citation reads each level of its path through this more than once, and a num kept as markup is parsed.
@lru_cache(maxsize=65_536)
def _as_unit(level: Level) -> Level:
    """``level`` with its num as read (a num kept as markup, ``{{noteRef...}}SCHEDULE 1``, without its notes), and,
    for an ``hcontainer``, as the unit its num names ("SCHEDULE 1": a schedule)."""
    num = level.num
    if num and holds_markup(num):
        try:
            holder = etree.Element("provision")
            holder.append(inline_from_markup(num, "num"))
            num = num_text(holder).strip()
        except AknError:
            pass  # not markup after all: as it is
    unit = unit_named(num) if level.name == "hcontainer" and num else None
    return level if unit is None and num == level.num else Level(unit or level.name, num, level.unnumbered)


def as_read(level: Level) -> Level:
    """``level`` as a citation reads it: its num's words, without markup or notes (``//a)//`` is "a)"), and an
    ``hcontainer`` as the unit its num names."""
    return _as_unit(level)


def holds_markup(text: str) -> bool:
    """Whether a num or heading kept as markup may hold more than its words (`//a)//`, `{{noteRef ...}}`), and must
    be read before a person reads it; False: it is its own words ("(2)")."""
    return _MARKUP_SIGNS.search(text) is not None


def bare_number(num: str | None) -> str | None:
    """A num without its punctuation: "(2)" → "2", "3." → "3", "  " → None."""
    if num is None:
        return None
    stripped = _NUM_EDGES.sub("", num.strip())
    return stripped or None


def level_number(level: Level) -> str | None:
    """The number a citation gives ``level``: its num without punctuation, nor the unit's own name written before
    it ("SEC. 2." → "2")."""
    number = bare_number(level.num)
    if number is None:
        return None
    # The same label an eId leaves out (akn.numbers), or a citation would read "section SECTION 1".
    return bare_number(without_unit_label(level.name, number)) or number


def unit_name(name: str) -> str:
    """How an element is named in running text ("section", "Part")."""
    return _SPOKEN.get(name, name)


def _unnumbered(level: Level) -> str:
    """A provision without a number, named by where it stands: "the unnumbered section after section 4"."""
    unit = unit_name(level.name)
    if level.name in _SCHEDULES and level.num:
        return f"the {unit}"  # numbered by its name alone: "SCHEDULE"
    where = level.unnumbered
    if where is None:
        return f"an unnumbered {unit}"
    if where.after is None:
        return f"the {ordinal(where.nth)} unnumbered {unit}"
    which = f"{ordinal(where.nth)} " if where.among > 1 else ""
    return f"the {which}unnumbered {unit} after {unit_phrase(Level(level.name, where.after))}"


def cite(levels: Sequence[Level]) -> str:
    """The citation of the last level of ``levels`` (outermost first), e.g. "section 3(2)(a)"."""
    if not levels:
        raise ValueError("a citation needs at least one level")
    levels = [_as_unit(level) for level in levels]
    schedule = _schedule_of(levels)
    if schedule is None:
        return _cite(levels)
    own = unit_phrase(levels[schedule])
    if schedule == len(levels) - 1:
        return own
    return f"{_cite([*_within_schedule(levels, schedule), levels[-1]])} of {own}"


def _schedule_of(levels: Sequence[Level]) -> int | None:
    """Where in ``levels`` (read as units) the schedule stands that the last level is cited within, if any: the
    innermost one, unless a principal unit holds it (a schedule quoted in a section is cited from the section)."""
    schedule = next((i for i in range(len(levels) - 1, -1, -1) if levels[i].name in _SCHEDULES), None)
    if schedule is None or any(level.name in _PRINCIPAL for level in levels[:schedule]):
        return None
    return schedule


def _within_schedule(levels: Sequence[Level], schedule: int) -> list[Level]:
    """The levels between the schedule at ``schedule`` and the last one that its citation names. What a schedule
    holds is cited within it, by its own numbers ("paragraph 3(2) of Schedule 1"): its Parts and unnumbered
    containers are passed over, as a Part is in the body."""
    return [level for level in levels[schedule + 1 : -1] if level.name not in _GROUPS and level_number(level)]


def _head(levels: Sequence[Level]) -> int:
    """Where a citation starts: the principal unit; else the innermost group (e.g. "Part 2"); else the first."""
    for index, level in enumerate(levels):
        if level.name in _PRINCIPAL:
            return index
    groups = [i for i, level in enumerate(levels) if level.name in _GROUPS]
    return groups[-1] if groups else 0


def _cite(levels: Sequence[Level]) -> str:
    start = _head(levels)
    head = levels[start]
    number = level_number(head)
    text = f"{unit_name(head.name)} {number}" if number else _unnumbered(head)
    numbered = number is not None
    first: Level | None = None  # the first numbered level below the head
    below = ""
    last = len(levels) - 1
    for index in range(start + 1, len(levels)):
        level = levels[index]
        number = level_number(level)
        if number is None:
            if index == last and level.unnumbered is not None:
                # The provision cited has no number: named by its place in what holds it.
                return f"{_unnumbered(level)} of {_joined(text, numbered, first, below)}"
            continue  # unnumbered containers (intro, wrapUp, hcontainer) are not cited
        if level.name in _GROUPS:
            text, numbered, first, below = f"{unit_name(level.name)} {number}", True, None, ""
            continue
        first = first or level
        below += f"({number})"
    return _joined(text, numbered, first, below)


def _joined(head: str, numbered: bool, first: Level | None, below: str) -> str:
    """The head's citation with the numbers below it: "section 3(2)(a)", or, below a head without a number,
    "subsection (2)(a) of the unnumbered section after section 4"."""
    if first is None or numbered:
        return head + below
    return f"{unit_name(first.name)} {below} of {head}"


def unit_phrase(level: Level) -> str:
    """A unit named the way an instruction names it inside its container: "subsection (2)", "section 4"."""
    level = _as_unit(level)
    number = level_number(level)
    if number is None or (level.name in _SCHEDULES and not bare_number(without_unit_label(level.name, number))):
        return _unnumbered(level)
    if not cited_in_brackets(level.name):
        return f"{unit_name(level.name)} {number}"
    return f"{unit_name(level.name)} ({number})"


def cited_in_brackets(name: str) -> bool:
    """Whether a unit's number is cited in brackets ("subsection (2)", "point (a)"), as what a section, article or
    schedule holds is; a section, Part or schedule is cited by its number alone ("section 4")."""
    return not (name in _PRINCIPAL or name in _GROUPS or name in _SCHEDULES)


def phrase_within(levels: Sequence[Level]) -> str:
    """The last of ``levels`` named the way an instruction names it inside what holds it (:func:`unit_phrase`):
    "subsection (2)", and, held by a schedule with nothing numbered between them, "paragraph 3", since a schedule
    numbers its paragraphs 1, 2, 3 as the body numbers its sections (their sub-paragraphs are "(1)")."""
    levels = [_as_unit(level) for level in levels]
    last = levels[-1]
    number = level_number(last)
    schedule = _schedule_of(levels)
    if number is None or schedule is None or schedule == len(levels) - 1 or _within_schedule(levels, schedule):
        return unit_phrase(last)
    return f"{unit_name(last.name)} {number}"


def is_top_unit(levels: Sequence[Level]) -> bool:
    """True when the last level is cited by itself (a principal unit or a group), not inside another."""
    last = _as_unit(levels[-1]).name
    if last in _GROUPS or last in _SCHEDULES:
        return True
    return last in _PRINCIPAL and not any(level.name in _PRINCIPAL for level in levels[:-1])


def _number_of(element: etree._Element) -> str | None:
    mark = element.find(f"{{{AKN_NS}}}num")
    return None if mark is None else bare_number("".join(str(t) for t in mark.itertext()))


def unnumbered_place(element: etree._Element) -> Unnumbered | None:
    """Where provision ``element`` stands among those of its kind, when it has no number (None when it has one):
    among the bill's (its document's) sections, articles, parts..., which are cited bill-wide; among its
    siblings for a subsection, a paragraph..."""
    if _number_of(element) is not None:
        return None
    name = etree.QName(element).localname
    scope = element.getparent()
    if name in _PRINCIPAL or name in _GROUPS:
        body = next((a for a in element.iterancestors() if etree.QName(a).localname in BODY_ELEMENTS), None)
        kind = [e for e in iter_provisions(body) if e.tag == element.tag] if body is not None else None
    else:
        kind = None
    if kind is None:
        kind = [e for e in child_provisions(scope) if e.tag == element.tag] if scope is not None else [element]
    after: str | None = None
    run: list[etree._Element] = []
    if element not in kind:
        return None  # not a provision of the tree (a component's document, say): "an unnumbered attachment"
    for other in kind:
        number = _number_of(other)
        if number is None:
            run.append(other)
        elif element in run:
            break
        else:
            after, run = number, []
    return Unnumbered(after, run.index(element) + 1, len(run))


def _levels_in(element: etree._Element, tree: set[etree._Element]) -> list[Level]:
    chain = [element, *(a for a in element.iterancestors() if a in tree)]
    levels = []
    for node in reversed(chain):
        levels.append(Level(cited_unit(node), _num_text(node)))
    return levels


def _num_text(element: etree._Element) -> str | None:
    mark = element.find(f"{{{AKN_NS}}}num")
    return None if mark is None else "".join(str(t) for t in mark.itertext())


def numbered_alike(root: etree._Element) -> dict[str, list[str]]:
    """Provisions side by side with one number (two sections 4 in one Part, two subsections (2) of one section), by
    the citation they share, with their eIds. An amendment to either would read the same, and the House could not
    tell which it voted on. Provisions of one number in different containers are left alone: where numbering
    restarts in each Part or chapter, that is the jurisdiction's habit. One walk over the tree; only the
    provisions that share a number are cited."""
    found: dict[str, list[str]] = {}
    for body in root.iter(*(f"{{{AKN_NS}}}{name}" for name in BODY_ELEMENTS)):
        provisions = list(iter_provisions(body))
        tree = set(provisions)
        for container in (body, *provisions):  # in document order, so the first twins named are the first met
            seen: dict[tuple[str, str], list[etree._Element]] = {}
            for child in child_provisions(container):
                name = etree.QName(child).localname
                number = level_number(Level(name, _num_text(child)))
                if number is not None:
                    seen.setdefault((name, number.casefold()), []).append(child)
            for twins in seen.values():
                if len(twins) > 1:
                    found[cite(_levels_in(twins[0], tree))] = [twin.get("eId") or "" for twin in twins]
    return found
