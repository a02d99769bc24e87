"""Instruction wording: replacements, insertions, omissions, repeated words, punctuation, structure, styles."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akn.inline import from_markup
from server.domain.citation import Level, cite, levels_from_eid
from server.domain.instructions import (
    DraftingStyle,
    StyleName,
    compare_texts,
    insertion_instruction,
    omission_instruction,
    ordinal,
    text_instruction,
)
from server.domain.words import read_words

SEC_3_2 = [Level("section", "3."), Level("subsection", "(2)")]
COMMENCEMENT = "This Act comes into operation thirty days after the date of its publication in the Gazette."
WIDEN = DraftingStyle(disambiguation="widen")


def wording(old: str, new: str, style: DraftingStyle | None = None) -> str:
    return text_instruction(SEC_3_2, old, new, style or DraftingStyle()).text


def test_one_word_replaced_is_left_out_and_inserted() -> None:
    new = COMMENCEMENT.replace("thirty", "sixty")
    assert wording(COMMENCEMENT, new) == 'In section 3(2), leave out "thirty" and insert "sixty".'


def test_words_left_out() -> None:
    assert wording(COMMENCEMENT, COMMENCEMENT.replace(" in the Gazette", "")) == (
        'In section 3(2), leave out "in the Gazette".'
    )


def test_words_inserted_after_a_unique_anchor() -> None:
    new = COMMENCEMENT.replace("thirty days", "thirty clear days")
    assert wording(COMMENCEMENT, new) == 'In section 3(2), after "thirty", insert "clear".'


def test_insertion_at_the_beginning_and_end() -> None:
    assert wording("the levy is due", "Henceforth the levy is due") == (
        'In section 3(2), at the beginning, insert "Henceforth".'
    )
    assert wording("the levy is due", "the levy is due monthly") == (
        'In section 3(2), at the end, insert "monthly".'
    )


def test_repeated_word_named_by_its_occurrence() -> None:
    old = "the cat sat on the mat and the dog"
    assert wording(old, "the cat sat on a mat and the dog") == (
        'In section 3(2), leave out "the" where it second occurs and insert "a".'
    )
    assert wording(old, "cat sat on the mat and the dog") == (
        'In section 3(2), leave out "the" where it first occurs.'
    )


def test_repeated_word_widened_until_unique_in_the_widen_style() -> None:
    old = "the cat sat on the mat and the dog"
    assert wording(old, "the cat sat on a mat and the dog", WIDEN) == (
        'In section 3(2), leave out "the mat" and insert "a mat".'
    )


def test_repeated_anchor_is_pinned_down() -> None:
    old = "the cat sat on the mat and the dog"
    new = "the cat sat on the mat and the big dog"
    assert wording(old, new) == 'In section 3(2), after "the" where it third occurs, insert "big".'
    assert wording(old, new, WIDEN) == 'In section 3(2), after "and the", insert "big".'


def test_repeated_phrase_counts_whole_words_only() -> None:
    # "the" inside "other" and "theatre" is not an occurrence of the word "the".
    old = "other theatre rules and the fees"
    assert wording(old, "other theatre rules and any fees") == (
        'In section 3(2), leave out "the" and insert "any".'
    )


def test_punctuation_change_quotes_the_word_it_follows() -> None:
    assert wording("The Act, as amended.", "The Act as amended.") == (
        'In section 3(2), leave out "Act," and insert "Act".'
    )
    assert wording("a person shall pay;", "a person shall pay.") == (
        'In section 3(2), leave out "pay;" and insert "pay.".'
    )


def test_punctuation_at_the_start_takes_in_the_next_word() -> None:
    # The quote holds quotation marks: it is quoted with the other kind (see test_instruction_quotes.py).
    assert wording('"Clerk" means the Clerk', "Clerk means the Clerk") == (
        'In section 3(2), leave out \'"Clerk"\' and insert "Clerk".'
    )


def test_a_number_with_separators_is_quoted_whole() -> None:
    fine = "A person who fails to publish is liable to a fine of 1,000 shillings, or 2.5 per cent of the levy."
    assert wording(fine, fine.replace("1,000", "5,000")) == (
        'In section 3(2), leave out "1,000" and insert "5,000".')
    assert wording(fine, fine.replace("2.5", "3.5")) == 'In section 3(2), leave out "2.5" and insert "3.5".'
    # A sum that holds another is still told apart from it, and a comma after a number is punctuation.
    both = "a fine of 1,000 or 1,000,000 shillings, 3, or 4."
    assert wording(both, both.replace("1,000,000", "2,000,000")) == (
        'In section 3(2), leave out "1,000,000" and insert "2,000,000".')
    assert wording(both, both.replace("3, or", "3 or")) == 'In section 3(2), leave out "3," and insert "3".'


def test_neighbouring_changes_become_one_replacement() -> None:
    assert wording("thirty days after the date", "sixty days before the date") == (
        'In section 3(2), leave out "thirty days after" and insert "sixty days before".'
    )


def test_distant_changes_are_listed_one_instruction_each() -> None:
    old = "The Authority may waive the levy in writing where the person shows hardship."
    new = "The Commission may waive the levy in writing where the person shows undue hardship."
    assert wording(old, new) == (
        "In section 3(2)—\n"
        '(a) leave out "Authority" and insert "Commission";\n'
        '(b) after "shows", insert "undue".'
    )


def test_quotes_are_what_a_reader_sees_not_the_markup() -> None:
    old = "the {{>#sec_4 levy}} under **section 4** is due"
    new = "the {{>#sec_4 levy}} under **section 5** is due"
    assert wording(old, new) == 'In section 3(2), leave out "4" and insert "5".'


def test_markup_only_change_is_a_change() -> None:
    changes = compare_texts("the levy is due", "the {{term{refersTo #trm_levy} levy}} is due")
    assert [(c.kind, c.left_out, c.inserted) for c in changes] == [("replace", "levy", "levy")]


def test_escaped_markup_characters_are_quoted_as_text() -> None:
    reading = read_words(r"pay 5\*\* or \{\{x\}\}")
    assert reading.text == "pay 5** or {{x}}"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("The Clerk keeps the register.", "The Clerk keeps the register. See http://example.org/bills.",
         'In section 3(2), at the end, insert "See http://example.org/bills.".'),
        ("The levy is 25.", "The levy is 5 ** 2.", 'In section 3(2), leave out "25" and insert "5 ** 2".'),
        ("A committee sits.", "A ** committee sits.", 'In section 3(2), after "A", insert "**".'),
        # An escaped marker and one that closes nothing are the same characters: only the word changed is quoted.
        (r"Line \*\* stray", "Row ** stray", 'In section 3(2), leave out "Line" and insert "Row".'),
    ],
    ids=["url", "power", "stray-marker", "escaped-or-not"],
)
def test_markers_that_close_nothing_are_quoted_as_the_characters_the_document_holds(
        old: str, new: str, expected: str) -> None:
    # As akn.inline reads them: "**", "//" or "__" without a closer on the line are text (docs/markup.md).
    assert wording(old, new) == expected
    assert read_words(new).text == "".join(from_markup(new).itertext())


def test_unchanged_text_has_no_changes() -> None:
    assert compare_texts(COMMENCEMENT, COMMENCEMENT) == []
    assert wording(COMMENCEMENT, COMMENCEMENT) == "In section 3(2), no change."


def test_spacing_alone_is_not_a_change() -> None:
    assert compare_texts("thirty  days", "thirty days") == []


def test_replacing_the_whole_text() -> None:
    assert wording("old words", "entirely new text") == (
        'In section 3(2), leave out "old words" and insert "entirely new text".'
    )


def test_page_and_line_are_put_first_when_given() -> None:
    style = DraftingStyle(location="Page 2, line 14")
    assert wording("thirty days", "sixty days", style) == (
        'Page 2, line 14, in section 3(2), leave out "thirty" and insert "sixty".'
    )


def test_curly_quotes_can_be_chosen() -> None:
    style = DraftingStyle(open_quote="\u201c", close_quote="\u201d")
    assert wording("thirty days", "sixty days", style) == (
        "In section 3(2), leave out \u201cthirty\u201d and insert \u201csixty\u201d."
    )


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([Level("section", "3."), Level("subsection", "(2)")], "section 3(2)"),
        ([Level("part", "1"), Level("section", "3."), Level("subsection", "(2)"), Level("paragraph", "(a)")],
         "section 3(2)(a)"),
        ([Level("part", "II")], "Part II"),
        ([Level("chapter", "4"), Level("article", "12")], "article 12"),
        ([Level("section", "7"), Level("hcontainer", None), Level("paragraph", "b")], "section 7(b)"),
    ],
)
def test_citation_from_nums(levels: list[Level], expected: str) -> None:
    assert cite(levels) == expected


def test_citation_from_an_eid_alone() -> None:
    assert cite(levels_from_eid("part_1__sec_3__subsec_2__para_a")) == "section 3(2)(a)"
    assert cite(levels_from_eid("chp_2")) == "Chapter 2"


def test_new_section_after_a_section() -> None:
    instruction = insertion_instruction(levels_from_eid("sec_4"), "section", "4A.", "Appeals",
                                        "A person may appeal to the High Court.")
    assert instruction.text == (
        'After section 4, insert the following new section—\n"4A. Appeals\nA person may appeal to the High Court."'
    )


def test_new_subsection_inside_a_section() -> None:
    instruction = insertion_instruction(levels_from_eid("sec_4__subsec_2"), "subsection", "(3)", None,
                                        "A person may **appeal**.")
    assert instruction.text == (
        'In section 4, after subsection (2), insert the following new subsection—\n"(3) A person may appeal."'
    )


def test_leaving_out_a_section_and_a_paragraph() -> None:
    assert omission_instruction(levels_from_eid("part_1__sec_5")).text == "Leave out section 5."
    assert omission_instruction(levels_from_eid("sec_5__subsec_2__para_a")).text == (
        "In section 5(2), leave out paragraph (a)."
    )


def test_eu_two_column_marks_the_changed_words() -> None:
    style = DraftingStyle(name=StyleName.EU)
    instruction = text_instruction([Level("article", "3"), Level("paragraph", "2")], "within thirty days",
                                   "within sixty days", style)
    assert instruction.text == (
        "Article 3(2)\n\nText proposed\nwithin ***thirty*** days\n\nAmendment\nwithin ***sixty*** days"
    )
    assert [(s.text, s.changed) for s in instruction.amendment] == [
        ("within ", False), ("sixty", True), (" days", False)
    ]


def test_eu_deletion_shows_deleted_in_the_amendment_column() -> None:
    instruction = omission_instruction(levels_from_eid("art_5"), DraftingStyle(name=StyleName.EU),
                                       text="The levy is abolished.")
    assert instruction.text.endswith("Text proposed\n***The levy is abolished.***\n\nAmendment\ndeleted")


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 11, 21, 22, 23, 101)] == [
        "first", "second", "third", "eleventh", "21st", "22nd", "23rd", "101st"
    ]


def test_change_spans_are_word_ranges_of_the_old_text() -> None:
    (change,) = compare_texts("a b c d", "a X d")
    assert (change.kind, change.old_start, change.old_end, change.left_out, change.inserted) == (
        "replace", 1, 3, "b c", "X"
    )


def _apply(old_words: list[str], new_words: list[str], old: str, new: str) -> list[str]:
    result: list[str] = []
    cursor = 0
    for change in compare_texts(old, new):
        result.extend(old_words[cursor : change.old_start])
        result.extend(new_words[change.new_start : change.new_end])
        cursor = change.old_end
    result.extend(old_words[cursor:])
    return result


_VOCABULARY = ["the", "a", "levy", "shall", "pay", "Act", ",", ";", ".", "thirty", "days", "(a)", "person", "(1)",
               "12(1)(a)", "(iv),"]


@pytest.mark.parametrize(("old", "new"), [
    ("; (a) pay , . ;", ", , ."),  # the quote of the second change, widened to be unique, reached over the first
    ("a (a) ; ; ;", "(a) , , days ; ;"),  # a deletion widened back over an insertion
])
def test_changes_whose_quotes_would_overlap_become_one(old: str, new: str) -> None:
    old_words = [w.text for w in read_words(old).words]
    new_words = [w.text for w in read_words(new).words]
    assert _apply(old_words, new_words, old, new) == new_words
    changes = compare_texts(old, new)
    assert all(a.old_end <= b.old_start for a, b in itertools.pairwise(changes))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=25), st.lists(st.sampled_from(_VOCABULARY), max_size=25))
def test_changes_turn_the_old_words_into_the_new(old_list: list[str], new_list: list[str]) -> None:
    old, new = " ".join(old_list), " ".join(new_list)
    old_words = [w.text for w in read_words(old).words]
    new_words = [w.text for w in read_words(new).words]
    assert _apply(old_words, new_words, old, new) == new_words


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=20), st.data())
def test_every_quote_names_one_place(old_list: list[str], data: st.DataObject) -> None:
    old = " ".join(old_list)
    new_list = list(old_list)
    index = data.draw(st.integers(0, len(new_list) - 1))
    new_list[index] = "sixty"
    reading = read_words(old)
    for change in compare_texts(old, " ".join(new_list)):
        quote = change.left_out if change.kind != "insert" else change.anchor
        if quote is None:
            continue
        length = len(read_words(quote).words)
        starts = [k for k in range(len(reading.words) - length + 1) if reading.quote(k, k + length) == quote]
        first = change.old_start if change.kind != "insert" else change.old_start - length
        if change.occurrence is None:
            assert starts == [first]
        else:
            assert starts[change.occurrence - 1] == first
