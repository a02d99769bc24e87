"""What a display name may hold: it is shown beside every comment and amendment of its holder.

A name is text in a line of someone else's page. Bidirectional controls (U+202E) reversed the date shown after a
name; zero-width and other invisible characters let two names that look alike differ, or a name look empty; a
line break split the line. Such characters are refused, as a name with nothing visible in it is. The joiners
(U+200C, U+200D) stay: Persian, Indic scripts and emoji sequences need them.

A thread tells its authors apart by their names alone, so two accounts may not be shown by names that differ only
in case, accents or spaces (:func:`folded`), and a citizen's name may not claim an office ("Clerk of the National
Assembly", "Parliament (official answer)"): see :func:`office_claimed`.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from server.domain.wording import Wording, wording

#: Format characters a name may hold: the zero-width non-joiner and joiner.
_JOINERS: Final = frozenset({"\u200c", "\u200d"})


def display_name_problem(name: str) -> Wording | None:
    """Why ``name`` cannot be shown as a display name, or None when it can."""
    for character in name:
        category = unicodedata.category(character)
        if category in {"Cc", "Zl", "Zp"}:
            return wording("a display name is one line without control characters")
        if category in {"Cf", "Co", "Cn", "Cs"} and character not in _JOINERS:
            return wording("a display name cannot hold the invisible or formatting character %(code)s (%(name)s)",
                           code=f"U+{ord(character):04X}", name=unicodedata.name(character, "unassigned"))
    if not any(unicodedata.category(c)[0] in "LNS" for c in name):
        return wording("a display name needs a letter, digit or sign that can be seen")
    return None


def _unaccented(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def folded(name: str) -> str:
    """``name`` as readers would take it for the same: without case, accents or spaces ("Wanjiku  NJÉRI" and
    "wanjiku njeri" fold alike)."""
    return "".join(_unaccented(name).split())


# Letters and digits: "the_clerk", "Clerk-of-Parliament" and "(clerk)" all hold the word "clerk".
_WORD = re.compile(r"[^\W_]+")


def office_claimed(name: str, offices: Iterable[str]) -> str | None:
    """The first of ``offices`` (words or phrases: "clerk", "national assembly") that ``name`` holds as whole
    words, case and accents aside; None when it holds none. Whole words, so "Clerkson" claims nothing."""
    words = _WORD.findall(_unaccented(name))
    for office in offices:
        wanted = _WORD.findall(_unaccented(office))
        if wanted and any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
            return office
    return None
