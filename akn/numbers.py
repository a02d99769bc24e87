"""How documents write a provision's number: often after the unit's own name ("SEC. 2.", "PART 1", "Art. 5").

That name is a label, not part of the number. The naming convention builds an eId from the number itself
(AKN-NC 5.5.3: `sec_2`, `part_1`) and a citation reads "section 2", so both leave the label out; they read it
from this one table so that an eId and the citation spelled from it name the same number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from lxml import etree

__all__ = ["UNIT_SIGNS", "UNIT_WORDS", "named_unit", "unit_named", "unit_of", "without_unit_label"]

# The words (and abbreviations) documents write before a unit's number, by the unit they name: an element's
# local name, or the `name` of an `<hcontainer>` (a schedule). English first, then the languages of the
# parliaments whose documents Parley imports.
UNIT_WORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "section": ("section", "sec", "s", "sección", "seccion", "sezione"),
    "article": ("article", "art", "artículo", "articulo", "articolo", "artigo", "artikel"),
    "part": ("part", "pt", "partie", "parte"),
    "chapter": ("chapter", "chap", "ch", "chapitre", "capítulo", "capitulo", "capitolo", "kapitel"),
    "paragraph": ("paragraph", "para"),
    "subsection": ("subsection", "subsec"),
    "title": ("title", "tit", "titre", "título", "titulo", "titolo"),
    "rule": ("rule", "r"),
    "regulation": ("regulation", "reg"),
    "schedule": ("schedule", "sch"),
    "clause": ("clause", "cl"),
    "division": ("division", "div"),
}

# Signs written for a unit instead of its name, with or without a space before the number ("§301", "§ 301").
UNIT_SIGNS: Final[Mapping[str, str]] = {"section": "§", "paragraph": "¶"}


def _label_pattern(unit: str, words: tuple[str, ...]) -> re.Pattern[str]:
    # The label, its full stop and the space before the number; a label with nothing after it (a schedule
    # numbered "SCHEDULE" has no number), unless it is one letter, which may well be the number ("S"); or the sign.
    before = rf"(?:{'|'.join(words)})\.?\s+(?=\S)"
    alone = rf"(?:{'|'.join(word for word in words if len(word) > 1)})\.?\s*$"
    sign = rf"|{re.escape(UNIT_SIGNS[unit])}+\s*" if unit in UNIT_SIGNS else ""
    return re.compile(rf"^\s*(?:{before}|{alone}{sign})", re.IGNORECASE)


_LABELS: Final = {unit: _label_pattern(unit, words) for unit, words in UNIT_WORDS.items()}


def unit_of(element: etree._Element, name: str = "") -> str:
    """The unit an element stands for: its local name (`name`, when the caller has it), or an `<hcontainer>`'s
    `name` attribute ("schedule")."""
    name = name or etree.QName(element).localname
    return (element.get("name") or name) if name == "hcontainer" else name


def named_unit(element: etree._Element, name: str = "") -> str | None:
    """The unit an `<hcontainer>` stands for by its `name` attribute, when that names one of `UNIT_WORDS`
    ("regulation", "schedule"); None for any other element or name ("crossheading")."""
    unit = unit_of(element, name)
    return unit if unit != (name or etree.QName(element).localname) and unit in UNIT_WORDS else None


_NAMED: Final = {
    unit: re.compile(rf"^\s*(?:{'|'.join(word for word in words if len(word) > 1)})\.?(?:\s+\S|\s*$)", re.IGNORECASE)
    for unit, words in UNIT_WORDS.items()
}


def unit_named(num: str) -> str | None:
    """The unit a `<num>` names by its own word ("SCHEDULE 1", "Schedule" → "schedule"), for an element whose
    name does not say (an `<hcontainer>` without a `name`); None when it starts with no unit's word (a sign or a
    one-letter word is not taken as one: "S" may be a number)."""
    return next((unit for unit, pattern in _NAMED.items() if pattern.match(num)), None)


def without_unit_label(unit: str, num: str) -> str:
    """`num` without the unit's own name written before it: ("section", "SEC. 2.") → "2."; other nums as they are.

    Only the unit's own words are taken off: a section numbered "A 1" or a part numbered "Chapter 1" keep theirs.
    """
    label = _LABELS.get(unit)
    return num if label is None else label.sub("", num, count=1)
