"""The comment panel as a citizen uses it: changing, withdrawing or disowning one's own comment, what a thread
shows (edits, hidden comments in their place, quotes of the bill, long words, names written right to left),
reporting and endorsing once, the quote field, and the report reasons in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from server.services import accounts
from server.services import consultation_comments as comments
from server.services.consultation import ConsultationSettings
from server.store.consultation_models import Comment
from server.store.models import User
from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as

pytestmark = pytest.mark.browser

QUIET = "part_1__sec_2"  # no demo comment stands there
PANEL = "#comments-body"


def open_thread(page: Any, eid: str = DISCUSSED) -> None:
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.locator(f'.comment-button[data-eid="{eid}"]').click()
    page.locator(f"{PANEL} > *").first.wait_for()


def post_in_panel(page: Any, body: str) -> Any:
    """Posts ``body`` with the panel's form; returns the comment as it then stands in the thread."""
    page.get_by_label("Your comment").fill(body)
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment", has=page.locator(":scope > .comment-body", has_text=body))
    comment.wait_for()
    return comment


def actions_of(comment: Any) -> Any:
    return comment.locator(":scope > .comment-actions")


def listed(page: Any, **query: str) -> list[dict[str, Any]]:
    """The bill's public comments (``query``: the API's filters) as the page's session reads them."""
    url = f"/api/bills/{DEMO_BILL}/comments?" + "&".join(f"{k}={v}" for k, v in query.items())
    found: list[dict[str, Any]] = page.evaluate("(url) => fetch(url).then((r) => r.json())", url)["comments"]
    return found


def citizen_named(app: Flask, username: str, display_name: str) -> Any:
    """A citizen whose display name is ``display_name`` as stored, whatever the sign-up rules allow today."""
    with app.extensions["parley.db"].write() as session:
        user = accounts.register_user(session, username, "citizen", "quartz lantern orbit vinegar 71",
                                      display_name="Someone")
        user.display_name = display_name
        return accounts.principal_of(user)


def post_directly(app: Flask, author: Any, body: str, eid: str = DISCUSSED, **extra: Any) -> int:
    settings = ConsultationSettings.from_config(app.config)
    with app.extensions["parley.db"].write() as session:
        return int(comments.post_comment(session, author, DEMO_BILL, eid=eid, body=body, settings=settings,
                                         **extra).id)


def principal(app: Flask, username: str) -> Any:
    with app.extensions["parley.db"].read() as session:
        return accounts.principal_of(session.query(User).filter_by(username=username).one())


# --- one's own comment ----------------------------------------------------------------------------------------


def test_a_citizen_changes_their_comment_and_readers_see_it_was_edited(pages: Pages) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    comment = post_in_panel(citizen, "Section 2 needs a definition of the public.")
    actions = actions_of(comment)
    # One's own comment: no endorsement, no report, but a change, a withdrawal and "this was not me".
    assert actions.get_by_role("button", name="Endorse").count() == 0
    assert actions.get_by_role("button", name="Report").count() == 0
    assert actions.get_by_role("button", name="This was not me").count() == 1
    actions.get_by_role("button", name="Withdraw").wait_for()

    actions.get_by_role("button", name="Edit").click()
    editor = comment.get_by_label("Change your comment")
    assert editor.input_value() == "Section 2 needs a definition of the public."
    citizen.wait_for_function("() => document.activeElement?.tagName === 'TEXTAREA'")
    pages.audit(citizen)
    editor.fill("Section 2 needs a definition of the public that includes people abroad.")
    comment.get_by_role("button", name="Save the change").click()

    changed = citizen.locator(".comment", has=citizen.locator(
        ":scope > .comment-body", has_text="that includes people abroad"))
    changed.locator(":scope > .comment-meta .comment-edited", has_text="edited").wait_for()
    assert changed.locator(":scope > form").count() == 0
    citizen.locator(".panel-status", has_text="Your comment is changed.").wait_for()

    reader = pages.new()
    open_thread(reader, QUIET)
    seen = reader.locator(".comment", has_text="that includes people abroad")
    edited_at = listed(reader, eid=QUIET)[0]["edited_at"]
    assert edited_at
    assert seen.locator(".comment-edited").inner_text() == f"edited {edited_at[:16].replace('T', ' ')}"
    assert seen.get_by_role("button", name="Edit").count() == 0


