"""The French interface: every page renders in French, the choice is remembered, the switch goes back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser


def test_french_interface_is_remembered_and_switchable(pages: Pages, check_axe: Callable[[Any], None]) -> None:
    page = pages.new()
    page.goto(f"/bills/{DEMO_BILL}?lang=fr")
    ready(page)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#toc-heading") == "Sommaire"
    assert page.inner_text(".comment-button >> nth=0").startswith("Commenter")
    check_axe(page)
    # Remembered for the rest of the visit, on every page, without the parameter.
    for path in ("/", "/login", "/register", f"/bills/{DEMO_BILL}/amendments", "/mps/3"):
        page.goto(path)
        ready(page)
        assert page.get_attribute("html", "lang") == "fr", path
        assert page.inner_text(".site-nav").strip().startswith("Projets de loi"), path
    page.click(".languages a[hreflang=en]")
    ready(page)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text(".site-nav").strip().startswith("Bills")


def test_signed_in_pages_speak_french(pages: Pages) -> None:
    drafter = pages.new("drafter")
    drafter.goto(f"/bills/{DEMO_BILL}/edit?lang=fr")
    ready(drafter)
    drafter.wait_for_selector("#sync-state:has-text('enregistrées')")
    assert drafter.inner_text("#publish-version") == "Publier une version"
    clerk = pages.new("clerk")
    clerk.goto("/moderation?lang=fr")
    ready(clerk)
    assert clerk.inner_text("h1") == "File de modération"


def test_a_refusal_the_editor_makes_itself_is_in_french(pages: Pages, e2e_app: Any) -> None:
    drafter = pages.new("drafter")
    drafter.goto(f"/bills/{DEMO_BILL}/edit?lang=fr")
    ready(drafter)
    editor = '[data-eid="part_1__sec_1__subsec_1"] .cm-content'
    drafter.wait_for_selector(editor)
    length = len(drafter.inner_text(editor))
    # Limits come with the join: a small one, then a fresh join, makes the next words too many.
    e2e_app.config["MAX_PROVISION_CHARS"] = length + 3
    drafter.reload()
    ready(drafter)
    drafter.click(editor)
    drafter.keyboard.press("End")
    drafter.keyboard.type(" et encore des mots", delay=5)
    message = drafter.locator("#editor-message")
    message.filter(has_text="cette disposition compterait").wait_for()
    assert f"une disposition en compte au plus {length + 3}" in message.inner_text()
