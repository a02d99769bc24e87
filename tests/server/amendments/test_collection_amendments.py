"""Amendments to the documents of a collection (a bill held in a `<documentCollection>`'s components) and to
documents Parley keeps but cannot edit (a portion of an act, a debate...)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from akn import AknDocument
from tests.server.amendments.conftest import CORPUS, Amending, import_corpus_bill
from tests.server.conftest import Accounts

EU_PROPOSAL = "legaldocml__eu_COM2013-0619_EN-8.xml"
URUGUAY_BILL = "legaldocml__uy_bill_2010-09-27.xml"


@pytest.mark.parametrize(("name", "eid", "old"), [
    (EU_PROPOSAL, "art_1__para_1", "This"),
    (URUGUAY_BILL, "cmpnts__cmp_1__art_1", "Declárese"),
])
def test_an_amendment_to_a_bill_in_a_collection_is_adopted_and_consolidated(
    client: FlaskClient, users: Accounts, name: str, eid: str, old: str
) -> None:
    bill = import_corpus_bill(client, users, name)
    amending = Amending(client, users, int(bill["id"]))
    amendment = amending.replace(eid, old, "Zebra")
    assert amendment["instruction"].startswith("In article 1"), amendment["instruction"]
    adopted = amending.adopt(amendment["id"])
    assert adopted["state"] == "adopted"

    response = client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": "amendments"},
                           headers=users.headers("clerk"))
    assert response.status_code == 201, response.get_json()
    consolidated = AknDocument.from_bytes(client.get(response.get_json()["expression_uri"]).data)
    assert consolidated.validate() == []
    # Consolidation renumbers after the convention; the provision keeps its wId, its first eId.
    amended = next(node for node in consolidated.tree_nodes() if node.get("wId") == eid)
    assert "Zebra" in consolidated.provision_text(str(amended.get("eId")))


@pytest.mark.parametrize(("name", "eid"), [
    ("legaldocml__us_Title9-Chap3-eng.xml", "chp_3"),  # a portion of the US Code
    (URUGUAY_BILL, "cmpnts__cmp_2__para_1"),  # the collection's explanatory memorandum, a <doc>
])
def test_an_amendment_to_a_document_that_is_not_amended_is_refused_when_proposed(
    client: FlaskClient, users: Accounts, name: str, eid: str
) -> None:
    """Consolidation edits bills and acts only: an amendment to any other document could be adopted but never
    made, so it is refused before it is drafted, with nothing stored."""
    bill = import_corpus_bill(client, users, name)
    amending = Amending(client, users, int(bill["id"]))
    text = amending.text_of(eid)
    word = next(w for w in text.split() if w.isalpha() and len(w) > 3)
    for attempt in ({"eid": eid, "text": text.replace(word, "Zebra", 1)}, {"eid": eid, "action": "delete"}):
        refused = amending.propose(expect=422, **attempt)["error"]
        assert refused["code"] == "provision_read_only"
        assert refused["eid"] == eid
        assert "read-only" in refused["message"]
        preview = client.post(f"/api/bills/{amending.bill_id}/amendments/preview", json=attempt,
                              headers=users.headers("mp"))
        assert preview.status_code == 422, preview.get_json()
    assert client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"] == []


def test_only_bills_and_acts_and_the_documents_they_hold_are_editable() -> None:
    collection = _corpus_document(URUGUAY_BILL)
    assert collection.read_only_type("cmpnts__cmp_1__art_1") is None  # the collection's bill
    assert collection.read_only_type("cmpnts__cmp_1") is None  # the component holding it
    assert collection.read_only_type("cmpnts__cmp_2__para_1") == "doc"
    portion = _corpus_document("legaldocml__us_Title9-Chap3-eng.xml")
    assert portion.read_only_type("chp_3") == "portion"


def _corpus_document(name: str) -> AknDocument:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    return AknDocument.from_bytes(path.read_bytes())
