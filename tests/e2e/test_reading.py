"""Reading a bill: threads, endorsing, the heatmap, chunks loaded on demand, and keyboard use."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser

# The demo consultation: a citizen's comment on section 5(2), a reply from another citizen, one endorsement.
DISCUSSED = "part_2__sec_5__subsec_2"


def test_threads_endorsements_and_heatmap(pages: Pages) -> None:
    page = pages.new("citizen")
    page.goto(f"/bills/{DEMO_BILL}")
    ready(page)
    page.click(f'.comment-button[data-eid="{DISCUSSED}"]')
    reply = page.locator(".comment .replies .comment", has_text="Sixty days would let county assemblies")
    reply.wait_for()
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