def test_an_edit_the_lexicon_holds_leaves_the_public_thread_and_tells_its_author_it_waits_for_a_clerk(
    pages: Pages,
) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    comment = post_in_panel(citizen, "The drafters forgot the diaspora.")
    actions_of(comment).get_by_role("button", name="Edit").click()
    comment.get_by_label("Change your comment").fill("The drafters are idiots who forgot the diaspora.")
    comment.get_by_role("button", name="Save the change").click()
    citizen.locator(".panel-status", has_text="Your edit waits for a clerk").wait_for()
    # Its author alone still finds it where it was, as waiting for a clerk.
    waiting = citizen.locator(".comment-held", has_text="idiots who forgot the diaspora")
    assert "waits for a clerk" in waiting.locator(":scope > .held-note").inner_text()
    assert citizen.locator(".comment:not(.comment-held)", has_text="forgot the diaspora").count() == 0
    assert listed(citizen, eid=QUIET) == []


def test_a_citizen_withdraws_their_reply_once_they_confirm(pages: Pages) -> None:
    neighbour = pages.new("citizen2")
    open_thread(neighbour)
    first = neighbour.locator('.comment[data-comment="1"]')
    actions_of(first).get_by_role("button", name="Reply").click()
    first.get_by_label("Reply").fill("On second thought, forty-five days would do.")
    first.get_by_role("button", name="Send reply").click()
    reply = first.locator(".replies > .comment", has_text="forty-five days")
    reply.wait_for()

    # One's own reply can be withdrawn too, but not at a single click.
    actions_of(reply).get_by_role("button", name="Withdraw").click()
    confirm = reply.locator(":scope > .withdraw-form")
    assert "leaves the consultation" in confirm.inner_text()
    pages.audit(neighbour)
    confirm.get_by_role("button", name="Keep it").click()
    assert confirm.count() == 0
    neighbour.wait_for_function("() => document.activeElement?.dataset.action === 'withdraw'")

    actions_of(reply).get_by_role("button", name="Withdraw").click()
    reply.locator(":scope > .withdraw-form").get_by_role("button", name="Withdraw it").click()
    neighbour.locator(".panel-status", has_text="Your comment is withdrawn.").wait_for()
    assert neighbour.locator(".comment", has_text="forty-five days").count() == 0
    assert [c["body"] for c in listed(neighbour, eid=DISCUSSED) if "forty-five" in c["body"]] == []


def test_the_change_buttons_go_when_the_edit_window_closes(pages: Pages, e2e_app: Flask) -> None:
    e2e_app.config["COMMENT_EDIT_WINDOW_SECONDS"] = 4
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    comment = post_in_panel(citizen, "Quick thought, soon fixed.")
    actions = actions_of(comment)
    actions.get_by_role("button", name="Edit").wait_for()
    # The page knows the window: the buttons go by themselves when it closes, "not mine" stays.
    actions.get_by_role("button", name="Edit").wait_for(state="detached", timeout=10_000)
    assert actions.get_by_role("button", name="Withdraw").count() == 0
    assert actions.get_by_role("button", name="This was not me").count() == 1


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.removesuffix("Z")).replace(tzinfo=UTC)


@pytest.mark.parametrize("skew", [timedelta(hours=1), timedelta(hours=-1)], ids=["browser_ahead", "browser_behind"])
def test_the_change_buttons_go_at_editable_until_by_the_servers_clock(
    pages: Pages, e2e_app: Flask, skew: timedelta,
) -> None:
    e2e_app.config["COMMENT_EDIT_WINDOW_SECONDS"] = 6
    citizen = pages.new("citizen")
    # The browser's clock is an hour off the server's (which is this machine's): the window is the server's.
    citizen.clock.install(time=datetime.now(UTC) + skew)
    open_thread(citizen, QUIET)
    browser_now = datetime.fromtimestamp(citizen.evaluate("Date.now()") / 1000, UTC)
    assert abs(browser_now - datetime.now(UTC) - skew) < timedelta(minutes=1)
    comment = post_in_panel(citizen, "Timed by the server, not by this computer.")
    actions = actions_of(comment)
    actions.get_by_role("button", name="Edit").wait_for()
    assert actions.get_by_role("button", name="Withdraw").count() == 1
    mine = next(c for c in listed(citizen, eid=QUIET) if c["body"].startswith("Timed by the server"))
    until = _utc(mine["editable_until"])
    assert until - _utc(mine["created_at"]) == timedelta(seconds=6)
    assert datetime.now(UTC) < until - timedelta(seconds=2), "the test's assumptions hold"

    actions.get_by_role("button", name="Edit").wait_for(state="detached", timeout=15_000)
    gone = datetime.now(UTC)
    assert actions.get_by_role("button", name="Withdraw").count() == 0
    assert actions.get_by_role("button", name="This was not me").count() == 1
    # At editable_until, as the server's Date header lets the page tell it (to the second; then a refresh of the
    # list, at most one a second, draws it).
    assert until - timedelta(seconds=1.5) <= gone <= until + timedelta(seconds=5), (until, gone)
    # Only one's own comments come with a window.
    assert "editable_until" not in next(c for c in listed(citizen, eid=DISCUSSED) if c["id"] == 3)


