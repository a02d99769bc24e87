"""Amendments in the browser: an MP composes and tables one; a clerk adopts it and consolidates a version."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser

EID = "part_1__sec_1__subsec_2"


def test_member_tables_an_amendment_and_clerk_adopts_and_consolidates_it(pages: Pages) -> None:
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    mp.select_option("#composer-eid", EID)
    original = mp.input_value("#composer-text")
    assert "thirty days" in original
    mp.fill("#composer-text", original.replace("thirty days", "sixty days"))
    # Track changes while typing: the replaced word struck out, the new one inserted.
    assert mp.inner_text("#track-changes del") == "thirty"
    assert mp.inner_text("#track-changes ins") == "sixty"
    assert mp.is_disabled("#table-amendment")

    mp.click("#preview-instruction")
    mp.wait_for_selector("#instruction:has-text('sixty')")
    instruction = mp.inner_text("#instruction")
    assert '"thirty"' in instruction and '"sixty"' in instruction
    mp.click("#table-amendment")
    mp.wait_for_selector("#amendments-message:has-text('tabled')")
    # The demo holds amendments of its own: find this one by its instruction.
    mine = f"#amendment-list tr:has-text('{instruction}')"
    # The list is refreshed after the message: wait for the row rather than read it at once.
    mp.wait_for_selector(f"{mine}[data-state='tabled']")
    assert mp.get_attribute(mine, "data-state") == "tabled"

    clerk = pages.new("clerk")
    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    clerk.click(f"{mine} button:has-text('Admissible')")
    clerk.wait_for_selector(f"{mine}[data-state='admissible']")
    clerk.fill(f"{mine} input[id^='for-']", "120")
    clerk.fill(f"{mine} input[id^='against-']", "40")
    clerk.click(f"{mine} button:has-text('Adopted')")
    clerk.wait_for_selector(f"{mine}[data-state='adopted']")
    # The member's page follows the decision live.
    mp.wait_for_selector(f"{mine}[data-state='adopted']")

    clerk.click("#consolidate")
    clerk.wait_for_selector("#amendments-message:has-text('Version 2 published')")
    clerk.goto(f"/bills/{DEMO_BILL}?compare=1..2")
    ready(clerk)
    assert "sixty" in clerk.locator(".redline section ins").all_inner_texts()
    assert "thirty" in clerk.locator(".redline section del").all_inner_texts()


def test_conflicts_are_named_by_the_amendment_numbers_the_list_shows(pages: Pages) -> None:
    # The demo has amendment 1 tabled on section 5(2) and a draft (id 2) of its own: a second amendment of
    # section 5(2) gets id 3 but number 2, and the conflict must be told as "2", the number in the first column.
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    mp.select_option("#composer-eid", "part_2__sec_5__subsec_2")
    mp.fill("#composer-text", mp.input_value("#composer-text").replace("thirty days", "ninety days"))
    mp.click("#preview-instruction")
    mp.wait_for_selector("#instruction:has-text('ninety')")
    mp.click("#table-amendment")
    mp.wait_for_selector("#amendments-message:has-text('Amendment 2 tabled')")
    first = mp.locator("#amendment-list tr[data-amendment='1']")
    first.locator(".meta", has_text="Conflicts with").wait_for()
    assert first.locator(".meta", has_text="Conflicts with").inner_text() == "Conflicts with 2"
