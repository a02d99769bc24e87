"""A bill with public history (an amendment, a consultation, a visible and a hidden comment) driven through the
real HTTP API, and an application that may call webhooks on loopback."""

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
from tests.server.conftest import Accounts, make_config, small_bill_xml

DUTY = "part_2__sec_3__subsec_1"
REGISTER = "part_2__sec_4"
VISIBLE_WORDS = "Thirty days is too short for rural hearings"
HIDDEN_WORDS = "zanzibarfrobnicate nonsense"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_config(database_url, tmp_path, WEBHOOKS_ALLOW_PRIVATE=True,
                                         PUBLIC_URL="http://parley.test"))
    yield application
    application.extensions["parley.db"].dispose()


def iso(delta: timedelta) -> str:
    return (eventlog.utcnow() + delta).isoformat(timespec="seconds") + "Z"


@dataclass
class Scenario:
    client: FlaskClient
    users: Accounts
    bill_id: int
    amendment_id: int
    visible_comment: int
    hidden_comment: int

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = self.users.headers(who) if who else {}
        return self.client.open(path, method=method, headers=headers, **kwargs)


def import_bill(client: FlaskClient, users: Accounts, number: str, title: str) -> int:
    response = client.post("/api/bills", data=small_bill_xml(number, title), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert response.status_code == 201, response.get_json()
    bill_id: int = response.get_json()["id"]
    return bill_id


def build_scenario(client: FlaskClient, users: Accounts) -> Scenario:
    users.add("citizen2", "citizen")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    text = client.get(f"/api/bills/{bill_id}/provisions/{DUTY}").get_json()["text"]
    proposed = client.post(f"/api/bills/{bill_id}/amendments", headers=users.headers("mp"), json={
        "eid": DUTY, "text": text.replace("thirty days", "ninety days"),
        "justification": "Rural constituencies need longer notice.",
    })
    assert proposed.status_code == 201, proposed.get_json()
    # Tabled: a draft is its member's own, not public history.
    tabled = client.post(f"/api/amendments/{proposed.get_json()['id']}/transitions", headers=users.headers("mp"),
                         json={"to": "tabled"})
    assert tabled.status_code == 200, tabled.get_json()
    opened = client.post(f"/api/bills/{bill_id}/consultations", headers=users.headers("clerk"),
                         json={"opens_at": iso(timedelta(hours=-1)), "closes_at": iso(timedelta(days=30))})
    assert opened.status_code == 201, opened.get_json()
    visible = client.post(f"/api/bills/{bill_id}/comments", headers=users.headers("citizen"),
                          json={"eid": DUTY, "body": VISIBLE_WORDS})
    assert visible.status_code == 201, visible.get_json()
    hidden = client.post(f"/api/bills/{bill_id}/comments", headers=users.headers("citizen2"),
                         json={"eid": DUTY, "body": HIDDEN_WORDS})
    assert hidden.status_code == 201, hidden.get_json()
    hide = client.post(f"/api/comments/{hidden.get_json()['id']}/moderation", headers=users.headers("clerk"),
                       json={"action": "hide", "reason": "off topic"})
    assert hide.status_code == 200, hide.get_json()
    return Scenario(client, users, bill_id, proposed.get_json()["id"], visible.get_json()["id"],
                    hidden.get_json()["id"])


@pytest.fixture
def scenario(client: FlaskClient, users: Accounts) -> Scenario:
    return build_scenario(client, users)
