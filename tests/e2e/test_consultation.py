"""Consultation in the browser: a comment appears live for another reader, is reported and hidden by a clerk."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, PASSWORDS, Pages, ready

pytestmark = pytest.mark.browser

EID = "part_1__sec_2"
BUTTON = f'.comment-button[data-eid="{EID}"]'


def open_comments(page: Any) -> None:
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.click(BUTTON)
    page.wait_for_selector("#comments-panel:not([hidden]) #comments-body > *")


def test_comment_appears_live_then_a_moderator_hides_it(pages: Pages) -> None:
    body = "Section 2 should define 'public' to include people living abroad."

    reader = pages.new()
    open_comments(reader)
    reader.wait_for_selector("body[data-live='1']")

    citizen = pages.new("citizen")
    open_comments(citizen)
    citizen.fill("#comments-body textarea[name=body]", body)
    citizen.click("#comments-body button[type=submit]")
    citizen.wait_for_selector("#comments-body .message:has-text('published')")

    # Live: the other reader sees it without reloading, and the provision's count goes up.
    reader.wait_for_selector(f".comment:has-text(\"{body}\")", timeout=2000)
    reader.wait_for_selector(f"{BUTTON}:has-text('Comment (1)')")

    reporter = pages.new("citizen2")
    open_comments(reporter)
    reporter.click(f".comment:has-text(\"{body}\") button:has-text('Report')")
    reporter.select_option(".flag-form select", "off_topic")
    reporter.click(".flag-form button[type=submit]")
    reporter.wait_for_selector(".comment .message:has-text('Reported')")

    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    item = f".queued-comment:has-text(\"{body}\")"
    clerk.fill(f"{item} input[name=reason]", "advertising unrelated to the bill.")
    clerk.click(f"{item} button[value=hide]")
    clerk.wait_for_selector("#moderation-message:has-text('hidden')")
    assert clerk.locator(item).count() == 0

    reader.wait_for_selector(".comment-hidden:has-text('advertising unrelated to the bill')", timeout=2000)
    assert reader.locator(f".comment:has-text(\"{body}\")").count() == 0
    assert "Your comment" not in reader.inner_text(".comment-hidden")
    # Its author is told it was hers, with its words; the mail is not the only place she learns of it.
    citizen.wait_for_selector(".comment-hidden:has-text('Your comment was hidden')")
    # The reason as the clerk wrote it, full stop and all, is not followed by a second one.
    assert citizen.inner_text(".comment-hidden .hidden-note") == (
        "Your comment was hidden by a moderator: advertising unrelated to the bill. Only you see its words.")
    assert citizen.inner_text(".comment-hidden .hidden-own-body") == body


def test_commenting_works_on_a_phone_sized_screen(pages: Pages, check_axe: Any) -> None:
    phone = pages.new("citizen", viewport={"width": 375, "height": 667})
    open_comments(phone)
    check_axe(phone)
    phone.fill("#comments-body textarea[name=body]", "Readable on my phone, and I agree with it.")
    submit = phone.locator("#comments-body button[type=submit]")
    box = submit.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    submit.click()
    phone.wait_for_selector(".comment:has-text('Readable on my phone')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    phone.keyboard.press("Escape")
    assert phone.is_hidden("#comments-panel")


DISCUSSED = "part_2__sec_5__subsec_2"  # the demo's comment 1, on section 5(2)


def post_as(page: Any, path: str, body: dict[str, Any]) -> int:
    """POSTs JSON to the API from a signed-in page, as its scripts do (session cookie and CSRF token)."""
    status: int = page.evaluate(
        """async ([path, body]) => (await fetch(path, {method: 'POST', body: JSON.stringify(body), headers: {
             'Content-Type': 'application/json',
             'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content}})).status""",
        [path, body])
    return status


def test_a_reader_sees_what_became_of_a_comment(pages: Pages) -> None:
    clerk = pages.new("clerk")
    assert post_as(clerk, "/api/comments/1/answers",
                   {"body": "The committee proposes sixty days.", "fate": "taken_up"}) == 201
    reader = pages.new()
    reader.goto(f"/bills/{DEMO_BILL}")
    ready(reader)
    reader.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    fate = reader.locator('.comment[data-comment="1"] > .comment-fate')
    fate.wait_for()
    assert "What became of it: taken up" in fate.inner_text()
    assert "The committee proposes sixty days." in fate.locator(".comment-answer").inner_text()


def test_a_moderator_restores_a_hidden_comment_from_the_reader(pages: Pages) -> None:
    clerk = pages.new("clerk")
    assert post_as(clerk, "/api/comments/1/moderation", {"action": "hide", "reason": "checking a report"}) == 200
    clerk.goto(f"/bills/{DEMO_BILL}")
    ready(clerk)
    clerk.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    # Hidden, it left the moderation queue: its notice in the thread restores it (and the moderation page's list of
    # the comments hidden lately, below).
    notice = clerk.locator('.comment-hidden[data-comment="1"]')
    notice.locator("button", has_text="Restore").click()
    clerk.wait_for_selector('.comment[data-comment="1"]')
    assert clerk.locator('.comment-hidden[data-comment="1"]').count() == 0
    # A clerk is signed in: the thread says who comments rather than offering to sign in again.
    assert clerk.locator("#comments-body a:has-text('Sign in')").count() == 0


def test_a_moderator_reads_and_restores_a_hidden_comment_from_the_moderation_page(pages: Pages) -> None:
    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    words = str(clerk.evaluate(f"fetch('/api/bills/{DEMO_BILL}/comments').then(r => r.json())"
                               ".then(b => b.comments.find(c => c.id === 1).body)"))
    assert post_as(clerk, "/api/comments/1/moderation", {"action": "hide", "reason": "checking a report"}) == 200
    clerk.reload()
    ready(clerk)
    hidden = clerk.locator('.hidden-comment[data-comment="1"]')
    # The words to be restored are there to read, with the reason they were hidden for.
    assert words and hidden.locator(".comment-body").inner_text() == words
    assert "Hidden: checking a report" in hidden.inner_text()
    hidden.get_by_role("button", name="Restore").click()
    clerk.wait_for_selector("#moderation-message:has-text('Comment 1 restored.')")
    clerk.wait_for_selector(".queue-empty:has-text('No comment is hidden.')")
    assert clerk.locator('.hidden-comment').count() == 0


def test_signing_in_to_comment_comes_back_to_the_provision(pages: Pages) -> None:
    reader = pages.new()
    reader.goto(f"/bills/{DEMO_BILL}")
    ready(reader)
    reader.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    reader.click("#comments-body a:has-text('Sign in')")
    reader.fill("#username", "citizen")
    reader.fill("#password", PASSWORDS["citizen"])
    reader.click("form.stacked button[type=submit]")
    reader.wait_for_url(f"**/bills/{DEMO_BILL}?eid={DISCUSSED}*")
    ready(reader)


def _confirmation_codes(outbox: Path) -> list[str]:
    mails = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [re.findall(r"/verify\?token=([\w-]+)", message_from_bytes(m.read_bytes()).get_payload(decode=True)
                       .decode("utf-8"))[0] for m in mails]


def test_a_citizen_whose_address_is_unconfirmed_asks_for_another_mail_from_the_panel(pages: Pages,
                                                                                      e2e_app: Any) -> None:
    page = pages.new()
    page.goto("/register")
    page.fill("#username", "wanjiru")
    page.fill("#email", "wanjiru@example.org")
    page.fill("#password", "kettle-lantern-orchard-41")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('Check your email')")
    pages.sign_in(page, "wanjiru", "kettle-lantern-orchard-41")

    open_comments(page)
    page.fill("#comments-body textarea[name=body]", "Please count days abroad too.")
    page.click("#comments-body button[type=submit]")
    ask = page.locator("#comments-body .message a:has-text('Ask for another confirmation mail')")
    ask.click()
    pages.expect_refusal(403)
    page.wait_for_url(re.compile(r".*/verify/again\?next=%2Fbills%2F"))
    page.click("main form button[type=submit]")
    page.wait_for_selector("main p[role=status]:has-text('wanjiru@example.org')")
    codes = _confirmation_codes(Path(e2e_app.instance_path) / "outbox")
    assert len(codes) == 2 and codes[0] != codes[1]

    page.click("main a:has-text('I have the code')")
    page.fill("#token", codes[1])
    page.click("main form button[type=submit]")
    page.wait_for_selector("main:has-text('your address is confirmed')")
    open_comments(page)
    page.fill("#comments-body textarea[name=body]", "Please count days abroad too.")
    page.click("#comments-body button[type=submit]")
    page.wait_for_selector("#comments-body .message:has-text('published')")


def test_a_sign_up_its_address_owner_cancelled_is_told_so_in_the_panel(pages: Pages, e2e_app: Any) -> None:
    page = pages.new()
    page.goto("/register")
    page.fill("#username", "mimic")
    page.fill("#email", "owner@example.org")
    page.fill("#password", "kettle-lantern-orchard-41")
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:has-text('Check your email')")
    owner = pages.new()
    owner.goto(f"/verify/not-me?token={_confirmation_codes(Path(e2e_app.instance_path) / 'outbox')[0]}")
    owner.click("main form button[type=submit]")
    owner.wait_for_selector("main:has-text('is cancelled')")

    pages.sign_in(page, "mimic", "kettle-lantern-orchard-41")
    open_comments(page)
    page.fill("#comments-body textarea[name=body]", "Signed up with someone else's address.")
    page.click("#comments-body button[type=submit]")
    message = page.locator("#comments-body .message:has-text('said the sign-up was not theirs')")
    message.wait_for()
    pages.expect_refusal(409)
    assert message.locator("a").count() == 0, "no confirmation mail can reach it: none is offered"
    page.goto("/verify/again")
    page.wait_for_selector("main h1:has-text('Sign-up cancelled')")
    assert page.locator("main form").count() == 0
