"""Citizen sign-up with a verification mail delivered to a real SMTP server on loopback."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from server.domain.consultation import ConsultationEvent
from server.errors import EmailTaken
from server.services import registration
from server.store import eventlog
from server.store.consultation_models import CitizenSignup, EmailVerification
from server.store.db import Database
from server.store.models import EventRecord, User
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


def _token(message: Message, link: str = r"/verify\?token=") -> str:
    """The token of the mail's link (by default, the one that confirms the address)."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(link + r"([\w-]+)", body.decode("utf-8"))
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
    # Nor may an unconfirmed account report others' comments to the clerks, nor endorse them.
    other = api.comment("citizen", bill, DURATION, "A comment of someone else.").get_json()
    for action, body in (("flags", {"reason": "spam"}), ("endorsements", None)):
        refused = client.post(f"/api/comments/{other['id']}/{action}", json=body, headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "email_not_verified", action

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
    assert third.status_code == 201, "answered as any sign-up, but no second account"
    assert client.post("/api/tokens", json={"username": "juma3", "password": "long-enough-pw"}).status_code == 401
    assert client.post("/api/citizens", json={"username": "juma", "email": "other@example.org",
                                              "password": "long-enough-pw"}).status_code == 409, "username taken"


def test_signing_up_with_an_address_that_has_an_account_tells_its_owner_and_no_one_else(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database
) -> None:
    """Sign-up answers alike whether or not the address has an account, as a password reset does: harassers must
    not learn from it where their targets have accounts. The address's owner is mailed instead."""
    client = smtp_app.test_client()
    assert _sign_up(client, "wanjiku", "wanjiku@example.org").status_code == 201
    token = _token(inbox[0].delivered_to("wanjiku@example.org"))
    assert client.post("/api/citizens/verification", json={"token": token}).status_code == 200
    with db.read() as session:
        accounts_before = session.scalar(select(func.count()).select_from(User))
        events_before = session.scalar(select(func.max(EventRecord.id)))

    fresh = _sign_up(client, "stranger", "stranger@example.org")
    probe = _sign_up(client, "prober", "Wanjiku@Example.org")
    assert probe.status_code == fresh.status_code == 201
    assert probe.get_json() == {"username": "prober", "verification_sent": True}
    assert fresh.get_json() == {"username": "stranger", "verification_sent": True}
    told = inbox[0].delivered_to("wanjiku@example.org")
    assert told["Subject"] == "Someone tried to sign up to Parley with your address"
    text = told.get_payload(decode=True).decode("utf-8")
    assert "wanjiku" in text and "https://parley.example/login" in text
    assert "https://parley.example/password/forgotten" in text
    assert "/verify?token=" not in text, "nothing in it confirms anything"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == accounts_before + 1  # the stranger only
        made = session.scalars(select(EventRecord).where(EventRecord.id > events_before)).all()
        assert all(event.data.get("email") != "wanjiku@example.org" for event in made)
    assert client.post("/api/tokens", json={"username": "prober", "password": "long-enough-pw"}).status_code == 401
    # Still one answer per mistake, whether or not the address has an account: a taken username is refused alike.
    for address in ("wanjiku@example.org", "nobody@example.org"):
        again = _sign_up(client, "stranger", address)
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict", address


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
            assert again.status_code == 201, (address, again.get_json())
            # Its owner is told of the try, at the address as it was confirmed; no account is made.
            assert utf8_inbox[0].delivered_to(composed)["Subject"].startswith("Someone tried to sign up")
            assert client.post("/api/tokens", json={"username": f"jurgen{n}",
                                                    "password": "long-enough-pw"}).status_code == 401
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


def _not_me_token(message: Message) -> str:
    """The token of the mail's "this was not me" link (the verification's own token)."""
    return _token(message, r"https://parley\.example/verify/not-me\?token=")


def _bearer(client: Any, username: str) -> dict[str, str]:
    login = client.post("/api/tokens", json={"username": username, "password": "long-enough-pw"})
    assert login.status_code == 201, login.get_json()
    return {"Authorization": f"Bearer {login.get_json()['token']}"}


def _user_id(db: Database, username: str) -> int:
    with db.read() as session:
        found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


def test_the_owner_of_an_address_cancels_a_sign_up_someone_else_made_with_it(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database, users: Accounts
) -> None:
    client = smtp_app.test_client()
    bill = import_bill(db, users, "47")
    assert Api(client, users).open(bill).status_code == 201
    assert _sign_up(client, "impostor", "owner@example.org").status_code == 201
    message = inbox[0].delivered_to("owner@example.org")
    token = _not_me_token(message)
    assert token == _token(message) and "was not you" in message.get_payload(decode=True).decode()
    impostor = _bearer(client, "impostor")

    forged = client.post("/api/citizens/verification/disowned", json={"token": "forged"})
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "verification_failed"
    assert client.post("/api/citizens/verification/disowned", json={}).status_code == 422, "the schema covers it"
    disowned = client.post("/api/citizens/verification/disowned", json={"token": token})
    assert disowned.status_code == 200, disowned.get_json()
    assert disowned.get_json() == {"id": _user_id(db, "impostor"), "disowned": True}
    again = client.post("/api/citizens/verification/disowned", json={"token": token})
    assert again.status_code == 200, "a second press changes nothing"

    # The token is spent: the account can never be verified with the address, nor comment.
    late = client.post("/api/citizens/verification", json={"token": token})
    assert late.status_code == 400 and late.get_json()["error"]["code"] == "verification_failed"
    refused = client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Hi"}, headers=impostor)
    # Told what happened, not to confirm an address it no longer has (the panel offers no other mail for it).
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "sign_up_disowned"
    assert "said the sign-up was not theirs" in refused.get_json()["error"]["message"]
    with db.read() as session:
        events = list(session.scalars(select(EventRecord).where(
            EventRecord.type == ConsultationEvent.CITIZEN_SIGN_UP_DISOWNED)))
        assert [(e.stream, e.bill_id, e.data) for e in events] == [
            (f"user/{_user_id(db, 'impostor')}", None, {"user_id": _user_id(db, "impostor")})]
        assert session.scalar(select(User.email).where(User.username == "impostor")) is None

    # The address is free for its owner, who signs up, verifies and comments.
    assert _sign_up(client, "owner", "owner@example.org").status_code == 201
    owned = _token(inbox[0].delivered_to("owner@example.org"))
    assert client.post("/api/citizens/verification", json={"token": owned}).status_code == 200
    posted = client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Mine."},
                         headers=_bearer(client, "owner"))
    assert posted.status_code == 201, posted.get_json()


