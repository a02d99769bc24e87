"""A bill under consultation, citizens, and helpers that drive the real HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from akn.plaintext import parse_bill_text
from config import TestingConfig
from server.app import create_app
from server.services import accounts, bills
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import Accounts, make_config

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "akn-corpus"

BILL_TEXT = """\
PART 1 - Preliminary

  SEC 1. - Short title

    This Act may be cited as the Public Consultation Act, 2026.

  SEC 2. - Interpretation

    In this Act—

    PARA (a)

      "{{def{refersTo #term-clerk} clerk}}" means the Clerk of the National Assembly;

    PARA (b)

      "participant" means any person who submits a comment during a consultation.

PART 2 - Consultations

  SEC 3. - Duty to consult

    SUBSEC (1)

      The clerk shall open a consultation on every bill within thirty days of its first reading.

    SUBSEC (2)

      A consultation shall remain open for not less than thirty days.

  SEC 4. - Register

    The clerk shall keep a public register of consultations and of every comment received.
"""

SHORT_TITLE = "part_1__sec_1"
DUTY = "part_2__sec_3__subsec_1"
DURATION = "part_2__sec_3__subsec_2"
REGISTER = "part_2__sec_4"


def bill_xml(number: str = "31") -> bytes:
    return parse_bill_text(BILL_TEXT, country="ke", number=number, date="2026-11-02",
                           title="Public Consultation Bill, 2026")


def iso(delta: timedelta) -> str:
    """Now plus ``delta``, as the API expects times."""
    return (eventlog.utcnow() + delta).isoformat(timespec="seconds") + "Z"


@dataclass
class Api:
    """The JSON API as each account sees it."""

    client: FlaskClient
    users: Accounts

    def post(self, who: str | None, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = self.users.headers(who) if who else {}
        return self.client.post(path, json=body if body is not None else {}, headers=headers)

    def patch(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(path, json=body, headers=self.users.headers(who))

    def delete(self, who: str, path: str) -> Any:
        return self.client.delete(path, headers=self.users.headers(who))

    def get(self, path: str, who: str | None = None) -> Any:
        return self.client.get(path, headers=self.users.headers(who) if who else {})

    def commenter_with_mail(self, name: str, address: str) -> None:
        """A citizen ``name`` who is written to at ``address`` (mail is sent only to such)."""
        database: Database = self.client.application.extensions["parley.db"]
        with database.write() as session:
            user = accounts.register_user(session, name, "citizen", "long-enough-pw", email=address)
            self.users.tokens[name] = accounts.issue_token(session, accounts.principal_of(user))

    def comment(self, who: str, bill: int, eid: str, body: str, **extra: Any) -> Any:
        return self.post(who, f"/api/bills/{bill}/comments", {"eid": eid, "body": body, **extra})

    def comments(self, bill: int, eid: str | None = None) -> list[dict[str, Any]]:
        response = self.get(f"/api/bills/{bill}/comments" + (f"?eid={eid}" if eid else ""))
        assert response.status_code == 200, response.get_json()
        comments: list[dict[str, Any]] = response.get_json()["comments"]
        return comments

    def open(self, bill: int, opens: timedelta = timedelta(hours=-1), closes: timedelta = timedelta(days=30),
             **extra: Any) -> Any:
        return self.post("clerk", f"/api/bills/{bill}/consultations",
                         {"opens_at": iso(opens), "closes_at": iso(closes), **extra})


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2, with the cheapest parameters: the default costs about 0.35 s per account on CI's machine."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def api(client: FlaskClient, users: Accounts) -> Api:
    for name in ("citizen2", "citizen3", "citizen4"):
        users.add(name, "citizen")
    return Api(client, users)


def import_bill(db: Database, users: Accounts, number: str = "31") -> int:
    with db.write() as session:
        principal = accounts.principal_for_user_id(session, users.ids["drafter"])
        return bills.import_bill(session, principal, bill_xml(number)).bill.id


@pytest.fixture
def bill(db: Database, users: Accounts) -> int:
    """A bill in drafting, not yet under consultation."""
    return import_bill(db, users)


@pytest.fixture
def consulted(api: Api, bill: int) -> int:
    """A bill whose consultation is open now."""
    response = api.open(bill, questions=["Is thirty days long enough?"])
    assert response.status_code == 201, response.get_json()
    return bill


def app_with(database_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    """An application on the same database with some settings changed."""
    config: TestingConfig = make_config(database_url, tmp_path, **overrides)
    return create_app(config)
