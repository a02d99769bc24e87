"""Open-data downloads: Atom feeds (``/feed.atom``, ``/api/bills/<id>/feed.atom``) and the bulk archive
(``/api/export.zip``)."""

from __future__ import annotations

import tempfile

from flask import Blueprint, Response, current_app, request, send_file

from server.http.context import database
from server.http.i18n import current_language
from server.services import export
from server.services.consultation import ConsultationSettings
from server.services.feeds import atom_feed

feeds = Blueprint("feeds", __name__)

ATOM_MEDIA_TYPE = "application/atom+xml"


def _reply(content: bytes) -> Response:
    response = Response(content, mimetype=ATOM_MEDIA_TYPE)
    # Written in the language the reader asks for, as pages are (the session's choice already varies by Cookie).
    response.vary.add("Accept-Language")
    response.add_etag()
    response.make_conditional(request)
    return response


@feeds.get("/feed.atom")
def site_feed() -> Response:
    with database().read() as session:
        content = atom_feed(session, current_app.config["PUBLIC_URL"], limit=current_app.config["FEED_ENTRIES"],
                            language=current_language())
    return _reply(content)


@feeds.get("/api/bills/<int:bill_id>/feed.atom")
def bill_feed(bill_id: int) -> Response:
    with database().read() as session:
        content = atom_feed(session, current_app.config["PUBLIC_URL"], bill_id=bill_id,
                            limit=current_app.config["FEED_ENTRIES"], language=current_language())
    return _reply(content)


@feeds.get("/api/export.zip")
def export_archive() -> Response:
    # Spooled: small archives stay in memory, large ones go to a temporary file instead of filling it.
    target = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    with database().read() as session:
        export.write_zip(session, target, ConsultationSettings.from_config(current_app.config))
    target.seek(0)
    return send_file(target, mimetype="application/zip", as_attachment=True, download_name="parley-export.zip")
