"""The JSON API under ``/api`` (see ``../shared/contract.md`` and ``docs/api.md``)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request
from flask import session as flask_session

from server.domain.api_schema import AKN, XML_ALSO_AKN
from server.domain.wording import wording
from server.errors import BadRequest, NotFound, Unauthenticated, UnsupportedMediaType
from server.http.context import (
    SESSION_GENERATION,
    bearer_token,
    current_principal,
    database,
    int_arg,
    json_body,
    page_reply,
    page_request,
    str_arg,
    time_arg,
)
from server.http.i18n import current_language
from server.http.pages_document import with_labels
from server.services import accounts, bills, consolidation, history, mail, password_resets, publication, versions
from server.store import eventlog
from server.store.models import Provision

api = Blueprint("api", __name__, url_prefix="/api")

AKN_MEDIA_TYPES = {AKN, *XML_ALSO_AKN}


@api.post("/tokens")
def create_token() -> tuple[Response, int]:
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadRequest(wording("send {\"username\": <string>, \"password\": <string>}"))
    with database().write() as session:
        principal = accounts.authenticate(session, username, password)
        token = accounts.issue_token(session, principal, current_app.config["TOKEN_TTL_DAYS"])
    return jsonify({"token": token, "user": {"id": principal.user_id, "role": principal.role.value}}), 201


@api.post("/account/password")
def change_password() -> Response:
    """Change one's own password; every other token and browser session of the account ends."""
    body = json_body()
    current, new = body.get("current_password"), body.get("new_password")
    if not isinstance(current, str) or not isinstance(new, str):
        raise BadRequest(wording('send {"current_password": <string>, "new_password": <string>}'))
    principal = current_principal()
    if principal is None or not principal.user_id:
        raise Unauthenticated(wording("sign in to change your password"))
    token = bearer_token()
    with database().write() as session:
        generation = accounts.change_password(session, principal, current, new, keep_token=token)
    if token is None:
        # Asked from a signed-in browser: that session carries on, the account's others have ended.
        flask_session[SESSION_GENERATION] = generation
    return jsonify({"id": principal.user_id, "changed": True})


@api.get("/session")
def signed_in_as() -> Response:
    """Who this request is signed in as (its bearer token, else its browser session), or nobody.

    A page whose live connection was closed with ``signed_out`` asks it before connecting again: a browser that
    changed the password itself holds a renewed session and carries on; any other has to sign in first, or its
    unsent edits would go out anonymously and be refused.
    """
    principal = current_principal()
    user = None if principal is None or not principal.user_id else {
        "id": principal.user_id, "role": principal.role.value,
    }
    answer = jsonify({"user": user})
    answer.headers["Cache-Control"] = "no-store"
    return answer


@api.post("/password-resets")
def request_password_reset() -> tuple[Response, int]:
    """Mail a reset link to the account(s) with this verified address; the answer is the same for any address."""
    body = json_body()
    request_reset_mail(body.get("email"))
    return jsonify({"accepted": True}), 202


def request_reset_mail(email: object) -> None:
    """Mail a reset link to each account ``email`` is the verified address of (the page and the API alike)."""
    ttl = int(current_app.config.get("PASSWORD_RESET_TTL_MINUTES", 60))
    with database().write() as db_session:
        links = password_resets.request_reset(db_session, email, ttl_minutes=ttl)
    public_url = str(current_app.config.get("PUBLIC_URL", ""))
    language = current_language()
    password_resets.send_in_background(mail.sender_from_config(current_app.config),
                                       [password_resets.reset_mail(link, public_url, ttl, language) for link in links])


@api.get("/bills")
def list_bills() -> Response:
    criteria = bills.BillFilter(status=str_arg("status"), title=str_arg("title"),
                                updated_since=time_arg("updated_since"), updated_before=time_arg("updated_before"))
    page = page_request()
    with database().read() as session:
        found = bills.page_of_bills(session, criteria, page)
        return jsonify(page_reply("bills", bills.bill_summaries(session, found.items), found))