def test_a_change_the_server_refuses_as_too_late_says_why(pages: Pages, e2e_app: Flask) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen, QUIET)
    comment = post_in_panel(citizen, "Written in a hurry.")
    comment_id = int(comment.get_attribute("data-comment") or 0)
    # The page's clock and the server's disagree: the server's word holds.
    with e2e_app.extensions["parley.db"].write() as session:
        stored = session.get(Comment, comment_id)
        assert stored is not None
        stored.created_at -= timedelta(minutes=20)
    actions_of(comment).get_by_role("button", name="Edit").click()
    comment.get_by_label("Change your comment").fill("Written in a hurry, and mended.")
    comment.get_by_role("button", name="Save the change").click()
    refusal = comment.locator(":scope > form .message")
    refusal.filter(has_text="Too late").wait_for()
    assert "15 min" in refusal.inner_text()
    pages.expect_refusal(409)
    assert actions_of(comment).get_by_role("button", name="Edit").count() == 0
    assert actions_of(comment).get_by_role("button", name="Withdraw").count() == 0
    # What was typed is still there to copy.
    assert comment.get_by_label("Change your comment").input_value() == "Written in a hurry, and mended."


def test_this_was_not_me_takes_ones_comment_out_of_view_for_a_clerk(pages: Pages) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen)
    first = citizen.locator('.comment[data-comment="1"]')
    actions_of(first).get_by_role("button", name="This was not me").click()
    form = first.locator(":scope > .not-mine-form")
    form.get_by_label("What happened? (optional)").fill("I never wrote this; my phone was stolen.")
    pages.audit(citizen)
    form.get_by_role("button", name="Report it as not mine").click()
    status = citizen.locator(".panel-status", has_text="Reported as not written by you")
    status.wait_for()
    # Its account holder alone still sees it, as reported and with nothing left to do on it.
    reported = citizen.locator('.comment-held[data-comment="1"]')
    assert "You reported this comment as not written by you" in reported.locator(":scope > .held-note").inner_text()
    assert actions_of(reported).count() == 0
    assert listed(citizen, eid=DISCUSSED)[0]["id"] != 1
    # The reply it drew stays, and the author learns how to keep whoever posted it out.
    assert citizen.locator('.comment[data-comment="3"]').count() == 1
    assert status.get_by_role("link", name="Change your password").get_attribute("href") == "/account/password"
    citizen.wait_for_function("() => document.activeElement?.classList.contains('panel-status')")

    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    clerk.locator('.queued-comment[data-comment="1"]').wait_for()


# --- what a thread shows --------------------------------------------------------------------------------------


