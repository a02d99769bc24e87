"""Live co-drafting: applying drafters' patches to provision texts, exactly once, in order.

Each provision's text has its own revision. A patch made against the current revision applies exactly; one made
against an older revision is rebased onto the current text (fuzzy placement), and refused as a conflict if any
hunk no longer fits. Every accepted edit is one ``provision.edited`` event whose patch turns ``rev - 1`` into
``rev`` exactly, so the log alone rebuilds every text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from akn.errors import InvalidMarkupError
from akn.inline import check_characters
from server.domain import merge3, textpatch
from server.domain.amendments import SETTLING_ACTIONS, AmendmentState, settled_by
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import BadRequest, EditConflict, Forbidden, NotFound, ProvisionSettled, ProvisionTooLarge
from server.services import accounts
from server.services.bills import BILL_STATUS_DRAFTING, provision_citation
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.amendment_models import Amendment
from server.store.models import (
    AppliedOperation,
    Bill,
    EventRecord,
    Provision,
    ProvisionRevision,
    RefusedOperation,
)

MAX_OP_ID_LENGTH = 100

# The statements of an edit, built once: an edit is the hottest write path (each keystroke pause of each
# drafter), and building SQLAlchemy expressions and loading ORM entities cost more than the SQL itself.
# They are table-level (Core) statements, run on the session's connection, so the ORM adds nothing to them.
_applied, _provisions, _revisions, _bills, _refused = (
    cast(Table, model.__table__)
    for model in (AppliedOperation, Provision, ProvisionRevision, Bill, RefusedOperation)
)
_events = cast(Table, EventRecord.__table__)
_amendments = cast(Table, Amendment.__table__)
_APPLIED_OP = (
    select(_applied.c.rev, _applied.c.event_id, _events.c.actor_id)
    .join(_events, _events.c.id == _applied.c.event_id)
    .where(_applied.c.bill_id == bindparam("bill_id"), _applied.c.op_id == bindparam("op_id"))
)
_PROVISION_COLUMNS = (_provisions.c.id, _provisions.c.eid, _provisions.c.wid, _provisions.c.text, _provisions.c.rev)
_PROVISION_BY_EID = select(*_PROVISION_COLUMNS).where(
    _provisions.c.bill_id == bindparam("bill_id"), _provisions.c.eid == bindparam("key")
)
_PROVISION_BY_WID = select(*_PROVISION_COLUMNS).where(
    _provisions.c.bill_id == bindparam("bill_id"), _provisions.c.wid == bindparam("key")
)
_REVISION_WHERE = (
    _revisions.c.bill_id == bindparam("bill_id"), _revisions.c.wid == bindparam("wid"),
    _revisions.c.rev == bindparam("rev"),
)
_REVISION_TEXT = select(_revisions.c.text).where(*_REVISION_WHERE)
_REVISION_KNOWN = select(_revisions.c.id).where(*_REVISION_WHERE)
_INSERT_REVISION = insert(_revisions)
_INSERT_APPLIED = insert(_applied)
_REFUSED_OP = select(_refused.c.id).where(
    _refused.c.bill_id == bindparam("bill_id"), _refused.c.op_id == bindparam("op_id")
)
_INSERT_REFUSED = insert(_refused)
_UPDATE_PROVISION = (
    update(_provisions).where(_provisions.c.id == bindparam("row_id"))
    .values(text=bindparam("text"), rev=bindparam("rev"), edited=True)
)
_BILL_GATE = select(_bills.c.id, _bills.c.status, _bills.c.drafter_ids).where(_bills.c.id == bindparam("bill_id"))
# The adopted amendments, not yet consolidated, that were voted on as words of one provision (by its wId): new words
# for it, or its omission. They are made on those words when the clerk consolidates, so the words are settled.
_SETTLING = (
    select(_amendments.c.number, _amendments.c.base_text)
    .where(_amendments.c.bill_id == bindparam("bill_id"), _amendments.c.state == AmendmentState.ADOPTED.value,
           _amendments.c.consolidated_in.is_(None), _amendments.c.wid == bindparam("wid"),
           _amendments.c.action.in_(SETTLING_ACTIONS))
    .order_by(_amendments.c.number)
)
_TOUCH_BILL = update(_bills).where(_bills.c.id == bindparam("row_id")).values(updated_at=bindparam("at"))
# The event that made a provision's current revision, for the ack of an edit that changed nothing.
_REVISION_EVENT = (
    select(_events.c.id)
    .where(_events.c.bill_id == bindparam("bill_id"), _events.c.type == EventType.PROVISION_EDITED,
           _events.c.data["wid"].as_string() == bindparam("wid"),
           _events.c.data["rev"].as_integer() == bindparam("rev"))
    .order_by(_events.c.id.desc())
    .limit(1)
)
_NEWEST_BILL_EVENT = select(func.max(_events.c.id)).where(_events.c.bill_id == bindparam("bill_id"))


@dataclass(frozen=True)
class EditOutcome:
    rev: int
    event_id: int
    duplicate: bool = False
    # The patch changed nothing: no revision, no event; ``rev`` and ``event_id`` are the provision's current ones.
    unchanged: bool = False
    # Set instead of raising by ``apply_edit``: the refusal is recorded in the same transaction, to commit.
    refused: EditConflict | None = None


class EditableBill(Protocol):
    """What deciding who may edit a bill needs of it (a ``Bill`` or a row of its columns)."""

    id: int
    status: str
    drafter_ids: list[Any]


def check_may_edit(principal: Principal | None, bill: EditableBill) -> Principal:
    """Only drafters edit, only bills in drafting, and only the bill's own drafters when it names them."""
    actor = require(principal, Role.DRAFTER)
    if bill.status != BILL_STATUS_DRAFTING:
        raise Forbidden(wording("bill %(bill)s is %(status)s, not in drafting: its text is frozen",
                                bill=bill.id, status=bill.status))
    if bill.drafter_ids and actor.user_id not in bill.drafter_ids:
        raise Forbidden(wording("bill %(bill)s names its own drafters and you are not one of them", bill=bill.id))
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
        raise NotFound(wording("bill %(bill)s has no provision %(eid)s", bill=bill_id, eid=wid or eid), eid=eid)
    return row


