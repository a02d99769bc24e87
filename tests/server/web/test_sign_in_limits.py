"""Signing in is limited: every attempt from one address, and the failed ones on one account from anywhere."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.app import create_app
from tests.server.conftest import Accounts, make_config
from tests.server.web.conftest import PASSWORD, csrf_token, parse


@pytest.fixture
def limited(database_url: str, tmp_path: Path, users: Accounts) -> Iterator[Callable[..., FlaskClient]]:
    made: list[Flask] = []

    def make(**limits: Any) -> FlaskClient:
        app = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True,
                                     RATELIMIT_KEY_PREFIX=f"signin-{uuid.uuid4().hex}", **limits))
        made.append(app)
        return app.test_client()

    yield make
    for app in made:
        app.extensions["parley.db"].dispose()


def _token(client: FlaskClient, username: str, password: str, address: str = "127.0.0.1") -> int:
    return client.post("/api/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_failed_attempts_on_one_account_are_limited_from_every_address(limited: Callable[..., FlaskClient]) -> None:
    client = limited(SIGNIN_FAILURES_PER_ACCOUNT="3/15 minutes", SIGNIN_LIMIT_PER_ADDRESS="100/minute")
    guesses = [_token(client, "citizen", f"guess-{n}", address=f"198.51.100.{n}") for n in range(3)]
    assert guesses == [401, 401, 401]
    # The fourth try is refused before the password is checked, the right one too, from yet another address.
    refused = client.post("/api/tokens", json={"username": "Citizen ", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    # Other accounts are not held back by it.
    assert _token(client, "mp", PASSWORD) == 201


def test_successful_sign_ins_do_not_use_up_the_account_budget(limited: Callable[..., FlaskClient]) -> None:
    client = limited(SIGNIN_FAILURES_PER_ACCOUNT="2/15 minutes", SIGNIN_LIMIT_PER_ADDRESS="100/minute")
    assert [_token(client, "clerk", PASSWORD) for _ in range(5)] == [201] * 5


def test_every_attempt_from_one_address_is_limited(limited: Callable[..., FlaskClient]) -> None:
    client = limited(SIGNIN_LIMIT_PER_ADDRESS="4/minute", SIGNIN_FAILURES_PER_ACCOUNT="100/15 minutes")
    tries = [_token(client, name, PASSWORD if n % 2 else "wrong") for n, name in
             enumerate(("citizen", "mp", "drafter", "clerk", "admin"))]
    assert tries == [401, 201, 401, 201, 429]
    assert _token(client, "admin", PASSWORD, address="192.0.2.44") == 201


def test_the_sign_in_form_says_so_on_a_page(limited: Callable[..., FlaskClient]) -> None:
    client = limited(SIGNIN_FAILURES_PER_ACCOUNT="2/15 minutes", SIGNIN_LIMIT_PER_ADDRESS="100/minute")
    for _ in range(2):
        wrong = client.post("/login", data={"username": "drafter", "password": "wrong",
                                            "csrf_token": csrf_token(client)})
        assert wrong.status_code == 401
    held = client.post("/login", data={"username": "drafter", "password": PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert held.status_code == 429 and held.mimetype == "text/html"
    assert "Too many requests" in parse(held.data).xpath('string(//p[@role="alert"])')
    assert client.get("/login").status_code == 200, "reading the form is not limited"
