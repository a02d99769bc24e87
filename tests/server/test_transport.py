"""The embedded server turns Nagle's algorithm off on the connections it accepts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from typing import Any

import requests
from werkzeug.serving import make_server

from server.realtime.transport import NoDelayRequestHandler


def report_nodelay(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    connection: socket.socket = environ["werkzeug.socket"]
    value = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(value).encode()]


def nodelay_seen_by(handler: type | None) -> str:
    server = make_server("127.0.0.1", 0, report_nodelay, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return requests.get(f"http://127.0.0.1:{server.port}/", timeout=10).text
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_accepted_connections_have_tcp_nodelay() -> None:
    assert nodelay_seen_by(NoDelayRequestHandler) != "0"


def test_werkzeug_alone_leaves_nagle_on() -> None:
    # The reason for the handler: without it the option is off and every ack waits for a delayed ACK.
    assert nodelay_seen_by(None) == "0"
