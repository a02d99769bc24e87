"""Consolidation: the clerk makes a new expression of a bill by applying its adopted amendments in order.

Amendments are applied to the latest published expression, the text they were made against: changes to a
provision's words first (several adopted amendments to one provision are merged word by word), then new
provisions, then omissions. Leaving out every subdivision of a provision leaves out the provision itself: the
deletion that would leave a container empty takes the container with it (and its parent too, if that is left
empty in turn), and is recorded as leaving out what it took; deletions that would leave out the whole body are
refused. eIds are then regenerated from the nums, each provision keeping its ``wId``; the
new expression records each amendment in ``lifecycle``, ``workflow`` and ``passiveModifications`` and must be
strictly valid. It is published as a ``version.published`` event (source ``amendments``), followed by one
``amendments.consolidated`` event that marks the amendments and rebuilds the working text from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument, AknError
from akn.amendment import AppliedAmendment, destination_href, record_consolidation
from akn.provisions import child_provisions
from akn.vocabulary import HIERARCHY_ELEMENTS
from server.domain import textpatch
from server.domain.amendments import AmendmentAction, AmendmentEvent, AmendmentState
from server.domain.events import EventDraft, EventType, bill_stream
from server.errors import AmendmentsLeaveOutTheBody, Conflict, InvalidDocument, UnconsolidatedEdits, from_akn_error
from server.services.amendments import CLERKS, akn_uri, marshalled_order
from server.services.bills import get_bill, load_document, provision_states, replace_provision_rows
from server.services.principal import Principal, require
from server.services.versions import PublishedVersion, new_expression_of
from server.store import documents, eventlog, projections
from server.store.amendment_models import Amendment
from server.store.models import EventRecord, Expression, Provision

_MODIFICATION = {
    AmendmentAction.TEXT: "substitution",
    AmendmentAction.INSERT_AFTER: "insertion",
    AmendmentAction.DELETE: "repeal",
}


def adopted_pending(session: Session, bill_id: int) -> list[Amendment]:
    """Adopted amendments not yet in a published version, in the order they were taken."""
    rows = list(session.scalars(
        select(Amendment).where(
            Amendment.bill_id == bill_id,
            Amendment.state == AmendmentState.ADOPTED.value,
            Amendment.consolidated_in.is_(None),
        )
    ))
    return marshalled_order(session, rows)


@dataclass(frozen=True)
class AppliedChanges:
    """What applying the amendments did, beyond the document itself."""

    renames: dict[str, str]  # eIds renamed by renumbering (old → new)
    # Each deletion's provision as it left the text: its own eId, or that of the container it emptied.
    left_out: dict[int, str]
    removed: frozenset[str]  # every eId the deletions took out (descendants included), before renumbering


def apply_amendments(document: AknDocument, amendments: list[Amendment]) -> dict[str, str]:
    """Apply ``amendments`` to ``document`` in place; returns the eIds renamed by renumbering (old → new)."""
    return apply_changes(document, amendments).renames


def apply_changes(document: AknDocument, amendments: list[Amendment]) -> AppliedChanges:
    """Apply ``amendments`` to ``document`` in place; see `AppliedChanges`.

    Raises `AmendmentsLeaveOutTheBody` when the deletions would leave a body without provisions.
    """
    texts: dict[str, str] = {}
    for amendment in amendments:
        if amendment.action == AmendmentAction.TEXT:
            current = texts.get(amendment.eid)
            if current is None:
                current = document.provision_text(amendment.eid)
            # Made against base_text; merged into what earlier amendments already made of the provision.
            texts[amendment.eid] = textpatch.merge3(amendment.base_text, amendment.new_text, current)
    for eid, text in texts.items():
        document.set_provision_text(eid, text)
    for amendment in amendments:
        if amendment.action == AmendmentAction.INSERT_AFTER:
            document.insert_provision(amendment.eid, "after", amendment.new_name or "section", amendment.new_num,
                                      amendment.new_heading, amendment.new_text)
    left_out: dict[int, str] = {}
    removed: set[str] = set()
    # Where each deletion took place (the body or component body above it), to name those that emptied one.
    holders: dict[int, etree._Element] = {}
    for amendment in amendments:
        if amendment.action != AmendmentAction.DELETE:
            continue
        element = document.provision_element(amendment.eid)
        holder = _holder(element)
        holders[amendment.id] = holder
        target = _outermost_emptied(element)
        if target is None:
            deletions = [a for a in amendments if a.id in holders and holders[a.id] is holder]
            raise AmendmentsLeaveOutTheBody(
                f"{_cited(deletions)} together leave out every provision of the bill's "
                f"{etree.QName(holder).localname}; a version cannot be empty, so nothing was consolidated",
                amendment_ids=[a.id for a in deletions],
            )
        target_eid = target.get("eId")
        assert target_eid  # every provision of an editable document is named
        removed.update(document.delete_provision(target_eid))
        left_out[amendment.id] = target_eid
    return AppliedChanges(document.renumber(), left_out, frozenset(removed))


def _cited(amendments: list[Amendment]) -> str:
    """``Amendment 3``, or ``Amendments 3, 4 and 7``, by order-paper number."""
    numbers = [str(a.number) for a in amendments]
    if len(numbers) == 1:
        return f"Amendment {numbers[0]}"
    return f"Amendments {', '.join(numbers[:-1])} and {numbers[-1]}"


def _is_provision(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).localname in HIERARCHY_ELEMENTS


def _holder(element: etree._Element) -> etree._Element:
    """The element holding the provision tree ``element`` is in (a ``<body>``, or a component's)."""
    parent = element.getparent()
    while parent is not None and _is_provision(parent):
        parent = parent.getparent()
    assert parent is not None  # a provision always sits in a body
    return parent


def _outermost_emptied(element: etree._Element) -> etree._Element | None:
    """What leaving out ``element`` takes out of the text: ``element``, or the outermost container that would be
    left without any provision (a container holds no content of its own, and its intro or wrap-up only leads in
    to or closes the subdivisions left out: a parliament leaves the whole provision out). None when that would
    be every provision of the body.
    """
    parent = element.getparent()
    while parent is not None and len(child_provisions(parent)) == 1:
        if not _is_provision(parent):
            return None
        element, parent = parent, parent.getparent()
    return element


def consolidate(
    session: Session, principal: Principal | None, bill_id: int, *, expression_date: date | None = None
) -> PublishedVersion:
    """Publish the bill's next version with every adopted amendment applied."""
    actor = require(principal, *CLERKS)
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    if session.scalar(select(Provision.id).where(Provision.bill_id == bill_id, Provision.edited.is_(True))
                      .limit(1)) is not None:
        raise UnconsolidatedEdits(
            f"bill {bill_id}'s working text has unpublished edits; publish them (source 'working') first"
        )
    amendments = adopted_pending(session, bill_id)
    if not amendments:
        raise Conflict(f"bill {bill_id} has no adopted amendments to consolidate")
    previous = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == bill.current_version)
    )
    assert previous is not None  # a bill always has its current version
    when = expression_date or eventlog.utcnow().date()
    version = bill.current_version + 1
    try:
        document = load_document(session, previous.document_sha256)
        changes = apply_changes(document, amendments)
    except AknError as error:
        raise from_akn_error(error) from error
    renames = changes.renames
    expression = new_expression_of(session, document, bill, when, version)
    applied = []
    for amendment in amendments:
        if amendment.action == AmendmentAction.DELETE:
            # What the deletion took out: its provision, or the container it left empty.
            destination = destination_href(previous.expression_uri, changes.left_out[amendment.id])
        elif amendment.eid in changes.removed:
            # Its provision went with a container that deletions emptied: it is only in the version amended.
            destination = destination_href(previous.expression_uri, amendment.eid)
        else:
            destination = f"#{renames.get(amendment.eid, amendment.eid)}"
        applied.append(AppliedAmendment(akn_uri(amendment), f"Amendment {amendment.number}", destination,
                                        _MODIFICATION[AmendmentAction(amendment.action)],  # type: ignore[arg-type]
                                        amendment.updated_at.date()))
    record_consolidation(expression.document, when=when, amendments=applied)
    problems = expression.validate()
    if problems:
        raise InvalidDocument(
            f"the consolidated text is not valid AKN: {problems[0].message}",
            problems=[{"message": p.message, "path": p.path, "line": p.line} for p in problems[:50]],
        )
    sha = documents.put(session, expression.to_bytes())
    ids = [a.id for a in amendments]
    record = eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill_id),
            type=EventType.VERSION_PUBLISHED,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data={
                "version": version,
                "expression_uri": expression.frbr.expression_uri,
                "expression_date": when.isoformat(),
                "language": expression.frbr.language,
                "document_sha256": sha,
                "source": "amendments",
                "amendment_ids": ids,
                "renamed_eids": renames,
                "previous_version": bill.current_version,
            },
        ),
        projector=projections.apply,
    )
    eventlog.append(
        session,
        EventDraft(bill_stream(bill_id), AmendmentEvent.CONSOLIDATED,
                   {"version": version, "amendment_ids": ids, "document_sha256": sha}, actor.actor_id, bill_id),
        projector=projections.apply,
    )
    return PublishedVersion(version, expression.frbr.expression_uri, sha, record.id)


@projections.projects(AmendmentEvent.CONSOLIDATED)
def _project_consolidated(session: Session, record: EventRecord) -> None:
    data = record.data
    for amendment_id in data["amendment_ids"]:
        amendment = session.get(Amendment, int(amendment_id))
        if amendment is not None:
            amendment.consolidated_in = int(data["version"])
    # The new version's structure differs from the old working text: rebuild its rows from the document.
    bill_id = int(record.bill_id or 0)
    replace_provision_rows(
        session, bill_id, load_document(session, data["document_sha256"]), provision_states(session, bill_id)
    )
    session.flush()
