"""In the browser: a comment held for a clerk stays in its author's thread (and in nobody else's) until a clerk
decides, with its words and a way to withdraw it; a comment reported as not one's own says so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Pages
from tests.e2e.test_consultation import open_comments

pytestmark = pytest.mark.browser

ABUSE = "The committee are a bunch of idiots who never read anything."


def post(page: Any, body: str) -> None:
    page.fill("#comments-body textarea[name=body]", body)
    page.click("#comments-body .comment-form button[type=submit]")


def test_a_held_comment_stays_in_its_authors_thread_and_can_be_withdrawn(pages: Pages) -> None:
    citizen = pages.new("citizen")
    open_comments(citizen)
    post(citizen, ABUSE)
    citizen.wait_for_selector("#comments-body .message:has-text('waits for a clerk')")
    held = citizen.locator(".comment-held")
    held.wait_for()

    # Read again from the server (the page reloaded), it is still there, hers alone, with its words.
    citizen.reload()
    open_comments(citizen)
    held.wait_for()
    assert held.locator(".held-note").inner_text() == (
        "Your comment waits for a clerk before it is published. Only you see it.")
    assert held.locator(".comment-body").inner_text() == ABUSE
    assert citizen.locator(".no-comments").count() == 0

    other = pages.new("citizen2")
    open_comments(other)
    other.wait_for_selector("#comments-body .comment-form")
    assert other.locator(".comment-held").count() == 0
    assert ABUSE not in other.inner_text("#comments-body")

    held.get_by_role("button", name="Withdraw").click()
    citizen.click(".withdraw-form button[type=submit]")
    citizen.wait_for_selector(".panel-status:has-text('Your comment is withdrawn.')")
    assert citizen.locator(".comment-held").count() == 0
    citizen.reload()
    open_comments(citizen)
    citizen.wait_for_selector("#comments-body .comment-form")
    assert ABUSE not in citizen.inner_text("#comments-body")


def test_after_this_was_not_me_the_thread_and_the_form_say_what_happened(pages: Pages) -> None:
    body = "Section 2 should name the county assemblies too."
    citizen = pages.new("citizen")
    open_comments(citizen)
    post(citizen, body)
    form_message = citizen.locator("#comments-body > .comment-form > p.message")
    form_message.filter(has_text="Your comment is published.").wait_for()
    mine = citizen.locator(f".comment:has-text(\"{body}\")")
    mine.get_by_role("button", name="This was not me").click()
    citizen.click(".not-mine-form button[type=submit]")
    citizen.wait_for_selector(".panel-status:has-text('Reported as not written by you')")

    # The form no longer says the comment is published; the comment is there for its account holder, reported.
    assert form_message.inner_text() == ""
    reported = citizen.locator(".comment-held")
    reported.wait_for()
    assert reported.locator(".held-note").inner_text() == (
        "You reported this comment as not written by you: it is out of view and a clerk will look into it. "
        "Only you see it.")
    assert reported.locator(".comment-body").inner_text() == body
    assert reported.locator("button").count() == 0
