"""``DraftingClient``: a drafter on a bill over Socket.IO, for scripts, load tests and live-server tests.

It drives ``server.client.sync.BillSync`` with a python-socketio client. python-engineio hands every message
it receives to a thread of its own, so an event and the ack that followed it on the wire could be handled in
either order, and the sync needs them in order (an event's id says up to where nothing is missing; a structure
event must be seen before the edits that follow it). ``_InOrder`` puts them back in arrival order: one thread
handles them, one at a time. Handlers never block on the network (a blocking ``call`` there would wait for a
reply that only a later message brings). A lock serializes them with the caller's thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import socketio

from server.client.connection import socketio_client
from server.client.sync import BillSync, Reaction

__all__ = ["DraftingClient", "JoinRefused"]

log = logging.getLogger(__name__)

# How often the watchdog looks at the connection; a dead one is recovered after two looks in a row.
WATCH_INTERVAL = 0.25


class _InOrder:
    """Makes a python-engineio client handle the messages it receives one at a time, in arrival order.

    ``engineio.Client`` starts each message's handler with ``start_background_task`` from its reader thread, so
    taking them off here, on that thread, keeps their order; a worker thread runs them. Other background tasks
    (the read and write loops) start as before.
    """

    def __init__(self, eio: Any) -> None:
        self._eio = eio
        self._start = eio.start_background_task
        self._inbox: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._guard = threading.Lock()
        eio.start_background_task = self.start_background_task

    def start_background_task(self, target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if target is not self._eio.handlers.get("message") or kwargs:
            return self._start(target, *args, **kwargs)
        with self._guard:
            self._inbox.put((target, args))
            if self._worker is None:
                self._worker = threading.Thread(target=self._handle, name="socketio-messages", daemon=True)
                self._worker.start()
        return None

    def stop(self) -> None:
        """Let the worker end once it has handled what came before; a later message starts another."""
        self._inbox.put(None)

    def _handle(self) -> None:
        while True:
            item = self._inbox.get()
            if item is None:
                with self._guard:
                    if self._inbox.empty():
                        self._worker = None
                        return
                continue
            handler, args = item
            try:
                handler(*args)
            except Exception:  # one bad message must not stop the handling of the next ones
                log.exception("handling a Socket.IO message failed")


class JoinRefused(RuntimeError):
    """The server refused to let this client join the bill."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("message", "join refused")))
        self.code = str(error.get("code", "error"))


