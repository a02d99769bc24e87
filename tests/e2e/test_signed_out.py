"""A drafter's live connection when the account's sign-in ends: the password changed in this browser (the editor
carries on) or in another one (the editor says so, keeps what is typed, and saves it once the drafter has signed
in again and reconnects)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from server.store.models import Provision
from tests.e2e.conftest import DEMO_BILL, PASSWORDS, Pages, ready
from tests.e2e.test_consultation import DISCUSSED, post_as
from tests.e2e.test_drafting import EDITOR, EID, open_editor, wait_for_text

pytestmark = pytest.mark.browser

NEW = "a-brand-new-password"


def change_password(page: Any, current: str, new: str) -> None:
    page.goto("/account/password")
    page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()


def saved_text(app: Flask) -> str:
    with app.extensions["parley.db"].read() as session:
        provision = session.query(Provision).filter_by(bill_id=DEMO_BILL, eid=EID).one()
        return str(provision.text)


def wait_saved(page: Any) -> None:
    page.wait_for_selector("#sync-state[data-state='saved']")


def test_the_editor_carries_on_when_its_own_browser_changes_the_password(pages: Pages, e2e_app: Flask) -> None:
    editor = pages.new("drafter")
    open_editor(editor)
    wait_saved(editor)
    change_password(editor.context.new_page(), PASSWORDS["drafter"], NEW)
    # The server closed the editor's connection (its session was renewed, not ended): it comes back by itself.
    editor.click(EDITOR)
    editor.keyboard.press("End")
    editor.keyboard.type(" Typed after the change.", delay=10)
    # Never "Saved" before the server has it (the page is in a background tab here, whose timers are slowed: a
    # state shown only by a timer still said "Saved" from before the typing).
    state = editor.locator("#sync-state").get_attribute("data-state")
    assert state != "saved" or "Typed after the change." in saved_text(e2e_app)
    wait_saved(editor)
    assert "Typed after the change." in saved_text(e2e_app)
    assert editor.locator("#signed-out").is_hidden()


def test_the_editor_keeps_what_is_typed_when_the_sign_in_ends_and_saves_it_after_signing_in_again(
    pages: Pages, e2e_app: Flask
) -> None:
    editor = pages.new("drafter")
    open_editor(editor)
    wait_saved(editor)
    change_password(pages.new("drafter"), PASSWORDS["drafter"], NEW)

    notice = editor.locator("#signed-out")
    notice.get_by_text("this account's password was changed in another browser").wait_for()
    editor.wait_for_selector("#sync-state[data-state='signed_out']")
    assert editor.locator("#sync-state").inner_text() == "Signed out: not saving"
    editor.click(EDITOR)
    editor.keyboard.press("End")
    editor.keyboard.type(" Kept while signed out.", delay=10)
    wait_for_text(editor, "Kept while signed out.", 2000)
    assert "Kept while signed out." not in saved_text(e2e_app)

    # Reconnecting before signing in again changes nothing, and says why.
    notice.get_by_role("button", name="Reconnect").click()
    notice.get_by_text("Still signed out").wait_for()
    editor.wait_for_function("() => document.activeElement?.textContent === 'Reconnect'")
    assert "Kept while signed out." not in saved_text(e2e_app)

    # Signed in again in another tab of the same browser, then back to the editor.
    assert notice.get_by_role("link", name="Sign in again (in a new tab)").get_attribute("target") == "_blank"
    tab = editor.context.new_page()
    tab.goto("/login")
    tab.fill("#username", "drafter")
    tab.fill("#password", NEW)
    tab.click("form.stacked button[type=submit]")
    tab.wait_for_url("**/")
    notice.get_by_role("button", name="Reconnect").click()
    notice.wait_for(state="hidden")
    wait_saved(editor)
    assert "Kept while signed out." in saved_text(e2e_app)
    editor.locator("#live-status", has_text="Reconnected").wait_for()
    ready(editor)
    pages.audit(editor)


def test_a_readers_page_keeps_following_the_bill_when_its_sign_in_ends(pages: Pages) -> None:
    reader = pages.new("citizen")
    reader.goto(f"/bills/{DEMO_BILL}")
    ready(reader)
    reader.wait_for_selector("body[data-live='1']")
    reader.evaluate("document.body.dataset.live = ''")
    change_password(pages.new("citizen"), PASSWORDS["citizen"], NEW)
    # Closed by the server, the connection comes back (anonymous now) and joins the bill's room again.
    reader.wait_for_selector("body[data-live='1']")
    before = reader.locator(f'.comment-button[data-eid="{DISCUSSED}"]').inner_text()
    poster = pages.new("citizen2")
    poster.goto(f"/bills/{DEMO_BILL}")
    ready(poster)
    assert post_as(poster, f"/api/bills/{DEMO_BILL}/comments",
                   {"eid": DISCUSSED, "body": "Posted while the other reader was signed out."}) == 201
    reader.wait_for_function(
        "([eid, before]) => document.querySelector(`.comment-button[data-eid=\"${eid}\"]`).textContent !== before",
        arg=[DISCUSSED, before])
