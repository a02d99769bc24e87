"""Every ``/api`` request is checked against the operation's declaration in ``server.domain.api_schema`` before
its handler runs: who may call (sign-in, roles), then the query parameters and the JSON body against their JSON
Schemas (Draft 2020-12). Every problem found is reported at once, as
``422 {"error": {"code": "validation_failed", "message", "fields": [{"field": "body.eid", "message"}, ...]}}``.

A body that is not JSON, or not a JSON object, is ``400 bad_request``: there are no fields to point at. Handlers
and services keep their own checks (a rule that needs the database, or that a schema cannot say); this layer
makes sure they never see input of the wrong shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from akn.inline import NOT_XML
from server.domain.api_schema import JSON, OPERATIONS, Auth, Operation, Schema
from server.domain.wording import Wording, wording
from server.errors import BadRequest, ValidationFailed
from server.http.context import current_principal
from server.http.json_bodies import refuse_undecodable_json
from server.services.principal import require


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


def _is_date_time(value: object) -> bool:
    # What the handlers parse: ISO 8601, "Z" for UTC, and a time without an offset taken as UTC.
    return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not re.search(r"\s", value)


# Only these formats are asserted, each the way the handlers read it (not whatever optional packages are around).
_FORMATS = FormatChecker(formats=())
for _name, _check in (("date", _is_date), ("date-time", _is_date_time), ("uri", _is_uri)):
    _FORMATS.checks(_name, raises=ValueError)(_check)


@dataclass(frozen=True)
class Field:
    """One problem: where (``body.eid``, ``query.limit``) and what is wrong, as a sentence."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def query_schema(operation: Operation) -> Schema:
    """The query string as one object, so all its problems are found in one pass."""
    schema: Schema = {"type": "object", "properties": {p.name: p.schema for p in operation.params}}
    required = [p.name for p in operation.params if p.required]
    if required:
        schema["required"] = required
    return schema


