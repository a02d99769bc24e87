"""Words the House adopted are settled in the editor until the clerk consolidates them: the drafter sees why, live,
cannot change them (the server would refuse it and nothing could be published or consolidated after), and can
again once the new version is out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_consultation import post_as

pytestmark = pytest.mark.browser

# The demo's tabled amendment 1 gives section 5(2) new words ("sixty days").
SETTLED = "part_2__sec_5__subsec_2"
FREE = "part_2__sec_5__subsec_1"
NOTE = f'[data-eid="{SETTLED}"] .settled-note'


def _content(eid: str) -> str:
    return f'[data-eid="{eid}"] .cm-content'


def _text(page: Any, eid: str) -> str:
    return str(page.eval_on_selector(_content(eid), "el => el.textContent"))


def _wait_for(page: Any, eid: str, condition: str) -> None:
    """Waits until the editor of ``eid`` (in its block's shadow root) meets ``condition`` on its content."""
    page.wait_for_function(
        f"eid => document.querySelector(`[data-eid='${{eid}}'] .cm-host`)?.shadowRoot"
        f".querySelector('.cm-content')?.{condition}", arg=eid)


def _shown_settled(page: Any) -> None:
    """The settled provision's note says why, and typing in it changes nothing."""
    page.wait_for_selector(f"{NOTE}:has-text('Adopted amendment 1 amends these words')")
    assert page.get_attribute(_content(SETTLED), "aria-readonly") == "true"
    page.click(_content(SETTLED))
    page.keyboard.press("Control+End")
    page.keyboard.type(" Extra.")
    page.wait_for_timeout(400)
    assert "Extra." not in _text(page, SETTLED)


def test_adopted_words_are_read_only_in_the_editor_until_they_are_consolidated(pages: Pages) -> None:
    drafter, clerk = pages.new("drafter"), pages.new("clerk")
    drafter.goto(f"/bills/{DEMO_BILL}/edit")
    ready(drafter)
    drafter.locator(_content(SETTLED)).scroll_into_view_if_needed()
    drafter.wait_for_selector(_content(SETTLED))
    assert drafter.locator(NOTE).count() == 0
    before = _text(drafter, SETTLED)

    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    assert post_as(clerk, "/api/amendments/1/transitions", {"to": "admissible"}) == 200
    assert post_as(clerk, "/api/amendments/1/transitions",
                   {"to": "adopted", "votes": {"for": 120, "against": 40}}) == 200

    # Heard in the bill's room: the note says why, and typing changes nothing.
    _shown_settled(drafter)
    assert _text(drafter, SETTLED) == before
    # An editor opened now shows it so from the start, not only once something makes it lay the bill out again.
    late = pages.new("drafter2")
    laid_out_again: list[str] = []
    late.on("request", lambda request: laid_out_again.append(request.url)
            if request.url.endswith(f"/api/bills/{DEMO_BILL}") else None)
    late.goto(f"/bills/{DEMO_BILL}/edit")
    ready(late)
    late.locator(_content(SETTLED)).scroll_into_view_if_needed()
    _shown_settled(late)
    assert laid_out_again == []
    # Other provisions are edited as ever.
    drafter.locator(_content(FREE)).scroll_into_view_if_needed()
    drafter.click(_content(FREE))
    drafter.keyboard.press("End")
    drafter.keyboard.type(" Typed.")
    drafter.wait_for_function("() => document.getElementById('sync-state').dataset.state === 'saved'")
    assert drafter.inner_text("#editor-message") == ""

    # Published and consolidated, the new words are free to edit again.
    assert post_as(drafter, f"/api/bills/{DEMO_BILL}/versions", {"source": "working"}) == 201
    assert post_as(clerk, f"/api/bills/{DEMO_BILL}/versions", {"source": "amendments"}) == 201
    drafter.wait_for_function(f"() => !document.querySelector('{NOTE}')")
    _wait_for(drafter, SETTLED, "textContent.includes('sixty days')")
    assert drafter.get_attribute(_content(SETTLED), "aria-readonly") is None
    drafter.click(_content(SETTLED))
    drafter.keyboard.press("End")
    drafter.keyboard.type(" Free.")
    _wait_for(drafter, SETTLED, "textContent.endsWith('Free.')")
    drafter.wait_for_function("() => document.getElementById('sync-state').dataset.state === 'saved'")


def _server_text(page: Any, eid: str) -> str:
    return str(page.request.get(f"/api/bills/{DEMO_BILL}/provisions/{eid}").json()["text"])


def _saved(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('sync-state').dataset.state === 'saved'")


def test_a_provision_typed_back_to_the_voted_words_becomes_read_only_in_every_editor(pages: Pages) -> None:
    """Edited before the vote, the provision stayed free; once a drafter typed the voted words back, the server
    refused any further edit, but the other drafters' editors went on taking keystrokes the server then refused."""
    drafter, colleague, clerk = pages.new("drafter"), pages.new("drafter2"), pages.new("clerk")
    for page in (drafter, colleague):
        page.goto(f"/bills/{DEMO_BILL}/edit")
        ready(page)
        page.locator(_content(SETTLED)).scroll_into_view_if_needed()
        page.wait_for_selector(_content(SETTLED))
    before = _text(drafter, SETTLED)
    drafter.click(_content(SETTLED))
    drafter.keyboard.press("Control+End")
    drafter.keyboard.type(" Draft.")
    _saved(drafter)
    # (An editor's text also shows the names of the colleagues whose carets are in it.)
    _wait_for(colleague, SETTLED, "textContent.includes('Draft.')")

    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    assert post_as(clerk, "/api/amendments/1/transitions", {"to": "admissible"}) == 200
    assert post_as(clerk, "/api/amendments/1/transitions",
                   {"to": "adopted", "votes": {"for": 120, "against": 40}}) == 200
    drafter.wait_for_timeout(500)
    assert drafter.locator(NOTE).count() == 0, "edited before the vote, it may still be put back"

    colleague.click(_content(SETTLED))
    colleague.keyboard.press("Control+End")
    for _ in " Draft.":
        colleague.keyboard.press("Backspace")
    _wait_for(colleague, SETTLED, "textContent.includes('Draft.') === false")
    _saved(colleague)
    assert _server_text(colleague, SETTLED) == before
    # Both editors learn it live: the note says why, and the text no longer takes keystrokes.
    for page in (drafter, colleague):
        _shown_settled(page)
    _saved(drafter)
    assert drafter.inner_text("#editor-message") == ""
    assert _server_text(drafter, SETTLED) == before
