"""The embedded server turns Nagle's algorithm off on the connections it accepts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
import socketio
from werkzeug.serving import make_server

from server.realtime.transport import NoDelayRequestHandler
from server.store import migrate
from tests.server.processes import ServerProcess


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


def test_parley_serve_refuses_an_unreadable_request_with_a_json_error(tmp_path: Path) -> None:
    """The contract's error form even where the application never sees the request: a request line past 8 KiB,
    a header line past 64 KiB (gevent answered both with an empty body)."""
    url = f"sqlite:///{tmp_path / 'transport.db'}"
    migrate.upgrade(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": "transport-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance")}
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        long_line = requests.get(f"{server.url}/api/bills?title={'x' * 9000}", timeout=10)
        assert long_line.status_code == 414
        assert long_line.json()["error"]["code"] == "uri_too_long"
        huge_header = requests.get(f"{server.url}/api/bills", headers={"X-Padding": "y" * 70_000}, timeout=10)
        assert huge_header.status_code == 400
        assert huge_header.headers["Content-Type"] == "application/json"
        assert huge_header.json()["error"]["code"] == "bad_request"
        # Requests it can read are the application's, as before.
        assert requests.get(f"{server.url}/api/bills", timeout=10).status_code == 200
    finally:
        server.stop()


def test_a_websocket_that_ends_leaves_no_unreadable_request_behind(tmp_path: Path) -> None:
    """After a WebSocket closes, its connection ends too: the client's close frame is not read as a request."""
    url = f"sqlite:///{tmp_path / 'transport.db'}"
    migrate.upgrade(url)
    log = tmp_path / "server.log"
    env = {"DATABASE_URL": url, "SECRET_KEY": "transport-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance")}
    server = ServerProcess(env, log).start()
    try:
        for _ in range(3):
            client = socketio.Client(reconnection=False)
            client.connect(server.url, transports=["websocket"], wait_timeout=10)
            client.disconnect()
        time.sleep(1)
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
    written = log.read_text(errors="replace")
    assert "Invalid HTTP method" not in written and "Expected GET method" not in written, written[-2000:]
