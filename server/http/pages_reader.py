"""The public reader: a bill's published versions, their contents, redlines, provision links and comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from server.errors import BadRequest, NotFound, ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error
from server.http.pages_document import ProvisionSummary, RenderedDocument, mark_provisions, rendered
from server.services import bills, publication
from server.services import consultation as consultations
from server.store import eventlog
from server.store.models import Bill, Expression

reader_pages = Blueprint("reader_pages", __name__)
reader_pages.register_error_handler(ParleyError, page_error)

_COMPARE = re.compile(r"^\s*([0-9]{1,9})\s*\.\.\s*([0-9]{1,9})\s*$")
# What a link preview shows of a provision's text.
PREVIEW_CHARS = 280


def _opening(citation: str) -> str:
    """A citation opening a sentence: "Section 4", not "section 4"."""
    return citation[:1].upper() + citation[1:]


def _rearranged(redline: dict[str, Any], was_in: RenderedDocument, now_in: RenderedDocument) -> list[dict[str, str]]:
    """The provisions a comparison moved or renumbered, in reading order, each with what it reads now and was, as
    the versions compared (``was_in``, ``now_in``) cite them: the redline marks words, and a provision that only
    moved has none to mark."""
    found = []
    for change in redline.get("changes", []):
        if change["kind"] not in ("moved", "renumbered") or not change.get("new_eid"):
            continue
        now, was = now_in.citation(change["new_eid"]), was_in.citation(change.get("old_eid") or change["new_eid"])
        if change["kind"] == "renumbered":
            text = _("%(was)s is now %(now)s", was=_opening(was), now=now)
        elif now != was:
            text = _("%(now)s moved (it was %(was)s)", now=_opening(now), was=was)
        else:
            text = _("%(now)s moved", now=_opening(now))
        found.append({"eid": change["new_eid"], "text": text})
    return found


@dataclass(frozen=True)
class SharePreview:
    """Open Graph / Twitter card metadata of a page."""

    title: str
    description: str
    url: str


def _shorten(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _selected_version(session: Session, bill: Bill) -> Expression:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return publication.version_of(session, bill.id, bill.current_version)
    # ASCII digits of a version a bill can have: "²".isdigit() is true, and 25 digits overflow the column.
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise BadRequest(_("The version must be a number; found %(value)s.", value=raw[:40]))
    return publication.version_of(session, bill.id, int(raw))


def _compare_range(raw: str | None) -> tuple[int, int] | None:
    if not raw:
        return None
    match = _COMPARE.match(raw)
    if match is None:
        raise BadRequest(_("Name two versions to compare, like 1..2; found %(value)s.", value=raw[:40]))
    return int(match.group(1)), int(match.group(2))


def provision_preview(bill: Bill, summary: ProvisionSummary, url: str) -> SharePreview:
    return SharePreview(f"{summary.label} — {bill.title}", _shorten(summary.text or summary.label), url)


def bill_preview(bill: Bill, expression: Expression, document: RenderedDocument, url: str) -> SharePreview:
    first = next((item for item in document.toc), None)
    lead = _("Version %(version)s of %(date)s.", version=expression.version, date=expression.expression_date)
    if first is not None:
        summary = document.summary(first.eid)
        if summary is not None and summary.text:
            lead = f"{lead} {summary.label}: {summary.text}"
    return SharePreview(bill.title, _shorten(lead), url)


def _consultations(session: Session, bill_id: int) -> list[dict[str, Any]]:
    now = eventlog.utcnow()
    return [consultations.consultation_dict(c, now) for c in consultations.consultations_of(session, bill_id)]


def _consultation_state(described: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((c for c in described if c["state"] == "open"), described[-1] if described else None)


@reader_pages.get("/bills/<int:bill_id>")
def reader(bill_id: int) -> ResponseReturnValue:
    compare = _compare_range(request.args.get("compare"))
    if compare is None and request.args.get("from") and request.args.get("to"):
        # The compare form without scripts sends the two versions apart.
        compare = _compare_range(f"{request.args['from']}..{request.args['to']}")
    compare_note = None
    if compare is not None and compare[0] == compare[1]:
        # The compare form lets a reader pick one version twice: said on the page, not a page of error.
        compare_note = _("Version %(version)s is the same text as itself: choose two different versions to compare.",
                         version=compare[0])
        compare = None
    eid = request.args.get("eid") or None
    with database().read() as session:
        bill = bills.get_bill(session, bill_id)
        versions = bills.versions(session, bill_id)
        expression = _selected_version(session, bill)
        document = rendered(session, expression.document_sha256)
        redline: dict[str, Any] | None = None
        rearranged: list[dict[str, str]] = []
        if compare is not None:
            redline = publication.compare(session, bill_id, compare[0], compare[1])
            compared = rendered(session, publication.version_of(session, bill_id, compare[1]).document_sha256)
            redline["html"] = mark_provisions(redline["html"], compared.known)
            earlier = rendered(session, publication.version_of(session, bill_id, compare[0]).document_sha256)
            rearranged = _rearranged(redline, earlier, compared)
        summary = document.summary(eid) if eid else None
        if eid and summary is None:
            raise NotFound(_("Version %(version)s of this bill has no provision %(eid)s.",
                             version=expression.version, eid=eid))
        # Every window, for the clerks' form, which lists them (a new one may not overlap any).
        every_consultation = _consultations(session, bill_id)
        consultation = _consultation_state(every_consultation)
    canonical = request.url_root.rstrip("/") + url_for("reader_pages.reader", bill_id=bill_id)
    if summary is not None:
        preview = provision_preview(bill, summary, f"{canonical}?eid={summary.eid}")
    else:
        preview = bill_preview(bill, expression, document, canonical)
    first_chunk = document.chunk_of(eid) if eid else 0
    return page(
        "reader.html",
        bill=bill,
        versions=versions,
        expression=expression,
        is_current=expression.version == bill.current_version,
        document=document,
        front=document.front_html(),
        first_chunk=first_chunk,
        chunk_html=document.chunk_html(0) if first_chunk == 0 else document.chunk_html(first_chunk),
        redline=redline,
        rearranged=rearranged,
        compare=compare,
        compare_note=compare_note,
        preview=preview,
        target_eid=eid,
        consultation=consultation,
        consultations=every_consultation,
    )


@reader_pages.get("/bills/<int:bill_id>/chunks/<int:index>")
def chunk(bill_id: int, index: int) -> Response:
    """One chunk of a long bill's rendered text, fetched by the reader as it scrolls."""
    with database().read() as session:
        bill = bills.get_bill(session, bill_id)
        expression = _selected_version(session, bill)
        document = rendered(session, expression.document_sha256)
    if index >= document.chunk_count:
        raise NotFound(_("Version %(version)s has no part %(index)s.", version=expression.version, index=index))
    response = Response(document.chunk_html(index), mimetype="text/html")
    if request.args.get("version"):
        # A published version never changes: the browser may keep its chunks as long as it likes.
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    else:
        # Without a version the chunk is the current version's, which the next publication replaces.
        response.headers["Cache-Control"] = "no-cache"
    return response


@reader_pages.get("/bills/<int:bill_id>/provisions/<eid>")
def provision(bill_id: int, eid: str) -> ResponseReturnValue:
    """A shareable page for one provision of the current version."""
    with database().read() as session:
        bill = bills.get_bill(session, bill_id)
        expression = _selected_version(session, bill)
        document = rendered(session, expression.document_sha256)
        summary = document.summary(eid)
        if summary is None:
            raise NotFound(_("Version %(version)s of this bill has no provision %(eid)s.",
                             version=expression.version, eid=eid))
        element_html = document.provision_html(eid)
    url = request.url_root.rstrip("/") + url_for("reader_pages.provision", bill_id=bill_id, eid=eid)
    return page(
        "provision.html",
        bill=bill,
        expression=expression,
        summary=summary,
        provision_html=element_html,
        preview=provision_preview(bill, summary, url),
        principal=current_principal(),
        is_current=expression.version == bill.current_version,
    )

