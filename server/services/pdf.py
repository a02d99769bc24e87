"""Print-ready PDF manifestations: a bill's expression and its marshalled list of amendments, laid out by WeasyPrint.

The HTML comes from ``akn.render`` and the print templates in ``frontend/templates/pdf/``; the page layout
(A4, running header with the expression URI, page numbers) is their CSS, and every printed line of a bill's body
is numbered after layout (``server.services.line_numbers``). Nothing is fetched while laying out: stored
documents are untrusted input, and a reference to an image or stylesheet must not make the server open a URL or
read a local file.

Laying out a long bill takes seconds, and a published expression never changes, so a bill's PDF is laid out once
and kept (``server.store.pdf_models``), keyed by the expression's URI, the SHA-256 of its AKN and
:func:`layout_version`, which changes whenever anything that shapes the PDF does. Only published expressions have
PDFs; the working text has none, so no kept PDF can fall behind it.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import weasyprint
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from weasyprint.urls import URLFetcher, URLFetchingError

import akn.render
from akn.document import AknDocument
from akn.render import render
from server import evented
from server.services import line_numbers
from server.services.amendments import marshalled_groups
from server.services.bills import get_bill, load_document
from server.store.models import Expression, User
from server.store.pdf_models import PdfManifestation

__all__ = [
    "PDF_MEDIA_TYPE",
    "BillPdfJob",
    "MarshalledEntry",
    "PdfKey",
    "RenderCounter",
    "bill_pdf",
    "bill_pdf_job",
    "bill_renders",
    "keep_pdf",
    "kept_pdf",
    "layout_version",
    "marshalled_pdf",
    "pdf_key",
    "render_bill_pdf",
    "rendering",
]

PDF_MEDIA_TYPE = "application/pdf"
TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates" / "pdf"
# The margin column holds this many numbers a page. A page's printed area (251 mm) holds at most 47 lines of body
# text (10.5 pt at 1.45 line height), so the column is never short; if it were, laying out fails loudly.
NUMBERS_PER_PAGE = 80


class RenderCounter:
    """How many times a PDF was laid out by this process (kept PDFs are not), for operators and tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    @property
    def value(self) -> int:
        return self._value

    def add(self) -> None:
        with self._lock:
            self._value += 1


bill_renders = RenderCounter()


@dataclass(frozen=True)
class PdfKey:
    """What a bill's PDF is a function of: the expression, its exact text, and the layout."""

    expression_uri: str
    document_sha256: str
    layout_version: str


@dataclass(frozen=True)
class BillPdfJob:
    """A bill's PDF, ready to lay out without the database."""

    key: PdfKey
    html: str


@dataclass(frozen=True)
class MarshalledEntry:
    """One amendment as printed on the marshalled list."""

    number: str
    proposer: str
    citation: str
    instruction: str
    justification: str
    state: str


@dataclass(frozen=True)
class _Layout:
    templates: Environment
    version: str


