"""Every list of the API comes a page at a time: ``limit`` and an opaque ``cursor`` in, ``next`` out. Walking the
pages of a list larger than one page yields every item exactly once, in order, even when rows are added between
two pages; filters select the right items; a bad limit or cursor is a 422 that names the field."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from server.app import create_app
from server.services import webhook_delivery
from server.services.webhook_delivery import DeliverySettings
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import Accounts, make_config
from tests.server.opendata.conftest import DUTY, HIDDEN_WORDS, REGISTER, Scenario, import_bill, iso
from tests.server.opendata.test_notifications import add_with_email
from tests.server.opendata.test_webhooks import Receiver

SHORT_TITLE = "part_1__sec_1"
# Distinct wording, so that none of these joins another's cluster.
OPINIONS = [
    "Rural hearings need interpreters for every language spoken locally.",
    "Publish the register online with search by county and date.",
    "Thirty days ignores the planting season entirely.",
    "Clerks should accept submissions by text message too.",
    "Schools could host public readings of each bill.",
    "Disabled citizens need accessible venues and formats.",
    "Radio announcements reach far more households than websites.",
    "Minutes of every hearing must be published within a week.",
    "Petitions with many signatures deserve a written response.",
    "Youth councils ought to be consulted separately.",
    "Translations into Kiswahili should be free of charge.",
]
FORM_LETTER = "We support a ninety day consultation because farming families cannot attend hearings in harvest season."


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    # New accounts post many comments here; the burst rule would hold them for review.
    application = create_app(make_config(database_url, tmp_path, WEBHOOKS_ALLOW_PRIVATE=True,
                                         PUBLIC_URL="http://parley.test", BURST_MAX_POSTS=1000))
    yield application
    application.extensions["parley.db"].dispose()


def walk(client: FlaskClient, path: str, key: str, limit: int, headers: dict[str, str] | None = None,
         **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following ``next``; checks the page sizes and where ``next`` is null."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, query_string=query, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body[key]) <= limit
        pages.append(body[key])
        cursor = body["next"]
        if cursor is None:
            return pages
        assert len(body[key]) == limit, "only the last page may be short"
        assert len(pages) < 100, "the walk does not end"


def flat(pages: list[list[dict[str, Any]]], field: str = "id") -> list[Any]:
    return [item[field] for page in pages for item in page]


def everything(client: FlaskClient, path: str, key: str, headers: dict[str, str] | None = None,
               **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, query_string=params, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next"] is None
    items: list[dict[str, Any]] = response.get_json()[key]
    return items


# --- bills ------------------------------------------------------------------------------------------------


def test_bills_walked_page_by_page_are_each_seen_once_even_when_one_is_added_midway(
    client: FlaskClient, users: Accounts
) -> None:
    titles = ["Water Bill, 2026", "Forest Bill, 2026", "Water Rights Bill, 2026", "Roads Bill, 2026",
              "Fisheries Bill, 2026"]
    ids = [import_bill(client, users, str(20 + n), title) for n, title in enumerate(titles)]
    first = client.get("/api/bills", query_string={"limit": 2}).get_json()
    assert [b["id"] for b in first["bills"]] == ids[:2] and first["next"]
    late = import_bill(client, users, "40", "Late Bill, 2026")  # lands after the cursor: seen once, at the end
    rest = walk(client, "/api/bills", "bills", 2, cursor=first["next"])
    seen = [b["id"] for b in first["bills"]] + flat(rest)
    assert seen == [*ids, late]
    assert [b["id"] for b in everything(client, "/api/bills", "bills")] == seen  # the default page holds them all
    assert flat(walk(client, "/api/bills", "bills", 1)) == seen
    assert flat(walk(client, "/api/bills", "bills", 6)) == seen  # an exact multiple ends with a null next


def test_bills_are_filtered_by_title_words_status_and_time(client: FlaskClient, users: Accounts) -> None:
    water = import_bill(client, users, "21", "Water Bill, 2026")
    import_bill(client, users, "22", "Forest Bill, 2026")
    time.sleep(0.01)
    between = eventlog.utcnow().isoformat() + "Z"
    time.sleep(0.01)
    rights = import_bill(client, users, "23", "Water Rights Bill, 2026")

    def ids(**params: Any) -> list[int]:
        return [b["id"] for b in everything(client, "/api/bills", "bills", **params)]

    assert ids(title="water") == [water, rights]
    assert ids(title="RIGHTS water") == [rights]  # every word, any case, any order
    assert ids(title="100%") == [] and ids(title="_") == []  # LIKE wildcards are plain characters
    assert ids(status="drafting") == ids()  # a stage no bill can be at is refused (test_validation)
    assert ids(updated_since=between) == [rights]
    assert len(ids(updated_before=between)) == 2 and rights not in ids(updated_before=between)
    assert flat(walk(client, "/api/bills", "bills", 1, title="water", status="drafting")) == [water, rights]


def test_a_page_is_cut_by_the_database_not_after_reading_every_row(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    for n in range(3):
        import_bill(client, users, str(30 + n), f"Bill number {n}, 2026")
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # On PostgreSQL the read engine is the writer's with other options; it shares the writer's listeners.
    engines = {db.engine} | ({db.read_engine} if db.read_engine.pool is not db.engine.pool else set())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        first = client.get("/api/bills", query_string={"limit": 1}).get_json()
        client.get("/api/bills", query_string={"limit": 1, "cursor": first["next"]})
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    listing = [s for s in statements if "FROM bills" in s and "LIMIT" in s.upper()]
    assert len(listing) == 2, statements
    assert "bills.id >" in listing[1]  # keyset: the second page starts after the first one's last id


# --- comments ---------------------------------------------------------------------------------------------


def comment(scenario: Scenario, who: str, eid: str, body: str, **extra: Any) -> int:
    response = scenario.call("POST", f"/api/bills/{scenario.bill_id}/comments", who, json={
        "eid": eid, "body": body, **extra})
    assert response.status_code == 201, response.get_json()
    comment_id: int = response.get_json()["id"]
    return comment_id


@pytest.fixture
def discussed(scenario: Scenario) -> Scenario:
    """The scenario's bill with eleven more comments by three citizens on two provisions, and a campaign."""
    scenario.users.add("citizen3", "citizen")
    authors = ["citizen", "citizen2", "citizen3"]
    for n, opinion in enumerate(OPINIONS):
        comment(scenario, authors[n % 3], DUTY if n % 2 else REGISTER, opinion)
    for who in authors:
        comment(scenario, who, SHORT_TITLE, FORM_LETTER)
    return scenario


