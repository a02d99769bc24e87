"""Live co-drafting: applying drafters' patches to provision texts, exactly once, in order.

Each provision's text has its own revision. A patch made against the current revision applies exactly; one made
against an older revision is rebased onto the current text (fuzzy placement), and refused as a conflict if any
hunk no longer fits. Every accepted edit is one ``provision.edited`` event whose patch turns ``rev - 1`` into
``rev`` exactly, so the log alone rebuilds every text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.domain import textpatch
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.roles import Role
from server.errors import BadRequest, EditConflict, Forbidden, NotFound, ProvisionTooLarge
from server.services.bills import BILL_STATUS_DRAFTING, get_bill
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.models import AppliedOperation, Bill, EventRecord, Provision, ProvisionRevision

MAX_OP_ID_LENGTH = 100


@dataclass(frozen=True)
class EditOutcome:
    rev: int
    event_id: int
    duplicate: bool = False


def check_may_edit(principal: Principal | None, bill: Bill) -> Principal:
    """Only drafters edit, only bills in drafting, and only the bill's own drafters when it names them."""
    actor = require(principal, Role.DRAFTER)
    if bill.status != BILL_STATUS_DRAFTING:
        raise Forbidden(f"bill {bill.id} is {bill.status}, not in drafting: its text is frozen")
    if bill.drafter_ids and actor.user_id not in bill.drafter_ids:
        raise Forbidden(f"bill {bill.id} names its own drafters and you are not one of them")
    return actor


def find_provision(
    session: Session, bill_id: int, eid: str, *, wid: str | None = None, lock: bool = False
) -> Provision:
    """A provision of the working text, by its wId when given (stable across renumbering), else by its eId."""
    query = select(Provision).where(Provision.bill_id == bill_id)
    query = query.where(Provision.wid == wid) if wid else query.where(Provision.eid == eid)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"bill {bill_id} has no provision {wid or eid}", eid=eid)
    return row


def edit_provision(
    session: Session,
    principal: Principal | None,
    *,
    bill_id: int,
    eid: str,
    rev: int,
    patch: str,
    op_id: str,
    max_chars: int,
    wid: str | None = None,
) -> EditOutcome:
    """Apply one drafter's patch to a provision's working text.

    ``wid`` (optional) names the provision in a way that survives renumbering: an edit sent just before a
    structure change still lands in the provision its author was typing in.
    """
    if not op_id or len(op_id) > MAX_OP_ID_LENGTH:
        raise BadRequest(f"op_id must be a non-empty string of at most {MAX_OP_ID_LENGTH} characters")
    # Every write is serialized by the log's append lock; taking it first makes read-modify-write safe.
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    actor = check_may_edit(principal, bill)

    applied = session.scalar(
        select(AppliedOperation).where(AppliedOperation.bill_id == bill_id, AppliedOperation.op_id == op_id)
    )
    if applied is not None:
        return EditOutcome(applied.rev, applied.event_id, duplicate=True)

    row = find_provision(session, bill_id, eid, wid=wid, lock=True)
    eid = row.eid
    if rev > row.rev or rev < 0:
        raise BadRequest(f"provision {eid} is at revision {row.rev}; an edit cannot be based on revision {rev}")
    base = None if rev == row.rev else session.scalar(
        select(ProvisionRevision.text).where(
            ProvisionRevision.bill_id == bill_id, ProvisionRevision.wid == row.wid, ProvisionRevision.rev == rev
        )
    )
    try:
        if base is not None:
            outcome = textpatch.merge_edit(base, row.text, patch)
        else:
            # The base text is no longer kept (or this is the current revision): place the hunks by context.
            outcome = textpatch.apply_edit(row.text, patch, exact=rev == row.rev)
    except textpatch.PatchConflict as conflict:
        raise EditConflict(str(conflict), eid=eid, text=row.text, rev=row.rev) from conflict
    except textpatch.MalformedPatch as malformed:
        raise BadRequest(f"the patch is not diff-match-patch text: {malformed}") from malformed
    if len(outcome.text) > max_chars:
        raise ProvisionTooLarge(
            f"provision {eid} would grow to {len(outcome.text)} characters; the limit is {max_chars}"
        )
    record = eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill_id),
            type=EventType.PROVISION_EDITED,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data={"eid": eid, "wid": row.wid, "rev": row.rev + 1, "base_rev": rev, "patch": outcome.patch,
                  "op_id": op_id},
        ),
        projector=projections.apply,
    )
    return EditOutcome(record.data["rev"], record.id)


KEPT_REVISIONS = 200


def _keep_revision(session: Session, bill_id: int, wid: str, rev: int, text: str) -> None:
    """Remember the text of a revision (once), and forget those too old to be a live client's base."""
    known = session.scalar(
        select(ProvisionRevision.id).where(
            ProvisionRevision.bill_id == bill_id, ProvisionRevision.wid == wid, ProvisionRevision.rev == rev
        )
    )
    if known is None:
        session.add(ProvisionRevision(bill_id=bill_id, wid=wid, rev=rev, text=text))
    if rev % 50 == 0 and rev > KEPT_REVISIONS:
        session.execute(
            delete(ProvisionRevision).where(
                ProvisionRevision.bill_id == bill_id, ProvisionRevision.wid == wid,
                ProvisionRevision.rev < rev - KEPT_REVISIONS,
            )
        )


@projections.projects(EventType.PROVISION_EDITED)
def _project_provision_edited(session: Session, record: EventRecord) -> None:
    data = record.data
    bill_id = int(record.bill_id or 0)
    row = find_provision(session, bill_id, data["eid"])
    if data["rev"] != row.rev + 1:
        raise RuntimeError(f"event {record.id} moves {data['eid']} to rev {data['rev']} from {row.rev}")
    _keep_revision(session, bill_id, row.wid, row.rev, row.text)
    row.text = textpatch.apply_exact(row.text, data["patch"])
    row.rev = data["rev"]
    row.edited = True
    _keep_revision(session, bill_id, row.wid, row.rev, row.text)
    session.add(
        AppliedOperation(bill_id=bill_id, op_id=data["op_id"], eid=data["eid"], rev=data["rev"], event_id=record.id)
    )
    bill = session.get(Bill, bill_id)
    if bill is not None:
        bill.updated_at = record.occurred_at
    session.flush()
