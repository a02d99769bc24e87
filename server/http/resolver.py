"""The ``/akn/<FRBR URI>`` resolver: AKN XML, rendered HTML or a PDF for Work, Expression and Manifestation URIs.

Besides the URIs Parley stores, the forms of the naming convention (AKN-NC 1.0, 4.6 and 4.8.4) that name one of
them without spelling it: ``.../eng@`` (the original expression in that language), ``.../eng`` (the latest one),
and a portion ``/~<eId>`` (or ``/!main~<eId>``) after any of these, after a dated expression or after the Work.
Each is served where it is asked for, as the Work URI is, with ``Content-Location`` naming the dated expression.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date

from flask import Blueprint, Response, make_response, render_template, request
from flask.typing import ResponseReturnValue
from lxml import etree
from sqlalchemy.orm import Session
from werkzeug.urls import iri_to_uri

from akn import AknDocument, FrbrUri, InvalidFrbrUriError, ProvisionNotFoundError
from akn.portion import portion_document, portion_element
from akn.render import render, toc
from server.domain.wording import wording
from server.errors import BadRequest, NotFound, ParleyError
from server.http.context import current_principal, database
from server.http.expression_html import expression_html
from server.http.pages_common import page_error
from server.services import pdf as pdf_service
from server.services.bills import load_document, versions
from server.services.pdf import PDF_MEDIA_TYPE, BillPdfJob
from server.services.publication import (
    MANIFESTATION_FORMATS,
    ResolvedUri,
    expression_bytes,
    former_portion,
    resolve,
    split_manifestation,
)
from server.store.models import Expression

resolver = Blueprint("resolver", __name__)

AKN_MEDIA_TYPE = "application/akn+xml"
# A date as the naming convention writes it, at the start of a work date or an expression's version part.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_FORMATS_SERVED = ", ".join(f".{extension}" for extension in MANIFESTATION_FORMATS)


@dataclass(frozen=True)
class _Target:
    """What a URI names: a published expression, or one provision (``portion``) of it."""

    resolved: ResolvedUri
    portion: str | None
    # The URI names this expression and no other, ever (a dated or original expression); a Work URI or a
    # language alone follows the latest version.
    pinned: bool
    # The expression's own URI when the URI asked for named it some other way (Content-Location), else None.
    location: str | None


def _laid_out_pdf(job: BillPdfJob) -> bytes:
    # Laying a long bill out takes seconds: no transaction is open meanwhile, and this process does it once per
    # PDF; a request that waited here finds the PDF kept.
    with pdf_service.rendering(job.key):
        with database().read() as session:
            kept = pdf_service.kept_pdf(session, job.key)
        if kept is not None:
            return kept
        laid_out = pdf_service.render_bill_pdf(job.html)
        with database().write() as session:
            return pdf_service.keep_pdf(session, job.key, laid_out)


def _negotiated_format(portion: bool = False) -> str:
    # Only whole expressions have PDFs: a portion asked for as PDF gets its XML, as any other client.
    offered = [AKN_MEDIA_TYPE, "application/xml", "text/html", *([] if portion else ["application/pdf"])]
    best = request.accept_mimetypes.best_match(offered)
    return {"text/html": "html", "application/pdf": "pdf"}.get(best or "", "xml")


def _target(session: Session, uri: str) -> _Target:
    try:
        resolved = resolve(session, uri)
    except NotFound as unknown:
        return _convention_target(session, uri, unknown)
    # A URI Parley stores (or one of its manifestations) answers exactly as it always has.
    names_expression = split_manifestation(uri)[0] == resolved.expression.expression_uri
    return _Target(resolved, None, names_expression,
                   None if names_expression else resolved.expression.expression_uri)


def _convention_target(session: Session, uri: str, unknown: NotFound) -> _Target:
    """The naming convention's forms that no stored URI spells; ``unknown`` when the URI uses none of them."""
    try:
        frbr = FrbrUri.parse(uri)
    except InvalidFrbrUriError as malformed:
        raise BadRequest(malformed.message) from None
    _refuse_unreadable(frbr, uri)
    original = frbr.expression_date == ""
    latest = frbr.language is not None and frbr.expression_date is None
    if frbr.format is not None and frbr.format not in MANIFESTATION_FORMATS:
        raise NotFound(wording("expected one of the formats %(formats)s, found .%(format)s in %(uri)s",
                               formats=_FORMATS_SERVED, format=frbr.format, uri=uri))
    if frbr.component not in (None, "main"):
        _refuse_component(session, frbr)
    if not (original or latest or frbr.portion) or frbr.version_separator != "@":
        # `:` names a virtual expression, which Parley does not resolve.
        raise unknown
    fmt = MANIFESTATION_FORMATS[frbr.format] if frbr.format else None
    if frbr.expression_date:
        # A dated expression with a portion: the expression is found as it always was.
        resolved = resolve(session, frbr.expression_uri)
        return _Target(ResolvedUri(resolved.bill, resolved.expression, fmt), frbr.portion, True, None)
    work = resolve(session, frbr.work_uri)
    expression = work.expression
    if frbr.language is not None:
        expression = _in_language(session, work, frbr.language, original)
    return _Target(ResolvedUri(work.bill, expression, fmt), frbr.portion, original, expression.expression_uri)


