"""An amendment a new version has outdated says so on the clerk's list before the vote, and the clerk records it as
fallen rather than putting to the House a vote it cannot take."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import post_as
from tests.e2e.test_settled_words import SETTLED, _content, _saved, _wait_for

pytestmark = pytest.mark.browser


def test_the_clerk_sees_an_outdated_amendment_and_records_it_as_fallen(pages: Pages) -> None:
    drafter, clerk = pages.new("drafter"), pages.new("clerk")
    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    # The demo's amendment 1 (new words for section 5(2)) is admitted; then the drafters change those words and
    # publish version 2.
    assert post_as(clerk, "/api/amendments/1/transitions", {"to": "admissible"}) == 200
    drafter.goto(f"/bills/{DEMO_BILL}/edit")
    ready(drafter)
    drafter.locator(_content(SETTLED)).scroll_into_view_if_needed()
    drafter.click(_content(SETTLED))
    drafter.keyboard.press("Control+End")
    drafter.keyboard.type(" Meanwhile.")
    _wait_for(drafter, SETTLED, "textContent.includes('Meanwhile.')")
    _saved(drafter)
    assert post_as(drafter, f"/api/bills/{DEMO_BILL}/versions", {"source": "working"}) == 201

    clerk.reload()
    ready(clerk)
    row = clerk.locator('#amendment-list tr[data-amendment="1"]')
    row.locator(".outdated").wait_for()
    assert "the text of section 5(2) has changed since" in row.locator(".outdated").inner_text()
    # No vote is offered on it: the House could not adopt it as worded.
    assert row.get_by_role("button", name="Adopt amendment 1").count() == 0
    row.get_by_role("button", name="Record as fallen: amendment 1").click()
    clerk.wait_for_function(
        "() => document.querySelector('#amendment-list tr[data-amendment=\"1\"]')?.dataset.state === 'fallen'")
    assert row.locator(".outdated").count() == 0
    assert "outdated by version 2" in row.inner_text()
