"""Imported documents are cited as drafters cite them: a num's trailing dash left out ("CHAPTER 3—" is "Chapter 3"),
and a provision whose eId follows no naming convention ("regulation-2-1") by its units and nums as the document has
them, in refusals as in the provision tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from akn import AknDocument, parse_akn
from server.domain.amendments import AmendmentAction, standing_problem
from server.domain.citation import Level, bare_number, citation_of_element, cite, phrase_within
from server.domain.instructions import insertion_instruction, omission_instruction
from server.errors import ParleyError
from server.services import accounts, bills, structure
from server.services.amendments import cited_provision
from server.store.db import Database
from tests.server.conftest import Accounts

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "akn-corpus"


def _corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    return path.read_bytes()


@pytest.mark.parametrize(("num", "number"), [("3\u2014", "3"), ("3 \u2013", "3"), ("2:", "2"), ("(a);", "a"),
                                             ("1.2.", "1.2"), ("4-", "4")])
def test_a_nums_trailing_dash_or_colon_is_left_out(num: str, number: str) -> None:
    assert bare_number(num) == number


def test_a_chapter_numbered_with_a_dash_is_cited_without_it() -> None:
    chapter = Level("chapter", "Chapter 3—")
    assert cite([chapter]) == "Chapter 3"
    assert phrase_within([chapter]) == "Chapter 3"
    assert cite([chapter, Level("section", "§ 301.")]) == "section 301"


def test_instructions_on_a_us_title_cite_its_chapter_without_the_dash() -> None:
    document = AknDocument(parse_akn(_corpus("legaldocml__us_Title9-Chap3-eng.xml")))
    levels = cited_provision(document, None, "chp_3").levels  # type: ignore[arg-type]  # the bill is for refusals
    assert omission_instruction(levels).text == "Leave out Chapter 3."
    assert insertion_instruction(levels, "section", "4", "New", "Words.").text.startswith("After Chapter 3, insert")


def test_a_provision_of_imported_regulations_is_cited_from_its_document() -> None:
    document = AknDocument(parse_akn(_corpus("legaldocml__uk_ssi-2017-113-enacted.xml")))
    assert citation_of_element(document.provision_element("regulation-2-1")) == "regulation 2(1)"
    assert citation_of_element(document.provision_element("regulation-21-1-a")) == "regulation 21(1)(a)"


def test_an_amendment_outdated_on_imported_regulations_says_which_regulation_changed() -> None:
    document = AknDocument(parse_akn(_corpus("legaldocml__uk_ssi-2017-113-enacted.xml")))
    problem = standing_problem(document, "regulation-2-1", AmendmentAction.TEXT, "Words it no longer reads.")
    assert problem is not None and problem.values == {"provision": "regulation 2(1)"}


def _cited(db: Database, bill: int) -> dict[str, str]:
    def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for node in nodes:
            yield node
            yield from walk(node["children"])

    with db.read() as session:
        return {node["citation"]: node["eid"] for node in walk(bills.provision_tree(session, bill))}


def test_structure_edits_refused_cite_the_regulations(db: Database, users: Accounts) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        bill = bills.import_bill(session, drafter, _corpus("legaldocml__uk_ssi-2017-113-enacted.xml")).bill.id
        structure.delete_provision(session, drafter, bill, eid="regulation-2-2")
    # The edit gave the provisions eIds of the convention ("part_1__hcontainer_2__para_1"), which spell no
    # regulation: they are cited as before it all the same.
    cited = _cited(db, bill)
    assert "regulation 2(1)" in cited and "regulation 21(1)(a)" in cited
    assert cited["regulation 2(1)"] != "regulation-2-1" and not any(c.startswith("Part 1(") for c in cited)
    with db.write() as session, pytest.raises(ParleyError) as refused:
        structure.delete_provision(session, accounts.principal_for_user_id(session, users.ids["drafter"]), bill,
                                   eid=cited["regulation 2(1)"])
    assert refused.value.message == ("regulation 2(1) is the only provision of regulation 2: delete or change "
                                     "regulation 2 instead")
