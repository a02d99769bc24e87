"""Imported bills whose `<num>`s carry the unit's name ("PART 1", "SEC. 2."): once consolidated, their eIds, the
provision tree's citations, the comparison and the amendment instructions all name the same numbers."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from akn import AknDocument
from tests.server.amendments.conftest import Amending, import_corpus_bill
from tests.server.conftest import Accounts

SCOTLAND = "legaldocml__uk_asp-2017-1-enacted.xml"
US_ACT = "legaldocml__us_Act_2011-11-29.xml"
# An eId component made of a unit's name before its number: part_PART1, sec_SEC-2, sec_SECTION1.
LABELLED = re.compile(r"(?:^|__)(?:part_PART|sec_SEC|hcontainer_SCHEDULE|art_Art)", re.IGNORECASE)


def _tree(client: FlaskClient, bill_id: int) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []

    def walk(provisions: list[dict[str, Any]]) -> None:
        for provision in provisions:
            flat.append(provision)
            walk(provision["children"])

    walk(client.get(f"/api/bills/{bill_id}").get_json()["provisions"])
    return flat


def _consolidate(client: FlaskClient, users: Accounts, bill_id: int) -> dict[str, Any]:
    response = client.post(f"/api/bills/{bill_id}/versions", json={}, headers=users.headers("clerk"))
    assert response.status_code == 201, response.get_json()
    published: dict[str, Any] = response.get_json()
    return published


def _amend_and_consolidate(client: FlaskClient, users: Accounts, name: str, eid: str, old: str,
                           new: str) -> tuple[Amending, dict[str, Any], dict[str, Any]]:
    bill = import_corpus_bill(client, users, name)
    amending = Amending(client, users, int(bill["id"]))
    assert eid in {p["eid"] for p in _tree(client, amending.bill_id)}, "the imported eIds are kept until renumbered"
    amendment = amending.replace(eid, old, new)
    amending.adopt(amendment["id"])
    return amending, amendment, _consolidate(client, users, amending.bill_id)


def _agrees(client: FlaskClient, amending: Amending, amendment: dict[str, Any], published: dict[str, Any],
            cited: str) -> list[dict[str, Any]]:
    """What every consolidation of a labelled bill must show; returns the new provision tree."""
    tree = _tree(client, amending.bill_id)
    assert [p["eid"] for p in tree if LABELLED.search(p["eid"])] == []
    assert [p["citation"] for p in tree if re.search(r"PART|SEC|\bnn\b|_", p["citation"])] == []
    # The instruction and the provision tree name the provision amended alike.
    assert amendment["instruction"].startswith(f"In {cited},"), amendment["instruction"]
    amended = [p["eid"] for p in tree if p["citation"] == cited]
    assert len(amended) == 1
    # No number changed: the comparison reports the one amended provision, and no renumbering.
    compare = client.get(f"/api/bills/{amending.bill_id}/compare?from=1&to=2").get_json()
    assert compare["summary"]["renumbered"] == 0, compare["summary"]
    assert [(c["kind"], c["eid"]) for c in compare["changes"]] == [("changed", amended[0])]
    assert AknDocument.from_bytes(client.get(published["expression_uri"] + ".xml").data).validate() == []
    return tree


def test_a_consolidated_us_act_is_numbered_without_its_sec_labels(client: FlaskClient, users: Accounts) -> None:
    amending, amendment, published = _amend_and_consolidate(client, users, US_ACT, "sec_6", "participating",
                                                            "taking part")
    tree = _agrees(client, amending, amendment, published, "section 6")
    by_num = {p["num"]: p for p in tree}
    assert (by_num["SECTION 1."]["eid"], by_num["SECTION 1."]["citation"]) == ("sec_1", "section 1")
    assert (by_num["SEC. 2."]["eid"], by_num["SEC. 2."]["citation"]) == ("sec_2", "section 2")
    assert by_num["SEC. 6 ."]["eid"] == "sec_6"
    # The section without a number (a page mark) is named as one, not "section nn_1".
    unnumbered = [p for p in tree if p["num"] is None and p["eid"].count("__") == 0]
    assert [p["citation"] for p in unnumbered] == ["an unnumbered section"]


def test_a_consolidated_scottish_act_cites_its_parts_as_part_1(client: FlaskClient, users: Accounts) -> None:
    amending, amendment, published = _amend_and_consolidate(client, users, SCOTLAND, "section-8", "2016", "2015")
    tree = _agrees(client, amending, amendment, published, "section 8")
    parts = [(p["eid"], p["citation"]) for p in tree if p["num"] and p["num"].startswith("PART")]
    assert parts == [("part_1", "Part 1"), ("part_2", "Part 2"), ("part_3", "Part 3")]
    # A crossheading is not a subdivision of its Part: "Part 1", never "Part 1(1)".
    crossheading = next(p for p in tree if p["eid"] == "part_1__hcontainer_1")
    assert crossheading["citation"] == "Part 1"
