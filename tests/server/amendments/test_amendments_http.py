"""Proposing amendments and taking them through the procedure over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from lxml import etree

from akn.validation import convention_problems, schema_problems
from tests.server.amendments.conftest import SUBSEC_1_2, Amending
from tests.server.conftest import Accounts


def test_proposing_a_text_change_generates_the_instruction(amending: Amending) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty", justification="Time to prepare.")
    assert created["state"] == "draft"
    assert created["number"] is None
    assert created["instruction"] == 'In section 1(2), leave out "thirty" and insert "sixty".'
    assert created["akn_uri"].startswith("/akn/ke/amendment/")
    assert created["conflicts_with"] == []


def test_eu_style_gives_two_columns(amending: Amending) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty", style="eu")
    assert "Text proposed" in created["instruction"] and "***sixty***" in created["instruction"]


def test_structural_amendments(amending: Amending) -> None:
    inserted = amending.propose(eid="part_1__sec_4", action="insert_after", num="4A.", heading="Review",
                                text="The Clerk shall review this Act every five years.")
    assert inserted["instruction"].startswith("After section 4, insert the following new section—")
    left_out = amending.propose(eid="part_2__sec_7", action="delete")
    assert left_out["instruction"] == "Leave out section 7."
    paragraph = amending.propose(eid="part_2__sec_6__subsec_1__para_b", action="delete")
    assert paragraph["instruction"] == "In section 6(1), leave out paragraph (b)."


def test_unchanged_text_is_refused(amending: Amending) -> None:
    body = amending.propose(eid=SUBSEC_1_2, text=amending.text_of(SUBSEC_1_2), expect=422)
    assert body["error"]["code"] == "validation_failed"


def test_only_members_propose(amending: Amending) -> None:
    for user in ("citizen", "drafter", "clerk"):
        body = amending.propose(user, eid=SUBSEC_1_2, text="x", expect=403)
        assert body["error"]["code"] == "forbidden"


def test_full_procedure_numbers_on_tabling_and_records_the_vote(amending: Amending) -> None:
    first = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    second = amending.replace("part_1__sec_4", "every", "each")
    assert amending.move(second["id"], "tabled", "mp")["number"] == 1
    assert amending.move(first["id"], "tabled", "mp")["number"] == 2
    assert amending.move(first["id"], "admissible", "clerk")["state"] == "admissible"
    adopted = amending.move(first["id"], "adopted", "clerk", votes={"for": 101, "against": 80, "abstentions": 2})
    assert adopted["state"] == "adopted"
    assert adopted["votes"] == {"for": 101, "against": 80, "abstentions": 2}
    ruled = amending.move(second["id"], "inadmissible", "clerk", reason="Outside the scope of the bill.")
    assert (ruled["state"], ruled["reason"]) == ("inadmissible", "Outside the scope of the bill.")


def test_illegal_steps_are_409(amending: Amending) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    assert amending.move(created["id"], "adopted", "clerk", expect=409)["error"]["code"] == "illegal_transition"
    amending.move(created["id"], "tabled", "mp")
    amending.move(created["id"], "tabled", "mp", expect=409)
    amending.move(created["id"], "rejected", "clerk", expect=409, votes={"for": 1, "against": 9})
    amending.move(created["id"], "withdrawn", "mp")
    amending.move(created["id"], "admissible", "clerk", expect=409)


def test_only_the_proposer_tables_or_withdraws_and_only_clerks_rule(amending: Amending) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    # To another member a draft does not exist; a clerk, who may read it, may not table it.
    amending.move(created["id"], "tabled", "mp2", expect=404)
    amending.move(created["id"], "tabled", "clerk", expect=403)
    amending.move(created["id"], "tabled", "mp")
    amending.move(created["id"], "admissible", "mp", expect=403)
    amending.move(created["id"], "withdrawn", "mp2", expect=403)


def test_inadmissible_needs_a_reason_and_votes_must_add_up(amending: Amending) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.move(created["id"], "tabled", "mp")
    amending.move(created["id"], "inadmissible", "clerk", expect=422)
    amending.move(created["id"], "admissible", "clerk")
    amending.move(created["id"], "adopted", "clerk", expect=422)
    amending.move(created["id"], "adopted", "clerk", expect=422, votes={"for": 10, "against": 20})
    amending.move(created["id"], "rejected", "clerk", expect=422, votes={"for": 30, "against": 20})
    amending.move(created["id"], "adopted", "clerk", expect=422, votes={"for": -1, "against": 0})
    nobody = amending.move(created["id"], "rejected", "clerk", expect=422, votes={"for": 0, "against": 0})
    assert nobody["error"]["fields"][0]["field"] == "body.votes" and "no votes" in nobody["error"]["message"]
    assert amending.move(created["id"], "rejected", "clerk", votes={"for": 10, "against": 20})["state"] == "rejected"


def test_tabling_only_while_the_window_is_open(amending: Amending, client: FlaskClient, users: Accounts) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    url = f"/api/bills/{amending.bill_id}/amendment-window"
    assert client.post(url, json={"open": False}, headers=users.headers("mp")).status_code == 403
    assert client.post(url, json={"open": False}, headers=users.headers("clerk")).get_json()["open"] is False
    assert amending.move(created["id"], "tabled", "mp", expect=409)["error"]["code"] == "amendment_window_closed"
    amending.propose(eid=SUBSEC_1_2, text="new words", expect=409)
    client.post(url, json={"open": True}, headers=users.headers("clerk"))
    assert amending.move(created["id"], "tabled", "mp")["state"] == "tabled"


def test_conflicts_are_linked_both_ways_and_adoption_defeats(amending: Amending) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    b = amending.replace(SUBSEC_1_2, "thirty days", "ninety days", as_user="mp2")
    c = amending.replace(SUBSEC_1_2, "in the Gazette", "online")
    assert b["conflicts_with"] == [], "mp's draft is not mp2's to know of"
    clerk = amending.users.headers("clerk")
    assert amending.client.get(f"/api/amendments/{b['id']}", headers=clerk).get_json()["conflicts_with"] == [a["id"]]
    listed = {x["id"]: x for x in amending.client.get(f"/api/bills/{amending.bill_id}/amendments",
                                                      headers=clerk).get_json()["amendments"]}
    assert listed[a["id"]]["conflicts_with"] == [b["id"]]
    assert listed[c["id"]]["conflicts_with"] == []
    amending.move(b["id"], "tabled", "mp2")
    amending.adopt(a["id"])
    defeated = amending.client.get(f"/api/amendments/{b['id']}").get_json()
    assert (defeated["state"], defeated["defeated_by"]) == ("tabled", a["id"])
    assert amending.move(b["id"], "fallen", "clerk")["state"] == "fallen"
    amending.move(c["id"], "tabled", "mp")
    amending.move(c["id"], "fallen", "clerk", expect=409)


def test_leaving_out_a_section_conflicts_with_amending_inside_it(amending: Amending) -> None:
    a = amending.propose(eid="part_1__sec_1", action="delete")
    b = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    assert b["conflicts_with"] == [a["id"]]


def test_cosponsors(amending: Amending, client: FlaskClient, users: Accounts) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.move(created["id"], "tabled", "mp")  # a draft is its proposer's own: no other member can see it
    response = client.post(f"/api/amendments/{created['id']}/cosponsors", headers=users.headers("mp2"))
    assert response.get_json()["cosponsor_ids"] == [users.ids["mp2"]]
    assert client.post(f"/api/amendments/{created['id']}/cosponsors",
                       headers=users.headers("citizen")).status_code == 403
    again = client.post(f"/api/amendments/{created['id']}/cosponsors", headers=users.headers("mp2"))
    assert again.status_code == 200 and again.get_json()["cosponsor_ids"] == [users.ids["mp2"]], "named once"
    own = client.post(f"/api/amendments/{created['id']}/cosponsors", headers=users.headers("mp"))
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "already_done"
    assert f"you proposed amendment {created['id']}" in own.get_json()["error"]["message"]


def test_amendment_document_is_strictly_valid_akn(amending: Amending, client: FlaskClient, users: Accounts) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty", justification="Give people time.\nAnd more.")
    amending.move(created["id"], "tabled", "mp")
    client.post(f"/api/amendments/{created['id']}/cosponsors", headers=users.headers("mp2"))
    response = client.get(created["akn_uri"])
    assert response.status_code == 200 and response.mimetype == "application/akn+xml"
    root = etree.fromstring(response.data)
    assert schema_problems(root) == [] and convention_problems(root) == []
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    assert [q.text for q in root.iterfind(".//a:mod/a:quotedText", ns)] == ["thirty", "sixty"]
    destination = root.find(".//a:textualMod/a:destination", ns)
    assert destination is not None
    assert destination.get("href") == f"/akn/ke/bill/2026-11-02/12/eng@2026-11-02/~{SUBSEC_1_2}"
    assert root.find(".//a:affectedDocument", ns).get("href") == "/akn/ke/bill/2026-11-02/12/eng@2026-11-02"
    assert len(root.findall(".//a:docProponent", ns)) == 2
    justification = root.find(".//a:amendmentJustification", ns)
    assert [p.text for p in justification.iterfind("a:p", ns)] == ["Give people time.", "And more."]


def test_an_amendment_uri_answers_a_browser_with_its_page_and_a_program_with_akn(amending: Amending,
                                                                                client: FlaskClient) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.move(created["id"], "tabled", "mp")
    uri = created["akn_uri"]
    xml = client.get(uri)
    assert xml.mimetype == "application/akn+xml" and "Accept" in xml.headers["Vary"]
    for asked in (client.get(uri + ".html"), client.get(uri, headers={"Accept": "text/html,*/*;q=0.8"})):
        assert asked.status_code == 303 and asked.headers["Location"].endswith(f"/amendments/{created['id']}")
        assert "Accept" in asked.headers["Vary"]
    missing = uri.replace(f"/{created['id']}/", "/999/")
    refused = client.get(missing)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert "Accept" in refused.headers["Vary"]
    page = client.get(missing + ".html")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_marshalled_list_and_its_akn_export(amending: Amending, client: FlaskClient) -> None:
    late = amending.replace("part_2__sec_9__subsec_1", "The Clerk", "The Speaker")
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    b = amending.replace(SUBSEC_1_2, "thirty days", "ninety days", as_user="mp2")
    middle = amending.propose(eid="part_1__sec_4", action="delete")
    for item, who in ((late, "mp"), (a, "mp"), (b, "mp2"), (middle, "mp")):
        amending.move(item["id"], "tabled", who)
    groups = client.get(f"/api/bills/{amending.bill_id}/amendments/marshalled").get_json()["groups"]
    assert [[x["id"] for x in group] for group in groups] == [[a["id"], b["id"]], [middle["id"]], [late["id"]]]
    response = client.get(f"/api/bills/{amending.bill_id}/amendments.akn")
    root = etree.fromstring(response.data)
    assert schema_problems(root) == []
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    assert [r.get("showAs") for r in root.iterfind(".//a:documentRef", ns)] == [
        "Amendment 2", "Amendment 3", "Amendment 4", "Amendment 1"
    ]


def test_member_record(amending: Amending, client: FlaskClient, users: Accounts) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    b = amending.replace("part_1__sec_4", "every", "each", as_user="mp2")
    amending.move(b["id"], "tabled", "mp2")
    client.post(f"/api/amendments/{b['id']}/cosponsors", headers=users.headers("mp"))
    amending.adopt(a["id"])
    record: dict[str, Any] = client.get(f"/api/mps/{users.ids['mp']}").get_json()
    assert [x["id"] for x in record["amendments"]] == [a["id"]]
    assert [x["id"] for x in record["cosponsorships"]] == [b["id"]]
    assert record["outcomes"] == {"adopted": 1}
    assert client.get(f"/api/mps/{users.ids['clerk']}").status_code == 404


def test_every_step_is_an_event_of_the_bill(amending: Amending, client: FlaskClient) -> None:
    created = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.adopt(created["id"])
    events = client.get(f"/api/bills/{amending.bill_id}/events", headers=amending.users.headers("mp")).get_json()
    types = [e["type"] for e in events["events"] if e["type"].startswith("amendment.")]
    assert types == ["amendment.drafted", "amendment.tabled", "amendment.admitted", "amendment.adopted"]
