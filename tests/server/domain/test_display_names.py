"""Display names: one visible line, without the characters that reorder, hide or split what is shown around it."""

from __future__ import annotations

import pytest

from server.domain.display_names import display_name_problem


@pytest.mark.parametrize("name", [
    "Wanjiku Njeri", "Amina Oduya-Kamau", "O'Brien", "José Martí", "محمد علی", "می‌خواهم",  # U+200C in Persian
    "李小龙", "Дарья", "👩‍⚖️ Judge Amina",  # an emoji sequence joined by U+200D
])
def test_names_in_any_script_are_taken(name: str) -> None:
    assert display_name_problem(name) is None


@pytest.mark.parametrize(("name", "why"), [
    ("\u202eeviL", "U+202E"),  # right-to-left override: reversed the date shown after the name
    ("Amina\u2066", "U+2066"),
    ("Am\u200bina", "U+200B"),  # zero-width space: a look-alike of another name
    ("Amina\ufeff", "U+FEFF"),
    ("Amina\nOduya", "one line"),
    ("Amina\u2028Oduya", "one line"),
    ("Amina\x07", "one line"),
    ("\u200d\u200c", "can be seen"),
    ("...", "can be seen"),
])
def test_names_that_reorder_hide_or_split_are_refused(name: str, why: str) -> None:
    problem = display_name_problem(name)
    assert problem is not None and why in problem
