"""Every page renders in a real browser without console errors and without serious accessibility problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/login", "/register", f"/bills/{DEMO_BILL}", f"/bills/{DEMO_BILL}/provisions/part_1__sec_1",
          f"/bills/{DEMO_BILL}/amendments", "/mps/3"]


def test_public_pages_are_accessible(pages: Pages, check_axe: Callable[[Any], None]) -> None:
    page = pages.new()
    for path in PUBLIC:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        ready(page)
        check_axe(page)


@pytest.mark.parametrize(("user", "path"), [
    ("drafter", f"/bills/{DEMO_BILL}/edit"),
    ("mp", f"/bills/{DEMO_BILL}/amendments"),
    ("clerk", "/moderation"),
    ("clerk", f"/bills/{DEMO_BILL}/amendments"),
    ("citizen", f"/bills/{DEMO_BILL}"),
])
def test_signed_in_pages_are_accessible(pages: Pages, check_axe: Callable[[Any], None], user: str, path: str) -> None:
    page = pages.new(user)
    response = page.goto(path)
    assert response is not None and response.status == 200
    ready(page)
    if path.endswith("/edit"):
        page.wait_for_selector(".cm-content")
    check_axe(page)


def test_reader_shows_contents_anchors_and_share_metadata(pages: Pages) -> None:
    page = pages.new()
    page.goto(f"/bills/{DEMO_BILL}?eid=part_1__sec_2")
    ready(page)
    og_title = page.get_attribute('meta[property="og:title"]', "content") or ""
    og_description = page.get_attribute('meta[property="og:description"]', "content") or ""
    heading = page.inner_text("#part_1__sec_2 .akn-heading")
    assert heading.split()[0] in og_title and "Public Participation in Legislation Bill" in og_title
    assert page.get_attribute('meta[name="twitter:card"]', "content") == "summary"
    body_words = page.inner_text("#part_1__sec_2").split()
    assert og_description.split()[0] in body_words
    # The table of contents links to each provision's anchor, and following it targets the provision.
    page.click('.toc a[href="#part_2"]')
    page.wait_for_function("() => location.hash === '#part_2'")
    assert page.evaluate("document.getElementById('part_2').getBoundingClientRect().top") < 200
    # Every provision carries a link to its own shareable page.
    link = page.get_attribute("#part_1__sec_2 > .provision-tools a", "href")
    assert link == f"/bills/{DEMO_BILL}/provisions/part_1__sec_2"
