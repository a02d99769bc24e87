"""The abuse lexicon: words and phrases that send a comment to a clerk before it is published.

Matching holds a comment for review; it never refuses or alters one, so a false positive costs a clerk a click,
not a citizen their voice. Entries match whole words after folding case, accents, common digit/symbol
substitutions ("1d10t") and stretched letters ("stuuupid"), so "Scunthorpe" or "assessment" never match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

ENGLISH: Final[frozenset[str]] = frozenset(
    {
        # insults and slurs aimed at people
        "idiot", "moron", "imbecile", "retarded", "scum", "scumbag", "bastard", "bitch", "whore",
        "slut", "cunt", "dickhead", "asshole", "arsehole", "wanker", "twat", "prick", "traitor scum",
        "subhuman", "faggot", "nigger", "tranny",
        # obscenities
        "fuck", "fucking", "fucker", "motherfucker", "shit", "bullshit",
        # threats and incitement
        "kill yourself", "kys", "hang them", "hang him", "hang her", "shoot them", "burn them",
        "i will kill", "we will kill", "death to", "you will die", "deserve to die",
        "i know where you live",
    }
)

FRENCH: Final[frozenset[str]] = frozenset(
    {
        # insultes
        "connard", "connasse", "conne", "salaud", "salope", "pute", "putain", "encule", "enfoire",
        "batard", "abruti", "cretin", "debile", "raclure",
        "sous-homme", "tapette", "negre", "bougnoule", "youpin",
        # grossièretés
        "merde", "nique", "niquer", "ta gueule", "fils de pute", "va te faire foutre",
        # menaces et incitation
        "va crever", "vas crever", "tu vas crever", "crevez tous", "creve charogne", "je vais te tuer",
        "on va te tuer", "mort aux", "pendez les",
        "pendez-les", "je sais ou tu habites", "tu vas mourir",
    }
)

# Words that are also the plain subject of some bills (rape, death penalty, pests) are left out on purpose: a
# consultation on a sexual offences bill must not send every comment to a clerk. So are words that are ordinary in
# the other language or in another sense, folded as they are matched: "retard" (French: late), "crevé" (tired; a
# threat only in a phrase), "attardé" (lingered), "ordure" (household waste), "pourriture" (rot).
LEXICONS: Final[dict[str, frozenset[str]]] = {"en": ENGLISH, "fr": FRENCH}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
# Cyrillic and Greek letters drawn like Latin ones (lower case, as folding leaves them): "idiot" with a Cyrillic
# i (U+0456) reads as "idiot" on screen, and must be matched as it reads.
_LOOKALIKES = str.maketrans(
    "\u0430\u0432\u0441\u0501\u0435\u0451\u04bb\u0456\u0457\u0458\u043a"
    "\u04cf\u043c\u043d\u043e\u0440\u051b\u0455\u0442\u0443\u0475\u051d\u0445"  # Cyrillic
    "\u03b1\u03b2\u03b5\u03b7\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",  # Greek
    "abcdeehiijklmhopqstyvwx"
    "abenikvoptux",
)
_STRETCH = re.compile(r"(\w)\1{2,}")
# An apostrophe ends a word: French elides its articles ("d'abruti", "l'enfoiré"), and the insult is the word after.
_WORD = re.compile(r"[\w-]+")


def fold(text: str) -> str:
    """Lower case without accents, invisible characters (a zero-width space inside "id\u200biot") or look-alike
    letters of other scripts, with digit/symbol stand-ins read as letters and stretched letters shortened."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    return _STRETCH.sub(r"\1", plain.translate(_LOOKALIKES).translate(_LEET))


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Lexicon:
    """A set of folded entries, each one word or a phrase of several."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    # The phrases by their first word: a token starts at most those few, not all of them.
    _openings: dict[str, tuple[tuple[str, ...], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        openings: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            openings.setdefault(phrase[0], []).append(phrase)
        object.__setattr__(self, "_openings", {first: tuple(found) for first, found in openings.items()})

    @classmethod
    def of(cls, entries: Iterable[str]) -> Lexicon:
        words: set[str] = set()
        phrases: set[tuple[str, ...]] = set()
        for entry in entries:
            tokens = tuple(_words(entry))
            if len(tokens) == 1:
                words.add(tokens[0])
            elif tokens:
                phrases.add(tokens)
        return cls(frozenset(words), tuple(sorted(phrases)))

    def _word_of(self, token: str) -> str | None:
        """The entry a token is, itself or as a plural (English and French plurals end in -s, -es or -x)."""
        singular = token[:-1] if token[-1:] in {"s", "x"} else ""
        for candidate in (token, singular, token[:-2] if token.endswith("es") else ""):
            if candidate and candidate in self.words:
                return candidate
        return None

    def matches(self, text: str) -> list[str]:
        """The entries found in ``text``, in the order they occur (empty when the text is clean)."""
        tokens = _words(text)
        found: list[str] = []
        for index, token in enumerate(tokens):
            word = self._word_of(token)
            if word is not None:
                found.append(word)
            for phrase in self._openings.get(token, ()):
                if tuple(tokens[index : index + len(phrase)]) == phrase:
                    found.append(" ".join(phrase))
        return found


def build_lexicon(languages: Iterable[str], extra: Iterable[str] = ()) -> Lexicon:
    """The lexicon of the named languages (``en``, ``fr``) plus any locally configured entries."""
    entries: set[str] = set(extra)
    for language in languages:
        try:
            entries |= LEXICONS[language]
        except KeyError:
            raise ValueError(f"no abuse lexicon for language {language!r}; known: {sorted(LEXICONS)}") from None
    return Lexicon.of(entries)
