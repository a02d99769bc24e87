"""The embedded server's connections: gevent's WSGI server by default, Nagle's algorithm off on every connection.

Socket.IO writes an edit's broadcast and then its ack as two small frames on the same connection. With Nagle's
algorithm on, the second waits until the first is acknowledged, and the client's delayed ACK holds that for
about 40 ms: every keystroke's ack would arrive 40 ms late. gunicorn sets ``TCP_NODELAY`` on its listening
socket (``deploy/gunicorn.conf.py``); ``parley serve`` runs werkzeug, which does not.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from werkzeug.serving import WSGIRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class NoDelayRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with ``TCP_NODELAY`` set on each accepted TCP connection."""

    def setup(self) -> None:
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def serve_evented(app: WSGIApplication, host: str, port: int) -> None:
    """Serve ``app`` on gevent's WSGI server: every connection a greenlet, ``TCP_NODELAY`` on each."""
    from gevent.pywsgi import WSGIServer

    listener = socket.create_server((host, port), reuse_port=False, backlog=2048)
    # Accepted connections inherit the option from the listening socket on Linux, as gunicorn relies on.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    WSGIServer(listener, app, log=None, error_log="default").serve_forever()
