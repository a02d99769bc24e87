"""Comments follow their provision into later versions through its wId and their quote."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from akn import AknDocument
from server.domain import textpatch
from server.services import accounts, drafting, structure, versions
from server.store.db import Database
from server.store.models import Provision
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import CORPUS, DURATION, REGISTER, Api


def _edit(db: Database, users: Accounts, bill: int, eid: str, old: str, new: str) -> None:
    with db.write() as session:
        row = session.scalars(select(Provision).where(Provision.bill_id == bill, Provision.eid == eid)).one()
        drafting.edit_provision(
            session, accounts.principal_for_user_id(session, users.ids["drafter"]), bill_id=bill, eid=eid,
            rev=row.rev, patch=textpatch.make_patch(row.text, row.text.replace(old, new)), op_id=f"edit-{eid}",
            max_chars=100_000,
        )


def test_comments_whose_words_are_gone_are_outdated_and_keep_their_version(
    api: Api, consulted: int, db: Database, users: Accounts
) -> None:
    quoted = api.comment("citizen", consulted, DURATION, "Thirty is too short.",
                         quote="not less than thirty days").get_json()
    general = api.comment("citizen2", consulted, DURATION, "Who decides the length?").get_json()
    kept = api.comment("citizen3", consulted, REGISTER, "Good.", quote="public register").get_json()

    _edit(db, users, consulted, DURATION, "thirty days", "sixty days")
    with db.write() as session:
        published = versions.publish_working_text(
            session, accounts.principal_for_user_id(session, users.ids["clerk"]), consulted
        )
    assert published.version == 2

    by_id = {c["id"]: c for c in api.comments(consulted)}
    assert by_id[quoted["id"]]["outdated"] is True
    assert by_id[quoted["id"]]["eid"] == DURATION, "still on its provision"
    assert by_id[quoted["id"]]["made_on"]["version"] == 1
    assert by_id[quoted["id"]]["made_on"]["expression_uri"].startswith("/akn/ke/bill/")
    assert by_id[general["id"]]["outdated"] is False
    assert by_id[kept["id"]]["outdated"] is False
    counts = api.get(f"/api/bills/{consulted}/comments/counts").get_json()
    assert counts["totals"]["outdated"] == 1
    assert {p["eid"]: p["outdated"] for p in counts["provisions"]} == {DURATION: 1, REGISTER: 0}


CORPUS_ACT = "legaldocml__uk_asp-2017-1-enacted.xml"


def test_comments_on_a_real_act_quote_its_words(api: Api, db: Database) -> None:
    path = CORPUS / CORPUS_ACT
    if not path.exists():
        pytest.skip(f"the AKN corpus is not beside the repository ({path} is absent)")
    content = path.read_bytes()
    imported = api.client.post("/api/bills", data=content, content_type="application/akn+xml",
                               headers=api.users.headers("drafter"))
    assert imported.status_code == 201, imported.get_json()
    bill = imported.get_json()["id"]
    assert api.open(bill).status_code == 201

    document = AknDocument.from_bytes(content)
    eid, words = next(
        (p.eid, " ".join(text.split()[:6]))
        for p in document.provisions()
        if p.eid and len((text := etree.tostring(document.provision_element(p.eid), method="text",
                                                 encoding="unicode")).split()) > 8
    )
    posted = api.comment("citizen", bill, eid, "Please explain this in plain words.", quote=words)
    assert posted.status_code == 201, posted.get_json()
    assert api.comment("citizen", bill, eid, "x", quote=words + " zebra crossing").status_code == 422
    assert [c["eid"] for c in api.comments(bill, eid=eid)] == [eid]


def test_after_provisions_move_and_go_notices_and_counts_stand_where_their_comments_do(
    api: Api, consulted: int, db: Database, users: Accounts
) -> None:
    section_3, section_4 = "part_2__sec_3", REGISTER  # the register is section 4 of part 2
    on_section_3 = api.comment("citizen", consulted, section_3, "Why consult at all?").get_json()
    on_register = api.comment("citizen2", consulted, section_4, "Keep it online.").get_json()
    hidden = api.comment("citizen3", consulted, section_4, "The clerk is useless.").get_json()
    assert api.post("clerk", f"/api/comments/{hidden['id']}/moderation",
                    {"action": "hide", "reason": "harassment"}).status_code == 200
    # Section 3 is deleted and the register renumbered 3: it takes section 3's eId.
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        structure.delete_provision(session, drafter, consulted, eid=section_3)
        structure.retitle_provision(session, drafter, consulted, eid=section_4, num="3.")
    with db.write() as session:
        versions.publish_working_text(session, accounts.principal_for_user_id(session, users.ids["clerk"]),
                                      consulted)

    listed = api.get(f"/api/bills/{consulted}/comments?eid={section_3}").get_json()
    assert {c["id"] for c in listed["comments"]} == {on_section_3["id"], on_register["id"]}
    assert [n["id"] for n in listed["hidden"]] == [hidden["id"]], "the notice moved with the register's comments"
    assert api.get(f"/api/bills/{consulted}/comments?eid={section_4}").get_json()["hidden"] == []
    counts = {p["eid"]: p for p in api.get(f"/api/bills/{consulted}/comments/counts").get_json()["provisions"]}
    assert counts[section_3]["comments"] == 2 and counts[section_3]["gone"] is False


def test_a_version_published_while_the_consultation_is_open_is_the_text_commented_on(
    api: Api, consulted: int, db: Database, users: Accounts
) -> None:
    earlier = api.comment("citizen", consulted, DURATION, "Thirty is too short.",
                          quote="not less than thirty days").get_json()
    _edit(db, users, consulted, DURATION, "thirty days", "sixty days")
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        added = structure.insert_provision(session, drafter, consulted, ref_eid=REGISTER, position="after",
                                           name="section", num="4A.", heading="Summary",
                                           text="The clerk shall publish a summary of the comments received.")
        published = versions.publish_working_text(
            session, accounts.principal_for_user_id(session, users.ids["clerk"]), consulted)
    assert published.version == 2 and added.eid

    # What the reader shows is the latest version: its words and its new provision take comments.
    on_new_words = api.comment("citizen2", consulted, DURATION, "Sixty is better.", quote="sixty days")
    assert on_new_words.status_code == 201, on_new_words.get_json()
    on_new_section = api.comment("citizen2", consulted, added.eid, "Who writes the summary?")
    assert on_new_section.status_code == 201, on_new_section.get_json()
    gone = api.comment("citizen3", consulted, DURATION, "Thirty?", quote="not less than thirty days")
    assert gone.status_code == 422 and gone.get_json()["error"]["code"] == "quote_not_found"

    # A reply is made where its comment was made, and follows it.
    reply = api.comment("citizen2", consulted, DURATION, "I agree.", reply_to=earlier["id"])
    assert reply.status_code == 201, reply.get_json()

    by_id = {c["id"]: c for c in api.comments(consulted)}
    assert by_id[on_new_words.get_json()["id"]]["made_on"]["version"] == 2
    assert by_id[on_new_words.get_json()["id"]]["outdated"] is False
    assert by_id[on_new_section.get_json()["id"]]["eid"] == added.eid
    assert by_id[reply.get_json()["id"]]["made_on"]["version"] == 1
    assert by_id[reply.get_json()["id"]]["reply_to"] == earlier["id"]
    assert by_id[earlier["id"]]["outdated"] is True
