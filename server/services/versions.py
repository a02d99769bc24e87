"""Publishing: freezing a bill's working text into a new, strictly valid AKN expression."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from akn import AknDocument, AknError
from akn.frbr import FrbrUri
from server.domain.citation import numbered_alike
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.roles import may_publish_version
from server.domain.wording import word, wording
from server.errors import Forbidden, InvalidDocument, ProvisionsNumberedAlike, ValidationFailed, from_akn_error
from server.services.amendments import check_publishable
from server.services.bills import get_bill, load_document, provision_citation
from server.services.principal import Principal, require
from server.store import documents, eventlog, projections
from server.store.models import Bill, EventRecord, Expression, Provision


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    expression_uri: str
    document_sha256: str
    event_id: int


def working_document(session: Session, bill: Bill) -> AknDocument:
    """The bill's working text as an AKN document: its last base document with every edited text spliced in."""
    document = load_document(session, bill.working_sha256)
    edited = session.execute(
        select(Provision.eid, Provision.text).where(Provision.bill_id == bill.id, Provision.edited.is_(True))
    )
    for eid, text in edited:
        try:
            document.set_provision_text(eid, text)
        except AknError as error:
            # Markup left unfinished in one provision holds up every change to the bill's structure and every
            # publication until it is put right: say which provision it is.
            refusal = from_akn_error(error)
            refusal.message = wording("%(provision)s (%(eid)s) cannot be read: %(problem)s",
                                      provision=provision_citation(session, bill.id, eid), eid=eid,
                                      problem=refusal.message)
            refusal.args = (refusal.message,)
            refusal.details["eid"] = eid
            raise refusal from error
    return document


# A version is dated the day it is published, or a day the clerk names; a day after tomorrow (UTC, whatever the
# parliament's time zone) is no day a text was published on, and dating one there would hold every later version
# that names no date (dated today, before it) until then.
_FUTURE_SLACK = timedelta(days=1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|\.)")


def _latest_date(session: Session, bill: Bill) -> str | None:
    """The date (ISO) of the bill's latest dated version, if it has one. An imported document's expression may be
    named by a version rather than a date (`eng@ver_final`, as the naming convention allows): it dates nothing."""
    dates = session.scalars(select(Expression.expression_date).where(Expression.bill_id == bill.id))
    # "2026-11-21.2", the second expression of a day, is of that day.
    return max((d[:10] for d in dates if _ISO_DATE.match(d)), default=None)


def version_date(session: Session, bill: Bill, asked: date | None) -> date:
    """The date of the bill's next version: ``asked``, not after tomorrow; by default today, or the date of the
    bill's latest version when that is later (an imported bill may be dated ahead)."""
    today = eventlog.utcnow().date()
    if asked is not None:
        if asked > today + _FUTURE_SLACK:
            raise ValidationFailed(wording("expression_date %(date)s is in the future; a version is dated the day it "
                                           "is published or before", date=asked.isoformat()), field="expression_date")
        return asked
    latest = _latest_date(session, bill)
    return max(today, date.fromisoformat(latest)) if latest else today


def new_expression_of(
    session: Session, document: AknDocument, bill: Bill, when: date, version: int
) -> AknDocument:
    """``document`` as the bill's next expression dated ``when``; a second one that day gets ``.2``, ``.3``…"""
    latest = _latest_date(session, bill)
    if latest is not None and when.isoformat() < latest:
        # Versions are read, listed and compared in the order of their dates: a version dated before the one it
        # follows would reorder the bill's history.
        raise ValidationFailed(wording("expression_date %(date)s is before %(latest)s, the date of the bill's latest "
                                       "version; a new version is dated that day or later", date=when.isoformat(),
                                       latest=latest), field="expression_date")
    taken = list(session.scalars(select(Expression.expression_uri).where(Expression.bill_id == bill.id)
                                 .order_by(Expression.version)))
    # Every version is an expression of the work the bill is served as, which Parley named itself when the
    # imported document's own URI did not follow the naming convention.
    try:
        served_at = FrbrUri.parse(taken[-1]) if taken else None
    except AknError:
        served_at = None  # a URI the convention cannot read: the document's own names the expression, as before
    try:
        expression = document.new_expression(when, version_label=str(version), served_at=served_at)
        sequence = 1
        while expression.frbr.expression_uri in taken:
            sequence += 1
            expression = document.new_expression(when, version_label=str(version), sequence=sequence,
                                                 served_at=served_at)
    except AknError as error:
        raise from_akn_error(error) from error
    return expression


