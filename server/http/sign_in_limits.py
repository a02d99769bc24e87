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

from server.domain.consultation_identity import MAX_EMAIL_LENGTH, normalise_email
from server.http.context import address_key, current_principal

# The account names tried are counted as typed, folded as accounts.authenticate folds them; a name longer than
# any account's cannot be one, and is cut so that a key stays small.
_MAX_NAME = 80


def _account_key() -> str:
    name = request.form.get("username") if request.form else None
    if name is None:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    return "signin:" + (name.strip().lower()[:_MAX_NAME] if isinstance(name, str) else "")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _own_account_key() -> str:
    # Changing a password tries the current one: a wrong guess there costs the account's sign-in budget too,
    # or a stolen session would be a way around it.
    principal = current_principal()
    return "signin:" + (principal.username if principal is not None else "")


def _wrong_password(response: Response) -> bool:
    return response.status_code == 403


def _reset_email_key() -> str:
    email = request.form.get("email") if request.form else None
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return "reset:" + (normalise_email(email[:MAX_EMAIL_LENGTH + 1]) if isinstance(email, str) else "")


def limit_sign_in(app: Flask) -> None:
    """Put the sign-in limits on ``/login`` (POST) and ``POST /api/tokens``, and the password-change and reset
    limits on their pages and API, when rate limits are on."""
    limiters: Any = app.extensions.get("limiter") or set()
    per_address = str(app.config["SIGNIN_LIMIT_PER_ADDRESS"])
    per_account = str(app.config["SIGNIN_FAILURES_PER_ACCOUNT"])
    for endpoint in ("pages.login", "api.create_token"):
        for limiter in limiters:
            view = app.view_functions[endpoint]
            view = limiter.shared_limit(per_address, scope="signin-address", key_func=address_key,
                                        exempt_when=lambda: request.method != "POST")(view)
            view = limiter.shared_limit(per_account, scope="signin-account", key_func=_account_key,
                                        exempt_when=lambda: request.method != "POST", deduct_when=_failed)(view)
            app.view_functions[endpoint] = view
    for endpoint in ("pages.change_password", "api.change_password"):
        for limiter in limiters:
            app.view_functions[endpoint] = limiter.shared_limit(
                per_account, scope="signin-account", key_func=_own_account_key,
                exempt_when=lambda: request.method != "POST", deduct_when=_wrong_password,
            )(app.view_functions[endpoint])
    # Asking for reset mails: per network address and per address mailed to. Pressing "Set the new password"
    # draws on the address budget too, so reset codes cannot be tried without end.
    per_client = str(app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"])
    per_email = str(app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"])
    for endpoint in ("pages.forgotten_password", "api.request_password_reset", "pages.reset_password"):
        for limiter in limiters:
            view = limiter.shared_limit(per_client, scope="reset-address", key_func=address_key,
                                        exempt_when=lambda: request.method != "POST")(app.view_functions[endpoint])
            if endpoint != "pages.reset_password":
                view = limiter.shared_limit(per_email, scope="reset-email", key_func=_reset_email_key,
                                            exempt_when=lambda: request.method != "POST")(view)
            app.view_functions[endpoint] = view