def _refuse_unreadable(frbr: FrbrUri, uri: str) -> None:
    """A URI whose dates no calendar has, or with two formats, names nothing anyone could publish: 400, as any URI
    the naming convention cannot read, rather than a 404 that says the work does not exist (yet)."""
    for written in (frbr.date, frbr.expression_date or ""):
        if _DATE.match(written):
            try:
                date.fromisoformat(written[:10])
            except ValueError:
                raise BadRequest(wording("expected a real date in %(uri)s, found %(date)s", uri=uri,
                                         date=written[:10])) from None
    _, dot, suffix = (frbr.expression_date or "").rpartition(".")
    if frbr.format is not None and dot and suffix in MANIFESTATION_FORMATS:
        raise BadRequest(wording("expected one format at the end of %(uri)s, found .%(first)s.%(second)s",
                                 uri=uri, first=suffix, second=frbr.format))


def _refuse_component(session: Session, frbr: FrbrUri) -> None:
    """Say that the component is missing when what it is a component of exists, else what is missing before it."""
    whole = replace(frbr, component=None, portion=None, format=None)
    found = _target(session, whole.expression_uri if whole.language is not None else whole.work_uri)
    raise NotFound(wording("the expression %(uri)s has no component %(component)s; it has only its main document, "
                           "!main", uri=found.resolved.expression.expression_uri, component=frbr.component))


def _in_language(session: Session, work: ResolvedUri, language: str, original: bool) -> Expression:
    """The first (``original``) or the latest published expression of the work in ``language``."""
    expressions = [e for e in versions(session, work.bill.id) if e.language == language]
    if not expressions:
        raise NotFound(wording("the work %(uri)s has no published expression in the language %(language)s",
                               uri=work.bill.work_uri, language=language))
    return expressions[0] if original else expressions[-1]


def _asks_for_html(uri: str) -> bool:
    fmt = split_manifestation(uri)[1]
    return fmt == "html" or (fmt is None and _negotiated_format() == "html")


@resolver.after_request
def _varies_by_accept(response: Response) -> Response:
    # Refusals too: the same address answers a browser with a page and a program with JSON.
    response.vary.add("Accept")
    return response


@resolver.get("/akn/<path:uri>")
def resolve_uri(uri: str) -> ResponseReturnValue:
    try:
        return _answer("/akn/" + uri)
    except ParleyError as refused:
        if not _asks_for_html("/akn/" + uri):
            raise
        # A person followed a link or typed an address in a browser: a page in their language, not JSON.
        return make_response(page_error(refused))


def _no_portion(document: AknDocument, uri: str, eid: str) -> str:
    """Why the expression has no portion ``eid``: no provision has it, or it names a component (a schedule, a
    collection's document), which the provision tree lists but a `<portion>` cannot hold (its body holds one
    provision; a component is a document of its own)."""
    if eid in document.eids():
        return wording("%(eid)s is a component of the expression %(uri)s, a document of its own that a portion cannot "
                       "hold; each of its provisions is a portion (%(uri)s/~<eId>)", eid=eid, uri=uri)
    return wording("the expression %(uri)s has no provision %(eid)s", uri=uri, eid=eid)


