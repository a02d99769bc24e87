"""Two drafters in one bill: nothing typed is lost to the other's structure edits, to a dropped connection, to undo
or to a large paste, and the state of the saving never says "saved" when something was not."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from server.store.models import Provision
from tests.e2e.conftest import DEMO_BILL, Pages
from tests.e2e.test_drafting import EDITOR, EID, open_editor, wait_for_text

pytestmark = pytest.mark.browser

SAVE_TIMEOUT_MS = 30_000

# Which editor has the focus: the eId of its block, and whether the caret is in its text.
_FOCUS = """() => {
  const host = document.activeElement;
  const block = host?.closest?.('section.provision-editor');
  return {eid: block?.dataset.eid ?? null, tag: host?.tagName ?? null,
          inText: Boolean(host?.shadowRoot?.activeElement?.classList.contains('cm-content'))};
}"""


def block(eid: str) -> str:
    return f'section.provision-editor[data-eid="{eid}"]'


def editor_of(eid: str) -> str:
    return f"{block(eid)} .cm-content"


def focus_end(page: Any, eid: str) -> None:
    """Puts the caret at the end of provision ``eid``'s text (its editor is made as it comes into view)."""
    page.locator(block(eid)).scroll_into_view_if_needed()
    page.locator(editor_of(eid)).click()
    page.keyboard.press("Control+End")


def shown_text(page: Any, eid: str) -> str:
    return str(page.locator(editor_of(eid)).evaluate(
        """el => [...el.querySelectorAll('.cm-line')].map((line) => {
             const copy = line.cloneNode(true);
             copy.querySelectorAll('.remote-cursor').forEach((node) => node.remove());
             return copy.textContent;
           }).join('\\n')"""))


def wid_at(app: Flask, eid: str) -> str:
    """The wId of the provision whose eId is ``eid`` now."""
    with app.extensions["parley.db"].read() as session:
        return str(session.query(Provision).filter_by(bill_id=DEMO_BILL, eid=eid).one().wid)


def stored(app: Flask, wid: str) -> tuple[str, str]:
    """The provision's eId and text on the server."""
    with app.extensions["parley.db"].read() as session:
        row = session.query(Provision).filter_by(bill_id=DEMO_BILL, wid=wid).one()
        return str(row.eid), str(row.text)


def record_states(page: Any) -> None:
    """From now on every state of the saving the page shows is kept in ``window.parleyStates``."""
    page.evaluate("""() => {
      const state = document.getElementById('sync-state');
      window.parleyStates = [state.dataset.state];
      new MutationObserver(() => window.parleyStates.push(state.dataset.state))
        .observe(state, {attributes: true, attributeFilter: ['data-state']});
    }""")


def states(page: Any) -> list[str]:
    return [str(value) for value in page.evaluate("() => window.parleyStates")]


def wait_saved(page: Any, timeout_ms: int = SAVE_TIMEOUT_MS) -> None:
    page.wait_for_selector("#sync-state[data-state='saved']", timeout=timeout_ms)


# What Chromium logs of a connection the emulated network cut: each attempt made offline, and a socket's frame that
# was on its way when the line went down. The network's doing, not the page's.
_NETWORK_CUT = ("ERR_INTERNET_DISCONNECTED", "Data frame received after close")


def forgive_network_cuts(pages: Pages) -> None:
    pages.console_errors[:] = [e for e in pages.console_errors if not any(cut in e for cut in _NETWORK_CUT)]


def back_online(pages: Pages, page: Any) -> None:
    """Ends ``page``'s offline spell; the console errors the cut caused are forgiven (see _NETWORK_CUT)."""
    page.context.set_offline(False)
    forgive_network_cuts(pages)


def type_until(page: Any, done: Callable[[], bool], prefix: str, *, at_least: int = 3, after: int = 4) -> str:
    """Types words ``<prefix>1 <prefix>2 …`` one by one until ``done()`` holds (and ``after`` more once it does);
    returns what was typed. The words straddle whatever ``done`` waits for."""
    typed = ""
    deadline = time.monotonic() + SAVE_TIMEOUT_MS / 1000
    n = 0
    while n < at_least or not done():
        assert time.monotonic() < deadline, f"still waiting after typing {typed!r}"
        n += 1
        word = f" {prefix}{n}"
        page.keyboard.type(word, delay=10)
        typed += word
    for _ in range(after):
        n += 1
        word = f" {prefix}{n}"
        page.keyboard.type(word, delay=10)
        typed += word
    return typed


def structure_form(page: Any, eid: str, button: str, **fields: str) -> None:
    """Opens the insert or renumber form of provision ``eid``, fills it and submits it (without waiting)."""
    opener = page.locator(f"{block(eid)} > header button:has-text('{button}')")
    form = page.locator(f"{block(eid)} .structure-form")
    # Scrolled to, the blocks around become editors (taller than their placeholders) as the page finds time: on a
    # busy machine the layout can move under a click, which then lands elsewhere. Click until the form is open.
    for _ in range(5):
        opener.click()
        try:
            form.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()


