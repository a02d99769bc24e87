"""The wording of proposed amendments to opening words, quotation marks and formatting, over HTTP."""

from __future__ import annotations

import pytest

from tests.server.amendments.conftest import Amending


def test_words_appended_to_opening_words_are_put_at_their_end_not_the_sections(amending: Amending) -> None:
    text = amending.text_of("part_1__sec_3")
    assert text == "The objects of this Act are to\u2014"
    created = amending.propose(eid="part_1__sec_3", text=f"{text} X")
    assert created["instruction"] == 'In section 3, in the words before paragraph (a), at the end, insert "X".'


def test_new_opening_words_go_before_the_first_subsection(amending: Amending) -> None:
    assert amending.text_of("part_2__sec_8") == ""
    created = amending.propose(eid="part_2__sec_8", text="Accessibility shall be ensured as follows\u2014")
    assert created["instruction"] == (
        'In section 8, before subsection (1), insert "Accessibility shall be ensured as follows\u2014".'
    )


def test_opening_words_of_a_subsection_name_its_first_paragraph(amending: Amending) -> None:
    created = amending.replace("part_2__sec_6__subsec_1", "every", "each")
    assert created["instruction"] == (
        'In section 6(1), in the words before paragraph (a), leave out "every" and insert "each".'
    )


def test_quotation_marks_put_around_words_are_quoted_with_the_other_kind(amending: Amending) -> None:
    created = amending.replace("part_2__sec_8__subsec_2", "in writing", '"in writing"')
    assert created["instruction"] == (
        "In section 8(2)\u2014\n(a) after \"made\", insert '\"';\n(b) after \"writing\", insert '\"'."
    )


def test_taking_bold_off_alone_is_refused_as_editorial(amending: Amending) -> None:
    eid = "part_2__sec_5__subsec_2"
    assert "**not less than**" in amending.text_of(eid)
    refused = amending.replace(eid, "**not less than**", "not less than", expect=422)["error"]
    assert refused["code"] == "validation_failed"
    # The member reads the provision as the page cites it, not its eId.
    assert refused["message"].startswith('the proposed text of section 5(2) changes only the formatting or markup of '
                                         '"not less than"')
    assert refused["fields"] == [{"field": "body.text", "message": refused["message"]}]


def test_a_new_section_without_a_number_is_refused(amending: Amending) -> None:
    refused = amending.propose(eid="part_1__sec_4", action="insert_after", heading="Review",
                               text="The Clerk shall review this Act.", expect=422)["error"]
    assert refused["code"] == "validation_failed"
    assert refused["fields"] == [{"field": "body.num", "message": refused["message"]}]


@pytest.mark.parametrize(("eid", "old", "new", "expected"), [
    ("part_5__sec_19__subsec_2", "subsection (1)", "subsection (1) or (3)",
     'In section 19(2), after "(1)", insert "or (3)".'),
    ("part_3__sec_12__subsec_2", "subsection (1)", "subsection (1)(a) or (b)",
     'In section 12(2), after "(1)", insert "(a) or (b)".'),
    ("part_5__sec_19__subsec_2", "(1)", "(2)", 'In section 19(2), leave out "(1)" and insert "(2)".'),
    ("part_3__sec_12__subsec_2", "subsection (1)", "section 12(1)",
     'In section 12(2), leave out "subsection (1)" and insert "section 12(1)".'),
])
def test_a_bracketed_number_is_quoted_whole(amending: Amending, eid: str, old: str, new: str, expected: str) -> None:
    assert amending.replace(eid, old, new)["instruction"] == expected
