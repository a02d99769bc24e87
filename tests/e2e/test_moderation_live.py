"""The moderation page follows what clerks decide: its tallies and lists change at once when this clerk decides a
comment, and when another clerk (or the same one, in another window) does, without a reload. A comment that reaches
the queue, or is hidden, while the page is open is drawn in its list as the page draws it when loaded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import EID, post_as
from tests.e2e.test_held_comments import ABUSE

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

    # A comment newly reported elsewhere is counted at once and drawn in the queue, emptied meanwhile, which no
    # longer says that nothing waits.
    reported(pages, 3, by="citizen")
    for page in (clerk, admin):
        expect(page.locator('.queued-comment[data-comment="3"]')).to_have_count(1)
        expect(tally(page, "waiting")).to_have_text("Waiting for a clerk: 1.")
        expect(page.locator('[data-empty-of="waiting"]')).to_have_count(0)
    # Nothing was hidden when the pages were loaded: the one hidden since is counted and listed.
    assert hidden == 0
    expect(clerk.locator('.hidden-comment[data-comment="1"]')).to_have_count(1)
    expect(clerk.locator('[data-empty-of="hidden"]')).to_have_count(0)
    expect(tally(clerk, "hidden")).to_have_text("Hidden comments: 1.")


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


def posted(page: Any, body: str) -> int:
    """Posts comment ``body`` on the demo bill from a citizen's page; its id."""
    comment_id: int = page.evaluate(
        """async ([path, body]) => (await (await fetch(path, {method: 'POST', body: JSON.stringify(body), headers: {
             'Content-Type': 'application/json',
             'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content}})).json()).id""",
        [f"/api/bills/{DEMO_BILL}/comments", {"eid": EID, "body": body}])
    return comment_id


def test_comments_that_reach_the_queue_are_drawn_without_a_reload_and_can_be_decided(pages: Pages) -> None:
    clerk = moderation_page(pages, "clerk")
    expect(clerk.locator('[data-empty-of="waiting"]')).to_have_text("Nothing waits for moderation.")
    following(clerk)
    citizen = pages.new("citizen")
    held = posted(citizen, ABUSE)
    item = clerk.locator(f'.queued-comment[data-comment="{held}"]')
    # Drawn as the page draws it when loaded: its words, why it is held, what to decide, and its author's account.
    expect(item.locator(".comment-body")).to_have_text(ABUSE)
    expect(item.locator("p.meta").first).to_have_text(re.compile("^Held for a clerk"))
    expect(item.locator("button[value=restore]")).to_have_text("Publish")
    expect(item.locator(".account-form button")).to_have_text("Suspend the account of Wanjiku Njeri")
    expect(tally(clerk, "waiting")).to_have_text("Waiting for a clerk: 1.")
    expect(clerk.locator('[data-empty-of="waiting"]')).to_have_count(0)
    expect(clerk.locator("#live-status")).to_have_text(
        f"Comment {held} now waits for a clerk: it has joined the queue.")

    # A published comment reported meanwhile joins the queue after it, in the queue's order (oldest first).
    reported(pages, 1)
    expect(clerk.locator(".queued-comment")).to_have_count(2)
    assert clerk.locator(".queued-comment").evaluate_all("items => items.map(i => Number(i.dataset.comment))") == [
        1, held]
    expect(clerk.locator('.queued-comment[data-comment="1"] p.meta').first).to_have_text("Published, and reported")

    # Its buttons work as those of the rows the page was loaded with: hidden, it joins the hidden ones.
    item.get_by_label("Reason", exact=True).fill("insults")
    item.locator("button[value=hide]").click()
    expect(item).to_have_count(0)
    drawn = clerk.locator(f'.hidden-comment[data-comment="{held}"]')
    expect(drawn.locator("p.meta")).to_have_text("Hidden: insults")
    expect(drawn.locator("button[value=restore]")).to_have_text("Restore")
    expect(tally(clerk, "waiting")).to_have_text("Waiting for a clerk: 1.")
    # The account form of a drawn row works too.
    account = clerk.locator('.queued-comment[data-comment="1"] .account-form')
    account.get_by_label("Reason about the account").fill("spam")
    account.locator("button").click()
    expect(account.locator(".account-state")).to_have_text(" · account suspended")


def test_a_comment_hidden_by_another_clerk_moves_to_the_hidden_list(pages: Pages) -> None:
    reported(pages, 1, 2)
    clerk = moderation_page(pages, "clerk", "fr")
    admin = moderation_page(pages, "admin")
    following(clerk)
    # The clerk was writing a reason for comment 2: a new report on it draws it again, what was written kept.
    clerk.locator("#reason-2").fill("hors sujet")
    reported(pages, 2, by="mp")
    expect(clerk.locator('.queued-comment[data-comment="2"] .flags li')).to_have_count(2)
    expect(clerk.locator("#reason-2")).to_have_value("hors sujet")
    expect(clerk.locator("#reason-2")).to_be_focused()

    item = admin.locator('.queued-comment[data-comment="1"]')
    item.get_by_label("Reason", exact=True).fill("off topic")
    item.locator("button[value=hide]").click()
    expect(clerk.locator('.queued-comment[data-comment="1"]')).to_have_count(0)
    hidden = clerk.locator('.hidden-comment[data-comment="1"]')
    expect(hidden.locator("p.meta")).to_have_text("Masqué : off topic")
    expect(hidden.locator("button[value=restore]")).to_have_text("Rétablir")
    expect(clerk.locator("#moderation-message")).to_have_text(re.compile(r"^Le commentaire 1 a été masqué"))
    expect(clerk.locator("#reason-2")).to_have_value("hors sujet")

    # Restored elsewhere, it leaves the hidden ones too.
    admin.reload()
    ready(admin)
    admin.locator('.hidden-comment[data-comment="1"] button[value=restore]').click()
    expect(hidden).to_have_count(0)


def test_a_comment_drawn_live_keeps_its_markup_as_text(pages: Pages) -> None:
    clerk = moderation_page(pages, "clerk")
    following(clerk)
    clerk.evaluate("window.__pwned = 0")
    payload = (f"{ABUSE} <img src=x onerror=\"window.__pwned = 1\"><script>window.__pwned = 2</script>"
               "<b>bold</b>")
    held = posted(pages.new("citizen"), payload)
    body = clerk.locator(f'.queued-comment[data-comment="{held}"] .comment-body')
    expect(body).to_have_text(payload)
    assert body.locator("img, script, b").count() == 0
    clerk.wait_for_timeout(300)
    assert clerk.evaluate("window.__pwned") == 0
