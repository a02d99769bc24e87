"""Socket events x roles, cross-site WebSocket hijacking, and secrets kept out of the logs."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
import websocket
from flask import Flask
from flask.testing import FlaskClient

from server.client.connection import socketio_client
from server.domain import textpatch
from server.realtime.namespace import ParleyNamespace
from tests.security.conftest import ROLES, World
from tests.server.conftest import Accounts, LiveServer

EDIT_EID = "part_1__sec_1"


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


def connect(url: str, token: str | None, origin: str | None = None) -> socketio.Client:
    client = socketio_client(reconnection=False)
    headers = {"Origin": origin} if origin else {}
    client.connect(url, auth={"token": token} if token else None, transports=["websocket"], headers=headers,
                   wait_timeout=10)
    return client


def _edit(world: World, state: dict[str, Any], op: str) -> dict[str, Any]:
    return {"bill": world.bill, "eid": EDIT_EID, "rev": state["rev"], "op_id": op,
            "patch": textpatch.make_patch(state["text"], state["text"] + " " + op)}


# Who may send each event once joined; `join`/`leave` are for everyone (public bills are public).
SOCKET_MATRIX: dict[str, frozenset[str]] = {
    "join": frozenset(ROLES),
    "follow_public": frozenset(ROLES),
    "leave": frozenset(ROLES),
    "edit": frozenset({"drafter"}),
    "structure": frozenset({"drafter"}),
    "presence": frozenset({"drafter"}),
    # The moderators' room hears which comments and accounts moderation touched, held comments included.
    "follow_moderation": frozenset({"clerk", "admin"}),
}
LIFECYCLE = {"connect", "disconnect"}


def test_every_socket_event_is_in_the_matrix() -> None:
    handlers = {name.removeprefix("on_") for name, _ in inspect.getmembers(ParleyNamespace, inspect.isfunction)
                if name.startswith("on_") and name != "on_error_default"} - LIFECYCLE
    assert handlers == set(SOCKET_MATRIX), f"add to the socket matrix: {sorted(handlers - set(SOCKET_MATRIX))}"


@pytest.mark.parametrize("role", ROLES)
def test_socket_events_admit_exactly_their_roles(
    role: str, live_server: LiveServer, users: Accounts, world: World
) -> None:
    client = connect(live_server.url, users.tokens.get(role))
    try:
        joined = client.call("join", {"bill": world.bill, "since": None}, timeout=10)
        assert joined["ok"] is True, joined  # join is public
        state = joined["provisions"][EDIT_EID]
        payloads: dict[str, dict[str, Any]] = {
            "edit": _edit(world, state, f"op-{role}"),
            "structure": {"bill": world.bill, "action": "retitle", "eid": "part_2__sec_4", "heading": "Records"},
            "presence": {"bill": world.bill, "eid": EDIT_EID, "cursor": {"anchor": 0, "head": 1}},
            "follow_public": {},
            "follow_moderation": {},
            "leave": {"bill": world.bill},
        }
        wrong = []
        for event, payload in payloads.items():
            ack = client.call(event, payload, timeout=10)
            admitted = ack.get("ok") is True
            if not admitted:
                assert ack["error"]["code"] in {"forbidden", "unauthenticated"}, (event, ack)
            if admitted != (role in SOCKET_MATRIX[event]):
                wrong.append(f"{event}: {ack}")
        assert not wrong, f"{role}: " + "; ".join(wrong)
    finally:
        client.disconnect()


def test_a_foreign_origin_cannot_open_a_socket(live_server: LiveServer, users: Accounts) -> None:
    """Cross-site WebSocket hijacking: a page on another site must not ride the visitor's session or token."""
    handshake = f"{live_server.url}/socket.io/?EIO=4&transport=polling"
    for foreign in ("https://evil.example", "null", live_server.url.replace("127.0.0.1", "127.0.0.1.evil.example")):
        refused = requests.get(handshake, headers={"Origin": foreign}, timeout=5)
        assert refused.status_code == 400, foreign
    accepted = requests.get(handshake, headers={"Origin": live_server.url}, timeout=5)
    assert accepted.status_code == 200 and '"sid"' in accepted.text
    # The WebSocket transport itself: the upgrade request from a foreign page is refused too.
    raw = websocket.WebSocket()
    with pytest.raises(websocket.WebSocketBadStatusException):
        raw.connect(live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                    origin="https://evil.example", timeout=5)
    raw.connect(live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                origin=live_server.url, timeout=5)
    assert raw.recv().startswith("0{")  # the Engine.IO open packet
    raw.close()


def test_a_wrong_token_is_refused_not_downgraded(live_server: LiveServer) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live_server.url, "not-a-token")


def test_passwords_and_tokens_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture, client: FlaskClient, live_server: LiveServer, users: Accounts, world: World
) -> None:
    secrets = [users.tokens[name] for name in users.tokens] + ["correct-horse", "Wrong-Pass-9", "s3cret-Reg-pass"]
    caplog.set_level(logging.DEBUG)
    issued = client.post("/api/tokens", json={"username": "mp", "password": "correct-horse"})
    assert issued.status_code == 201
    secrets.append(issued.get_json()["token"])
    client.post("/api/tokens", json={"username": "mp", "password": "Wrong-Pass-9"})
    client.post("/login", data={"username": "clerk", "password": "Wrong-Pass-9"})
    client.post("/api/citizens", json={"username": "newcomer", "email": "n@example.org",
                                       "password": "s3cret-Reg-pass"})
    for name in ("citizen", "mp"):
        client.get("/api/moderation/queue", headers=users.headers(name))
    socket = connect(live_server.url, users.tokens["drafter"])
    socket.call("join", {"bill": world.bill, "since": None}, timeout=10)
    socket.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(live_server.url, "bogus-token-value-123")
    secrets.append("bogus-token-value-123")
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the server did log something"
    for secret in secrets:
        assert secret not in logged
