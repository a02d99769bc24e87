"""Another drafter deletes the provision a drafter is typing in: the drafter is told which provision (by its label,
in the page's language), what was typed and not saved is kept in the page to copy, the focus goes there, and the
state of the saving still says when the page is offline."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_drafting import open_editor
from tests.e2e.test_drafting_together import (
    SAVE_TIMEOUT_MS,
    back_online,
    block,
    editor_of,
    focus_end,
    stored,
    type_until,
    wait_saved,
)
from tests.e2e.test_focus_after_actions import settled

pytestmark = pytest.mark.browser

GONE, LABEL, NEXT = "part_5__sec_21", "21. Transitional provision", "part_5__sec_22"
# A Socket.IO `edit` message as the page sends it: `42<ack id>["edit",{...}]`.
_EDIT_FRAME = re.compile(r'^42\d*\["edit"')


def hold_edits(page: Any) -> None:
    """From now on the page's edits never reach the server (everything else on its socket does): what is typed
    stays unsaved for as long as the test needs."""

    def route(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if not (isinstance(message, str) and _EDIT_FRAME.match(message)):
                server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r"/socket\.io/"), route)


def delete(page: Any, eid: str, label: str) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(block(eid)).scroll_into_view_if_needed()
    page.get_by_role("button", name=f"Delete: {label}").click()


def test_unsaved_text_of_a_provision_deleted_by_another_drafter_is_kept_to_copy(pages: Pages, e2e_app: Flask) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    amina.context.grant_permissions(["clipboard-read", "clipboard-write"])
    hold_edits(amina)
    open_editor(amina)
    open_editor(brian)
    _, before = stored(e2e_app, GONE)
    focus_end(amina, GONE)
    amina.keyboard.type(" Unsaved words.", delay=10)
    amina.wait_for_selector("#sync-state[data-state='saving']")

    delete(brian, GONE, LABEL)
    amina.locator(block(GONE)).wait_for(state="detached")

    # Named as drafters name it, not by its eId.
    message = amina.inner_text("#editor-message")
    assert message.startswith(f"{LABEL} was deleted by another drafter"), message
    assert GONE not in message
    kept = amina.locator(".kept-text")
    assert kept.count() == 1
    assert kept.get_by_role("textbox").input_value() == before + " Unsaved words."
    assert kept.get_by_role("textbox").get_attribute("readonly") is not None
    # The focus went to the kept text, read-only: the drafter typing on presses no button (a space pressed Copy and
    # replaced the clipboard), and the page goes on saying the text was not saved.
    settled(amina, ".kept-text textarea")
    amina.keyboard.type(" and more", delay=10)
    amina.wait_for_timeout(300)
    assert kept.locator("[role=status]").inner_text() == ""
    assert amina.locator("#sync-state").get_attribute("data-state") == "error"
    amina.keyboard.press("Tab")
    settled(amina, ".kept-text button[data-action=copy]")
    amina.keyboard.press("Enter")
    kept.locator("[role=status]", has_text="Copied").wait_for()
    assert amina.evaluate("navigator.clipboard.readText()") == before + " Unsaved words."
    state = amina.locator("#sync-state")
    assert state.get_attribute("data-state") == "error"
    assert LABEL in state.inner_text()
    pages.audit(amina)

    # Where the page may not write to the clipboard, the text is selected for the drafter to copy.
    amina.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('not allowed')); }")
    kept.get_by_role("button", name="Copy").click()
    kept.locator("[role=status]", has_text="could not be copied").wait_for()
    settled(amina, ".kept-text textarea")
    selected = amina.evaluate("() => document.getSelection().toString() || document.activeElement.value.slice("
                              "document.activeElement.selectionStart, document.activeElement.selectionEnd)")
    assert selected == before + " Unsaved words."

    # Dismissed: the focus goes back to where the provision stood, not to the page's body.
    kept.get_by_role("button", name="Dismiss").click()
    assert amina.locator(".kept-text").count() == 0
    settled(amina, f"{block(NEXT)} > header h3")


def test_a_drafter_typing_on_as_the_provision_is_deleted_is_never_told_the_server_refused_it(
    pages: Pages, e2e_app: Flask,
) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    _, before = stored(e2e_app, GONE)
    focus_end(amina, GONE)
    amina.evaluate("""() => {
      const message = document.getElementById('editor-message');
      window.parleyMessages = [];
      new MutationObserver(() => window.parleyMessages.push(message.textContent))
        .observe(message, {childList: true, characterData: true, subtree: true});
    }""")

    delete(brian, GONE, LABEL)
    # Edits in flight as the provision goes are answered not_found by the server: the drafter is told of the
    # deletion, not of a refusal.
    typed = type_until(amina, lambda: amina.locator(block(GONE)).count() == 0, "w", after=0)
    amina.wait_for_timeout(1500)  # an edit that was in flight gets its answer, or goes out again
    messages = [str(text) for text in amina.evaluate("() => window.parleyMessages")]
    assert not [text for text in messages if text.startswith("Refused")], messages
    assert not amina.evaluate("() => document.activeElement === document.body")
    kept = amina.locator(".kept-text textarea")
    if kept.count():
        assert (before + typed).startswith(kept.input_value())
        assert messages[-1].startswith(f"{LABEL} was deleted by another drafter"), messages
        # What was typed there is not saved: the state never comes back to "saved" while the box is shown.
        assert amina.locator("#sync-state").get_attribute("data-state") == "error"


def test_in_french_the_text_typed_offline_in_a_deleted_provision_is_kept_and_reconnecting_shows(
    pages: Pages, e2e_app: Flask,
) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    amina.goto(f"/bills/{DEMO_BILL}/edit?lang=fr")
    ready(amina)
    amina.wait_for_selector(editor_of("part_1__sec_1__subsec_1"))
    open_editor(brian)
    _, before = stored(e2e_app, GONE)
    focus_end(amina, GONE)
    wait_saved(amina)

    amina.context.set_offline(True)
    amina.keyboard.type(" mots tapés hors ligne", delay=10)
    amina.wait_for_selector("#sync-state[data-state='offline']", timeout=SAVE_TIMEOUT_MS)
    delete(brian, GONE, LABEL)
    brian.locator(block(GONE)).wait_for(state="detached")
    back_online(pages, amina)
    amina.locator(block(GONE)).wait_for(state="detached", timeout=SAVE_TIMEOUT_MS)

    kept = amina.locator(".kept-text")
    assert kept.get_by_role("textbox").input_value() == before + " mots tapés hors ligne"
    settled(amina, ".kept-text textarea")
    amina.wait_for_selector("#sync-state[data-state='error']")
    message = amina.inner_text("#editor-message")

    # Offline again: the state says so, not the earlier message.
    amina.context.set_offline(True)
    amina.wait_for_selector("#sync-state[data-state='offline']", timeout=SAVE_TIMEOUT_MS)
    assert amina.inner_text("#sync-state") == "Reconnexion…"
    back_online(pages, amina)
    amina.wait_for_selector("#sync-state[data-state='error']", timeout=SAVE_TIMEOUT_MS)

    # Said in the page's language, naming the provision as drafters do.
    assert message.startswith(f"La disposition {LABEL} a été supprimée par un autre rédacteur"), message
    assert amina.inner_text("#sync-state") == message
    assert amina.inner_text(".kept-text button[data-action=copy]") == "Copier"
