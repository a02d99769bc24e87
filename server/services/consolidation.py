"""Consolidation: the clerk makes a new expression of a bill by applying its adopted amendments in order.

Amendments are applied to the latest published expression, the text they were made against: changes to a
provision's words first (several adopted amendments to one provision are merged word by word), then new
provisions, then omissions. eIds are then regenerated from the nums, each provision keeping its ``wId``; the
new expression records each amendment in ``lifecycle``, ``workflow`` and ``passiveModifications`` and must be
strictly valid. It is published as a ``version.published`` event (source ``amendments``), followed by one
``amendments.consolidated`` event that marks the amendments and rebuilds the working text from it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument, AknError
from akn.amendment import AppliedAmendment, destination_href, record_consolidation
from server.domain import textpatch
from server.domain.amendments import AmendmentAction, AmendmentEvent, AmendmentState
from server.domain.events import EventDraft, EventType, bill_stream
from server.errors import Conflict, InvalidDocument, UnconsolidatedEdits, from_akn_error
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


def apply_amendments(document: AknDocument, amendments: list[Amendment]) -> dict[str, str]:
    """Apply ``amendments`` to ``document`` in place; returns the eIds renamed by renumbering (old → new)."""
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
    for amendment in amendments:
        if amendment.action == AmendmentAction.DELETE:
            document.delete_provision(amendment.eid)
    return document.renumber()


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
        renames = apply_amendments(document, amendments)
    except AknError as error:
        raise from_akn_error(error) from error
    expression = new_expression_of(session, document, bill, when, version)
    applied = []
    for amendment in amendments:
        if amendment.action == AmendmentAction.DELETE:
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
