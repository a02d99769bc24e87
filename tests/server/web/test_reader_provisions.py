"""The reader offers its provision tools (links, comments, heat) on the provisions the API knows, by the same eIds.

EU-style bills (LEOS, AKN4EU) name their articles by ``xml:id`` alone: version 1, the document as it came, has no
provision to offer them on, and the reader keeps those ids as anchors of the text but must not make provisions of
them; the working text names them, and so does every version published from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from diff_match_patch import diff_match_patch
from flask.testing import FlaskClient
from lxml import etree

from server.services import accounts, bills, drafting, versions
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "akn-corpus"
WITHOUT_EIDS = ("leos__BL-023_bill_template.xml", "leos__bill_3Articles.xml", "legaldocml__akn4eu_council_bill_123.xml")


def _corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the AKN corpus is not beside the repository ({path} is absent)")
    return path.read_bytes()


def _import(client: FlaskClient, users: Accounts, content: bytes) -> int:
    imported = client.post("/api/bills", data=content, content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert imported.status_code == 201, imported.get_json()
    bill: int = imported.get_json()["id"]
    return bill


def _api_eids(client: FlaskClient, bill: int) -> set[str]:
    def walk(nodes: list[dict[str, Any]]) -> Iterator[str]:
        for node in nodes:
            yield node["eid"]
            yield from walk(node["children"])

    return set(walk(client.get(f"/api/bills/{bill}").get_json()["provisions"]))


def _marked(page: Any) -> set[str]:
    """The provisions the page offers tools on: its sections marked with an eId, and its contents' entries."""
    sections = page.xpath("//div[@id='bill-text']//section[@data-eid]")
    assert all(section.get("data-eid") == section.get("id") for section in sections)
    return {section.get("data-eid") for section in sections}


@pytest.mark.parametrize("name", WITHOUT_EIDS)
def test_articles_named_by_xml_id_alone_are_anchors_until_a_version_names_them(
        client: FlaskClient, users: Accounts, name: str) -> None:
    bill = _import(client, users, _corpus(name))
    # The working text names them, for the drafters; version 1 is the document as it came, and names none.
    known = _api_eids(client, bill)
    assert known and "art_1" in known
    page = parse(client.get(f"/bills/{bill}").data)
    assert page.xpath("//div[@id='bill-text']//section[contains(@class,'akn-article')]"), "the articles are read"
    assert _marked(page) == set()
    assert page.xpath("//nav[contains(@class,'toc')]//li[@data-eid]") == []

    published = client.post(f"/api/bills/{bill}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    assert _marked(parse(client.get(f"/bills/{bill}").data)) == _api_eids(client, bill) == known


def test_a_bill_part_named_by_eid_offers_its_tools_on_those_provisions_alone(client: FlaskClient,
                                                                             users: Accounts) -> None:
    root = etree.fromstring(_corpus("leos__bill_3Articles.xml"))
    first = next(root.iter("{*}article"))
    first.set("eId", "art_1")
    bill = _import(client, users, etree.tostring(root))
    # A document that names some of its provisions is worked on as it is: the others stay unnamed.
    known = _api_eids(client, bill)
    assert known == {"art_1"}
    page = parse(client.get(f"/bills/{bill}").data)
    assert _marked(page) == known
    assert set(page.xpath("//nav[contains(@class,'toc')]//li/@data-eid")) == known


def test_a_bill_with_eids_offers_its_tools_on_every_provision_by_its_eid(client: FlaskClient,
                                                                         bill_id: int) -> None:
    known = _api_eids(client, bill_id)
    page = parse(client.get(f"/bills/{bill_id}").data)
    assert known and _marked(page) == known
    assert set(page.xpath("//nav[contains(@class,'toc')]//li/@data-eid")) <= known


def test_a_comparison_marks_the_provisions_of_the_version_it_shows(client: FlaskClient, db: Database,
                                                                   users: Accounts, bill_id: int) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        rev, text = bills.provision_states(session, bill_id)["part_2__sec_3__subsec_1"]
        engine = diff_match_patch()
        patch = engine.patch_toText(engine.patch_make(text, text.replace("thirty days", "sixty days")))
        drafting.edit_provision(session, drafter, bill_id=bill_id, eid="part_2__sec_3__subsec_1", rev=rev,
                                patch=patch, op_id="reader-provisions-1", max_chars=100_000)
        versions.publish_working_text(session, drafter, bill_id)
    page = parse(client.get(f"/bills/{bill_id}?compare=1..2").data)
    assert page.xpath("//section[contains(@class,'redline')]//ins")
    assert _marked(page) == _api_eids(client, bill_id)
