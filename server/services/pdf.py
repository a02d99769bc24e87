"""Print-ready PDF manifestations: a bill's expression and its marshalled list of amendments, laid out by WeasyPrint.

The HTML comes from ``akn.render`` and the print templates in ``frontend/templates/pdf/``; the page layout
(A4, running header with the expression URI, page numbers, numbered provision text) is their CSS. Nothing is
fetched while laying out: stored documents are untrusted input, and a reference to an image or stylesheet
must not make the server open a URL or read a local file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import weasyprint
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from akn.document import AknDocument
from akn.render import render
from server.services.amendments import marshalled_groups
from server.services.bills import get_bill
from server.store.models import Expression, User

__all__ = ["PDF_MEDIA_TYPE", "MarshalledEntry", "bill_pdf", "marshalled_pdf"]

PDF_MEDIA_TYPE = "application/pdf"
TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates" / "pdf"


@dataclass(frozen=True)
class MarshalledEntry:
    """One amendment as printed on the marshalled list."""

    number: str
    proposer: str
    citation: str
    instruction: str
    justification: str
    state: str


@cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"PDF rendering fetches no resources; refused {url}")


def _to_pdf(html: str) -> bytes:
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None  # write_pdf returns the bytes when no target is given
    return bytes(pdf)


def bill_pdf(document: AknDocument, expression: Expression) -> bytes:
    """The expression's text as an A4 PDF: title header, running URI header, page and provision line numbers."""
    html = _templates().get_template("bill.html").render(
        title=document.title,
        doctype=document.doctype.capitalize(),
        language=expression.language,
        version=expression.version,
        expression_date=expression.expression_date,
        expression_uri=expression.expression_uri,
        sha256=expression.document_sha256,
        # render() escapes the document's text and drops unsafe links; it is the same HTML the reader serves.
        body=Markup(render(document.root)),  # noqa: S704
    )
    return _to_pdf(html)


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
