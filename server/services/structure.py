"""Structure edits of a bill's working text: insert, delete, move, renumber and retitle provisions.

A structure edit rebuilds the working document (base document + edited texts), applies the change through the
``akn`` core, regenerates eIds (``wId`` keeps each provision's identity) and stores the result as the new base.
The event carries the resulting document's SHA-256 and the eId renames, so replaying it needs no recomputation
and clients can re-key what they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument, AknError, InvalidStructureError
from akn.inline import MARKUP_FORM
from akn.provisions import child_provisions
from server.domain.amendments import AmendmentAction, AmendmentState, eids_by_wid, numbered_sibling
from server.domain.citation import citation_of_element
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.instruction_rules import numbering_problem
from server.domain.wording import wording
from server.errors import AdoptedAmendmentsPending, BadRequest, ProvisionTooLarge, ValidationFailed, from_akn_error
from server.services import accounts
from server.services.bills import get_bill, load_document, provision_states, replace_provision_rows
from server.services.drafting import check_may_edit, find_provision, newest_event_id
from server.services.principal import Principal
from server.services.versions import working_document
from server.store import documents, eventlog, projections
from server.store.amendment_models import Amendment
from server.store.models import Bill, EventRecord

Position = Literal["before", "after"]
POSITIONS: tuple[Position, ...] = ("before", "after")
STRUCTURE_EVENTS = (
    EventType.PROVISION_INSERTED,
    EventType.PROVISION_DELETED,
    EventType.PROVISION_MOVED,
    EventType.PROVISION_RETITLED,
)


@dataclass(frozen=True)
class StructureOutcome:
    event_id: int
    renames: dict[str, str]
    eid: str | None
    # The change left the document as it was (a retitle to the same number and heading, a move to where the
    # provision already is): no event; ``event_id`` is the bill's newest.
    unchanged: bool = False


def _position(value: Any) -> Position:
    for position in POSITIONS:
        if value == position:
            return position
    raise BadRequest(wording("position must be 'before' or 'after'; found %(found)r", found=value))


Change = Callable[[AknDocument], tuple[str | None, dict[str, str]]]
"""Applies one structure edit; returns the subject's eId right after it and the eIds the edit itself renamed."""


def _wids(document: AknDocument) -> dict[str, str]:
    """wId → eId of every provision of the document."""
    found: dict[str, str] = {}
    pending = list(document.provisions())
    while pending:
        provision = pending.pop()
        if provision.eid:
            found[provision.wid or provision.eid] = provision.eid
        pending.extend(provision.children)
    return found


def _retired_wids(session: Session, bill_id: int) -> set[str]:
    """Every wId a provision of this bill ever had and lost (a wId names one provision for the bill's life)."""
    retired: set[str] = set()
    for data in session.scalars(
        select(EventRecord.data).where(EventRecord.bill_id == bill_id, EventRecord.type.in_(STRUCTURE_EVENTS))
    ):
        retired.update(data.get("removed_wids") or ())
    return retired


def _apply(
    session: Session,
    principal: Principal | None,
    bill_id: int,
    event_type: str,
    change: Change,
    data: dict[str, Any],
    *,
    creates: bool = False,
) -> StructureOutcome:
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    actor = check_may_edit(accounts.standing(session, principal), bill)
    document = working_document(session, bill)
    try:
        _pin_work_ids(document)
        unchanged = document.to_bytes()
        before = _wids(document)
        insertions = _waiting_insertions(session, bill_id)
        numbers_taken_before = _numbers_taken(document, insertions)
        subject, changed = change(document)
        if creates and subject:
            _give_fresh_wid(document, subject, set(before) | _retired_wids(session, bill_id))
        renumbered = document.renumber()
        _refuse_taking_inserted_numbers(document, insertions, numbers_taken_before)
        problems = document.validate()
    except AknError as error:
        raise from_akn_error(error) from error
    if problems:
        raise BadRequest(wording("the change would make the bill invalid AKN: %(problem)s",
                                 problem=problems[0].message))
    # The eIds clients hold are those from before the change: compose the edit's renames with renumbering's.
    renames = {}
    for eid in before.values():
        middle = changed.get(eid, eid)
        final = renumbered.get(middle, middle)
        if final != eid:
            renames[eid] = final
    if creates:
        final_eid = renumbered.get(subject, subject) if subject else None
    else:
        final_eid = renames.get(subject, subject) if subject else None
    result = document.to_bytes()
    if result == unchanged:
        # Logged, it would be an event, a feed entry ("renumbered or retitled") and a broadcast that change nothing.
        return StructureOutcome(newest_event_id(session, bill_id), {}, final_eid, unchanged=True)
    removed = sorted(set(before) - set(_wids(document)))
    sha = documents.put(session, result)
    record = eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill_id),
            type=event_type,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data={**data, "eid": final_eid, "renames": renames, "removed_wids": removed, "document_sha256": sha,
                  "markup": MARKUP_FORM},
        ),
        projector=projections.apply,
    )
    return StructureOutcome(record.id, renames, final_eid)


