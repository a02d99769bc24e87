"""Bills: import an AKN document as a new bill, list and read bills."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument, AknError
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.roles import may_import_bill
from server.errors import Conflict, Forbidden, NotFound, from_akn_error
from server.services.principal import Principal, require
from server.store import documents, eventlog, projections
from server.store.models import Bill, EventRecord, Expression, Provision

BILL_STATUS_DRAFTING = "drafting"


@dataclass(frozen=True)
class ImportedBill:
    bill: Bill
    expression: Expression
    warnings: list[dict[str, Any]] = field(default_factory=list)


def parse_document(content: bytes, max_bytes: int | None = None) -> AknDocument:
    """Parse and strictly validate AKN bytes, translating the library's errors for clients."""
    try:
        if max_bytes is not None:
            return AknDocument.from_bytes(content, max_bytes=max_bytes)
        return AknDocument.from_bytes(content)
    except AknError as error:
        raise from_akn_error(error) from error


def import_bill(
    session: Session,
    principal: Principal | None,
    content: bytes,
    *,
    drafter_ids: Iterable[int] = (),
    max_bytes: int | None = None,
) -> ImportedBill:
    """Store a strictly valid AKN bill or act as a new bill in drafting, at version 1."""
    actor = require(principal)
    if not may_import_bill(actor.role):
        raise Forbidden(f"only drafters and clerks may import bills; you are signed in as {actor.role.value}")
    document = parse_document(content, max_bytes)
    frbr = document.frbr
    if session.scalar(select(Bill.id).where(Bill.work_uri == frbr.work_uri)) is not None:
        raise Conflict(f"a bill with the work URI {frbr.work_uri} already exists")
    eventlog.acquire_append_lock(session)
    bill_id = (session.scalar(select(Bill.id).order_by(Bill.id.desc()).limit(1)) or 0) + 1
    sha = documents.put(session, content)
    warnings = [
        {"code": w.code, "message": w.message, "path": w.path} for w in document.warnings
    ]
    eventlog.append(
        session,
        EventDraft(
            stream=bill_stream(bill_id),
            type=EventType.BILL_IMPORTED,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data={
                "bill_id": bill_id,
                "document_sha256": sha,
                "title": document.title,
                "doctype": frbr.doctype,
                "country": frbr.country,
                "work_uri": frbr.work_uri,
                "expression_uri": frbr.expression_uri,
                "expression_date": str(frbr.expression_date),
                "language": frbr.language,
                "drafter_ids": sorted(set(drafter_ids)),
                "warnings": len(warnings),
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    bill = session.get(Bill, bill_id)
    expression = session.scalar(select(Expression).where(Expression.bill_id == bill_id))
    assert bill is not None and expression is not None  # inserted by the projector just now
    return ImportedBill(bill, expression, warnings)


def load_document(session: Session, digest: str) -> AknDocument:
    """A stored document; it was validated when it was stored."""
    return AknDocument.from_bytes(documents.get(session, digest))


def provision_states(session: Session, bill_id: int) -> dict[str, tuple[int, str]]:
    """Each working-text provision's revision and text, by wId."""
    return {
        wid: (rev, text)
        for wid, rev, text in session.execute(
            select(Provision.wid, Provision.rev, Provision.text).where(Provision.bill_id == bill_id)
        )
    }


def replace_provision_rows(
    session: Session, bill_id: int, document: AknDocument, previous: dict[str, tuple[int, str]] | None = None
) -> None:
    """Project a document's provision tree into the working-text rows of a bill.

    ``previous`` (from :func:`provision_states`) lets provisions that survive a structure change or a
    consolidation keep counting revisions: the same text keeps its revision, a changed one moves to the next,
    so a client holding an older text can tell. New provisions start at revision 0.
    """
    known = previous or {}
    ordinal = 0
    rows: list[dict[str, Any]] = []

    def walk(provisions: Iterable[Any], parent: str | None) -> None:
        nonlocal ordinal
        for provision in provisions:
            wid = provision.wid or provision.eid
            text = provision.text or ""
            rev, old_text = known.get(wid, (0, text))
            rows.append(
                {
                    "bill_id": bill_id,
                    "eid": provision.eid,
                    "wid": wid,
                    "parent_eid": parent,
                    "ordinal": ordinal,
                    "name": provision.name,
                    "num": provision.num,
                    "heading": provision.heading,
                    "text": text,
                    "rev": rev if text == old_text else rev + 1,
                    "edited": False,
                }
            )
            ordinal += 1
            walk(provision.children, provision.eid)

    walk(document.provisions(), None)
    # Bulk statements bypass the identity map: flush before, and expire after so no stale row object survives.
    session.flush()
    session.execute(Provision.__table__.delete().where(Provision.bill_id == bill_id))
    if rows:
        session.execute(Provision.__table__.insert(), rows)
    session.expire_all()


@projections.projects(EventType.BILL_IMPORTED)
def _project_bill_imported(session: Session, record: EventRecord) -> None:
    data = record.data
    bill_id = int(data["bill_id"])
    session.add(
        Bill(
            id=bill_id,
            title=data["title"],
            doctype=data["doctype"],
            country=data["country"],
            work_uri=data["work_uri"],
            status=BILL_STATUS_DRAFTING,
            current_version=1,
            working_sha256=data["document_sha256"],
            drafter_ids=list(data.get("drafter_ids") or []),
            created_by=record.actor_id,
            created_at=record.occurred_at,
            updated_at=record.occurred_at,
        )
    )
    session.add(
        Expression(
            bill_id=bill_id,
            version=1,
            expression_uri=data["expression_uri"],
            expression_date=data["expression_date"],
            language=data["language"],
            document_sha256=data["document_sha256"],
            published_by=record.actor_id,
            published_at=record.occurred_at,
            event_id=record.id,
        )
    )
    session.flush()
    replace_provision_rows(session, bill_id, load_document(session, data["document_sha256"]))


# --- reading -------------------------------------------------------------------------------------------------


def get_bill(session: Session, bill_id: int) -> Bill:
    bill = session.get(Bill, bill_id)
    if bill is None:
        raise NotFound(f"there is no bill {bill_id}")
    return bill


def list_bills(session: Session) -> list[Bill]:
    return list(session.scalars(select(Bill).order_by(Bill.id)))


def versions(session: Session, bill_id: int) -> list[Expression]:
    return list(
        session.scalars(select(Expression).where(Expression.bill_id == bill_id).order_by(Expression.version))
    )


def expression_uri(session: Session, bill: Bill) -> str:
    current = session.scalar(
        select(Expression.expression_uri).where(
            Expression.bill_id == bill.id, Expression.version == bill.current_version
        )
    )
    return current or ""


def bill_summary(session: Session, bill: Bill) -> dict[str, Any]:
    return {
        "id": bill.id,
        "title": bill.title,
        "doctype": bill.doctype,
        "country": bill.country,
        "work_uri": bill.work_uri,
        "expression_uri": expression_uri(session, bill),
        "status": bill.status,
        "version": bill.current_version,
        "updated_at": bill.updated_at.isoformat() + "Z",
    }


def provision_tree(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """The working text's provisions as nested dicts (contract: eid, num, heading, text, rev, children)."""
    rows = session.execute(
        select(
            Provision.eid, Provision.wid, Provision.parent_eid, Provision.name, Provision.num,
            Provision.heading, Provision.text, Provision.rev,
        )
        .where(Provision.bill_id == bill_id)
        .order_by(Provision.ordinal)
    ).all()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        node = {
            "eid": row.eid, "wid": row.wid, "name": row.name, "num": row.num, "heading": row.heading,
            "text": row.text, "rev": row.rev, "children": [],
        }
        nodes[row.eid] = node
        parent = nodes.get(row.parent_eid) if row.parent_eid else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def bill_detail(session: Session, bill: Bill) -> dict[str, Any]:
    detail = bill_summary(session, bill)
    detail["drafter_ids"] = list(bill.drafter_ids or [])
    detail["versions"] = [
        {
            "version": e.version,
            "expression_uri": e.expression_uri,
            "expression_date": e.expression_date,
            "language": e.language,
            "published_at": e.published_at.isoformat() + "Z",
            "sha256": e.document_sha256,
        }
        for e in versions(session, bill.id)
    ]
    detail["provisions"] = provision_tree(session, bill.id)
    return detail


def events_for_bill(session: Session, bill_id: int, after: int, limit: int = 1000) -> list[EventRecord]:
    get_bill(session, bill_id)
    return eventlog.events_after(session, after, bill_id=bill_id, limit=limit)
