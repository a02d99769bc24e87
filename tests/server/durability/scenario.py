"""A day of parliamentary work driven through the real HTTP API: import, edit, amend, publish, consult."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from server.domain import textpatch
from server.services import accounts, drafting
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import Accounts, small_bill_xml

SHORT_TITLE = "part_1__sec_1"
DUTY = "part_2__sec_3__subsec_1"


def _iso(delta: timedelta) -> str:
    return (eventlog.utcnow() + delta).isoformat(timespec="seconds") + "Z"


def _ok(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_json())
    body: dict[str, Any] = response.get_json()
    return body


def run_scenario(client: FlaskClient, users: Accounts, db: Database) -> dict[str, Any]:
    """Returns the bill id and the expression URI and number of its last published version."""
    created = _ok(client.post("/api/bills", data=small_bill_xml(), content_type="application/akn+xml",
                              headers=users.headers("drafter")), 201)
    bill = created["id"]
    provision = _ok(client.get(f"/api/bills/{bill}/provisions/{SHORT_TITLE}"), 200)
    new_text = provision["text"].replace("Test Act", "Durable Act")
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        drafting.edit_provision(session, drafter, bill_id=bill, eid=SHORT_TITLE, rev=provision["rev"],
                                patch=textpatch.make_patch(provision["text"], new_text), op_id="scenario-1",
                                max_chars=100_000)
    _ok(client.post(f"/api/bills/{bill}/versions", json={"source": "working"}, headers=users.headers("clerk")), 201)
    duty = _ok(client.get(f"/api/bills/{bill}/provisions/{DUTY}"), 200)["text"]
    amendment = _ok(client.post(f"/api/bills/{bill}/amendments",
                                json={"eid": DUTY, "text": duty.replace("thirty", "sixty"),
                                      "justification": "Time to prepare."},
                                headers=users.headers("mp")), 201)
    for to, who in (("tabled", "mp"), ("admissible", "clerk")):
        _ok(client.post(f"/api/amendments/{amendment['id']}/transitions", json={"to": to},
                        headers=users.headers(who)), 200)
    _ok(client.post(f"/api/amendments/{amendment['id']}/transitions",
                    json={"to": "adopted", "votes": {"for": 3, "against": 1, "abstentions": 0}},
                    headers=users.headers("clerk")), 200)
    published = _ok(client.post(f"/api/bills/{bill}/versions", json={"source": "amendments"},
                                headers=users.headers("clerk")), 201)
    _ok(client.post(f"/api/bills/{bill}/consultations",
                    json={"opens_at": _iso(timedelta(hours=-1)), "closes_at": _iso(timedelta(days=30))},
                    headers=users.headers("clerk")), 201)
    _ok(client.post(f"/api/bills/{bill}/comments", json={"eid": DUTY, "body": "Sixty days is better."},
                    headers=users.headers("citizen")), 201)
    return {"bill": bill, "expression_uri": published["expression_uri"], "version": published["version"]}
