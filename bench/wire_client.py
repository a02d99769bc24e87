"""A lean Socket.IO client for load generation: Engine.IO 4 / Socket.IO 5 text frames over a bare WebSocket.

With hundreds of clients on the same two cores as the server, the load generator's own cost per message decides
how much CPU is left for the server it measures. python-socketio's AsyncClient spends about 100 µs on each
message it receives and aiohttp's WebSocket about 35 µs; this client reads the server's frames straight from an
asyncio protocol, several per ``data_received`` call, for a few µs each. It handles exactly what the benches use —
connect with auth, ``call``/``emit`` with an ack, incoming events, pings — over RFC 6455 frames: text frames from
the server (never masked, never fragmented by python-engineio), masked text frames to it, close and ping control
frames. It speaks the protocol documented in docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

Handler = Callable[[Any], None]

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class WireError(RuntimeError):
    """The server refused the connection or closed it."""


def _frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (RFC 6455 §5.3): every frame a client sends must be masked."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    mask = os.urandom(4)
    repeated = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
    return header + mask + masked


class _WebSocket(asyncio.Protocol):
    """The client side of one WebSocket: the upgrade, then frames in both directions."""

    def __init__(self, on_text: Callable[[str], None], on_closed: Callable[[], None]) -> None:
        self.on_text, self.on_closed = on_text, on_closed
        self.transport: asyncio.Transport | None = None
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send_text(self, text: str) -> None:
        assert self.transport is not None
        self.transport.write(_frame(_TEXT, text.encode()))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(_CLOSE, b""))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(WireError(f"connection lost during the upgrade: {exc}"))
        self.on_closed()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[:end + 4]
            if b" 101 " not in status + b" ":
                self.upgraded.set_exception(WireError(f"upgrade refused: {status.decode(errors='replace')}"))
                return
            self.upgraded.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        at = 0
        while len(buffer) - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            length, start = second & 0x7F, at + 2
            if length == 126:
                if len(buffer) - at < 4:
                    break
                length, start = struct.unpack_from("!H", buffer, at + 2)[0], at + 4
            elif length == 127:
                if len(buffer) - at < 10:
                    break
                length, start = struct.unpack_from("!Q", buffer, at + 2)[0], at + 10
            if len(buffer) < start + length:
                break
            payload = bytes(buffer[start:start + length])
            at = start + length
            opcode = first & 0x0F
            if opcode == _TEXT:
                self.on_text(payload.decode())
            elif opcode == _PING and self.transport is not None:
                self.transport.write(_frame(_PONG, payload))
            elif opcode == _CLOSE:
                self.close()
        del buffer[:at]


class WireClient:
    """One Socket.IO connection on the default namespace."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.pending: dict[int, Callable[[Any], None]] = {}
        self.next_id = 0
        self.socket: _WebSocket | None = None
        self.connected = asyncio.Event()
        self.refused: str | None = None

    def on(self, event: str, handler: Handler) -> None:
        self.handlers[event] = handler

    async def connect(self, url: str, auth: dict[str, Any] | None = None, timeout: float = 60) -> None:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: _WebSocket(self._packet, self._closed), host, port)
        self.socket = protocol
        key = base64.b64encode(os.urandom(16)).decode()
        assert protocol.transport is not None
        protocol.transport.write(
            (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        )
        await asyncio.wait_for(protocol.upgraded, timeout)
        protocol.send_text("40" + (json.dumps(auth) if auth else ""))
        await asyncio.wait_for(self.connected.wait(), timeout)
        if self.refused is not None:
            raise WireError(f"connection refused: {self.refused}")

    async def emit(self, event: str, data: Any, callback: Callable[[Any], None] | None = None) -> None:
        assert self.socket is not None
        if callback is None:
            self.socket.send_text("42" + json.dumps([event, data], separators=(",", ":")))
            return
        self.next_id += 1
        self.pending[self.next_id] = callback
        self.socket.send_text(f"42{self.next_id}" + json.dumps([event, data], separators=(",", ":")))

    async def call(self, event: str, data: Any, timeout: float = 60) -> Any:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.emit(event, data, lambda value: answer.done() or answer.set_result(value))
        return await asyncio.wait_for(answer, timeout)

    async def close(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def _closed(self) -> None:
        if not self.connected.is_set():
            self.refused = "closed before connecting"
            self.connected.set()

    def _packet(self, text: str) -> None:
        kind = text[:1]
        if kind == "4":
            self._socketio(text[1:])
        elif kind == "2" and self.socket is not None:  # Engine.IO ping: answer at once or the server drops us
            self.socket.send_text("3")

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
