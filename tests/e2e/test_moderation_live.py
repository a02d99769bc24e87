"""The moderation page follows what clerks decide: its tallies and lists change at once when this clerk decides a
comment, and when another clerk (or the same one, in another window) does, without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Pages, ready
from tests.e2e.test_consultation import post_as

pytestmark = pytest.mark.browser


def reported(pages: Pages, *comment_ids: int, by: str = "citizen2") -> None:
    reporter = pages.new(by)
    for comment_id in comment_ids:
        assert post_as(reporter, f"/api/comments/{comment_id}/flags", {"reason": "off_topic"}) == 201


def moderation_page(pages: Pages, user: str, lang: str = "en") -> Any:
    page = pages.new(user)
    page.goto(f"/moderation?lang={lang}")
    ready(page)
    return page


def tally(page: Any, name: str) -> Any:
    return page.locator(f'[data-tally="{name}"]')


def following(page: Any) -> None:
    """Waits until the page's live connection follows the moderation acts (its tallies say what they count)."""
    page.wait_for_selector("[data-tally=waiting][data-counted]", state="attached")


def hidden_total(page: Any) -> int:
    return int(tally(page, "hidden").get_attribute("data-total") or 0)


def test_both_clerks_pages_follow_each_decision(pages: Pages) -> None:
    reported(pages, 1, 2)
    clerk = moderation_page(pages, "clerk")
    admin = moderation_page(pages, "admin")
    hidden = hidden_total(clerk)
    for page in (clerk, admin):
        expect(tally(page, "waiting")).to_have_text("Waiting for a clerk: 2.")
        expect(page.locator(".queued-comment")).to_have_count(2)
    # Let the other page's live connection follow the moderation acts before the first one is taken.
    following(admin)

    item = clerk.locator('.queued-comment[data-comment="1"]')
    item.get_by_label("Reason", exact=True).fill("off topic")
    item.locator("button[value=hide]").click()
    # The acting page: the comment leaves, both tallies change, without a reload.
    expect(item).to_have_count(0)
    expect(tally(clerk, "waiting")).to_have_text("Waiting for a clerk: 1.")
    expect(tally(clerk, "hidden")).to_have_text(re.compile(rf"^Hidden comments: {hidden + 1}\."))
    # The other page: the same, and it says why the comment went.
    expect(admin.locator('.queued-comment[data-comment="1"]')).to_have_count(0)
    expect(admin.locator(".queued-comment")).to_have_count(1)
    expect(tally(admin, "waiting")).to_have_text("Waiting for a clerk: 1.")
    expect(tally(admin, "hidden")).to_have_text(re.compile(rf"^Hidden comments: {hidden + 1}\."))
    expect(admin.locator("#moderation-message")).to_have_text(
        "Comment 1 was hidden meanwhile, by another clerk or in another window: it has left this list.")

    # And the other way round: the admin keeps comment 2 published; the clerk's page follows.
    admin.locator('.queued-comment[data-comment="2"] button[value=restore]').click()
    expect(tally(admin, "waiting")).to_be_hidden()
    expect(clerk.locator('.queued-comment[data-comment="2"]')).to_have_count(0)
    expect(clerk.locator(".queue-empty")).to_have_text("Nothing waits for moderation.")
    expect(tally(clerk, "waiting")).to_be_hidden()
    expect(tally(clerk, "hidden")).to_have_text(re.compile(rf"^Hidden comments: {hidden + 1}\."))
    expect(clerk.locator("#moderation-message")).to_have_text(
        "Comment 2 was published meanwhile, by another clerk or in another window: it has left this list.")
    # The live region of the page (what screen readers hear) was told too.
    expect(clerk.locator("#live-status")).to_have_text(re.compile("Comment 2 was published meanwhile"))

    # A comment newly reported elsewhere is counted at once, though the list shows it only on a reload: the page
    # says so, and no longer says beneath the count that nothing waits.
    reported(pages, 3, by="citizen")
    for page in (clerk, admin):
        expect(tally(page, "waiting")).to_have_text(
            "Waiting for a clerk: 1. None of them is shown here: reload the page to see them.")
        expect(page.locator('[data-empty-of="waiting"]')).to_be_hidden()
    # Nothing was hidden when the pages were loaded: the one hidden since is counted, not "none is hidden".
    assert hidden == 0
    expect(clerk.locator('[data-empty-of="hidden"]')).to_be_hidden()
    expect(tally(clerk, "hidden")).to_have_text(
        "Hidden comments: 1. None of them is shown here: reload the page to see them.")


def test_the_last_comment_decided_elsewhere_empties_the_queue_in_french(pages: Pages) -> None:
    reported(pages, 1)
    clerk = moderation_page(pages, "clerk", "fr")
    admin = moderation_page(pages, "admin", "fr")
    expect(tally(clerk, "waiting")).to_have_text("En attente d\u2019un greffier : 1.")
    following(clerk)
    admin.locator('.queued-comment[data-comment="1"] button[value=restore]').click()
    expect(admin.locator(".queue-empty")).to_have_text("Rien n\u2019attend la modération.")
    expect(tally(admin, "waiting")).to_be_hidden()
    # The clerk's page: the queue says it is empty, its tally goes, and the notice is in French.
    expect(clerk.locator(".queue-empty")).to_have_text("Rien n\u2019attend la modération.")
    expect(tally(clerk, "waiting")).to_be_hidden()
    expect(clerk.locator("#moderation-message")).to_have_text(re.compile(r"^Le commentaire 1 a été publié"))
