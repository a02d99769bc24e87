"""A :class:`~server.domain.wording.Wording` in a given language, from the catalogues in ``server/translations``.

Pages translate with the request's language through Flask-Babel. Mail is written for a reader who is not the one
asking, or not at that moment (an answer to a comment goes out when a clerk writes it), in the language the reader
used when signing up; so its words are translated here, with Babel alone, and pages use the same lookup.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

from server.domain.wording import Wording

__all__ = ["DEFAULT_LANGUAGE", "TRANSLATIONS", "translated"]

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LANGUAGE = "en"  # the language sentences are written in


@functools.cache
def _catalogue(language: str) -> NullTranslations:
    # A language without a catalogue reads the sentences as written (NullTranslations).
    return Translations.load(str(TRANSLATIONS), [language], domain="messages")


def translated(text: str, language: str | None) -> str:
    """``text`` in ``language``: a :class:`Wording` is looked up and its values put into the translation (a value
    that is itself a Wording is translated too); other text, or no language, stays as it is."""
    if not isinstance(text, Wording) or not language or language == DEFAULT_LANGUAGE:
        return str(text)
    sentence = _catalogue(language).gettext(text.template)
    if not text.values:
        return sentence
    return sentence % {name: translated(value, language) if isinstance(value, Wording) else value
                       for name, value in text.values.items()}