class OperationCheck:
    """The compiled checks of one operation."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.params = {p.name: p.schema for p in operation.params}
        self.query = Draft202012Validator(query_schema(operation), format_checker=_FORMATS)
        self.body = (Draft202012Validator(operation.body, format_checker=_FORMATS)
                     if operation.body is not None and operation.body_media == JSON else None)

    def authorize(self) -> None:
        """Who may call comes first: a caller who may not is told so, not what was wrong with the request."""
        if self.operation.auth is Auth.REQUIRED:
            require(current_principal(), *self.operation.roles)

    def problems(self) -> list[Field]:
        query = self._query_values()
        found = list(describe_all(self.query.iter_errors(query), "query"))
        found += [Field(f"query.{name}", wording("must be below 2**63 in magnitude"))
                  for name, value in query.items() if isinstance(value, int) and not -_MAX_INT <= value < _MAX_INT]
        found += unstorable_characters(dict(request.args), "query")
        if self.body is not None:
            body = self._json_body()
            if body is not None:
                found += describe_all(self.body.iter_errors(body), "body")
                found += unstorable_characters(body, "body")
        return sorted(set(found), key=lambda f: (f.field, f.message))

    def _query_values(self) -> dict[str, Any]:
        # An empty value is no value, as the handlers have always read it (``?eid=`` filters nothing).
        return {name: coerce(request.args.get(name, ""), self.params[name])
                for name in self.params if request.args.get(name)}

    def _json_body(self) -> dict[str, Any] | None:
        required = self.operation.body_required
        if not request.is_json:
            if required:
                raise BadRequest(wording("the request body must be a JSON object (Content-Type: application/json)"))
            return None
        refuse_undecodable_json()
        data = request.get_json(silent=True)
        if data is None and not required and not request.get_data(cache=True):
            return None
        if not isinstance(data, dict):
            raise BadRequest(wording("the request body must be a JSON object (Content-Type: application/json)"))
        return data


def coerce(raw: str, schema: Schema) -> Any:
    """A query string value as the type its schema names, when it reads as one (else as it came, so the
    validator reports the type)."""
    kinds = schema.get("type")
    if kinds == "integer" and re.fullmatch(r"[+-]?\d{1,30}", raw.strip()):
        return int(raw)  # beyond 64 bits the schema's bounds (or the check below) refuse it
    if kinds == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kinds == "boolean" and raw in {"true", "false"}:
        return raw == "true"
    return raw


def field_name(prefix: str, path: Iterable[Any]) -> str:
    name = prefix
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


_MAX_INT = 2**63  # what a 64-bit database integer holds

def unstorable_characters(value: object, where: str) -> Iterator[Field]:
    """Strings holding a character XML cannot hold, each named with its first one (stored text ends up in AKN,
    Atom and mail; PostgreSQL refuses U+0000 outright)."""
    if isinstance(value, str):
        bad = NOT_XML.search(value)
        if bad:
            yield Field(where, wording("must not contain the control character %(code)s",
                                       code=f"U+{ord(bad.group()):04X}"))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unstorable_characters(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_characters(item, f"{where}[{index}]")


def describe_all(errors: Iterable[ValidationError], prefix: str) -> Iterator[Field]:
    for error in errors:
        yield from describe(error, prefix)


def describe(error: ValidationError, prefix: str) -> Iterator[Field]:
    """Sentences that name what was expected and what was found (never echoing a long value)."""
    path = list(error.absolute_path)
    leaf = _leaf(path, prefix)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in instance:
                yield Field(field_name(prefix, [*path, name]), wording("%(name)s is required", name=name))
        return
    if error.validator in {"anyOf", "oneOf"} and error.context:
        # A nullable value: report what the one non-null alternative found wrong.
        branches = error.validator_value
        relevant = [e for e in error.context if branches[e.relative_schema_path[0]] != {"type": "null"}]
        if relevant and len({e.relative_schema_path[0] for e in relevant}) == 1:
            for inner in relevant:
                yield from describe(inner, prefix)
            return
    yield Field(field_name(prefix, path), _expectation(leaf, error))


def _leaf(path: list[Any], prefix: str) -> str:
    """The name a message gives a value: its field, with the index of a list item (``questions[1]``, not ``1``,
    which names nothing to whoever reads the message)."""
    indices = ""
    for part in reversed(path):
        if not isinstance(part, int):
            return f"{part}{indices}"
        indices = f"[{part}]{indices}"
    return prefix + indices


# What a JSON type is called in a sentence ("null" is the JSON word itself, the same in every language).
_ARTICLE: dict[str, str] = {
    "integer": wording("an integer"), "string": wording("a string"), "boolean": wording("true or false"),
    "object": wording("an object"), "array": wording("a list"), "number": wording("a number"), "null": "null",
}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return wording("a boolean")
    if isinstance(value, int):
        return wording("an integer")
    if isinstance(value, float):
        return wording("a number")
    if isinstance(value, str):
        return wording("a string")
    if isinstance(value, list):
        return wording("a list")
    return wording("an object")


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else _kind(value)


def _either(kinds: list[str]) -> str:
    """``a or b or c``, each kind still translatable."""
    if len(kinds) == 1:
        return kinds[0]
    return wording("%(first)s or %(rest)s", first=kinds[0], rest=_either(kinds[1:]))


def _expectation(leaf: str, error: ValidationError) -> Wording:
    """What the value named ``leaf`` must be, and what was found instead."""
    rule, expected, found = error.validator, error.validator_value, error.instance
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return wording("%(name)s must be %(expected)s; found %(found)s", name=leaf,
                       expected=_either([_ARTICLE.get(str(k), str(k)) for k in kinds]), found=_kind(found))
    if rule == "enum":
        return wording("%(name)s must be one of %(allowed)s; found %(found)s", name=leaf,
                       allowed=", ".join(json.dumps(v) for v in expected), found=_shown(found))
    if rule == "const":
        return wording("%(name)s must be %(expected)s; found %(found)s", name=leaf, expected=json.dumps(expected),
                       found=_shown(found))
    if rule == "minLength":
        return wording("%(name)s must have at least %(least)s characters; found %(found)d", name=leaf,
                       least=expected, found=len(found))
    if rule == "maxLength":
        return wording("%(name)s must have at most %(most)s characters; found %(found)d", name=leaf,
                       most=expected, found=len(found))
    if rule == "minimum":
        return wording("%(name)s must be at least %(least)s; found %(found)s", name=leaf, least=expected,
                       found=_shown(found))
    if rule == "maximum":
        return wording("%(name)s must be at most %(most)s; found %(found)s", name=leaf, most=expected,
                       found=_shown(found))
    if rule == "minItems":
        return wording("%(name)s must hold at least %(least)s items; found %(found)d", name=leaf, least=expected,
                       found=len(found))
    if rule == "maxItems":
        return wording("%(name)s must hold at most %(most)s items; found %(found)d", name=leaf, most=expected,
                       found=len(found))
    if rule == "uniqueItems":
        return wording("%(name)s must not repeat an item", name=leaf)
    if rule == "pattern":
        return wording("%(name)s must match %(pattern)s; found %(found)s", name=leaf, pattern=expected,
                       found=_shown(found))
    if rule == "format":
        examples = {"date": wording("a date like 2026-11-21"),
                    "date-time": wording("a time like 2026-12-01T09:00:00Z"),
                    "uri": wording("an absolute URL like https://example.org/hook")}
        return wording("%(name)s must be %(expected)s; found %(found)s", name=leaf,
                       expected=examples.get(str(expected), str(expected)), found=_shown(found))
    return wording("%(name)s is not valid: %(why)s", name=leaf, why=error.message)


def _listed(problems: list[Field]) -> str:
    """The problems one after the other, separated by "; " (each still translatable)."""
    if not problems:
        return ""
    first = wording("%(field)s: %(message)s", field=problems[0].field, message=problems[0].message)
    if len(problems) == 1:
        return first
    return wording("%(first)s; %(rest)s", first=first, rest=_listed(problems[1:]))


def summary(problems: list[Field]) -> Wording:
    listed = _listed(problems[:10])
    if len(problems) == 1:
        return wording("the request has 1 problem: %(listed)s", listed=listed)
    if len(problems) > 10:
        return wording("the request has %(count)d problems: %(listed)s (and %(more)d more)", count=len(problems),
                       listed=listed, more=len(problems) - 10)
    return wording("the request has %(count)d problems: %(listed)s", count=len(problems), listed=listed)


def init_request_validation(app: Flask) -> None:
    """Check every declared ``/api`` operation's caller, query and body before its handler runs."""
    checks = {key: OperationCheck(operation) for key, operation in OPERATIONS.items()}

    @app.before_request
    def _refuse_unstorable_paths() -> None:
        # Every path (/akn/..., /api/..., pages) names things by text the database holds; a segment with U+0000
        # would reach PostgreSQL, which refuses it with an error rather than an empty answer.
        bad = NOT_XML.search(request.path)
        if bad:
            raise BadRequest(wording("the path holds the control character %(code)s",
                                     code=f"U+{ord(bad.group()):04X}"))

    @app.before_request
    def _validate_api_request() -> None:
        rule = request.url_rule
        if rule is None or not rule.rule.startswith("/api/"):
            return
        method = "GET" if request.method == "HEAD" else request.method
        check = checks.get((method, rule.rule))
        if check is None:
            return
        check.authorize()
        problems = check.problems()
        if problems:
            raise ValidationFailed(summary(problems), fields=[p.to_dict() for p in problems])
