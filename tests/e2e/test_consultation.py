"""Consultation in the browser: a comment appears live for another reader, is reported and hidden by a clerk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

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
    clerk.fill(f"{item} input[name=reason]", "advertising unrelated to the bill")
    clerk.click(f"{item} button[value=hide]")
    clerk.wait_for_selector("#moderation-message:has-text('hidden')")
    assert clerk.locator(item).count() == 0

    reader.wait_for_selector(".comment-hidden:has-text('advertising unrelated to the bill')", timeout=2000)
    assert reader.locator(f".comment:has-text(\"{body}\")").count() == 0


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
