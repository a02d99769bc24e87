"""``/healthz`` for load balancers and the two-command check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from server.http.context import database
from server.store import eventlog

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    db = database()
    with db.read() as session:
        last = eventlog.last_event_id(session)
    return jsonify({"status": "ok", "database": db.dialect, "last_event_id": last})
