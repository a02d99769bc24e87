"""Where the keyboard focus goes in the editor once an action takes away what had it: the insert or renumber form
applied (the form goes), a provision deleted (its block goes). Never to the page's body, where a keyboard or
screen-reader user would have to start again from the top."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.e2e.conftest import Pages
from tests.e2e.test_drafting import EDITOR, open_editor
from tests.e2e.test_drafting_together import (
    _FOCUS,
    block,
    focus_end,
    stored,
    structure_form,
    wait_saved,
    wid_at,
)
from tests.e2e.test_focus_after_actions import focused, settled

pytestmark = pytest.mark.browser

GONE, LABEL, NEXT = "part_5__sec_21", "21. Transitional provision", "part_5__sec_22"


def announced(page: Any, text: str) -> None:
    """Waits until the page's polite live region says ``text``."""
    page.wait_for_function("(text) => document.getElementById('live-status').textContent === text", arg=text)


def test_apply_in_the_insert_form_puts_the_caret_at_the_end_of_the_new_provision(pages: Pages, e2e_app: Flask) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    structure_form(amina, "part_1__sec_1", "Insert after", num="1A.", heading="Transitional register",
                   text="The register continues.")
    inserted = amina.locator("section.provision-editor:has(h3:has-text('1A. Transitional register'))")
    inserted.wait_for()
    amina.locator(f"{block('part_1__sec_1')} .structure-form").wait_for(state="detached")
    eid = inserted.get_attribute("data-eid")
    amina.wait_for_function(f"() => ({_FOCUS})().inText", timeout=5000)
    assert amina.evaluate(_FOCUS) == {"eid": eid, "tag": "DIV", "inText": True}, focused(amina)

    # What is typed next goes on from the end of the new provision's text.
    amina.keyboard.type(" It is kept by the Clerk.", delay=10)
    wait_saved(amina)
    assert stored(e2e_app, wid_at(e2e_app, eid))[1] == "The register continues. It is kept by the Clerk."


def test_apply_in_the_renumber_form_gives_the_focus_back_to_its_button(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    wid = "part_5__sec_18"
    amina.locator(block(wid)).scroll_into_view_if_needed()
    structure_form(amina, wid, "Renumber", num="18A.", heading="Annual report")
    amina.wait_for_selector("section.provision-editor h3:has-text('18A. Annual report')")
    # As "Cancel" does: back on the button that opened the form (drawn anew with the provision's new label).
    renumbered = f'section.provision-editor[data-wid="{wid}"]'
    settled(amina, f"{renumbered} > header button[aria-label='Renumber / retitle: 18A. Annual report']")
    assert amina.locator(f"{renumbered} .structure-form").count() == 0


@pytest.mark.parametrize(("button", "field"), [("Insert after", "text"), ("Renumber / retitle", "heading")])
def test_escape_closes_the_structure_form_and_gives_the_focus_back_to_its_button(
    pages: Pages, button: str, field: str,
) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    opener = f"{block(GONE)} > header button[aria-label='{button}: {LABEL}']"
    form = amina.locator(f"{block(GONE)} .structure-form")
    amina.locator(block(GONE)).scroll_into_view_if_needed()
    amina.focus(opener)
    amina.keyboard.press("Enter")
    form.wait_for()
    settled(amina, f"{block(GONE)} .structure-form [name=num]")
    # From any field of the form, not only the first one the focus lands in.
    form.locator(f"[name={field}]").focus()
    amina.keyboard.press("Escape")
    form.wait_for(state="detached")
    settled(amina, opener)
    # Nothing was sent: the provision keeps its place and its number.
    assert amina.locator(f"{block(GONE)} > header h3").inner_text() == LABEL


def test_deleting_a_provision_moves_the_focus_to_the_next_one_and_says_so(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    amina.once("dialog", lambda dialog: dialog.accept())
    amina.locator(block(GONE)).scroll_into_view_if_needed()
    amina.get_by_role("button", name=f"Delete: {LABEL}").click()
    amina.locator(block(GONE)).wait_for(state="detached")
    settled(amina, f"{block(NEXT)} > header h3")
    announced(amina, f"{LABEL} deleted.")


def test_a_provision_another_drafter_deletes_under_the_caret_hands_the_focus_to_the_next_one(
    pages: Pages, e2e_app: Flask,
) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    _, next_text = stored(e2e_app, NEXT)
    focus_end(amina, GONE)
    wait_saved(amina)  # nothing unsaved: nothing to keep

    brian.once("dialog", lambda dialog: dialog.accept())
    brian.locator(block(GONE)).scroll_into_view_if_needed()
    brian.get_by_role("button", name=f"Delete: {LABEL}").click()
    amina.locator(block(GONE)).wait_for(state="detached")

    # On the next provision's heading, not in its text: keystrokes meant for the deleted provision must not land in
    # another one.
    settled(amina, f"{block(NEXT)} > header h3")
    announced(amina, f"{LABEL} was deleted by another drafter.")
    assert amina.locator(".kept-text").count() == 0
    amina.keyboard.type("stray", delay=10)
    amina.wait_for_timeout(300)
    assert stored(e2e_app, NEXT)[1] == next_text


def test_a_provision_text_with_the_focus_has_the_sites_focus_ring(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    amina.click(EDITOR)
    ring = amina.evaluate("""() => {
        const host = document.querySelector('[data-eid="part_1__sec_1__subsec_1"] .cm-host');
        const style = getComputedStyle(host.shadowRoot.querySelector('.cm-editor.cm-focused'));
        return [style.outlineStyle, style.outlineWidth, style.outlineColor];
    }""")
    assert ring == ["solid", "3px", "rgb(179, 71, 0)"]
