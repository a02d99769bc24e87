"""What an adopted amendment settles: conflicting amendments, old or new, can only fall; changes to neighbouring
words conflict; what could never be consolidated is refused when proposed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.server.amendments.conftest import SUBSEC_1_2, Amending
from tests.server.conftest import Accounts

VOTE = {"for": 10, "against": 1}


def _consolidate(client: FlaskClient, users: Accounts, bill_id: int) -> Any:
    return client.post(f"/api/bills/{bill_id}/versions", json={"source": "amendments"},
                       headers=users.headers("clerk"))


def test_a_defeated_amendment_can_only_fall_or_be_withdrawn(amending: Amending, client: FlaskClient) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.move(a["id"], "tabled", "mp")
    b = amending.replace(SUBSEC_1_2, "thirty", "ninety", as_user="mp2")
    assert b["conflicts_with"] == [a["id"]]
    amending.move(b["id"], "tabled", "mp2")
    amending.move(b["id"], "admissible", "clerk")
    amending.move(a["id"], "admissible", "clerk")
    amending.move(a["id"], "adopted", "clerk", votes={"for": 120, "against": 40, "abstentions": 3})
    assert client.get(f"/api/amendments/{b['id']}").get_json()["defeated_by"] == a["id"]
    refused = amending.move(b["id"], "adopted", "clerk", expect=409, votes=VOTE)
    assert refused["error"]["code"] == "amendment_defeated"
    amending.move(b["id"], "fallen", "clerk")


def test_an_amendment_proposed_against_an_adopted_one_not_yet_consolidated_is_defeated_by_it(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.adopt(a["id"])
    b = amending.replace(SUBSEC_1_2, "thirty", "ninety", as_user="mp2")
    assert b["conflicts_with"] == [a["id"]]
    assert client.get(f"/api/amendments/{b['id']}", headers=users.headers("mp2")).get_json()["defeated_by"] == a["id"]
    assert amending.move(b["id"], "tabled", "mp2", expect=409)["error"]["code"] == "amendment_defeated"
    assert _consolidate(client, users, amending.bill_id).status_code == 201
    text = amending.text_of(SUBSEC_1_2)
    assert "sixty" in text and "ninety" not in text


def test_changes_to_neighbouring_words_conflict(amending: Amending) -> None:
    base = amending.text_of(SUBSEC_1_2)
    assert base.endswith("of its publication in the Gazette.")
    a = amending.replace(SUBSEC_1_2, "publication in the Gazette", "publication in")
    amending.move(a["id"], "tabled", "mp")
    b = amending.replace(SUBSEC_1_2, "publication in the Gazette", "sixty the Gazette", as_user="mp2")
    assert a["instruction"] == 'In section 1(2), leave out "the Gazette".'
    assert b["instruction"] == 'In section 1(2), leave out "publication in" and insert "sixty".'
    assert b["conflicts_with"] == [a["id"]]


def test_what_could_never_be_consolidated_is_refused_when_proposed(amending: Amending) -> None:
    for name in ("banana", "not a tag"):
        refused = amending.propose(eid="part_1__sec_4", action="insert_after", name=name, num="4A.",
                                   text="Some words.", expect=422)
        assert "provision element" in refused["error"]["message"]
    bad_heading = amending.propose(eid="part_1__sec_4", action="insert_after", name="section", num="4A.",
                                   heading="{{>x", text="Some words.", expect=422)
    assert bad_heading["error"]["code"] == "invalid_markup"
    control = amending.propose(eid=SUBSEC_1_2, text=amending.text_of(SUBSEC_1_2) + " x\x01y", expect=422)
    assert "U+0001" in str(control["error"])


def test_live_conflicts_drop_what_will_never_be_made_and_conflicts_with_keeps_the_record(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    a = amending.replace(SUBSEC_1_2, "thirty", "sixty", as_user="mp2")
    amending.move(a["id"], "tabled", "mp2")  # mp's amendments name it in their conflicts once it is public
    b = amending.replace(SUBSEC_1_2, "thirty", "ninety")
    c = amending.replace(SUBSEC_1_2, "thirty", "forty")

    def listed() -> dict[int, dict[str, Any]]:
        rows = client.get(f"/api/bills/{amending.bill_id}/amendments",
                          headers=users.headers("clerk")).get_json()["amendments"]
        return {row["id"]: row for row in rows}

    assert b["live_conflicts"] == [a["id"]] and c["live_conflicts"] == [a["id"], b["id"]]
    amending.move(a["id"], "withdrawn", "mp2")
    rows = listed()
    assert rows[b["id"]]["conflicts_with"] == [a["id"], c["id"]] and rows[b["id"]]["live_conflicts"] == [c["id"]]
    assert rows[a["id"]]["conflicts_with"] == [b["id"], c["id"]] and rows[a["id"]]["live_conflicts"] == []
    # Adopted and not yet consolidated, an amendment still stands against the others; consolidated, it is made.
    amending.adopt(b["id"])
    assert listed()[c["id"]]["live_conflicts"] == [b["id"]]
    assert client.get(f"/api/amendments/{c['id']}", headers=users.headers("mp")).get_json()["live_conflicts"] == [
        b["id"]]
    amending.move(c["id"], "withdrawn", "mp")
    assert _consolidate(client, users, amending.bill_id).status_code == 201
    rows = listed()
    assert rows[b["id"]]["live_conflicts"] == [] and rows[b["id"]]["conflicts_with"] == [a["id"], c["id"]]
