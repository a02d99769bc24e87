"""The comment panel while other people post: what a reader is typing (a comment, a reply) survives the live
refreshes, and a flood of new comments costs each open page a request a second, not one per comment."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from server.services import accounts
from server.services import consultation_comments as comments
from server.services.consultation import ConsultationSettings
from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as

pytestmark = pytest.mark.browser


def open_thread(page: Any) -> None:
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.wait_for_selector("body[data-live='1']")
    page.locator(f'.comment-button[data-eid="{DISCUSSED}"]').click()
    page.locator("#comments-heading", has_text="Comments on section 5(2)").wait_for()


def test_what_a_reader_is_typing_survives_the_comments_others_post_meanwhile(pages: Pages) -> None:
    reader = pages.new("citizen2")
    open_thread(reader)
    reader.get_by_label("Your comment").fill("Half of a comment, still being")
    first = reader.locator(".comment").first
    first.get_by_role("button", name="Reply").click()
    reply = first.locator("form.comment-form textarea")
    reply.press_sequentially("A reply in the middle of")
    assert reader.evaluate("document.activeElement.id") == reply.get_attribute("id")

    other = pages.new("citizen")
    other.goto(f"/bills/{DEMO_BILL}")
    assert post_as(other, f"/api/bills/{DEMO_BILL}/comments",
                   {"eid": DISCUSSED, "body": "Someone else's comment, posted while the reader types."}) == 201
    reader.locator(".comment-body", has_text="posted while the reader types").wait_for()

    # The refresh kept both texts, the reply form under its comment, and the caret where it was.
    assert reader.get_by_label("Your comment").input_value() == "Half of a comment, still being"
    assert reply.input_value() == "A reply in the middle of"
    assert reader.evaluate("document.activeElement.id") == reply.get_attribute("id")
    reply.press_sequentially(" a thought.")
    assert reply.input_value() == "A reply in the middle of a thought."

    first.get_by_role("button", name="Send reply").click()
    first.locator(".replies .comment-body", has_text="A reply in the middle of a thought.").wait_for()
    assert first.locator(":scope > form.comment-form").count() == 0
    assert reader.get_by_label("Your comment").input_value() == "Half of a comment, still being"
    reader.get_by_label("Your comment").press_sequentially(" written.")
    reader.get_by_role("button", name="Post comment").click()
    reader.locator(".comment-body", has_text="Half of a comment, still being written.").wait_for()
    reader.locator("#comments-body .message", has_text="published").wait_for()
    assert reader.get_by_label("Your comment").input_value() == ""


def test_a_flood_of_comments_costs_an_open_page_a_request_a_second(pages: Pages, e2e_app: Flask) -> None:
    reader = pages.new()
    open_thread(reader)
    asked: list[str] = []
    reader.on("request", lambda request: asked.append(request.url) if "/comments" in request.url else None)
    settings = ConsultationSettings.from_config(e2e_app.config)
    database = e2e_app.extensions["parley.db"]
    with database.write() as session:
        posters = [accounts.principal_of(accounts.register_user(session, f"flood{n}", "citizen", "flood-pass-1"))
                   for n in range(15)]
    for n, poster in enumerate(posters):
        with database.write() as session:  # one commit, one broadcast each
            comments.post_comment(session, poster, DEMO_BILL, eid=DISCUSSED, settings=settings,
                                  body=f"Flood comment number {n}: the period is too short for {n} reasons.")
    reader.locator(".comment-body", has_text="Flood comment number 14").wait_for()
    reader.wait_for_timeout(1500)  # the last coalesced refresh, if one was still due
    threads = [url for url in asked if f"/comments?eid={DISCUSSED}" in url]
    counts = [url for url in asked if url.endswith("/comments/counts")]
    assert 1 <= len(threads) <= 5, threads
    assert 1 <= len(counts) <= 5, counts
    assert reader.locator(".comment-body", has_text="Flood comment number").count() == 15
