"""Consolidating adopted amendments into a new expression, and rebuilding the read models from the log."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select

from akn import AknDocument
from server.demo import demo_bill_xml
from server.domain import textpatch
from server.domain.amendments import AmendmentAction, BodyEmptied, Change, apply_changes
from server.domain.events import EventType
from server.errors import ProvisionSettled
from server.services import accounts, drafting, structure
from server.store import projections
from server.store.db import Database
from server.store.models import EventRecord
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
    error = response.get_json()["error"]
    assert error["code"] == "unconsolidated_edits"
    # The clerk is told which provision holds edits that would be lost, by its citation, not in API words.
    assert error["eids"] == ["part_1__sec_4"]
    assert "(section 4)" in error["message"] and "source" not in error["message"], error


def test_consolidation_refuses_unpublished_structure_and_names_the_edits_beyond_five(
        amending: Amending, client: FlaskClient, users: Accounts, db: Database) -> None:
    amending.adopt(amending.replace(SUBSEC_1_2, "thirty", "sixty")["id"])
    tree = client.get(f"/api/bills/{amending.bill_id}").get_json()["provisions"]
    eids = [section["eid"] for part in tree for section in part["children"]][:7]
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        for n, eid in enumerate(eids):
            text = amending.text_of(eid)
            drafting.edit_provision(session, drafter, bill_id=amending.bill_id, eid=eid, rev=0,
                                    patch=textpatch.make_patch(text, text + " Edited."), op_id=f"op-{n}",
                                    max_chars=100_000)
    words = client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk"))
    error = words.get_json()["error"]
    assert words.status_code == 409 and error["eids"] == eids, error
    assert error["message"].count("section ") == 5 and "and 2 more" in error["message"], error
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        structure.move_provision(session, drafter, amending.bill_id, eid="part_1__sec_1", ref_eid="part_1__sec_2",
                                 position="after")
    moved = client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk"))
    assert moved.status_code == 409, moved.get_json()
    assert "changes of structure" in moved.get_json()["error"]["message"]


def test_edits_put_back_as_they_were_do_not_hold_up_consolidation(amending: Amending, client: FlaskClient,
                                                                    users: Accounts, db: Database) -> None:
    """A word changed and changed back, a section moved down and up again: the working text is the published one,
    and the clerk is not made to publish an empty version first."""
    amending.adopt(amending.replace(SUBSEC_1_2, "thirty", "sixty")["id"])
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        text = amending.text_of("part_1__sec_4")
        edited = text.replace("every", "each")
        for rev, (old, new) in enumerate(((text, edited), (edited, text))):
            drafting.edit_provision(session, drafter, bill_id=amending.bill_id, eid="part_1__sec_4", rev=rev,
                                    patch=textpatch.make_patch(old, new), op_id=f"op-{rev}", max_chars=100_000)
        structure.move_provision(session, drafter, amending.bill_id, eid="part_1__sec_1", ref_eid="part_1__sec_2",
                                 position="after")
        structure.move_provision(session, drafter, amending.bill_id, eid="part_1__sec_2", ref_eid="part_1__sec_1",
                                 position="after")
    response = client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk"))
    assert response.status_code == 201, response.get_json()
    assert "sixty days" in amending.text_of(SUBSEC_1_2) and amending.text_of("part_1__sec_4") == text
    # A real change still holds it up.
    amending.adopt(amending.replace(SUBSEC_1_2, "sixty", "ninety")["id"])
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        rev = client.get(f"/api/bills/{amending.bill_id}/provisions/part_1__sec_4").get_json()["rev"]
        drafting.edit_provision(session, drafter, bill_id=amending.bill_id, eid="part_1__sec_4", rev=rev,
                                patch=textpatch.make_patch(text, edited), op_id="op-9", max_chars=100_000)
    refused = client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk"))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "unconsolidated_edits"


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


# --- deletions that together leave a provision without subdivisions ----------------------------------------


def _consolidate(amending: Amending, client: FlaskClient, users: Accounts) -> Any:
    return client.post(f"/api/bills/{amending.bill_id}/versions",
                       json={"source": "amendments", "expression_date": "2026-12-01"},
                       headers=users.headers("clerk"))


def _published_event(db: Database, bill_id: int, version: int) -> dict[str, Any]:
    with db.write() as session:
        records = session.scalars(select(EventRecord).where(EventRecord.bill_id == bill_id,
                                                            EventRecord.type == EventType.VERSION_PUBLISHED))
        data = [dict(r.data) for r in records if r.data["version"] == version]
    assert len(data) == 1
    return data[0]


def _destinations(document: AknDocument, kind: str = "repeal") -> list[str]:
    return [str(d.get("href")) for d in document.document.iterfind(
        f"a:meta/a:analysis/a:passiveModifications/a:textualMod[@type='{kind}']/a:destination", NS)]


def _first_version(amending: Amending, client: FlaskClient) -> str:
    uri: str = client.get(f"/api/bills/{amending.bill_id}").get_json()["versions"][0]["expression_uri"]
    return uri


def test_leaving_out_every_subsection_of_a_section_leaves_out_the_section(
    amending: Amending, client: FlaskClient, users: Accounts, db: Database
) -> None:
    first = amending.propose(eid="part_1__sec_1__subsec_1", action="delete")
    second = amending.propose(eid="part_1__sec_1__subsec_2", action="delete", as_user="mp2")
    reworded = amending.replace("part_2__sec_9__subsec_2", "The register", "Its register")
    for amendment in (first, reworded):
        amending.adopt(amendment["id"])
    amending.move(second["id"], "tabled", "mp2")
    amending.move(second["id"], "admissible", "clerk")
    amending.move(second["id"], "adopted", "clerk", votes={"for": 90, "against": 70})

    response = _consolidate(amending, client, users)
    assert response.status_code == 201, response.get_json()
    published = response.get_json()
    consolidated = AknDocument.from_bytes(client.get(published["expression_uri"]).data)
    assert consolidated.validate() == []
    assert "part_1__sec_1" not in consolidated.eids()
    previous = _first_version(amending, client)

    # The same as leaving out the section by hand, renumbered as every consolidation renumbers.
    by_hand = AknDocument.from_bytes(demo_bill_xml())
    by_hand.set_provision_text("part_2__sec_9__subsec_2", by_hand.provision_text("part_2__sec_9__subsec_2")
                               .replace("The register", "Its register", 1))
    by_hand.delete_provision("part_1__sec_1")
    renames = by_hand.renumber()
    by_hand = AknDocument.from_bytes(by_hand.to_bytes())
    assert _texts(consolidated) == _texts(by_hand)
    assert _published_event(db, amending.bill_id, 2)["renamed_eids"] == renames

    # Each amendment's record points at what it left out: the second one took the emptied section with it.
    assert _destinations(consolidated) == [f"{previous}/~part_1__sec_1__subsec_1", f"{previous}/~part_1__sec_1"]
    assert len(consolidated.document.findall("a:meta/a:lifecycle/a:eventRef", NS)) == 3
    assert client.get(f"/api/bills/{amending.bill_id}/provisions/part_1__sec_1").status_code == 404
    statuses = {a["id"]: a["consolidated_in"] for a in client.get(
        f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]}
    assert statuses == {first["id"]: 2, second["id"]: 2, reworded["id"]: 2}


def test_emptied_provisions_are_left_out_upwards(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    # Every paragraph of subsection 6(1), then subsection 6(2): subsection 6(1), then section 6, is left empty.
    eids = [f"part_2__sec_6__subsec_1__para_{x}" for x in "abc"] + ["part_2__sec_6__subsec_2"]
    for eid in eids:
        amending.adopt(amending.propose(eid=eid, action="delete")["id"])
    previous = _first_version(amending, client)

    response = _consolidate(amending, client, users)
    assert response.status_code == 201, response.get_json()
    consolidated = AknDocument.from_bytes(client.get(response.get_json()["expression_uri"]).data)
    assert consolidated.validate() == []
    sections = [p.eid for part in consolidated.provisions() for p in part.children]
    assert "part_2__sec_6" not in sections and {"part_2__sec_5", "part_2__sec_7"} <= set(sections)
    assert _destinations(consolidated) == [f"{previous}/~{eid}" for eid in (*eids[:2], "part_2__sec_6__subsec_1",
                                                                          "part_2__sec_6")]


def test_a_reworded_intro_and_leaving_out_all_its_paragraphs_cannot_both_be_adopted(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    # Leaving out paragraphs (a) to (c) would take section 3 out, and the new words of its intro with it.
    reworded = amending.replace("part_1__sec_3", "The objects", "The purposes")
    amending.adopt(reworded["id"])
    deletions = [amending.propose(eid=f"part_1__sec_3__para_{x}", action="delete") for x in "abc"]
    for deletion in deletions[:2]:
        amending.adopt(deletion["id"])
    amending.to_vote(deletions[2]["id"])
    refused = amending.move(deletions[2]["id"], "adopted", "clerk", expect=409,
                            votes={"for": 120, "against": 40})["error"]
    assert refused["code"] == "amendments_incompatible"
    assert refused["amendment_ids"] == [reworded["id"], *(d["id"] for d in deletions)]

    response = _consolidate(amending, client, users)
    assert response.status_code == 201, response.get_json()
    consolidated = AknDocument.from_bytes(client.get(response.get_json()["expression_uri"]).data)
    assert consolidated.validate() == []
    assert consolidated.provision_text("part_1__sec_3").startswith("The purposes")
    assert [p.num for p in consolidated.provision("part_1__sec_3").children] == ["(c)"]
    assert _destinations(consolidated, "substitution") == ["#part_1__sec_3"]


def test_deletions_that_would_leave_out_the_whole_body_are_refused(
    amending: Amending, client: FlaskClient, users: Accounts, db: Database
) -> None:
    # Parts 1 to 4, then every section of part 5 (whose last deletion would take part 5, the last part, along).
    eids = [f"part_{n}" for n in range(1, 5)] + [f"part_5__sec_{n}" for n in range(18, 23)]
    ids = [amending.propose(eid=eid, action="delete")["id"] for eid in eids]
    for amendment_id in ids[:-1]:
        amending.adopt(amendment_id)
    amending.to_vote(ids[-1])
    listed = client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]
    numbers = [next(a["number"] for a in listed if a["id"] == i) for i in ids]
    with db.write() as session:
        events_before = len(list(session.scalars(select(EventRecord.id))))

    # Refused at adoption, so that no consolidation can ever meet it.
    response = client.post(f"/api/amendments/{ids[-1]}/transitions",
                           json={"to": "adopted", "votes": {"for": 120, "against": 40}},
                           headers=users.headers("clerk"))
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "amendments_leave_out_the_body"
    assert sorted(error["amendment_ids"]) == sorted(ids)
    assert error["message"] == (f"Amendments {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} together leave "
                                "out every provision of the bill's body; a version cannot be empty, so Amendment "
                                f"{numbers[-1]} cannot be adopted")
    # Nothing was written: the amendment stays admissible, the others adopted and pending.
    with db.write() as session:
        assert len(list(session.scalars(select(EventRecord.id)))) == events_before
    listed = client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]
    assert [a["state"] for a in listed] == ["adopted"] * 8 + ["admissible"]
    assert all(a["consolidated_in"] is None for a in listed)


def test_making_deletions_that_leave_out_the_whole_body_is_refused() -> None:
    # What consolidation and adoption both run: the deletions are checked together, on the version amended.
    document = AknDocument.from_bytes(demo_bill_xml())
    parts = [p.eid or "" for p in document.provisions()]
    deletions = [Change(n, n, AmendmentAction.DELETE, eid) for n, eid in enumerate(parts, start=1)]
    with pytest.raises(BodyEmptied) as refused:
        apply_changes(document, deletions)
    assert refused.value.holder == "body"
    assert [d.amendment_id for d in refused.value.deletions] == list(range(1, len(parts) + 1))


def test_what_an_instruction_quotes_is_what_consolidation_writes_even_with_stray_markers(
        amending: Amending, client: FlaskClient, users: Accounts) -> None:
    text = amending.text_of(SUBSEC_1_2)
    stray = amending.propose(eid="part_1__sec_4", text=amending.text_of("part_1__sec_4").replace(" ", " ** ", 1))
    assert '"**"' in stray["instruction"], stray
    amendment = amending.propose(eid=SUBSEC_1_2, text=text + " See http://example.org/bills.")
    assert amendment["instruction"].endswith('at the end, insert "See http://example.org/bills.".'), amendment
    amending.adopt(amendment["id"])
    assert client.post(f"/api/bills/{amending.bill_id}/versions", json={}, headers=users.headers("clerk")
                       ).status_code == 201
    assert amending.text_of(SUBSEC_1_2).endswith(" See http:\\/\\/example.org/bills."), "escaped when written back"
    redline = client.get(f"/api/bills/{amending.bill_id}/compare?from=1&to=2").get_json()
    assert "See http://example.org/bills." in str(redline)


def _edit(db: Database, users: Accounts, eid: str, old: str, new: str, rev: int, op_id: str) -> drafting.EditOutcome:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        return drafting.edit_provision(session, drafter, bill_id=1, eid=eid, rev=rev,
                                       patch=textpatch.make_patch(old, new), op_id=op_id, max_chars=100_000)


def _settled_by(client: FlaskClient, bill_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    pending = list(client.get(f"/api/bills/{bill_id}").get_json()["provisions"])
    while pending:
        node = pending.pop()
        if "settled_by" in node:
            found[node["eid"]] = node["settled_by"]
        pending.extend(node["children"])
    return found


def test_words_the_house_adopted_are_settled_until_consolidation_and_nothing_deadlocks(
        amending: Amending, client: FlaskClient, users: Accounts, db: Database) -> None:
    assert amending.bill_id == 1
    text = amending.text_of(SUBSEC_1_2)
    other = "part_1__sec_4"
    other_text = amending.text_of(other)
    # Edited before the vote, a provision may still be edited after it: its drafter can put it back.
    before_vote = _edit(db, users, other, other_text, other_text + " Draft.", 0, "before-vote")
    adopted = amending.adopt(amending.replace(SUBSEC_1_2, "thirty", "sixty")["id"])
    left_out = amending.adopt(amending.propose(eid=other, action="delete")["id"])
    assert _settled_by(client, 1) == {SUBSEC_1_2: [adopted["number"]]}, "not the one edited before the vote"
    with pytest.raises(ProvisionSettled) as refused:
        _edit(db, users, SUBSEC_1_2, text, text.replace("days", "clear days"), 0, "after-vote")
    assert refused.value.message.startswith(f"section 1(2) reads as the House voted on it when it adopted amendment "
                                            f"{adopted['number']}"), refused.value.message
    assert refused.value.details == {"eid": SUBSEC_1_2, "amendment_numbers": [adopted["number"]]}
    assert amending.text_of(SUBSEC_1_2) == text, "nothing of the refused edit was kept"
    # The provision edited before the vote is put back, and the bill consolidates.
    put_back = _edit(db, users, other, other_text + " Draft.", other_text, 1, "put-back")
    assert _settled_by(client, 1) == {SUBSEC_1_2: [adopted["number"]], other: [left_out["number"]]}
    # The room hears it with the edit, so that every editor shows the provision settled from then on.
    with db.read() as session:
        assert "settled_by" not in session.get_one(EventRecord, before_vote.event_id).data
        assert session.get_one(EventRecord, put_back.event_id).data["settled_by"] == [left_out["number"]]
    consolidated = client.post("/api/bills/1/versions", json={}, headers=users.headers("clerk"))
    assert consolidated.status_code == 201, consolidated.get_json()
    assert _settled_by(client, 1) == {}
    now = client.get(f"/api/bills/1/provisions/{SUBSEC_1_2}").get_json()
    _edit(db, users, SUBSEC_1_2, now["text"], now["text"].replace("days", "clear days"), now["rev"], "after-it")
    assert "sixty clear days" in amending.text_of(SUBSEC_1_2)
