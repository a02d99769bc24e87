"""``wording``: a message for people, written in English, that an application may show in another language.

The library's refusals explain what was expected and what was found, to the person who sent the document or typed
the markup. An application that speaks to that person in French needs the sentence the message was made from and
the values put into it, not only the finished English text: a :class:`Wording` is that English text, a ``str``
like any message, that also keeps its sentence (``template``) and ``values``. Anything done to it as a string
(slicing, joining) gives plain English text. A value may itself be a Wording, translated in its turn.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["Wording", "wording"]


class Wording(str):
    """English text that remembers its sentence (``template``) and the ``values`` put into it."""

    template: str
    values: Mapping[str, object]

    def __new__(cls, template: str, values: Mapping[str, object]) -> Wording:
        text = super().__new__(cls, template % values if values else template)
        text.template = template
        text.values = values
        return text

    def __reduce__(self) -> tuple[type[Wording], tuple[str, dict[str, object]]]:
        # A str subclass is copied and pickled through its text alone, which would lose the sentence and values.
        return Wording, (self.template, dict(self.values))


def wording(template: str, /, **values: object) -> Wording:
    """The sentence ``template`` with ``values`` put into its ``%(name)s`` places (a literal % is written %%
    only when there are values)."""
    return Wording(template, values)
