"""Feed entries name an amendment as the order paper does, by its number, and a draft by the provision it amends;
never by its database id. Numbers are looked up for a whole page at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import feedparser
from flask.testing import FlaskClient
from sqlalchemy import event

from server.domain.amendments import AmendmentEvent
from server.domain.events import EventType
from server.domain.opendata import AmendmentName, Tabling, amendment_name, public_data, public_title
from server.store.db import Database
from tests.server.conftest import Accounts, cosponsor_draft
from tests.server.opendata.conftest import DUTY, REGISTER, import_bill

BILL = "Consultation Duty Bill, 2026"


def propose(client: FlaskClient, users: Accounts, bill_id: int, eid: str, old: str, new: str) -> int:
    text = client.get(f"/api/bills/{bill_id}/provisions/{eid}").get_json()["text"]
    response = client.post(f"/api/bills/{bill_id}/amendments", headers=users.headers("mp"),
                           json={"eid": eid, "text": text.replace(old, new), "justification": "Needed."})
    assert response.status_code == 201, response.get_json()
    amendment_id: int = response.get_json()["id"]
    return amendment_id


def move(client: FlaskClient, users: Accounts, amendment_id: int, to: str, who: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/amendments/{amendment_id}/transitions", headers=users.headers(who),
                           json={"to": to, **body})
    assert response.status_code == 200, response.get_json()
    moved: dict[str, Any] = response.get_json()
    return moved


def cosponsor(client: FlaskClient, users: Accounts, amendment_id: int, who: str) -> None:
    response = client.post(f"/api/amendments/{amendment_id}/cosponsors", headers=users.headers(who))
    assert response.status_code == 200, response.get_json()


def titles(client: FlaskClient, path: str = "/feed.atom", **headers: str) -> list[str]:
    feed = feedparser.parse(client.get(path, headers=headers).data)
    assert not feed.bozo, feed.bozo_exception
    return [entry.title for entry in feed.entries]


def test_amendments_are_named_by_their_order_paper_number_not_their_id(client: FlaskClient,
                                                                        users: Accounts) -> None:
    bill_id = import_bill(client, users, "7", BILL)
    on_duty = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    on_register = propose(client, users, bill_id, REGISTER, "a register", "an open register")
    # Tabled in the other order: each one's number is the other's id.
    assert move(client, users, on_register, "tabled", "mp")["number"] == on_duty
    assert move(client, users, on_duty, "tabled", "mp")["number"] == on_register
    move(client, users, on_duty, "admissible", "clerk")
    move(client, users, on_register, "inadmissible", "clerk", reason="Out of scope.")

    assert titles(client, f"/api/bills/{bill_id}/feed.atom") == [
        f"{BILL}: Amendment {on_duty} (section 4) ruled inadmissible",
        f"{BILL}: Amendment {on_register} (section 3(1)) admitted",
        f"{BILL}: Amendment {on_register} (section 3(1)) tabled",
        f"{BILL}: Amendment {on_duty} (section 4) tabled",
        f"{BILL}: Bill introduced",
    ]
    # The order paper agrees with the feed.
    listed = client.get(f"/api/bills/{bill_id}/amendments").get_json()["amendments"]
    assert {a["id"]: a["number"] for a in listed} == {on_duty: on_register, on_register: on_duty}
    # Each entry links to what it is about: the amendment's page, else the bill.
    feed = feedparser.parse(client.get(f"/api/bills/{bill_id}/feed.atom").data)
    assert [entry.link.split("://", 1)[1].split("/", 1)[1] for entry in feed.entries] == [
        f"amendments/{on_register}", f"amendments/{on_duty}", f"amendments/{on_duty}", f"amendments/{on_register}",
        f"bills/{bill_id}",
    ]


def test_a_draft_stays_out_of_the_feed_and_an_entry_keeps_its_title(client: FlaskClient, users: Accounts,
                                                                     db: Database) -> None:
    users.add("mp2", "mp")
    bill_id = import_bill(client, users, "7", BILL)
    kept = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    dropped = propose(client, users, bill_id, REGISTER, "a register", "an open register")
    cosponsor_draft(db, bill_id, kept, users.ids["mp2"])
    move(client, users, dropped, "withdrawn", "mp")
    before = titles(client)
    # A draft is its member's own: proposed, co-sponsored or withdrawn, nothing of it is public.
    assert before == [f"{BILL}: Bill introduced"]

    number = move(client, users, kept, "tabled", "mp")["number"]
    users.add("mp3", "mp")
    cosponsor(client, users, kept, "mp3")
    after = titles(client)
    assert after[:2] == [f"{BILL}: Amendment {number} (section 3(1)) gained a co-sponsor",
                         f"{BILL}: Amendment {number} (section 3(1)) tabled"]
    # What an entry said when it was published it says still: the draft had no number when it gained a co-sponsor.
    assert after[2:] == before


def test_a_page_of_entries_looks_numbers_up_in_a_fixed_number_of_reads(client: FlaskClient, users: Accounts,
                                                                     db: Database) -> None:
    bill_id = import_bill(client, users, "7", BILL)

    def reads() -> int:
        with counting(db) as statements:
            assert client.get("/feed.atom").status_code == 200
        return len(statements)

    first = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    move(client, users, first, "tabled", "mp")
    one = reads()
    for eid, old, new in ((REGISTER, "a register", "an open register"), (DUTY, "thirty days", "sixty days"),
                          (DUTY, "thirty days", "forty days")):
        amendment_id = propose(client, users, bill_id, eid, old, new)
        move(client, users, amendment_id, "tabled", "mp")
        move(client, users, amendment_id, "withdrawn", "mp")
    assert len(titles(client)) == 8  # the drafts' own events are not the public's
    assert reads() == one


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = {id(e): e for e in (db.engine, db.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def test_a_title_without_a_looked_up_number_never_shows_the_id() -> None:
    # What a caller that does not look numbers up (mail, today) gets: the tabling names its number, later steps
    # name no number rather than a wrong one.
    assert public_title(AmendmentEvent.TABLED, {"amendment_id": 6, "number": 10}) == "Amendment 10 tabled"
    assert public_title(AmendmentEvent.ADMITTED, {"amendment_id": 6}) == "Amendment admitted"
    assert public_title(AmendmentEvent.DRAFTED, {"amendment_id": 6, "eid": "sec_3__subsec_2",
                                                 "citation": "section 3(2)"}) == "Amendment proposed to section 3(2)"
    named = amendment_name(40, "section 3(2)", Tabling(event_id=30, number=10))
    assert named == AmendmentName(10, "section 3(2)")
    assert public_title(AmendmentEvent.ADOPTED, {"amendment_id": 6}, named) == "Amendment 10 (section 3(2)) adopted"
    assert amendment_name(20, "section 3(2)", Tabling(event_id=30, number=10)) == AmendmentName(None, "section 3(2)")


def test_amendment_titles_read_in_french(client: FlaskClient, users: Accounts) -> None:
    # Needs the entries of notes/fr_helper_g.po in the French catalogue.
    users.add("mp2", "mp")
    bill_id = import_bill(client, users, "7", BILL)
    amendment_id = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    number = move(client, users, amendment_id, "tabled", "mp")["number"]
    cosponsor(client, users, amendment_id, "mp2")
    move(client, users, amendment_id, "admissible", "clerk")
    assert titles(client, f"/api/bills/{bill_id}/feed.atom?lang=fr") == [
        f"{BILL} : Amendement {number} (section 3(1)) déclaré recevable",
        f"{BILL} : Amendement {number} (section 3(1)) : nouveau cosignataire",
        f"{BILL} : Amendement {number} (section 3(1)) déposé",
        f"{BILL} : Projet de loi déposé",
    ]


def test_structure_changes_cite_their_provision_as_the_bill_does() -> None:
    assert public_title(EventType.PROVISION_INSERTED, {"eid": "part_1__sec_1A"}) == "Section 1A inserted"
    assert public_title(EventType.PROVISION_MOVED, {"eid": "part_2__sec_6__subsec_2"}) == "Section 6(2) moved"
    assert public_title(EventType.PROVISION_RETITLED, {"eid": "part_2"}) == "Part 2 renumbered or retitled"


def test_a_deletion_names_the_provision_it_took_out() -> None:
    # The deletion event's eid is null (no provision is left); its title said "Provision None deleted".
    data = {"eid": None, "deleted_eid": "part_2__sec_7", "wid": "part_2__sec_7"}
    assert public_title(EventType.PROVISION_DELETED, data) == "Section 7 deleted"
    assert public_data(EventType.PROVISION_DELETED, data) == {"eid": None, "deleted_eid": "part_2__sec_7"}


def test_a_published_versions_entry_links_to_that_version(client: FlaskClient, users: Accounts) -> None:
    bill_id = import_bill(client, users, "7", BILL)
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    newest = feedparser.parse(client.get(f"/api/bills/{bill_id}/feed.atom").data).entries[0]
    assert newest.title == f"{BILL}: Version 2 published"
    assert newest.link.endswith(f"/bills/{bill_id}?version=2")
