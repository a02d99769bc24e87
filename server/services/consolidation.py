"""Consolidation: the clerk makes a new expression of a bill by applying its adopted amendments in order.

Amendments are made to the latest published expression, each where its provision's ``wId`` is there (the eId
may have changed since it was proposed) and only while that provision still reads as the amendment was made
against (`server.services.amendments.make_adopted`, which adoption runs too): changes to a provision's words
first (several adopted amendments to one provision, made against the same text, are merged word by word), then
new provisions, then omissions. Leaving out every subdivision of a provision leaves out the provision itself:
the deletion that would leave a container empty takes the container with it (and its parent too, if that is
left empty in turn), and is recorded as leaving out what it took; deletions that would leave out the whole body
are refused. eIds are then regenerated from the nums, each provision keeping its ``wId``; the new expression
records each amendment in ``lifecycle``, ``workflow`` and ``passiveModifications`` and must be strictly valid.
It is published as a ``version.published`` event (source ``amendments``), followed by one
``amendments.consolidated`` event that marks the amendments and rebuilds the working text from it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument
from akn.amendment import AppliedAmendment, destination_href, record_consolidation
from akn.inline import MARKUP_FORM
from server.domain.amendments import AmendmentAction, AmendmentEvent, AppliedChanges, apply_changes
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.wording import wording
from server.errors import Conflict, InvalidDocument, UnconsolidatedEdits
from server.services.amendments import (
    CLERKS,
    Occasion,
    adopted_pending,
    akn_uri,
    change_at,
    make_adopted,
    published_document,
    published_version,
)
from server.services.bills import (
    get_bill,
    load_document,
    provision_citations,
    provision_states,
    replace_provision_rows,
)
from server.services.principal import Principal, require
from server.services.versions import PublishedVersion, new_expression_of, version_date, working_document
from server.store import documents, eventlog, projections
from server.store.amendment_models import Amendment
from server.store.models import Bill, EventRecord, Expression, Provision

__all__ = ["adopted_pending", "apply_amendments", "consolidate"]

# How many edited provisions a refusal to consolidate names before "and N more".
_NAMED_AT_MOST = 5

_MODIFICATION = {
    AmendmentAction.TEXT: "substitution",
    AmendmentAction.INSERT_AFTER: "insertion",
    AmendmentAction.DELETE: "repeal",
}


def apply_amendments(document: AknDocument, amendments: list[Amendment]) -> dict[str, str]:
    """Apply ``amendments``, all made on ``document`` itself (their eIds are its own), to it in place; returns the
    eIds renamed by renumbering (old → new). Consolidation places and checks each amendment first, see
    `make_adopted`."""
    return apply_changes(document, [change_at(a, a.eid) for a in amendments]).renames


def _provisions(document: AknDocument) -> list[tuple[str | None, str, str | None, str | None, str, int]]:
    """Every provision as drafters and consolidation see it, in document order: eId, element, num, heading, text,
    depth (not the wId, which a structure edit writes where the published version had none)."""
    rows = []
    stack = [(provision, 0) for provision in reversed(document.provisions())]
    while stack:
        provision, depth = stack.pop()
        rows.append((provision.eid, provision.name, provision.num, provision.heading, provision.text, depth))
        stack.extend((child, depth + 1) for child in reversed(provision.children))
    return rows


def _check_working_text_is_published(session: Session, bill: Bill, published: Expression) -> None:
    """The working text must be the published version: the new version is made from the published one and
    replaces the working text, which would lose any unpublished edit (of words, or of structure)."""
    # A structure edit stores a new working document (and folds the text edits in); a text edit marks its row.
    restructured = bill.working_sha256 != published.document_sha256
    reworded = session.scalar(select(Provision.id).where(Provision.bill_id == bill.id, Provision.edited.is_(True))
                              .limit(1)) is not None
    if not (restructured or reworded):
        return
    working = _provisions(working_document(session, bill))
    before = _provisions(load_document(session, published.document_sha256))
    if working == before:
        # Edited and put back (a word changed and changed back, a provision moved down and up again): nothing
        # would be lost, and publishing an empty version first would only clutter the bill's history.
        return
    if [row[:2] for row in working] != [row[:2] for row in before]:
        raise UnconsolidatedEdits(wording("the working text of bill %(bill)s has changes of structure (provisions "
                                          "inserted, moved or deleted) that are not published: the drafters publish "
                                          "the working text as a new version first, then consolidate", bill=bill.id))
    # Same provisions in the same places: name those whose words (or number, or heading) differ, so the clerk
    # knows what would be lost and whom to ask.
    changed = [row[0] for row, was in zip(working, before, strict=True) if row != was and row[0]]
    cited = provision_citations(session, ((bill.id, eid) for eid in changed[:_NAMED_AT_MOST]))
    named = ", ".join(cited[(bill.id, eid)] for eid in changed[:_NAMED_AT_MOST])
    if len(changed) > _NAMED_AT_MOST:
        named = wording("%(named)s and %(more)d more", named=named, more=len(changed) - _NAMED_AT_MOST)
    raise UnconsolidatedEdits(wording("the working text of bill %(bill)s has edits that are not published (%(named)s): "
                                      "the drafters publish the working text as a new version first, then "
                                      "consolidate", bill=bill.id, named=named), eids=changed)


def _destination(amendment: Amendment, changes: AppliedChanges, previous: Expression) -> str:
    """Where the new version's record of ``amendment`` points: what it changed or inserted in the new version,
    or what it left out of the version amended."""
    if amendment.action == AmendmentAction.DELETE:
        # What the deletion took out: its provision, or the container it left empty.
        return destination_href(previous.expression_uri, changes.left_out[amendment.id])
    if amendment.action == AmendmentAction.INSERT_AFTER:
        return f"#{changes.renamed(changes.inserted[amendment.id])}"
    return f"#{changes.renamed(changes.placed[amendment.id])}"


def consolidate(
    session: Session, principal: Principal | None, bill_id: int, *, expression_date: date | None = None
) -> PublishedVersion:
    """Publish the bill's next version with every adopted amendment applied."""
    actor = require(principal, *CLERKS)
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    _check_working_text_is_published(session, bill, published_version(session, bill))
    amendments = adopted_pending(session, bill_id)
    if not amendments:
        raise Conflict(wording("bill %(bill)s has no adopted amendments to consolidate", bill=bill_id))
    previous, document = published_document(session, bill)
    when = version_date(session, bill, expression_date)
    version = bill.current_version + 1
    changes = make_adopted(document, amendments,
                           Occasion(bill_id, bill.current_version, wording("so nothing was consolidated")))
    renames = changes.renames
    expression = new_expression_of(session, document, bill, when, version)
    applied = [
        AppliedAmendment(akn_uri(amendment), f"Amendment {amendment.number}",
                         _destination(amendment, changes, previous),
                         _MODIFICATION[AmendmentAction(amendment.action)],  # type: ignore[arg-type]
                         amendment.updated_at.date())
        for amendment in amendments
    ]
    record_consolidation(expression.document, when=when, amendments=applied)
    problems = expression.validate()
    if problems:
        raise InvalidDocument(
            wording("the consolidated text is not valid AKN: %(problem)s", problem=problems[0].message),
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
                   {"version": version, "amendment_ids": ids, "document_sha256": sha, "markup": MARKUP_FORM},
                   actor.actor_id, bill_id),
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
        session, record, load_document(session, data["document_sha256"]), provision_states(session, bill_id)
    )
    session.flush()