def test_typing_goes_on_while_another_drafter_inserts_a_section_elsewhere(pages: Pages, e2e_app: Flask) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    wid = "part_5__sec_20"
    _, before = stored(e2e_app, wid)
    focus_end(amina, wid)
    amina.keyboard.type(" Begun.", delay=10)

    structure_form(brian, "part_1__sec_1", "Insert after", num="1A.", heading="Transitional register",
                   text="The register continues.")
    new_heading = "section.provision-editor h3:has-text('1A. Transitional register')"
    typed = type_until(amina, lambda: amina.locator(new_heading).count() > 0, "w")

    focus = amina.evaluate(_FOCUS)
    assert focus == {"eid": wid, "tag": "DIV", "inText": True}, focus
    wait_saved(amina)
    assert stored(e2e_app, wid)[1] == before + " Begun." + typed
    assert shown_text(amina, wid) == before + " Begun." + typed


def test_typing_goes_on_while_another_drafter_renumbers_the_very_provision(pages: Pages, e2e_app: Flask) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    wid = "part_5__sec_18"
    _, before = stored(e2e_app, wid)
    focus_end(amina, wid)
    amina.keyboard.type(" Begun.", delay=10)

    structure_form(brian, wid, "Renumber", num="18A.", heading="Annual report")
    renumbered = "section.provision-editor h3:has-text('18A. Annual report')"
    typed = type_until(amina, lambda: amina.locator(renumbered).count() > 0, "r")

    eid = stored(e2e_app, wid)[0]
    assert eid != wid  # renumbered: a new eId, the same wId
    focus = amina.evaluate(_FOCUS)
    assert focus == {"eid": eid, "tag": "DIV", "inText": True}, focus
    wait_saved(amina)
    assert stored(e2e_app, wid)[1] == before + " Begun." + typed
    assert shown_text(amina, eid) == before + " Begun." + typed


def test_a_drafters_structure_edit_in_one_tab_is_laid_out_in_their_other_tab(pages: Pages) -> None:
    first, second = pages.new("drafter"), pages.new("drafter")
    open_editor(first)
    open_editor(second)
    structure_form(first, "part_1__sec_1", "Insert after", num="1A.", heading="Transitional register",
                   text="The register continues.")
    first.wait_for_selector("section.provision-editor h3:has-text('1A. Transitional register')")
    second.wait_for_selector("section.provision-editor h3:has-text('1A. Transitional register')")
    inserted = second.locator("section.provision-editor:has(h3:has-text('1A. Transitional register'))")
    inserted.scroll_into_view_if_needed()
    # Read without the first tab's cursor, which is in the new provision's text now.
    assert shown_text(second, str(inserted.get_attribute("data-eid"))) == "The register continues."


def test_undo_takes_back_only_what_this_drafter_typed(pages: Pages, e2e_app: Flask) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    _, before = stored(e2e_app, EID)
    amina.click(EDITOR)
    amina.keyboard.press("Control+End")
    amina.keyboard.type(" MINE", delay=10)
    wait_for_text(brian, "MINE", 10_000)
    brian.click(EDITOR)
    brian.keyboard.press("Control+Home")
    brian.keyboard.type("THEIRS ", delay=10)
    wait_for_text(amina, "THEIRS", 10_000)

    amina.keyboard.press("Control+z")
    amina.wait_for_function(
        f"""() => !document.querySelector('[data-eid="{EID}"] .cm-host')
                   .shadowRoot.querySelector('.cm-content').textContent.includes('MINE')""")
    wait_saved(amina)
    wait_saved(brian)
    assert stored(e2e_app, EID)[1] == "THEIRS " + before


def test_keystrokes_typed_offline_are_kept_and_saved_after_reconnecting(pages: Pages, e2e_app: Flask) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    _, before = stored(e2e_app, EID)
    amina.click(EDITOR)
    amina.keyboard.press("Control+End")
    wait_saved(amina)
    record_states(amina)

    amina.context.set_offline(True)
    amina.keyboard.type(" T0x", delay=30)
    amina.wait_for_selector("#sync-state[data-state='offline']", timeout=SAVE_TIMEOUT_MS)
    amina.keyboard.type(" T1y", delay=30)
    back_online(pages, amina)

    wait_saved(amina, 60_000)
    assert stored(e2e_app, EID)[1] == before + " T0x T1y"
    assert shown_text(amina, EID) == before + " T0x T1y"
    assert amina.text_content("#editor-message") == ""
    assert "error" not in states(amina)


