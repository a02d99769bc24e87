"""The words of a provision as a reader sees them, read from its inline markup.

A provision's text is inline markup (bold ``**x**``, italics ``//x//``, underline ``__x__``, inlines such as
``{{>/akn/ref text}}`` or ``{{term{refersTo #t} text}}``, escapes ``\\*``). Amendments compare texts *with*
their markup, so that turning a word into a reference is a change, but they quote words the way a reader sees
them, without markup. :func:`read_words` gives both: each word's reader text and offsets in the reader's text,
and a comparison key that includes the markup around the word.

A ``**``, ``//`` or ``__`` with no closer on its line is the characters themselves, as ``akn.inline`` reads it
(``http://x``, ``5 ** 2``): the words quoted are the words the document will hold.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from akn.inline import marker_closes

__all__ = ["Reading", "Word", "read_words"]

_TOGGLES: Final = ("**", "//", "__")
# An opener: "{{" then a remark/sup/sub sign, a reference with its href, or a named inline with attributes.
_OPENER = re.compile(r"\{\{(?:[*^_]|>[^\s}]*[ ]?|FOOTNOTE[ ][^}\n]*|[A-Za-z][\w]*(?:\{[^}\n]*\})?[ ]?)")
# A number written with separators ("1,000", "2.5", "1,000,000") is one word: an amendment to a sum quotes it whole.
_WORD = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:['\u2019\-]\w+)*|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Word:
    """A word or a punctuation mark: its reader text, where it is in the reader's text, its markup context."""

    text: str
    start: int
    end: int
    context: tuple[str, ...]

    @property
    def key(self) -> tuple[tuple[str, ...], str]:
        """What two texts must share for this word to be unchanged: the text and the markup around it."""
        return (self.context, self.text)

    @property
    def is_word(self) -> bool:
        """True for a word, False for a punctuation mark."""
        return self.text[0].isalnum() or self.text[0] == "_"


@dataclass(frozen=True)
class Reading:
    """A provision text as a reader sees it, and its words."""

    text: str
    words: tuple[Word, ...]

    def quote(self, first: int, last: int) -> str:
        """The reader's text from word ``first`` to word ``last - 1`` inclusive, spacing kept."""
        return self.text[self.words[first].start : self.words[last - 1].end]

    def joined(self, k: int) -> bool:
        """True when word ``k`` follows the word before it with no space between (the "(" of "12(1)", "pay;")."""
        return 0 < k < len(self.words) and self.words[k - 1].end == self.words[k].start


def _segments(markup: str) -> list[tuple[str, tuple[str, ...]]]:
    """Runs of reader text, each with the stack of markup open around it."""
    runs: list[tuple[str, tuple[str, ...]]] = []
    stack: list[str] = []
    buffer: list[str] = []
    closes = marker_closes(markup)

    def flush() -> None:
        if buffer:
            text = "".join(buffer)
            context = tuple(stack)
            if runs and runs[-1][1] == context:
                runs[-1] = (runs[-1][0] + text, context)
            else:
                runs.append((text, context))
            buffer.clear()

    i, n = 0, len(markup)
    while i < n:
        ch = markup[i]
        if ch == "\\" and i + 1 < n and markup[i + 1] != "\n":
            buffer.append(markup[i + 1])
            i += 2
            continue
        pair = markup[i : i + 2]
        if pair in _TOGGLES:
            if stack and stack[-1] == pair:
                flush()
                stack.pop()
                i += 2
                continue
            if closes(i):
                flush()
                stack.append(pair)
                i += 2
                continue
            # No closer on its line ("a ** b", "http://x"): the characters themselves, as the document holds them.
            buffer.append(ch)
            i += 1
            continue
        if pair == "{{":
            opener = _OPENER.match(markup, i)
            if opener is not None:
                flush()
                stack.append(opener.group(0).rstrip(" "))
                i = opener.end()
                continue
        if pair == "}}" and any(s.startswith("{{") for s in stack):
            flush()
            while stack and not stack[-1].startswith("{{"):
                stack.pop()  # an unclosed toggle inside an inline ends with it
            stack.pop()
            i += 2
            continue
        buffer.append(ch)
        i += 1
    flush()
    return runs


def read_words(markup: str) -> Reading:
    """Split provision markup into the words and punctuation marks a reader sees."""
    pieces: list[str] = []
    words: list[Word] = []
    offset = 0
    for text, context in _segments(markup):
        for match in _WORD.finditer(text):
            words.append(Word(match.group(0), offset + match.start(), offset + match.end(), context))
        pieces.append(text)
        offset += len(text)
    return Reading("".join(pieces), tuple(words))
