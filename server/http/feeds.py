"""Open-data downloads: Atom feeds (``/feed.atom``, ``/api/bills/<id>/feed.atom``, older pages at ``?cursor=``)
and the bulk archive (``/api/export.zip``)."""

from __future__ import annotations

import tempfile

from flask import Blueprint, Response, current_app, request, send_file

from server.domain.paging import BadCursor, decode_cursor
from server.domain.wording import wording
from server.http.context import database, query_error, str_arg
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


def _after() -> int | None:
    """``?cursor=``: the page the previous page's ``next`` link names (none: the latest entries)."""
    cursor = str_arg("cursor")
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except BadCursor as bad:
        why = bad.args[0] if bad.args and isinstance(bad.args[0], str) else str(bad)
        raise query_error("cursor", wording("cursor is not one this API gave out: %(why)s", why=why)) from None


@feeds.get("/feed.atom")
def site_feed() -> Response:
    after = _after()
    with database().read() as session:
        content = atom_feed(session, current_app.config["PUBLIC_URL"], limit=current_app.config["FEED_ENTRIES"],
                            after=after, language=current_language())
    return _reply(content)


@feeds.get("/api/bills/<int:bill_id>/feed.atom")
def bill_feed(bill_id: int) -> Response:
    after = _after()
    with database().read() as session:
        content = atom_feed(session, current_app.config["PUBLIC_URL"], bill_id=bill_id,
                            limit=current_app.config["FEED_ENTRIES"], after=after, language=current_language())
    return _reply(content)


@feeds.get("/api/export.zip")
def export_archive() -> Response:
    # Spooled: small archives stay in memory, large ones go to a temporary file instead of filling it.
    target = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    with database().read() as session:
        export.write_zip(session, target, ConsultationSettings.from_config(current_app.config))
    target.seek(0)
    return send_file(target, mimetype="application/zip", as_attachment=True, download_name="parley-export.zip")
