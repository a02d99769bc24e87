"""An amendment is its member's own until tabled: its proposer, its co-sponsors, the clerks and the admins read the
draft and its events; to anyone else it does not exist, in every place amendments or events are read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.domain.amendments import AmendmentEvent
from server.store.db import Database
from tests.server.amendments.conftest import SUBSEC_1_2, Amending
from tests.server.conftest import Accounts, LiveServer, cosponsor_draft
from tests.server.drafting.conftest import Watcher

READERS = ("mp", "mp2", "clerk", "admin")  # the proposer, a co-sponsor, the procedure's officers
OUTSIDERS = (None, "citizen", "drafter", "mp3")  # anonymous, and everyone else signed in

Headers = Callable[[str | None], dict[str, str]]


@pytest.fixture
def headers(users: Accounts) -> Headers:
    def of(who: str | None) -> dict[str, str]:
        return users.headers(who) if who else {}

    return of


def cosponsored_draft(amending: Amending, db: Database, users: Accounts, text: str = "sixty") -> dict[str, Any]:
    """A draft by "mp" that "mp2" co-sponsors (as the log may hold one from before drafts were private: nobody
    else can read a draft to put their name to it now)."""
    users.add("mp3", "mp")
    draft = amending.replace(SUBSEC_1_2, "thirty", text, justification="A longer consultation.")
    cosponsor_draft(db, amending.bill_id, draft["id"], users.ids["mp2"])
    return draft


def events_of(client: FlaskClient, bill_id: int, who: dict[str, str], after: int = 0) -> dict[str, Any]:
    response = client.get(f"/api/bills/{bill_id}/events", query_string={"after": after}, headers=who)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def steps_of(events: list[dict[str, Any]], amendment_id: int) -> list[str]:
    return [e["type"] for e in events if e["data"].get("amendment_id") == amendment_id]


def test_a_draft_is_read_by_its_proposer_cosponsors_and_clerks_only(
    amending: Amending, client: FlaskClient, db: Database, users: Accounts, headers: Headers
) -> None:
    draft = cosponsored_draft(amending, db, users)
    made_up = client.get("/api/amendments/9999", headers=headers("citizen")).get_json()
    for who in READERS:
        assert client.get(f"/api/amendments/{draft['id']}", headers=headers(who)).status_code == 200, who
        listed = client.get(f"/api/bills/{amending.bill_id}/amendments", headers=headers(who)).get_json()
        assert [a["id"] for a in listed["amendments"]] == [draft["id"]], who
        assert client.get(draft["akn_uri"], headers={**headers(who), "Accept": "application/akn+xml"}
                          ).status_code == 200, who
        assert client.get(f"/amendments/{draft['id']}", headers=headers(who)).status_code == 200, who
        record = client.get(f"/api/mps/{users.ids['mp']}", headers=headers(who)).get_json()
        assert [a["id"] for a in record["amendments"]] == [draft["id"]], who
        assert steps_of(events_of(client, amending.bill_id, headers(who))["events"], draft["id"]) == [
            AmendmentEvent.DRAFTED, AmendmentEvent.COSPONSOR_ADDED], who
        found = client.get("/api/search", query_string={"q": "sixty", "type": "amendment"}, headers=headers(who))
        assert [r["bill_id"] for r in found.get_json()["results"]] == [amending.bill_id], who
    for who in OUTSIDERS:
        refused = client.get(f"/api/amendments/{draft['id']}", headers=headers(who))
        # The answer for an id never given, but for the id: the draft's existence is not revealed.
        assert refused.status_code == 404, who
        assert refused.get_json()["error"]["code"] == made_up["error"]["code"]
        assert refused.get_json()["error"]["message"] == made_up["error"]["message"].replace("9999", str(draft["id"]))
        listed = client.get(f"/api/bills/{amending.bill_id}/amendments", headers=headers(who)).get_json()
        assert listed["amendments"] == [], who
        assert client.get(draft["akn_uri"], headers={**headers(who), "Accept": "application/akn+xml"}
                          ).status_code == 404, who
        assert client.get(f"/api/amendments/{draft['id']}/akn", headers=headers(who)).status_code == 404, who
        assert client.get(f"/amendments/{draft['id']}", headers=headers(who)).status_code == 404, who
        record = client.get(f"/api/mps/{users.ids['mp']}", headers=headers(who)).get_json()
        assert record["amendments"] == [] and record["outcomes"] == {}, who
        cosponsored = client.get(f"/api/mps/{users.ids['mp2']}", headers=headers(who)).get_json()
        assert cosponsored["cosponsorships"] == [], who
        assert draft["instruction"] not in client.get(f"/mps/{users.ids['mp']}", headers=headers(who)).text, who
        assert steps_of(events_of(client, amending.bill_id, headers(who))["events"], draft["id"]) == [], who
        found = client.get("/api/search", query_string={"q": "sixty", "type": "amendment"}, headers=headers(who))
        assert found.get_json()["results"] == [], who
    for feed in ("/feed.atom", f"/api/bills/{amending.bill_id}/feed.atom"):
        assert "amendment.drafted" not in client.get(feed).text
        assert "gained a co-sponsor" not in client.get(feed).text


def test_once_tabled_everyone_reads_it_and_learns_it_from_its_tabling(
    amending: Amending, client: FlaskClient, db: Database, users: Accounts, headers: Headers
) -> None:
    draft = cosponsored_draft(amending, db, users)
    before = events_of(client, amending.bill_id, {})["last_event_id"]
    amending.move(draft["id"], "tabled", "mp")
    for who in (*READERS, *OUTSIDERS):
        assert client.get(f"/api/amendments/{draft['id']}", headers=headers(who)).get_json()["number"] == 1, who
        listed = client.get(f"/api/bills/{amending.bill_id}/amendments", headers=headers(who)).get_json()
        assert [a["id"] for a in listed["amendments"]] == [draft["id"]], who
        assert client.get(draft["akn_uri"], headers={**headers(who), "Accept": "application/akn+xml"}
                          ).status_code == 200, who
        record = client.get(f"/api/mps/{users.ids['mp2']}", headers=headers(who)).get_json()
        assert [a["id"] for a in record["cosponsorships"]] == [draft["id"]], who
    # A public reader that missed the draft's events learns the amendment from its tabling.
    public = events_of(client, amending.bill_id, {}, after=0)["events"]
    assert steps_of(public, draft["id"]) == [AmendmentEvent.TABLED]
    (tabled,) = [e for e in events_of(client, amending.bill_id, {}, after=before)["events"]
                 if e["type"] == AmendmentEvent.TABLED]
    assert tabled["data"]["instruction"] == draft["instruction"] and tabled["data"]["eid"] == SUBSEC_1_2
    assert "sixty" in tabled["data"]["new_text"] and tabled["data"]["cosponsor_ids"] == [users.ids["mp2"]]
    # The draft's own history stays with those who could read the draft.
    assert steps_of(events_of(client, amending.bill_id, headers("mp"))["events"], draft["id"]) == [
        AmendmentEvent.DRAFTED, AmendmentEvent.COSPONSOR_ADDED, AmendmentEvent.TABLED]
    feed = client.get(f"/api/bills/{amending.bill_id}/feed.atom").text
    assert "Amendment 1" in feed and "amendment.tabled" in feed
    assert "amendment.drafted" not in feed


def test_a_draft_withdrawn_stays_private(
    amending: Amending, client: FlaskClient, db: Database, users: Accounts, headers: Headers
) -> None:
    draft = cosponsored_draft(amending, db, users)
    amending.move(draft["id"], "withdrawn", "mp")
    for who in OUTSIDERS:
        assert client.get(f"/api/amendments/{draft['id']}", headers=headers(who)).status_code == 404, who
        assert steps_of(events_of(client, amending.bill_id, headers(who))["events"], draft["id"]) == [], who
    assert client.get(f"/api/amendments/{draft['id']}", headers=headers("clerk")).get_json()["state"] == "withdrawn"
    cosponsors_view = events_of(client, amending.bill_id, headers("mp2"))["events"]
    assert steps_of(cosponsors_view, draft["id"])[-1] == AmendmentEvent.WITHDRAWN
    assert "withdrawn" not in client.get(f"/api/bills/{amending.bill_id}/feed.atom").text


def test_another_member_can_neither_table_nor_cosponsor_a_draft_they_cannot_see(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    draft = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    for action, body in (("cosponsors", None), ("transitions", {"to": "tabled"})):
        refused = client.post(f"/api/amendments/{draft['id']}/{action}", json=body, headers=users.headers("mp2"))
        assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found", action
    assert client.get(f"/api/amendments/{draft['id']}", headers=users.headers("mp")).get_json()["cosponsor_ids"] == []


def test_conflicts_name_only_the_drafts_the_reader_may_see(
    amending: Amending, client: FlaskClient, users: Accounts, headers: Headers
) -> None:
    tabled = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    amending.move(tabled["id"], "tabled", "mp")
    draft = amending.replace(SUBSEC_1_2, "thirty", "ninety", as_user="mp2")
    assert draft["conflicts_with"] == [tabled["id"]]
    for who, seen in (("mp2", [draft["id"]]), ("clerk", [draft["id"]]), ("mp", []), (None, [])):
        one = client.get(f"/api/amendments/{tabled['id']}", headers=headers(who)).get_json()
        assert one["conflicts_with"] == seen and one["live_conflicts"] == seen, who
        listed = client.get(f"/api/bills/{amending.bill_id}/amendments", headers=headers(who)).get_json()
        assert [a["conflicts_with"] for a in listed["amendments"] if a["id"] == tabled["id"]] == [seen], who
    # A member drafting against the same words is not told of another member's draft either.
    text = amending.text_of(SUBSEC_1_2).replace("thirty", "forty", 1)
    preview = client.post(f"/api/bills/{amending.bill_id}/amendments/preview", json={"eid": SUBSEC_1_2, "text": text},
                          headers=users.headers("mp"))
    assert preview.get_json()["conflicts_with"] == [tabled["id"]]


def test_a_reader_resumes_past_events_it_may_not_see(
    amending: Amending, client: FlaskClient, users: Accounts
) -> None:
    start = events_of(client, amending.bill_id, {})["last_event_id"]
    drafts = [amending.replace(SUBSEC_1_2, "thirty", word) for word in ("forty", "fifty", "sixty")]
    amending.move(drafts[-1]["id"], "tabled", "mp")
    after, seen, pages = start, [], 0
    while True:
        pages += 1
        assert pages < 10, "the reader must move on past what it may not see"
        response = client.get(f"/api/bills/{amending.bill_id}/events", query_string={"after": after, "limit": 2})
        body = response.get_json()
        seen += body["events"]
        if body["last_event_id"] == after:
            break
        assert body["last_event_id"] > after
        after = body["last_event_id"]
    assert [e["type"] for e in seen] == [AmendmentEvent.TABLED]
    assert pages >= 3  # pages of drafts' events only came back empty, and the reader moved on past them


# --- live -----------------------------------------------------------------------------------------------------


@pytest.fixture
def watchers(live_server: LiveServer, users: Accounts) -> Iterator[dict[str | None, Watcher]]:
    users.add("mp3", "mp")
    opened = {who: Watcher(live_server.url, users.tokens[who] if who else None) for who in (*READERS, *OUTSIDERS)}
    yield opened
    for watcher in opened.values():
        watcher.close()


def _types(watcher: Watcher, amendment_id: int) -> list[str]:
    return steps_of(list(watcher.events), amendment_id)


def test_live_events_of_a_draft_reach_only_those_who_may_read_it(
    app: Flask, amending: Amending, db: Database, users: Accounts, watchers: dict[str | None, Watcher]
) -> None:
    for watcher in watchers.values():
        assert watcher.call("join", {"bill": amending.bill_id, "since": None, "provisions": False})["ok"]
    since = events_of(amending.client, amending.bill_id, {})["last_event_id"]
    draft = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    cosponsor_draft(db, amending.bill_id, draft["id"], users.ids["mp2"])
    amending.move(draft["id"], "tabled", "mp")
    drafted = [AmendmentEvent.DRAFTED, AmendmentEvent.COSPONSOR_ADDED, AmendmentEvent.TABLED]
    for who in READERS:
        # The co-sponsor hears of the draft from the moment their name is on it.
        expected = drafted[1:] if who == "mp2" else drafted
        assert watchers[who].wait_for(lambda w=who, e=expected: _types(watchers[w], draft["id"]) == e), (
            who, _types(watchers[who], draft["id"]))
    for who in OUTSIDERS:
        assert watchers[who].wait_for(lambda w=who: AmendmentEvent.TABLED in _types(watchers[w], draft["id"]))
        assert _types(watchers[who], draft["id"]) == [AmendmentEvent.TABLED], who
        (tabled,) = [e for e in watchers[who].events if e["type"] == AmendmentEvent.TABLED]
        assert tabled["data"]["instruction"] == draft["instruction"]
    # Joining again with `since`: the ack holds the missed events this reader may read, and nothing else.
    for who in (*READERS, *OUTSIDERS):
        ack = watchers[who].call("join", {"bill": amending.bill_id, "since": since, "provisions": False})
        expected = drafted if who in READERS else [AmendmentEvent.TABLED]
        assert steps_of(ack["events"], draft["id"]) == expected, who


def test_a_draft_event_reaches_no_outsider_following_the_site(
    amending: Amending, live_server: LiveServer, users: Accounts
) -> None:
    watcher = Watcher(live_server.url)
    try:
        assert watcher.call("follow_public", {})["ok"]
        draft = amending.replace(SUBSEC_1_2, "thirty", "sixty")
        amending.move(draft["id"], "tabled", "mp")
        assert watcher.wait_for(lambda: AmendmentEvent.TABLED in _types(watcher, draft["id"]))
        assert _types(watcher, draft["id"]) == [AmendmentEvent.TABLED]
    finally:
        watcher.close()
