"""The open-data blueprints, and the OpenAPI 3.1 description of every ``/api`` route (``/api/openapi.json``).

The document is built from the Flask URL map and the per-route declarations in ``server.domain.api_schema``:
paths and path parameters come from the rules, everything else from the declarations. A route without one is
left out (and the test that walks the URL map fails).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from server.domain.api_schema import ERROR, OPERATIONS, Auth, Operation, Schema
from server.http.api_docs import docs_page
from server.http.feeds import feeds
from server.http.notifications import notifications_api
from server.http.search import search_api
from server.http.validation import init_request_validation
from server.http.webhooks import webhooks_api

api_description = Blueprint("api_description", __name__)

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_PATH_SCHEMAS: dict[str, Schema] = {
    # Ids are 32-bit integers in the database.
    "int": {"type": "integer", "minimum": 0, "maximum": 2_147_483_647},
    "default": {"type": "string", "pattern": "^[^/]+$"},
    "path": {"type": "string"},
}
_STATUS_TEXT = {200: "OK", 201: "Created", 204: "No content", 400: "Bad request", 401: "Not signed in",
                403: "Not allowed", 404: "Not found", 409: "Conflict with the current state",
                413: "Too large", 415: "Unsupported media type", 422: "Invalid input", 429: "Rate limited"}


def register_opendata(app: Flask) -> None:
    """Register feeds, search, webhooks, notifications, export and the API description, and enforce the
    description: every ``/api`` request is checked against its declaration before its handler runs (after the
    CSRF check, which the application registers first)."""
    app.register_blueprint(feeds)
    app.register_blueprint(search_api)
    app.register_blueprint(webhooks_api)
    app.register_blueprint(notifications_api)
    app.register_blueprint(api_description)
    init_request_validation(app)


def api_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) under ``/api`` in the URL map (HEAD and OPTIONS are Flask's own)."""
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods or () if method not in {"HEAD", "OPTIONS"}
    }
    return sorted(found, key=lambda item: (item[1], item[0]))


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """The OpenAPI path of a Flask rule, and its path parameters."""
    parameters = [
        {"name": match["name"], "in": "path", "required": True,
         "schema": _PATH_SCHEMAS.get(match["converter"] or "default", _PATH_SCHEMAS["default"])}
        for match in _CONVERTER.finditer(rule)
    ]
    return _CONVERTER.sub(lambda match: "{" + match["name"] + "}", rule), parameters


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def operation_object(method: str, rule: str, declared: Operation, path_parameters: list[dict[str, Any]]
                     ) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', rule.removeprefix('/api/')).strip('_')}",
        "summary": declared.summary,
        "tags": [declared.tag],
    }
    if declared.description:
        operation["description"] = declared.description
    parameters = path_parameters + [
        {"name": p.name, "in": "query", "required": p.required, "schema": p.schema,
         **({"description": p.description} if p.description else {})}
        for p in declared.params
    ]
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        operation["requestBody"] = {"required": declared.body_required,
                                    "content": {media: {"schema": declared.body}
                                                for media in (declared.body_media, *declared.body_media_also)}}
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(declared.status, "OK")}
    if declared.response is not None:
        success["content"] = {declared.response_media: {"schema": declared.response}}
    responses: dict[str, Any] = {str(declared.status): success}
    for status in declared.errors:
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"), "content": _error_content()}
    responses["default"] = {"description": "Any other error", "content": _error_content()}
    operation["responses"] = responses
    if declared.auth is Auth.REQUIRED:
        operation["security"] = [{"bearerAuth": []}]
        if declared.roles:
            operation["x-roles"] = [role.value for role in declared.roles]
    elif declared.auth is Auth.OPTIONAL:
        operation["security"] = [{}, {"bearerAuth": []}]
    return operation


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s ``/api`` routes."""
    paths: dict[str, dict[str, Any]] = {}
    for method, rule in api_routes(app):
        declared = OPERATIONS.get((method, rule))
        if declared is None:
            continue
        path, path_parameters = openapi_path(rule)
        paths.setdefault(path, {})[method.lower()] = operation_object(method, rule, declared, path_parameters)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Parley API",
            "version": "1",
            "description": "Bills in Akoma Ntoso, amendments, public consultation and open data. Errors are "
                           "always {\"error\": {\"code\", \"message\"}}; a request that does not fit the schemas "
                           "below is 422 validation_failed with \"fields\": [{\"field\", \"message\"}], every "
                           "problem listed. Lists come a page at a time: pass the answer's \"next\" as cursor to "
                           "read the following page. See docs/ for the events and protocols.",
        },
        "servers": [{"url": str(app.config.get("PUBLIC_URL") or "/")}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from POST /api/tokens; browsers may use their session cookie instead.",
            }},
        },
    }


@api_description.get("/api/openapi.json")
def openapi_document() -> Response:
    key = "parley.openapi"
    if key not in current_app.extensions:  # the URL map is fixed once the app serves, so build it once
        current_app.extensions[key] = build_document(current_app)
    return jsonify(current_app.extensions[key])


@api_description.get("/api/docs")
def api_docs() -> Response:
    return docs_page()