def test_a_link_that_confirmed_its_address_or_expired_cannot_disown(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database
) -> None:
    client = smtp_app.test_client()
    assert _sign_up(client, "zawadi", "zawadi@example.org").status_code == 201
    token = _token(inbox[0].delivered_to("zawadi@example.org"))
    assert client.post("/api/citizens/verification", json={"token": token}).status_code == 200
    late = client.post("/api/citizens/verification/disowned", json={"token": token})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_verified"
    assert _verified_address(db, "zawadi") == "zawadi@example.org"

    assert _sign_up(client, "expired", "expired@example.org").status_code == 201
    old = _token(inbox[0].delivered_to("expired@example.org"))
    with db.write() as session:
        for row in session.scalars(select(EmailVerification)):
            row.expires_at = eventlog.utcnow() - timedelta(minutes=1)
    for path in ("/api/citizens/verification", "/api/citizens/verification/disowned"):
        answer = client.post(path, json={"token": old})
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "verification_failed", path


def _verified_address(db: Database, username: str) -> str | None:
    with db.read() as session:
        return session.scalar(select(CitizenSignup.verified_email).join(User, User.id == CitizenSignup.user_id)
                              .where(User.username == username))


def test_disowning_shares_the_per_address_sign_up_limit(database_url: str, tmp_path: Path) -> None:
    app = app_with(database_url, tmp_path, MAIL_BACKEND="outbox", RATELIMIT_ENABLED=True,
                   SIGNUP_LIMIT_PER_ADDRESS="2/hour", RATELIMIT_KEY_PREFIX=f"disown-{tmp_path.name}")
    try:
        client = app.test_client()
        statuses = [client.post("/api/citizens/verification", json={"token": "forged"}).status_code,
                    client.post("/api/citizens/verification/disowned", json={"token": "forged"}).status_code,
                    client.post("/api/citizens/verification/disowned", json={"token": "forged"}).status_code]
        assert statuses == [400, 400, 429]
    finally:
        app.extensions["parley.db"].dispose()