def test_comments_walked_page_by_page_are_each_seen_once(discussed: Scenario) -> None:
    path = f"/api/bills/{discussed.bill_id}/comments"
    visible = everything(discussed.client, path, "comments")
    assert len(visible) == 1 + len(OPINIONS) + 3  # the scenario's visible one, the opinions, the campaign
    assert [c["id"] for c in visible] == sorted(c["id"] for c in visible)
    for limit in (1, 4, 5):
        pages = walk(discussed.client, path, "comments", limit)
        assert flat(pages) == [c["id"] for c in visible]
        assert [c for page in pages for c in page] == visible  # the same items, described the same way


def test_campaign_sizes_count_the_whole_bill_not_the_page(discussed: Scenario) -> None:
    pages = walk(discussed.client, f"/api/bills/{discussed.bill_id}/comments", "comments", 1, eid=SHORT_TITLE)
    signatures = [c for page in pages for c in page]
    assert len(signatures) == 3
    assert {(c["cluster"]["size"], c["cluster"]["campaign"]) for c in signatures} == {(3, True)}
    clusters = walk(discussed.client, f"/api/bills/{discussed.bill_id}/clusters", "clusters", 1)
    [[campaign]] = clusters
    assert campaign["size"] == 3 and campaign["template"] == FORM_LETTER
    assert sorted(a["comment_id"] for a in campaign["additions"]) == sorted(c["id"] for c in signatures)[1:]


def test_comments_are_filtered_by_provision_and_author(discussed: Scenario) -> None:
    path = f"/api/bills/{discussed.bill_id}/comments"
    visible = everything(discussed.client, path, "comments")
    on_duty = [c["id"] for c in visible if c["eid"] == DUTY]
    assert len(on_duty) == 1 + len(OPINIONS) // 2
    assert flat(walk(discussed.client, path, "comments", 2, eid=DUTY)) == on_duty
    author = discussed.users.ids["citizen2"]
    by_author = [c["id"] for c in visible if c["author"]["id"] == author]
    assert len(by_author) == 4 + 1  # four opinions and the form letter
    assert flat(walk(discussed.client, path, "comments", 3, author=author)) == by_author
    both = flat(walk(discussed.client, path, "comments", 1, author=author, eid=DUTY))
    assert both and both == [i for i in on_duty if i in by_author]


