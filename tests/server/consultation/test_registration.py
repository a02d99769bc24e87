"""Citizen sign-up with a verification mail delivered to a real SMTP server on loopback."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from server.errors import EmailTaken
from server.services import registration
from server.store.consultation_models import CitizenSignup
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, Api, app_with, import_bill


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []  # each message's envelope (RCPT TO): where it was really delivered
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.content))
            self.recipients.append(list(envelope.rcpt_tos))
            self.arrived.notify_all()
        return "250 OK"

    def delivered_to(self, address: str) -> Message:
        """The last message whose envelope went to ``address`` (and nowhere else)."""
        with self.arrived:
            self.arrived.wait_for(lambda: [address] in self.recipients, timeout=10)
            found = [m for m, to in zip(self.messages, self.recipients, strict=True) if to == [address]]
        assert found, self.recipients
        return found[-1]

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
def utf8_inbox() -> Iterator[tuple[Inbox, int]]:
    """A mail server that accepts internationalised addresses (SMTPUTF8), as modern ones do."""
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
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


def _sign_up(client: Any, username: str, address: str) -> Any:
    return client.post("/api/citizens", json={"username": username, "email": address, "password": "long-enough-pw"})


def test_an_address_is_mailed_only_at_itself_so_one_mailbox_verifies_one_account(
    smtp_app: Flask, inbox: tuple[Inbox, int]
) -> None:
    """Comments, quotes and list separators are mail syntax: "(2)juma@example.org" is delivered to
    juma@example.org, so its owner could verify any number of accounts; "x,juma@…" also mails the local user x."""
    client = smtp_app.test_client()
    assert _sign_up(client, "juma", "juma@example.org").status_code == 201
    token = _token(inbox[0].delivered_to("juma@example.org"))
    assert client.post("/api/citizens/verification", json={"token": token}).status_code == 200

    for n, address in enumerate(["(2)juma@example.org", "juma(2)@example.org", '"ju"ma@example.org',
                                 "x,juma@example.org", "x;juma@example.org", "ju\u200bma@example.org"]):
        refused = _sign_up(client, f"juma{n}", address)
        assert refused.status_code == 422, (address, refused.get_json())
        assert refused.get_json()["error"]["code"] == "email_refused"
    # The characters RFC 5322 allows in a plain address still work; plus-addressing is a distinct address.
    assert _sign_up(client, "obrien", "O'Brien+Bills@example.org").status_code == 201
    inbox[0].delivered_to("o'brien+bills@example.org")
    assert inbox[0].recipients == [["juma@example.org"], ["o'brien+bills@example.org"]]


def test_one_address_written_in_two_unicode_forms_is_one_account(
    database_url: str, tmp_path: Path, utf8_inbox: tuple[Inbox, int]
) -> None:
    """"ü" as one character and as "u" plus a combining diaeresis is one address to its owner and to mail."""
    app = app_with(database_url, tmp_path, MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1",
                   MAIL_SMTP_PORT=utf8_inbox[1], PUBLIC_URL="https://parley.example")
    try:
        client = app.test_client()
        composed, decomposed = "j\u00fcrgen@example.org", "ju\u0308rgen@example.org"
        signed = _sign_up(client, "jurgen", composed)
        assert signed.status_code == 201 and signed.get_json()["verification_sent"] is True
        token = _token(utf8_inbox[0].delivered_to(composed))
        assert client.post("/api/citizens/verification", json={"token": token}).status_code == 200
        for n, address in enumerate([decomposed, decomposed.upper()]):
            again = _sign_up(client, f"jurgen{n}", address)
            assert again.status_code == 409, (address, again.get_json())
            assert again.get_json()["error"]["code"] == "email_taken"
    finally:
        app.extensions["parley.db"].dispose()


def test_two_verifications_of_one_address_at_once_leave_one_verified_account(database_url: str, db: Database) -> None:
    """Two servers (two connection pools) verify two accounts' links to one address at the same moment."""
    signed = []
    for username in ("wanjiku", "wanjiku2"):
        with db.write() as session:
            signed.append(registration.sign_up(session, username=username, email="wanjiku@example.org",
                                               password="long-enough-pw"))
    servers = [Database(database_url), Database(database_url)]
    holding, outcome = threading.Event(), {}

    def verify_and_hold() -> None:
        with servers[0].write() as session:
            registration.verify(session, signed[0].token)
            holding.set()
            time.sleep(0.5)  # verified but not yet committed while the other server verifies

    def verify_meanwhile() -> None:
        holding.wait(10)
        try:
            with servers[1].write() as session:
                registration.verify(session, signed[1].token)
            outcome["second"] = "verified"
        except EmailTaken:
            outcome["second"] = "email_taken"
        except Exception as error:  # e.g. a unique-constraint error that would be a 500
            outcome["second"] = type(error).__name__

    threads = [threading.Thread(target=verify_and_hold), threading.Thread(target=verify_meanwhile)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    finally:
        for server in servers:
            server.dispose()
    assert outcome == {"second": "email_taken"}
    with db.read() as session:
        verified = session.scalar(select(func.count()).where(CitizenSignup.verified_email == "wanjiku@example.org"))
    assert verified == 1