def apply_edit(
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
    """Apply one drafter's patch to a provision's working text; a conflict is recorded and returned, not raised.

    ``wid`` (optional) names the provision in a way that survives renumbering: an edit sent just before a
    structure change still lands in the provision its author was typing in. An op refused with
    ``edit_conflict`` is remembered in this transaction, so the caller commits before it answers the refusal:
    the client merges that op's changes into a new op, and a copy of the old one arriving later (resent on
    another connection) must not be applied on top.
    """
    if not op_id or len(op_id) > MAX_OP_ID_LENGTH:
        raise BadRequest(wording("op_id must be a non-empty string of at most %(most)d characters",
                                 most=MAX_OP_ID_LENGTH))
    # Every write is serialized by the log's append lock; taking it first makes read-modify-write safe.
    eventlog.acquire_append_lock(session)
    bill = session.connection().execute(_BILL_GATE, {"bill_id": bill_id}).first()
    if bill is None:
        raise NotFound(wording("there is no bill %(bill)s", bill=bill_id))
    actor = check_may_edit(accounts.standing(session, principal), bill)

    applied = session.connection().execute(_APPLIED_OP, {"bill_id": bill_id, "op_id": op_id}).first()
    if applied is not None:
        if applied.actor_id != actor.actor_id:
            # Another drafter's op: answering "duplicate" would drop this edit without a word.
            raise BadRequest(wording("op_id %(op_id)r is already the id of another drafter's edit; op_ids must be "
                                     "unique (a random one per operation)", op_id=op_id))
        return EditOutcome(applied.rev, applied.event_id, duplicate=True)

    # Every writer already holds the write lock (BEGIN IMMEDIATE / the append lock), so no row lock is needed.
    row = _provision_row(session, bill_id, eid, wid=wid)
    eid = row.eid
    if rev > row.rev or rev < 0:
        raise BadRequest(wording("provision %(eid)s is at revision %(rev)s; an edit cannot be based on revision "
                                 "%(base)s", eid=eid, rev=row.rev, base=rev))
    if session.connection().execute(_REFUSED_OP, {"bill_id": bill_id, "op_id": op_id}).first() is not None:
        return _refusal(
            wording("edit %(op_id)s was already refused as conflicting; merge its changes and send them as a new "
                    "edit", op_id=op_id),
            eid, row,
        )
    base = None if rev == row.rev else session.connection().scalar(
        _REVISION_TEXT, {"bill_id": bill_id, "wid": row.wid, "rev": rev}
    )
    if base is None and rev != row.rev:
        # The base text is no longer kept. Placed by its context, a hunk went to the nearest look-alike words,
        # which in a statute can be a colleague's sentence ("the Clerk shall publish"), with a success ack. The
        # client holds its base: it merges its edit onto the current text and sends it anew.
        return _refuse(session, bill_id, op_id, wording(
            "the edit is based on revision %(base)s of %(eid)s, older than the %(kept)s revisions kept; merge it "
            "onto the current text and send it again", base=rev, eid=eid, kept=KEPT_REVISIONS), row)
    try:
        if base is not None:
            outcome = merge3.merge_edit(base, row.text, patch)
        else:
            outcome = textpatch.apply_edit(row.text, patch, exact=True)
    except textpatch.PatchConflict as conflict:
        return _refuse(session, bill_id, op_id, str(conflict), row)
    except textpatch.MalformedPatch as malformed:
        raise BadRequest(wording("the patch is not diff-match-patch text: %(problem)s", problem=str(malformed))) \
            from malformed
    if outcome.text == row.text and (base is None or textpatch.apply_exact(base, patch) == base):
        # A patch that changes nothing of the text it was made against (empty, or hunks of context alone) would
        # cost a revision, a logged event, a broadcast to every reader and a search refresh for nothing. It is
        # not remembered by its op_id: a copy resent later changes nothing either, wherever the text has gone.
        # A rebased patch whose change a colleague already made is still applied (as an empty revision): it is
        # then remembered, so a late copy is not merged again onto a text where someone may have undone it.
        return EditOutcome(row.rev, current_event_id(session, bill_id, row.wid, row.rev), unchanged=True)
    try:
        # The working text becomes AKN when a version is published; what XML cannot hold never gets in.
        check_characters(outcome.text)
    except InvalidMarkupError as refused:
        raise BadRequest(wording("provision %(eid)s: %(problem)s", eid=eid, problem=refused.message)) from refused
    if len(outcome.text) > max_chars:
        raise ProvisionTooLarge(wording("provision %(eid)s would grow to %(length)d characters; the limit is "
                                        "%(limit)s", eid=eid, length=len(outcome.text), limit=max_chars))
    settled = _refuse_unsettling(session, bill_id, row, outcome.text)
    data: dict[str, Any] = {"eid": eid, "wid": row.wid, "rev": row.rev + 1, "base_rev": rev, "patch": outcome.patch,
                            "op_id": op_id}
    if settled:
        # The edit gave the provision back the words the House voted on: the editors show it settled from now on.
        data["settled_by"] = settled
    record = eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill_id),
            type=EventType.PROVISION_EDITED,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data=data,
        ),
        projector=projections.apply,
    )
    return EditOutcome(record.data["rev"], record.id)