def test_hidden_comments_keep_their_place_in_the_thread_with_their_replies(pages: Pages) -> None:
    neighbour, citizen, clerk = pages.new("citizen2"), pages.new("citizen"), pages.new("clerk")
    assert post_as(neighbour, f"/api/bills/{DEMO_BILL}/comments", {"eid": DISCUSSED, "body": "Later comment."}) == 201
    assert post_as(citizen, f"/api/bills/{DEMO_BILL}/comments", {"reply_to": 4, "body": "A rude reply."}) == 201
    assert post_as(clerk, "/api/comments/1/moderation", {"action": "hide", "reason": "harassment"}) == 200
    assert post_as(clerk, "/api/comments/5/moderation", {"action": "hide", "reason": "spam"}) == 200

    reader = pages.new()
    open_thread(reader)
    top = reader.locator(f"{PANEL} > .comment-list > li")
    top.nth(1).wait_for()
    assert top.count() == 2
    # Where comment 1 was: its notice, with the reply it drew under it.
    assert top.nth(0).get_attribute("data-comment") == "1"
    assert "hidden by a moderator: harassment" in top.nth(0).inner_text()
    assert top.nth(0).locator('.replies > .comment[data-comment="3"]').count() == 1
    # A hidden reply is noticed under its comment, not after the list.
    assert top.nth(1).get_attribute("data-comment") == "4"
    notice = top.nth(1).locator(':scope > .replies > .comment-hidden[data-comment="5"]')
    assert "hidden by a moderator: spam" in notice.inner_text()
    assert reader.locator(f"{PANEL} > .comment-hidden").count() == 0
    pages.audit(reader)


def test_long_words_and_addresses_stay_inside_the_panel(pages: Pages) -> None:
    citizen, clerk = pages.new("citizen"), pages.new("clerk")
    word = "a" * 10_000
    address = "https://example.org/" + "consultation/" * 150
    for body in (word, f"See {address} for the details."):
        assert post_as(citizen, f"/api/bills/{DEMO_BILL}/comments", {"eid": DISCUSSED, "body": body}) == 201
    assert post_as(clerk, "/api/comments/1/answers", {"body": "b" * 3000, "fate": "noted"}) == 201

    reader = pages.new()
    open_thread(reader)
    reader.locator(".comment", has_text="example.org").wait_for()
    widths = reader.evaluate("""() => [...document.querySelectorAll(
        '#comments-panel, #comments-panel .comment-body, #comments-panel .answer-body, #comments-panel .comment')]
        .map((el) => [el.className || el.id, el.scrollWidth, el.clientWidth])""")
    assert [w for w in widths if w[1] > w[2] + 1] == []


def test_line_breaks_of_an_answer_are_kept(pages: Pages) -> None:
    clerk = pages.new("clerk")
    body = "The committee weighed it.\nSixty days were kept.\n\nSee version 2."
    assert post_as(clerk, "/api/comments/1/answers", {"body": body, "fate": "noted"}) == 201
    reader = pages.new()
    open_thread(reader)
    answer = reader.locator('.comment[data-comment="1"] .answer-body')
    assert answer.inner_text() == body


# The x of the first and of the last character of `date` where it stands in `meta`.
DATE_EDGES = """(meta, date) => {
  const walker = document.createTreeWalker(meta, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(date);
    if (at < 0) continue;
    const box = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                         return r.getBoundingClientRect().left; };
    return [box(at), box(at + date.length - 1)];
  }
  return null;
}"""


def test_a_name_written_right_to_left_does_not_turn_the_date_around(pages: Pages, e2e_app: Flask) -> None:
    mallory = citizen_named(e2e_app, "mallory", "\u202eyrollaM")
    comment_id = post_directly(e2e_app, mallory, "A plain comment from a strange name.")
    reader = pages.new()
    open_thread(reader)
    meta = reader.locator(f'.comment[data-comment="{comment_id}"] > .comment-meta').first
    meta.wait_for()
    created = next(c for c in listed(reader, eid=DISCUSSED) if c["id"] == comment_id)["created_at"]
    date = created[:16].replace("T", " ")
    edges = meta.evaluate(DATE_EDGES, date)
    assert edges is not None, "the date is shown in one piece"
    first, last = edges
    assert first < last, "the date reads left to right"
    assert meta.locator("bdi").inner_text() == "\u202eyrollaM"


def test_the_quote_reads_as_the_bills_words_and_the_comment_as_plain_text(pages: Pages) -> None:
    reader = pages.new()
    open_thread(reader)
    first = reader.locator('.comment[data-comment="1"]')
    quote = first.locator(":scope > .comment-quote")
    assert quote.locator(".quote-label").inner_text() == "Quoting the bill:"
    words = quote.locator("blockquote")
    assert words.inner_text().strip("“”\"") == "thirty days"
    marks = words.evaluate("""(el) => [getComputedStyle(el, '::before').content,
                                       getComputedStyle(el, '::after').content]""")
    assert all(mark not in ("none", "normal", '""') for mark in marks), marks
    body = first.locator(":scope > .comment-body")
    assert body.evaluate("(el) => getComputedStyle(el).borderLeftStyle") == "none"
    assert words.evaluate("(el) => getComputedStyle(el).borderLeftStyle") != "none"


