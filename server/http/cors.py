"""Cross-origin reads of the open data: any site's scripts may read the public API, the documents at their FRBR
URIs and the feeds, as open-data portals and civic-tech tools built on them do from their own origins.

Reads only, and never with the reader's cookies (``Access-Control-Allow-Origin: *`` without credentials): a page
of another site cannot act as a signed-in user, nor read what only that user may see. Writes from other origins
stay refused at the preflight; a client with a token of its own may send it (``Authorization``) on reads.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS

PUBLIC_READS = (r"/api/.*", r"/akn/.*", r"/feed\.atom")
READ_METHODS = ["GET", "HEAD", "OPTIONS"]
# What a reader sends to narrow or revalidate a read, and what it may read back beyond the simple headers.
ALLOWED_HEADERS = ["Accept", "Accept-Language", "Authorization", "If-None-Match", "If-Modified-Since"]
EXPOSED_HEADERS = ["Content-Location", "ETag", "Last-Modified", "Link", "Retry-After"]


def init_cors(app: Flask) -> None:
    """Open ``app``'s public reads to other origins."""

    # Registered before the extension's own, so it runs after it (Flask runs them in reverse): the extension marks
    # every answer under a public path, writes' too, and another site's script has no business reading those.
    @app.after_request
    def _reads_only(response: Response) -> Response:
        if request.method not in READ_METHODS:
            for name in [name for name in response.headers.keys() if name.startswith("Access-Control-")]:
                del response.headers[name]
        return response

    CORS(
        app,
        resources={pattern: {} for pattern in PUBLIC_READS},
        origins="*",
        send_wildcard=True,
        supports_credentials=False,
        methods=READ_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=86_400,
        vary_header=False,
    )
