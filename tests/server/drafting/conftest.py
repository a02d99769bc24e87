"""Real Socket.IO clients over loopback against a live server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from server.client.connection import socketio_client
from tests.server.conftest import LiveServer


class Watcher:
    """A Socket.IO client that records every broadcast it receives."""

    def __init__(self, url: str, token: str | None = None, headers: dict[str, str] | None = None) -> None:
        # A loaded machine may take more than the 5 s python-engineio allows an opening handshake by default.
        self._attach(socketio_client(reconnection=False, request_timeout=15))
        self.client.connect(url, auth={"token": token} if token else None, transports=["websocket"],
                            headers=headers or {}, wait_timeout=10)

    def _attach(self, client: socketio.Client) -> None:
        """Record what ``client`` receives (before it connects)."""
        self.client = client
        self.events: list[dict[str, Any]] = []
        self.presence: list[dict[str, Any]] = []
        self.signed_out: list[dict[str, Any]] = []
        self.disconnects: list[str] = []
        self._lock = threading.Condition()
        self.client.on("event", self._on_event)
        self.client.on("presence", self._on_presence)
        self.client.on("signed_out", self._on_signed_out)
        self.client.on("disconnect", self._on_disconnect)

    def _on_event(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(data)
            self._lock.notify_all()

    def _on_presence(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.presence.append(data)
            self._lock.notify_all()

    def _on_signed_out(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.signed_out.append(data)
            self._lock.notify_all()

    def _on_disconnect(self, reason: str = "") -> None:
        with self._lock:
            self.disconnects.append(str(reason))
            self._lock.notify_all()

    def call(self, event: str, data: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(event, data, timeout=timeout)
        return answer

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def connect(live_server: LiveServer) -> Iterator[Callable[..., Watcher]]:
    opened: list[Watcher] = []

    def open_client(token: str | None = None) -> Watcher:
        watcher = Watcher(live_server.url, token)
        opened.append(watcher)
        return watcher

    yield open_client
    for watcher in opened:
        try:
            watcher.close()
        except Exception:  # noqa: S110 - already closed by the test
            pass
