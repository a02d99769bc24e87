"""Publishing a version from the editor: asked for first, and the editor's header then says which version the
working text is based on, in the publishing drafter's page and in every other drafter's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages
from tests.e2e.test_drafting import EID, open_editor
from tests.e2e.test_focus_after_actions import settled

pytestmark = pytest.mark.browser

BASED_ON = "#working-version"


def based_on(page: Any, version: int, text: str = "Working text, based on version {}.") -> None:
    page.wait_for_function("([selector, text]) => document.querySelector(selector).textContent === text",
                           arg=[BASED_ON, text.format(version)])


def published_version(page: Any) -> int:
    return int(page.evaluate(f"fetch('/api/bills/{DEMO_BILL}').then(r => r.json())")["version"])


def test_publishing_asks_first_and_every_drafters_header_follows_the_new_version(pages: Pages) -> None:
    amina, brian = pages.new("drafter"), pages.new("drafter2")
    open_editor(amina)
    open_editor(brian)
    based_on(amina, 1)

    asked: list[str] = []

    def decline(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    amina.once("dialog", decline)
    amina.click("#publish-version")
    assert asked == ["Publish the working text as version 2? Everyone will be able to read it."]
    amina.wait_for_timeout(300)
    assert published_version(amina) == 1
    assert amina.inner_text("#editor-message") == ""

    amina.once("dialog", lambda dialog: dialog.accept())
    amina.click("#publish-version")
    amina.wait_for_selector("#editor-message:has-text('Version 2 published.')")
    assert published_version(amina) == 2
    based_on(amina, 2)
    # The button is usable again and still has the focus.
    settled(amina, "#publish-version:enabled")
    # The other drafter's page hears of it from the bill's room.
    based_on(brian, 2)
    brian.wait_for_function("() => document.getElementById('live-status').textContent === 'Version 2 published.'")


def test_the_header_follows_the_version_in_french(pages: Pages) -> None:
    amina = pages.new("drafter")
    amina.goto(f"/bills/{DEMO_BILL}/edit?lang=fr")
    open_editor(amina)  # the language stays chosen for the session
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    amina.once("dialog", accept)
    amina.click("#publish-version")
    based_on(amina, 2, "Texte de travail, fondé sur la version {}.")
    assert asked == ["Publier le texte de travail comme version 2 ? Tout le monde pourra la lire."]


def test_publishing_waits_for_the_last_keystrokes(pages: Pages) -> None:
    amina = pages.new("drafter")
    open_editor(amina)
    editor = f'[data-eid="{EID}"] .cm-content'
    amina.click(editor)
    amina.keyboard.press("Control+End")
    amina.keyboard.type(" LASTWORDS", delay=5)
    # At once, while the last letters are still held back or on their way: the confirm box blocks the page.
    amina.once("dialog", lambda dialog: dialog.accept())
    amina.click("#publish-version")
    amina.wait_for_selector("#editor-message:has-text('Version 2 published.')")
    expression = amina.evaluate(f"fetch('/api/bills/{DEMO_BILL}').then(r => r.json())")["expression_uri"]
    published = amina.evaluate(f"fetch('{expression}').then(r => r.text())")
    assert "LASTWORDS" in published
    # Nothing typed is left over as unpublished working text.
    provision = amina.evaluate(f"fetch('/api/bills/{DEMO_BILL}/provisions/{EID}').then(r => r.json())")
    assert provision["text"].endswith(" LASTWORDS")
