"""Reading a bill: threads, endorsing, the heatmap, chunks loaded on demand, and keyboard use."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser

# The demo consultation: a citizen's comment on section 5(2), a reply from another citizen, one endorsement.
DISCUSSED = "part_2__sec_5__subsec_2"


def _discussion(pages: Pages) -> tuple[Page, Locator]:
    """A citizen's reader with the demo discussion open, and the reply in it."""
    page = pages.new("citizen")
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    reply = page.locator(".comment .replies .comment", has_text="Sixty days would let county assemblies")
    reply.wait_for()
    return page, reply


def test_threads_endorsements_and_heatmap(pages: Pages) -> None:
    page, reply = _discussion(pages)
    assert reply.locator(".endorsement-count").inner_text() == "0"
    reply.locator("button", has_text="Endorse").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.replies .endorsement-count')].some((e) => e.textContent === '1')")

    page.click("#heatmap-toggle")
    assert page.get_attribute("#heatmap-toggle", "aria-pressed") == "true"
    assert page.get_attribute(f"section#{DISCUSSED}", "data-heat") == "1"
    assert page.get_attribute('.toc li[data-eid="part_2"]', "data-heat") == "1"
    assert page.get_attribute('.toc li[data-eid="part_1"]', "data-heat") is None


def test_the_reader_works_from_the_keyboard(pages: Pages) -> None:
    page = pages.new("citizen")
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#main'")
    # The comment tools are buttons: focusable, and opened with the keyboard; Escape gives the focus back.
    button = page.locator(f'.comment-button[data-eid="{DISCUSSED}"]')
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.id === 'comments-heading'")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.dataset.eid") == DISCUSSED


def test_an_endorsement_shows_as_done_and_is_not_offered_again(pages: Pages) -> None:
    _, reply = _discussion(pages)
    reply.locator("button", has_text="Endorse").click()
    reply.locator(".endorsement-count", has_text="1").wait_for()
    # A second click would only be refused (409): the button says it is done instead of inviting one.
    done = reply.locator(".comment-actions button").first
    assert done.inner_text() == "Endorsed" and done.is_disabled()


def test_an_earlier_versions_provision_links_open_that_version(pages: Pages) -> None:
    drafter = pages.new("drafter")
    drafter.goto(f"/bills/{DEMO_BILL}/edit")
    ready(drafter)
    drafter.click('[data-eid="part_1__sec_1__subsec_1"] .cm-content')
    drafter.keyboard.press("End")
    drafter.keyboard.type(" Amended.")
    drafter.wait_for_selector("#sync-state[data-state='saved']")
    drafter.once("dialog", lambda dialog: dialog.accept())  # "Publish the working text as version 2?"
    drafter.click("#publish-version")
    drafter.wait_for_selector("#editor-message:has-text('Version 2 published')")

    reader = pages.new()
    reader.goto(f"/bills/{DEMO_BILL}?version=1")
    ready(reader)
    link = reader.locator('#part_1__sec_1__subsec_1 > .provision-tools a')
    assert link.get_attribute("href") == f"/bills/{DEMO_BILL}/provisions/part_1__sec_1__subsec_1?version=1"
    link.click()
    reader.wait_for_selector("main:has-text('not the latest version')")
    assert "Amended." not in reader.inner_text("main")
