"""The serving processes' connections: gevent's loop by default, whole WebSocket frames, Nagle's algorithm off.

Socket.IO writes an edit's broadcast and then its ack as two small frames on the same connection. With Nagle's
algorithm on, the second waits until the first is acknowledged, and the client's delayed ACK holds that for
about 40 ms: every keystroke's ack would arrive 40 ms late. gunicorn sets ``TCP_NODELAY`` on its listening
socket (``deploy/gunicorn.conf.py``); ``parley serve`` sets it on its own.

simple-websocket writes each frame with one ``socket.send`` call. A blocking socket sends everything before it
returns; a gevent socket sends what fits in the kernel's buffer and returns the count, so a frame larger than
that buffer (a join of a long bill: megabytes) went out cut and the client dropped the connection. On gevent's
loop, WebSocket connections therefore get sockets whose ``send`` writes the whole frame (:func:`whole_sends`).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class NoDelayRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with ``TCP_NODELAY`` set on each accepted TCP connection."""

    def setup(self) -> None:
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _whole_send_class() -> type:
    from gevent import socket as green

    class WholeSendSocket(green.socket):  # type: ignore[misc]
        """A gevent socket whose ``send`` returns only once every byte is written, like a blocking one."""

        def send(self, data: Any, flags: int = 0, timeout: Any = None) -> int:
            # Not ``sendall``: gevent's sendall is built on ``send`` and would come back here.
            view = memoryview(data).cast("B")
            sent = 0
            while sent < len(view):
                sent += super().send(view[sent:], flags)
            return sent

    return WholeSendSocket


def whole_sends(connection: Any) -> Any:
    """A socket on a duplicate of ``connection``'s descriptor whose ``send`` writes everything it is given."""
    whole = _whole_send_class()
    return whole(connection.family, connection.type, connection.proto, fileno=os.dup(connection.fileno()))


class WholeFrames:
    """WSGI middleware for gunicorn's gevent worker: WebSocket upgrades get a socket that sends whole frames.

    simple-websocket takes the connection from ``environ["gunicorn.socket"]``; it gets a duplicate whose ``send``
    is ``sendall`` (gunicorn closes its own once the WebSocket ends).
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        connection = environ.get("gunicorn.socket")
        if connection is not None and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ["gunicorn.socket"] = whole_sends(connection)
        return self.app(environ, start_response)


def _refusal(status: str, code: str, message: str) -> bytes:
    """A whole HTTP response refusing a request the server could not read, in the API's error form."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


# What gevent answers, with an empty body, to a request it cannot read before the application sees it.
UNREADABLE: dict[str, bytes] = {
    "414": _refusal("414 Request-URI Too Long", "uri_too_long",
                    "the request line is longer than 8192 bytes; send long values in the request body"),
    "400": _refusal("400 Bad Request", "bad_request",
                    "the request line or its headers could not be read (malformed, or a header line over 64 KiB)"),
}


def _handler_class() -> type:
    from gevent.pywsgi import WSGIHandler

    class Handler(WSGIHandler):  # type: ignore[misc]
        """gevent's handler, whose refusals of unreadable requests carry a JSON error like the application's."""

        def handle_one_request(self) -> Any:
            result = super().handle_one_request()
            if isinstance(result, tuple) and result[0] in UNREADABLE:
                return result[0], UNREADABLE[result[0]]
            environ = getattr(self, "environ", None) or {}
            if result is True and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                # A WebSocket ended on this connection: what the client sends after (its close frame) is no HTTP
                # request, and reading it as one logged "Invalid HTTP method" on every disconnect.
                return None
            return result

    return Handler


def serve_evented(app: WSGIApplication, host: str, port: int) -> None:
    """Serve ``app`` on gevent's WSGI server: every connection a greenlet, ``TCP_NODELAY`` and whole sends on each."""
    from gevent.pywsgi import WSGIServer

    whole = _whole_send_class()

    class Server(WSGIServer):  # type: ignore[misc]
        def do_read(self) -> tuple[Any, Any] | None:
            accepted = super().do_read()
            if accepted is None:
                return None
            connection, address = accepted
            # simple-websocket duplicates the connection it upgrades; a duplicate keeps this class.
            return whole(connection.family, connection.type, connection.proto, fileno=connection.detach()), address

    listener = socket.create_server((host, port), reuse_port=False, backlog=2048)
    # Accepted connections inherit the option from the listening socket on Linux, as gunicorn relies on.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Server(listener, app, log=None, error_log="default", handler_class=_handler_class()).serve_forever()