def _moved_portion(session: Session, uri: str, expression: Expression, document: AknDocument,
                   eid: str) -> Response | None:
    """A URI that follows the latest version, naming a provision by an eId an earlier version gave it (as imported,
    before Parley named eIds after the naming convention): a redirect to the same provision as the latest version
    names it (302: the latest version, and so where the URI leads, changes with each version), or a 404 saying
    which version last had it. None when no earlier version had the eId."""
    if eid in document.eids():
        return None  # a component of this version, refused as such
    former = former_portion(session, expression, document, eid)
    if former is None:
        return None
    asked = FrbrUri.parse(uri)
    if former.eid is None:
        raise NotFound(wording("the latest version of %(work)s no longer has the provision %(eid)s; the last version "
                               "to have it is %(uri)s", work=asked.work_uri, eid=eid, uri=former.last.expression_uri))
    return Response(status=302, headers={"Location": iri_to_uri(str(replace(asked, portion=former.eid)))})


def _answer(uri: str) -> Response:
    job: BillPdfJob | None = None
    with database().read() as session:
        target = _target(session, uri)
        resolved = target.resolved
        fmt = resolved.format or _negotiated_format(portion=target.portion is not None)
        etag = resolved.expression.document_sha256
        document: AknDocument | None = None
        element: etree._Element | None = None  # the provision a portion URI names
        if target.portion is not None:
            if fmt == "pdf":
                asked = resolved.expression.expression_uri + "/~" + target.portion
                raise NotFound(wording("expected .xml, .akn or .html for the portion %(uri)s, found .pdf", uri=asked))
            document = load_document(session, resolved.expression.document_sha256)
            try:
                element = portion_element(document, target.portion)
            except ProvisionNotFoundError:
                moved = None if target.pinned else _moved_portion(session, uri, resolved.expression, document,
                                                                   target.portion)
                if moved is not None:
                    return moved
                raise NotFound(_no_portion(document, resolved.expression.expression_uri, target.portion)) from None
            # Each provision is its own representation: an eId may hold any character, its digest none to quote.
            etag = f"{etag}~{hashlib.sha256(target.portion.encode()).hexdigest()[:16]}"
        if fmt == "pdf":
            # A PDF depends on its layout too: a new template or renderer makes a new representation, which a
            # client holding the old one must get rather than a 304.
            etag = f"{etag}-{pdf_service.layout_version()}"
        elif fmt == "html":
            # The same URI negotiates XML or HTML: each representation has its own validator.
            etag = f"{etag}-html"
        # An expression never changes once published, so its publication time is its last modification.
        modified = resolved.expression.published_at.replace(tzinfo=UTC, microsecond=0)
        since = request.if_modified_since
        # A work URI follows the latest version, and Last-Modified counts whole seconds: a version published in
        # the same second as the one a client holds must not be answered 304 on the date alone.
        unchanged_since = since is not None and (modified <= since if target.pinned else modified < since)
        if request.if_none_match.contains_weak(etag) or (not request.if_none_match and unchanged_since):
            not_modified = Response(status=304, headers={"ETag": f'"{etag}"', "Vary": "Accept"})
            not_modified.last_modified = modified
            return not_modified
        if fmt == "xml":
            if document is not None and target.portion is not None:
                content = portion_document(document, target.portion).to_bytes()
            else:
                content = expression_bytes(session, resolved.expression)
            response = Response(content, mimetype=AKN_MEDIA_TYPE)
        elif fmt == "pdf":
            kept = pdf_service.kept_pdf(session, pdf_service.pdf_key(resolved.expression))
            if kept is None:
                job = pdf_service.bill_pdf_job(session, resolved.expression)
            response = Response(kept or b"", mimetype=PDF_MEDIA_TYPE)
        else:
            if element is not None:
                body, contents = render(element), toc(element)
            else:
                whole = expression_html(session, resolved.expression.document_sha256)
                body, contents = whole.body, whole.contents
            html = render_template(
                "document.html",
                bill=resolved.bill,
                expression=resolved.expression,
                body=body,
                contents=contents,
                principal=current_principal(),
            )
            response = Response(html, mimetype="text/html")
    if job is not None:
        response.set_data(_laid_out_pdf(job))
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Vary"] = "Accept"
    if target.location is not None:
        portion = f"/~{target.portion}" if target.portion is not None else ""
        response.headers["Content-Location"] = iri_to_uri(f"{target.location}{portion}.{fmt}")
    return response
