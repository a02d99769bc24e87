"""How an amendment names a provision: ``sec_3__subsec_2`` with nums "3." and "(2)" is "section 3(2)".

A citation starts at the provision's principal unit (section, article, clause, regulation, rule): the parts and
chapters above it are not cited, as each section number is unique in the bill. Units below it add their number
in brackets, the way a reader writes them: section 3(2)(a). A part or chapter is cited by itself: "Part 2".

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["Level", "bare_number", "cite", "is_top_unit", "levels_from_eid", "unit_name", "unit_phrase"]

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
                  "subdivision": "Subdivision", "hcontainer": "provision"}
_NUM_EDGES = re.compile(r"^[\s(\[]+|[\s)\].:]+$")


@dataclass(frozen=True)
class Level:
    """One step of a provision's path: its element name and its ``<num>`` as printed (or None)."""

    name: str
    num: str | None


def levels_from_eid(eid: str) -> list[Level]:
    """The path an eId spells (``sec_3__subsec_2`` → section "3", subsection "2"), for nums not at hand."""
    levels: list[Level] = []
    for component in eid.split("__"):
        abbreviation, _, number = component.partition("_")
        name = _ABBREVIATIONS.get(abbreviation, abbreviation)
        levels.append(Level(name, number or None))
    return levels


def bare_number(num: str | None) -> str | None:
    """A num without its punctuation: "(2)" → "2", "3." → "3", "  " → None."""
    if num is None:
        return None
    stripped = _NUM_EDGES.sub("", num.strip())
    return stripped or None


def unit_name(name: str) -> str:
    """How an element is named in running text ("section", "Part")."""
    return _SPOKEN.get(name, name)


def cite(levels: Sequence[Level]) -> str:
    """The citation of the last level of ``levels`` (outermost first), e.g. "section 3(2)(a)"."""
    if not levels:
        raise ValueError("a citation needs at least one level")
    start = 0
    for index, level in enumerate(levels):
        if level.name in _PRINCIPAL:
            start = index
            break
    else:
        # No principal unit: cite from the innermost group (e.g. "Part 2"), or the first level.
        groups = [i for i, level in enumerate(levels) if level.name in _GROUPS]
        start = groups[-1] if groups else 0
    head = levels[start]
    number = bare_number(head.num)
    text = unit_name(head.name) + (f" {number}" if number else "")
    for level in levels[start + 1 :]:
        number = bare_number(level.num)
        if number is None:
            continue  # unnumbered containers (intro, wrapUp, hcontainer) are not cited
        if level.name in _GROUPS:
            text = f"{unit_name(level.name)} {number}"
        else:
            text += f"({number})"
    return text


def unit_phrase(level: Level) -> str:
    """A unit named the way an instruction names it inside its container: "subsection (2)", "section 4"."""
    number = bare_number(level.num)
    if number is None:
        return unit_name(level.name)
    if level.name in _PRINCIPAL or level.name in _GROUPS:
        return f"{unit_name(level.name)} {number}"
    return f"{unit_name(level.name)} ({number})"


def is_top_unit(levels: Sequence[Level]) -> bool:
    """True when the last level is cited by itself (a principal unit or a group), not inside another."""
    last = levels[-1].name
    if last in _GROUPS:
        return True
    return last in _PRINCIPAL and not any(level.name in _PRINCIPAL for level in levels[:-1])
