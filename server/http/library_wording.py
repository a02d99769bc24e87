"""What the libraries under the API write for a refusal (Werkzeug's HTTP errors, Flask-WTF's CSRF check, Python's
JSON decoder and codecs), as sentences of ours, so that an answer's ``message`` reads in its reader's language.

Each sentence is the library's own English, word for word: a client reading English reads what it always read. A
text not listed here (another version's wording, a description a view gave) is shown as the library wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from werkzeug.exceptions import HTTPException

from server.domain.wording import Wording, wording

__all__ = ["csrf_reason", "http_description", "undecodable"]


def _by_text(sentences: Iterable[Wording]) -> dict[str, Wording]:
    return {str(sentence): sentence for sentence in sentences}


# The HTTP errors Werkzeug raises around the views of this application, with their own description: a request it
# cannot parse, a path or a method without a route, a body over MAX_CONTENT_LENGTH, an internal error raised as one.
_HTTP = _by_text((
    wording("The browser (or proxy) sent a request that this server could not understand."),
    wording("The requested URL was not found on the server. If you entered the URL manually please check your "
            "spelling and try again."),
    wording("The method is not allowed for the requested URL."),
    wording("The data value transmitted exceeds the capacity limit."),
    wording("The server encountered an internal error and was unable to complete your request. Either the server is "
            "overloaded or there is an error in the application."),
))

_CSRF = _by_text((
    wording("The CSRF token is missing."),
    wording("The CSRF session token is missing."),
    wording("The CSRF token has expired."),
    wording("The CSRF token is invalid."),
    wording("The CSRF tokens do not match."),
    wording("The referrer header is missing."),
    wording("The referrer does not match the host."),
))

# The reasons of CPython's JSON scanner (Modules/_json.c and Lib/json/decoder.py; the trailing commas from 3.13).
_DECODER = _by_text((
    wording("Expecting value"),
    wording("Expecting property name enclosed in double quotes"),
    wording("Expecting ':' delimiter"),
    wording("Expecting ',' delimiter"),
    wording("Unterminated string starting at"),
    wording("Invalid control character at"),
    wording("Invalid \\escape"),
    wording("Invalid \\uXXXX escape"),
    wording("Extra data"),
    wording("Illegal trailing comma before end of object"),
    wording("Illegal trailing comma before end of array"),
))

# The reasons of the codecs a JSON body may be sent in (UTF-8, -16 or -32, as ``json.detect_encoding`` finds).
_CODEC = _by_text((
    wording("invalid start byte"),
    wording("invalid continuation byte"),
    wording("unexpected end of data"),
    wording("truncated data"),
    wording("illegal encoding"),
    wording("illegal UTF-16 surrogate"),
    wording("code point not in range(0x110000)"),
    wording("code point in surrogate code point range(0xd800, 0xe000)"),
))


def http_description(error: HTTPException) -> str:
    """What a Werkzeug HTTP error says, as a sentence of ours when it is Werkzeug's own."""
    text = error.description or error.name
    return _HTTP.get(text, text)


def csrf_reason(reason: str | None) -> str:
    """Why Flask-WTF refused a CSRF token, as a sentence of ours when it is Flask-WTF's own."""
    text = reason or ""
    return _CSRF.get(text, text)


def undecodable(error: ValueError) -> str:
    """Why a body is not JSON: the decoder's (or the codec's) own words, with the place it stopped as values."""
    if isinstance(error, json.JSONDecodeError) and error.msg in _DECODER:
        said: str = wording("%(problem)s: line %(line)d column %(column)d (char %(char)d)",
                            problem=_DECODER[error.msg], line=error.lineno, column=error.colno, char=error.pos)
    elif isinstance(error, UnicodeDecodeError):
        reason = _CODEC.get(error.reason, error.reason)
        if error.end == error.start + 1 and error.start < len(error.object):
            said = wording("'%(encoding)s' codec can't decode byte %(byte)s in position %(position)d: %(reason)s",
                           encoding=error.encoding, byte=f"0x{error.object[error.start]:02x}", position=error.start,
                           reason=reason)
        else:
            said = wording("'%(encoding)s' codec can't decode bytes in position %(start)d-%(end)d: %(reason)s",
                           encoding=error.encoding, start=error.start, end=error.end - 1, reason=reason)
    else:
        return str(error)
    # Should Python word one differently, its own words stay: what is sent in English never changes.
    return said if said == str(error) else str(error)
