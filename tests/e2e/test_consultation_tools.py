"""The consultation's procedure in the browser: a clerk opens a consultation and suspends an account, a drafter
answers a comment, and readers see provisions named by their citation and their own endorsements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from akn.plaintext import parse_bill_text
from server.demo import BILL_TEXT, DEMO_BILL_DATE
from server.services import accounts, bills
from server.services import consultation as consultations
from server.store.models import User
from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as

pytestmark = pytest.mark.browser

PRIVATE = "part_3__sec_11__subsec_2"  # the demo's comment 2, by "citizen", on section 11(2)


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
    clerk.wait_for_function("() => document.activeElement?.id === 'consultation-opens'")
    pages.expect_refusal(409)
    # The year mistyped: a window that has already closed is refused, and the focus goes to its closing time.
    clerk.get_by_label("Opens (UTC)").fill(local(timedelta(days=-400)))
    clerk.get_by_label("Closes (UTC)").fill(local(timedelta(days=-370)))
    clerk.get_by_role("button", name="Open the consultation").click()
    message.filter(has_text="must close in the future").wait_for()
    assert message.inner_text().startswith("Refused")
    clerk.wait_for_function("() => document.activeElement?.id === 'consultation-closes'")
    pages.expect_refusal(422)
    assert clerk.locator("#consultation-list li").count() == 1

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
    drafter.wait_for_function("() => document.activeElement?.id === 'answer-1'")
    form.get_by_label("Amendment it led to (optional)").locator("option").nth(1).wait_for(state="attached")
    # Named as the amendments page names them, with its state: the demo's tabled amendment by its number. An answer
    # is public and links only tabled amendments: mp2's draft (id 2) is not offered.
    options = form.get_by_label("Amendment it led to (optional)").locator("option").all_inner_texts()
    assert options == ["None", "Amendment 1 · section 5(2) (tabled)"]
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
    assert fate.get_by_role("link", name="The amendment it led to").get_attribute("href") == "/amendments/1"
    drafter.wait_for_function("() => document.activeElement?.classList.contains('comment-fate')")
    # A citizen is offered no answer.
    citizen = pages.new("citizen")
    open_bill(citizen)
    citizen.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    citizen.locator('.comment[data-comment="1"]').wait_for()
    assert citizen.get_by_role("button", name="Give an answer").count() == 0
    # A clerk may know of mp2's draft, but an answer could not link it: it is not offered to the clerk either.
    clerk = pages.new("clerk")
    open_bill(clerk)
    clerk.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    asked = clerk.locator('.comment[data-comment="1"]')
    asked.locator(":scope > .comment-actions").get_by_role("button", name="Give an answer").click()
    linked = asked.locator(":scope > .answer-form").get_by_label("Amendment it led to (optional)")
    linked.locator("option").nth(1).wait_for(state="attached")
    assert linked.locator("option").all_inner_texts() == ["None", "Amendment 1 · section 5(2) (tabled)"]


def _clerks_form(pages: Pages, tool: str, form_class: str) -> tuple[Any, Any, Any]:
    """A clerk's page with the panel open on the demo's comment 1 and its ``tool`` form open: (page, comment, form)."""
    clerk = pages.new("clerk")
    open_bill(clerk)
    clerk.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    comment = clerk.locator('.comment[data-comment="1"]')
    comment.locator(":scope > .comment-actions").get_by_role("button", name=tool).click()
    return clerk, comment, comment.locator(f":scope > .{form_class}")


def _double_click_posts(page: Any, button: Any, ending: str) -> int:
    """How many POSTs to an address ending in ``ending`` a double click on ``button`` sends (counted once the page has
    had time to send a second)."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url)
            if request.method == "POST" and request.url.endswith(ending) else None)
    button.dblclick()
    page.wait_for_timeout(500)
    return len(sent)


def test_a_double_click_sends_an_answer_once(pages: Pages) -> None:
    clerk, comment, form = _clerks_form(pages, "Give an answer", "answer-form")
    form.get_by_label("Your answer").fill("We agree; the rules will require it.")
    form.get_by_label("What became of it").select_option("taken_up")
    sending = form.get_by_role("button", name="Send the answer")
    # One public answer, so one mail to the citizen.
    assert _double_click_posts(clerk, sending, "/api/comments/1/answers") == 1
    comment.locator(":scope > .comment-fate").wait_for()
    (shown,) = [c for c in clerk.evaluate(
        "(url) => fetch(url).then((r) => r.json())", f"/api/bills/{DEMO_BILL}/comments?eid={DISCUSSED}")["comments"]
        if c["id"] == 1]
    assert [a["body"] for a in shown["answers"]] == ["We agree; the rules will require it."]
    assert comment.locator(":scope > .comment-fate .comment-answer").count() == 1


