"""A bill to amend (the demo bill, imported through the API) for the amendment tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from server.demo import demo_bill_xml
from tests.server.conftest import Accounts

SUBSEC_1_2 = "part_1__sec_1__subsec_2"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "akn-corpus"


@pytest.fixture
def bill(client: FlaskClient, users: Accounts) -> dict[str, Any]:
    response = client.post("/api/bills", data=demo_bill_xml(), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


class Amending:
    """Drives amendments through the HTTP API as the fixture accounts."""

    def __init__(self, client: FlaskClient, users: Accounts, bill_id: int) -> None:
        self.client = client
        self.users = users
        self.bill_id = bill_id

    def text_of(self, eid: str) -> str:
        response = self.client.get(f"/api/bills/{self.bill_id}/provisions/{eid}")
        assert response.status_code == 200
        text: str = response.get_json()["text"]
        return text

    def propose(self, as_user: str = "mp", expect: int = 201, **body: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/bills/{self.bill_id}/amendments", json=body,
                                    headers=self.users.headers(as_user))
        assert response.status_code == expect, response.get_json()
        result: dict[str, Any] = response.get_json()
        return result

    def replace(self, eid: str, old: str, new: str, as_user: str = "mp", **extra: Any) -> dict[str, Any]:
        text = self.text_of(eid)
        assert old in text
        return self.propose(as_user, eid=eid, text=text.replace(old, new, 1), **extra)

    def move(self, amendment_id: int, to: str, as_user: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        response = self.client.post(f"/api/amendments/{amendment_id}/transitions", json={"to": to, **body},
                                    headers=self.users.headers(as_user))
        assert response.status_code == expect, response.get_json()
        result: dict[str, Any] = response.get_json()
        return result

    def to_vote(self, amendment_id: int) -> None:
        self.move(amendment_id, "tabled", "mp")
        self.move(amendment_id, "admissible", "clerk")

    def adopt(self, amendment_id: int) -> dict[str, Any]:
        self.to_vote(amendment_id)
        return self.move(amendment_id, "adopted", "clerk", votes={"for": 120, "against": 40, "abstentions": 3})


@pytest.fixture
def amending(client: FlaskClient, users: Accounts, bill: dict[str, Any]) -> Amending:
    users.add("mp2", "mp")
    return Amending(client, users, int(bill["id"]))


def import_corpus_bill(client: FlaskClient, users: Accounts, name: str) -> dict[str, Any]:
    """Import a document of the shared AKN corpus as a bill (skips the test when the corpus is absent)."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    response = client.post("/api/bills", data=path.read_bytes(), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body
