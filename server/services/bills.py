"""Bills: import an AKN document as a new bill, list and read bills."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session, aliased

from akn import AknDocument, AknError, FrbrMetadata, FrbrUri
from akn.inline import MARKUP_FORM, written_in_form
from akn.validation import iso639_2
from server.domain.amendments import SETTLING_ACTIONS, AmendmentState, settled_by
from server.domain.bills import BillStatus
from server.domain.citation import Level, citation_of_eid, citation_of_provision
from server.domain.events import EventDraft, EventType, bill_stream
from server.domain.roles import may_import_bill
from server.domain.wording import word, wording
from server.errors import Conflict, Forbidden, NotFound, from_akn_error
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import documents, eventlog, projections
from server.store.amendment_models import Amendment
from server.store.models import Bill, EventRecord, Expression, Provision

BILL_STATUS_DRAFTING = BillStatus.DRAFTING.value


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
        raise Forbidden(wording("only drafters and clerks may import bills; you are signed in as %(role)s",
                                role=word(actor.role.value)))
    document = parse_document(content, max_bytes)
    frbr = document.frbr
    eventlog.acquire_append_lock(session)
    bill_id = (session.scalar(select(Bill.id).order_by(Bill.id.desc()).limit(1)) or 0) + 1
    uri, assigned = addressable_uri(frbr, bill_id)
    if session.scalar(select(Bill.id).where(Bill.work_uri == uri.work_uri)) is not None:
        raise Conflict(wording("a bill with the work URI %(uri)s already exists", uri=uri.work_uri))
    sha = documents.put(session, content)
    warnings = [
        {"code": w.code, "message": w.message, "path": w.path} for w in document.warnings
    ]
    if assigned:
        warnings.append({
            "code": "frbr_uri_assigned",
            "message": f"the document's FRBR URI {frbr.work_uri!r} does not follow the AKN naming convention; "
                       f"it is kept in the document, and Parley serves the bill at {uri.expression_uri}",
            "path": "/akomaNtoso/*/meta/identification/FRBRWork/FRBRuri",
        })
        written = frbr.language or ""
        if assigned and uri.language and uri.language != written:
            warnings.append(_language_assumed(written, uri.language))
    unnamed = count_unnamed(document.provisions())
    working_sha = None
    if unnamed and not any(node.get("eId") for node in document.tree_nodes()):
        # A document that names no provision at all could not be worked on. One that names some is worked on as
        # it is, so that the eIds a client reads in the provision tree are those of the version it amends.
        working_sha = _named_working_text(session, content, max_bytes)
    if unnamed:
        warnings.append(_unnamed_warning(unnamed, named=working_sha is not None))
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
                "work_uri": uri.work_uri,
                "expression_uri": uri.expression_uri,
                "expression_date": uri.expression_date,
                "language": uri.language,
                "drafter_ids": sorted(set(drafter_ids)),
                "warnings": len(warnings),
                "markup": MARKUP_FORM,
                **({"working_sha256": working_sha} if working_sha else {}),
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    bill = session.get(Bill, bill_id)
    expression = session.scalar(select(Expression).where(Expression.bill_id == bill_id))
    assert bill is not None and expression is not None  # inserted by the projector just now
    return ImportedBill(bill, expression, warnings)


def _named_working_text(session: Session, content: bytes, max_bytes: int | None) -> str | None:
    """The digest of the working text of a document whose provisions carry no eId (one that names its elements
    with `xml:id`, as LEOS does): the same document, its provisions named after the convention, so that drafters
    can edit it. Version 1 stays the document as it came. None when the document cannot be edited (a judgment, a
    debate) or its named copy would not be valid AKN."""
    working = parse_document(content, max_bytes)
    try:
        working.renumber()
    except AknError:
        return None
    if working.validate() or count_unnamed(working.provisions()) or not _distinct_wids(working):
        return None
    return documents.put(session, working.to_bytes())


def _distinct_wids(document: AknDocument) -> bool:
    """Whether no two provisions share a wId (a provision's identity through every version)."""
    wids = [wid for wid in (node.get("wId") for node in document.tree_nodes()) if wid]
    return len(wids) == len(set(wids))


def _unnamed_warning(unnamed: int, *, named: bool) -> dict[str, Any]:
    if named:
        message = (f"{unnamed} provisions have no eId: version 1 keeps the document as it came, and the working "
                   "text names them after the naming convention, so that drafters can edit them; members amend "
                   "them and citizens comment on them from the first version published from the working text")
    else:
        message = (f"{unnamed} provisions have no eId: they are kept, but cannot be edited or commented on until "
                   "the bill is renumbered")
    return {"code": "provision_without_eid", "message": message, "path": None}


_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# What a URI given back to clients cannot hold as it is: "?" and "#" end a path, "%" would have to be written "%25",
# and spaces and the rest must be escaped. A document whose URI holds one is served at a URI Parley makes.
_NOT_IN_A_PATH = re.compile(r"[?#%\s\"<>\\^`{|}]")


def addressable_uri(frbr: FrbrMetadata, bill_id: int) -> tuple[FrbrUri, bool]:
    """The AKN expression URI the bill is served at, and whether Parley had to assign it.

    Documents whose own URIs follow the naming convention keep them; others (``http://…`` identifiers, empty
    values) get one made from their FRBR metadata, so every bill resolves under ``/akn/``.
    """
    own = frbr.uri
    if (own is not None and own.prefix == "akn" and own.language and own.expression_date
            and not _NOT_IN_A_PATH.search(own.expression_uri)):
        return own, False
    place = [part for part in re.split(r"[^a-z0-9]+", (frbr.country or "").lower()) if part] or ["xx"]
    work_date = next((d[:10] for d in (frbr.date, frbr.expression_date) if d and _FULL_DATE.match(d)), None)
    work_date = work_date or "1970-01-01"
    expression_date = frbr.expression_date[:10] if _FULL_DATE.match(frbr.expression_date or "") else work_date
    number = "-".join(re.split(r"[^A-Za-z0-9]+", frbr.number or "")).strip("-").lower() or f"parley-{bill_id}"
    # The convention names languages by their three-letter ISO 639-2 code; "es" is written "spa".
    language = iso639_2(frbr.language or "") or "und"
    uri = FrbrUri(
        country=place[0][:2], locality="-".join(place[1:]) or None, doctype=frbr.doctype, date=work_date,
        number=number, language=language, expression_date=expression_date,
    )
    return uri, True


def _language_assumed(written: str, language: str) -> dict[str, Any]:
    """The warning that the language a bill is served in is not the FRBRlanguage its document writes."""
    if language == "und":
        message = (f"the document's FRBRlanguage {written!r} names no language Parley knows; the bill is served "
                   "in the undetermined language 'und'")
    else:
        message = (f"the document's FRBRlanguage {written!r} is not an ISO 639-2 code; Parley takes it for "
                   f"{language!r} and serves the bill in it")
    return {"code": "frbr_language_assumed", "message": message,
            "path": "/akomaNtoso/*/meta/identification/FRBRExpression/FRBRlanguage"}


def count_unnamed(provisions: Iterable[Any]) -> int:
    """How many provisions in a tree have no eId."""
    return sum((0 if p.eid else 1) + count_unnamed(p.children) for p in provisions)


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
    session: Session,
    record: EventRecord,
    document: AknDocument,
    previous: dict[str, tuple[int, str]] | None = None,
) -> None:
    """Project a document's provision tree into the working-text rows of a bill.

    ``previous`` (from :func:`provision_states`) lets provisions that survive a structure change or a
    consolidation keep counting revisions: the same text keeps its revision, a changed one moves to the next,
    so a client holding an older text can tell. New provisions start at revision 0.

    The text is written in the markup form ``record`` was recorded with (1 when it says none): the edits logged
    after it patch that text by character offsets, so a replay must write it as it was written then.
    """
    bill_id = int(record.bill_id or 0)
    known = previous or {}
    ordinal = 0
    rows: list[dict[str, Any]] = []

    def walk(provisions: Iterable[Any], parent: str | None) -> None:
        nonlocal ordinal
        for provision in provisions:
            if not provision.eid:
                # Without an eId a provision cannot be addressed; its descendants hang on the nearest ancestor.
                walk(provision.children, parent)
                continue
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
                    "unit": provision.unit,
                    "num": provision.num,
                    "heading": provision.heading,
                    "text": text,
                    "rev": rev if text == old_text else rev + 1,
                    "edited": False,
                }
            )
            ordinal += 1
            walk(provision.children, provision.eid)

    with written_in_form(int((record.data or {}).get("markup", 1))):
        walk(document.provisions(), None)
    # Bulk statements bypass the identity map: flush before, and expire after so no stale row object survives.
    session.flush()
    session.execute(delete(Provision).where(Provision.bill_id == bill_id), execution_options={
        "synchronize_session": False})
    if rows:
        session.execute(insert(Provision), rows)
    for stale in [obj for obj in session.identity_map.values() if isinstance(obj, Provision)]:
        session.expire(stale)


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
            # A document whose provisions carry no eId is worked on as a copy that names them.
            working_sha256=data.get("working_sha256") or data["document_sha256"],
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
    working = data.get("working_sha256") or data["document_sha256"]
    replace_provision_rows(session, record, load_document(session, working))