def test_a_double_click_hides_a_comment_once(pages: Pages) -> None:
    clerk, _comment, form = _clerks_form(pages, "Hide", "hide-form")
    form.get_by_label("Reason").fill("personal data of a neighbour.")
    # A second request would only be refused.
    assert _double_click_posts(clerk, form.get_by_role("button", name="Hide"), "/api/comments/1/moderation") == 1
    clerk.locator('.comment-hidden[data-comment="1"]').wait_for()
    assert "Refused" not in clerk.inner_text("#comments-body")


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


# A form letter: the demo's citizens sign it, one of them twice, the second adding words of her own.
CAMPAIGN = ("The consultation must last ninety days so that every county assembly can hold public hearings "
            "before the committee reports to the House.")
SIGNATURES = (("citizen", CAMPAIGN), ("citizen2", f"Dear committee, {CAMPAIGN} I live in Turkana."),
              ("citizen", f"{CAMPAIGN} Thank you."))


def test_a_drafter_answers_a_whole_campaign_and_every_signatory_sees_it(pages: Pages) -> None:
    signers = {name: pages.new(name) for name in ("citizen", "citizen2")}
    for name, body in SIGNATURES:
        assert post_as(signers[name], f"/api/bills/{DEMO_BILL}/comments", {"eid": DISCUSSED, "body": body}) == 201
    template, signed, again = 4, 5, 6  # after the demo's three comments

    drafter = pages.new("drafter")
    open_bill(drafter)
    drafter.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    # The campaign reads as one entry, its first signature; the others come on demand.
    drafter.get_by_role("button", name="Show the campaign's 2 other signatures here").click()
    comment = drafter.locator(f'.campaign-members > .comment[data-comment="{signed}"]')
    comment.locator(":scope > .comment-campaign").wait_for()

    def campaign_of(member: int) -> Any:
        return drafter.locator(f'.comment[data-comment="{member}"] > .comment-campaign')

    assert all("Part of a campaign of 3 signatures" in campaign_of(m).inner_text() for m in (template, signed, again))
    # What each signatory adds to the form letter is shown apart from it.
    assert "The campaign's text" in campaign_of(template).inner_text()
    assert "This signatory adds: Dear committee, … I live in Turkana." in campaign_of(signed).inner_text()
    assert "This signatory adds: Thank you." in campaign_of(again).inner_text()
    # The demo's own comment is no campaign's.
    assert campaign_of(1).count() == 0

    comment.locator(":scope > .comment-actions").get_by_role("button", name="Answer the whole campaign").click()
    form = comment.locator(":scope > .answer-form")
    drafter.wait_for_function(f"() => document.activeElement?.id === 'answer-campaign-{signed}'")
    pages.audit(drafter)
    form.get_by_label("Your answer to its 3 signatories").fill("Ninety days was weighed; sixty were kept.")
    form.get_by_label("What became of it").select_option("partly_taken_up")
    form.get_by_label("Version it led to (optional)").select_option("1")
    form.get_by_role("button", name="Send the answer to the campaign").click()
    fate = comment.locator(":scope > .comment-fate")
    fate.wait_for()
    drafter.wait_for_function("() => document.activeElement?.classList.contains('comment-fate')")
    drafter.locator("#live-status", has_text="Campaign answered: 3 signatures.").wait_for()

    # A signatory sees the one answer on each of the campaign's comments, and is offered no answer form.
    citizen = pages.new("citizen2")
    open_bill(citizen)
    citizen.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    citizen.get_by_role("button", name="Show the campaign's 2 other signatures here").click()
    for member in (template, signed, again):
        shown = citizen.locator(f'.comment[data-comment="{member}"] > .comment-fate')
        shown.wait_for()
        assert "What became of it: partly taken up" in shown.inner_text()
        assert "Answer to the campaign" in shown.inner_text()
        assert "Ninety days was weighed; sixty were kept." in shown.inner_text()
        assert shown.get_by_role("link", name="Version 1").get_attribute("href") == f"/bills/{DEMO_BILL}?version=1"
    assert citizen.locator('.comment[data-comment="1"] > .comment-fate').count() == 0
    assert citizen.get_by_role("button", name="Answer the whole campaign").count() == 0