def test_a_display_name_is_one_visible_line_and_a_blank_one_is_the_username(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database
) -> None:
    client = smtp_app.test_client()
    account = {"email": "amina@example.org", "password": "long-enough-pw"}
    reversed_date = client.post("/api/citizens", json={"username": "evil", "display_name": "\u202eeviL", **account})
    assert reversed_date.status_code == 422
    error = reversed_date.get_json()["error"]
    assert error["fields"] == [{"field": "body.display_name", "message": error["message"]}]
    assert "U+202E" in error["message"]
    assert client.post("/api/citizens", json={"username": "split", "display_name": "Amina\nOduya",
                                              **account}).status_code == 422
    # Refused sign-ups wrote nothing: the address is still free.
    blank = client.post("/api/citizens", json={"username": "amina", "display_name": "   ", **account})
    assert blank.status_code == 201, blank.get_json()
    named = client.post("/api/citizens", json={"username": "juma", "display_name": "  Juma Otieno ",
                                               "email": "juma@example.org", "password": "long-enough-pw"})
    assert named.status_code == 201
    with db.read() as session:
        names = dict(session.execute(select(User.username, User.display_name)
                                     .where(User.username.in_(["amina", "juma", "evil", "split"]))).all())
    assert names == {"amina": "amina", "juma": "Juma Otieno"}


def _named(client: Any, username: str, display_name: str | None, **headers: str) -> Any:
    body = {"username": username, "email": f"{username}@example.org", "password": "long-enough-pw"}
    return client.post("/api/citizens", json={**body, **({"display_name": display_name} if display_name else {})},
                       headers=headers)


def test_a_citizen_cannot_be_shown_by_another_accounts_name(
    smtp_app: Flask, inbox: tuple[Inbox, int], users: Accounts
) -> None:
    client = smtp_app.test_client()
    assert _named(client, "wanjiku", "Wanjiku Njéri").status_code == 201
    # The fixture's "citizen" is shown by its username; a username left as the display name is checked as one.
    for username, name in (("imp1", "Wanjiku Njéri"), ("imp2", "WANJIKU  NJERI"), ("imp3", "wanjikunjeri"),
                           ("imp4", "Citizen"), ("wanjikunjeri", None)):
        taken = _named(client, username, name)
        assert taken.status_code == 409, (name, taken.get_json())
        assert "choose a display name of your own" in taken.get_json()["error"]["message"]
    assert _named(client, "citizens", None).status_code == 201
    assert _named(client, "wanjiku2", "Wanjiku Njeri II").status_code == 201


def test_a_citizen_cannot_take_the_name_of_an_office(smtp_app: Flask, inbox: tuple[Inbox, int]) -> None:
    client = smtp_app.test_client()
    for username, name in (("imp1", "Clerk of the National Assembly"), ("imp2", "Parliament (official answer)"),
                           ("imp3", "Le Greffier"), ("imp4", "Assemblee nationale du Kenya"), ("the_clerk", None),
                           ("imp5", "MODERATOR")):
        claimed = _named(client, username, name)
        assert claimed.status_code == 422, (name, claimed.get_json())
        error = claimed.get_json()["error"]
        assert "cannot claim an office" in error["message"]
        assert [f["field"] for f in error["fields"]] == ["body.display_name"]
    french = _named(client, "imp6", "Speaker", **{"Accept-Language": "fr"}).get_json()["error"]["message"]
    assert "ne peut pas se réclamer d\u2019une fonction" in french, french
    # Whole words only: a surname that begins like an office is a name.
    assert _named(client, "clerkson", "Amina Clerkson").status_code == 201


def test_the_words_kept_for_offices_are_configured(database_url: str, tmp_path: Path) -> None:
    app = app_with(database_url, tmp_path, RESERVED_DISPLAY_NAME_WORDS=["ombudsman"])
    try:
        client = app.test_client()
        assert _named(client, "imp1", "The Ombudsman").status_code == 422
        assert _named(client, "imp2", "Clerk Kent").status_code == 201
    finally:
        app.extensions["parley.db"].dispose()


def test_a_citizen_chooses_a_password_that_is_not_guessed_at_once(smtp_app: Flask, inbox: tuple[Inbox, int]) -> None:
    client = smtp_app.test_client()
    for username, password in (("amina", "password"), ("amina", "12345678"), ("amina6a", "amina6a1"),
                               ("juma", "qwertyuiop"), ("wanjiku", "wanjiku@example.org")):
        refused = client.post("/api/citizens", json={"username": username, "password": password,
                                                     "email": f"{username}@example.org"})
        assert refused.status_code == 422, (username, password)
        error = refused.get_json()["error"]
        assert error["fields"] == [{"field": "body.password", "message": error["message"]}]
        assert "too easy to guess" in error["message"]
    assert client.post("/api/citizens", json={"username": "amina6a", "password": "tea kettle in a lighthouse",
                                              "email": "amina6a@example.org"}).status_code == 201


