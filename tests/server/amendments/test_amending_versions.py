"""Amendments amend the latest published version, and are made (at adoption and consolidation) only where and
while they still stand: the defects found by the audit of the amendment procedure, each with its scenario."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import html
from sqlalchemy import func, select

from akn import AknDocument
from server.domain import textpatch
from server.domain.amendments import AmendmentEvent, amendment_stream
from server.domain.events import EventDraft
from server.errors import AdoptedAmendmentsPending, ProvisionSettled
from server.services import accounts, drafting, structure
from server.services import amendments as amendments_service
from server.store import eventlog, projections
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.amendments.conftest import SUBSEC_1_2, Amending

NS = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
SUBSEC_5_2 = "part_2__sec_5__subsec_2"
VOTES = {"for": 120, "against": 40, "abstentions": 3}


class Drafting:
    """A drafter changing the working text through the real services, and publishing it over HTTP."""

    def __init__(self, amending: Amending, db: Database) -> None:
        self.amending = amending
        self.db = db
        self.bill_id = amending.bill_id

    def reword(self, eid: str, old: str, new: str) -> None:
        provision = self.amending.client.get(f"/api/bills/{self.bill_id}/provisions/{eid}").get_json()
        assert old in provision["text"]
        with self.db.write() as session:
            drafter = accounts.principal_for_user_id(session, self.amending.users.ids["drafter"])
            drafting.edit_provision(session, drafter, bill_id=self.bill_id, eid=eid, rev=provision["rev"],
                                    patch=textpatch.make_patch(provision["text"],
                                                               provision["text"].replace(old, new, 1)),
                                    op_id=f"op-{uuid.uuid4()}", max_chars=100_000)

    def insert_after(self, eid: str, name: str, num: str, text: str) -> str | None:
        with self.db.write() as session:
            drafter = accounts.principal_for_user_id(session, self.amending.users.ids["drafter"])
            return structure.insert_provision(session, drafter, self.bill_id, ref_eid=eid, position="after",
                                              name=name, num=num, heading=None, text=text).eid

    def renumber(self, eid: str, num: str) -> None:
        with self.db.write() as session:
            drafter = accounts.principal_for_user_id(session, self.amending.users.ids["drafter"])
            structure.retitle_provision(session, drafter, self.bill_id, eid=eid, num=num)

    def publish(self, expect: int = 201) -> dict[str, Any]:
        return _publish(self.amending, "working", "drafter", expect)


@pytest.fixture
def drafter(amending: Amending, db: Database) -> Drafting:
    return Drafting(amending, db)


def _publish(amending: Amending, source: str, as_user: str = "clerk", expect: int = 201) -> dict[str, Any]:
    response = amending.client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": source},
                                    headers=amending.users.headers(as_user))
    assert response.status_code == expect, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _consolidate(amending: Amending, expect: int = 201) -> dict[str, Any]:
    return _publish(amending, "amendments", expect=expect)


def _version(client: FlaskClient, published: dict[str, Any]) -> AknDocument:
    document = AknDocument.from_bytes(client.get(published["expression_uri"]).data)
    assert document.validate() == []
    return document


def _children(document: AknDocument, eid: str) -> list[tuple[str | None, str | None, str]]:
    """(wId, num, text) of each subdivision of ``eid``."""
    return [(p.wid, p.num, p.text) for p in document.provision(eid).children]


def _events(db: Database) -> int:
    with db.write() as session:
        return int(session.scalar(select(func.count(EventRecord.id))) or 0)


def _state(amending: Amending, amendment_id: int) -> str:
    state: str = amending.client.get(f"/api/amendments/{amendment_id}").get_json()["state"]
    return state


# --- 1. an amendment made on an older version is never merged into words it was not made on -----------------


def test_an_amendment_whose_words_were_changed_in_a_later_version_is_outdated(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    sixty = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    amending.to_vote(sixty["id"])
    drafter.reword(SUBSEC_5_2, "thirty", "ninety")
    assert drafter.publish()["version"] == 2  # nothing adopted yet: the working text may be published
    events = _events(db)

    refused = amending.move(sixty["id"], "adopted", "clerk", expect=409, votes=VOTES)["error"]
    assert refused["code"] == "amendment_outdated"
    assert (refused["amendment_id"], refused["base_version"], refused["version"]) == (sixty["id"], 1, 2)
    assert refused["message"] == (
        f"Amendment 1 (section 5(2)) was made on version 1 of bill {amending.bill_id}, and in version 2 the text "
        "of section 5(2) has changed since: it cannot be made as worded, so Amendment 1 cannot be adopted. Its "
        "proposer may propose it again on version 2."
    )
    assert _events(db) == events and _state(amending, sixty["id"]) == "admissible"
    assert _consolidate(amending, expect=409)["error"]["code"] == "conflict"  # nothing adopted

    # Proposed again on version 2, it is made to the words it was made against.
    again = amending.replace(SUBSEC_5_2, "ninety", "sixty")
    assert again["base_version"] == 2 and "ninety" in again["base_text"]
    amending.adopt(again["id"])
    document = _version(client, _consolidate(amending))
    text = document.provision_text(SUBSEC_5_2)
    assert "not less than sixty days" in text.replace("*", "") and "ninety" not in text


def test_an_outdated_amendment_is_flagged_before_the_vote_and_the_clerk_may_record_it_as_fallen(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admitted, then outdated by a new version, an amendment could be neither adopted nor ruled out: the clerk's
    only way to take it off the order paper was a "rejected" vote the House never took."""
    sixty = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    standing = amending.replace("part_1__sec_1__subsec_1", "Act", "law")
    for amendment in (sixty, standing):
        amending.to_vote(amendment["id"])
    drafter.reword(SUBSEC_5_2, "thirty", "ninety")
    assert drafter.publish()["version"] == 2

    listed = {a["id"]: a for a in client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]}
    assert listed[sixty["id"]]["outdated"] == "the text of section 5(2) has changed since"
    assert listed[standing["id"]]["outdated"] is None, "made on version 1, it still stands on version 2"
    marshalled = [a for group in client.get(f"/api/bills/{amending.bill_id}/amendments/marshalled").get_json()[
        "groups"] for a in group]
    assert {a["id"]: a["outdated"] for a in marshalled}[sixty["id"]] == listed[sixty["id"]]["outdated"]

    # Read at every step of the procedure, the lists do not parse the bill again for what they already know.
    parsed: list[int] = []
    real_parse = amendments_service.parse_akn
    monkeypatch.setattr(amendments_service, "parse_akn", lambda data: parsed.append(1) or real_parse(data))
    again = client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]
    assert {a["id"]: a["outdated"] for a in again} == {a: listed[a]["outdated"] for a in listed} and parsed == []

    events = _events(db)
    refused = amending.move(standing["id"], "fallen", "clerk", expect=409)["error"]
    assert refused["code"] == "illegal_transition" and "can still be made" in refused["message"]
    assert amending.move(sixty["id"], "fallen", "mp", expect=403)
    assert _events(db) == events
    fallen = amending.move(sixty["id"], "fallen", "clerk")
    assert fallen["state"] == "fallen" and fallen["outdated"] is None
    assert fallen["reason"] == "outdated by version 2: the text of section 5(2) has changed since"
    assert fallen["defeated_by"] is None
    # The other one is voted on as ever, and the bill consolidates.
    amending.move(standing["id"], "adopted", "clerk", votes=VOTES)
    assert "law" in _version(client, _consolidate(amending)).provision_text("part_1__sec_1__subsec_1")


