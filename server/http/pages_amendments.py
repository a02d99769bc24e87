"""Amendments in the browser: the MPs' composer, the list, the marshalled list and the clerk's decisions; one
amendment's page, with who proposed and co-sponsored it and how the House voted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import Provision
from server.domain.amendments import OPEN_STATES, AmendmentState
from server.domain.roles import Role
from server.errors import ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error
from server.http.pages_document import markup_label, rendered, untitled_label
from server.http.pages_reader import SharePreview
from server.services import amendment_privacy, amendments, bills, publication
from server.services.principal import Principal
from server.store.models import Bill, Expression, User

amendment_pages = Blueprint("amendment_pages", __name__)
amendment_pages.register_error_handler(ParleyError, page_error)


@amendment_pages.app_template_global()
def amendment_name(amendment: Mapping[str, Any]) -> str:
    """How pages name an amendment: by its order-paper number once tabled. Before that it has none, and its id
    would read as another amendment's number ("Amendment 4" for draft 4 beside the tabled Amendment 4)."""
    if amendment["number"] is not None:
        return str(_("Amendment %(number)s", number=amendment["number"]))
    return str(_("Draft amendment to %(citation)s", citation=amendment["citation"]))


def member_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The names members go by on the pages, by user id."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
    return {row.id: row.display_name or row.username for row in rows}


def cosponsoring(principal: Principal | None, amendment: Mapping[str, Any]) -> str | None:
    """What the page offers ``principal`` about co-sponsoring: "done" when their name already stands on the
    amendment as a co-sponsor, "offered" when they may add it (as ``amendments.add_cosponsor`` allows: a member of
    parliament other than its proposer, while the amendment is still open), else None."""
    if principal is None or principal.role is not Role.MP or principal.user_id == amendment["proposer_id"]:
        return None
    if principal.user_id in amendment["cosponsor_ids"]:
        return "done"
    return "offered" if AmendmentState(amendment["state"]) in OPEN_STATES else None


def defeater(session: Session, amendment: Mapping[str, Any]) -> dict[str, Any] | None:
    """The adopted amendment that defeated ``amendment``, as :func:`amendment_name` names it, or None. The API gives
    only its id, which is not the number the order paper and the House know it by."""
    if amendment["defeated_by"] is None:
        return None
    adopted = amendments.get_amendment(session, amendment["defeated_by"])
    return {"id": adopted.id, "number": adopted.number, "citation": adopted.citation}


def flatten(provisions: list[Provision], depth: int = 0, within: str = "") -> list[dict[str, Any]]:
    """Every provision a member may amend, in reading order, with its text as published.

    A subdivision's label names its provision too ("1. Short title — (2)"), so the choice is never ambiguous.
    """
    rows: list[dict[str, Any]] = []
    for provision in provisions:
        # Notes beside a num or heading are not part of it; a provision with neither is named by its opening words.
        titled = (markup_label(provision.num, "num"), markup_label(provision.heading, "heading"))
        unit = provision.unit or provision.name
        own = " ".join(part for part in titled if part) or untitled_label(markup_label(provision.text, "p"), unit)
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
    """One amendment: its instruction, what became of it (the reason it was ruled out, the adopted amendment that
    defeated it, the version it was consolidated in), its proposer and co-sponsors, the votes once recorded, the
    offer to co-sponsor it, and link-preview metadata showing its instruction."""
    principal = current_principal()
    with database().read() as session:
        readable = amendment_privacy.readable(session, principal, amendment_id)
        amendment = amendments.describe(session, readable, principal)
        bill = bills.get_bill(session, amendment["bill_id"])
        names = member_names(session, [amendment["proposer_id"], *amendment["cosponsor_ids"]])
        defeated_by = defeater(session, amendment)
    url = request.url_root.rstrip("/") + url_for("amendment_pages.amendment_page", amendment_id=amendment_id)
    preview = SharePreview(f"{bill.title} — {amendment_name(amendment)}", amendment["instruction"] or "", url)
    return page("amendment.html", bill=bill, amendment=amendment, preview=preview, principal=principal,
                names=names, cosponsoring=cosponsoring(principal, amendment), defeated_by=defeated_by)
