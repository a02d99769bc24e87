"""The marshalled list follows the bill as it now stands (its latest published version), whatever version each
amendment was made on: the audit's scenario (amendments made to version 1 and to version 2, after provisions were
inserted earlier in the bill), provisions moved or left out since, and new provisions, on the page (JSON), in the
AKN amendment list and in the PDF."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from akn import AknDocument
from server.demo import demo_bill_xml
from server.domain.amendments import AmendmentAction, Placed, marshal
from server.domain.marshalling import bill_order, placed
from server.services import accounts, structure
from server.store.db import Database
from tests.server.amendments.conftest import Amending

NS = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
SEC_5 = "part_2__sec_5"
SUBSEC_5_1, SUBSEC_5_2, SUBSEC_5_3 = (f"{SEC_5}__subsec_{n}" for n in (1, 2, 3))
SUBSEC_6_1 = "part_2__sec_6__subsec_1"


class Drafter:
    """Structure edits of the working text through the real service, and publishing it (as a new version)."""

    def __init__(self, amending: Amending, db: Database) -> None:
        self.amending = amending
        self.db = db

    def _call(self, action: Any, **arguments: Any) -> None:
        with self.db.write() as session:
            drafter = accounts.principal_for_user_id(session, self.amending.users.ids["drafter"])
            action(session, drafter, self.amending.bill_id, **arguments)

    def insert_after(self, eid: str, name: str, num: str, text: str) -> None:
        self._call(structure.insert_provision, ref_eid=eid, position="after", name=name, num=num, heading=None,
                   text=text)

    def move_before(self, eid: str, ref_eid: str) -> None:
        self._call(structure.move_provision, eid=eid, ref_eid=ref_eid, position="before")

    def delete(self, eid: str) -> None:
        self._call(structure.delete_provision, eid=eid)

    def publish(self) -> int:
        response = self.amending.client.post(f"/api/bills/{self.amending.bill_id}/versions",
                                             json={"source": "working"},
                                             headers=self.amending.users.headers("drafter"))
        assert response.status_code == 201, response.get_json()
        version: int = response.get_json()["version"]
        return version


@pytest.fixture
def drafter(amending: Amending, db: Database) -> Drafter:
    return Drafter(amending, db)


def _tabled(amending: Amending, eid: str, old: str, new: str, as_user: str = "mp") -> dict[str, Any]:
    amendment = amending.replace(eid, old, new, as_user=as_user)
    return amending.move(amendment["id"], "tabled", as_user)


def _groups(client: FlaskClient, bill_id: int) -> list[list[int]]:
    groups = client.get(f"/api/bills/{bill_id}/amendments/marshalled").get_json()["groups"]
    return [[a["id"] for a in group] for group in groups]


def _listed(client: FlaskClient, bill_id: int) -> list[str]:
    root = etree.fromstring(client.get(f"/api/bills/{bill_id}/amendments.akn").data)
    return [str(r.get("showAs")) for r in root.iterfind(".//a:documentRef", NS)]


def _audit_scenario(amending: Amending, drafter: Drafter) -> tuple[dict[str, Any], ...]:
    """Amendment 1 to 5(2) on version 1; provisions inserted earlier in the bill; version 2 published;
    amendments to 5(1) and 5(2) on version 2. Their places in their own versions were 17, 18 and 19."""
    first = _tabled(amending, SUBSEC_5_2, "thirty", "sixty")
    drafter.insert_after("part_1__sec_1", "section", "1A.", "The register continues.")
    drafter.insert_after("part_1__sec_4", "section", "4A.", "The Clerk shall keep records.")
    assert drafter.publish() == 2
    to_5_1 = _tabled(amending, SUBSEC_5_1, "fourteen", "seven", as_user="mp2")
    to_5_2 = _tabled(amending, SUBSEC_5_2, "thirty", "forty-five", as_user="mp2")
    return first, to_5_1, to_5_2


def test_amendments_made_on_different_versions_are_taken_in_the_order_of_the_latest(
    amending: Amending, drafter: Drafter, client: FlaskClient,
) -> None:
    first, to_5_1, to_5_2 = _audit_scenario(amending, drafter)
    # The two amendments to 5(2) conflict (one word, different texts), and are taken together after 5(1)'s.
    assert _groups(client, amending.bill_id) == [[to_5_1["id"]], [first["id"], to_5_2["id"]]]
    assert _listed(client, amending.bill_id) == [
        f"Amendment {to_5_1['number']}", f"Amendment {first['number']}", f"Amendment {to_5_2['number']}",
    ]


def test_the_marshalled_pdf_follows_the_same_order(
    amending: Amending, drafter: Drafter, client: FlaskClient,
) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint (and the system's pango) is needed to lay out PDFs")
    pdf = pytest.importorskip("pypdf", reason="pypdf reads the produced PDFs back")
    first, to_5_1, to_5_2 = _audit_scenario(amending, drafter)
    data = client.get(f"/api/bills/{amending.bill_id}/amendments/marshalled.pdf").data
    text = " ".join(" ".join(page.extract_text() for page in pdf.PdfReader(io.BytesIO(data)).pages).split())
    places = [text.index(f"Amendment {a['number']} ") for a in (to_5_1, first, to_5_2)]
    assert places == sorted(places), text


def test_a_provision_moved_since_takes_its_amendments_with_it(
    amending: Amending, drafter: Drafter, client: FlaskClient,
) -> None:
    to_5 = _tabled(amending, SUBSEC_5_1, "fourteen", "seven")
    to_6 = _tabled(amending, SUBSEC_6_1, "publish", "issue")
    assert _groups(client, amending.bill_id) == [[to_5["id"]], [to_6["id"]]]
    drafter.move_before("part_2__sec_6", SEC_5)
    drafter.publish()
    # Both were made on version 1, where section 5 came first; in version 2 section 6 does.
    assert _groups(client, amending.bill_id) == [[to_6["id"]], [to_5["id"]]]


def test_an_amendment_whose_provision_is_gone_is_taken_where_it_was(
    amending: Amending, drafter: Drafter, client: FlaskClient,
) -> None:
    text_5_3 = amending.text_of(SUBSEC_5_3)
    gone = amending.propose(eid=SUBSEC_5_3, text=text_5_3 + " Late.")
    amending.move(gone["id"], "tabled", "mp")
    drafter.delete(SUBSEC_5_3)
    drafter.publish()
    to_5_2 = _tabled(amending, SUBSEC_5_2, "thirty", "sixty")
    after_5_2 = amending.propose(eid=SUBSEC_5_2, action="insert_after", num="(2A)", text="New words.",
                                 name="subsection")
    amending.move(after_5_2["id"], "tabled", "mp")
    to_6 = _tabled(amending, SUBSEC_6_1, "publish", "issue")
    to_5_1 = _tabled(amending, SUBSEC_5_1, "fourteen", "seven")
    # 5(3) came after 5(2) in version 1: its amendment is taken after 5(2)'s and the insertion after it.
    assert _groups(client, amending.bill_id) == [
        [to_5_1["id"]], [to_5_2["id"]], [after_5_2["id"]], [gone["id"]], [to_6["id"]],
    ]


def test_a_new_section_is_taken_after_the_amendments_to_everything_the_one_before_it_holds(
    amending: Amending, client: FlaskClient,
) -> None:
    new_section = amending.propose(eid=SEC_5, action="insert_after", num="5A.", text="A new section.")
    new_subsection = amending.propose(eid=SUBSEC_5_3, action="insert_after", num="(4)", text="New words.",
                                      name="subsection")
    to_5_3 = amending.replace(SUBSEC_5_3, "further", "second")
    to_5_1 = amending.replace(SUBSEC_5_1, "fourteen", "seven")
    to_6 = amending.replace(SUBSEC_6_1, "publish", "issue")
    for amendment in (new_section, new_subsection, to_5_3, to_5_1, to_6):
        amending.move(amendment["id"], "tabled", "mp")
    assert _groups(client, amending.bill_id) == [
        [to_5_1["id"]], [to_5_3["id"]], [new_subsection["id"]], [new_section["id"]], [to_6["id"]],
    ]


def test_a_consolidation_makes_amendments_made_on_different_versions(
    amending: Amending, drafter: Drafter, client: FlaskClient,
) -> None:
    first = amending.replace(SUBSEC_5_2, "thirty", "sixty")
    drafter.insert_after("part_1__sec_1", "section", "1A.", "The register continues.")
    drafter.publish()
    later = amending.replace(SUBSEC_5_1, "fourteen", "seven")
    amending.adopt(first["id"])
    amending.adopt(later["id"])
    response = client.post(f"/api/bills/{amending.bill_id}/versions", json={"source": "amendments"},
                           headers=amending.users.headers("clerk"))
    assert response.status_code == 201, response.get_json()
    document = AknDocument.from_bytes(client.get(response.get_json()["expression_uri"]).data)
    assert "sixty" in document.provision_text(SUBSEC_5_2)
    assert "seven" in document.provision_text(SUBSEC_5_1)


# --- the rules, without a database ---------------------------------------------------------------------------


def test_bill_order_knows_where_each_provision_stands_and_what_it_holds() -> None:
    order = bill_order(AknDocument.from_bytes(demo_bill_xml()))
    assert order.index[SEC_5] < order.index[SUBSEC_5_1] < order.index[SUBSEC_5_3] == order.end[SEC_5]
    assert order.end["part_2"] == order.index["part_2__sec_9__subsec_2"]
    assert (order.depth["part_2"], order.depth[SEC_5], order.depth[SUBSEC_5_1]) == (0, 1, 2)


def test_an_amendment_is_placed_by_its_provision_in_the_latest_version() -> None:
    version_1 = AknDocument.from_bytes(demo_bill_xml())
    version_2 = AknDocument.from_bytes(demo_bill_xml())
    version_2.insert_provision("part_1__sec_1", "after", "section", "1A.", None, "New.")
    version_2.delete_provision(SUBSEC_5_3)
    made_on, current = bill_order(version_1), bill_order(version_2)
    old = made_on.index[SUBSEC_5_3]
    items = [
        placed(current, amendment_id=1, wid=SUBSEC_5_3, action=AmendmentAction.TEXT, number=1, made_on=made_on,
               ordinal=old),
        placed(current, amendment_id=2, wid=SUBSEC_5_2, action=AmendmentAction.INSERT_AFTER, number=2),
        placed(current, amendment_id=3, wid=SEC_5, action=AmendmentAction.INSERT_AFTER, number=3),
        placed(current, amendment_id=4, wid=SUBSEC_5_2, action=AmendmentAction.TEXT, first_word=4, number=4),
        placed(current, amendment_id=5, wid="part_2__sec_6", action=AmendmentAction.DELETE, number=5),
        placed(current, amendment_id=6, wid=SUBSEC_5_1, action=AmendmentAction.TEXT, number=6),
    ]
    assert items[0] == Placed(1, current.index[SUBSEC_5_2], AmendmentAction.TEXT, number=1, gone_from=old, depth=2)
    # 5(1); 5(2) and the new 5(2A); where 5(3) was; the new section 5A after all section 5 holds; section 6.
    assert marshal(items, {}) == [[6], [4], [2], [1], [3], [5]]


def test_an_amendment_whose_provision_has_nothing_left_before_it_is_taken_first() -> None:
    version_1 = AknDocument.from_bytes(demo_bill_xml())
    version_2 = AknDocument.from_bytes(demo_bill_xml())
    version_2.delete_provision("part_1")
    made_on, current = bill_order(version_1), bill_order(version_2)
    gone = placed(current, amendment_id=1, wid="part_1__sec_2", action=AmendmentAction.TEXT, made_on=made_on,
                  ordinal=made_on.index["part_1__sec_2"])
    there = placed(current, amendment_id=2, wid="part_2", action=AmendmentAction.TEXT)
    assert marshal([there, gone], {}) == [[1], [2]]

