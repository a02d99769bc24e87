"""Every read model can be rebuilt from the event log alone, and equals the live state."""

from __future__ import annotations

from sqlalchemy import select

from server.domain import textpatch
from server.services import accounts, bills, drafting, structure, versions
from server.store import projections
from server.store.db import Database
from server.store.models import Provision
from tests.server.conftest import Accounts, small_bill_xml


def _text(db: Database, bill_id: int, eid: str) -> tuple[str, int]:
    with db.read() as session:
        row = session.scalars(select(Provision).where(Provision.bill_id == bill_id, Provision.eid == eid)).one()
        return row.text, row.rev


def _edit(db: Database, who: int, bill_id: int, eid: str, new: str, op_id: str) -> None:
    old, rev = _text(db, bill_id, eid)
    with db.write() as session:
        drafting.edit_provision(
            session, accounts.principal_for_user_id(session, who), bill_id=bill_id, eid=eid, rev=rev,
            patch=textpatch.make_patch(old, new), op_id=op_id, max_chars=100_000,
        )


def test_rebuilding_from_the_log_equals_the_live_state(db: Database, users: Accounts) -> None:
    drafter = users.ids["drafter"]
    with db.write() as session:
        principal = accounts.principal_for_user_id(session, drafter)
        first = bills.import_bill(session, principal, small_bill_xml("1")).bill.id
        second = bills.import_bill(session, principal, small_bill_xml("2", "Second Bill")).bill.id
    _edit(db, drafter, first, "part_1__sec_1", "This Act may be cited as the Rebuilt Act, 2026.", "e1")
    _edit(db, users.ids["drafter2"], first, "part_2__sec_3__subsec_2",
          "A consultation shall remain open for **not less than** sixty days.", "e2")
    with db.write() as session:
        versions.publish_working_text(session, accounts.principal_for_user_id(session, drafter), first)
    with db.write() as session:
        structure.insert_provision(
            session, accounts.principal_for_user_id(session, drafter), first, ref_eid="part_2__sec_3",
            position="after", name="section", num="3A.", heading="Notice", text="Notice shall be given.",
        )
    _edit(db, drafter, second, "part_1__sec_1", "Short.", "e3")

    with db.write() as session:
        live = projections.snapshot(session)
        assert len(live["provisions"]) > 10 and len(live["expressions"]) == 3
        count = projections.rebuild(session)
        assert count == len(users.ids) + 7
        assert projections.snapshot(session) == live
