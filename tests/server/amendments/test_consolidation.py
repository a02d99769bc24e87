"""Consolidating adopted amendments into a new expression, and rebuilding the read models from the log."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from lxml import etree

from akn import AknDocument
from server.demo import demo_bill_xml
from server.domain import textpatch
from server.services import accounts, drafting
from server.store import projections
from server.store.db import Database
from tests.server.amendments.conftest import SUBSEC_1_2, Amending
from tests.server.conftest import Accounts

NS = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}


def _texts(document: AknDocument) -> list[tuple[str, str | None, str | None, str]]:
    out: list[tuple[str, str | None, str | None, str]] = []

    def walk(provisions: list[Any]) -> None:
        for p in provisions:
            out.append((p.wid or p.eid, p.eid, p.num, p.text or ""))
            walk(p.children)

    walk(document.provisions())
    return out


def test_consolidation_equals_applying_the_amendments_by_hand(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    original = amending.text_of(SUBSEC_1_2)
    first = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    second = amending.replace(SUBSEC_1_2, "in the Gazette", "in the Gazette and online", as_user="mp2")
    assert second["conflicts_with"] == []
    inserted = amending.propose(eid="part_1__sec_4", action="insert_after", num="4A.", heading="Review",
                                text="The Clerk shall review this Act every five years.")
    left_out = amending.propose(eid="part_2__sec_7", action="delete")
    rejected = amending.replace("part_2__sec_9__subsec_1", "The Clerk", "The Speaker")
    for amendment in (first, inserted, left_out):
        amending.adopt(amendment["id"])
    amending.move(second["id"], "tabled", "mp2")
    amending.move(second["id"], "admissible", "clerk")
    amending.move(second["id"], "adopted", "clerk", votes={"for": 3, "against": 1})
    amending.to_vote(rejected["id"])
    amending.move(rejected["id"], "rejected", "clerk", votes={"for": 1, "against": 3})

    assert client.post(f"/api/bills/{amending.bill_id}/versions", json={},
                       headers=users.headers("mp")).status_code == 403
    response = client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": "amendments",
                                                                             "expression_date": "2026-12-01"},
                           headers=users.headers("clerk"))
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    assert published["version"] == 2
    assert published["expression_uri"] == "/akn/ke/bill/2026-11-02/12/eng@2026-12-01"

    by_hand = AknDocument.from_bytes(demo_bill_xml())
    by_hand.set_provision_text(SUBSEC_1_2, original.replace("thirty", "sixty").replace(
        "in the Gazette", "in the Gazette and online"))
    by_hand.insert_provision("part_1__sec_4", "after", "section", "4A.", "Review",
                             "The Clerk shall review this Act every five years.")
    by_hand.delete_provision("part_2__sec_7")
    by_hand.renumber()
    by_hand = AknDocument.from_bytes(by_hand.to_bytes())  # the canonical form the server stores

    xml = client.get(published["expression_uri"])
    assert xml.status_code == 200
    consolidated = AknDocument.from_bytes(xml.data)
    assert consolidated.validate() == []
    assert _texts(consolidated) == _texts(by_hand)
    sections = [p.eid for part in consolidated.provisions() for p in part.children]
    assert "part_1__sec_4A" in sections and "part_2__sec_7" not in sections

    meta = consolidated.document.find("a:meta", NS)
    assert meta is not None
    assert len(meta.findall("a:lifecycle/a:eventRef", NS)) == 4
    assert len(meta.findall("a:workflow/a:step", NS)) == 4
    assert [m.get("type") for m in meta.iterfind("a:analysis/a:passiveModifications/a:textualMod", NS)] == [
        "substitution", "substitution", "insertion", "repeal"
    ]

    statuses = {a["id"]: a["consolidated_in"] for a in client.get(
        f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]}
    assert statuses == {first["id"]: 2, second["id"]: 2, inserted["id"]: 2, left_out["id"]: 2, rejected["id"]: None}
    # The working text follows the new version, and the redline shows what the amendments changed.
    assert "sixty days" in amending.text_of(SUBSEC_1_2)
    redline = client.get(f"/api/bills/{amending.bill_id}/compare?from=1&to=2").get_json()
    kinds = {c["kind"] for c in redline["changes"]}
    assert {"changed", "added", "removed"} <= kinds
    again = client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": "amendments"},
                        headers=users.headers("clerk"))
    assert again.status_code == 409


def test_consolidation_refuses_unpublished_working_edits(amending: Amending, client: FlaskClient,
                                                         users: Accounts, db: Database) -> None:
    amending.adopt(amending.replace(SUBSEC_1_2, "thirty", "sixty")["id"])
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        text = amending.text_of("part_1__sec_4")
        drafting.edit_provision(session, drafter, bill_id=amending.bill_id, eid="part_1__sec_4", rev=0,
                                patch=textpatch.make_patch(text, text.replace("every", "each")), op_id="op-1",
                                max_chars=100_000)
    response = client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "unconsolidated_edits"


def test_rebuilding_from_the_log_reproduces_the_amendment_read_models(
    amending: Amending, client: FlaskClient, users: Accounts, db: Database
) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    b = amending.replace(SUBSEC_1_2, "thirty days", "ninety days", as_user="mp2")
    client.post(f"/api/amendments/{a['id']}/cosponsors", headers=users.headers("mp2"))
    amending.move(b["id"], "tabled", "mp2")
    amending.adopt(a["id"])
    amending.move(b["id"], "fallen", "clerk")
    c = amending.propose(eid="part_2__sec_7", action="delete")
    amending.to_vote(c["id"])
    amending.move(c["id"], "rejected", "clerk", votes={"for": 0, "against": 5})
    client.post(f"/api/bills/{amending.bill_id}/amendment-window", json={"open": False},
                headers=users.headers("clerk"))
    assert client.post(f"/api/bills/{amending.bill_id}/versions", json={},
                       headers=users.headers("clerk")).status_code == 201
    with db.write() as session:
        before = projections.snapshot(session)
        assert len(before["amendments"]) == 3 and len(before["amendment_conflicts"]) == 2
        projections.rebuild(session)
        after = projections.snapshot(session)
    assert after == before


def test_amendment_list_export_is_valid_when_empty(amending: Amending, client: FlaskClient) -> None:
    root = etree.fromstring(client.get(f"/api/bills/{amending.bill_id}/amendments.akn").data)
    assert root.find(".//a:collectionBody", NS) is not None
