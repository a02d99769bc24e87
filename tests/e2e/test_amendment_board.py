"""The amendments page as members and clerks use it: the composer sends what the chosen kind of amendment uses and
never shows an instruction it did not just make, every field has a name, the focus stays with the amendment acted
on, and the list is usable on a 320 px wide phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_BILL, Pages, ready
from tests.e2e.test_focus_after_actions import settled

pytestmark = pytest.mark.browser

EID = "part_1__sec_1__subsec_2"  # "... within thirty days ..."
# The demo has amendment 1 (id 1, tabled by "mp") and a draft (id 2, by "mp2"): the next one proposed is id 3.
FIRST_ROW = "#amendment-list tr[data-amendment='1']"
NEXT_ID = 3
PHONE = {"width": 320, "height": 640}


def _board(pages: Pages, user: str | None, viewport: dict[str, int] | None = None) -> Any:
    page = pages.new(user, viewport=viewport)
    page.goto(f"/bills/{DEMO_BILL}/amendments")
    ready(page)
    return page


def _sixty_days(mp: Any) -> None:
    """Types "sixty days" for "thirty days" in the composer's text (the kind "Change the words" chosen)."""
    mp.fill("#composer-text", mp.input_value("#composer-text").replace("thirty days", "sixty days"))


def _preview(mp: Any, words: str) -> str:
    mp.click("#preview-instruction")
    mp.wait_for_selector(f"#instruction:has-text('{words}')")
    text: str = mp.inner_text("#instruction")
    return text


# --- the composer -----------------------------------------------------------------------------------------------


def test_changing_the_words_after_trying_a_new_provision_previews_without_its_number(pages: Pages) -> None:
    mp = _board(pages, "mp")
    mp.select_option("#composer-eid", EID)
    mp.select_option("#composer-action", "insert_after")
    # By name: the heading's field had the id of the section's heading too.
    mp.fill("#composer [name=num]", "(4)")
    mp.fill("#composer [name=heading]", "Review")
    mp.select_option("#composer-action", "delete")
    mp.select_option("#composer-action", "text")
    _sixty_days(mp)
    instruction = _preview(mp, "sixty")
    assert '"thirty"' in instruction and "Refused" not in mp.inner_text("#amendments-message")
    # A new provision's fields are emptied with the rest when the kind changes: nothing typed for another kind
    # comes back when the member returns to it.
    mp.select_option("#composer-action", "insert_after")
    assert mp.input_value("#composer [name=num]") == mp.input_value("#composer [name=heading]") == ""


def test_a_refused_preview_leaves_no_earlier_instruction_on_show(pages: Pages) -> None:
    mp = _board(pages, "mp")
    mp.select_option("#composer-eid", EID)
    _sixty_days(mp)
    earlier = _preview(mp, "sixty")
    assert mp.is_enabled("#table-amendment")
    # A new subsection needs its number: the API refuses this one.
    mp.select_option("#composer-action", "insert_after")
    mp.fill("#composer-text", "The Clerk shall publish the report.")
    mp.click("#preview-instruction")
    mp.wait_for_selector("#amendments-message:has-text('Refused')")
    pages.expect_refusal(422)
    refusal = mp.inner_text("#amendments-message")
    assert "needs a number" in refusal and "'num'" not in refusal, refusal
    shown = mp.inner_text("#instruction")
    assert "sixty" not in shown and shown != earlier
    assert mp.is_disabled("#table-amendment")
    # Back at the values previewed before: their instruction is shown again, and may be tabled.
    mp.select_option("#composer-action", "text")
    _sixty_days(mp)
    assert mp.inner_text("#instruction") == earlier
    assert mp.is_enabled("#table-amendment")
    # A new preview that is made says so: the refusal before it does not stay beside a valid instruction.
    mp.fill("#composer-text", mp.input_value("#composer-text").replace("sixty days", "sixty clear days"))
    _preview(mp, "clear")
    assert "Refused" not in mp.inner_text("#amendments-message")


def test_every_field_of_the_composer_has_its_own_name(pages: Pages) -> None:
    mp = _board(pages, "mp")
    mp.select_option("#composer-action", "insert_after")
    mp.wait_for_selector("#composer-num:visible")
    duplicates = mp.evaluate("""() => {
        const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
        return ids.filter((id, i) => ids.indexOf(id) !== i);
    }""")
    assert duplicates == []
    for name in ("Number of the new provision", "Heading of the new provision", "Text of the new provision"):
        assert mp.get_by_role("textbox", name=name, exact=True).count() == 1, name
    assert mp.get_by_role("region", name="Propose an amendment").count() == 1
    pages.audit(mp)