def _give_fresh_wid(document: AknDocument, eid: str, taken: set[str]) -> None:
    """A new provision whose eId once named another (now deleted) provision gets a wId of its own."""
    element = document.provision_element(eid)
    wid = element.get("wId") or eid
    if wid not in taken:
        element.set("wId", wid)
        return
    n = 2
    while f"{wid}_{n}" in taken:
        n += 1
    element.set("wId", f"{wid}_{n}")


def _pin_work_ids(document: AknDocument) -> None:
    """Give every provision without a wId its current eId as wId, before anything renames it."""
    pending = list(document.provisions())
    while pending:
        provision = pending.pop()
        # ``provision.wid`` falls back to the eId: the element's own attribute says whether it has one.
        if provision.eid:
            element = document.provision_element(provision.eid)
            if not element.get("wId"):
                element.set("wId", provision.eid)
        pending.extend(provision.children)


def insert_provision(
    session: Session, principal: Principal | None, bill_id: int, *, ref_eid: str, position: str,
    name: str, num: str | None, heading: str | None, text: str, ref_wid: str | None = None,
    max_chars: int | None = None,
) -> StructureOutcome:
    """Insert a new provision before or after ``ref_eid`` (or the provision whose wId is ``ref_wid``).

    A new section, subsection, paragraph, part... needs its ``num``, as a new provision an amendment inserts does
    (``numbering_problem``): nothing numbers it later, and the bill could neither cite nor amend it.
    """
    where = _position(position)
    problem = numbering_problem(name, num)
    if problem is not None:
        raise ValidationFailed(problem, field="num")
    if max_chars is not None and len(text) > max_chars:
        raise ProvisionTooLarge(wording("the new provision has %(length)d characters; the limit is %(limit)s",
                                        length=len(text), limit=max_chars))
    ref_eid = find_provision(session, bill_id, ref_eid, wid=ref_wid).eid

    def change(document: AknDocument) -> tuple[str | None, dict[str, str]]:
        inserted = document.insert_provision(ref_eid, position=where, name=name, num=num, heading=heading, text=text)
        return inserted.eid, {}

    return _apply(session, principal, bill_id, EventType.PROVISION_INSERTED, change,
                  {"ref_eid": ref_eid, "position": where, "name": name, "num": num, "heading": heading},
                  creates=True)


def delete_provision(
    session: Session, principal: Principal | None, bill_id: int, *, eid: str, wid: str | None = None
) -> StructureOutcome:
    """Delete a provision; named by ``wid`` as well, it is the one its sender saw, whatever its eId is now."""
    row = find_provision(session, bill_id, eid, wid=wid)
    eid, wid = row.eid, row.wid

    def change(document: AknDocument) -> tuple[str | None, dict[str, str]]:
        before = _wids(document)
        _refuse_leaving_empty(document, eid)
        document.delete_provision(eid)
        _refuse_taking_out_adopted(session, bill_id, eid, set(before) - set(_wids(document)))
        return None, {}

    return _apply(session, principal, bill_id, EventType.PROVISION_DELETED, change,
                  {"deleted_eid": eid, "wid": wid})


def _refuse_leaving_empty(document: AknDocument, eid: str) -> None:
    """The only provision of a section (or Part...) cannot go alone: the section would be left empty. Said by
    citation, as the drafter sees the bill, where the document's own refusal names eIds."""
    element = document.provision_element(eid)
    parent = element.getparent()
    if parent is None or len(child_provisions(parent)) != 1:
        return
    raise InvalidStructureError(wording(
        "%(provision)s is the only provision of %(holder)s: delete or change %(holder)s instead",
        provision=citation_of_element(element),
        holder=citation_of_element(parent) if parent.get("eId") else wording("the bill")))


def _refuse_taking_out_adopted(session: Session, bill_id: int, eid: str, taken_out: set[str]) -> None:
    """An adopted amendment waiting to be consolidated stands on its provision (by wId) in the next version: one
    whose provision a deletion would take out of the working text could never be made, nor the bill consolidated."""
    standing = list(session.scalars(
        select(Amendment.number).where(
            Amendment.bill_id == bill_id, Amendment.state == AmendmentState.ADOPTED.value,
            Amendment.consolidated_in.is_(None), Amendment.wid.in_(sorted(taken_out)),
        ).order_by(Amendment.number)
    ))
    if standing:
        named = ", ".join(str(n) for n in standing)
        if len(standing) > 1:
            raise AdoptedAmendmentsPending(wording("%(eid)s holds what adopted amendments %(numbers)s amend: "
                                                   "consolidate the adopted amendments first, then delete it",
                                                   eid=eid, numbers=named))
        raise AdoptedAmendmentsPending(wording("%(eid)s holds what adopted amendment %(number)s amends: consolidate "
                                               "the adopted amendments first, then delete it", eid=eid, number=named))


