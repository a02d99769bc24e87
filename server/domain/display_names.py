"""What a display name may hold: it is shown beside every comment and amendment of its holder.

A name is text in a line of someone else's page. Bidirectional controls (U+202E) reversed the date shown after a
name; zero-width and other invisible characters let two names that look alike differ, or a name look empty; a
line break split the line. Such characters are refused, as a name with nothing visible in it is. The joiners
(U+200C, U+200D) stay: Persian, Indic scripts and emoji sequences need them.

Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
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
