"""Where the keyboard focus goes once an action takes away what had it: a comment posted (its form empties or
goes), a queued comment hidden or restored (its item leaves the moderation queue). Never to the page's body,
where a keyboard or screen-reader user would have to start again from the top."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import Pages, ready
from tests.e2e.test_comment_panel import QUIET, open_thread
from tests.e2e.test_consultation import post_as

pytestmark = pytest.mark.browser

# What has the focus: "BODY", else the element's tag with its comment id, its action or its class.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'BODY';
  const parts = [el.tagName];
  if (el.dataset.comment) parts.push(`comment=${el.dataset.comment}`);
  if (el.dataset.action) parts.push(`action=${el.dataset.action}`);
  if (el.id) parts.push(`#${el.id}`);
  if (el.className) parts.push(`.${el.className}`);
  if (el.getAttribute('tabindex') !== null) parts.push(`tabindex=${el.getAttribute('tabindex')}`);
  return parts.join(' ');
}"""


def focused(page: Any) -> str:
    text: str = page.evaluate(FOCUSED)
    return text


def settled(page: Any, selector: str) -> None:
    """Waits until the page's script has put the focus somewhere matching ``selector``."""
    try:
        page.wait_for_function("(selector) => document.activeElement?.matches(selector)", arg=selector, timeout=5000)
    except PlaywrightTimeout:
        raise AssertionError(f"the focus is on {focused(page)}, not on {selector}") from None


def comment_with(page: Any, body: str) -> Any:
    return page.locator(".comment", has=page.locator(":scope > .comment-body", has_text=body))


# --- posting a comment ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["click", "enter"])
def test_the_focus_goes_to_the_comment_just_posted(pages: Pages, how: str) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    body = f"Posted by {how}: section 2 should say who counts as the public."
    citizen.get_by_label("Your comment").fill(body)
    button = citizen.get_by_role("button", name="Post comment")
    if how == "click":
        button.click()
    else:
        button.focus()
        citizen.keyboard.press("Enter")
    posted = comment_with(citizen, body)
    posted.wait_for()
    citizen.locator("#comments-body .message", has_text="published").wait_for()
    comment_id = posted.get_attribute("data-comment")
    settled(citizen, f'.comment[data-comment="{comment_id}"]')
    # Focusable by script only: Tab does not stop on every comment, but the focus can rest there.
    assert posted.get_attribute("tabindex") == "-1"
    # From there, the comment's own buttons come next in the tab order.
    citizen.keyboard.press("Tab")
    settled(citizen, f'.comment[data-comment="{comment_id}"] button')


def test_the_focus_goes_to_the_reply_just_sent(pages: Pages) -> None:
    neighbour = pages.new("citizen2")
    open_thread(neighbour)
    first = neighbour.locator('.comment[data-comment="1"]')
    first.locator(":scope > .comment-actions").get_by_role("button", name="Reply").click()
    first.get_by_label("Reply").fill("Forty-five days would do as well.")
    first.get_by_role("button", name="Send reply").click()
    reply = first.locator(".replies > .comment", has_text="Forty-five days")
    reply.wait_for()
    reply_id = reply.get_attribute("data-comment")
    settled(neighbour, f'.comment[data-comment="{reply_id}"]')
    assert reply.get_attribute("tabindex") == "-1"


def test_a_comment_held_for_a_clerk_takes_the_focus_where_its_author_sees_it_waiting(pages: Pages) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    citizen.get_by_label("Your comment").fill("The drafters are idiots.")
    citizen.get_by_role("button", name="Post comment").click()
    citizen.locator("#comments-body .message", has_text="waits for a clerk").wait_for()
    # Shown to its author alone, as waiting for a clerk: the focus goes to it, as to any comment just posted.
    held = citizen.locator(".comment.comment-held", has_text="idiots")
    held.wait_for()
    settled(citizen, f'.comment[data-comment="{held.get_attribute("data-comment")}"]')


def test_a_reply_held_for_a_clerk_takes_the_focus_where_its_author_sees_it_waiting(pages: Pages) -> None:
    neighbour = pages.new("citizen2")
    open_thread(neighbour)
    first = neighbour.locator('.comment[data-comment="1"]')
    first.locator(":scope > .comment-actions").get_by_role("button", name="Reply").click()
    first.get_by_label("Reply").fill("Whoever wrote this is an idiot.")
    first.get_by_role("button", name="Send reply").click()
    first.locator(":scope > form").wait_for(state="detached")
    # The reply's form is gone; the reply is shown to its author alone, waiting for a clerk, and has the focus.
    held = first.locator(".comment.comment-held", has_text="idiot")
    held.wait_for()
    settled(neighbour, f'.comment[data-comment="{held.get_attribute("data-comment")}"]')


# --- the moderation queue -------------------------------------------------------------------------------------


def queue_of(pages: Pages, *reported: int) -> Any:
    reporter = pages.new("citizen2")
    for comment_id in reported:
        assert post_as(reporter, f"/api/comments/{comment_id}/flags", {"reason": "off_topic"}) == 201
    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    assert clerk.locator(".queued-comment").count() == len(reported)
    return clerk


def act_on(clerk: Any, comment_id: int, action: str, reason: str = "") -> None:
    item = clerk.locator(f'.queued-comment[data-comment="{comment_id}"]')
    if reason:
        item.get_by_label("Reason", exact=True).fill(reason)
    item.locator(f"button[value={action}]").click()
    item.wait_for(state="detached")


def test_the_focus_moves_to_the_next_queued_comment_then_to_the_empty_queue(pages: Pages) -> None:
    clerk = queue_of(pages, 1, 2)
    act_on(clerk, 1, "hide", "off topic")
    settled(clerk, '.queued-comment[data-comment="2"] input[name=reason]')

    act_on(clerk, 2, "restore")
    # None left: the queue says so where it stood, and that message has the focus.
    settled(clerk, ".queue-empty")
    empty = clerk.locator(".queue-empty")
    assert empty.inner_text() == "Nothing waits for moderation."
    assert empty.get_attribute("tabindex") == "-1"
    assert clerk.locator(".moderation-queue").count() == 0
    assert "restored" in clerk.locator("#moderation-message").inner_text()
    pages.audit(clerk)


def test_hiding_the_last_queued_comment_moves_the_focus_to_the_previous_one(pages: Pages) -> None:
    clerk = queue_of(pages, 1, 2)
    act_on(clerk, 2, "hide", "off topic")
    settled(clerk, '.queued-comment[data-comment="1"] input[name=reason]')
    act_on(clerk, 1, "hide", "off topic")
    settled(clerk, ".queue-empty")


def test_the_empty_queue_reads_in_french(pages: Pages) -> None:
    reporter = pages.new("citizen2")
    assert post_as(reporter, "/api/comments/1/flags", {"reason": "off_topic"}) == 201
    clerk = pages.new("clerk")
    clerk.goto("/moderation?lang=fr")
    ready(clerk)
    clerk.locator('.queued-comment[data-comment="1"] button[value=restore]').click()
    settled(clerk, ".queue-empty")
    assert clerk.locator(".queue-empty").inner_text() == "Rien n\u2019attend la modération."

