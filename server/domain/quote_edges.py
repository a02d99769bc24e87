"""Where a quoted passage may start or end, and how a reader spaces the words an instruction brings together.

A bracketed number or letter (``(1)``, ``(a)``, ``(iv)``, ``(1A)``) is read as one thing, and so is a citation
written without spaces (``12(1)(a)``): a quote that starts or ends inside one (``after "1", insert ") or (3"``)
is unreadable, so a quote takes them whole. An instruction that inserts words, or leaves some out, puts words side
by side that were not, and says nothing of the space between them: :func:`spacing` is the space a reader puts
there, by which the instruction must give the text the member typed.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from server.domain.words import Reading

__all__ = ["EITHER_WAY", "Citations", "find_citations", "spacing"]

# What a provision is numbered by inside brackets: 1, 12, 1A, a, aa, iv, xviii, IV.
_NUMBERING: Final = re.compile(r"\d+[A-Za-z]{0,3}|[A-Za-z]{1,3}|[ivxlcdm]+|[IVXLCDM]+")
_GROUP_AHEAD: Final = re.compile(r"\((?:\d+[A-Za-z]{0,3}|[A-Za-z]{1,3}|[ivxlcdm]+|[IVXLCDM]+)\)")
# Marks that take no space before them (closing ones) or after them (opening ones). Straight quotation marks
# open or close, and dashes are spaced or not by house style: they read either way (see spacing()).
_NO_SPACE_BEFORE: Final = frozenset(",.;:!?%)]}\u201d\u2019")
_NO_SPACE_AFTER: Final = frozenset("([{\u201c\u2018")
EITHER_WAY: Final = frozenset("\"'\u2014\u2013")


def spacing(before: str, after: str) -> str | None:
    """The space a reader puts between ``before`` and ``after`` when an instruction brings them together.

    None before a closing mark (``,``, ``)``), after an opening one (``(``), and between the bracketed groups of a
    citation (``(1)`` then ``(a)`` reads ``(1)(a)``, as drafters write it); a space otherwise. None (either) next
    to a straight quotation mark, which opens or closes as the words around it show. Nothing at the start or end
    of a text.
    """
    before, after = before.rstrip(), after.lstrip()
    if not before or not after:
        return ""
    if before[-1] in EITHER_WAY or after[0] in EITHER_WAY:
        return None
    if after[0] in _NO_SPACE_BEFORE or before[-1] in _NO_SPACE_AFTER:
        return ""
    if before[-1] == ")" and _GROUP_AHEAD.match(after):
        return ""
    return " "


@dataclass(frozen=True)
class Citations:
    """The bracketed groups and citations of a reading, as word ranges a quote takes whole."""

    size: int
    starts: tuple[int, ...]  # for each word, the first word of the citation it is in (itself when in none)
    inside: frozenset[int]  # word boundaries (k: between word k-1 and word k) inside a citation
    junctions: frozenset[int]  # the boundaries between two bracketed groups of one citation: "(1)|(a)"

    def cuts(self, boundary: int, *, between_groups: bool = False) -> bool:
        """True when a quote may not start or end at ``boundary``; ``between_groups`` lets it fall between two
        bracketed groups, as words inserted after a citation may continue it."""
        if boundary not in self.inside:
            return False
        return not (between_groups and boundary in self.junctions)

    def start_of(self, word: int) -> int:
        """The first word of the citation ``word`` is in, or ``word`` itself."""
        return self.starts[word] if 0 <= word < self.size else word


def _group_at(reading: Reading, k: int) -> bool:
    words = reading.words
    return (
        k + 2 < len(words)
        and words[k].text == "("
        and _NUMBERING.fullmatch(words[k + 1].text) is not None
        and words[k + 2].text == ")"
        and reading.joined(k + 1)
        and reading.joined(k + 2)
    )


def find_citations(reading: Reading) -> Citations:
    """The bracketed groups of ``reading``, each with the word it is written onto (``12`` of ``12(1)``) and the
    groups that follow it without a space (``(1)(a)``)."""
    n = len(reading.words)
    starts = list(range(n))
    inside: set[int] = set()
    junctions: set[int] = set()
    k = 0
    while k < n:
        if not _group_at(reading, k):
            k += 1
            continue
        first = k - 1 if k > 0 and reading.joined(k) and reading.words[k - 1].is_word else k
        end = k + 3
        while _group_at(reading, end) and reading.joined(end):
            junctions.add(end)
            end += 3
        for word in range(first, end):
            starts[word] = first
        inside.update(range(first + 1, end))
        k = end
    return Citations(n, tuple(starts), frozenset(inside), frozenset(junctions))
