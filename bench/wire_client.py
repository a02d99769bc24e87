"""A lean Socket.IO client for load generation: one WebSocket, Engine.IO 4 / Socket.IO 5 text frames, nothing else.

The python-socketio client spends about 100 µs of CPU on each message it receives; with hundreds of clients
on the same two cores as the server, the load generator then uses more CPU than the server it measures and the
latencies it reports are its own queueing. This client handles exactly what the benches use — connect with
auth, ``call``/``emit`` with an ack, incoming events, pings — for about a tenth of that cost, so that the
figures describe the server. It speaks the protocol documented in docs/protocol.md over aiohttp's WebSocket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp

Handler = Callable[[Any], None]


class WireError(RuntimeError):
    """The server refused the connection or closed it."""


class WireClient:
    """One Socket.IO connection on the default namespace."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.handlers: dict[str, Handler] = {}
        self.pending: dict[int, Callable[[Any], None]] = {}
        self.next_id = 0
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.refused: str | None = None

    def on(self, event: str, handler: Handler) -> None:
        self.handlers[event] = handler

    async def connect(self, url: str, auth: dict[str, Any] | None = None, timeout: float = 60) -> None:
        ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.session.ws_connect(ws_url, autoping=False, max_msg_size=0, compress=0)
        self.reader = asyncio.create_task(self._read())
        await self.ws.send_str("40" + (json.dumps(auth) if auth else ""))
        await asyncio.wait_for(self.connected.wait(), timeout)
        if self.refused is not None:
            raise WireError(f"connection refused: {self.refused}")

    async def emit(self, event: str, data: Any, callback: Callable[[Any], None] | None = None) -> None:
        assert self.ws is not None
        if callback is None:
            await self.ws.send_str("42" + json.dumps([event, data], separators=(",", ":")))
            return
        self.next_id += 1
        self.pending[self.next_id] = callback
        await self.ws.send_str(f"42{self.next_id}" + json.dumps([event, data], separators=(",", ":")))

    async def call(self, event: str, data: Any, timeout: float = 60) -> Any:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.emit(event, data, lambda value: answer.done() or answer.set_result(value))
        return await asyncio.wait_for(answer, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            await self._packet(message.data)
        if not self.connected.is_set():
            self.refused = "closed before connecting"
            self.connected.set()

    async def _packet(self, text: str) -> None:
        kind = text[:1]
        if kind == "2":  # Engine.IO ping: answer at once or the server drops the connection
            assert self.ws is not None
            await self.ws.send_str("3")
        elif kind == "4":
            self._socketio(text[1:])

    def _socketio(self, text: str) -> None:
        kind = text[:1]
        if kind == "2":
            name, *args = json.loads(text[1:])
            handler = self.handlers.get(name)
            if handler is not None:
                handler(args[0] if args else None)
        elif kind == "3":
            cut = text.index("[")
            callback = self.pending.pop(int(text[1:cut]), None)
            if callback is not None:
                values = json.loads(text[cut:])
                callback(values[0] if values else None)
        elif kind == "0":
            self.connected.set()
        elif kind == "4":
            self.refused = text[1:]
            self.connected.set()