def _waiting_insertions(session: Session, bill_id: int) -> list[tuple[int, str, str]]:
    """(number, wId of the provision it inserts after, number of the provision it inserts) of each adopted
    ``insert_after`` amendment not yet consolidated."""
    rows = session.execute(
        select(Amendment.number, Amendment.wid, Amendment.new_num).where(
            Amendment.bill_id == bill_id, Amendment.state == AmendmentState.ADOPTED.value,
            Amendment.consolidated_in.is_(None), Amendment.action == AmendmentAction.INSERT_AFTER.value,
            Amendment.new_num.is_not(None),
        ).order_by(Amendment.number)
    ).all()
    return [(number or 0, wid, new_num) for number, wid, new_num in rows if wid and new_num]


def _numbers_taken(document: AknDocument, insertions: list[tuple[int, str, str]]) -> dict[int, tuple[str, str]]:
    """The insertions (by amendment number) whose new provision's number a provision beside its place already
    has: the eIds of the provision it inserts after and of the one with the number."""
    if not insertions:
        return {}
    wids = eids_by_wid(document)
    taken = {}
    for number, wid, new_num in insertions:
        eid = wids.get(wid)
        twin = numbered_sibling(document, eid, new_num) if eid else None
        if eid and twin is not None:
            taken[number] = (eid, twin)
    return taken


def _refuse_taking_inserted_numbers(
    document: AknDocument, insertions: list[tuple[int, str, str]], taken_before: dict[int, tuple[str, str]]
) -> None:
    """An adopted amendment inserting a provision numbered "4A" after section 4 can be made only while no provision
    beside section 4 is numbered 4A: a structure edit that gave that number away would hold up the consolidation
    (and every publication) until someone undid it, so it is refused. Numbers taken before the edit stay refused
    where they were, so that the drafters can still put them right."""
    for number, (anchor, twin) in _numbers_taken(document, insertions).items():
        if number in taken_before:
            continue
        new_num = next(num for n, _, num in insertions if n == number)
        raise AdoptedAmendmentsPending(
            wording("adopted amendment %(number)s inserts a provision numbered %(num)s after %(provision)s, and the "
                    "change would give that number to another provision beside it: give it another number, or "
                    "consolidate the adopted amendments first", number=number, num=new_num,
                    provision=citation_of_element(document.provision_element(anchor))),
            eid=twin, amendment_numbers=[number],
        )


def move_provision(
    session: Session, principal: Principal | None, bill_id: int, *, eid: str, ref_eid: str, position: str,
    wid: str | None = None, ref_wid: str | None = None,
) -> StructureOutcome:
    where = _position(position)
    eid = find_provision(session, bill_id, eid, wid=wid).eid
    ref_eid = find_provision(session, bill_id, ref_eid, wid=ref_wid).eid

    def change(document: AknDocument) -> tuple[str | None, dict[str, str]]:
        return eid, document.move_provision(eid, ref_eid, where)

    return _apply(session, principal, bill_id, EventType.PROVISION_MOVED, change,
                  {"moved_eid": eid, "ref_eid": ref_eid, "position": where})


def retitle_provision(
    session: Session, principal: Principal | None, bill_id: int, *, eid: str,
    num: str | None = None, heading: str | None = None, wid: str | None = None,
) -> StructureOutcome:
    """Change a provision's number and/or heading (eIds follow the new number)."""
    if num is None and heading is None:
        raise BadRequest(wording("give a new num, a new heading, or both"))
    row = find_provision(session, bill_id, eid, wid=wid)
    eid = row.eid
    if num is not None and numbering_problem(row.name, num) is not None:
        # A blank num takes the number away: a numbered kind of provision keeps one (as a new one needs one).
        raise ValidationFailed(wording("%(eid)s needs a number: the bill cites and names its provisions by their "
                                       "numbers, and one without a number could be neither cited nor amended; give "
                                       "it a new number, or leave 'num' out to keep the one it has", eid=eid),
                               field="num")

    def change(document: AknDocument) -> tuple[str | None, dict[str, str]]:
        return eid, document.set_num_heading(eid, num=num, heading=heading)

    return _apply(session, principal, bill_id, EventType.PROVISION_RETITLED, change,
                  {"retitled_eid": eid, "num": num, "heading": heading})


def _project_structure(session: Session, record: EventRecord) -> None:
    """Adopt the resulting document as the working base; provisions keep their revisions through their wId."""
    bill = session.get(Bill, record.bill_id)
    if bill is None:
        raise RuntimeError(f"event {record.id} changes an unknown bill {record.bill_id}")
    sha = record.data["document_sha256"]
    replace_provision_rows(session, record, load_document(session, sha), provision_states(session, bill.id))
    bill.working_sha256 = sha
    bill.updated_at = record.occurred_at
    session.flush()


for _event_type in STRUCTURE_EVENTS:
    projections.projects(_event_type)(_project_structure)
