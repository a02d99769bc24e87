"""Co-sponsoring in the browser: on an amendment's page a member of parliament other than its proposer puts their
name to it, and the page shows it at once; its proposer is not offered to."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_focus_after_actions import settled

pytestmark = pytest.mark.browser

# The demo's Amendment 1 (id 1), tabled by "mp" (Hon. Grace Wanjiru).
TABLED = "/amendments/1"
PROPOSER, COSPONSOR = "Hon. Grace Wanjiru", "Hon. Daniel Mutua"


def test_another_member_co_sponsors_an_amendment_from_its_page(pages: Pages) -> None:
    mp2 = pages.new("mp2")
    mp2.goto(TABLED)
    ready(mp2)
    proposer = mp2.locator(".amendment-facts dd").first.get_by_role("link")
    assert proposer.inner_text() == PROPOSER and re.fullmatch(r"/mps/\d+", proposer.get_attribute("href") or "")
    assert mp2.inner_text("#cosponsors") == "None."
    button = mp2.get_by_role("button", name="Co-sponsor this amendment")
    pages.audit(mp2)
    button.click()

    mp2.wait_for_selector("#cosponsors li a")
    (link,) = mp2.locator("#cosponsors a").all()
    assert link.inner_text() == COSPONSOR and re.fullmatch(r"/mps/\d+", link.get_attribute("href") or "")
    assert button.count() == 0
    # The button went: the focus goes to the status that says what was done, not to the page's body.
    settled(mp2, "#cosponsor-status")
    assert mp2.inner_text("#cosponsor-status") == "You co-sponsor this amendment."
    api = mp2.request.get("/api/amendments/1").json()
    assert len(api["cosponsor_ids"]) == 1 and link.get_attribute("href") == f"/mps/{api['cosponsor_ids'][0]}"

    mp2.reload()
    ready(mp2)
    assert mp2.locator("#cosponsors a").all_inner_texts() == [COSPONSOR]
    assert mp2.get_by_role("button", name="Co-sponsor this amendment").count() == 0
    assert mp2.inner_text("#cosponsor-status") == "You co-sponsor this amendment."


def test_the_proposer_is_not_offered_to_co_sponsor(pages: Pages) -> None:
    mp = pages.new("mp")
    mp.goto(TABLED)
    ready(mp)
    assert mp.locator(".amendment-facts").get_by_role("link", name=PROPOSER).count() == 1
    assert mp.get_by_role("button", name="Co-sponsor this amendment").count() == 0


def test_a_refused_co_sponsorship_says_why_and_keeps_the_button(pages: Pages) -> None:
    mp2 = pages.new("mp2")
    mp2.goto(TABLED)
    ready(mp2)
    # Meanwhile its proposer withdraws it: it takes no more co-sponsors.
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    mp.once("dialog", lambda dialog: dialog.accept())  # withdrawing is asked first
    mp.locator("#amendment-list tr[data-amendment='1']").get_by_role("button", name="Withdraw").click()
    mp.wait_for_selector("#amendment-list tr[data-amendment='1'][data-state='withdrawn']")

    mp2.get_by_role("button", name="Co-sponsor this amendment").click()
    mp2.wait_for_selector("#cosponsor-status:has-text('Refused')")
    pages.expect_refusal(409)
    assert "co-sponsors" in mp2.inner_text("#cosponsor-status")
    settled(mp2, "#cosponsor")
    assert mp2.inner_text("#cosponsors") == "None."
