"""The open-data blueprints, and the OpenAPI 3.1 description of every ``/api`` route (``/api/openapi.json``)."""

from __future__ import annotations

from flask import Flask

from server.http.feeds import feeds
from server.http.search import search_api
from server.http.webhooks import webhooks_api


def register_opendata(app: Flask) -> None:
    """Register feeds, search, webhooks, notifications, export and the API description."""
    app.register_blueprint(feeds)
    app.register_blueprint(search_api)
    app.register_blueprint(webhooks_api)