@api.post("/bills")
def import_bill() -> tuple[Response, int]:
    media_type = (request.mimetype or "").lower()
    if media_type not in AKN_MEDIA_TYPES:
        raise UnsupportedMediaType(
            wording("send the AKN document with Content-Type: application/akn+xml; found %(found)s", found=media_type)
            if media_type else wording("send the AKN document with Content-Type: application/akn+xml; found none")
        )
    principal = current_principal()
    content = request.get_data(cache=False)
    with database().write() as session:
        imported = bills.import_bill(
            session, principal, content, max_bytes=current_app.config["MAX_DOCUMENT_BYTES"]
        )
        body = {
            "id": imported.bill.id,
            "work_uri": imported.bill.work_uri,
            "expression_uri": imported.expression.expression_uri,
            "version": imported.expression.version,
            "warnings": imported.warnings,
        }
    return jsonify(body), 201


@api.get("/bills/<int:bill_id>")
def get_bill(bill_id: int) -> Response:
    with database().read() as session:
        detail = bills.bill_detail(session, bills.get_bill(session, bill_id))
    with_labels(detail["provisions"])
    return jsonify(detail)


@api.get("/bills/<int:bill_id>/provisions/<eid>")
def get_provision(bill_id: int, eid: str) -> Response:
    with database().read() as session:
        bills.get_bill(session, bill_id)
        row = session.query(Provision).filter_by(bill_id=bill_id, eid=eid).one_or_none()
        if row is None:
            raise NotFound(wording("bill %(bill)d has no provision %(eid)s", bill=bill_id, eid=eid))
        return jsonify({"eid": row.eid, "wid": row.wid, "num": row.num, "heading": row.heading,
                        "text": row.text, "rev": row.rev})


@api.get("/bills/<int:bill_id>/events")
def bill_events(bill_id: int) -> Response:
    after = int_arg("after", 0)
    limit = int_arg("limit", 1000, minimum=1, maximum=5000)
    with database().read() as session:
        records = bills.events_for_bill(session, bill_id, after, limit)
        # Nothing after ``after``: the client is up to date, at the log's head (not at an id beyond it, which it
        # would keep asking from and so never see the events still to come below it).
        last = records[-1].id if records else min(max(after, 0), eventlog.last_event_id(session))
        # ``last`` is that of the events read, some of which this reader may not see: it resumes after them.
        return jsonify({"events": history.public_events(session, records, current_principal()),
                        "last_event_id": last})


@api.post("/bills/<int:bill_id>/versions")
def publish_version(bill_id: int) -> tuple[Response, int]:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise BadRequest(wording("the request body must be a JSON object"))
    source = body.get("source") or "amendments"  # an optional field sent as null is not sent
    if source not in {"working", "amendments"}:
        raise BadRequest(wording("source must be 'working' or 'amendments'; found %(found)r", found=source))
    when = body.get("expression_date")
    try:
        expression_date = date.fromisoformat(when) if when else None
    except (TypeError, ValueError):
        raise BadRequest(wording("expression_date must be a date like 2026-11-21; found %(found)r",
                                 found=when)) from None
    principal = current_principal()
    with database().write() as session:
        if source == "amendments":
            published = consolidation.consolidate(session, principal, bill_id, expression_date=expression_date)
        else:
            published = versions.publish_working_text(session, principal, bill_id, expression_date=expression_date)
    return jsonify({"expression_uri": published.expression_uri, "version": published.version,
                    "sha256": published.document_sha256, "event_id": published.event_id}), 201


@api.get("/bills/<int:bill_id>/compare")
def compare_versions(bill_id: int) -> Response:
    old = int_arg("from", 0, minimum=1)
    new = int_arg("to", 0, minimum=1)
    if not old or not new:
        raise BadRequest(wording("name the two versions to compare: ?from=<version>&to=<version>"))
    with database().read() as session:
        return jsonify(publication.compare(session, bill_id, old, new))