def test_each_hidden_notice_comes_with_the_page_its_id_falls_in(discussed: Scenario) -> None:
    path = f"/api/bills/{discussed.bill_id}/comments"
    notices: list[int] = []
    cursor = None
    while True:
        body = discussed.client.get(path, query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}
                                    ).get_json()
        ids = [c["id"] for c in body["comments"]]
        for notice in body["hidden"]:
            notices.append(notice["id"])
            if body["next"] is not None:
                assert notice["id"] < ids[-1]
        cursor = body["next"]
        if cursor is None:
            break
    assert notices == [discussed.hidden_comment]
    everything_at_once = discussed.client.get(path).get_json()
    assert [h["id"] for h in everything_at_once["hidden"]] == [discussed.hidden_comment]
    assert everything_at_once["hidden"][0]["reason"] == "off topic"


def test_comments_in_other_states_are_for_clerks_and_their_authors(discussed: Scenario) -> None:
    path = f"/api/bills/{discussed.bill_id}/comments"
    held = comment(discussed, "citizen", DUTY, "Only an idiot would write thirty days.")
    withdrawn = comment(discussed, "citizen3", REGISTER, "On second thoughts, never mind.")
    assert discussed.call("DELETE", f"/api/comments/{withdrawn}", "citizen3").status_code == 204
    citizen2 = discussed.users.ids["citizen2"]

    def status(who: str | None, **params: Any) -> int:
        return int(discussed.call("GET", path, who, query_string=params).status_code)

    assert status(None, state="hidden") == 401
    assert status("citizen", state="hidden") == 403
    assert status("citizen", state="hidden", author=citizen2) == 403  # someone else's
    assert status("mp", state="held") == 403
    hidden = discussed.call("GET", path, "clerk", query_string={"state": "hidden"}).get_json()
    assert [c["id"] for c in hidden["comments"]] == [discussed.hidden_comment]
    assert hidden["comments"][0]["body"] == HIDDEN_WORDS and hidden["comments"][0]["state"] == "hidden"
    mine = discussed.call("GET", path, "citizen2", query_string={"state": "hidden", "author": citizen2}).get_json()
    assert [c["id"] for c in mine["comments"]] == [discussed.hidden_comment]
    held_list = flat(walk(discussed.client, path, "comments", 1, discussed.users.headers("admin"), state="held"))
    assert held_list == [held]
    own_withdrawn = discussed.call("GET", path, "citizen3", query_string={
        "state": "deleted", "author": discussed.users.ids["citizen3"]}).get_json()["comments"]
    assert [c["id"] for c in own_withdrawn] == [withdrawn]
    public = flat(walk(discussed.client, path, "comments", 4))
    assert held not in public and withdrawn not in public and discussed.hidden_comment not in public


# --- amendments, consultations ----------------------------------------------------------------------------


def propose(scenario: Scenario, who: str, eid: str, old: str, new: str) -> int:
    text = scenario.client.get(f"/api/bills/{scenario.bill_id}/provisions/{eid}").get_json()["text"]
    assert old in text
    response = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", who, json={
        "eid": eid, "text": text.replace(old, new), "justification": f"{old} to {new}"})
    assert response.status_code == 201, response.get_json()
    amendment_id: int = response.get_json()["id"]
    return amendment_id


