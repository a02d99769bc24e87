"""A drafter's new section, subsection, paragraph... needs its number, as an amendment's does: nothing numbers it
later, and the bill could neither cite nor amend it (``In section, leave out ...``). Kinds usually unnumbered
(``level``, ``hcontainer``...) may go without. The same refusal (``validation_failed``, field ``num``) whether the
insert comes through the service or the socket, and nothing is changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.errors import ParleyError, ValidationFailed
from server.services import accounts, structure
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.conftest import Accounts
from tests.server.drafting.conftest import Watcher

SEC_4 = "part_2__sec_4"
SUBSEC_3_2 = "part_2__sec_3__subsec_2"
PARA_2_B = "part_1__sec_2__para_b"


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(EventRecord)) or 0)


def _as_drafter(db: Database, users: Accounts, action: Callable[..., structure.StructureOutcome], bill_id: int,
                **arguments: Any) -> structure.StructureOutcome:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        return action(session, drafter, bill_id, **arguments)


@pytest.mark.parametrize(("name", "ref_eid"), [("section", SEC_4), ("subsection", SUBSEC_3_2),
                                               ("paragraph", PARA_2_B)])
@pytest.mark.parametrize("num", [None, "", "  ", "()", "."])
def test_a_new_numbered_provision_without_its_number_is_refused(
    db: Database, users: Accounts, bill_id: int, name: str, ref_eid: str, num: str | None,
) -> None:
    before = _events(db)
    with pytest.raises(ValidationFailed) as refused:
        _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid=ref_eid, position="after", name=name,
                    num=num, heading=None, text="New words.")
    assert refused.value.details == {"field": "num"}
    # In the words of the editor's "Number" field; API clients keep the field's name in ``field``.
    assert "needs a number" in refused.value.message and "'num'" not in refused.value.message
    assert _events(db) == before, "nothing was changed"


def test_a_new_provision_with_its_number_or_of_a_kind_that_goes_without_is_inserted(
    db: Database, users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    numbered = _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid=SEC_4, position="after",
                           name="section", num="5.", heading="Review", text="The Minister shall review this Act.")
    assert numbered.eid == "part_2__sec_5"
    loose = _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid="part_2__sec_5", position="after",
                        name="level", num=None, heading="Note", text="A note on the review.")
    assert loose.eid
    provisions = client.get(f"/api/bills/{bill_id}/provisions/{loose.eid}").get_json()
    assert provisions["text"] == "A note on the review."


def test_renumbering_cannot_take_a_number_away(db: Database, users: Accounts, bill_id: int) -> None:
    before = _events(db)
    for blank in ("", " ", "()"):
        with pytest.raises(ValidationFailed) as refused:
            _as_drafter(db, users, structure.retitle_provision, bill_id, eid=SEC_4, num=blank)
        assert refused.value.details == {"field": "num"}
    assert _events(db) == before
    # A new heading alone (num left out) and a new number are still fine.
    _as_drafter(db, users, structure.retitle_provision, bill_id, eid=SEC_4, heading="Records")
    assert _as_drafter(db, users, structure.retitle_provision, bill_id, eid=SEC_4, num="4A.").eid == "part_2__sec_4A"


def test_the_socket_refuses_an_insert_without_a_number_as_amendments_do(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, db: Database,
) -> None:
    drafter = connect(users.tokens["drafter"])
    assert drafter.call("join", {"bill": bill_id, "since": None})["ok"]
    before = _events(db)
    refused = drafter.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after",
                                         "heading": "Review", "text": "The Minister shall review this Act."})
    assert refused["ok"] is False, refused
    assert refused["error"]["code"] == "validation_failed" and refused["field"] == "num", refused
    assert _events(db) == before
    inserted = drafter.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after",
                                          "num": "5.", "heading": "Review",
                                          "text": "The Minister shall review this Act."})
    assert inserted["ok"] is True, inserted


def _publish(client: FlaskClient, users: Accounts, bill_id: int) -> Any:
    return client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"}, headers=users.headers("clerk"))


def test_drafters_may_pass_through_two_provisions_of_one_number_but_not_publish_them(
    db: Database, users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    """A new section 1 before section 1 is how drafters begin renumbering; published so, "Leave out section 1."
    would read the same for either, and the House could not tell which it voted on."""
    _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid="part_1__sec_1", position="before",
                name="section", num="1.", heading="New", text="A new first section.")
    _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid="part_2__sec_3__subsec_1", position="after",
                name="subsection", num="(2)", text="New words.", heading=None)
    before = _events(db)
    refused = _publish(client, users, bill_id)
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "provisions_numbered_alike"
    assert error["message"] == ("2 provisions side by side are numbered as section 1: renumber them before "
                                "publishing, since an amendment could not tell them apart")
    assert error["eids"] == ["part_1__sec_1", "part_1__sec_1_2"]
    assert _events(db) == before, "nothing was published"
    # Renumbered one by one, the bill publishes.
    for eid, num in (("part_2__sec_4", "5"), ("part_2__sec_3", "4"), ("part_1__sec_2", "3"), ("part_1__sec_1_2", "2")):
        _as_drafter(db, users, structure.retitle_provision, bill_id, eid=eid, num=num)
    still = _publish(client, users, bill_id).get_json()["error"]
    assert still["message"].startswith("2 provisions side by side are numbered as section 4(2)"), still
    _as_drafter(db, users, structure.retitle_provision, bill_id, eid="part_2__sec_4__subsec_2_2", num="(3)")
    assert _publish(client, users, bill_id).status_code == 201


def test_numbering_that_restarts_in_each_part_is_published(
    db: Database, users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    """Where numbering restarts in each Part (a jurisdiction's habit), a section 1 of Part 2 beside the section 1
    of Part 1 is no mistake."""
    _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid="part_2__sec_3", position="before",
                name="section", num="1.", heading="Scope", text="This Part applies to consultations.")
    assert _publish(client, users, bill_id).status_code == 201


def test_the_only_provision_of_a_section_is_refused_by_citation(db: Database, users: Accounts, bill_id: int) -> None:
    _as_drafter(db, users, structure.delete_provision, bill_id, eid=PARA_2_B)
    before = _events(db)
    with pytest.raises(ParleyError) as refused:
        _as_drafter(db, users, structure.delete_provision, bill_id, eid="part_1__sec_2__para_a")
    assert refused.value.code == "invalid_structure"
    assert refused.value.message == ("section 2(a) is the only provision of section 2: delete or change section 2 "
                                     "instead")
    assert _events(db) == before
