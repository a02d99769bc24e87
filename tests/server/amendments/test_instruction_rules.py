"""What an instruction cannot say: a change of formatting alone, a new provision without its number."""

from __future__ import annotations

import pytest

from akn.vocabulary import HIERARCHY_ELEMENTS
from server.domain.citation import Level
from server.domain.instruction_rules import NUMBERED_UNITS, formatting_problem, numbering_problem
from server.domain.instructions import compare_texts, insertion_instruction, text_instruction

SEC_5_2 = [Level("section", "5."), Level("subsection", "(2)")]
OPEN_FOR = "A {{term{refersTo #term-consultation} consultation}} shall remain open for **not less than** thirty days."
EID = "part_2__sec_5__subsec_2"


def test_bold_taken_off_is_a_change_of_formatting_only() -> None:
    changes = compare_texts(OPEN_FOR, OPEN_FOR.replace("**", ""))
    assert [(c.left_out, c.inserted, c.markup_only) for c in changes] == [
        ("not less than", "not less than", True)
    ]


def test_an_amendment_that_only_takes_bold_off_is_refused_as_editorial() -> None:
    instruction = text_instruction(SEC_5_2, OPEN_FOR, OPEN_FOR.replace("**", ""))
    problem = formatting_problem("section 5(2)", instruction.changes)
    assert problem == (
        'the proposed text of section 5(2) changes only the formatting or markup of "not less than" (bold, italics, a '
        "reference, a term), not its words: an amendment changes words, and formatting alone is an editorial "
        "matter for the clerks"
    )
    # Worded all the same, the instruction does not pretend to change words.
    assert instruction.text == "In section 5(2), no change of words."
    assert problem is not None and problem.values == {"provision": "section 5(2)", "quotes": '"not less than"'}


@pytest.mark.parametrize("new", [
    OPEN_FOR.replace("thirty", "//thirty//"),  # italics put on
    OPEN_FOR.replace("{{term{refersTo #term-consultation} consultation}}", "consultation"),  # a term taken off
    OPEN_FOR.replace("thirty days", "{{>/akn/ke/act/2012/1 thirty days}}"),  # a reference made
    OPEN_FOR.replace("**not less than**", "not **less than**"),  # bold moved
])
def test_every_change_of_formatting_or_markup_alone_is_refused(new: str) -> None:
    assert formatting_problem(EID, compare_texts(OPEN_FOR, new)) is not None


def test_a_change_of_formatting_beside_a_change_of_words_is_one_change_of_words() -> None:
    # The words change: the new ones are inserted as the member formatted them.
    changes = compare_texts(OPEN_FOR, OPEN_FOR.replace("**not less than** thirty", "not less than sixty"))
    assert [(c.left_out, c.inserted, c.markup_only) for c in changes] == [
        ("not less than thirty", "not less than sixty", False)
    ]
    assert formatting_problem(EID, changes) is None


def test_a_change_of_formatting_apart_from_a_change_of_words_is_not_worded() -> None:
    # Formatting is editorial: the instruction says the change of words, and the formatting of the new text comes
    # with it. The change stays among the words the amendment touches, for its conflicts with others.
    new = OPEN_FOR.replace("**not less than**", "not less than").replace("consultation}} shall", "consultation}} may")
    instruction = text_instruction(SEC_5_2, OPEN_FOR, new)
    assert [(c.left_out, c.markup_only) for c in instruction.changes] == [("shall", False), ("not less than", True)]
    assert instruction.text == 'In section 5(2), leave out "shall" and insert "may".'
    assert formatting_problem(EID, instruction.changes) is None


def test_changes_of_formatting_apart_from_several_changes_of_words_leave_the_lettering_unbroken() -> None:
    new = OPEN_FOR.replace("**not less than**", "not less than").replace("A {{", "Each {{").replace("remain", "stay")
    instruction = text_instruction(SEC_5_2, OPEN_FOR, new)
    assert len(instruction.changes) == 3
    assert instruction.text == (
        "In section 5(2)\u2014\n"
        '(a) leave out "A" and insert "Each";\n'
        '(b) leave out "remain" and insert "stay".'
    )


def test_changes_of_words_are_not_a_formatting_problem() -> None:
    assert formatting_problem(EID, compare_texts(OPEN_FOR, OPEN_FOR.replace("thirty", "sixty"))) is None
    assert formatting_problem(EID, compare_texts(OPEN_FOR, OPEN_FOR.replace(" thirty", ""))) is None
    assert formatting_problem(EID, compare_texts(OPEN_FOR, OPEN_FOR + " Or more.")) is None
    assert formatting_problem(EID, []) is None


@pytest.mark.parametrize("num", [None, "", "  ", "()", "."])
def test_a_new_section_or_subsection_without_a_number_is_refused(num: str | None) -> None:
    for name in ("section", "subsection", "paragraph", "article", "part"):
        problem = numbering_problem(name, num)
        assert problem == (
            "a new provision needs a number: the bill cites and names its provisions by their numbers, and one "
            "without a number could be neither cited nor amended"
        )


def test_a_numbered_provision_or_one_commonly_unnumbered_keeps_the_rule() -> None:
    assert numbering_problem("section", "4A.") is None
    assert numbering_problem("subsection", "(3)") is None
    assert numbering_problem("hcontainer", None) is None
    assert numbering_problem("indent", None) is None


def test_a_new_provision_without_a_number_is_worded_without_one() -> None:
    # The rule refuses it before it is worded; worded all the same, it claims no number it does not have.
    instruction = insertion_instruction([Level("section", "4.")], "section", None, "Appeals", "A person may appeal.")
    assert instruction.text == (
        'After section 4, insert the following new section\u2014\n"Appeals\nA person may appeal."'
    )


def test_the_numbered_units_are_provision_elements() -> None:
    assert NUMBERED_UNITS <= HIERARCHY_ELEMENTS
    assert {"section", "subsection", "paragraph", "article", "part"} <= NUMBERED_UNITS
