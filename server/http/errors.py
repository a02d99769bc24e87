"""Every error becomes ``{"error": {"code", "message"}}`` with its status; a failed validation (422) also says
which fields were wrong: ``"fields": [{"field": "body.eid", "message"}, ...]`` (see ``server.http.validation``).

A failed CSRF check of a page's form (outside ``/api/``) is the exception: a person sent it, so it gets a page.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from server.domain.wording import wording
from server.errors import BadRequest, ParleyError, SignInNeeded, ValidationFailed
from server.http.context import ended_sign_in
from server.http.i18n import N_, localized
from server.http.library_wording import csrf_reason, http_description
from server.http.pages_common import page_error

log = logging.getLogger(__name__)


def error_response(code: str, message: str, status: int, **details: object) -> Response:
    body = {"code": code, "message": message, **details}
    response = jsonify({"error": body})
    response.status_code = status
    return response


def field_details(error: ValidationFailed) -> dict[str, object]:
    """The details of a failed validation with ``fields`` always present: a service that names the one body field
    it refused (``field=``) gets it listed; one that names none, an empty list. Each field's message reads in the
    reader's language, like the error's."""
    details = dict(error.details)
    if "fields" not in details:
        named = details.get("field")
        details["fields"] = ([{"field": f"body.{named}", "message": localized(error.message)}]
                             if isinstance(named, str) else [])
    elif isinstance(details["fields"], list):
        details["fields"] = [{**item, "message": localized(item["message"])}
                             if isinstance(item, dict) and isinstance(item.get("message"), str) else item
                             for item in details["fields"]]
    return details


# What a page says for the HTTP errors a reader may meet by following a link or typing an address.
_PAGE_SENTENCES = {
    404: N_("There is nothing at this address. The link may be mistyped, or what it led to has moved."),
    405: N_("This address cannot be opened this way."),
}


def _wants_a_page() -> bool:
    """A browser's request for a page: not the API, the AKN documents or the live connection, and HTML preferred."""
    if request.path.startswith(("/api/", "/akn/", "/socket.io/")):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ParleyError)
    def _parley_error(error: ParleyError) -> Response:
        details = field_details(error) if isinstance(error, ValidationFailed) else error.details
        message = error.message
        if isinstance(error, SignInNeeded):
            # "Sign in first" to a page that still shows its user signed in would be a riddle: say why it ended.
            message = ended_sign_in() or message
        response = error_response(error.code, localized(message), error.status, **details)
        if isinstance(details.get("retry_after"), int):
            response.headers["Retry-After"] = str(details["retry_after"])
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Response:
        if request.path.startswith("/api/"):
            return error_response("csrf_failed", localized(wording("the CSRF token is missing or invalid: %(why)s",
                                                                   why=csrf_reason(error.description))), 400)
        # A form of a page (signing in, signing up, a confirmation): its token expired with the session, or the
        # form was posted from another site. The person who sent it needs to know what to do, not read JSON; the
        # page answered carries a fresh token, so reloading the form and sending it again works.
        return make_response(page_error(BadRequest(_(
            "This form has expired or was sent from another site. Reload the page and send it again."))))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        status = error.code or 500
        if status in _PAGE_SENTENCES and _wants_a_page():
            # A person followed a link or typed an address: a page in their language, not Werkzeug's JSON.
            refusal = ParleyError(_(_PAGE_SENTENCES[status]))
            refusal.status = status
            return make_response(page_error(refusal))
        if status == 413:
            code = "payload_too_large"
        response = error_response(code, localized(http_description(error)), status)
        # What the exception says beyond its body: the methods a 405 allows (RFC 9110 requires Allow), a 401's
        # challenge.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        failed = wording("the server failed to handle this request")
        try:
            message = localized(failed)
        except Exception:
            # What failed may be what chooses the language (the session, the catalogue): the answer must still go.
            message = str(failed)
        return error_response("internal_error", message, 500)
