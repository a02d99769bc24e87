"""Amendments stored before the markup writer wrote a pretty-printed document's layout as one space (it wrote a
backslash before each line break) were drafted on the same text: they stand, and are made, as worded."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from lxml import etree

from akn.inline import escape_text
from akn.vocabulary import AKN_NS
from server.domain.amendments import settled_by
from server.store.amendment_models import Amendment
from server.store.db import Database
from tests.server.amendments.conftest import CORPUS, Amending, import_corpus_bill
from tests.server.conftest import Accounts

SCOTTISH = "legaldocml__uk_asp-2017-1-enacted.xml"
CONDITION = "section-1-3"  # one <p> whose words run over three lines of the file


def _written_before(eid: str) -> str:
    """The provision's text as the earlier writer wrote it: the layout kept, a backslash before each line break."""
    root = etree.parse(str(CORPUS / SCOTTISH)).getroot()
    (paragraph,) = root.xpath(f"//a:*[@eId='{eid}']/a:content/a:p", namespaces={"a": AKN_NS})
    written = escape_text(paragraph.text)
    assert "\\\n" in written
    return written


def _stored_as_before(db: Database, amendment: dict[str, Any], base_text: str, new_text: str) -> None:
    with db.write() as session:
        stored = session.get(Amendment, amendment["id"])
        assert stored is not None
        stored.base_text, stored.new_text = base_text, new_text


def test_an_amendment_drafted_on_the_earlier_form_is_made_as_worded(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    bill = import_corpus_bill(client, users, SCOTTISH)
    amending = Amending(client, users, int(bill["id"]))
    before = _written_before(CONDITION)
    assert amending.text_of(CONDITION) != before and "\\" not in amending.text_of(CONDITION)
    amendment = amending.replace(CONDITION, "2017/18", "2018/19")
    _stored_as_before(db, amendment, before, before.replace("2017/18", "2018/19"))
    amending.adopt(amendment["id"])

    published = client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": "amendments"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    consolidated = client.get(f"{published.get_json()['expression_uri']}/~part_1__hcontainer_1__sec_1__subsec_3.xml")
    assert consolidated.status_code == 200
    words = " ".join(etree.fromstring(consolidated.data).xpath("string(//*[local-name()='p'])").split())
    assert words == ("The first condition is that the total resources (other than accruing resources) used in "
                     "financial year 2018/19 for all purposes specified in column 1 does not exceed the total of the "
                     "amounts specified in column 2.")


def test_an_amendment_drafted_on_other_words_in_the_earlier_form_is_still_outdated(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    bill = import_corpus_bill(client, users, SCOTTISH)
    amending = Amending(client, users, int(bill["id"]))
    other_words = _written_before(CONDITION).replace("total resources", "total funds")
    amendment = amending.replace(CONDITION, "2017/18", "2018/19")
    _stored_as_before(db, amendment, other_words, other_words.replace("2017/18", "2018/19"))
    amending.to_vote(amendment["id"])

    refused = amending.move(amendment["id"], "adopted", "clerk", expect=409,
                            votes={"for": 120, "against": 40, "abstentions": 3})
    assert refused["error"]["code"] == "amendment_outdated"
    assert "has changed" in refused["error"]["message"]


def test_words_voted_on_in_the_earlier_form_settle_the_same_words_written_now() -> None:
    before = "for the purposes\\\n        of this Act"
    assert settled_by("for the purposes of this Act", [(4, before)]) == [4]
    assert settled_by("for the aims of this Act", [(4, before)]) == []
