"""A pretty-printed document (line breaks and indentation inside its text) imported, edited and published.

The provision markup writes that layout as one space (nothing at the edges of an element), so the editor and
the API read clean text, and an edit of one word shows as that word in the redline, not as whitespace
changes all over the provision or the document.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from akn import AknDocument
from server.services import bills
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.drafting.working_text import (
    CORPUS,
    assert_rebuild_equals_live,
    import_corpus,
    provision_nodes,
    replace_words,
    retitle,
)

SCOTTISH_ACT = CORPUS / "legaldocml__uk_asp-2017-1-enacted.xml"


def test_one_word_edited_in_a_pretty_printed_act_is_the_only_change(
    client: FlaskClient, db: Database, users: Accounts
) -> None:
    bill_id = import_corpus(client, users, SCOTTISH_ACT.name)["id"]

    nodes = provision_nodes(client, bill_id)
    for node in nodes:
        assert "\\\n" not in node["text"], node["eid"]
        assert "\n" not in (node["num"] or "") and "\n" not in (node["heading"] or ""), node["eid"]
    target = next(node for node in nodes if "for the purposes specified" in node["text"])
    assert target["text"].startswith("The Scottish Administration may use resources in financial year")

    # Published with no edit: nothing reads as changed.
    unedited = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                           headers=users.headers("clerk"))
    assert unedited.status_code == 201, unedited.get_json()
    assert [node["text"] for node in provision_nodes(client, bill_id)] == [node["text"] for node in nodes]
    same = client.get(f"/api/bills/{bill_id}/compare?from=1&to=2").get_json()
    assert same["changes"] == []

    replace_words(db, users, bill_id, target, "purposes", "objects", "one-word")
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    document = AknDocument.from_bytes(client.get(published.get_json()["expression_uri"] + ".xml").get_data())
    assert document.validate() == []
    assert document.provision_text(target["eid"]) == target["text"].replace("purposes", "objects", 1)

    # Every other provision reads as it did; the compare shows the one word and nothing else.
    after = {node["eid"]: node for node in provision_nodes(client, bill_id)}
    assert {eid for eid, node in after.items() if node["text"] != next(
        n for n in nodes if n["eid"] == eid)["text"]} == {target["eid"]}
    compare = client.get(f"/api/bills/{bill_id}/compare?from=2&to=3").get_json()
    assert [(change["kind"], change["eid"]) for change in compare["changes"]] == [("changed", target["eid"])]
    edits = [(op, text) for op, text in compare["changes"][0]["diff"] if op != "equal"]
    assert edits == [("delete", "purposes"), ("insert", "objects")]
    whole = client.get(f"/api/bills/{bill_id}/compare?from=1&to=3").get_json()
    assert [change["eid"] for change in whole["changes"]] == [target["eid"]]


def test_a_log_written_when_layout_was_kept_replays_to_the_state_it_lived(
    client: FlaskClient, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Edits are patches by character offsets against the text as written when they were made: an import recorded
    # when the writer kept layout (`\` + line break) must replay in that form, or the edits after it no longer
    # apply and the rebuilt state differs from the one lived.
    monkeypatch.setattr(bills, "MARKUP_FORM", 1)
    bill_id = import_corpus(client, users, SCOTTISH_ACT.name)["id"]
    target = next(node for node in provision_nodes(client, bill_id) if "purposes specified" in node["text"])
    assert "\\\n" in target["text"], "written as the first form wrote it"
    replace_words(db, users, bill_id, target, "purposes", "objects", "first-form")
    monkeypatch.undo()

    # Later, a structure change writes every provision in today's form, and edits go on from there.
    retitle(db, users, bill_id, target["eid"], heading="Use of resources")
    # (It also names eIds after the convention: the provision is found by its words.)
    edited = next(node for node in provision_nodes(client, bill_id) if "objects specified" in node["text"])
    assert "\\\n" not in edited["text"]
    replace_words(db, users, bill_id, edited, "objects", "aims", "second-form")

    assert_rebuild_equals_live(db)
    assert any("aims specified" in node["text"] for node in provision_nodes(client, bill_id))
