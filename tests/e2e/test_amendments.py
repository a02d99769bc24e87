"""Amendments in the browser: an MP composes and tables one; a clerk adopts it and consolidates a version."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

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
    clerk.click(f"{mine} button:has-text('Admit')")
    clerk.wait_for_selector(f"{mine}[data-state='admissible']")
    clerk.fill(f"{mine} input[id^='for-']", "120")
    clerk.fill(f"{mine} input[id^='against-']", "40")
    clerk.click(f"{mine} button:has-text('Adopt')")
    clerk.wait_for_selector(f"{mine}[data-state='adopted']")
    # The member's page follows the decision live.
    mp.wait_for_selector(f"{mine}[data-state='adopted']")

    clerk.click("#consolidate")
    clerk.wait_for_selector("#amendments-message:has-text('Version 2 published')")
    clerk.goto(f"/bills/{DEMO_BILL}?compare=1..2")
    ready(clerk)
    assert "sixty" in clerk.locator(".redline section ins").all_inner_texts()
    assert "thirty" in clerk.locator(".redline section del").all_inner_texts()


def _compose_ninety_days(pages: Pages) -> Any:
    """An MP's page whose composer has previewed a second amendment of section 5(2), "ninety" days (id 3)."""
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    mp.select_option("#composer-eid", "part_2__sec_5__subsec_2")
    mp.fill("#composer-text", mp.input_value("#composer-text").replace("thirty days", "ninety days"))
    mp.click("#preview-instruction")
    mp.wait_for_selector("#instruction:has-text('ninety')")
    return mp


def _table_ninety_days(pages: Pages) -> Any:
    """An MP's page that has tabled a second amendment of section 5(2), "ninety" days (amendment 2, id 3)."""
    mp = _compose_ninety_days(pages)
    mp.click("#table-amendment")
    mp.wait_for_selector("#amendments-message:has-text('Amendment 2 tabled')")
    return mp


FIRST_ROW = "#amendment-list tr[data-amendment='1']"
NINETY_DAYS_ROW = "#amendment-list tr[data-amendment='3']"


def _ninety_days_before_the_clerk(pages: Pages) -> tuple[Any, Any]:
    """The MP's page that tabled "ninety" days (row NINETY_DAYS_ROW), and a clerk's on the amendments."""
    mp = _table_ninety_days(pages)
    clerk = pages.new("clerk")
    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    return mp, clerk


def test_conflicts_are_named_by_the_amendment_numbers_the_list_shows(pages: Pages) -> None:
    # The demo has amendment 1 tabled on section 5(2) and a draft (id 2) of its own: a second amendment of
    # section 5(2) gets id 3 but number 2, and the conflict must be told as "2", the number in the first column.
    mp = _table_ninety_days(pages)
    first = mp.locator("#amendment-list tr[data-amendment='1']")
    # The list is read again once the tabling is answered: until then the conflict is still the draft's.
    expect(first.locator(".meta", has_text="Conflicts with")).to_have_text("Conflicts with 2")


def _adopt_and_consolidate(clerk: Any, amendment_id: int) -> None:
    row = f"#amendment-list tr[data-amendment='{amendment_id}']"
    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    clerk.click(f"{row} button:has-text('Admit')")
    clerk.wait_for_selector(f"{row}[data-state='admissible']")
    clerk.fill(f"{row} input[id^='for-']", "120")
    clerk.fill(f"{row} input[id^='against-']", "40")
    clerk.click(f"{row} button:has-text('Adopt')")
    clerk.wait_for_selector(f"{row}[data-state='adopted']")
    clerk.click("#consolidate")
    clerk.wait_for_selector("#amendments-message:has-text('Version 2 published')")


