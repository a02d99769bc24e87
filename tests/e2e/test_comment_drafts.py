"""The comment panel while other people post: what a reader is typing (a comment, a reply) survives the live
refreshes, and a flood of new comments costs each open page a request a second, not one per comment."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from flask import Flask

from server.services import accounts
from server.services import consultation_comments as comments
from server.services.consultation import ConsultationSettings
from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as

pytestmark = pytest.mark.browser


WORDS = ("notice hearing county radio newspaper language weekend holiday deadline clerk register translation "
         "village market farmer teacher nurse fisherman pastoralist student elder youth women disability").split()


def post_each(app: Flask, bodies: list[str]) -> float:
    """Posts each body on the discussed provision as a citizen of its own, one commit (one broadcast) each;
    returns how many seconds the posting took."""
    settings = ConsultationSettings.from_config(app.config)
    database = app.extensions["parley.db"]
    with database.write() as session:
        authors = [accounts.principal_of(accounts.register_user(session, f"poster{n}", "citizen", "poster-pass-1"))
                   for n in range(len(bodies))]
    started = time.monotonic()
    for author, body in zip(authors, bodies, strict=True):
        with database.write() as session:
            comments.post_comment(session, author, DEMO_BILL, eid=DISCUSSED, settings=settings, body=body)
    return time.monotonic() - started


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
    # Fifteen different comments (no campaign: each is listed), each its own commit and broadcast.
    took = post_each(e2e_app, [" ".join(random.Random(n).sample(WORDS, 9)) + f" Flood comment number {n}."
                               for n in range(15)])
    reader.locator(".comment-body", has_text="Flood comment number 14").wait_for()
    reader.wait_for_timeout(1500)  # the last coalesced refresh, if one was still due
    threads = [url for url in asked if f"/comments?eid={DISCUSSED}" in url]
    counts = [url for url in asked if url.endswith("/comments/counts")]
    # A request a second at most while the comments come (one per comment without the coalescing: 15).
    most = min(14, int(took) + 3)
    assert 1 <= len(threads) <= most, (took, threads)
    assert 1 <= len(counts) <= most, (took, counts)
    assert reader.locator(".comment-body", has_text="Flood comment number").count() == 15


LETTER = "Extend the consultation period to ninety days so that people in rural counties can take part."


def test_a_campaign_reads_as_one_entry_and_its_signatures_come_on_demand(pages: Pages, e2e_app: Flask) -> None:
    post_each(e2e_app, [f"{LETTER} Signed, voter {n}." if n else LETTER for n in range(103)])
    reader = pages.new("citizen2")
    asked: list[str] = []
    reader.on("request", lambda request: asked.append(request.url) if "/comments?" in request.url else None)
    open_thread(reader)
    reader.get_by_role("button", name="Show the campaign's 102 other signatures here").wait_for()
    campaign = reader.locator("#comments-body .comment-list > .comment", has=reader.locator(".campaign-toggle"))
    toggle = campaign.locator(":scope > .comment-campaign > .campaign-toggle")
    assert "Part of a campaign of 103 signatures" in campaign.inner_text()
    assert reader.locator(".comment-body", has_text=LETTER).count() == 1
    assert toggle.get_attribute("aria-expanded") == "false"
    pages.audit(reader)

    toggle.click()
    members = campaign.locator(":scope > .campaign-members > .comment")
    reader.wait_for_function("() => document.querySelectorAll('.campaign-members > .comment').length === 99")
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "Hide the campaign's signatures"
    assert "Signed, voter 1." in members.first.inner_text() and "Signed, voter 1." in members.first.locator(
        ".campaign-adds").inner_text()
    # A new comment arrives meanwhile: the signatures being read stay open.
    other = pages.new("citizen")
    other.goto(f"/bills/{DEMO_BILL}")
    assert post_as(other, f"/api/bills/{DEMO_BILL}/comments", {"eid": DISCUSSED, "body": "Sixty, not ninety."}) == 201
    reader.locator(".comment-body", has_text="Sixty, not ninety.").wait_for()
    assert members.count() == 99 and toggle.get_attribute("aria-expanded") == "true"

    reader.get_by_role("button", name="Show more signatures").click()
    reader.wait_for_function("() => document.querySelectorAll('.campaign-members > .comment').length === 102")
    reader.wait_for_function("() => document.activeElement?.textContent.includes('Signed, voter 100.')")
    assert reader.get_by_role("button", name="Show more signatures").count() == 0
    # The thread itself never fetched the campaign's signatures.
    threads = [url for url in asked if "campaigns=grouped" in url]
    assert threads and all("cluster=" not in url for url in threads)
    toggle.click()
    assert campaign.locator(":scope > .campaign-members").count() == 0


def test_a_reply_being_typed_to_a_comment_that_joins_a_campaign_stays_with_it(pages: Pages, e2e_app: Flask) -> None:
    post_each(e2e_app, [LETTER, f"{LETTER} Signed, a teacher."])  # two alike: not yet a campaign
    reader = pages.new("citizen2")
    open_thread(reader)
    second = reader.locator(".comment-list > .comment", has_text="Signed, a teacher.")
    second.get_by_role("button", name="Reply").click()
    reply = second.locator(":scope > form.comment-form textarea")
    reply.press_sequentially("Which county do you teach in?")

    # A third letter makes the two a campaign: the list now shows its first signature only.
    with e2e_app.extensions["parley.db"].write() as session:
        author = accounts.principal_of(accounts.register_user(session, "third", "citizen", "third-pass-1"))
        comments.post_comment(session, author, DEMO_BILL, eid=DISCUSSED, body=f"{LETTER} Signed, a nurse.",
                              settings=ConsultationSettings.from_config(e2e_app.config))
    reader.get_by_role("button", name="Hide the campaign's signatures").wait_for()
    # The campaign opened by itself, and the reply is back under its comment, as it was typed.
    moved = reader.locator(".campaign-members > .comment", has_text="Signed, a teacher.")
    moved.locator(":scope > form.comment-form textarea").wait_for()
    assert moved.locator(":scope > form.comment-form textarea").input_value() == "Which county do you teach in?"