# --- reading -------------------------------------------------------------------------------------------------


def get_bill(session: Session, bill_id: int) -> Bill:
    bill = session.get(Bill, bill_id)
    if bill is None:
        raise NotFound(wording("there is no bill %(bill)s", bill=bill_id))
    return bill


def list_bills(session: Session) -> list[Bill]:
    return list(session.scalars(select(Bill).order_by(Bill.id)))


@dataclass(frozen=True)
class BillFilter:
    """What a reader of the bill list may narrow it to; None leaves a criterion out."""

    status: str | None = None
    title: str | None = None  # words that must occur in the title, case-insensitively
    updated_since: datetime | None = None  # naive UTC, inclusive
    updated_before: datetime | None = None  # naive UTC, exclusive


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_of_bills(session: Session, criteria: BillFilter, page: PageRequest) -> Page[Bill]:
    """Bills in id order, filtered in the query and cut into keyset pages."""
    query = select(Bill)
    if criteria.status is not None:
        query = query.where(Bill.status == criteria.status)
    for term in (criteria.title or "").split():
        query = query.where(Bill.title.ilike(_like_pattern(term), escape="\\"))
    if criteria.updated_since is not None:
        query = query.where(Bill.updated_at >= criteria.updated_since)
    if criteria.updated_before is not None:
        query = query.where(Bill.updated_at < criteria.updated_before)
    return keyset(session, query, Bill.id, page)


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
    return _summary(bill, expression_uri(session, bill))