def test_a_refused_username_names_its_field(smtp_app: Flask) -> None:
    client = smtp_app.test_client()
    for body, field in (({"username": "b"}, "body.username"), ({"username": "Bad name!"}, "body.username")):
        refused = client.post("/api/citizens", json={"username": "amina", "email": "amina@example.org",
                                                     "password": "tea kettle in a lighthouse", **body})
        assert refused.status_code == 422, body
        error = refused.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert error["fields"] == [{"field": field, "message": error["message"]}], body


def test_a_citizen_whose_link_expired_asks_for_another_and_then_comments(
    smtp_app: Flask, inbox: tuple[Inbox, int], db: Database, users: Accounts
) -> None:
    client = smtp_app.test_client()
    bill = import_bill(db, users, "48")
    assert Api(client, users).open(bill).status_code == 201
    assert _sign_up(client, "baraka", "baraka@example.org").status_code == 201
    first = _token(inbox[0].delivered_to("baraka@example.org"))
    with db.write() as session:
        for row in session.scalars(select(EmailVerification)):
            row.expires_at = eventlog.utcnow() - timedelta(minutes=1)
    assert client.post("/api/citizens/verification", json={"token": first}).status_code == 400
    baraka = _bearer(client, "baraka")

    assert client.post("/api/citizens/verification/resend").status_code == 401
    staff = client.post("/api/citizens/verification/resend", headers=users.headers("mp"))
    assert staff.status_code == 403, "only a citizen's sign-up has an address to confirm"
    resent = client.post("/api/citizens/verification/resend", headers=baraka)
    assert resent.status_code == 200 and resent.get_json() == {"verification_sent": True}
    with inbox[0].arrived:
        assert inbox[0].arrived.wait_for(lambda: inbox[0].recipients.count(["baraka@example.org"]) == 2, timeout=10)
    second = _token(inbox[0].delivered_to("baraka@example.org"))
    assert second != first
    assert client.post("/api/citizens/verification", json={"token": second}).status_code == 200
    posted = client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "At last."}, headers=baraka)
    assert posted.status_code == 201, posted.get_json()

    again = client.post("/api/citizens/verification/resend", headers=baraka)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_verified"
    assert inbox[0].recipients.count(["baraka@example.org"]) == 2, "nothing more was mailed"


def test_a_citizen_asks_again_once_the_mail_server_that_failed_at_sign_up_is_back(
    database_url: str, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the mail server is down
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    app = app_with(database_url, tmp_path, MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=down)
    try:
        client = app.test_client()
        signed = _sign_up(client, "neema", "neema@example.org")
        assert signed.status_code == 201 and signed.get_json()["verification_sent"] is False
        neema = _bearer(client, "neema")
        failed = client.post("/api/citizens/verification/resend", headers=neema)
        assert failed.status_code == 200 and failed.get_json() == {"verification_sent": False}
        app.config["MAIL_SMTP_PORT"] = inbox[1]
        resent = client.post("/api/citizens/verification/resend", headers=neema)
        assert resent.get_json() == {"verification_sent": True}
        token = _token(inbox[0].delivered_to("neema@example.org"))
        assert client.post("/api/citizens/verification", json={"token": token}).status_code == 200
    finally:
        app.extensions["parley.db"].dispose()


def test_a_disowned_sign_up_gets_no_other_mail(smtp_app: Flask, inbox: tuple[Inbox, int]) -> None:
    client = smtp_app.test_client()
    assert _sign_up(client, "intruder", "victim@example.org").status_code == 201
    token = _not_me_token(inbox[0].delivered_to("victim@example.org"))
    assert client.post("/api/citizens/verification/disowned", json={"token": token}).status_code == 200
    refused = client.post("/api/citizens/verification/resend", headers=_bearer(client, "intruder"))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "sign_up_disowned"
    assert inbox[0].recipients.count(["victim@example.org"]) == 1


def test_asking_for_another_mail_is_limited_per_account(database_url: str, tmp_path: Path) -> None:
    app = app_with(database_url, tmp_path, MAIL_BACKEND="outbox", RATELIMIT_ENABLED=True,
                   VERIFICATION_RESEND_LIMIT_PER_ACCOUNT="2/hour", RATELIMIT_KEY_PREFIX=f"resend-{tmp_path.name}")
    try:
        client = app.test_client()
        assert _sign_up(client, "pendo", "pendo@example.org").status_code == 201
        pendo = _bearer(client, "pendo")
        statuses = [client.post("/api/citizens/verification/resend", headers=pendo).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
        assert len(outbox) == 3, "the sign-up's mail and two more, not a third"
    finally:
        app.extensions["parley.db"].dispose()