FELL_EN = "outdated by version 2: the text of section 5(2) has changed since"
FELL_FR = "rendu caduc par la version 2 : le texte de section 5(2) a changé depuis"


def _outdated_to_vote(amending: Amending, drafter: Drafting) -> int:
    """An amendment admitted on version 1, whose words version 2 changed."""
    sixty = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    amending.to_vote(sixty["id"])
    drafter.reword(SUBSEC_5_2, "thirty", "ninety")
    assert drafter.publish()["version"] == 2
    amendment_id: int = sixty["id"]
    return amendment_id


def _reasons(client: FlaskClient, bill_id: int, amendment_id: int, lang: str) -> list[str]:
    """The reason as the API gives it (the amendment, the bill's list) and as the amendment's page shows it."""
    one = client.get(f"/api/amendments/{amendment_id}?lang={lang}").get_json()["reason"]
    listed = {a["id"]: a["reason"] for a in client.get(f"/api/bills/{bill_id}/amendments?lang={lang}").get_json()[
        "amendments"]}[amendment_id]
    page = html.fromstring(client.get(f"/amendments/{amendment_id}?lang={lang}").data)
    return [one, listed, " ".join(str(page.xpath('string(//dd[@id="reason"])')).split())]


def test_the_reason_an_outdated_amendment_fell_is_read_in_the_readers_language(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    """Parley writes the reason when the clerk gives none: a French reader read it in English."""
    sixty = _outdated_to_vote(amending, drafter)
    fallen = amending.move(sixty, "fallen", "clerk")
    assert fallen["reason"] == FELL_EN, "API clients read the English text they always did"
    assert _reasons(client, amending.bill_id, sixty, "fr") == [FELL_FR] * 3
    # The amendments page lists amendments from the API in the language the reader chose on it.
    assert client.get(f"/bills/{amending.bill_id}/amendments?lang=fr").status_code == 200
    listed = client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]
    assert {a["id"]: a["reason"] for a in listed}[sixty] == FELL_FR
    assert _reasons(client, amending.bill_id, sixty, "en") == [FELL_EN] * 3

    # The event keeps the English text and the parts it is written from; the read models rebuild to the same.
    with db.write() as session:
        record = session.scalars(select(EventRecord).where(EventRecord.type == AmendmentEvent.FELL)).one()
        assert record.data["reason"] == FELL_EN
        assert record.data["reason_parts"] == {"version": 2, "problem": "text_changed",
                                               "values": {"provision": "section 5(2)"}}
        before = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == before
    assert _reasons(client, amending.bill_id, sixty, "fr") == [FELL_FR] * 3