def bill_summaries(session: Session, bills: list[Bill]) -> list[dict[str, Any]]:
    """Summaries of many bills, their current expression URIs read in one query rather than one per bill."""
    uris: dict[int, str] = {}
    if bills:
        rows = session.execute(
            select(Expression.bill_id, Expression.expression_uri)
            .where(tuple_(Expression.bill_id, Expression.version).in_([(b.id, b.current_version) for b in bills]))
        )
        uris = {row.bill_id: row.expression_uri for row in rows}
    return [_summary(bill, uris.get(bill.id, "")) for bill in bills]


def _summary(bill: Bill, current_uri: str) -> dict[str, Any]:
    return {
        "id": bill.id,
        "title": bill.title,
        "doctype": bill.doctype,
        "country": bill.country,
        "work_uri": bill.work_uri,
        "expression_uri": current_uri,
        "status": bill.status,
        "version": bill.current_version,
        "updated_at": bill.updated_at.isoformat() + "Z",
    }


def provision_tree(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """The working text's provisions as nested dicts (contract: eid, num, heading, text, rev, children; and
    ``settled_by``, the numbers of the adopted amendments whose words a provision holds, while it does)."""
    rows = session.execute(
        select(
            Provision.eid, Provision.wid, Provision.parent_eid, Provision.name, Provision.unit, Provision.num,
            Provision.heading, Provision.text, Provision.rev,
        )
        .where(Provision.bill_id == bill_id)
        .order_by(Provision.ordinal)
    ).all()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    paths: dict[str, tuple[Level, ...]] = {}  # each provision's path with its nums, for its citation
    settled = _settled(session, bill_id)
    for row in rows:
        path = paths[row.eid] = (*paths.get(row.parent_eid or "", ()), _level(row))
        node = {
            "eid": row.eid, "wid": row.wid, "name": row.name, "num": row.num, "heading": row.heading,
            "citation": citation_of_provision(row.eid, path), "text": row.text, "rev": row.rev, "children": [],
        }
        numbers = settled_by(row.text, settled.get(row.wid, []))
        if numbers:
            node["settled_by"] = numbers
        nodes[row.eid] = node
        parent = nodes.get(row.parent_eid) if row.parent_eid else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def _level(row: Any) -> Level:
    """A stored provision as a step of a citation's path: by the unit it stands for, with its num as stored."""
    return Level(row.unit or row.name, row.num)


def provision_citation(session: Session, bill_id: int, eid: str) -> str:
    """How an instruction cites provision ``eid`` of the working text, from the stored rows of it and its
    ancestors (as the provision tree cites it)."""
    return provision_citations(session, [(bill_id, eid)])[(bill_id, eid)]


# Past this many provisions asked for at once, their bills' rows are read whole rather than named one by one.
_NAMED_AT_MOST = 500


def provision_citations(session: Session, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """How the provision tree cites each provision ``(bill_id, eid)`` of ``wanted``, from the stored rows of it and
    its ancestors: one query for the lot, however long the list (a moderation queue, a feed, a consultation's
    comments). A provision the working text no longer holds is cited by its eId alone."""
    keys = set(wanted)
    if not keys:
        return {}
    bill_ids = sorted({bill_id for bill_id, _eid in keys})
    eids = sorted({eid for _bill_id, eid in keys})
    columns = (Provision.bill_id, Provision.eid, Provision.parent_eid, Provision.name, Provision.unit, Provision.num)
    query = select(*columns).where(Provision.bill_id.in_(bill_ids))
    if len(eids) <= _NAMED_AT_MOST:
        # The provisions asked for and their ancestors, found by the database: not one query for each step up.
        cited = select(*columns).where(Provision.bill_id.in_(bill_ids), Provision.eid.in_(eids)).cte(
            "cited", recursive=True)
        above = aliased(Provision)
        cited = cited.union(select(above.bill_id, above.eid, above.parent_eid, above.name, above.unit, above.num)
                            .join(cited, (above.bill_id == cited.c.bill_id) & (above.eid == cited.c.parent_eid)))
        query = select(cited)
    rows = {(row.bill_id, row.eid): row for row in session.execute(query)}
    paths: dict[tuple[int, str], tuple[Level, ...]] = {}

    def path(key: tuple[int, str]) -> tuple[Level, ...]:
        chain: list[Any] = []
        step: tuple[int, str] | None = key
        while step is not None and step not in paths and step in rows and len(chain) <= len(rows):
            row = rows[step]
            chain.append(row)
            step = (row.bill_id, row.parent_eid) if row.parent_eid else None
        above = paths.get(step, ()) if step is not None else ()
        for row in reversed(chain):
            above = paths[(row.bill_id, row.eid)] = (*above, _level(row))
        return above

    return {key: citation_of_provision(key[1], path(key)) if key in rows else citation_of_eid(key[1])
            for key in keys}


def _settled(session: Session, bill_id: int) -> dict[str, list[tuple[int, str]]]:
    """The numbers and voted words of the adopted amendments, not yet consolidated, that amend each provision's
    words (new words or omission), by wId: while its text is those words, drafting leaves it be (see
    ``drafting.edit_provision``)."""
    settled: dict[str, list[tuple[int, str]]] = {}
    for wid, number, base in session.execute(
        select(Amendment.wid, Amendment.number, Amendment.base_text)
        .where(Amendment.bill_id == bill_id, Amendment.state == AmendmentState.ADOPTED.value,
               Amendment.consolidated_in.is_(None),
               Amendment.action.in_(SETTLING_ACTIONS))
        .order_by(Amendment.number)
    ):
        settled.setdefault(wid, []).append((number or 0, base))
    return settled


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