def test_the_page_follows_a_new_version_without_losing_a_members_draft(pages: Pages) -> None:
    # The demo's amendment 1 changes "thirty" to "sixty" in section 5(2). One member has typed a draft of that
    # provision against version 1; another has only opened the composer on it.
    eid = "part_2__sec_5__subsec_2"
    typing, idle = pages.new("mp"), pages.new("mp2")
    for page in (typing, idle):
        page.goto(f"/bills/{DEMO_BILL}/amendments?eid={eid}")
        ready(page)
        assert "version 1." in page.inner_text("#amendment-base")
        assert "thirty days" in page.input_value("#composer-text")
    mine = typing.input_value("#composer-text").replace("thirty days", "forty-five days")
    typing.fill("#composer-text", mine)
    assert typing.is_hidden("#composer-stale")
    typing.click("#preview-instruction")
    typing.wait_for_selector("#instruction:has-text('forty-five')")
    before = typing.inner_text("#instruction")

    _adopt_and_consolidate(pages.new("clerk"), 1)

    for page in (typing, idle):
        page.wait_for_selector("#amendment-base:has-text('version 2.')")
    # Nothing typed: the composer simply holds the new text.
    idle.wait_for_function("() => document.getElementById('composer-text').value.includes('sixty days')")
    assert idle.is_hidden("#composer-stale")
    # A draft is never replaced silently: the member is told, keeps the words, and may start again.
    typing.wait_for_selector("#composer-stale:visible")
    assert "version 2" in typing.inner_text("#composer-stale")
    assert typing.input_value("#composer-text") == mine
    # The instruction previewed cites version 1's words: it is gone, and no older message stands beside the notice.
    typing.wait_for_function("(before) => document.getElementById('instruction').textContent !== before", arg=before)
    assert "forty-five" not in typing.inner_text("#instruction")
    assert typing.inner_text("#amendments-message") == ""
    assert typing.is_disabled("#table-amendment")
    # What the draft would now do is shown against the new text: "sixty" would be struck out.
    typing.wait_for_selector("#track-changes del:has-text('sixty')")
    typing.click("#composer-restart")
    typing.wait_for_function("() => document.getElementById('composer-text').value.includes('sixty days')")
    typing.wait_for_selector("#composer-stale", state="hidden")
    typing.wait_for_function("() => !document.querySelector('#track-changes del, #track-changes ins')")


def test_conflicts_are_not_shown_for_amendments_ruled_out(pages: Pages) -> None:
    # Amendment 1 (tabled) and a new amendment to the same words conflict while both are in play; once the new
    # one is ruled inadmissible neither row may still name the other.
    mp, clerk = _ninety_days_before_the_clerk(pages)
    first, ruled_out = FIRST_ROW, NINETY_DAYS_ROW
    clerk.wait_for_selector(f"{ruled_out} .meta:has-text('Conflicts with 1')")
    # Without a reason the page asks for one in its own words, and sends nothing.
    clerk.click(f"{ruled_out} button:has-text('Rule out')")
    clerk.wait_for_selector("#amendments-message:has-text('Give the reason')")
    assert clerk.evaluate("document.activeElement.id").startswith("reason-")
    assert clerk.locator(f"{ruled_out}[data-state='tabled']").count() == 1
    clerk.fill(f"{ruled_out} input[id^='reason-']", "Out of scope")
    clerk.click(f"{ruled_out} button:has-text('Rule out')")
    clerk.wait_for_selector(f"{ruled_out}[data-state='inadmissible']")
    for page in (clerk, mp):
        page.wait_for_selector(f"{ruled_out}[data-state='inadmissible']")
        assert page.locator(f"{ruled_out} .meta", has_text="Conflicts with").count() == 0
        assert page.locator(f"{first} .meta", has_text="Conflicts with").count() == 0
        assert page.locator(f"{ruled_out} .meta", has_text="Out of scope").count() == 1


def test_an_amendment_defeated_by_an_adopted_one_can_only_be_recorded_as_fallen(pages: Pages) -> None:
    # Amendment 2 ("ninety") and the demo's amendment 1 ("sixty") change the same words; adopting 1 defeats 2.
    mp, clerk = _ninety_days_before_the_clerk(pages)
    first, defeated = FIRST_ROW, NINETY_DAYS_ROW
    clerk.click(f"{defeated} button:has-text('Admit')")
    clerk.wait_for_selector(f"{defeated}[data-state='admissible']")
    clerk.click(f"{first} button:has-text('Admit')")
    clerk.wait_for_selector(f"{first}[data-state='admissible']")
    clerk.fill(f"{first} input[id^='for-']", "120")
    clerk.click(f"{first} button:has-text('Adopt')")
    clerk.wait_for_selector(f"{first}[data-state='adopted']")
    for page in (clerk, mp):
        page.wait_for_selector(f"{defeated} .meta:has-text('Defeated by adopted amendment 1')")
    # Nothing the procedure would refuse is offered: no vote, no ruling; the member may still withdraw.
    assert clerk.locator(f"{defeated} button").all_inner_texts() == ["Record as fallen"]
    assert clerk.locator(f"{defeated} input").count() == 0
    assert mp.locator(f"{defeated} button").all_inner_texts() == ["Withdraw"]
    clerk.click(f"{defeated} button:has-text('Record as fallen')")
    for page in (clerk, mp):
        page.wait_for_selector(f"{defeated}[data-state='fallen']")
        assert page.locator(f"{defeated} .meta", has_text="Defeated").count() == 0
        assert page.locator(f"{defeated} button").count() == 0
    assert clerk.inner_text("#amendments-message").startswith("Amendment 2: fallen")


