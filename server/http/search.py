"""``GET /api/search?q=&type=&bill=&limit=&offset=``: ranked full-text search over public texts."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.domain.wording import wording
from server.errors import BadRequest
from server.http.context import current_principal, database, int_arg
from server.services import search as search_service

search_api = Blueprint("search_api", __name__)


@search_api.get("/api/search")
def search() -> Response:
    text = request.args.get("q", "")
    kind_name = request.args.get("type") or None
    try:
        kind = search_service.Kind(kind_name) if kind_name else None
    except ValueError:
        allowed = ", ".join(k.value for k in search_service.Kind)
        raise BadRequest(wording("type must be one of %(allowed)s; found %(found)r", allowed=allowed,
                                 found=kind_name)) from None
    bill = int_arg("bill", 0, minimum=0) or None
    query = search_service.SearchQuery(
        text=text, kind=kind, bill_id=bill, limit=int_arg("limit", 20, minimum=1, maximum=100),
        offset=int_arg("offset", 0, minimum=0, maximum=10_000),
    )
    search_service.words(query.text)  # refuse an empty query before taking any lock
    with database().read() as session:
        behind = search_service.behind(session)
    if behind:
        # Brings the index up to the log's head first. Only then: the write lock it takes would otherwise make
        # every anonymous search queue behind (and hold up) the writers.
        with database().write() as session:
            search_service.catch_up(session)
    with database().read() as session:
        results = search_service.search(session, query, current_principal())
    return jsonify({"results": results, "limit": query.limit, "offset": query.offset})
