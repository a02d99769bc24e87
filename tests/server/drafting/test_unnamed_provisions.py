"""A document whose provisions carry no eId (LEOS and AKN4EU name their elements with `xml:id`) is worked on as a
copy that names them after the convention: version 1 stays the document as it came, drafters edit the working
text at once, and members amend it and citizens comment on it from the first version published from it."""

from __future__ import annotations

from flask.testing import FlaskClient

from akn import AknDocument
from akn.vocabulary import AKN_NS, XML_NS
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.drafting.working_text import (
    CORPUS,
    assert_rebuild_equals_live,
    import_corpus,
    provision_nodes,
    replace_words,
)

LEOS_BILL = CORPUS / "leos__bill_3Articles.xml"


def test_a_document_without_eids_is_edited_published_and_amended(
    client: FlaskClient, db: Database, users: Accounts
) -> None:
    body = import_corpus(client, users, LEOS_BILL.name)
    bill_id = body["id"]
    unnamed = [w["message"] for w in body["warnings"] if w["code"] == "provision_without_eid"]
    assert len(unnamed) == 1 and "the working text names them" in unnamed[0], body["warnings"]
    assert client.get(body["expression_uri"] + ".xml").get_data() == LEOS_BILL.read_bytes(), "version 1 as it came"

    nodes = provision_nodes(client, bill_id)
    eids = [node["eid"] for node in nodes]
    assert "art_1" in eids and "art_2" in eids and len(eids) == len(set(eids)), eids
    # The words, without the names LEOS gives paragraphs (`xml:id`) or its own attributes (`leos:origin`).
    words = next(node for node in nodes if node["text"] == "point a")
    assert words["eid"].startswith("art_1__") and words["num"] == "(a)", words

    # Members amend what has been published: version 1 names no provision, so they wait for version 2.
    early = client.post(f"/api/bills/{bill_id}/amendments", json={"eid": words["eid"], "text": "New words."},
                        headers=users.headers("mp"))
    assert 400 <= early.status_code < 500, early.get_json()
    assert early.get_json()["error"]["code"], early.get_json()

    replace_words(db, users, bill_id, words, "point a", "the first point", "unnamed-edit")
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    version_2 = AknDocument.from_bytes(client.get(published.get_json()["expression_uri"] + ".xml").get_data())
    assert version_2.validate() == []
    assert version_2.provision_text(words["eid"]) == "the first point"
    # The paragraph edited keeps what LEOS gave it.
    paragraph = version_2.provision_element(words["eid"]).find(f"{{{AKN_NS}}}content/{{{AKN_NS}}}p")
    assert paragraph is not None
    assert paragraph.get(f"{{{XML_NS}}}id") == "art_1_KiKmdt" and paragraph.get("{urn:eu:europa:ec:leos}origin") == "ec"

    # Version 2 is version 1 named: the comparison pairs each provision with its `xml:id` and shows the one edit.
    compare = client.get(f"/api/bills/{bill_id}/compare?from=1&to=2").get_json()
    assert [(change["kind"], change["eid"]) for change in compare["changes"]] == [("changed", words["eid"])]
    assert client.get(f"/bills/{bill_id}?compare=1..2").status_code == 200

    amended = client.post(f"/api/bills/{bill_id}/amendments",
                          json={"eid": words["eid"], "text": version_2.provision_text(words["eid"]) + " Amended."},
                          headers=users.headers("mp"))
    assert amended.status_code == 201, amended.get_json()
    assert amended.get_json()["instruction"]

    assert_rebuild_equals_live(db)