def test_a_composite_instruction_keeps_its_lines(pages: Pages) -> None:
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    mp.select_option("#composer-eid", EID)
    text = mp.input_value("#composer-text")
    changed = text.replace("thirty", "sixty").replace("Gazette", "official journal")
    assert changed.count("sixty") == 1 and "official journal" in changed
    mp.fill("#composer-text", changed)
    mp.click("#preview-instruction")
    mp.wait_for_selector("#instruction:has-text('official journal')")
    mp.click("#table-amendment")
    mp.wait_for_selector("#amendments-message:has-text('tabled')")
    row = mp.locator("#amendment-list tr", has_text="official journal")
    lines = row.locator(".instruction").inner_text().splitlines()
    # "In section 1(2)—", then "(a) leave out ..." and "(b) leave out ..." each on a line of its own.
    assert [line[:3] for line in lines[1:]] == ["(a)", "(b)"], lines
    row.locator("a").first.click()
    mp.wait_for_selector("h1:has-text('Amendment')")
    assert [line[:3] for line in mp.locator(".instruction").inner_text().splitlines()[1:]] == ["(a)", "(b)"]


# Relative luminance and contrast ratio (WCAG 2), of a computed `rgb(...)` colour.
def _luminance(colour: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    lighter, darker = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_a_disabled_button_looks_unavailable_not_pressed(pages: Pages) -> None:
    mp = pages.new("mp")
    mp.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(mp)
    assert mp.is_disabled("#table-amendment")
    style = "(b) => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, s.borderStyle]; }"
    background, text, _border = mp.eval_on_selector("#table-amendment", style)
    # A pressed toggle for comparison, styled by the same sheet.
    pressed_background, pressed_text, _ = mp.evaluate(f"""() => {{
        const b = document.createElement('button');
        b.className = 'secondary';
        b.setAttribute('aria-pressed', 'true');
        b.textContent = 'Pressed';
        document.querySelector('main').append(b);
        return ({style})(b);
    }}""")
    # A solid dark face reads as the chosen (pressed) option: a disabled one is pale, with its label still legible.
    assert _luminance(background) > 0.6, background
    assert _contrast(text, background) >= 3, (text, background)
    assert _contrast(pressed_background, background) >= 3, (pressed_background, background)
    assert _contrast(pressed_text, pressed_background) >= 4.5


def test_another_members_draft_is_not_named_among_the_conflicts_of_readers_who_cannot_see_it(pages: Pages) -> None:
    mp = _compose_ninety_days(pages)
    mp.click("#save-draft")
    mp.wait_for_selector(f"{NINETY_DAYS_ROW}[data-state='draft']")
    # Its author sees the draft, and the conflict with it.
    expect(mp.locator(f"{FIRST_ROW} .meta", has_text="Conflicts with")).to_have_text("Conflicts with draft (3)")
    for reader in (pages.new("mp2"), pages.new()):
        reader.goto(f"/bills/{DEMO_BILL}/amendments")
        ready(reader)
        reader.wait_for_selector(FIRST_ROW)
        assert reader.locator(NINETY_DAYS_ROW).count() == 0
        assert reader.locator(f"{FIRST_ROW} .meta", has_text="Conflicts with").count() == 0


def test_vote_counts_are_refused_in_the_words_of_their_fields(pages: Pages) -> None:
    clerk = pages.new("clerk")
    clerk.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(clerk)
    clerk.click(f"{FIRST_ROW} button:has-text('Admit')")
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='admissible']")
    requests: list[str] = []
    clerk.on("request", lambda request: requests.append(request.url) if "/transitions" in request.url else None)
    for field, typed, said in (("for", "-3", "Votes for must be a whole number of 0 or more."),
                               ("for", "2.5", "Votes for must be a whole number of 0 or more."),
                               ("against", "", "Votes against must be a whole number of 0 or more.")):
        clerk.fill(f"{FIRST_ROW} input[id^='for-']", "120")
        clerk.fill(f"{FIRST_ROW} input[id^='{field}-']", typed)
        clerk.click(f"{FIRST_ROW} button:has-text('Adopt')")
        expect(clerk.locator("#amendments-message")).to_have_text(said)
        assert clerk.evaluate("document.activeElement.id").startswith(f"{field}-")
    assert requests == [], "nothing the API would refuse is sent"
    clerk.fill(f"{FIRST_ROW} input[id^='against-']", "40")
    clerk.click(f"{FIRST_ROW} button:has-text('Adopt')")
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='adopted']")
