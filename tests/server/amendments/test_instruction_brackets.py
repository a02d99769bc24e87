"""Instructions quote bracketed numbers and citations whole, and read literally give the text the member typed."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.domain.citation import Level
from server.domain.instruction_rules import formatting_problem
from server.domain.instructions import DraftingStyle, TextChange, compare_texts, text_instruction
from server.domain.quote_edges import EITHER_WAY, spacing
from server.domain.words import read_words

SEC_19_2 = [Level("section", "19."), Level("subsection", "(2)")]
# The demo bill's section 19(2) and section 12(2), where the audit found quotes cutting "(1)" apart.
FINE = ("A person convicted of an offence under subsection (1) is liable to a fine not exceeding five hundred "
        "thousand shillings.")
WITHHELD = ("A comment withheld under subsection (1) shall be recorded in the register with the reason for "
            "withholding it.")
WIDEN = DraftingStyle(disambiguation="widen")


def wording(old: str, new: str, style: DraftingStyle | None = None) -> str:
    return text_instruction(SEC_19_2, old, new, style or DraftingStyle()).text


# --- reading an instruction literally ------------------------------------------------------------------------


def _found(text: str, quote: str) -> list[int]:
    """Where a reader finds ``quote`` in ``text``: not inside a longer word or number."""
    def wordy(ch: str) -> bool:
        return ch.isalnum() or ch == "_"

    starts = []
    at = text.find(quote)
    while at >= 0:
        end = at + len(quote)
        cut_before = wordy(quote[0]) and at > 0 and wordy(text[at - 1])
        cut_after = wordy(quote[-1]) and end < len(text) and wordy(text[end])
        if not (cut_before or cut_after):
            starts.append(at)
        at = text.find(quote, at + 1)
    return starts


def _place(text: str, quote: str, occurrence: int | None) -> int:
    starts = _found(text, quote)
    if occurrence is None:
        assert len(starts) == 1, f"{quote!r} is not unique in {text!r}"
        return starts[0]
    return starts[occurrence - 1]


def _join(before: str, after: str) -> str:
    """``before`` and ``after`` side by side, spaced as a reader puts words an instruction brings together."""
    space = spacing(before, after)
    return before.rstrip() + (" " if space is None else space) + after.lstrip()


def apply_literally(old: str, changes: Sequence[TextChange]) -> str:
    """The old text with each change made as its instruction reads, found by its quotes in the old text."""
    edits: list[tuple[int, int, TextChange]] = []
    for change in changes:
        if change.kind == "insert":
            if change.position == "after":
                anchor = change.anchor or ""
                at = _place(old, anchor, change.occurrence) + len(anchor)
            else:
                at = 0 if change.position == "beginning" else len(old)
            edits.append((at, at, change))
        elif not change.markup_only:
            start = _place(old, change.left_out, change.occurrence)
            edits.append((start, start + len(change.left_out), change))
    text = old
    for start, end, change in sorted(edits, key=lambda edit: edit[0], reverse=True):
        before, after = text[:start], text[end:]
        if change.kind == "insert":
            text = _join(_join(before, change.inserted), after)
        elif change.kind == "replace":
            text = before + change.inserted + after
        else:
            text = _join(before, after)
    return text


def _spaced(text: str) -> str:
    # Runs of spaces are one space; a straight quotation mark or a dash is spaced either way.
    either = "".join(re.escape(mark) for mark in sorted(EITHER_WAY))
    return re.sub(rf"\s*([{either}])\s*", r"\1", " ".join(text.split()))


def assert_reads_as_typed(old_markup: str, new_markup: str, style: DraftingStyle | None = None) -> None:
    old, new = read_words(old_markup).text, read_words(new_markup).text
    changes = compare_texts(old_markup, new_markup, style or DraftingStyle())
    assert _spaced(apply_literally(old, changes)) == _spaced(new), changes


# A bracketed number or letter, with the word it is written onto and the groups that follow it: "12(1)(a)".
_CITATION = re.compile(r"\w*(?:\((?:\d+[A-Za-z]?|[a-z]{1,3})\))+")


def _cuts(text: str, start: int, end: int, *, between_groups: bool = False) -> bool:
    """Whether the passage ``start..end`` of ``text`` starts or ends inside a citation."""
    for match in _CITATION.finditer(text):
        for edge in (start, end):
            if match.start() < edge < match.end() and not (between_groups and text[edge - 1 : edge + 1] == ")("):
                return True
    return False


def assert_quotes_whole_citations(old_markup: str, new_markup: str, style: DraftingStyle | None = None) -> None:
    old, new = read_words(old_markup), read_words(new_markup)
    for change in compare_texts(old_markup, new_markup, style or DraftingStyle()):
        if change.kind == "insert":
            # Words inserted after a citation may continue it: after "(1)", insert "(a)".
            assert not _cuts(new.text, new.words[change.new_start].start, new.words[change.new_end - 1].end,
                             between_groups=True), change
            if change.position == "after":
                first = change.old_start - len(read_words(change.anchor or "").words)
                assert not _cuts(old.text, old.words[first].start, old.words[change.old_start - 1].end), change
            continue
        assert not _cuts(old.text, old.words[change.old_start].start, old.words[change.old_end - 1].end), change
        if change.kind == "replace":
            assert not _cuts(new.text, new.words[change.new_start].start, new.words[change.new_end - 1].end), change


# --- the wording --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "expected"), [
    # The four the audit found (docs: audit M3), on the demo bill's words.
    (FINE, FINE.replace("subsection (1)", "subsection (1) or (3)"), 'after "(1)", insert "or (3)"'),
    (WITHHELD, WITHHELD.replace("subsection (1)", "subsection (1)(a) or (b)"), 'after "(1)", insert "(a) or (b)"'),
    (FINE, FINE.replace("(1)", "(2)"), 'leave out "(1)" and insert "(2)"'),
    (WITHHELD, WITHHELD.replace("subsection (1)", "section 12(1)"),
     'leave out "subsection (1)" and insert "section 12(1)"'),
    # A bracket at the start or the end of the provision.
    ("(a) the Clerk; and", "(b) the Clerk; and", 'leave out "(a)" and insert "(b)"'),
    ("(1) The Clerk shall keep a register.", "The Clerk shall keep a register.", 'leave out "(1)"'),
    ("The Clerk shall keep a register.", "(1) The Clerk shall keep a register.", 'at the beginning, insert "(1)"'),
    ("as provided in subsection (1)", "as provided in subsection (2)", 'leave out "(1)" and insert "(2)"'),
    ("as provided in subsection (1)", "as provided in subsection (1) or (2)", 'at the end, insert "or (2)"'),
    ("as provided in subsection (1)", "as provided in subsection (1)(a)", 'at the end, insert "(a)"'),
    # A citation is quoted whole: its number with its brackets, its groups together.
    ("as provided in section 12(1)(a) and (b)", "as provided in section 12(1)(c) and (b)",
     'leave out "12(1)(a)" and insert "12(1)(c)"'),
    ("as provided in section 12(1)(a), the Clerk", "as provided in section 12(1), the Clerk",
     'leave out "12(1)(a)" and insert "12(1)"'),
    ("as provided in section 12(1), the Clerk", "as provided in section 12(1)(a), the Clerk",
     'after "12(1)", insert "(a)"'),
    ("under section 12(1) the Clerk", "under section 13(1) the Clerk", 'leave out "12(1)" and insert "13(1)"'),
    # Roman numerals and lettered numbers.
    ("in paragraph (iv) of the Schedule", "in paragraph (v) of the Schedule", 'leave out "(iv)" and insert "(v)"'),
    ("under subsection (1A) the Clerk", "under subsection (1B) the Clerk", 'leave out "(1A)" and insert "(1B)"'),
    # Punctuation written onto a closing bracket stays out of the quote, and is quoted with it when it goes.
    ("under subsection (1), the Clerk", "under subsection (2), the Clerk", 'leave out "(1)" and insert "(2)"'),
    ("under subsection (1), the Clerk", "under subsection (1) or (2), the Clerk", 'after "(1)", insert "or (2)"'),
    ("under subsection (1), the Clerk", "under subsection (1) the Clerk", 'leave out "(1)," and insert "(1)"'),
    ("under subsection (1) or (2)", "under subsection (1)", 'leave out "or (2)"'),
    # A change of spacing inside a citation is a change of its text.
    ("under section 12 (1) the Clerk", "under section 12(1) the Clerk", 'leave out "12 (1)" and insert "12(1)"'),
    # Quoted as a reader sees it, whatever the markup.
    ("under **subsection (1)** the Clerk", "under **subsection (2)** the Clerk", 'leave out "(1)" and insert "(2)"'),
    # A repeated group is pinned down like any repeated words.
    ("subsections (1) and (2) apply, and (1) prevails", "subsections (1) and (2) apply, and (2) prevails",
     'leave out "(1)" where it second occurs and insert "(2)"'),
], ids=[
    "audit-or-3", "audit-a-or-b", "audit-1-to-2", "audit-section-12-1",
    "at-start", "left-out-at-start", "inserted-at-start", "at-end", "appended-at-end", "group-appended-at-end",
    "citation-group-changed", "citation-group-left-out", "citation-group-added", "citation-number-changed",
    "roman", "lettered-number", "comma-after", "inserted-before-comma", "comma-left-out", "group-left-out",
    "spacing-in-citation", "markup", "repeated",
])
def test_a_quote_takes_bracketed_numbers_whole(old: str, new: str, expected: str) -> None:
    assert wording(old, new) == f"In section 19(2), {expected}."
    assert_reads_as_typed(old, new)
    assert_quotes_whole_citations(old, new)


def test_a_repeated_group_is_widened_by_whole_words_in_the_widen_style() -> None:
    old = "subsections (1) and (2) apply, and (1) prevails"
    new = "subsections (1) and (2) apply, and (2) prevails"
    assert wording(old, new, WIDEN) == 'In section 19(2), leave out "(1) prevails" and insert "(2) prevails".'
    assert wording(old, old.replace("(1) prevails", "(1) always prevails"), WIDEN) == (
        'In section 19(2), after "and (1)", insert "always".')


def test_a_change_of_spacing_alone_is_a_change_of_words_not_of_formatting() -> None:
    changes = compare_texts("under section 12 (1) the Clerk", "under section 12(1) the Clerk")
    assert [(c.left_out, c.inserted, c.markup_only) for c in changes] == [("12 (1)", "12(1)", False)]
    assert formatting_problem("section 19(2)", changes) is None


def test_the_audits_wording_read_literally_gives_another_text() -> None:
    # What the audit found, read as it is worded, spaces the citation otherwise than the member typed it.
    changes = [TextChange("replace", 0, 1, 0, 2, "subsection", "section 12")]
    assert apply_literally("subsection (1)", changes) == "section 12 (1)"
    assert _spaced("section 12 (1)") != _spaced("section 12(1)")


# --- every instruction, read literally, gives the text typed -----------------------------------------------

_PIECES = ["(1)", "(2)", "(a)", "(b)", "(iv)", "(1A)", "12(1)", "12(1)(a)", "(1)(a)", "(1),", "subsection",
           "section", "12", "or", "and", "the", ",", ";", "."]
_TEXTS = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from([" ", " ", ""])), max_size=16).map(
    lambda pieces: "".join(piece + gap for piece, gap in pieces).strip())


@settings(max_examples=400, deadline=None)
@given(_TEXTS, _TEXTS)
@example("under subsection (1) the Clerk", "under subsection (1) or (3) the Clerk")
@example("subsection (1)", "section 12(1)")
@example("12(1) (a)", "12(1)(a)")
def test_every_instruction_read_literally_gives_the_text_typed(old: str, new: str) -> None:
    assert_reads_as_typed(old, new)
    assert_reads_as_typed(old, new, WIDEN)
    assert_quotes_whole_citations(old, new)
