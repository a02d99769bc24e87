"""What a feed lists and how far back it reaches: edits of the working text stay out (they would push amendments
and versions out of the latest entries), and older entries are a ``next`` link away (RFC 5005 paged feeds)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
from flask.testing import FlaskClient

from server.domain import textpatch
from server.domain.events import EventType
from server.domain.opendata import FEED_EVENT_TYPES
from server.services import accounts, drafting
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.opendata.conftest import DUTY, REGISTER, import_bill


def edit(db: Database, users: Accounts, bill_id: int, times: int) -> None:
    """``times`` operations of the live editor on one provision, as a drafter typing makes them."""
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        for n in range(times):
            provision = drafting.find_provision(session, bill_id, DUTY)
            text, rev = provision.text, provision.rev
            drafting.edit_provision(session, drafter, bill_id=bill_id, eid=DUTY, rev=rev,
                                    patch=textpatch.make_patch(text, text + "x"), op_id=f"typing-{bill_id}-{n}",
                                    max_chars=100_000)


def propose(client: FlaskClient, users: Accounts, bill_id: int, eid: str = DUTY) -> int:
    """An amendment drafted and tabled: a draft is its member's own, and never reaches a feed."""
    text = client.get(f"/api/bills/{bill_id}/provisions/{eid}").get_json()["text"]
    response = client.post(f"/api/bills/{bill_id}/amendments", headers=users.headers("mp"),
                           json={"eid": eid, "text": text + " Provided that", "justification": "Needed."})
    assert response.status_code == 201, response.get_json()
    amendment_id: int = response.get_json()["id"]
    tabled = client.post(f"/api/amendments/{amendment_id}/transitions", headers=users.headers("mp"),
                         json={"to": "tabled"})
    assert tabled.status_code == 200, tabled.get_json()
    return amendment_id


def parse(client: FlaskClient, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    return feed


def link(feed: Any, rel: str) -> str | None:
    hrefs = [item.href for item in feed.feed.links if item.rel == rel]
    assert len(hrefs) <= 1, hrefs
    return hrefs[0] if hrefs else None


def local(href: str) -> str:
    """The path and query of a feed link (links are absolute, on PUBLIC_URL)."""
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == "http://parley.test", href
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def event_ids(feed: Any) -> list[int]:
    return [json.loads(entry.content[0].value)["id"] for entry in feed.entries]


def walk(client: FlaskClient, url: str) -> list[Any]:
    """Every page of a feed, from ``url`` along its ``next`` links."""
    pages = [parse(client, url)]
    while (following := link(pages[-1], "next")) is not None:
        pages.append(parse(client, local(following)))
        assert len(pages) < 100
    return pages


def test_edits_of_the_working_text_stay_out_of_the_feeds(client: FlaskClient, users: Accounts,
                                                        db: Database) -> None:
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    propose(client, users, bill_id)
    edit(db, users, bill_id, 60)  # more than a feed page holds
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    propose(client, users, bill_id, REGISTER)

    for url in ("/feed.atom", f"/api/bills/{bill_id}/feed.atom"):
        feed = parse(client, url)
        assert [entry.tags[0].term for entry in feed.entries] == [
            "amendment.tabled", "version.published", "amendment.tabled", "bill.imported"]
        assert link(feed, "next") is None
    # The edits are still public where their subscribers follow them: the bill's events (and webhooks, mail and
    # the live stream, which read the same public types).
    events = client.get(f"/api/bills/{bill_id}/events").get_json()["events"]
    assert sum(e["type"] == EventType.PROVISION_EDITED for e in events) == 60
    assert EventType.PROVISION_EDITED not in FEED_EVENT_TYPES


def test_older_entries_are_reached_through_next_links_without_a_gap_or_a_repeat(client: FlaskClient,
                                                                              users: Accounts,
                                                                              db: Database) -> None:
    client.application.config["FEED_ENTRIES"] = 3
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    other = import_bill(client, users, "8", "Other Bill, 2026")
    for _ in range(3):
        propose(client, users, bill_id)
        propose(client, users, other)
        edit(db, users, bill_id, 2)
    listed = [e["id"] for e in client.get(f"/api/bills/{bill_id}/events").get_json()["events"]
              if e["type"] in FEED_EVENT_TYPES]
    assert len(listed) == 4

    pages = walk(client, f"/api/bills/{bill_id}/feed.atom")
    assert [len(page.entries) for page in pages] == [3, 1]
    assert [i for page in pages for i in event_ids(page)] == sorted(listed, reverse=True)
    first, last = pages
    assert local(link(first, "self") or "") == f"/api/bills/{bill_id}/feed.atom"
    assert link(first, "first") == link(first, "self") == link(last, "first")
    assert local(link(last, "self") or "") == local(link(first, "next") or "")

    # The site feed holds both bills; events appended while a reader walks back shift no page it has yet to read.
    site = parse(client, "/feed.atom")
    propose(client, users, other)
    rest = walk(client, local(link(site, "next") or ""))
    walked = event_ids(site) + [i for page in rest for i in event_ids(page)]
    assert len(walked) == len(set(walked)) == 8
    assert walked == sorted(walked, reverse=True)


def test_a_page_answers_304_while_it_is_unchanged(client: FlaskClient, users: Accounts) -> None:
    client.application.config["FEED_ENTRIES"] = 2
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    for _ in range(3):
        propose(client, users, bill_id)
    older = local(link(parse(client, "/feed.atom"), "next") or "")
    first, page = client.get("/feed.atom"), client.get(older)
    propose(client, users, bill_id)
    # The latest entries changed; an older page did not (its entries come before the cursor, and the log is
    # append-only).
    assert client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    assert client.get(older, headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_a_page_links_to_pages_in_its_own_language(client: FlaskClient, users: Accounts) -> None:
    client.application.config["FEED_ENTRIES"] = 1
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    propose(client, users, bill_id)
    feed = parse(client, "/feed.atom", **{"Accept-Language": "fr"})
    following = link(feed, "next") or ""
    assert parse_qs(urlsplit(following).query)["lang"] == ["fr"]
    assert parse(client, local(following)).feed.language == "fr"
    # (Following a link with ?lang= remembers the choice in the session, as pages do: ask afresh.)
    english = client.application.test_client()
    assert "lang" not in (link(parse(english, "/feed.atom"), "next") or "")


def test_a_cursor_the_feed_did_not_give_is_a_json_422(client: FlaskClient, users: Accounts) -> None:
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    for url in ("/feed.atom?cursor=not-a-cursor", f"/api/bills/{bill_id}/feed.atom?cursor=%25"):
        response = client.get(url)
        assert response.status_code == 422, url
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and "cursor" in error["message"]
