"""``socketio_client``: a python-socketio client whose disconnect takes a fraction of a second, not three.

websocket-client closes a WebSocket by sending its close frame and then reading until the server's close frame
comes back, for up to three seconds. python-engineio's client reads the socket from a thread of its own, and
that thread takes the server's close frame first; the close then waits out its three seconds for a frame that
has already come (and meanwhile a server that keeps the connection open for another request reads the client's
close frame as one). A short wait still lets a server that answers late have its close frame read before the
socket is shut, so that nothing it sent is left unread when the connection ends.
"""

from __future__ import annotations

from typing import Any

import socketio
import websocket

__all__ = ["CLOSE_WAIT", "BriefClose", "socketio_client"]

# Seconds a closing client waits for the server's close frame (websocket-client waits 3).
CLOSE_WAIT = 0.25


class BriefClose(websocket.WebSocket):
    """A WebSocket that waits ``CLOSE_WAIT`` seconds at most for the server's side of the close."""

    def close(self, status: int = websocket.STATUS_NORMAL, reason: bytes | str = b"",
              timeout: float | None = CLOSE_WAIT) -> None:
        super().close(status, reason, CLOSE_WAIT if timeout is None else min(timeout, CLOSE_WAIT))


def socketio_client(**options: Any) -> socketio.Client:
    """A ``socketio.Client`` made with ``options`` whose WebSockets close with :class:`BriefClose`."""
    extra = dict(options.pop("websocket_extra_options", None) or {})
    extra.setdefault("class_", BriefClose)
    return socketio.Client(websocket_extra_options=extra, **options)
