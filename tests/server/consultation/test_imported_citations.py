"""Consultation, moderation and open data name a provision of an imported bill as its provision tree does
("regulation 2(1)"), from the stored rows, not from an eId that follows no naming convention ("regulation-2-1")."""

from __future__ import annotations

import email
from pathlib import Path

import pytest
from sqlalchemy import event

from server.domain.events import EventType
from server.services import bills
from server.services.feeds import public_titles
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.amendments.conftest import import_corpus_bill
from tests.server.consultation.conftest import DURATION, Api

REGULATIONS = "legaldocml__uk_ssi-2017-113-enacted.xml"
CITED = "regulation-2-1"


@pytest.fixture
def imported(api: Api) -> int:
    """The Scottish regulations, imported as a bill and open for comment."""
    bill = int(import_corpus_bill(api.client, api.users, REGULATIONS)["id"])
    opened = api.open(bill)
    assert opened.status_code == 201, opened.get_json()
    return bill


def test_a_quote_refused_names_the_regulation_as_cited(api: Api, imported: int) -> None:
    refused = api.comment("citizen", imported, CITED, "Too wide.", quote="words nowhere in it")
    assert refused.status_code == 422, refused.get_json()
    assert "the text of regulation 2(1):" in refused.get_json()["error"]["message"]


def test_the_clerks_queue_names_the_regulation_a_held_comment_is_on(api: Api, imported: int,
                                                                    consulted: int) -> None:
    api.comment("citizen", imported, CITED, "You are all idiots.")
    api.comment("citizen2", consulted, DURATION, "What morons wrote this?")
    page = api.client.get("/moderation", headers=api.users.headers("clerk")).get_data(as_text=True)
    assert "regulation 2(1)</a>" in page
    assert "section 3(2)</a>" in page, "a convention-following bill's provisions read as before"
    assert "unnumbered" not in page


def test_the_author_is_told_which_regulation_was_moderated(api: Api, imported: int, tmp_path: Path) -> None:
    api.commenter_with_mail("told", "told@example.org")
    comment = api.comment("told", imported, CITED, "Far too wide.").get_json()
    answered = api.post("drafter", f"/api/comments/{comment['id']}/answers",
                        {"body": "We narrowed it.", "fate": "taken_up"})
    assert answered.status_code == 201, answered.get_json()
    assert api.post("clerk", f"/api/comments/{comment['id']}/moderation",
                    {"action": "hide", "reason": "personal data"}).status_code == 200
    mails = [email.message_from_bytes(p.read_bytes()) for p in (tmp_path / "instance" / "outbox").glob("*.eml")]
    bodies = [m.get_payload(decode=True).decode("utf-8") for m in mails]
    assert len(bodies) == 2 and all("on regulation 2(1) of the" in body for body in bodies), bodies


def test_feed_titles_cite_the_regulation_with_one_read_for_every_provision(imported: int, db: Database) -> None:
    records = [EventRecord(id=n, type=EventType.PROVISION_EDITED, bill_id=imported, data={"eid": eid})
               for n, eid in enumerate(("regulation-2-1", "regulation-2-2", "regulation-21-1-a", "gone-1"), 1)]
    statements: list[str] = []
    with db.read() as session:
        engine = session.get_bind()

        def counted(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", counted)
        try:
            titles = public_titles(session, records)
        finally:
            event.remove(engine, "before_cursor_execute", counted)
    assert list(titles.values()) == ["Regulation 2(1) edited", "Regulation 2(2) edited", "Regulation 21(1)(a) edited",
                                     "An unnumbered gone-1 edited"]
    assert len([s for s in statements if "provisions" in s]) == 1, statements


def test_many_provisions_are_cited_in_one_read(imported: int, db: Database) -> None:
    with db.read() as session:
        tree = bills.provision_tree(session, imported)

        def walk(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
            return [n for node in nodes for n in (node, *walk(node["children"]))]  # type: ignore[arg-type]

        every = walk(tree)
        cited = bills.provision_citations(session, [(imported, str(node["eid"])) for node in every])
    assert len(every) > 500, "past the named-at-most, the bill is read whole"
    assert {eid: citation for (_bill, eid), citation in cited.items()} == {
        str(node["eid"]): node["citation"] for node in every}
