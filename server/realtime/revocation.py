"""Closing the open sockets of an account whose sign-in has ended: a password change or reset, a suspension, a
sign-out.

A socket keeps the credential it connected with, and a bill's room keeps sending it every event. When the event
that ends an account's tokens or sessions commits, a *recheck* signal is emitted on a namespace no client ever
joins. Every process's client manager (the message queue carries the signal to the other processes, as it
carries every emit) hands it to the namespace instead of to clients, and each process disconnects those of its
own sockets of that account whose credential no longer holds. python-socketio has no way to disconnect a room,
and a room on the queue only reaches clients, so the signal is read by the managers themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import socketio
from flask_socketio import SocketIO

from server.domain.consultation import ConsultationEvent
from server.domain.events import EventType
from server.realtime.broadcast import Publisher

CONTROL_NAMESPACE = "/parley-control"
"""Never connected to: what is emitted here is for the server processes' managers only."""
RECHECK = "recheck"
SIGNED_OUT = "signed_out"
"""Sent to a socket just before the server disconnects it: ``{"reason": <one of ENDING's values>}``."""

ENDING: dict[str, str] = {
    EventType.PASSWORD_CHANGED: "password_changed",
    EventType.PASSWORD_RESET: "password_reset",
    ConsultationEvent.ACCOUNT_SUSPENDED: "suspended",
    EventType.SIGNED_OUT: "signed_out",
}
"""The committed events after which an account's open sockets are checked, and the reason each gives."""

Recheck = Callable[[int, str], None]


class _Signals(socketio.Manager):  # type: ignore[misc]
    """Routes emits on :data:`CONTROL_NAMESPACE` to ``on_recheck``; every other emit goes to clients as usual.

    On a message-queue manager this sits below the queue in the method order, so it sees both the emits made in
    this process and those arriving from the others.
    """

    on_recheck: Recheck | None = None

    def emit(self, event: str, data: Any, namespace: str | None = None, room: Any = None, skip_sid: Any = None,
             callback: Any = None, to: Any = None, **kwargs: Any) -> Any:
        if namespace != CONTROL_NAMESPACE:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to,
                                **kwargs)
        handler = self.on_recheck
        if event == RECHECK and handler is not None and isinstance(data, dict):
            # Off the caller's thread: the committing request, or the queue's listener, which must keep reading.
            self.server.start_background_task(handler, int(data["user"]), str(data["reason"]))
        return None


def client_manager(url: str | None, channel: str) -> Any:
    """The client manager for ``SocketIO(client_manager=...)``: Flask-SocketIO's choice for ``url``, with signals."""
    if not url:
        return _Signals()
    base: type = socketio.RedisManager if url.startswith(("redis://", "rediss://")) else socketio.KombuManager
    signalling = type(f"Signalling{base.__name__}", (base, _Signals), {})
    return signalling(url, channel=channel)


def on_recheck(socketio_server: SocketIO, handler: Recheck) -> None:
    """Have ``handler(user_id, reason)`` called in this process for every recheck signal, from any process."""
    manager = socketio_server.server.manager
    assert isinstance(manager, _Signals), "create SocketIO with client_manager=revocation.client_manager(...)"
    manager.on_recheck = handler


def revocation_publisher(socketio_server: SocketIO) -> Publisher:
    """Signal every process once an account's password change, reset or suspension has committed."""

    def publish(events: Sequence[dict[str, Any]]) -> None:
        for payload in events:
            reason = ENDING.get(payload["type"])
            if reason is not None:
                socketio_server.emit(RECHECK, {"user": int(payload["data"]["user_id"]), "reason": reason},
                                     namespace=CONTROL_NAMESPACE)

    return publish
