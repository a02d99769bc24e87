"""The ``/akn/<FRBR URI>`` resolver: AKN XML, rendered HTML or a PDF for Work, Expression and Manifestation URIs."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, Response, render_template, request

from akn.render import render, toc
from server.http.context import current_principal, database
from server.services import pdf as pdf_service
from server.services.bills import load_document
from server.services.pdf import PDF_MEDIA_TYPE, BillPdfJob
from server.services.publication import expression_bytes, resolve, split_manifestation

resolver = Blueprint("resolver", __name__)

AKN_MEDIA_TYPE = "application/akn+xml"


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


def _negotiated_format() -> str:
    best = request.accept_mimetypes.best_match([AKN_MEDIA_TYPE, "application/xml", "text/html"])
    return "html" if best == "text/html" else "xml"


@resolver.get("/akn/<path:uri>")
def resolve_uri(uri: str) -> Response:
    job: BillPdfJob | None = None
    with database().read() as session:
        resolved = resolve(session, "/akn/" + uri)
        fmt = resolved.format or _negotiated_format()
        content = expression_bytes(session, resolved.expression)
        etag = resolved.expression.document_sha256
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
        names_expression = split_manifestation("/akn/" + uri)[0] == resolved.expression.expression_uri
        unchanged_since = since is not None and (modified <= since if names_expression else modified < since)
        if request.if_none_match.contains_weak(etag) or (not request.if_none_match and unchanged_since):
            not_modified = Response(status=304, headers={"ETag": f'"{etag}"', "Vary": "Accept"})
            not_modified.last_modified = modified
            return not_modified
        if fmt == "xml":
            response = Response(content, mimetype=AKN_MEDIA_TYPE)
        elif fmt == "pdf":
            kept = pdf_service.kept_pdf(session, pdf_service.pdf_key(resolved.expression))
            if kept is None:
                job = pdf_service.bill_pdf_job(session, resolved.expression)
            response = Response(kept or b"", mimetype=PDF_MEDIA_TYPE)
        else:
            document = load_document(session, resolved.expression.document_sha256)
            html = render_template(
                "document.html",
                bill=resolved.bill,
                expression=resolved.expression,
                body=render(document.root),
                contents=toc(document.root),
                principal=current_principal(),
            )
            response = Response(html, mimetype="text/html")
    if job is not None:
        response.set_data(_laid_out_pdf(job))
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Vary"] = "Accept"
    return response
