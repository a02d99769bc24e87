"""Limits on signing in: a password is tried at most so often, whoever asks and from wherever.

Without them anyone could guess passwords at the speed of the server, and every guess costs the server an Argon2
hash (tens of milliseconds of CPU, on purpose), so a stream of them is also a cheap way to load it. Two budgets,
on both ways of signing in (the ``/login`` form and ``POST /api/tokens``): every attempt from one network address,
and the failed attempts on one account name from anywhere, so that spreading guesses over many addresses does not
help either. Successful sign-ins do not count against an account.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

# The account names tried are counted as typed, folded as accounts.authenticate folds them; a name longer than
# any account's cannot be one, and is cut so that a key stays small.
_MAX_NAME = 80


def _address_key() -> str:
    return "ip:" + (request.remote_addr or "unknown")


def _account_key() -> str:
    name = request.form.get("username") if request.form else None
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return "signin:" + (name.strip().lower()[:_MAX_NAME] if isinstance(name, str) else "")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def limit_sign_in(app: Flask) -> None:
    """Put the sign-in limits on ``/login`` (POST) and ``POST /api/tokens``, when rate limits are on."""
    limiters: Any = app.extensions.get("limiter") or set()
    per_address = str(app.config["SIGNIN_LIMIT_PER_ADDRESS"])
    per_account = str(app.config["SIGNIN_FAILURES_PER_ACCOUNT"])
    for endpoint in ("pages.login", "api.create_token"):
        for limiter in limiters:
            view = app.view_functions[endpoint]
            view = limiter.shared_limit(per_address, scope="signin-address", key_func=_address_key,
                                        exempt_when=lambda: request.method != "POST")(view)
            view = limiter.shared_limit(per_account, scope="signin-account", key_func=_account_key,
                                        exempt_when=lambda: request.method != "POST", deduct_when=_failed)(view)
            app.view_functions[endpoint] = view
