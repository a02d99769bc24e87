"""The amendments API (see ``docs/api-amendments.md``): parse, authorize via the services, reply."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue

from server.domain.amendments import AmendmentAction
from server.domain.instructions import StyleName
from server.domain.wording import wording
from server.errors import BadRequest, ParleyError
from server.http.context import current_principal, database, int_arg, json_body, page_reply, page_request, str_arg
from server.http.i18n import localized
from server.http.pages_common import page_error
from server.services import amendment_privacy, amendments
from server.services.amendments import amendment_document, amendment_list_document, marshalled_list
from server.services.pdf import PDF_MEDIA_TYPE, marshalled_pdf

amendments_api = Blueprint("amendments_api", __name__)

AKN_MEDIA_TYPE = "application/akn+xml"


def _string(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequest(wording("send %(key)r as a string", key=key))
        return None
    if not isinstance(value, str):
        raise BadRequest(wording("%(key)r must be a string; found %(type)s", key=key, type=type(value).__name__))
    return value


def _proposal(body: dict[str, Any]) -> amendments.Proposal:
    try:
        action = AmendmentAction(body.get("action") or AmendmentAction.TEXT.value)
    except ValueError:
        raise BadRequest(wording("'action' must be 'text' (the default), 'insert_after' or 'delete'")) from None
    try:
        style = StyleName(body.get("style") or StyleName.WESTMINSTER.value)
    except ValueError:
        raise BadRequest(wording("'style' must be 'westminster' (the default) or 'eu'")) from None
    text = _string(body, "text", required=action is not AmendmentAction.DELETE) or ""
    return amendments.Proposal(
        eid=_string(body, "eid", required=True) or "",
        action=action,
        text=text,
        justification=_string(body, "justification") or "",
        name=_string(body, "name"),
        num=_string(body, "num"),
        heading=_string(body, "heading"),
        style=style,
    )


def _localized(amendment: dict[str, Any]) -> dict[str, Any]:
    """Why an amendment is outdated, and the reason Parley wrote when it fell outdated, in the reader's language
    (the rest is the House's record, as written: a clerk's reason stays in the clerk's words)."""
    for key in ("outdated", "reason"):
        if amendment.get(key):
            amendment[key] = localized(amendment[key])
    return amendment


@amendments_api.post("/api/bills/<int:bill_id>/amendments")
def propose(bill_id: int) -> tuple[Response, int]:
    proposal = _proposal(json_body())
    principal = current_principal()
    with database().write() as session:
        amendment = amendments.propose(session, principal, bill_id, proposal)
        body = amendments.describe(session, amendment, principal)
    return jsonify(body), 201


@amendments_api.post("/api/bills/<int:bill_id>/amendments/preview")
def preview(bill_id: int) -> Response:
    proposal = _proposal(json_body())
    principal = current_principal()
    with database().read() as session:
        return jsonify(amendments.preview(session, principal, bill_id, proposal))


@amendments_api.get("/api/bills/<int:bill_id>/amendments")
def list_amendments(bill_id: int) -> Response:
    proposer = int_arg("proposer", 0, minimum=1)
    criteria = amendments.AmendmentFilter(state=str_arg("state"), proposer_id=proposer or None, eid=str_arg("eid"))
    page = page_request()
    principal = current_principal()
    with database().read() as session:
        found = amendments.page_for_bill(session, bill_id, criteria, page, principal)
        links = amendments.conflict_links(session, found.items, principal)
        outdated = amendments.outdated_problems(session, found.items)
        return jsonify(page_reply("amendments", [_localized(amendments.to_dict(a, links[a.id], outdated.get(a.id)))
                                                 for a in found.items], found))


@amendments_api.get("/api/bills/<int:bill_id>/amendments/marshalled")
def marshalled(bill_id: int) -> Response:
    with database().read() as session:
        return jsonify({"groups": [[_localized(a) for a in group] for group in marshalled_list(session, bill_id)]})


@amendments_api.get("/api/bills/<int:bill_id>/amendments/marshalled.pdf")
def marshalled_list_pdf(bill_id: int) -> Response:
    with database().read() as session:
        content = marshalled_pdf(session, bill_id)
    return Response(content, mimetype=PDF_MEDIA_TYPE)


@amendments_api.get("/api/bills/<int:bill_id>/amendments.akn")
def amendment_list_xml(bill_id: int) -> Response:
    with database().read() as session:
        content = amendment_list_document(session, bill_id)
    return Response(content, mimetype=AKN_MEDIA_TYPE)


@amendments_api.post("/api/bills/<int:bill_id>/amendment-window")
def amendment_window(bill_id: int) -> Response:
    body = json_body()
    is_open = body.get("open")
    if not isinstance(is_open, bool):
        raise BadRequest(wording("send {\"open\": true} or {\"open\": false}"))
    principal = current_principal()
    with database().write() as session:
        state = amendments.set_window(session, principal, bill_id, is_open=is_open)
    return jsonify({"bill_id": bill_id, "open": state})


@amendments_api.get("/api/amendments/<int:amendment_id>")
def get_amendment(amendment_id: int) -> Response:
    principal = current_principal()
    with database().read() as session:
        amendment = amendment_privacy.readable(session, principal, amendment_id)
        return jsonify(_localized(amendments.describe(session, amendment, principal)))


@amendments_api.get("/api/amendments/<int:amendment_id>/akn")
def amendment_xml(amendment_id: int) -> Response:
    principal = current_principal()
    with database().read() as session:
        content = amendment_document(session, amendment_privacy.readable(session, principal, amendment_id))
    return Response(content, mimetype=AKN_MEDIA_TYPE)


@amendments_api.post("/api/amendments/<int:amendment_id>/transitions")
def transition(amendment_id: int) -> Response:
    body = json_body()
    target = _string(body, "to", required=True) or ""
    votes = body.get("votes")
    if votes is not None and not isinstance(votes, dict):
        raise BadRequest(wording("'votes' must be an object: {\"for\": n, \"against\": n, \"abstentions\": n}"))
    principal = current_principal()
    with database().write() as session:
        amendment = amendments.transition(
            session, principal, amendment_id, target, reason=_string(body, "reason"), votes=votes
        )
        result = amendments.describe(session, amendment, principal)
    return jsonify(_localized(result))


@amendments_api.post("/api/amendments/<int:amendment_id>/cosponsors")
def cosponsor(amendment_id: int) -> Response:
    principal = current_principal()
    with database().write() as session:
        amendment = amendments.add_cosponsor(session, principal, amendment_id)
        result = amendments.describe(session, amendment, principal)
    return jsonify(result)


@amendments_api.get("/api/mps/<int:user_id>")
def member_record(user_id: int) -> Response:
    principal = current_principal()
    with database().read() as session:
        return jsonify(amendments.member_record(session, user_id, principal))


@amendments_api.after_request
def _varies_by_accept(response: Response) -> Response:
    # An amendment's URI answers a browser with its page and a program with AKN, refusals included (as bills').
    if request.endpoint == "amendments_api.resolve_amendment":
        response.vary.add("Accept")
    return response


@amendments_api.get("/akn/<country>/amendment/<path:rest>")
def resolve_amendment(country: str, rest: str) -> ResponseReturnValue:
    """``/akn/ke/amendment/2026-11-21/5/eng@2026-11-21`` (also ``.xml``/``.akn``): the amendment document; ``.html``
    (or a browser asking for HTML) is sent to the amendment's page."""
    uri = f"/akn/{country}/amendment/{rest}"
    as_html = rest.endswith(".html") or (
        not re.search(r"\.(xml|akn|pdf)$", rest)
        and request.accept_mimetypes.best_match([AKN_MEDIA_TYPE, "application/xml", "text/html"]) == "text/html"
    )
    principal = current_principal()
    try:
        with database().read() as session:
            amendment = amendments.by_uri(session, uri.removesuffix(".html"), principal)
            if as_html:
                return redirect(url_for("amendment_pages.amendment_page", amendment_id=amendment.id), 303)
            content = amendment_document(session, amendment)
    except ParleyError as refused:
        if not as_html:
            raise
        return make_response(page_error(refused))
    return Response(content, mimetype=AKN_MEDIA_TYPE)
