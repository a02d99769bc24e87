"""Live co-drafting in the browser: two drafters in one provision, presence, structure edits, publishing."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser

EID = "part_1__sec_1__subsec_1"
EDITOR = f'[data-eid="{EID}"] .cm-content'


def open_editor(page: Any) -> None:
    page.goto(f"/bills/{DEMO_BILL}/edit")
    ready(page)
    page.wait_for_selector(EDITOR)


# The editor's text as the drafter reads it: its lines, without other drafters' cursor labels.
_DOC_TEXT = """el => {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.remote-cursor').forEach((node) => node.remove());
  return [...copy.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\\n');
}"""


def doc_text(page: Any) -> str:
    return str(page.eval_on_selector(EDITOR, _DOC_TEXT))


def wait_for_text(page: Any, fragment: str, timeout_ms: int) -> float:
    started = time.monotonic()
    # Each editor lives in its block's shadow root (see frontend/src/pages/editor.js).
    page.wait_for_function(
        """([eid, fragment]) => document.querySelector(`[data-eid="${eid}"] .cm-host`)
            ?.shadowRoot.querySelector('.cm-content')?.textContent.includes(fragment)""",
        arg=[EID, fragment], timeout=timeout_ms,
    )
    return time.monotonic() - started


def converged(first: Any, second: Any, within_s: float) -> str:
    """The text both editors show once both have no unsent edits and show the same text."""
    deadline = time.monotonic() + within_s
    while True:
        texts = {doc_text(page) for page in (first, second)}
        saved = all(page.get_attribute("#sync-state", "data-state") == "saved" for page in (first, second))
        if saved and len(texts) == 1:
            return texts.pop()
        assert time.monotonic() < deadline, f"the editors did not converge: {texts}"
        time.sleep(0.1)


def test_two_drafters_typing_in_one_provision_see_each_other_and_converge(pages: Pages) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)

    amina.click(EDITOR)
    amina.keyboard.press("End")
    amina.keyboard.type(" Amina was here.", delay=15)
    assert wait_for_text(brian, "Amina was here.", 1000) < 1.0

    brian.click(EDITOR)
    brian.keyboard.press("Home")
    brian.keyboard.type("Brian adds this. ", delay=15)
    assert wait_for_text(amina, "Brian adds this.", 1000) < 1.0

    # Both at once, at opposite ends of the same provision.
    amina.keyboard.press("End")
    for word in ("one ", "two ", "three "):
        amina.keyboard.type(word, delay=5)
        brian.keyboard.type(word.upper(), delay=5)
    final = converged(amina, brian, within_s=5)
    for piece in ("Amina was here.", "Brian adds this.", "one two three", "ONE TWO THREE"):
        assert piece in final.replace("\n", "")

    # The server holds exactly what both editors show.
    stored = amina.evaluate(f"fetch('/api/bills/{DEMO_BILL}/provisions/{EID}').then(r => r.json())")
    assert stored["text"] == final


def test_drafters_see_each_others_presence_and_cursor(pages: Pages) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    brian.click(EDITOR)
    brian.keyboard.press("End")
    amina.wait_for_selector("#presence .peer-tag:has-text('Brian Kamau')")
    amina.wait_for_selector(f'[data-eid="{EID}"] .remote-cursor-label:has-text("Brian Kamau")')


def test_structure_edit_reaches_the_other_drafter_and_a_version_is_published(pages: Pages) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    amina.click('[data-eid="part_1__sec_1"] button:has-text("Insert after")')
    amina.fill('[data-eid="part_1__sec_1"] .structure-form input[name=num]', "1A.")
    amina.fill('[data-eid="part_1__sec_1"] .structure-form input[name=heading]', "Transitional register")
    amina.fill('[data-eid="part_1__sec_1"] .structure-form textarea[name=text]', "The register continues.")
    amina.click('[data-eid="part_1__sec_1"] .structure-form button[type=submit]')
    brian.wait_for_selector("section.provision-editor h3:has-text('1A. Transitional register')")
    amina.wait_for_selector("section.provision-editor h3:has-text('1A. Transitional register')")

    amina.once("dialog", lambda dialog: dialog.accept())  # "Publish the working text as version 2?"
    amina.click("#publish-version")
    amina.wait_for_selector("#editor-message:has-text('Version 2 published')")
    detail = amina.evaluate(f"fetch('/api/bills/{DEMO_BILL}').then(r => r.json())")
    assert detail["version"] == 2


def test_a_provision_is_inserted_before_the_first_of_its_level(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    first = '[data-eid="part_1__sec_1__subsec_1"]'
    # Only the first of a level offers it: anywhere else "Insert after" the one before does the same.
    assert amina.locator('[data-eid="part_1__sec_1__subsec_2"] > header [data-action="insert-before"]').count() == 0
    amina.click(f'{first} > header button:has-text("Insert before")')
    amina.fill(f"{first} .structure-form input[name=num]", "(a1)")
    amina.fill(f"{first} .structure-form textarea[name=text]", "This Act binds the State.")
    amina.click(f"{first} .structure-form button[type=submit]")
    amina.wait_for_selector("section.provision-editor h3:has-text('(a1)')")
    detail = amina.evaluate(f"fetch('/api/bills/{DEMO_BILL}').then(r => r.json())")
    section = detail["provisions"][0]["children"][0]
    assert [child["num"] for child in section["children"]][:2] == ["(a1)", "(1)"]
    assert section["children"][0]["text"] == "This Act binds the State."
    # The focus went into the new provision's text, ready for typing.
    focused = amina.evaluate("document.activeElement.closest('section.provision-editor')?.dataset.eid ?? null")
    assert focused == section["children"][0]["eid"]


def test_a_subsection_is_named_by_its_citation_where_its_number_alone_would_not_say_which(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    block = amina.locator('section.provision-editor[data-eid="part_1__sec_1__subsec_2"]')
    # The page shows "(2)" under its section; buttons and questions say which "(2)" it is.
    assert block.locator("> header h3").inner_text() == "(2)"
    assert block.get_attribute("aria-label") == "Section 1(2)"
    asked: list[str] = []

    def decline(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    amina.once("dialog", decline)
    amina.get_by_role("button", name="Delete: Section 1(2)").click()
    assert asked and "Section 1(2)" in asked[0]