def test_a_clerks_own_reason_for_an_outdated_amendment_stays_in_the_clerks_words(
    amending: Amending, drafter: Drafting, client: FlaskClient
) -> None:
    sixty = _outdated_to_vote(amending, drafter)
    amending.move(sixty, "fallen", "clerk", reason="Overtaken by the new section 5(2).")
    assert _reasons(client, amending.bill_id, sixty, "fr") == ["Overtaken by the new section 5(2)."] * 3


def test_an_amendment_recorded_as_fallen_before_its_reason_kept_its_parts_still_shows_its_reason(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    """The log holds ``amendment.fell`` events written with the English reason alone: they still read as written,
    and the read models still rebuild from them."""
    sixty = _outdated_to_vote(amending, drafter)
    with db.write() as session:
        clerk = accounts.principal_for_user_id(session, amending.users.ids["clerk"])
        eventlog.append(session, EventDraft(
            amendment_stream(sixty), AmendmentEvent.FELL,
            {"amendment_id": sixty, "from": "admissible", "to": "fallen", "reason": FELL_EN,
             "outdated": {"version": 2, "problem": "the text of section 5(2) has changed since"}},
            clerk.actor_id, amending.bill_id,
        ), projector=projections.apply)
    assert _reasons(client, amending.bill_id, sixty, "fr") == [FELL_EN] * 3
    assert _reasons(client, amending.bill_id, sixty, "en") == [FELL_EN] * 3
    with db.write() as session:
        before = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == before


# --- 2. consolidation finds an amendment's provision by its wId, not by an eId renumbering gave another ------


def test_amendments_follow_their_provision_when_a_new_one_takes_its_eid(
    amending: Amending, drafter: Drafting, client: FlaskClient
) -> None:
    sixty = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    after = amending.propose(eid=SUBSEC_1_2, action="insert_after", num="(3)", text="It expires after ten years.")
    for amendment in (sixty, after):
        amending.to_vote(amendment["id"])
    # The drafter renumbers (2) as (2A) and inserts a new (2) after (1): the new one takes the eId
    # part_1__sec_1__subsec_2, and the original, now part_1__sec_1__subsec_2A, keeps its wId.
    drafter.renumber(SUBSEC_1_2, "(2A)")
    assert drafter.insert_after("part_1__sec_1__subsec_1", "subsection", "(2)", "New words.") == SUBSEC_1_2
    drafter.publish()
    original = amending.text_of("part_1__sec_1__subsec_2A")
    assert "thirty" in original

    # Amending the same words of the same provision on version 2, under its new eId, conflicts with amendment 1.
    ninety = amending.replace("part_1__sec_1__subsec_2A", "thirty", "ninety", as_user="mp2")
    assert ninety["conflicts_with"] == [sixty["id"]]
    amending.move(ninety["id"], "withdrawn", "mp2")

    for amendment in (sixty, after):
        amending.move(amendment["id"], "adopted", "clerk", votes=VOTES)
    document = _version(client, _consolidate(amending))
    subsections = _children(document, "part_1__sec_1")
    # The new words went to the original (2A), found by its wId; the new (3) follows it, not the drafter's (2).
    assert [(num, text) for _wid, num, text in subsections[:3]] == [
        ("(1)", amending.text_of("part_1__sec_1__subsec_1")),
        ("(2)", "New words."),
        ("(2A)", original.replace("thirty", "sixty")),
    ]
    assert subsections[2][0] == SUBSEC_1_2 and subsections[1][0] != SUBSEC_1_2
    assert [(num, text) for _wid, num, text in subsections[3:]] == [("(3)", "It expires after ten years.")]


# --- 3. amendments are resolved against the published version, not the unpublished working text ------------


def test_only_provisions_of_the_published_version_can_be_amended(
    amending: Amending, drafter: Drafting, client: FlaskClient
) -> None:
    assert drafter.insert_after("part_1__sec_4", "section", "4A.", "The Clerk shall keep records.") \
        == "part_1__sec_4A"
    drafter.renumber("part_2__sec_7", "7A.")
    drafter.reword(SUBSEC_5_2, "thirty", "ninety")

    unpublished = amending.propose(eid="part_1__sec_4A", text="The Clerk shall keep full records.", expect=404)
    assert unpublished["error"]["message"].startswith(
        f"version 1 of bill {amending.bill_id} has no provision part_1__sec_4A")
    # Renumbered in the working text only, section 7 is still part_2__sec_7 in the version amendments amend.
    languages = amending.propose(eid="part_2__sec_7", action="delete")
    assert (languages["instruction"], languages["base_version"]) == ("Leave out section 7.", 1)
    reworded = amending.propose(eid=SUBSEC_5_2, text=_published_text(client, amending, SUBSEC_5_2).replace(
        "thirty", "sixty"))
    assert 'leave out "thirty" and insert "sixty"' in reworded["instruction"]
    assert "thirty" in reworded["base_text"]


def _published_text(client: FlaskClient, amending: Amending, eid: str) -> str:
    uri = client.get(f"/api/bills/{amending.bill_id}").get_json()["versions"][-1]["expression_uri"]
    return AknDocument.from_bytes(client.get(uri).data).provision_text(eid)


# --- 4. consolidation refuses unpublished structure edits, which it would throw away -----------------------


def test_consolidation_refuses_unpublished_structure_edits(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    amending.adopt(amending.replace(SUBSEC_5_2, "thirty", "sixty")["id"])
    drafter.insert_after("part_1__sec_4", "section", "4A.", "The Clerk shall keep records.")
    events = _events(db)
    refused = _consolidate(amending, expect=409)["error"]
    assert refused["code"] == "unconsolidated_edits" and "structure" in refused["message"]
    assert _events(db) == events
    assert amending.text_of("part_1__sec_4A") == "The Clerk shall keep records."

    # The edit does not touch what the adopted amendment amends: it may be published, then consolidated.
    assert drafter.publish()["version"] == 2
    document = _version(client, _consolidate(amending))
    assert document.provision_text("part_1__sec_4A") == "The Clerk shall keep records."
    assert "sixty" in document.provision_text(SUBSEC_5_2)


def test_the_working_text_is_not_published_over_what_an_adopted_amendment_was_made_on(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    sixty = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    # Edited while the amendment waited for its vote (once adopted, its words are settled: see test_consolidation).
    drafter.reword(SUBSEC_5_2, "thirty", "ninety")
    amending.adopt(sixty["id"])
    events = _events(db)

    refused = drafter.publish(expect=409)["error"]
    assert refused["code"] == "adopted_amendments_pending" and refused["amendment_ids"] == [sixty["id"]]
    assert "the text of section 5(2) has changed since" in refused["message"]
    assert "give the provisions they amend back the text of version 1" in refused["message"]
    assert "source" not in refused["message"]
    assert _consolidate(amending, expect=409)["error"]["code"] == "unconsolidated_edits"
    assert _events(db) == events

    # Given its words back, the working text may be published, and the amendment made to version 2.
    drafter.reword(SUBSEC_5_2, "ninety", "thirty")
    with pytest.raises(ProvisionSettled):
        drafter.reword(SUBSEC_5_2, "thirty", "forty")
    assert drafter.publish()["version"] == 2
    document = _version(client, _consolidate(amending))
    assert "sixty" in document.provision_text(SUBSEC_5_2) and "ninety" not in document.provision_text(SUBSEC_5_2)


def test_the_working_text_keeps_what_an_adopted_amendment_stands_on_until_it_is_consolidated(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    sixty = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    amending.adopt(sixty["id"])
    events = _events(db)
    # Its provision, or the section that holds it, taken out of the working text: the amendment could never be
    # made and the bill never consolidated again.
    for eid in (SUBSEC_5_2, "part_2__sec_5"):
        with db.write() as session, pytest.raises(AdoptedAmendmentsPending, match="consolidate the adopted"):
            principal = accounts.principal_for_user_id(session, amending.users.ids["drafter"])
            structure.delete_provision(session, principal, amending.bill_id, eid=eid)
    assert _events(db) == events
    # What no adopted amendment stands on may go, and the amendment is then made to the next version.
    with db.write() as session:
        principal = accounts.principal_for_user_id(session, amending.users.ids["drafter"])
        structure.delete_provision(session, principal, amending.bill_id, eid="part_2__sec_6")
    assert drafter.publish()["version"] == 2
    document = _version(client, _consolidate(amending))
    assert "sixty" in document.provision_text(SUBSEC_5_2)


# --- 5. a new provision may not take a number one beside it has ---------------------------------------------


@pytest.mark.parametrize(("anchor", "num", "taken"), [
    ("part_1__sec_1__subsec_1", "(2)", "section 1(2)"),
    ("part_5__sec_20", "20.", "section 20"),
    ("part_5__sec_20", "21", "section 21"),
])
def test_a_new_provision_may_not_take_a_neighbours_number(
    amending: Amending, anchor: str, num: str, taken: str
) -> None:
    refused = amending.propose(eid=anchor, action="insert_after", num=num, text="New words.", expect=422)["error"]
    assert refused["code"] == "validation_failed"
    assert refused["fields"] == [{"field": "body.num", "message": refused["message"]}]
    assert refused["message"].startswith(f"{taken} is numbered {num} already in version 1")


@pytest.mark.parametrize(("anchor", "body", "field", "words"), [
    # A subsection straight in a Part, a Part inside a section: cited as nothing a reader knows ("Part 5(9)").
    ("part_5__sec_20", {"num": "(9)", "name": "subsection"}, "name",
     "a provision inserted after section 20 stands beside it, among provisions of the kinds section; found "
     "'subsection'"),
    ("part_1__sec_1__subsec_1", {"num": "9", "name": "part"}, "name",
     "a provision inserted after section 1(1) stands beside it, among provisions of the kinds subsection; found "
     "'part'"),
])
def test_a_new_provision_is_one_of_its_neighbours_kinds(
    amending: Amending, anchor: str, body: dict[str, str], field: str, words: str
) -> None:
    refused = amending.propose(eid=anchor, action="insert_after", text="New words.", expect=422, **body)["error"]
    assert refused["code"] == "validation_failed"
    assert refused["fields"] == [{"field": f"body.{field}", "message": refused["message"]}]
    assert refused["message"].startswith(words), refused["message"]
    # Of its neighbours' kind, with a number of its own, it is proposed.
    assert amending.propose(eid=anchor, action="insert_after", text="New words.",
                            num="(1A)" if "subsec" in anchor else "20A")["state"] == "draft"


def test_two_adopted_amendments_may_not_insert_one_number_side_by_side(amending: Amending, db: Database) -> None:
    first = amending.propose(eid="part_1__sec_1__subsec_1", action="insert_after", num="(1A)", text="One.")
    second = amending.propose(eid=SUBSEC_1_2, action="insert_after", num="(1A)", text="Two.", as_user="mp2")
    assert second["conflicts_with"] == []
    amending.adopt(first["id"])
    amending.move(second["id"], "tabled", "mp2")
    amending.move(second["id"], "admissible", "clerk")
    refused = amending.move(second["id"], "adopted", "clerk", expect=409, votes=VOTES)["error"]
    assert refused["code"] == "amendments_incompatible"
    assert refused["amendment_ids"] == [first["id"], second["id"]]
    assert refused["message"] == ("Amendments 1 and 2 insert two provisions numbered (1A) side by side: they "
                                  "cannot both be made, so Amendment 2 cannot be adopted")


def test_a_structure_edit_may_not_give_away_the_number_an_adopted_insertion_gives(
    amending: Amending, drafter: Drafting, client: FlaskClient, db: Database
) -> None:
    """Before, a drafter's new section 4A beside section 4 held up the consolidation of an adopted amendment inserting
    section 4A after section 4, and every publication with it, until someone undid the edit."""
    inserting = amending.propose(eid="part_1__sec_4", action="insert_after", num="4A", text="Records are public.")
    amending.adopt(inserting["id"])
    events = _events(db)
    refusals = [
        lambda: drafter.insert_after("part_1__sec_4", "section", "4A.", "The Clerk shall keep records."),
        lambda: drafter.renumber("part_1__sec_3", "4A"),
    ]
    for attempt in refusals:
        with pytest.raises(AdoptedAmendmentsPending) as refused:
            attempt()
        assert refused.value.message.startswith(
            "adopted amendment 1 inserts a provision numbered 4A after section 4, and the change would give that "
            "number to another provision beside it"), refused.value.message
        assert refused.value.details["amendment_numbers"] == [1]
    assert _events(db) == events

    # Other numbers, and other places, are free; the amendment is then made as adopted.
    assert drafter.insert_after("part_1__sec_4", "section", "4B.", "The Clerk shall keep records.")
    assert drafter.insert_after("part_2__sec_5", "section", "4A.", "Elsewhere, 4A is another section's number.")
    assert drafter.publish()["version"] == 2
    document = _version(client, _consolidate(amending))
    assert document.provision_text("part_1__sec_4A") == "Records are public."


# --- 6. an adopted amendment is never lost with a container that other amendments empty --------------------


def test_new_words_for_an_intro_and_leaving_out_every_subsection_cannot_both_be_adopted(
    amending: Amending, client: FlaskClient, db: Database
) -> None:
    intro = amending.propose(eid="part_2__sec_8", text="For the purposes of this section—")
    first = amending.propose(eid="part_2__sec_8__subsec_1", action="delete")
    second = amending.propose(eid="part_2__sec_8__subsec_2", action="delete")
    assert intro["conflicts_with"] == first["conflicts_with"] == second["conflicts_with"] == []
    for amendment in (intro, first):
        amending.adopt(amendment["id"])
    amending.to_vote(second["id"])
    events = _events(db)

    refused = amending.move(second["id"], "adopted", "clerk", expect=409, votes=VOTES)["error"]
    assert refused["code"] == "amendments_incompatible"
    assert refused["amendment_ids"] == [intro["id"], first["id"], second["id"]]
    assert refused["message"] == (
        "Amendment 1 gives new words to part_2__sec_8, and Amendments 2 and 3 leave out every provision "
        "part_2__sec_8 holds, which takes part_2__sec_8 out of the bill: they cannot all be made, so Amendment 3 "
        "cannot be adopted")
    assert _events(db) == events and _state(amending, second["id"]) == "admissible"

    amending.move(second["id"], "rejected", "clerk", votes={"for": 1, "against": 9})
    document = _version(client, _consolidate(amending))
    assert document.provision_text("part_2__sec_8") == "For the purposes of this section—"
    assert [p.num for p in document.provision("part_2__sec_8").children] == ["(2)"]


def test_leaving_out_every_paragraph_of_a_reworded_intro_is_refused_whichever_is_adopted_first(
    amending: Amending
) -> None:
    deletions = [amending.propose(eid=f"part_1__sec_3__para_{x}", action="delete") for x in "abc"]
    for deletion in deletions:
        amending.adopt(deletion["id"])
    reworded = amending.replace("part_1__sec_3", "The objects", "The purposes")
    amending.to_vote(reworded["id"])
    refused = amending.move(reworded["id"], "adopted", "clerk", expect=409, votes=VOTES)["error"]
    assert refused["code"] == "amendments_incompatible"
    assert sorted(refused["amendment_ids"]) == sorted([reworded["id"], *(d["id"] for d in deletions)])


# --- 7 and 8. a text amendment gives new words, and only words ----------------------------------------------


def test_a_heading_cannot_be_amended_with_the_text(amending: Amending) -> None:
    text = amending.text_of("part_1__sec_4").replace("every", "each")
    refused = amending.propose(eid="part_1__sec_4", text=text, heading="Scope", expect=422)["error"]
    assert refused["code"] == "validation_failed"
    assert refused["fields"] == [{"field": "body.heading", "message": refused["message"]}]
    assert "its heading (Application) cannot be amended with the text" in refused["message"]
    refused = amending.propose(eid="part_1__sec_4", text=text, num="5.", expect=422)["error"]
    assert refused["fields"][0]["field"] == "body.num"
    # Its own heading and number, sent back unchanged, change nothing and are accepted.
    accepted = amending.propose(eid="part_1__sec_4", text=text, heading="Application", num="4.")
    assert accepted["new_provision"] is None and accepted["instruction"].startswith("In section 4,")


@pytest.mark.parametrize("blank", ["", "   ", "{{p}}"])
def test_blank_new_words_are_refused(amending: Amending, blank: str) -> None:
    refused = amending.propose(eid="part_1__sec_4", text=blank, expect=422)["error"]
    assert refused["fields"] == [{"field": "body.text", "message": refused["message"]}]
    assert "to leave out the whole provision, propose to leave it out instead" in refused["message"]


def test_an_intro_may_be_left_out_whole(amending: Amending, client: FlaskClient) -> None:
    # Its subdivisions stay: the provision is not left empty.
    amending.adopt(amending.propose(eid="part_1__sec_3", text="")["id"])
    document = _version(client, _consolidate(amending))
    assert document.provision_text("part_1__sec_3") == ""
    assert len(document.provision("part_1__sec_3").children) == 3


# --- 11. an insertion is recorded at the provision it inserted ----------------------------------------------


def test_an_insertion_is_recorded_at_the_provision_it_inserted(amending: Amending, client: FlaskClient) -> None:
    amending.adopt(amending.propose(eid="part_1__sec_4", action="insert_after", num="4A.", heading="Review",
                                    text="The Clerk shall review this Act every five years.")["id"])
    amending.adopt(amending.replace(SUBSEC_5_2, "thirty", "sixty")["id"])
    document = _version(client, _consolidate(amending))
    assert "part_1__sec_4A" in document.eids()
    records = [(m.get("type"), m.find("a:destination", NS).get("href")) for m in document.document.iterfind(
        "a:meta/a:analysis/a:passiveModifications/a:textualMod", NS)]
    assert records == [("insertion", "#part_1__sec_4A"), ("substitution", f"#{SUBSEC_5_2}")]


# --- what still works: several adopted amendments to one provision are merged --------------------------------


def test_amendments_to_one_provision_made_on_successive_versions_are_merged(
    amending: Amending, drafter: Drafting, client: FlaskClient
) -> None:
    original = amending.text_of(SUBSEC_1_2)
    first = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.adopt(first["id"])
    # A version in between that leaves the provision as it was: the amendments still stand on the same words.
    drafter.reword("part_1__sec_4", "every", "each")
    assert drafter.publish()["version"] == 2
    second = amending.replace(SUBSEC_1_2, "in the Gazette", "in the Gazette and online", as_user="mp2")
    assert (second["base_version"], second["conflicts_with"]) == (2, [])
    amending.move(second["id"], "tabled", "mp2")
    amending.move(second["id"], "admissible", "clerk")
    amending.move(second["id"], "adopted", "clerk", votes=VOTES)

    document = _version(client, _consolidate(amending))
    assert document.provision_text(SUBSEC_1_2) == original.replace("thirty", "sixty").replace(
        "in the Gazette", "in the Gazette and online")
    assert "each" in document.provision_text("part_1__sec_4")
