"""An imported document's own names for the elements of its text (`cmpnts__cmp_1__ref_1`, where the naming
convention would give another) stay out of the words drafters and members edit, and stay in the document.

Text projected from a document is the base that logged edits patch by character offsets: a log begun when the
writer showed such names replays in that form, and rebuilds the state it lived.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from server.services import bills, versions
from server.store.db import Database
from server.store.models import Bill
from tests.server.conftest import Accounts
from tests.server.drafting.working_text import (
    CORPUS,
    assert_rebuild_equals_live,
    import_corpus,
    provision_nodes,
    replace_words,
    retitle,
)

URUGUAY_BILL = CORPUS / "legaldocml__uy_bill_2010-09-27.xml"
OWN_REF = 'eId="cmpnts__cmp_1__ref_1"'


def _holding(client: FlaskClient, bill_id: int, words: str) -> dict[str, Any]:
    return next(node for node in provision_nodes(client, bill_id) if words in node["text"])


def test_own_names_stay_out_of_the_words_and_in_the_document(
    client: FlaskClient, db: Database, users: Accounts
) -> None:
    bill_id = import_corpus(client, users, URUGUAY_BILL.name)["id"]
    for node in provision_nodes(client, bill_id):
        assert "{eId" not in node["text"] and "|eId" not in node["text"], node["eid"]
    target = _holding(client, bill_id, "Declárese como interpretación auténtica")
    assert "{{>/akn/uy/act/1967/Constitucion/!main#art__85_" in target["text"], "the reference is in the words"
    single = client.get(f"/api/bills/{bill_id}/provisions/{target['eid']}").get_json()
    assert single["text"] == target["text"]

    replace_words(db, users, bill_id, target, "auténtica", "genuina", "own-names")
    with db.read() as session:
        document = versions.working_document(session, session.get_one(Bill, bill_id))
    edited = etree.tostring(document.provision_element(target["eid"]), encoding="unicode")
    assert "interpretación genuina" in edited
    assert OWN_REF in edited, "the edited provision's reference keeps the name the document gave it"
    assert 'eId="cmpnts__cmp_1__mod_1"' in edited
    assert document.validate() == []


def test_a_log_written_when_own_names_were_shown_replays_to_the_state_it_lived(
    client: FlaskClient, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bills, "MARKUP_FORM", 2)
    bill_id = import_corpus(client, users, URUGUAY_BILL.name)["id"]
    target = _holding(client, bill_id, "Declárese como interpretación auténtica")
    assert "{{ref{eId cmpnts__cmp_1__ref_1|" in target["text"], "written as the second form wrote it"
    # An edit after the name: its offsets count the name's characters.
    replace_words(db, users, bill_id, target, "Constitución de la República", "Constitución Nacional", "second-form")
    monkeypatch.undo()

    retitle(db, users, bill_id, target["eid"], heading="Interpretación")
    edited = _holding(client, bill_id, "Constitución Nacional")
    assert "eId" not in edited["text"], "rewritten in today's form"
    replace_words(db, users, bill_id, edited, "auténtica", "genuina", "third-form")

    assert_rebuild_equals_live(db)
    assert "interpretación genuina" in _holding(client, bill_id, "Constitución Nacional")["text"]
