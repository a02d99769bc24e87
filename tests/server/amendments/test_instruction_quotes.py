"""Quotation marks inside quoted words: the quote takes the other kind of mark, so its end cannot be mistaken."""

from __future__ import annotations

import pytest

from server.domain.citation import Level
from server.domain.instructions import DraftingStyle, Quoted, insertion_instruction, join_parts, text_instruction

SEC_8_2 = [Level("section", "8."), Level("subsection", "(2)")]
COMMENTS = "Comments may be made in writing, orally or in sign language."
CURLY = DraftingStyle(open_quote="\u201c", close_quote="\u201d")


def wording(old: str, new: str, style: DraftingStyle | None = None) -> str:
    return text_instruction(SEC_8_2, old, new, style or DraftingStyle()).text


def test_straight_quotation_marks_put_around_words_are_quoted_in_single_marks() -> None:
    assert wording(COMMENTS, COMMENTS.replace("in writing", '"in writing"')) == (
        "In section 8(2)\u2014\n"
        "(a) after \"made\", insert '\"';\n"
        "(b) after \"writing\", insert '\"'."
    )


def test_curly_quotation_marks_put_around_words_are_quoted_in_single_curly_marks() -> None:
    new = COMMENTS.replace("in writing", "\u201cin writing\u201d")
    assert wording(COMMENTS, new, CURLY) == (
        "In section 8(2)\u2014\n"
        "(a) after \u201cmade\u201d, insert \u2018\u201c\u2019;\n"
        "(b) after \u201cwriting\u201d, insert \u2018\u201d\u2019."
    )


def test_marks_of_another_family_need_no_change_of_quotes() -> None:
    # Straight marks inside curly quotes (or curly inside straight) cannot be taken for the quote's end.
    assert wording(COMMENTS, COMMENTS.replace("in writing", '"in writing"'), CURLY) == (
        "In section 8(2)\u2014\n"
        "(a) after \u201cmade\u201d, insert \u201c\"\u201d;\n"
        "(b) after \u201cwriting\u201d, insert \u201c\"\u201d."
    )


def test_a_quoted_definition_keeps_its_own_marks_inside_the_other_kind() -> None:
    old = '"consultation" means a period of comment;'
    assert wording(old, old.replace("a period", "the period")) == (
        'In section 8(2), leave out "a" and insert "the".'
    )
    assert wording(old, old.replace("comment;", 'comment; "participant" means a person who comments;')) == (
        'In section 8(2), at the end, insert \'"participant" means a person who comments;\'.'
    )
    assert wording(old, old.replace('"consultation" means', "consultation means")) == (
        "In section 8(2), leave out '\"consultation\"' and insert \"consultation\"."
    )


@pytest.mark.parametrize(("style", "text", "expected"), [
    (DraftingStyle(), "plain words", '"plain words"'),
    (DraftingStyle(), 'the "Clerk"', "'the \"Clerk\"'"),
    (DraftingStyle(), "the person's \"consent\"", "'the person's \"consent\"'"),  # an apostrophe is no quote
    (DraftingStyle(), "the members' \"consent\"", "\u201cthe members' \"consent\"\u201d"),  # both straight kinds
    (CURLY, "the \u201cClerk\u201d", "\u2018the \u201cClerk\u201d\u2019"),
    (CURLY, "the person\u2019s \u201cconsent\u201d", "\u2018the person\u2019s \u201cconsent\u201d\u2019"),
    (CURLY, "the \u2018Clerk\u2019 and \u201cSpeaker\u201d", "\"the \u2018Clerk\u2019 and \u201cSpeaker\u201d\""),
    (DraftingStyle(open_quote="\u2018", close_quote="\u2019"), "the \u2018Clerk\u2019",
     "\u201cthe \u2018Clerk\u2019\u201d"),
    (DraftingStyle(open_quote="'", close_quote="'"), "'x'", "\"'x'\""),
])
def test_the_first_kind_of_mark_the_words_do_not_hold_quotes_them(
    style: DraftingStyle, text: str, expected: str
) -> None:
    assert join_parts([Quoted(text)], style) == expected


def test_a_new_provision_holding_a_definition_is_quoted_with_the_other_kind() -> None:
    instruction = insertion_instruction([Level("section", "2.")], "section", "2A.", "Register",
                                        '"register" means the public register.')
    assert instruction.text == (
        "After section 2, insert the following new section\u2014\n"
        "'2A. Register\n\"register\" means the public register.'"
    )