def test_previews_store_nothing_and_a_saved_draft_is_tabled_from_the_list(pages: Pages) -> None:
    mp = _board(pages, "mp")

    def listed() -> list[int]:
        ids: list[int] = mp.evaluate(f"""async () => (await (await fetch('/api/bills/{DEMO_BILL}/amendments'))
            .json()).amendments.map((a) => a.id)""")
        return ids

    before = listed()
    mp.select_option("#composer-eid", EID)
    _sixty_days(mp)
    _preview(mp, "sixty")
    mp.fill("#composer-text", mp.input_value("#composer-text").replace("sixty days", "ninety days"))
    assert mp.is_disabled("#save-draft") and mp.is_disabled("#table-amendment")
    _preview(mp, "ninety")
    # Two previews, no amendment: nobody's list or feed fills with drafts nobody meant.
    assert listed() == before
    mp.click("#save-draft")
    mp.wait_for_selector("#amendments-message:has-text('saved')")
    assert listed() == [*before, NEXT_ID]
    row = f"#amendment-list tr[data-amendment='{NEXT_ID}']"
    settled(mp, f"{row}[data-state='draft']")
    assert mp.is_disabled("#save-draft") and mp.is_disabled("#table-amendment")
    mp.click(f"{row} button:has-text('Table')")
    mp.wait_for_selector(f"{row}[data-state='tabled']")
    assert "ninety" in mp.inner_text(f"{row} .instruction")


# --- where the focus goes -----------------------------------------------------------------------------------------


def test_tabling_gives_the_focus_to_the_amendment_in_the_list(pages: Pages) -> None:
    mp = _board(pages, "mp")
    mp.select_option("#composer-eid", EID)
    _sixty_days(mp)
    _preview(mp, "sixty")
    mp.click("#table-amendment")
    mp.wait_for_selector("#amendments-message:has-text('Amendment 2 tabled')")
    row = f"#amendment-list tr[data-amendment='{NEXT_ID}']"
    settled(mp, f"{row}[data-state='tabled']")
    # The list is rebuilt again when the tabling's own event arrives: the focus stays on the row.
    mp.wait_for_timeout(800)
    settled(mp, row)
    # From there the keyboard goes on into the row: its link, then its actions.
    mp.keyboard.press("Tab")
    settled(mp, f"{row} a")


def test_a_decision_in_the_list_leaves_the_focus_on_its_amendment(pages: Pages) -> None:
    clerk = _board(pages, "clerk")
    clerk.locator(FIRST_ROW).get_by_role("button", name="Admit amendment 1", exact=True).focus()
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='admissible']")
    settled(clerk, FIRST_ROW)
    # From there the keyboard goes on into the row: its link, then the votes to record.
    clerk.keyboard.press("Tab")
    settled(clerk, f"{FIRST_ROW} a")
    clerk.keyboard.press("Tab")
    settled(clerk, f"{FIRST_ROW} input[id^='for-']")


def test_consolidating_gives_the_focus_back_to_its_button(pages: Pages) -> None:
    clerk = _board(pages, "clerk")
    clerk.click(f"{FIRST_ROW} button:has-text('Admit')")
    clerk.fill(f"{FIRST_ROW} input[id^='for-']", "120")
    clerk.click(f"{FIRST_ROW} button:has-text('Adopt')")
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='adopted']")
    clerk.focus("#consolidate")
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#amendments-message:has-text('Version 2 published')")
    settled(clerk, "#consolidate")


# --- a 320 px wide screen -----------------------------------------------------------------------------------------


def _page_width(page: Any) -> int:
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    return width


# Where a control is drawn: a button by its words, a field by its label's, in the element `scope` selects. Read in
# one go, as the list may be rebuilt at any moment (each decision's own event refreshes it).
_PLACE = """([scope, name]) => {
  const holder = document.querySelector(scope);
  const label = holder && [...holder.querySelectorAll('label')].find((l) => l.textContent === name);
  const control = label ? document.getElementById(label.htmlFor)
    : holder && [...holder.querySelectorAll('button')].find((b) => b.textContent === name);
  if (!control) return null;
  const box = control.getBoundingClientRect();
  return { left: box.left, right: box.right, shown: box.width > 0 && box.height > 0 };
}"""


def _within_the_screen(page: Any, scope: str, name: str) -> None:
    place = page.evaluate(_PLACE, [scope, name])
    assert place is not None and place["shown"], f"{name} is not shown in {scope}"
    assert place["left"] >= 0 and place["right"] <= PHONE["width"], (name, place)


def test_a_member_reads_and_composes_on_a_320_pixel_screen(pages: Pages) -> None:
    mp = _board(pages, "mp", PHONE)
    mp.wait_for_selector(f"{FIRST_ROW}")
    assert _page_width(mp) <= PHONE["width"]
    _within_the_screen(mp, FIRST_ROW, "Withdraw")
    _within_the_screen(mp, "#composer", "Preview the instruction")


