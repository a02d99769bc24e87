"""EU-style bills in the reader: comment tools on the provisions the API knows, and no consultation on a text
that has none. Their articles carry `xml:id`s and no eIds (LEOS, AKN4EU), so the API has no provision for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from server.services import accounts, bills
from server.services import consultation as consultations
from server.store.models import User
from tests.e2e.conftest import Pages, ready

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
THREE_ARTICLES = CORPUS / "leos__bill_3Articles.xml"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _import(app: Flask, content: bytes) -> int:
    with app.extensions["parley.db"].write() as session:
        drafter = accounts.principal_of(session.query(User).filter_by(username="drafter").one())
        return bills.import_bill(session, drafter, content).bill.id


def _open_consultation(app: Flask, bill: int) -> None:
    """A consultation open on ``bill`` for the next month, opened by the demo's clerk."""
    with app.extensions["parley.db"].write() as session:
        clerk = accounts.principal_of(session.query(User).filter_by(username="clerk").one())
        now = datetime.now(UTC).replace(tzinfo=None)
        consultations.open_consultation(session, clerk, bill, opens_at=now - timedelta(minutes=1),
                                        closes_at=now + timedelta(days=30))


def _three_articles() -> etree._Element:
    if not THREE_ARTICLES.exists():
        pytest.skip(f"the AKN corpus is not beside the repository ({THREE_ARTICLES} is absent)")
    return etree.fromstring(THREE_ARTICLES.read_bytes())


def test_only_the_provisions_the_api_knows_take_comments(pages: Pages, e2e_app: Flask) -> None:
    root = _three_articles()
    first = next(root.iter("{*}article"))
    first.set("eId", "art_1")  # Article 1 is a provision; Articles 2 and 3 keep their xml:id alone
    bill = _import(e2e_app, etree.tostring(root))
    _open_consultation(e2e_app, bill)
    reader = pages.new("citizen")
    reader.goto(f"/bills/{bill}")
    ready(reader)
    reader.locator(".consultation-state", has_text="Public consultation open until").wait_for()
    buttons = reader.locator(".comment-button")
    buttons.first.wait_for()
    assert [buttons.nth(i).get_attribute("data-eid") for i in range(buttons.count())] == ["art_1"]
    # Article 2 is read, and can be linked to as an anchor, but is no provision: no link to a page, no comment.
    assert reader.locator("section#art_2").count() == 1
    assert reader.locator("section#art_2 .provision-tools").count() == 0
    buttons.first.click()
    reader.get_by_label("Your comment").fill("Article 1 should say which bodies it covers.")
    reader.get_by_role("button", name="Post comment").click()
    reader.locator("#comments-body .message", has_text="published").wait_for()
    reader.locator('.comment-button[data-eid="art_1"]', has_text="Comment (1)").wait_for()


def test_a_clerk_is_told_a_text_without_provisions_cannot_be_consulted_on(pages: Pages, e2e_app: Flask) -> None:
    bill = _import(e2e_app, etree.tostring(_three_articles()))
    clerk = pages.new("clerk")
    clerk.goto(f"/bills/{bill}")
    ready(clerk)
    clerk.get_by_text("Open a public consultation").click()
    clerk.get_by_label("Opens (UTC)").fill((datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    clerk.get_by_label("Closes (UTC)").fill((datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    clerk.get_by_role("button", name="Open the consultation").click()
    message = clerk.locator("#consultation-message")
    message.filter(has_text="no provision a comment could be about").wait_for()
    assert message.inner_text().startswith("Refused")
    pages.expect_refusal(409)
    assert clerk.locator("#consultation-list li").count() == 0
    assert clerk.locator(".consultation-state").count() == 0
    assert clerk.locator(".comment-button").count() == 0


SCOTTISH_ACT = CORPUS / "legaldocml__uk_asp-2017-1-enacted.xml"


def test_comment_tools_name_a_provision_by_its_headings_words_without_its_note_marker(pages: Pages,
                                                                                     e2e_app: Flask) -> None:
    # The Scottish act is pretty-printed, and each schedule's heading holds a side note ("introduced by section
    # 1"), shown as a numbered note marker: the comment button and the panel say the heading's words alone.
    if not SCOTTISH_ACT.exists():
        pytest.skip(f"the AKN corpus is not beside the repository ({SCOTTISH_ACT} is absent)")
    bill = _import(e2e_app, SCOTTISH_ACT.read_bytes())
    _open_consultation(e2e_app, bill)
    reader = pages.new("citizen")
    reader.goto(f"/bills/{bill}")
    ready(reader)
    schedule = reader.locator('.comment-button[data-eid="schedule-1"]')
    assert schedule.get_attribute("aria-label") == "Comment: Schedule 1 — THE SCOTTISH ADMINISTRATION"
    crossheading = reader.locator('.comment-button[data-eid="part-1-crossheading-use-of-resources-etc"]')
    assert crossheading.get_attribute("aria-label") == "Comment: Part 1 — Use of resources etc."
    schedule.click()
    reader.locator("#comments-heading", has_text="Schedule 1").wait_for()
    assert reader.inner_text("#comments-heading").endswith("Schedule 1 — THE SCOTTISH ADMINISTRATION")
