"""Request-scoped access to the database and the acting principal."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_login import UserMixin, current_user

from server.errors import BadRequest
from server.services import accounts
from server.services.principal import Principal
from server.store.db import Database


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


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what was wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return data


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"the query parameter {name} must be an integer; found {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise BadRequest(f"the query parameter {name} must be at least {minimum}{bound}; found {value}")
    return value