def test_a_clerk_records_a_vote_on_a_320_pixel_screen(pages: Pages) -> None:
    clerk = _board(pages, "clerk", PHONE)
    row = clerk.locator(FIRST_ROW)
    row.get_by_role("button", name="Admit amendment 1", exact=True).click()
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='admissible']")
    assert _page_width(clerk) <= PHONE["width"]
    for name in ("For", "Against", "Abstentions", "Adopt", "Reject"):
        _within_the_screen(clerk, FIRST_ROW, name)
    pages.audit(clerk)  # the stacked rows are still a table, each field named
    row.get_by_role("spinbutton", name="Votes for amendment 1", exact=True).fill("120")
    row.get_by_role("spinbutton", name="Votes against amendment 1", exact=True).fill("40")
    row.get_by_role("button", name="Adopt amendment 1", exact=True).click()
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='adopted']")
    assert _page_width(clerk) <= PHONE["width"]


def test_the_list_has_an_actions_column_only_for_those_who_act(pages: Pages) -> None:
    def columns(user: str) -> list[str]:
        page = _board(pages, user)
        page.wait_for_selector("#amendment-list table")
        headers: list[str] = page.locator("#amendment-list thead th").all_inner_texts()
        return headers

    assert "Actions" in columns("clerk")
    assert "Actions" not in columns("drafter")


def test_withdrawing_an_amendment_is_asked_first(pages: Pages) -> None:
    mp = _board(pages, "mp")
    asked: list[str] = []

    def answer(accept: bool) -> Any:
        def on_dialog(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return on_dialog

    mp.once("dialog", answer(False))
    mp.locator(FIRST_ROW).get_by_role("button", name="Withdraw").click()
    assert asked == ["Withdraw amendment 1? A withdrawn amendment cannot be tabled or voted on again."]
    mp.wait_for_timeout(300)
    assert mp.get_attribute(FIRST_ROW, "data-state") == "tabled"
    mp.once("dialog", answer(True))
    mp.locator(FIRST_ROW).get_by_role("button", name="Withdraw").click()
    mp.wait_for_selector(f"{FIRST_ROW}[data-state='withdrawn']")


# --- what each action acts on ---------------------------------------------------------------------------------


def _names_in(page: Any, row: str) -> list[tuple[str, str]]:
    """The role and accessible name of every button and field in ``row``'s actions, as assistive technology reads
    them (the visible words are the same in every row)."""
    page.wait_for_selector(f"{row} .amendment-actions")
    named: list[list[str]] = page.evaluate(
        """(row) => [...document.querySelectorAll(`${row} .amendment-actions :is(button, input)`)].map((el) =>
             [el.tagName === 'BUTTON' ? 'button' : el.type, el.getAttribute('aria-label') ?? ''])""", row)
    return [(kind, name) for kind, name in named]


def test_each_action_in_the_list_is_named_after_the_amendment_it_acts_on(pages: Pages) -> None:
    clerk = _board(pages, "clerk")
    assert _names_in(clerk, FIRST_ROW) == [
        ("button", "Admit amendment 1"), ("text", "Reason amendment 1 is inadmissible"),
        ("button", "Rule out amendment 1")]
    # Each name starts with the words shown, which say what the button does (not the state it leads to).
    row = clerk.locator(FIRST_ROW)
    assert row.locator("button").all_inner_texts() == ["Admit", "Rule out"]
    row.get_by_role("button", name="Admit amendment 1", exact=True).click()
    clerk.wait_for_selector(f"{FIRST_ROW}[data-state='admissible']")
    assert _names_in(clerk, FIRST_ROW) == [
        ("number", "Votes for amendment 1"), ("number", "Votes against amendment 1"),
        ("number", "Abstentions on amendment 1"), ("button", "Adopt amendment 1"), ("button", "Reject amendment 1")]
    pages.audit(clerk)

    # The proposer's own: a tabled amendment by its number, a draft as the list's first column names it.
    mp = _board(pages, "mp")
    assert _names_in(mp, FIRST_ROW) == [("button", "Withdraw amendment 1")]
    mp2 = _board(pages, "mp2")
    assert _names_in(mp2, "#amendment-list tr[data-amendment='2']") == [
        ("button", "Table amendment draft (2)"), ("button", "Withdraw amendment draft (2)")]
    pages.audit(mp2)

    french = pages.new("clerk", lang="fr-FR")
    french.goto(f"/bills/{DEMO_BILL}/amendments?lang=fr")
    ready(french)
    # Admitted above: its votes are to be recorded.
    assert ("button", "Adopter l\u2019amendement 1") in _names_in(french, FIRST_ROW)
    assert ("number", "Voix pour l\u2019amendement 1") in _names_in(french, FIRST_ROW)


def test_a_members_draft_is_on_the_board_of_its_member_and_the_clerks_alone(pages: Pages) -> None:
    # The demo's draft (id 2) is mp2's: the list shows it to mp2 and to the clerks who run the procedure, and to
    # another member (or anyone else) not at all, as the API lists it.
    draft = "#amendment-list tr[data-amendment='2']"
    for who in ("mp2", "clerk"):
        board = _board(pages, who)
        board.wait_for_selector(f"{draft}[data-state='draft']")
    for who in ("mp", None):
        board = _board(pages, who)
        board.wait_for_selector(FIRST_ROW)
        assert board.locator(draft).count() == 0, who