class DraftingClient:
    """One drafter typing into one bill; reconnects by itself and catches up with ``since``."""

    def __init__(self, *, client: socketio.Client | None = None, ack_timeout: float = 10.0) -> None:
        self._sio = client or socketio_client(reconnection=True)
        self._in_order = _InOrder(self._sio.eio)
        self._ack_timeout = ack_timeout
        self._lock = threading.RLock()
        self._retry_pending = False  # a timer will send what a rate limit held back
        self._changed = threading.Condition(self._lock)
        self._sync: BillSync | None = None
        self._joined = threading.Event()
        self._join_error: Mapping[str, Any] | None = None
        self.errors: list[tuple[str, dict[str, Any]]] = []  # refusals other than conflicts, by eid
        self._address: tuple[str, dict[str, str] | None] | None = None
        self._closed = threading.Event()
        self._generation = 0  # of connect() calls; each starts its own watchdog, which stops at the next
        self._sio.on("connect", self._on_connect)
        self._sio.on("event", self._on_event)

    def connect(self, url: str, token: str | None = None, *, wait_timeout: float = 5.0) -> None:
        """Open the connection; ``token`` comes from ``POST /api/tokens`` (anonymous when None)."""
        auth = {"token": token} if token else None
        self._address = (url, auth)
        self._closed.clear()
        self._sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=wait_timeout)
        self._generation += 1
        threading.Thread(target=self._watch, args=(self._generation,), name="drafting-watchdog", daemon=True).start()

    def join(self, bill: int, since: int | None = None, *, timeout: float | None = None) -> None:
        """Join ``bill``'s room and load its provisions; ``since`` is the last event id already known."""
        with self._lock:
            self._sync = BillSync(bill)
            self._sync.since = since
        self._send_join()
        if not self._joined.wait(timeout or self._ack_timeout):
            raise TimeoutError(f"No answer to join bill {bill}.")
        if self._join_error is not None:
            raise JoinRefused(self._join_error)

    def type(self, eid: str, new_text: str) -> None:
        """The drafter's whole new text for provision ``eid``; sent as a patch when nothing is in flight."""
        with self._lock:
            self._run(self._bill().type(eid, new_text))

    def change(self, edit: Callable[[str], str], *, eid: str | None = None, wid: str | None = None) -> str:
        """Apply ``edit`` to what the drafter sees of a provision (by eId or wId) and send it; returns the text.

        Reading the text and typing happen under the lock that event handlers take, as an editor changes
        the text it shows: with ``text()`` then ``type()``, an event handled in between would be typed over.
        """
        with self._lock:
            bill = self._bill()
            key = bill.eid_of(wid) if wid is not None else eid
            current = None if key is None else bill.text(key)
            if key is None or current is None:
                raise KeyError(f"Unknown provision {wid or eid!r}.")
            new_text = edit(current)
            self._run(bill.type(key, new_text))
            return new_text

    def eid_of(self, wid: str) -> str | None:
        """The eId this drafter currently knows provision ``wid`` by (eIds change when provisions move)."""
        with self._lock:
            return self._bill().eid_of(wid)

    def resend(self) -> int:
        """Send every edit still awaiting its ack again, with the same op_id (as after an ack timeout).

        The server answers an op_id it has already applied with the original ack; returns how many were sent.
        """
        with self._lock:
            bill = self._bill()
            if not bill.joined:
                return 0  # the join under way resends them
            sends = [{"bill": bill.bill, **p.pending_send} for p in bill.provisions.values() if p.pending_send]
            self._run(Reaction(sends=sends))
            return len(sends)

    @property
    def connected(self) -> bool:
        """True while the Socket.IO connection is up."""
        return bool(self._sio.connected)

    def text(self, eid: str) -> str | None:
        """What this drafter sees of provision ``eid``."""
        with self._lock:
            return self._bill().text(eid)

    def rev(self, eid: str) -> int | None:
        """The server revision this drafter's confirmed text of ``eid`` is at."""
        with self._lock:
            provision = self._bill().provisions.get(eid)
            return None if provision is None else provision.rev

    @property
    def since(self) -> int | None:
        """The last event id up to which this client has seen everything."""
        with self._lock:
            return self._bill().since

    def wait_quiescent(self, timeout: float = 10.0, *, up_to: int | None = None) -> None:
        """Block until every local edit is confirmed by the server; ``TimeoutError`` otherwise.

        With ``up_to``, also until every event up to that id has been seen (``since >= up_to``).
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._caught_up(up_to):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"Edits are still waiting for the server: {self._state(up_to)}.")
                self._changed.wait(min(left, 0.5))

    def disconnect(self) -> None:
        """Close the connection (unsent edits stay and go out after ``connect`` + ``join``)."""
        self._closed.set()
        self._sio.disconnect()
        self._in_order.stop()

    def _watch(self, generation: int) -> None:
        """Bring back a connection that python-socketio believes is up while its transport is gone.

        ``socketio.Client.connect`` (5.18) marks the client connected only after the namespace handshake; a
        transport that drops in between is handled as if the client had never been connected, so no
        reconnection starts, ``connected`` then turns true and every emit is dropped for good. The
        convergence tests hit it by cutting a connection again just after it came back.
        """
        looks = 0
        while not self._closed.wait(WATCH_INTERVAL) and generation == self._generation:
            transport = getattr(self._sio, "eio", None)
            dead = bool(self._sio.connected) and getattr(transport, "state", "connected") != "connected"
            looks = looks + 1 if dead else 0
            if looks < 2:
                continue
            looks = 0
            log.warning("the connection's transport is gone but python-socketio did not notice: reconnecting")
            self._sio.connected = False  # what the missed disconnect would have done; lets connect() run
            self._reopen()

    def _reopen(self) -> None:
        delay = WATCH_INTERVAL
        while self._address is not None and not self._closed.is_set() and not self._sio.connected:
            url, auth = self._address
            try:
                self._sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=self._ack_timeout)
                return  # the connect handler joins again
            except socketio.exceptions.ConnectionError:
                self._closed.wait(delay)
                delay = min(2 * delay, 5.0)

    def _state(self, up_to: int | None) -> str:
        bill = self._bill()
        waiting = sorted(eid for eid, provision in bill.provisions.items() if not provision.settled)
        return (f"connected={self._sio.connected}, joined={bill.joined}, since={bill.since}, up_to={up_to}, "
                f"unsettled provisions={waiting}")

    def _caught_up(self, up_to: int | None) -> bool:
        bill = self._bill()
        return bill.settled and (up_to is None or (bill.since is not None and bill.since >= up_to))

    def _bill(self) -> BillSync:
        if self._sync is None:
            raise RuntimeError("Join a bill first.")
        return self._sync

    def _send_join(self) -> None:
        with self._lock:
            self._joined.clear()
            payload = self._bill().join_request()
        self._sio.emit("join", payload, callback=self._on_join_ack)

    def _on_connect(self) -> None:
        # A reconnection: join again with the last event id seen, which also resends what is in flight.
        # Also when the previous join was never answered (the line dropped first): waiting for that answer
        # would wait for ever.
        if self._sync is not None:
            self._send_join()

    def _on_join_ack(self, ack: Mapping[str, Any]) -> None:
        with self._lock:
            reaction = self._bill().on_join_ack(ack)
            self._join_error = reaction.errors[0][1] if not ack.get("ok") and reaction.errors else None
            self._run(reaction)
        self._joined.set()

    def _on_event(self, event: Mapping[str, Any]) -> None:
        with self._lock:
            if self._sync is not None:
                self._run(self._sync.on_event(event))

    def _on_edit_ack(self, payload: dict[str, Any], ack: Mapping[str, Any]) -> None:
        with self._lock:
            self._run(self._bill().on_edit_ack(payload, ack))

    def _run(self, reaction: Reaction) -> None:
        """Carry out a reaction; called with the lock held."""
        self.errors += reaction.errors
        for payload in reaction.sends:
            try:
                self._sio.emit("edit", payload, callback=lambda ack, sent=payload: self._on_edit_ack(sent, ack))
            except socketio.exceptions.SocketIOError:
                pass  # not connected: the op stays in flight and the next join sends it again
        if reaction.rejoin and self._sio.connected:
            self._send_join()
        if reaction.retry_after is not None and not self._retry_pending:
            self._retry_pending = True
            timer = threading.Timer(reaction.retry_after, self._retry)
            timer.daemon = True
            timer.start()
        self._changed.notify_all()

    def _retry(self) -> None:
        with self._lock:
            self._retry_pending = False
            if self._sync is not None:
                self._run(self._sync.retry())
