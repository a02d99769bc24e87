"""Fixtures for the security tests: one application on SQLite (authorization does not depend on the dialect),
every role signed in, and one of each thing a route can name (bill, amendment, consultation, comment)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from server.app import create_app
from server.services import accounts
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import (  # noqa: F401 - fixtures shared with the server tests
    Accounts,
    make_config,
    small_bill_xml,
    sqlite_template,
    sqlite_url,
)

ROLES = ("anonymous", "citizen", "mp", "drafter", "clerk", "admin")
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2 with its cheapest parameters; hashing cost is not what these tests measure."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:  # noqa: F811 - the imported fixture
    application = create_app(make_config(sqlite_url, tmp_path))
    yield application
    application.extensions["parley.db"].dispose()


@pytest.fixture
def db(app: Flask) -> Database:
    database: Database = app.extensions["parley.db"]
    return database


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def users(db: Database) -> Accounts:
    registry = Accounts(db)
    for role in ROLES[1:]:
        registry.add(role, role)
    registry.add("citizen2", "citizen")
    return registry


@dataclass
class World:
    """Ids of real things, so a route answers about something that exists rather than 404."""

    bill: int
    eid: str
    amendment: int
    consultation: int
    comment: int  # written by citizen2
    own_comment: int  # written by citizen
    mp_id: int
    citizen_id: int


def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


@pytest.fixture
def world(client: FlaskClient, users: Accounts) -> World:
    bill = _ok(client.post("/api/bills", data=small_bill_xml(), content_type="application/akn+xml",
                           headers=users.headers("drafter")))["id"]
    eid = "part_2__sec_3__subsec_1"
    text = _ok(client.get(f"/api/bills/{bill}/provisions/{eid}"), 200)["text"]
    amendment = _ok(client.post(f"/api/bills/{bill}/amendments", headers=users.headers("mp"),
                                json={"eid": eid, "text": text.replace("thirty", "sixty"), "justification": "Why"}))
    now = eventlog.utcnow()
    consultation = _ok(client.post(f"/api/bills/{bill}/consultations", headers=users.headers("clerk"), json={
        "opens_at": (now - timedelta(hours=1)).isoformat() + "Z",
        "closes_at": (now + timedelta(days=30)).isoformat() + "Z",
    }))
    comment = _ok(client.post(f"/api/bills/{bill}/comments", headers=users.headers("citizen2"),
                              json={"eid": eid, "body": "Another citizen's comment."}))
    own = _ok(client.post(f"/api/bills/{bill}/comments", headers=users.headers("citizen"),
                          json={"eid": eid, "body": "A comment."}))
    return World(bill=bill, eid=eid, amendment=amendment["id"], consultation=consultation["id"],
                 comment=comment["id"], own_comment=own["id"], mp_id=users.ids["mp"], citizen_id=users.ids["citizen"])