@cache
def _layout(folder: Path) -> _Layout:
    # Not reloaded when the files change: the templates in use must stay the ones the version was taken of.
    templates = Environment(
        loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    digest = hashlib.sha256()
    # Everything that shapes a bill's PDF besides its expression: the template, the HTML renderer, the line
    # numbering and this module, and the layout engine. A change to any of them lays kept PDFs out anew.
    digest.update((folder / "bill.html").read_bytes())
    for module in (akn.render, line_numbers, sys.modules[__name__]):
        digest.update(inspect.getsource(module).encode())
    digest.update(weasyprint.__version__.encode())
    return _Layout(templates, digest.hexdigest()[:32])


def _templates() -> Environment:
    return _layout(TEMPLATES).templates


def layout_version() -> str:
    """The version of everything that shapes a bill's PDF besides the expression itself."""
    return _layout(TEMPLATES).version


class _NoFetching(URLFetcher):  # type: ignore[misc]
    """Fetches nothing: a bill's text may name any address (an image, a stylesheet), and laying out a PDF must
    neither reach the network or the disk nor wait on them. What cannot be fetched is left out of the page."""

    def fetch(self, url: str, headers: Any = None) -> NoReturn:
        raise URLFetchingError(f"PDF rendering fetches no resources; refused {url}")


def _html(html: str) -> weasyprint.HTML:
    # An instance of WeasyPrint's own fetcher class: its error path reads the fetcher's settings, which a plain
    # function lacks (every PDF of a text holding an image failed with an AttributeError).
    return weasyprint.HTML(string=html, url_fetcher=_NoFetching())


def _write_pdf(html: str) -> bytes:
    pdf = _html(html).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when no target is given
    return bytes(pdf)


def _to_pdf(html: str) -> bytes:
    # Laying out holds the CPU for up to seconds: off the event loop, so that sockets keep flowing meanwhile.
    return evented.offload(_write_pdf, html)


def _bill_html(document: AknDocument, expression: Expression) -> str:
    return _templates().get_template("bill.html").render(
        title=document.title,
        doctype=document.doctype.capitalize(),
        language=expression.language,
        version=expression.version,
        expression_date=expression.expression_date,
        expression_uri=expression.expression_uri,
        sha256=expression.document_sha256,
        # CSS string content: the numbers 1..N, one a line.
        line_numbers="\\A ".join(str(n) for n in range(1, NUMBERS_PER_PAGE + 1)),
        # render() escapes the document's text and drops unsafe links; it is the same HTML the reader serves.
        body=Markup(render(document.root)),  # noqa: S704
    )


def _lay_out_bill(html: str) -> bytes:
    laid_out = _html(html).render()
    line_numbers.number_printed_lines(laid_out)
    pdf = laid_out.write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when no target is given
    return bytes(pdf)


def render_bill_pdf(html: str) -> bytes:
    """Lay a bill's HTML out as a PDF with every printed line of its body numbered (needs no database)."""
    # A long bill takes seconds to minutes: off the event loop, so that every socket keeps flowing meanwhile.
    pdf = evented.offload(_lay_out_bill, html)
    bill_renders.add()
    return pdf


def bill_pdf(document: AknDocument, expression: Expression) -> bytes:
    """The expression's text as an A4 PDF: title header, running URI header, page and line numbers."""
    return render_bill_pdf(_bill_html(document, expression))


def pdf_key(expression: Expression) -> PdfKey:
    """The key of the expression's PDF under the current layout."""
    return PdfKey(expression.expression_uri, expression.document_sha256, layout_version())


def kept_pdf(session: Session, key: PdfKey) -> bytes | None:
    """The PDF kept under ``key``, if it was laid out before."""
    return session.scalar(
        select(PdfManifestation.content).where(
            PdfManifestation.expression_uri == key.expression_uri,
            PdfManifestation.document_sha256 == key.document_sha256,
            PdfManifestation.layout_version == key.layout_version,
        )
    )


def bill_pdf_job(session: Session, expression: Expression) -> BillPdfJob:
    """What laying out the expression's PDF needs, read now so the layout can run outside any transaction."""
    document = load_document(session, expression.document_sha256)
    return BillPdfJob(pdf_key(expression), _bill_html(document, expression))


def keep_pdf(session: Session, key: PdfKey, pdf: bytes) -> bytes:
    """Keep a freshly laid-out PDF unless another request kept one first; returns the kept bytes.

    Concurrent first requests may each lay the PDF out; the unique key lets exactly one row in, and every
    request answers with that row's bytes, so all clients see the same file. PDFs of the same expression laid
    out by an older layout are dropped: no request will ask for them again.
    """
    values = {
        "expression_uri": key.expression_uri,
        "document_sha256": key.document_sha256,
        "layout_version": key.layout_version,
        "content": pdf,
        "rendered_at": datetime.now(UTC).replace(tzinfo=None),
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(PdfManifestation).values(**values).on_conflict_do_nothing())
    session.execute(
        delete(PdfManifestation).where(
            PdfManifestation.expression_uri == key.expression_uri,
            (PdfManifestation.document_sha256 != key.document_sha256)
            | (PdfManifestation.layout_version != key.layout_version),
        )
    )
    kept = kept_pdf(session, key)
    assert kept is not None  # inserted above, or by the request that won
    return bytes(kept)


@dataclass
class _Flight:
    lock: threading.Lock = field(default_factory=threading.Lock)
    holders: int = 0


_flights_lock = threading.Lock()
_flights: dict[PdfKey, _Flight] = {}


@contextmanager
def rendering(key: PdfKey) -> Iterator[None]:
    """Hold while checking for, laying out and keeping one PDF, so this process lays each PDF out once.

    Other requests for the same PDF wait here and then find it kept; requests for other PDFs are not held up.
    """
    with _flights_lock:
        flight = _flights.setdefault(key, _Flight())
        flight.holders += 1
    try:
        with flight.lock:
            yield
    finally:
        with _flights_lock:
            flight.holders -= 1
            if flight.holders == 0:
                del _flights[key]


def _proposers(session: Session, user_ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(user_ids)))
    return {user_id: display_name or username for user_id, display_name, username in rows}


def marshalled_pdf(session: Session, bill_id: int) -> bytes:
    """The bill's marshalled list (tabled and admissible amendments, conflicting ones grouped) as an A4 PDF."""
    bill = get_bill(session, bill_id)
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == bill.current_version)
    )
    groups = marshalled_groups(session, bill_id)
    names = _proposers(session, {a.proposer_id for group in groups for a in group})
    entries = [
        [
            MarshalledEntry(
                # Numbers are given on tabling, so every marshalled amendment has one; a gap shows as a dash.
                number=str(a.number) if a.number is not None else "-",
                proposer=names.get(a.proposer_id, f"member {a.proposer_id}"),
                citation=a.citation or "",
                instruction=a.instruction,
                justification=a.justification or "",
                state=a.state,
            )
            for a in group
        ]
        for group in groups
    ]
    html = _templates().get_template("marshalled.html").render(
        title=bill.title,
        expression_uri=expression.expression_uri if expression is not None else bill.work_uri,
        groups=entries,
    )
    return _to_pdf(html)