def test_amendments_are_paged_and_filtered_by_state_proposer_and_provision(scenario: Scenario) -> None:
    scenario.users.add("mp2", "mp")
    ours = [propose(scenario, "mp", DUTY, "thirty", word) for word in ("forty", "fifty", "sixty")]
    theirs = [propose(scenario, "mp2", DUTY, "thirty", "seventy"),
              propose(scenario, "mp2", REGISTER, "register", "public register")]
    for amendment_id in (ours[0], theirs[1]):
        moved = scenario.call("POST", f"/api/amendments/{amendment_id}/transitions",
                              "mp" if amendment_id in ours else "mp2", json={"to": "tabled"})
        assert moved.status_code == 200, moved.get_json()
    path = f"/api/bills/{scenario.bill_id}/amendments"
    every = [scenario.amendment_id, *ours, *theirs]
    clerk = scenario.users.headers("clerk")  # who reads every draft
    assert flat(walk(scenario.client, path, "amendments", 2, clerk)) == every
    assert [a["id"] for a in everything(scenario.client, path, "amendments", clerk)] == every
    mp2 = scenario.users.ids["mp2"]
    assert flat(walk(scenario.client, path, "amendments", 1, clerk, proposer=mp2)) == theirs
    assert flat(walk(scenario.client, path, "amendments", 1, clerk, eid=REGISTER)) == [theirs[1]]
    assert flat(walk(scenario.client, path, "amendments", 1, state="tabled")) == [
        scenario.amendment_id, ours[0], theirs[1]]
    assert flat(walk(scenario.client, path, "amendments", 5, state="tabled", proposer=mp2, eid=REGISTER)) == [
        theirs[1]]
    assert flat(walk(scenario.client, path, "amendments", 5, clerk, state="draft", eid=DUTY, proposer=mp2)) == [
        theirs[0]]
    # Anyone else reads the tabled ones only, and each member their own drafts besides: pages are cut in the query.
    assert flat(walk(scenario.client, path, "amendments", 2)) == [scenario.amendment_id, ours[0], theirs[1]]
    assert flat(walk(scenario.client, path, "amendments", 2, scenario.users.headers("mp2"))) == [
        scenario.amendment_id, ours[0], *theirs]


def test_consultations_are_paged(scenario: Scenario) -> None:
    path = f"/api/bills/{scenario.bill_id}/consultations"
    for start in (40, 80):
        opened = scenario.call("POST", path, "clerk", json={"opens_at": iso(timedelta(days=start)),
                                                            "closes_at": iso(timedelta(days=start + 30))})
        assert opened.status_code == 201, opened.get_json()
    every = [c["id"] for c in everything(scenario.client, path, "consultations")]
    assert len(every) == 3
    assert flat(walk(scenario.client, path, "consultations", 1)) == every
    assert flat(walk(scenario.client, path, "consultations", 2)) == every


# --- moderation -------------------------------------------------------------------------------------------


def test_moderation_queue_and_history_are_paged(discussed: Scenario) -> None:
    visible = everything(discussed.client, f"/api/bills/{discussed.bill_id}/comments", "comments")
    flagged = [c["id"] for c in visible[:4]]
    for comment_id in flagged:
        flag = discussed.call("POST", f"/api/comments/{comment_id}/flags", "mp", json={"reason": "spam"})
        assert flag.status_code == 201, flag.get_json()
    clerk = discussed.users.headers("clerk")
    assert flat(walk(discussed.client, "/api/moderation/queue", "comments", 3, clerk)) == flagged
    for comment_id in flagged[:3]:
        decided = discussed.call("POST", f"/api/comments/{comment_id}/moderation", "clerk",
                                 json={"action": "hide", "reason": "spam"})
        assert decided.status_code == 200, decided.get_json()
    assert flat(walk(discussed.client, "/api/moderation/queue", "comments", 1, clerk)) == flagged[3:]
    acts = flat(walk(discussed.client, "/api/moderation/history", "acts", 2, clerk), "event_id")
    assert acts == sorted(acts, reverse=True) and len(set(acts)) == len(acts)
    assert len(acts) == 3 + 1  # these hides, and the scenario's
    default = discussed.client.get("/api/moderation/history", headers=clerk).get_json()
    assert [a["event_id"] for a in default["acts"]] == acts and default["next"] is None


# --- webhooks, deliveries, subscriptions ------------------------------------------------------------------


