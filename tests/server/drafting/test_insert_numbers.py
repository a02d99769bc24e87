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

from server.errors import ValidationFailed
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


@pytest.mark.parametrize(
    ("ref_eid", "name", "num", "citation"),
    [
        (SEC_4, "section", "4", "section 4"),  # beside the section 4 it copies
        (SEC_4, "section", "1.", "section 1"),  # section 1 is in Part 1: sections are cited bill-wide
        ("part_2__sec_3__subsec_1", "subsection", "(2)", "section 3(2)"),
    ],
)
def test_a_new_provision_may_not_be_cited_as_another_is(
    db: Database, users: Accounts, bill_id: int, ref_eid: str, name: str, num: str, citation: str,
) -> None:
    """Two sections 4 would make "Leave out section 4." an instruction for either: the House could not tell which
    it voted on."""
    before = _events(db)
    with pytest.raises(ValidationFailed) as refused:
        _as_drafter(db, users, structure.insert_provision, bill_id, ref_eid=ref_eid, position="after", name=name,
                    num=num, heading=None, text="New words.")
    assert refused.value.details == {"field": "num"}
    assert refused.value.message == (f"the bill has a {citation} already: give the new provision a number of its "
                                      "own")
    assert _events(db) == before, "nothing was changed"


def test_renumbering_or_moving_may_not_make_two_provisions_cited_alike(
    db: Database, users: Accounts, bill_id: int,
) -> None:
    before = _events(db)
    with pytest.raises(ValidationFailed, match="the change would make two provisions section 1"):
        _as_drafter(db, users, structure.retitle_provision, bill_id, eid=SEC_4, num="1")
    assert _events(db) == before
    # Paragraph (b) of section 2 renumbered (1), subsection (1) of section 3 may not join it there.
    assert _as_drafter(db, users, structure.retitle_provision, bill_id, eid=PARA_2_B, num="(1)").eid
    moved = _events(db)
    with pytest.raises(ValidationFailed, match="two provisions section 2\\(1\\)"):
        _as_drafter(db, users, structure.move_provision, bill_id, eid="part_2__sec_3__subsec_1",
                    ref_eid="part_1__sec_2__para_a", position="after")
    assert _events(db) == moved
    # A number of its own is fine, and so is a move that keeps citations apart.
    assert _as_drafter(db, users, structure.retitle_provision, bill_id, eid=SEC_4, num="4A").eid == "part_2__sec_4A"
    assert _as_drafter(db, users, structure.move_provision, bill_id, eid="part_2__sec_4A",
                       ref_eid="part_1__sec_2", position="after").eid == "part_1__sec_4A"
