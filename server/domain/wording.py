"""``wording``: a sentence for people, written in English, that a page or answer in another language translates.

Services refuse in English (logs, tests and API clients read that), but a citizen reading the French pages should
read the refusal in French too. A :class:`Wording` is the English text itself, a ``str`` like any message, that also
keeps the sentence it was made from and the values put into it: where it is shown, ``server.http.i18n.localized``
looks the sentence up in the reader's catalogue and puts the same values into the translation. Anything done to it
as a string (slicing, joining) gives plain English text.

Pure: no Flask. :class:`Wording` itself comes from ``akn.wording``, so that the library's refusals (markup that
cannot be read, a document that is not AKN) are translated the same way; the catalogue extracts ``wording("...")``
calls from every module of ``server`` and ``akn``.
"""

from __future__ import annotations

from collections.abc import Iterable

from akn.wording import Wording, wording

__all__ = ["Wording", "word", "wording", "words"]


def word(value: str) -> Wording:
    """A word that is data (a role, a state: ``tabled``) put into a sentence: shown as it is in English, and as
    the catalogue translates it (when it does) in another language."""
    return Wording(value, {})


def words(values: Iterable[str], separator: str = ", ") -> Wording:
    """Data words joined by ``separator`` (``clerk, admin``), each translated where shown, as :func:`word`."""
    listed = list(values)
    # The joined places are not a sentence of the catalogue: looked up, it stays itself, and each word is translated.
    return Wording(separator.join(f"%(w{i})s" for i in range(len(listed))),
                   {f"w{i}": word(value) for i, value in enumerate(listed)})