def test_structure_changed_while_offline_is_laid_out_after_reconnecting(pages: Pages, e2e_app: Flask) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    old = "part_1__sec_1__subsec_1"
    _, before = stored(e2e_app, old)
    amina.click(EDITOR)
    amina.keyboard.press("Control+End")
    wait_saved(amina)
    amina.context.set_offline(True)
    amina.keyboard.type(" typed offline", delay=10)
    amina.wait_for_selector("#sync-state[data-state='offline']", timeout=SAVE_TIMEOUT_MS)

    # Meanwhile: (1) becomes (1A), a new (1) is inserted after it and typed in.
    renamed = "part_1__sec_1__subsec_1A"
    structure_form(brian, old, "Renumber", num="(1A)")
    brian.wait_for_selector(f"{block(renamed)} h3:has-text('(1A)')")
    structure_form(brian, renamed, "Insert after", num="(1)", text="A new first subsection.")
    brian.wait_for_selector(f"{block(old)} h3:has-text('(1)')")
    focus_end(brian, old)
    brian.keyboard.type(" Brian's words.", delay=10)
    wait_saved(brian)
    new_wid = wid_at(e2e_app, old)
    assert new_wid != old

    back_online(pages, amina)
    amina.wait_for_selector(f"{block(old)} h3:has-text('(1)')", timeout=SAVE_TIMEOUT_MS)
    amina.wait_for_selector(f"{block(renamed)} h3:has-text('(1A)')")
    wait_saved(amina, 60_000)
    assert stored(e2e_app, old) == (renamed, before + " typed offline")
    assert stored(e2e_app, new_wid) == (old, "A new first subsection. Brian's words.")
    assert shown_text(amina, renamed) == before + " typed offline"
    wait_for_text(amina, "Brian's words.", SAVE_TIMEOUT_MS)  # the box of (1): the new provision's text
    assert shown_text(amina, old) == "A new first subsection. Brian's words."

    # Typing in either box goes to its own provision.
    focus_end(amina, old)
    amina.keyboard.type(" And Amina's.", delay=10)
    wait_saved(amina)
    assert stored(e2e_app, new_wid)[1] == "A new first subsection. Brian's words. And Amina's."
    assert stored(e2e_app, old)[1] == before + " typed offline"
    assert amina.text_content("#editor-message") == ""


def test_a_large_paste_is_saved_and_one_too_large_is_refused_without_losing_what_follows(
    pages: Pages, e2e_app: Flask,
) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    _, before = stored(e2e_app, EID)
    amina.click(EDITOR)
    amina.keyboard.press("Control+End")
    # Under the provision limit (100,000 characters) but, percent-encoded, over the message limit (64 KiB).
    words = " L\u2019article 5 \u2014 régime transitoire, § 2"
    paste = (words * (80_000 // len(words) + 1))[:80_000]
    amina.keyboard.insert_text(paste)
    wait_saved(amina, 60_000)
    assert stored(e2e_app, EID)[1] == before + paste

    # Over the provision limit: refused where it is typed, said so, and the state is not "saved" (not even once the
    # state's timer has run a few times) until what is typed next is saved.
    record_states(amina)
    amina.keyboard.insert_text("x" * 300_000)
    amina.wait_for_selector("#sync-state[data-state='error']")
    assert "100000" in amina.text_content("#editor-message")
    assert "100000" in amina.text_content("#sync-state")
    # Marked as an error, not only worded as one: in the danger colour.
    assert amina.evaluate("getComputedStyle(document.getElementById('sync-state')).color") == "rgb(160, 0, 0)"
    assert stored(e2e_app, EID)[1] == before + paste
    amina.wait_for_timeout(1000)
    refused = states(amina)
    assert refused[refused.index("error"):] == ["error"], refused

    # The refused text is gone from the editor (with it, this would be refused too) and typing goes on.
    amina.keyboard.type(" Then this.", delay=10)
    wait_saved(amina)
    assert stored(e2e_app, EID)[1] == before + paste + " Then this."


def test_leaving_with_keystrokes_not_yet_saved_is_asked_first(pages: Pages) -> None:
    saved, unsaved = pages.new("drafter"), pages.new("drafter2")
    asked: list[str] = []

    def refuse(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    for page in (saved, unsaved):
        open_editor(page)
        page.on("dialog", refuse)
        page.click(EDITOR)
        page.keyboard.press("Control+End")
        page.keyboard.type(" Leaving", delay=20)
        wait_saved(page)

    # Everything saved: the drafter leaves without a question.
    saved.close(run_before_unload=True)
    saved.wait_for_event("close")
    assert asked == []

    unsaved.context.set_offline(True)
    unsaved.keyboard.type(" offline words", delay=20)
    unsaved.wait_for_selector("#sync-state[data-state='offline']", timeout=SAVE_TIMEOUT_MS)
    unsaved.close(run_before_unload=True)
    unsaved.wait_for_timeout(500)
    assert asked == ["beforeunload"] and not unsaved.is_closed()
    back_online(pages, unsaved)
    wait_saved(unsaved, 60_000)
    assert "offline words" in shown_text(unsaved, EID)
    forgive_network_cuts(pages)  # a frame of the socket cut by the emulated network may be reported late