def test_words_quoted_from_an_earlier_version_say_which_version(pages: Pages) -> None:
    drafter = pages.new("drafter")
    drafter.goto(f"/bills/{DEMO_BILL}")
    ready(drafter)
    assert post_as(drafter, f"/api/bills/{DEMO_BILL}/versions", {"source": "working"}) == 201
    reader = pages.new()
    open_thread(reader)
    label = reader.locator('.comment[data-comment="1"] > .comment-quote .quote-label')
    assert label.inner_text() == "Quoting version 1 of the bill:"
    assert label.locator("a").get_attribute("href") == f"/bills/{DEMO_BILL}?version=1"


# --- reporting and endorsing once -----------------------------------------------------------------------------


def test_a_reported_comment_says_reported_and_offers_no_second_report(pages: Pages, e2e_app: Flask) -> None:
    reporter = pages.new("citizen2")
    # The same account on another device, its thread read before the report (reports are not broadcast).
    elsewhere = pages.new("citizen2")
    open_thread(elsewhere)
    open_thread(reporter)
    reporter.wait_for_selector("body[data-live='1']")
    first = reporter.locator('.comment[data-comment="1"]')
    actions_of(first).get_by_role("button", name="Report").click()
    first.locator(".flag-form select").select_option("off_topic")
    first.locator(".flag-form").get_by_role("button", name="Report").click()
    actions_of(first).get_by_text("Reported", exact=True).wait_for()
    assert actions_of(first).get_by_role("button", name="Report").count() == 0

    # The other device's list was read before: the server's "already" is taken as what it is.
    stale = elsewhere.locator('.comment[data-comment="1"]')
    actions_of(stale).get_by_role("button", name="Report").click()
    stale.locator(".flag-form").get_by_role("button", name="Report").click()
    stale.locator(".message", has_text="You have already reported this comment.").wait_for()
    pages.expect_refusal(409)
    assert actions_of(stale).get_by_role("button", name="Report").count() == 0
    assert actions_of(stale).get_by_text("Reported", exact=True).count() == 1
    assert "Refused" not in stale.inner_text()

    # A live refresh draws the thread again: still reported, still no button.
    post_directly(e2e_app, principal(e2e_app, "citizen"), "Meanwhile, another comment.")
    reporter.locator(".comment", has_text="Meanwhile, another comment.").wait_for()
    assert actions_of(first).get_by_role("button", name="Report").count() == 0
    assert actions_of(first).get_by_text("Reported", exact=True).count() == 1

    # Another visit: the list says which comments this account reported.
    reporter.reload()
    open_thread(reporter)
    actions_of(first).get_by_text("Reported", exact=True).wait_for()
    assert actions_of(first).get_by_role("button", name="Report").count() == 0
    assert [c["id"] for c in listed(reporter, eid=DISCUSSED) if c["flagged"]] == [1]
    # Others' comments can still be reported.
    others = reporter.locator(".comment", has=reporter.locator(":scope > .comment-body", has_text="Meanwhile"))
    assert actions_of(others).get_by_role("button", name="Report").count() == 1


def test_a_report_may_say_in_a_note_what_the_clerks_should_know(pages: Pages) -> None:
    sent: list[Any] = []

    def reporting(user: str) -> Any:
        page = pages.new(user)
        page.on("request", lambda request: sent.append(request.post_data_json)
                if request.method == "POST" and request.url.endswith("/flags") else None)
        open_thread(page)
        return page

    reporter = reporting("citizen2")
    first = reporter.locator('.comment[data-comment="1"]')
    actions_of(first).get_by_role("button", name="Report").click()
    form = first.locator(".flag-form")
    form.get_by_label("Why are you reporting this comment?").select_option("personal_data")
    form.get_by_label("Anything the clerks should know? (optional)").fill("  It gives my neighbour's address.  ")
    pages.audit(reporter)
    form.get_by_role("button", name="Report").click()
    actions_of(first).get_by_text("Reported", exact=True).wait_for()
    # Without one, no note is sent at all (not an empty one). Comment 3 is citizen2's own reply.
    second = reporting("citizen").locator('.comment[data-comment="3"]')
    actions_of(second).get_by_role("button", name="Report").click()
    second.locator(".flag-form").get_by_role("button", name="Report").click()
    actions_of(second).get_by_text("Reported", exact=True).wait_for()
    assert sent == [{"reason": "personal_data", "note": "It gives my neighbour's address."}, {"reason": "harassment"}]

    clerk = pages.new("clerk")
    clerk.goto("/moderation")
    ready(clerk)
    assert clerk.locator('.queued-comment[data-comment="1"] .flags li').inner_text() == (
        "Reported as personal data: It gives my neighbour's address.")


