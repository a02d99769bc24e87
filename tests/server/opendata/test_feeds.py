"""Atom feeds parse with feedparser and carry public bill events only, newest first, without personal data."""

from __future__ import annotations

import re

import feedparser

from server.domain.opendata import PUBLIC_EVENT_TYPES
from tests.server.opendata.conftest import HIDDEN_WORDS, VISIBLE_WORDS, Scenario, import_bill


def test_site_feed_lists_public_events_newest_first(scenario: Scenario) -> None:
    response = scenario.client.get("/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Parley: public activity"
    kinds = [entry.tags[0].term for entry in feed.entries]
    assert kinds[0] == "consultation.opened"
    assert kinds[-1] == "bill.imported"
    assert "amendment.tabled" in kinds and "amendment.drafted" not in kinds  # a draft is its member's own
    assert set(kinds) <= PUBLIC_EVENT_TYPES
    assert all(entry.title.startswith("Consultation Duty Bill, 2026: ") for entry in feed.entries)
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)


def test_an_entry_holds_the_events_public_wire_form_as_webhooks_send_it(scenario: Scenario) -> None:
    import json

    events = {e["id"]: e for e in scenario.client.get(f"/api/bills/{scenario.bill_id}/events").get_json()["events"]}
    feed = feedparser.parse(scenario.client.get("/feed.atom").data)
    assert feed.entries
    for entry in feed.entries:
        content = json.loads(entry.content[0].value)
        assert set(content) == {"id", "type", "bill", "at", "data"}
        event = events[content["id"]]
        assert content["at"] == event["at"] and content["at"].endswith("Z")
        assert (content["type"], content["bill"]) == (event["type"], event["bill"])
    opened = next(e for e in events.values() if e["type"] == "consultation.opened")
    # Every time the API publishes is UTC and says so.
    assert opened["data"]["opens_at"].endswith("Z") and opened["data"]["closes_at"].endswith("Z")
    consultation = scenario.client.get(f"/api/bills/{scenario.bill_id}/consultations").get_json()["consultations"][0]
    assert (opened["data"]["opens_at"], opened["data"]["closes_at"]) == (consultation["opens_at"],
                                                                         consultation["closes_at"])


def test_feeds_carry_no_personal_data_nor_comments(scenario: Scenario) -> None:
    body = scenario.client.get("/feed.atom").get_data(as_text=True)
    body += scenario.client.get(f"/api/bills/{scenario.bill_id}/feed.atom").get_data(as_text=True)
    for private in ("citizen", VISIBLE_WORDS, HIDDEN_WORDS, "user.registered", "actor"):
        assert private not in body, private
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", body), "an email address leaked into a feed"


def test_bill_feed_holds_only_that_bill(scenario: Scenario) -> None:
    other = import_bill(scenario.client, scenario.users, "8", "Other Bill, 2026")
    feed = feedparser.parse(scenario.client.get(f"/api/bills/{other}/feed.atom").data)
    assert not feed.bozo
    assert feed.feed.title == "Parley: Other Bill, 2026"
    assert [entry.tags[0].term for entry in feed.entries] == ["bill.imported"]
    assert feed.feed.links[0].href.endswith(f"/api/bills/{other}/feed.atom")
    site = feedparser.parse(scenario.client.get("/feed.atom").data)
    assert site.entries[0].title == "Other Bill, 2026: Bill introduced"


def test_unknown_bill_feed_is_a_json_404(scenario: Scenario) -> None:
    response = scenario.client.get("/api/bills/999/feed.atom")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unchanged_feed_answers_304(scenario: Scenario) -> None:
    first = scenario.client.get("/feed.atom")
    again = scenario.client.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_feed_reads_in_english_unless_its_reader_asks_for_another_language(scenario: Scenario) -> None:
    response = scenario.client.get("/feed.atom", headers={"Accept-Language": "en"})
    assert "Accept-Language" in response.headers["Vary"]
    feed = feedparser.parse(response.data)
    assert (feed.feed.title, feed.feed.language) == ("Parley: public activity", "en")
    assert feed.entries[0].title == "Consultation Duty Bill, 2026: Public consultation opened"
    bill = feedparser.parse(scenario.client.get(f"/api/bills/{scenario.bill_id}/feed.atom").data)
    assert bill.feed.title == "Parley: Consultation Duty Bill, 2026" and bill.feed.language == "en"
    # Named by its order-paper number (never by its database id) and the provision it amends.
    assert "Consultation Duty Bill, 2026: Amendment 1 (section 3(1)) tabled" in {entry.title for entry in bill.entries}


def test_a_feed_reads_in_french_when_its_reader_asks_for_it(scenario: Scenario) -> None:
    english = scenario.client.get("/feed.atom")
    asked = scenario.client.get("/feed.atom", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert asked.headers["ETag"] != english.headers["ETag"], "a cache must not answer one language with the other"
    for response in (asked, scenario.client.get(f"/api/bills/{scenario.bill_id}/feed.atom?lang=fr")):
        feed = feedparser.parse(response.data)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.language == "fr"
        # Parley's words are French; the bill's title is the bill's, as it was tabled.
        assert feed.feed.title in {"Parley : activité publique", "Parley : Consultation Duty Bill, 2026"}
        titles = [entry.title for entry in feed.entries]
        assert titles[0] == "Consultation Duty Bill, 2026 : Consultation publique ouverte"
        assert titles[-1] == "Consultation Duty Bill, 2026 : Projet de loi déposé"
        assert "Consultation Duty Bill, 2026 : Amendement 1 (section 3(1)) déposé" in titles