def test_webhooks_and_their_deliveries_are_paged(scenario: Scenario, db: Database) -> None:
    receiver = Receiver([])
    try:
        hooks = []
        for n in range(3):
            registered = scenario.call("POST", "/api/webhooks", "citizen", json={
                "url": f"{receiver.url}/{n}", "event_types": ["bill.imported"]})
            assert registered.status_code == 201, registered.get_json()
            hooks.append(registered.get_json()["id"])
        mine = scenario.users.headers("citizen")
        assert flat(walk(scenario.client, "/api/webhooks", "webhooks", 2, mine)) == hooks
        assert everything(scenario.client, "/api/webhooks", "webhooks", scenario.users.headers("citizen2")) == []
        for n in range(3):
            import_bill(scenario.client, scenario.users, str(50 + n), f"Delivered Bill {n}, 2026")
        settings = DeliverySettings(allow_private=True, first_retry_seconds=60, max_attempts=3, timeout_seconds=5)
        assert webhook_delivery.run_once(db, settings) == 9
        path = f"/api/webhooks/{hooks[0]}/deliveries"
        deliveries = walk(scenario.client, path, "deliveries", 2, mine)
        ids = flat(deliveries)
        assert len(ids) == 3 and ids == sorted(ids, reverse=True)  # newest first
        assert flat(walk(scenario.client, path, "deliveries", 1, mine, state="delivered")) == ids
        assert everything(scenario.client, path, "deliveries", mine, state="failed") == []
        assert scenario.call("GET", path, "citizen2").status_code == 403
    finally:
        receiver.close()


def test_subscriptions_are_paged_and_filtered(client: FlaskClient, users: Accounts, db: Database) -> None:
    first = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    second = import_bill(client, users, "8", "Second Bill, 2026")
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    made = []
    for body in ({"target": "bill", "bill_id": first}, {"target": "provision", "bill_id": first, "eid": DUTY},
                 {"target": "bill", "bill_id": second}, {"target": "provision", "bill_id": second, "eid": REGISTER}):
        response = client.post("/api/subscriptions", json=body, headers=users.headers("reader"))
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json()["id"])
    reader = users.headers("reader")
    assert flat(walk(client, "/api/subscriptions", "subscriptions", 3, reader)) == made
    assert flat(walk(client, "/api/subscriptions", "subscriptions", 1, reader, target="provision")) == [
        made[1], made[3]]
    assert flat(walk(client, "/api/subscriptions", "subscriptions", 1, reader, bill_id=second)) == made[2:]


# --- bad values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": 0}, "query.limit"),
    ({"limit": 1001}, "query.limit"),
    ({"limit": "ten"}, "query.limit"),
    ({"cursor": "not a cursor!"}, "query.cursor"),
    ({"cursor": "bm9wZQ"}, "query.cursor"),  # well formed, but not one the API gave out
    ({"cursor": "x" * 65}, "query.cursor"),
    ({"updated_since": "last tuesday"}, "query.updated_since"),
])
def test_a_bad_limit_or_cursor_is_a_422_that_names_the_field(
    client: FlaskClient, users: Accounts, query: dict[str, Any], field: str
) -> None:
    import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    response = client.get("/api/bills", query_string=query)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert [f["field"] for f in error["fields"]] == [field]
    assert field in error["message"]


def test_bad_paging_values_are_refused_on_every_paged_list(scenario: Scenario) -> None:
    bill = scenario.bill_id
    paths = [f"/api/bills/{bill}/comments", f"/api/bills/{bill}/amendments", f"/api/bills/{bill}/consultations",
             f"/api/bills/{bill}/clusters", "/api/moderation/queue", "/api/moderation/history", "/api/webhooks",
             "/api/subscriptions"]
    for path in paths:
        response = scenario.call("GET", path, "clerk", query_string={"limit": -1, "cursor": "%%"})
        assert response.status_code == 422, path
        assert {f["field"] for f in response.get_json()["error"]["fields"]} == {"query.limit", "query.cursor"}, path
        assert scenario.call("GET", path, "clerk", query_string={"limit": 1000}).status_code == 200, path


def test_every_list_declares_its_paging_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    paged = [(path, item["get"]) for path, item in document["paths"].items()
             if "get" in item and "next" in item["get"]["responses"]["200"].get("content", {}).get(
                 "application/json", {}).get("schema", {}).get("properties", {})]
    assert len(paged) >= 10
    for path, operation in paged:
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert {"limit", "cursor"} <= parameters.keys(), path
        assert parameters["limit"]["schema"]["default"] >= 100, path
    bills = {p["name"] for p in document["paths"]["/api/bills"]["get"]["parameters"]}
    assert {"status", "title", "updated_since", "updated_before"} <= bills
    comments = {p["name"] for p in document["paths"]["/api/bills/{bill_id}/comments"]["get"]["parameters"]}
    assert {"eid", "state", "author"} <= comments
    amendments = {p["name"] for p in document["paths"]["/api/bills/{bill_id}/amendments"]["get"]["parameters"]}
    assert {"state", "proposer", "eid"} <= amendments
