"""Request-scoped access to the database and the acting principal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, request
from flask import session as flask_session
from flask_login import UserMixin, current_user

from server.domain.paging import DEFAULT_LIMIT, MAX_LIMIT, BadCursor, decode_cursor, encode_cursor
from server.domain.wording import Wording, wording
from server.errors import BadRequest, ValidationFailed
from server.http.json_bodies import refuse_undecodable_json
from server.services import accounts
from server.services.paging import Page, PageRequest
from server.services.principal import Principal
from server.store.db import Database

# The session key holding the account's session generation at sign-in (see ``Credential.session_generation``).
SESSION_GENERATION = "generation"
BROWSER_SESSION = "sid"
"""The key of the browser session, in its cookie (see ``accounts.begin_browser_session``)."""


def database() -> Database:
    db: Database = current_app.extensions["parley.db"]
    return db


class SessionUser(UserMixin):  # type: ignore[misc]
    """The Flask-Login user of a browser session."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.id = principal.user_id

    def get_id(self) -> str:
        return str(self.principal.user_id)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def current_principal() -> Principal | None:
    """Who is asking: the bearer token's user, else the signed-in browser session's, else nobody."""
    if "parley_principal" in g:
        cached: Principal | None = g.parley_principal
        return cached
    principal: Principal | None = None
    token = bearer_token()
    if token is not None:
        with database().read() as session:
            principal = accounts.principal_for_token(session, token)
    elif current_user.is_authenticated:
        principal = current_user.principal
    g.parley_principal = principal
    return principal


def cookie_user_id() -> int | None:
    """The user the browser session's cookie names (signed: set by the sign-in), whether or not it still loads."""
    user_id = str(flask_session.get("_user_id") or "")
    return int(user_id) if user_id.isdigit() else None


def ended_sign_in() -> Wording | None:
    """Why the browser session this request carries no longer signs anyone in, when it once signed someone in
    (its cookie still names the user): suspended, or signed in before a password change. None otherwise."""
    user_id = cookie_user_id()
    if bearer_token() is not None or user_id is None or current_user.is_authenticated:
        return None
    with database().read() as session:
        return accounts.why_signed_out(session, user_id)


def address_key() -> str:
    """The rate-limit key of the caller's network address (the client's, behind ``PROXY_HOPS`` proxies)."""
    return "ip:" + (request.remote_addr or "unknown")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what was wrong."""
    refuse_undecodable_json()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(wording("the request body must be a JSON object (Content-Type: application/json)"))
    return data


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(wording("the query parameter %(name)s must be an integer; found %(found)r",
                                 name=name, found=raw)) from None
    maximum = min(maximum, 2**63 - 1) if maximum is not None else 2**63 - 1  # what a 64-bit column holds
    if value < minimum or value > maximum:
        raise BadRequest(wording("the query parameter %(name)s must be at least %(least)d and at most %(most)d; "
                                 "found %(found)d", name=name, least=minimum, most=maximum, found=value))
    return value


def query_error(name: str, message: str) -> ValidationFailed:
    """A 422 about one query parameter, in the shape of every failed validation."""
    return ValidationFailed(wording("%(field)s: %(message)s", field=f"query.{name}", message=message),
                            fields=[{"field": f"query.{name}", "message": message}])


def str_arg(name: str) -> str | None:
    """A query parameter, None when absent or empty."""
    return request.args.get(name) or None


def time_arg(name: str) -> datetime | None:
    """An ISO 8601 time from the query as naive UTC (a time without an offset is taken as UTC)."""
    raw = str_arg(name)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # At the edge of the calendar a time with an offset falls outside it in UTC.
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError):
        raise query_error(name, wording("%(name)s must be a time like 2026-12-01T09:00:00Z; found %(found)r",
                                        name=name, found=raw[:60])) from None


def page_request(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT, *, prefix: str = "") -> PageRequest:
    """``?limit=&cursor=``: which page of a list is asked for (``?<prefix>limit=&<prefix>cursor=`` for one of
    several lists on a page)."""
    limit = int_arg(f"{prefix}limit", default, minimum=1, maximum=maximum)
    cursor = str_arg(f"{prefix}cursor")
    if cursor is None:
        return PageRequest(limit=limit)
    try:
        return PageRequest(limit=limit, after=decode_cursor(cursor))
    except BadCursor as bad:
        # The cursor's problem is a sentence of its own (a Wording, translated with this one).
        why = bad.args[0] if bad.args and isinstance(bad.args[0], str) else str(bad)
        raise query_error(f"{prefix}cursor", wording("cursor is not one this API gave out: %(why)s", why=why)) from None


def page_reply(key: str, items: list[Any], page: Page[Any], **extra: Any) -> dict[str, Any]:
    """A list answer: the plural key, and ``next``, the cursor of the following page (None on the last)."""
    following = encode_cursor(page.next_after) if page.next_after is not None else None
    return {key: items, "next": following, **extra}