def current_event_id(session: Session, bill_id: int, wid: str, rev: int) -> int:
    """The event that made revision ``rev`` of the provision ``wid``; the bill's newest event for a provision never
    edited (revision 0), whose text is as the bill's import and structure events left it."""
    event_id = session.connection().scalar(_REVISION_EVENT, {"bill_id": bill_id, "wid": wid, "rev": rev}) \
        if rev else None
    return newest_event_id(session, bill_id) if event_id is None else int(event_id)


def newest_event_id(session: Session, bill_id: int) -> int:
    """The id of the bill's newest event."""
    return int(session.connection().scalar(_NEWEST_BILL_EVENT, {"bill_id": bill_id}) or 0)


def _refuse_unsettling(session: Session, bill_id: int, row: Any, text: str) -> list[int]:
    """Words the House voted to amend stay as it voted on them until the clerk consolidates: an edit that would
    take a provision away from them is refused, where letting it through would hold up both the next publication
    and the consolidation until someone typed the words back. Text already away from them (edited before the
    vote) may be edited, so that it can be put back. Returns the numbers of the amendments whose words `text`
    holds (it was put back)."""
    if text == row.text:
        return []
    settling = [(number, base) for number, base in
                session.connection().execute(_SETTLING, {"bill_id": bill_id, "wid": row.wid}).all()]
    if not settling:
        return []
    numbers = settled_by(row.text, settling)
    if not numbers:
        return settled_by(text, settling)
    provision = provision_citation(session, bill_id, row.eid)
    if len(numbers) == 1:
        refusal = wording("%(provision)s reads as the House voted on it when it adopted amendment %(number)s: its "
                          "words cannot be edited until the clerk consolidates the adopted amendments",
                          provision=provision, number=numbers[0])
    else:
        refusal = wording("%(provision)s reads as the House voted on it when it adopted amendments %(numbers)s: "
                          "its words cannot be edited until the clerk consolidates the adopted amendments",
                          provision=provision, numbers=", ".join(str(n) for n in numbers))
    raise ProvisionSettled(refusal, eid=row.eid, amendment_numbers=numbers)