def _refuse_new_twins(session: Session, bill: Bill, expression: AknDocument) -> None:
    """A version is what amendments are made to: two provisions side by side with one number (a drafter's new
    section 1 before section 1, not yet renumbered) would give both the same citation, and an amendment to either
    would read the same. Drafters may pass through such a state while they work; it is not published. Twins the
    last version already had (an imported document's own) are left for the drafters to put right."""
    twins = numbered_alike(expression.root)
    if twins and bill.current_version:
        published = session.scalar(select(Expression.document_sha256).where(
            Expression.bill_id == bill.id, Expression.version == bill.current_version))
        if published is not None:
            before = numbered_alike(load_document(session, published).root)
            twins = {citation: eids for citation, eids in twins.items() if citation not in before}
    if not twins:
        return
    citation, eids = next(iter(twins.items()))
    raise ProvisionsNumberedAlike(
        wording("%(count)d provisions side by side are numbered as %(citation)s: renumber them before publishing, "
                "since an amendment could not tell them apart", count=len(eids), citation=citation),
        eids=eids,
    )


def publish_working_text(
    session: Session, principal: Principal | None, bill_id: int, *, expression_date: date | None = None
) -> PublishedVersion:
    """Freeze the working text into version n+1, or refuse with the list of schema problems (or 409 when it would
    change what adopted amendments awaiting consolidation were made on)."""
    actor = require(principal)
    if not may_publish_version(actor.role):
        raise Forbidden(wording("only drafters and clerks publish versions; you are signed in as %(role)s",
                                role=word(actor.role.value)))
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    document = working_document(session, bill)
    when = version_date(session, bill, expression_date)
    version = bill.current_version + 1
    expression = new_expression_of(session, document, bill, when, version)
    # The expression is a copy: the working document itself may be spent on the check.
    check_publishable(session, bill, document)
    _refuse_new_twins(session, bill, expression)
    problems = expression.validate()
    if problems:
        raise InvalidDocument(
            wording("the working text is not valid AKN: %(problem)s", problem=problems[0].message),
            problems=[{"message": p.message, "path": p.path, "line": p.line} for p in problems[:50]],
        )
    content = expression.to_bytes()
    sha = documents.put(session, content)
    record = eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill.id),
            type=EventType.VERSION_PUBLISHED,
            actor_id=actor.actor_id,
            bill_id=bill.id,
            data={
                "version": version,
                "expression_uri": expression.frbr.expression_uri,
                "expression_date": when.isoformat(),
                "language": expression.frbr.language,
                "document_sha256": sha,
                "source": "working",
            },
        ),
        projector=projections.apply,
    )
    return PublishedVersion(version, expression.frbr.expression_uri, sha, record.id)


@projections.projects(EventType.VERSION_PUBLISHED)
def _project_version_published(session: Session, record: EventRecord) -> None:
    data = record.data
    bill = session.get(Bill, record.bill_id)
    if bill is None:
        raise RuntimeError(f"event {record.id} publishes a version of an unknown bill {record.bill_id}")
    session.add(
        Expression(
            bill_id=bill.id,
            version=data["version"],
            expression_uri=data["expression_uri"],
            expression_date=data["expression_date"],
            language=data["language"],
            document_sha256=data["document_sha256"],
            published_by=record.actor_id,
            published_at=record.occurred_at,
            event_id=record.id,
        )
    )
    bill.current_version = data["version"]
    bill.working_sha256 = data["document_sha256"]
    bill.updated_at = record.occurred_at
    # The published document now holds every edited text; revisions carry on so live clients stay in step.
    session.execute(
        update(Provision).where(Provision.bill_id == bill.id).values(edited=False),
        execution_options={"synchronize_session": "fetch"},
    )
    session.flush()
