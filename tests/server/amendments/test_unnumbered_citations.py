"""A provision without a number (a bill imported so) is cited by where it stands, never as a bare "section":
``In the unnumbered section after section 3, leave out ...``, not ``In section, leave out ...``."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from akn import AknDocument
from server.demo import demo_bill_xml
from server.domain.citation import Level, Unnumbered, cite, unnumbered_place
from server.domain.instructions import insertion_instruction, omission_instruction, text_instruction
from tests.server.conftest import Accounts

A = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"
AFTER_4 = Level("section", None, Unnumbered("4"))
TEXT = "The Clerk shall keep a register."


@pytest.mark.parametrize(("levels", "citation"), [
    ([AFTER_4], "the unnumbered section after section 4"),
    ([Level("section", None, Unnumbered("4", nth=2, among=3))], "the second unnumbered section after section 4"),
    ([Level("section", "", Unnumbered(None))], "the first unnumbered section"),
    ([Level("part", "1"), Level("section", None)], "an unnumbered section"),
    ([Level("part", None, Unnumbered("II"))], "the unnumbered Part after Part II"),
    ([AFTER_4, Level("subsection", "(2)"), Level("paragraph", "(a)")],
     "subsection (2)(a) of the unnumbered section after section 4"),
    ([Level("section", "5."), Level("subsection", None, Unnumbered("1"))],
     "the unnumbered subsection after subsection (1) of section 5"),
    ([Level("section", "7"), Level("hcontainer", None), Level("paragraph", "b")], "section 7(b)"),
])
def test_a_provision_without_a_number_is_cited_by_where_it_stands(levels: list[Level], citation: str) -> None:
    assert cite(levels) == citation


def test_instructions_name_it_so() -> None:
    assert text_instruction([AFTER_4], TEXT, TEXT.replace("keep", "publish")).text == (
        'In the unnumbered section after section 4, leave out "keep" and insert "publish".'
    )
    assert omission_instruction([AFTER_4]).text == "Leave out the unnumbered section after section 4."
    assert insertion_instruction([AFTER_4], "section", "4A.", None, TEXT).text.startswith(
        "After the unnumbered section after section 4, insert the following new section—"
    )
    inner = [Level("section", "5."), Level("subsection", None, Unnumbered("1"))]
    assert omission_instruction(inner).text == "In section 5, leave out the unnumbered subsection after subsection (1)."
    assert text_instruction(inner, TEXT, TEXT.replace("keep", "publish")).text.startswith(
        "In the unnumbered subsection after subsection (1) of section 5, leave out"
    )


def _without_nums(*eids: str) -> bytes:
    document = AknDocument.from_bytes(demo_bill_xml())
    for eid in eids:
        element = document.provision_element(eid)
        num = element.find(f"{A}num")
        assert num is not None
        element.remove(num)
    return document.to_bytes()


def test_where_a_provision_without_a_number_stands_is_read_from_the_bill() -> None:
    document = AknDocument.from_bytes(_without_nums("part_1__sec_1", "part_1__sec_3", "part_1__sec_4",
                                                    "part_2__sec_5__subsec_2"))
    place = {eid: unnumbered_place(document.provision_element(eid))
             for eid in ("part_1__sec_1", "part_1__sec_3", "part_1__sec_4", "part_2__sec_5__subsec_2")}
    assert place == {
        "part_1__sec_1": Unnumbered(None, 1, 1),
        "part_1__sec_3": Unnumbered("2", 1, 2),
        "part_1__sec_4": Unnumbered("2", 2, 2),
        "part_2__sec_5__subsec_2": Unnumbered("1", 1, 1),
    }
    assert unnumbered_place(document.provision_element("part_2__sec_5")) is None  # it has its number


@pytest.fixture
def unnumbered_bill(client: FlaskClient, users: Accounts) -> int:
    response = client.post("/api/bills", data=_without_nums("part_1__sec_4", "part_2__sec_5__subsec_2"),
                           content_type="application/akn+xml", headers=users.headers("drafter"))
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _propose(client: FlaskClient, users: Accounts, bill_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/bills/{bill_id}/amendments", json=body, headers=users.headers("mp"))
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def test_amending_an_imported_provision_without_a_number_cites_it_by_its_place(
    client: FlaskClient, users: Accounts, unnumbered_bill: int,
) -> None:
    section = client.get(f"/api/bills/{unnumbered_bill}/provisions/part_1__sec_4").get_json()["text"]
    reworded = _propose(client, users, unnumbered_bill, eid="part_1__sec_4",
                        text=section.replace("every bill", "each bill"))
    assert reworded["citation"] == "the unnumbered section after section 3"
    assert reworded["instruction"] == 'In the unnumbered section after section 3, leave out "every" and insert "each".'
    left_out = _propose(client, users, unnumbered_bill, eid="part_2__sec_5__subsec_2", action="delete")
    assert left_out["instruction"] == "In section 5, leave out the unnumbered subsection after subsection (1)."
    inserted = _propose(client, users, unnumbered_bill, eid="part_1__sec_4", action="insert_after", num="4A.",
                        text="A new section.")
    assert inserted["instruction"].startswith("After the unnumbered section after section 3, insert")
    for amendment in (reworded, left_out, inserted):
        assert "In section," not in amendment["instruction"]
        assert not amendment["instruction"].startswith(("Leave out section.", "After section,"))


@pytest.mark.parametrize(
    ("levels", "cited"),
    [
        ([Level("section", "SECTION 1.")], "section 1"),
        ([Level("section", "SEC. 2."), Level("subsection", "(a)")], "section 2(a)"),
        ([Level("article", "Art. 5")], "article 5"),
        ([Level("part", "PART II")], "Part II"),
        ([Level("section", "s 12")], "section 12"),
        # A number that is only the word, or that merely starts like it, stays as it is.
        ([Level("section", "S")], "section S"),
        ([Level("section", "Section")], "section Section"),
        ([Level("section", "Sec7")], "section Sec7"),
    ],
)
def test_a_num_that_writes_its_unit_name_is_cited_once(levels: list[Level], cited: str) -> None:
    # As imported documents number them (the US Code writes "SEC. 2."): not "section SEC. 2".
    assert cite(levels) == cited
    assert text_instruction(levels, "Old words.", "New words.").text.startswith(f"In {cited}, ")
