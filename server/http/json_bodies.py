"""Request bodies in JSON: what is nested deeper than any Parley body is refused as malformed.

Python's JSON decoder recurses once a level: a body of a hundred thousand ``[`` raised ``RecursionError``,
which Flask's ``get_json(silent=True)`` does not catch (it catches ``ValueError``), so the request failed with 500;
one a few hundred levels deep parsed, then sent the schema validator past the interpreter's recursion limit. No
Parley body is nested more than a few levels; :data:`MAX_DEPTH` leaves room and refuses the rest as not JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider

from server.domain.wording import Wording, wording
from server.errors import BadRequest
from server.http.library_wording import undecodable

#: The deepest nesting of arrays and objects a request body may have.
MAX_DEPTH = 32


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose ``loads`` refuses a document nested deeper than :data:`MAX_DEPTH` with ``ValueError``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(wording("the JSON is nested too deeply")) from None
        if depth_beyond(value, MAX_DEPTH):
            raise ValueError(wording("the JSON is nested more than %(most)d levels deep", most=MAX_DEPTH))
        return value


def depth_beyond(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` levels deep (without recursing itself)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def refuse_undecodable_json() -> None:
    """When the request's body is sent as JSON but does not decode: the 400 that says why (Flask's own says only
    that the request was not understood)."""
    body = request.get_data(cache=True)
    if not request.is_json or not body or request.get_json(silent=True) is not None:
        return
    try:
        current_app.json.loads(body)
    except ValueError as error:  # UnicodeDecodeError among them
        # The depth limit's words are a sentence of ours already; the decoder's are read into ours.
        why = error.args[0] if error.args and isinstance(error.args[0], Wording) else undecodable(error)
        raise BadRequest(wording("the request body must be a JSON object (Content-Type: application/json); "
                                 "it is not valid JSON: %(why)s", why=why)) from None


def init_json_bodies(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