def _refuse(session: Session, bill_id: int, op_id: str, message: str, row: Any) -> EditOutcome:
    """An op refused as conflicting, remembered so that a copy of it resent later is refused too."""
    session.connection().execute(_INSERT_REFUSED, {"bill_id": bill_id, "op_id": op_id, "refused_at": eventlog.utcnow()})
    return _refusal(message, row.eid, row)


def _refusal(message: str, eid: str, row: Any) -> EditOutcome:
    return EditOutcome(row.rev, 0, refused=EditConflict(message, eid=eid, text=row.text, rev=row.rev))


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
    """:func:`apply_edit`, raising :class:`EditConflict` on a conflict (the refusal is then not kept)."""
    outcome = apply_edit(session, principal, bill_id=bill_id, eid=eid, rev=rev, patch=patch, op_id=op_id,
                         max_chars=max_chars, wid=wid)
    if outcome.refused is not None:
        raise outcome.refused
    return outcome


KEPT_REVISIONS = 200


def _provision_row(session: Session, bill_id: int, eid: str, *, wid: str | None = None) -> Any:
    """``(id, eid, wid, text, rev)`` of a working provision, by wId when given, else by eId."""
    if session.new or session.dirty or session.deleted:
        # These reads bypass the ORM and its autoflush; changes it still holds must reach the table first.
        session.flush()
    statement = _PROVISION_BY_WID if wid else _PROVISION_BY_EID
    row = session.connection().execute(statement, {"bill_id": bill_id, "key": wid or eid}).first()
    if row is None:
        raise NotFound(wording("bill %(bill)s has no provision %(eid)s", bill=bill_id, eid=wid or eid), eid=eid)
    return row


def _keep_revision(session: Session, bill_id: int, wid: str, rev: int, text: str) -> None:
    """Remember the text of a revision (once), and forget those too old to be a live client's base."""
    params = {"bill_id": bill_id, "wid": wid, "rev": rev}
    connection = session.connection()
    if connection.scalar(_REVISION_KNOWN, params) is None:
        connection.execute(_INSERT_REVISION, {**params, "text": text})
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
    row = _provision_row(session, bill_id, data["eid"])
    if data["rev"] != row.rev + 1:
        raise RuntimeError(f"event {record.id} moves {data['eid']} to rev {data['rev']} from {row.rev}")
    text = textpatch.apply_exact(row.text, data["patch"])
    _keep_revision(session, bill_id, row.wid, row.rev, row.text)
    connection = session.connection()
    connection.execute(_UPDATE_PROVISION, {"row_id": row.id, "text": text, "rev": data["rev"]})
    _keep_revision(session, bill_id, row.wid, data["rev"], text)
    connection.execute(
        _INSERT_APPLIED,
        {"bill_id": bill_id, "op_id": data["op_id"], "eid": data["eid"], "rev": data["rev"], "event_id": record.id},
    )
    connection.execute(_TOUCH_BILL, {"row_id": bill_id, "at": record.occurred_at})
    # The statements above bypass the ORM: entities this session already holds must read the new values.
    for entity, key in ((Provision, row.id), (Bill, bill_id)):
        held = session.identity_map.get(session.identity_key(entity, key))
        if held is not None:
            session.expire(held)