def bill_without_consultation(app: Flask) -> int:
    """A second bill, published at version 1, on which no consultation was ever opened."""
    with app.extensions["parley.db"].write() as session:
        drafter = accounts.principal_of(session.query(User).filter_by(username="drafter").one())
        text = BILL_TEXT.read_text(encoding="utf-8")
        xml = parse_bill_text(text, country="ke", number="13", date=DEMO_BILL_DATE.isoformat(),
                              title="Public Hearings Bill, 2026", language="eng")
        return bills.import_bill(session, drafter, xml).bill.id


def test_the_comment_tools_appear_when_a_clerk_opens_a_consultation(pages: Pages, e2e_app: Flask) -> None:
    bill = bill_without_consultation(e2e_app)
    reader = pages.new("citizen")
    reader.goto(f"/bills/{bill}")
    ready(reader)
    # The reader follows the bill even with nothing to comment on yet: a consultation may open.
    reader.wait_for_selector("body[data-live='1']")
    assert reader.locator(".comment-button").count() == 0

    clerk = pages.new("clerk")
    clerk.goto(f"/bills/{bill}")
    ready(clerk)
    assert clerk.locator(".comment-button").count() == 0
    clerk.get_by_text("Open a public consultation").click()
    clerk.get_by_label("Opens (UTC)").fill(local(timedelta(minutes=-1)))
    clerk.get_by_label("Closes (UTC)").fill(local(timedelta(days=30)))
    clerk.get_by_role("button", name="Open the consultation").click()
    clerk.locator("#consultation-message", has_text="Consultation opened").wait_for()

    # Without a reload: the clerk's page, and the page the reader already had open.
    for page in (clerk, reader):
        page.locator(".consultation-state", has_text="Public consultation open until").wait_for()
        page.locator(f'.comment-button[data-eid="{DISCUSSED}"]').click()
        page.locator("#comments-heading", has_text="Comments on section 5(2)").wait_for()
    assert "Citizens comment here" in clerk.locator("#comments-body").inner_text()
    reader.get_by_label("Your comment").fill("Now that it is open: ninety days, please.")
    reader.get_by_role("button", name="Post comment").click()
    reader.locator("#comments-body .message", has_text="published").wait_for()
    reader.locator('.comment:has-text("Now that it is open")').wait_for()
    clerk.locator('.comment:has-text("Now that it is open")').wait_for()
    clerk.locator(f'.comment-button[data-eid="{DISCUSSED}"]', has_text="Comment (1)").wait_for()
    pages.audit(reader)


def test_the_comment_form_comes_and_goes_with_the_consultations_window_without_a_reload(
    pages: Pages, e2e_app: Flask
) -> None:
    bill = bill_without_consultation(e2e_app)
    # Far enough ahead for the page to load before it opens, even on a loaded machine.
    opens = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=10)
    with e2e_app.extensions["parley.db"].write() as session:
        clerk = accounts.principal_of(session.query(User).filter_by(username="clerk").one())
        consultations.open_consultation(session, clerk, bill, opens_at=opens, closes_at=opens + timedelta(seconds=10))
    reader = pages.new("citizen")
    reader.goto(f"/bills/{bill}")
    ready(reader)
    reader.locator(".consultation-state", has_text="Public consultation opens on").wait_for()
    reader.locator(f'.comment-button[data-eid="{DISCUSSED}"]').click()
    reader.locator("#comments-body", has_text="Comments are not open on this bill.").wait_for()
    assert reader.get_by_label("Your comment").count() == 0

    # The opening time comes: the form appears in the panel already open, and the head says until when.
    reader.locator(".consultation-state", has_text="Public consultation open until").wait_for(timeout=20_000)
    reader.locator("#live-status", has_text="The public consultation is open").wait_for()
    reader.get_by_label("Your comment").fill("Posted in the first seconds of the window.")
    reader.get_by_role("button", name="Post comment").click()
    reader.locator("#comments-body .message", has_text="published").wait_for()

    # The closing time comes: the form goes, the comment stays, and the page says so.
    reader.locator(".consultation-state", has_text="The public consultation has closed.").wait_for(timeout=20_000)
    reader.locator("#comments-body", has_text="Comments are not open on this bill.").wait_for()
    assert reader.get_by_label("Your comment").count() == 0
    assert reader.locator('.comment:has-text("Posted in the first seconds")').count() == 1
    reader.locator("#live-status", has_text="The public consultation has closed.").wait_for()
    assert reader.evaluate("document.body.dataset.consultation") == "closed"
    pages.audit(reader)
