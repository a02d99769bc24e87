"""Citizen sign-up with a verification mail delivered to a real SMTP server on loopback."""

from __future__ import annotations

import email
import re
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, Api, app_with, import_bill


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 OK"

    def last_to(self, address: str) -> Message:
        with self.arrived:
            self.arrived.wait_for(lambda: any(m["To"] == address for m in self.messages), timeout=10)
        return [m for m in self.messages if m["To"] == address][-1]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port: it connects to itself to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(database_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Iterator[Flask]:
    app = app_with(database_url, tmp_path, MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1",
                   MAIL_SMTP_PORT=inbox[1], PUBLIC_URL="https://parley.example")
    yield app
    app.extensions["parley.db"].dispose()


def _token(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"/verify\?token=([\w-]+)", body.decode("utf-8"))
    assert found, body
    return found.group(1)


def test_a_citizen_signs_up_verifies_by_mail_and_then_comments(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database, users: Accounts
) -> None:
    client = smtp_app.test_client()
    bill = import_bill(db, users, "46")
    api = Api(client, users)
    assert api.open(bill).status_code == 201

    signed = client.post("/api/citizens", json={"username": "amina", "email": "Amina@Example.org",
                                                "password": "long-enough-pw", "display_name": "Amina K."})
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["verification_sent"] is True
    message = inbox[0].last_to("amina@example.org")
    assert message["Subject"] == "Confirm your email address for Parley"
    token = _token(message)

    login = client.post("/api/tokens", json={"username": "amina", "password": "long-enough-pw"})
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    early = client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Hello"}, headers=headers)
    assert early.status_code == 403 and early.get_json()["error"]["code"] == "email_not_verified"

    assert client.post("/api/citizens/verification", json={"token": "forged"}).status_code == 400
    verified = client.post("/api/citizens/verification", json={"token": token})
    assert verified.status_code == 200 and verified.get_json()["verified"] is True
    assert client.post("/api/citizens/verification", json={"token": token}).status_code == 400, "used once"
    late = client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Hello"}, headers=headers)
    assert late.status_code == 201


def test_one_account_per_verified_address_and_no_disposable_domains(
    smtp_app: Flask, inbox: tuple[Inbox, int]
) -> None:
    client = smtp_app.test_client()
    disposable = client.post("/api/citizens", json={"username": "bot1", "email": "bot1@mailinator.com",
                                                    "password": "long-enough-pw"})
    assert disposable.status_code == 422 and disposable.get_json()["error"]["code"] == "email_refused"
    assert client.post("/api/citizens", json={"username": "bot2", "email": "not-an-address",
                                              "password": "long-enough-pw"}).status_code == 422

    first = client.post("/api/citizens", json={"username": "juma", "email": "juma@example.org",
                                               "password": "long-enough-pw"})
    second = client.post("/api/citizens", json={"username": "juma2", "email": "JUMA@example.org",
                                                "password": "long-enough-pw"})
    assert first.status_code == second.status_code == 201, "unverified addresses prove nothing yet"
    with inbox[0].arrived:
        inbox[0].arrived.wait_for(lambda: len(inbox[0].messages) >= 2, timeout=10)
    tokens = [_token(m) for m in inbox[0].messages if m["To"] == "juma@example.org"]
    assert len(tokens) == 2
    assert client.post("/api/citizens/verification", json={"token": tokens[1]}).status_code == 200
    taken = client.post("/api/citizens/verification", json={"token": tokens[0]})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "email_taken"
    third = client.post("/api/citizens", json={"username": "juma3", "email": "juma@example.org",
                                               "password": "long-enough-pw"})
    assert third.status_code == 409
    assert client.post("/api/citizens", json={"username": "juma", "email": "other@example.org",
                                              "password": "long-enough-pw"}).status_code == 409, "username taken"


def test_development_mail_goes_to_the_outbox(database_url: str, tmp_path: Path) -> None:
    app = app_with(database_url, tmp_path, MAIL_BACKEND="outbox")
    try:
        response = app.test_client().post("/api/citizens", json={"username": "dev", "email": "dev@example.org",
                                                                 "password": "long-enough-pw"})
        assert response.status_code == 201
        outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
        assert len(outbox) == 1
        message = email.message_from_bytes(outbox[0].read_bytes())
        assert message["To"] == "dev@example.org" and _token(message)
    finally:
        app.extensions["parley.db"].dispose()
