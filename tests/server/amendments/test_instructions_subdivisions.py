"""Instructions to the opening words (AKN intro) and closing words (wrapUp) of a provision with subdivisions.

The end of section 3 is after its paragraph (c): an instruction to the words that lead in to paragraph (a) says
so ("in the words before paragraph (a)"), whatever it does to them.
"""

from __future__ import annotations

import pytest

from server.domain.citation import Level
from server.domain.instructions import DraftingStyle, StyleName, TextPlace, text_instruction

SECTION_3 = [Level("part", "1"), Level("section", "3.")]
OBJECTS = "The objects of this Act are to\u2014"
INTRO_3 = TextPlace("intro", Level("paragraph", "(a)"))
WRAP_UP_3 = TextPlace("wrapUp", Level("paragraph", "(c)"))
CLOSING = "and the Clerk shall report on them every year."


def intro(new: str, old: str = OBJECTS, style: DraftingStyle | None = None) -> str:
    return text_instruction(SECTION_3, old, new, style or DraftingStyle(), INTRO_3).text


def wrap_up(new: str, old: str = CLOSING) -> str:
    return text_instruction(SECTION_3, old, new, DraftingStyle(), WRAP_UP_3).text


@pytest.mark.parametrize(("new", "expected"), [
    (f"{OBJECTS} X", 'In section 3, in the words before paragraph (a), at the end, insert "X".'),
    (f"Henceforth {OBJECTS}",
     'In section 3, in the words before paragraph (a), at the beginning, insert "Henceforth".'),
    (OBJECTS.replace("this Act", "this Act, as amended,"),
     'In section 3, in the words before paragraph (a), after "Act", insert ", as amended,".'),
    (OBJECTS.replace("objects", "purposes"),
     'In section 3, in the words before paragraph (a), leave out "objects" and insert "purposes".'),
    (OBJECTS.replace(" of this Act", ""), 'In section 3, in the words before paragraph (a), leave out "of this Act".'),
])
def test_every_change_to_the_opening_words_says_they_are_the_words_before_the_first_paragraph(
    new: str, expected: str
) -> None:
    assert intro(new) == expected


def test_several_changes_to_the_opening_words_are_listed_under_them() -> None:
    assert intro(OBJECTS.replace("objects", "purposes").replace("are to", "shall be to")) == (
        "In section 3, in the words before paragraph (a)\u2014\n"
        '(a) leave out "objects" and insert "purposes";\n'
        '(b) leave out "are" and insert "shall be".'
    )


def test_opening_words_left_out_whole_are_named_not_quoted() -> None:
    assert intro("") == "In section 3, leave out the words before paragraph (a)."


def test_opening_words_replaced_whole_are_named_and_the_new_ones_quoted() -> None:
    assert intro("It is the purpose of this Act to", old="The objects are") == (
        'In section 3, leave out the words before paragraph (a) and insert "It is the purpose of this Act to".'
    )


def test_new_opening_words_go_before_the_first_subdivision_by_its_number() -> None:
    section_8 = [Level("section", "8.")]
    instruction = text_instruction(section_8, "", "The Clerk shall\u2014", DraftingStyle(),
                                   TextPlace("intro", Level("subsection", "(1)")))
    assert instruction.text == 'In section 8, before subsection (1), insert "The Clerk shall\u2014".'
    assert len(instruction.changes) == 1


@pytest.mark.parametrize(("new", "expected"), [
    (f"{CLOSING} X", 'In section 3, in the words after paragraph (c), at the end, insert "X".'),
    (f"but {CLOSING}", 'In section 3, in the words after paragraph (c), at the beginning, insert "but".'),
    (CLOSING.replace("every", "each"),
     'In section 3, in the words after paragraph (c), leave out "every" and insert "each".'),
    (CLOSING.replace(" on them", ""), 'In section 3, in the words after paragraph (c), leave out "on them".'),
    (CLOSING.replace("report", "report fully"),
     'In section 3, in the words after paragraph (c), after "report", insert "fully".'),
    ("", "In section 3, leave out the words after paragraph (c)."),
])
def test_every_change_to_the_closing_words_says_they_are_the_words_after_the_last_paragraph(
    new: str, expected: str
) -> None:
    assert wrap_up(new) == expected


def test_new_closing_words_go_after_the_last_subdivision() -> None:
    assert wrap_up(CLOSING, old="") == f'In section 3, after paragraph (c), insert "{CLOSING}".'


def test_words_beside_an_unnumbered_subdivision_are_the_opening_or_closing_words() -> None:
    unnumbered = TextPlace("intro", Level("hcontainer", None))
    assert text_instruction(SECTION_3, OBJECTS, f"{OBJECTS} X", DraftingStyle(), unnumbered).text == (
        'In section 3, in the opening words, at the end, insert "X".'
    )
    assert text_instruction(SECTION_3, "", "so", DraftingStyle(), TextPlace("wrapUp")).text == (
        'In section 3, insert the closing words "so".'
    )


def test_the_words_of_a_subsection_with_paragraphs_are_cited_inside_it() -> None:
    subsection = [Level("section", "6."), Level("subsection", "(1)")]
    old = "The Clerk shall publish a notice of every consultation\u2014"
    instruction = text_instruction(subsection, old, old.replace("every", "each"), DraftingStyle(),
                                   TextPlace("intro", Level("paragraph", "(a)")))
    assert instruction.text == (
        'In section 6(1), in the words before paragraph (a), leave out "every" and insert "each".'
    )
    assert instruction.citation == "section 6(1)"


def test_page_and_line_come_before_the_words_named() -> None:
    style = DraftingStyle(location="Page 1, line 20")
    assert intro(OBJECTS.replace("objects", "purposes"), style=style) == (
        'Page 1, line 20, in section 3, in the words before paragraph (a), leave out "objects" and insert "purposes".'
    )


def test_the_eu_form_names_the_introductory_part() -> None:
    instruction = text_instruction([Level("article", "3")], OBJECTS, OBJECTS.replace("objects", "aims"),
                                   DraftingStyle(name=StyleName.EU), TextPlace("intro", Level("point", "(a)")))
    assert instruction.text.startswith("Article 3 \u2013 introductory part\n\nText proposed\n")
    assert instruction.citation == "article 3"


def test_without_a_place_a_provision_text_is_worded_as_before() -> None:
    assert text_instruction(SECTION_3, OBJECTS, f"{OBJECTS} X", DraftingStyle()).text == (
        'In section 3, at the end, insert "X".'
    )
