"""The consultation's procedure in the browser: a clerk opens a consultation and suspends an account, a drafter
answers a comment, and readers see provisions named by their citation and their own endorsements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from server.store.models import User
from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as

pytestmark = pytest.mark.browser

PRIVATE = "part_3__sec_11__subsec_2"  # the demo's comment 2, by "citizen", on section 11(2)


def expected_refusal(pages: Pages, status: int) -> None:
    """Forgets the console's note of a refusal the test provoked on purpose (Chromium logs every failed fetch)."""
    pages.console_errors[:] = [line for line in pages.console_errors if f"status of {status}" not in line]


def local(delta: timedelta) -> str:
    """Now plus ``delta`` as a datetime-local field takes it (the form reads it as UTC)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M")


def open_bill(page: Any) -> None:
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)


def test_a_clerk_opens_a_consultation_from_the_bill_page(pages: Pages) -> None:
    clerk = pages.new("clerk")
    open_bill(clerk)
    clerk.get_by_text("Open a public consultation").click()
    pages.audit(clerk)
    # The demo's consultation runs for a month: a window within it is refused, and the page says why.
    clerk.get_by_label("Opens (UTC)").fill(local(timedelta(days=1)))
    clerk.get_by_label("Closes (UTC)").fill(local(timedelta(days=2)))
    clerk.get_by_role("button", name="Open the consultation").click()
    message = clerk.locator("#consultation-message")
    message.filter(has_text="Refused").wait_for()
    assert "overlap" in message.inner_text()
    assert clerk.evaluate("document.activeElement.id") == "consultation-opens"
    expected_refusal(pages, 409)

    clerk.get_by_label("Opens (UTC)").fill(local(timedelta(days=60)))
    clerk.get_by_label("Closes (UTC)").fill(local(timedelta(days=90)))
    clerk.get_by_label("Guiding questions (optional, one a line)").fill("Should the fee be waived?\n\n")
    clerk.get_by_role("button", name="Open the consultation").click()
    message.filter(has_text="Consultation opened").wait_for()
    assert clerk.locator("#consultation-list li").count() == 2
    assert "(upcoming)" in clerk.locator("#consultation-list li").last.inner_text()
    listed = clerk.evaluate("fetch('/api/bills/1/consultations').then((r) => r.json())")["consultations"]
    assert listed[-1]["questions"] == ["Should the fee be waived?"]

    # Everyone reads the open window and its guiding questions; only clerks get the form.
    reader = pages.new("citizen")
    open_bill(reader)
    assert "Public consultation open until" in reader.locator(".consultation-state").inner_text()
    assert "Is thirty days long enough for a consultation?" in reader.locator(".consultation-questions").inner_text()
    assert reader.locator("#consultation-form").count() == 0


def test_a_drafter_answers_a_comment_from_the_panel(pages: Pages) -> None:
    drafter = pages.new("drafter")
    open_bill(drafter)
    drafter.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    comment = drafter.locator('.comment[data-comment="1"]')
    comment.locator(":scope > .comment-actions").get_by_role("button", name="Give an answer").click()
    form = comment.locator(":scope > .answer-form")
    assert drafter.evaluate("document.activeElement.id") == "answer-1"
    form.get_by_label("Amendment it led to (optional)").locator("option").nth(1).wait_for(state="attached")
    pages.audit(drafter)
    form.get_by_label("Your answer").fill("The committee proposes sixty days.")
    form.get_by_label("What became of it").select_option("partly_taken_up")
    amendment = form.get_by_label("Amendment it led to (optional)")
    amendment.locator("option", has_text="section 5(2)").wait_for(state="attached")
    amendment.select_option(label=amendment.locator("option", has_text="section 5(2)").inner_text())
    form.get_by_role("button", name="Send the answer").click()
    fate = comment.locator(":scope > .comment-fate")
    fate.wait_for()
    assert "What became of it: partly taken up" in fate.inner_text()
    assert "The committee proposes sixty days." in fate.inner_text()
    assert fate.get_by_role("link", name="The amendment made").get_attribute("href") == "/amendments/1"
    assert drafter.evaluate("document.activeElement.classList.contains('comment-fate')")
    # A citizen is offered no answer.
    citizen = pages.new("citizen")
    open_bill(citizen)
    citizen.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    citizen.locator('.comment[data-comment="1"]').wait_for()
    assert citizen.get_by_role("button", name="Give an answer").count() == 0


def suspended(app: Flask, username: str) -> bool:
    with app.extensions["parley.db"].read() as session:
        return bool(session.query(User).filter_by(username=username).one().suspended)


def test_a_clerk_suspends_and_reinstates_an_author_from_the_queue(pages: Pages, e2e_app: Flask) -> None:
    reporter = pages.new("citizen2")
    assert post_as(reporter, "/api/comments/2/flags", {"reason": "off_topic"}) == 201
    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    item = clerk.locator('.queued-comment[data-comment="2"]')
    # The provision is cited as readers cite it, not by its eId.
    assert "section 11(2)" in item.locator("h2").inner_text()
    assert PRIVATE not in item.locator("h2").inner_text()
    pages.audit(clerk)

    account = item.locator(".account-form")
    account.get_by_role("button", name="Suspend the account of Wanjiku Njeri").click()
    account.locator(".message", has_text="Give a reason").wait_for()
    account.get_by_label("Reason about the account").fill("posts from a bought account")
    account.get_by_role("button", name="Suspend the account of Wanjiku Njeri").click()
    account.locator(".message", has_text="is suspended").wait_for()
    assert "account suspended" in account.inner_text()
    assert suspended(e2e_app, "citizen")

    account.get_by_role("button", name="Reinstate the account of Wanjiku Njeri").click()
    account.locator(".message", has_text="is reinstated").wait_for()
    assert "account suspended" not in account.inner_text()
    assert not suspended(e2e_app, "citizen")


def test_the_comment_tools_name_a_subsection_by_its_citation(pages: Pages) -> None:
    reader = pages.new()
    open_bill(reader)
    button = reader.locator(f'.comment-button[data-eid="{DISCUSSED}"]')
    assert (button.get_attribute("aria-label") or "").endswith(": section 5(2)")
    button.click()
    reader.locator("#comments-heading", has_text="Comments on section 5(2)").wait_for()
    # A section with a heading keeps its words after the citation.
    assert (reader.locator('.comment-button[data-eid="part_2__sec_5"]').get_attribute("aria-label") or "") \
        .split(": ", 1)[1].startswith("section 5 — ")


def test_an_earlier_endorsement_shows_as_endorsed_after_a_reload(pages: Pages) -> None:
    neighbour = pages.new("citizen2")  # the demo's citizen2 endorsed comment 1
    open_bill(neighbour)
    neighbour.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    actions = neighbour.locator('.comment[data-comment="1"] > .comment-actions')
    actions.wait_for()
    endorsed = actions.get_by_role("button", name="Endorsed")
    assert endorsed.is_disabled()
    assert actions.get_by_role("button", name="Endorse", exact=True).count() == 0
