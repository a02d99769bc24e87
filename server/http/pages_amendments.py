"""Amendments in the browser: the MPs' composer, the list, the marshalled list and the clerk's decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from akn import Provision
from server.errors import ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error
from server.http.pages_document import rendered
from server.http.pages_reader import SharePreview
from server.services import amendments, bills, publication
from server.store.models import Bill, Expression

amendment_pages = Blueprint("amendment_pages", __name__)
amendment_pages.register_error_handler(ParleyError, page_error)


def flatten(provisions: list[Provision], depth: int = 0, within: str = "") -> list[dict[str, Any]]:
    """Every provision a member may amend, in reading order, with its text as published.

    A subdivision's label names its provision too ("1. Short title — (2)"), so the choice is never ambiguous.
    """
    rows: list[dict[str, Any]] = []
    for provision in provisions:
        own = " ".join(part for part in (provision.num, provision.heading) if part) or provision.eid or ""
        label = f"{within} — {own}" if within and provision.name not in {"part", "chapter", "title"} else own
        # `wid` survives renumbering: the composer follows the provision it was on into a new version by it.
        rows.append({"eid": provision.eid, "wid": provision.wid, "label": label, "depth": depth,
                     "text": provision.text, "name": provision.name})
        is_container = provision.name in {"part", "chapter", "title", "division", "book"}
        rows.extend(flatten(provision.children, depth + 1, "" if is_container else label))
    return rows


def amendable(session: Session, bill_id: int) -> tuple[Bill, Expression, list[dict[str, Any]]]:
    """The bill, the version amendments are made to (its latest) and that version's amendable provisions."""
    bill = bills.get_bill(session, bill_id)
    expression = publication.version_of(session, bill_id, bill.current_version)
    document = rendered(session, expression.document_sha256).document
    return bill, expression, [row for row in flatten(document.provisions()) if row["eid"]]


@amendment_pages.get("/bills/<int:bill_id>/amendments")
def amendment_board(bill_id: int) -> ResponseReturnValue:
    with database().read() as session:
        bill, expression, provisions = amendable(session, bill_id)
        window_open = amendments.window_is_open(session, bill_id)
    return page("amendments.html", bill=bill, expression=expression, provisions=provisions,
                window_open=window_open, chosen=request.args.get("eid") or "")


@amendment_pages.get("/bills/<int:bill_id>/amendments/base")
def amendment_base(bill_id: int) -> ResponseReturnValue:
    """What the board was rendered with, as JSON: the page refreshes its composer when a new version is
    published (consolidation renumbers, inserts and leaves out provisions, so the whole list is sent)."""
    with database().read() as session:
        _bill, expression, provisions = amendable(session, bill_id)
    response = jsonify({"version": expression.version, "provisions": provisions})
    # Asked for just after a version is published: a cached answer would bring the old text back.
    response.headers["Cache-Control"] = "no-store"
    return response


@amendment_pages.get("/amendments/<int:amendment_id>")
def amendment_page(amendment_id: int) -> ResponseReturnValue:
    """One amendment, with link-preview metadata showing its instruction."""
    with database().read() as session:
        amendment = amendments.describe(session, amendments.get_amendment(session, amendment_id))
        bill = bills.get_bill(session, amendment["bill_id"])
    url = request.url_root.rstrip("/") + url_for("amendment_pages.amendment_page", amendment_id=amendment_id)
    number = amendment["number"] or amendment["id"]
    preview = SharePreview(f"{bill.title} — {_('Amendment %(number)s', number=number)}", amendment["instruction"] or "",
                           url)
    return page("amendment.html", bill=bill, amendment=amendment, preview=preview,
                principal=current_principal())
