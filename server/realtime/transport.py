"""The embedded server's connections: Nagle's algorithm off, as gunicorn has it in deployment.

Socket.IO writes an edit's broadcast and then its ack as two small frames on the same connection. With Nagle's
algorithm on, the second waits until the first is acknowledged, and the client's delayed ACK holds that for
about 40 ms: every keystroke's ack would arrive 40 ms late. gunicorn sets ``TCP_NODELAY`` on its listening
socket (``deploy/gunicorn.conf.py``); ``parley serve`` runs werkzeug, which does not.
"""

from __future__ import annotations

import socket

from werkzeug.serving import WSGIRequestHandler


class NoDelayRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with ``TCP_NODELAY`` set on each accepted TCP connection."""

    def setup(self) -> None:
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