def test_a_double_click_endorses_once(pages: Pages) -> None:
    citizen = pages.new("citizen")
    open_thread(citizen)
    sent: list[str] = []
    citizen.on("request", lambda request: sent.append(request.url)
               if request.method == "POST" and request.url.endswith("/endorsements") else None)
    reply = citizen.locator('.comment[data-comment="3"]')
    actions_of(reply).get_by_role("button", name="Endorse").dblclick()
    actions_of(reply).get_by_role("button", name="Endorsed").wait_for()
    reply.locator(".endorsement-count", has_text="1").wait_for()
    citizen.wait_for_timeout(300)
    assert len(sent) == 1
    assert "Refused" not in reply.inner_text()


# --- the quote field ------------------------------------------------------------------------------------------


def test_the_quote_is_sent_trimmed_and_without_its_quotation_marks(pages: Pages, e2e_app: Flask) -> None:
    e2e_app.config["BURST_MAX_POSTS"] = 50  # a new account posting this fast would be held otherwise
    citizen = pages.new("citizen")
    open_thread(citizen)
    quote = citizen.get_by_label("Quote (optional)")
    hint = citizen.locator("#" + (quote.get_attribute("aria-describedby") or "missing"))
    assert "exact words" in hint.inner_text()

    for typed, body in (("  “thirty days”  ", "Quoted with curly marks."), ('"thirty days"', "Quoted plainly."),
                        ("« thirty days »", "Quoted the French way."), ("   ", "Only spaces in the quote.")):
        quote.fill(typed)
        post_in_panel(citizen, body)
    sent = {c["body"]: c["quote"] for c in listed(citizen, eid=DISCUSSED)}
    assert sent["Quoted with curly marks."] == "thirty days"
    assert sent["Quoted plainly."] == "thirty days"
    assert sent["Quoted the French way."] == "thirty days"
    assert sent["Only spaces in the quote."] is None


# --- words, not keys ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["personal data", "off topic"]),
    ("fr", ["données personnelles", "hors sujet"]),
])
def test_report_reasons_read_as_words(pages: Pages, lang: str, expected: list[str]) -> None:
    reporter = pages.new("citizen2")
    reporter.goto(f"/bills/{DEMO_BILL}?lang={lang}")
    ready(reporter)
    reporter.locator(f'.comment-button[data-eid="{DISCUSSED}"]').click()
    first = reporter.locator('.comment[data-comment="1"]')
    actions_of(first).locator('[data-action="flag"]').click()
    options = first.locator(".flag-form select option").all_inner_texts()
    assert all(word in options for word in expected), options
    assert not [option for option in options if "_" in option]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Reported as personal data: my address", "Reported as off topic"]),
    # The separator before the note as French writes it, a no-break space before the colon.
    ("fr", ["Signalé pour : données personnelles\u00a0: my address", "Signalé pour : hors sujet"]),
])
def test_the_moderation_queue_names_reasons_as_the_panel_does(pages: Pages, lang: str, expected: list[str]) -> None:
    citizen, neighbour = pages.new("citizen"), pages.new("citizen2")
    assert post_as(citizen, "/api/comments/3/flags", {"reason": "personal_data", "note": "my address"}) == 201
    assert post_as(neighbour, "/api/comments/1/flags", {"reason": "off_topic"}) == 201
    clerk = pages.new("clerk")
    clerk.goto(f"/moderation?lang={lang}")
    ready(clerk)
    flags = [clerk.locator(f'.queued-comment[data-comment="{id_}"] .flags li').inner_text() for id_ in (3, 1)]
    assert flags == expected
