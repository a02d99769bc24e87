"""Mail notifications through a real SMTP server on loopback: immediate mails and daily digests of the public
events a subscription follows, the signed unsubscribe link, and cursors that never lose a notification."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from server.services import accounts, notification_delivery, registration
from server.services.mail import Mail, SmtpSender
from server.services.notification_delivery import NotificationSettings
from server.store import eventlog, projections
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.opendata.conftest import DUTY, REGISTER, import_bill, iso


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted"

    def take(self) -> list[EmailMessage]:
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
def sender(inbox: Inbox) -> SmtpSender:
    return SmtpSender("127.0.0.1", inbox.port, "Parley <no-reply@parley.test>")  # type: ignore[attr-defined]


@pytest.fixture
def settings(app: Flask) -> NotificationSettings:
    return NotificationSettings(public_url="http://parley.test", secret_key=app.config["SECRET_KEY"])


class Clock:
    def __init__(self) -> None:
        self.now = eventlog.utcnow()

    def __call__(self) -> datetime:
        return self.now


def add_with_email(db: Database, users: Accounts, username: str, role: str, email: str) -> None:
    with db.write() as session:
        user = accounts.register_user(session, username, role, "correct-horse", email=email)
        users.tokens[username] = accounts.issue_token(session, accounts.principal_of(user))
        users.ids[username] = user.id


def subscribe(client: FlaskClient, users: Accounts, who: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/subscriptions", json=body, headers=users.headers(who))
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def propose(client: FlaskClient, users: Accounts, bill_id: int, eid: str, old: str, new: str) -> int:
    text = client.get(f"/api/bills/{bill_id}/provisions/{eid}").get_json()["text"]
    response = client.post(f"/api/bills/{bill_id}/amendments", headers=users.headers("mp"),
                           json={"eid": eid, "text": text.replace(old, new), "justification": "Needed."})
    assert response.status_code == 201, response.get_json()
    amendment_id: int = response.get_json()["id"]
    return amendment_id


def table(client: FlaskClient, users: Accounts, amendment_id: int) -> None:
    response = client.post(f"/api/amendments/{amendment_id}/transitions", headers=users.headers("mp"),
                           json={"to": "tabled"})
    assert response.status_code == 200, response.get_json()


def admit(client: FlaskClient, users: Accounts, amendment_id: int) -> None:
    response = client.post(f"/api/amendments/{amendment_id}/transitions", headers=users.headers("clerk"),
                           json={"to": "admissible"})
    assert response.status_code == 200, response.get_json()


def unsubscribe_link(message: EmailMessage) -> str:
    body = message.get_content()
    found = re.search(r"http://parley\.test(/api/unsubscribe\?token=\S+)", body)
    assert found, body
    return found.group(1)


def test_immediate_mail_carries_public_news_only_once_and_the_link_unsubscribes(
    client: FlaskClient, users: Accounts, db: Database, inbox: Inbox, sender: SmtpSender,
    settings: NotificationSettings,
) -> None:
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    subscribe(client, users, "reader", target="bill", bill_id=bill_id)
    other_bill = import_bill(client, users, "8", "Other Bill, 2026")
    table(client, users, propose(client, users, bill_id, DUTY, "thirty days", "ninety days"))
    table(client, users, propose(client, users, other_bill, DUTY, "thirty days", "sixty days"))
    later = propose(client, users, bill_id, REGISTER, "a register", "an open register")  # a draft: not news
    opened = client.post(f"/api/bills/{bill_id}/consultations", headers=users.headers("clerk"),
                         json={"opens_at": iso(timedelta(hours=-1)), "closes_at": iso(timedelta(days=30))})
    assert opened.status_code == 201
    comment = client.post(f"/api/bills/{bill_id}/comments", headers=users.headers("citizen"),
                          json={"eid": DUTY, "body": "A private zanzibarfrobnicate remark"})
    assert comment.status_code == 201

    report = notification_delivery.run_once(db, sender, settings)
    [message] = inbox.take()
    assert (report.mails_sent, report.events_mailed, report.failures) == (1, 2, 0)
    assert message["To"] == "reader@example.org"
    body = message.get_content()
    assert "2 updates on Consultation Duty Bill, 2026" in message["Subject"]
    assert "Amendment 1 (section 3(1)) tabled" in body  # its draft was its member's own: not news
    assert "Public consultation opened" in body
    assert "zanzibarfrobnicate" not in body and "comment" not in body.lower()
    assert "Other Bill" not in body and "sixty" not in body
    assert f"http://parley.test/bills/{bill_id}" in body

    assert notification_delivery.run_once(db, sender, settings).mails_sent == 0
    assert inbox.take() == []

    link = unsubscribe_link(message)
    anonymous = client.application.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert len(client.get("/api/subscriptions", headers=users.headers("reader")).get_json()["subscriptions"]) == 1
    done = anonymous.post(link)
    assert done.status_code == 200 and done.get_json()["subscription"]["active"] is False
    assert anonymous.post(link).status_code == 200  # a second click changes nothing
    assert client.get("/api/subscriptions", headers=users.headers("reader")).get_json()["subscriptions"] == []
    table(client, users, later)
    assert notification_delivery.run_once(db, sender, settings).mails_sent == 0
    assert inbox.take() == []


def test_provision_and_member_subscriptions_get_only_their_news(
    client: FlaskClient, users: Accounts, db: Database, inbox: Inbox, sender: SmtpSender,
    settings: NotificationSettings,
) -> None:
    add_with_email(db, users, "watcher", "clerk", "watcher@example.org")
    add_with_email(db, users, "follower", "drafter", "follower@example.org")
    add_with_email(db, users, "mp2", "mp", "mp2@example.org")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    subscribe(client, users, "watcher", target="provision", bill_id=bill_id, eid=DUTY)
    subscribe(client, users, "follower", target="mp", member_id=users.ids["mp"])
    on_duty = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    on_register = propose(client, users, bill_id, REGISTER, "a register", "an open register")
    table(client, users, on_duty)  # amendment.tabled names no provision: matched through the amendment
    table(client, users, on_register)

    assert notification_delivery.run_once(db, sender, settings).mails_sent == 2
    mails = {m["To"]: m.get_content() for m in inbox.take()}
    watched = mails["watcher@example.org"]
    # The drafts were their member's own: the news is their tabling, the member's act of handing them in.
    assert "proposed" not in watched and "Amendment 1 (section 3(1)) tabled" in watched
    assert "section 4" not in watched
    followed = mails["follower@example.org"]
    assert "proposed" not in followed
    assert "Amendment 1 (section 3(1)) tabled" in followed and "Amendment 2 (section 4) tabled" in followed
    assert "Consultation Duty Bill, 2026" in followed


def test_daily_digest_waits_for_a_digest_pass_and_a_day(
    client: FlaskClient, users: Accounts, db: Database, inbox: Inbox, sender: SmtpSender,
    settings: NotificationSettings,
) -> None:
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    subscribe(client, users, "reader", target="bill", bill_id=bill_id, frequency="daily")
    first = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    table(client, users, first)
    clock = Clock()
    assert notification_delivery.run_once(db, sender, settings, now=clock).mails_sent == 0  # not a digest pass
    assert notification_delivery.run_once(db, sender, settings, digest=True, now=clock).mails_sent == 1
    [digest] = inbox.take()
    assert digest["Subject"].startswith("Parley daily digest: 1 update on")
    admit(client, users, first)
    clock.now += timedelta(hours=settings.digest_hours - 1)
    assert notification_delivery.run_once(db, sender, settings, digest=True, now=clock).mails_sent == 0
    clock.now += timedelta(hours=2)
    assert notification_delivery.run_once(db, sender, settings, digest=True, now=clock).mails_sent == 1
    [second] = inbox.take()
    assert "Amendment 1 (section 3(1)) admitted" in second.get_content() and "tabled" not in second.get_content()


class FailingOnce:
    """A mail server that is down for the first message."""

    def __init__(self, inner: SmtpSender) -> None:
        self.inner, self.failed = inner, False

    def send(self, mail: Mail) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionRefusedError("mail server down")
        self.inner.send(mail)


def test_no_notification_is_lost_when_sending_fails_or_the_worker_dies(
    client: FlaskClient, users: Accounts, database_url: str, db: Database, inbox: Inbox, sender: SmtpSender,
    settings: NotificationSettings,
) -> None:
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    subscribe(client, users, "reader", target="bill", bill_id=bill_id)
    amendment_id = propose(client, users, bill_id, DUTY, "thirty days", "ninety days")
    table(client, users, amendment_id)

    down = notification_delivery.run_once(db, FailingOnce(sender), settings)
    assert (down.mails_sent, down.failures) == (0, 1) and inbox.take() == []

    # The worker composes and sends, then dies before moving the cursor: the next worker sends it again.
    with db.write() as session:
        [notice] = notification_delivery.due_notices(session, eventlog.utcnow(), settings, digest=False)
    sender.send(notice.mail)
    admit(client, users, amendment_id)
    restarted = Database(database_url)
    try:
        assert notification_delivery.run_once(restarted, sender, settings).mails_sent == 1
        assert notification_delivery.run_once(restarted, sender, settings).mails_sent == 0
    finally:
        restarted.dispose()
    crashed, resent = inbox.take()
    assert "Amendment 1 (section 3(1)) tabled" in crashed.get_content()
    assert "Amendment 1 (section 3(1)) tabled" in resent.get_content()  # at least once
    assert "Amendment 1 (section 3(1)) admitted" in resent.get_content()


def test_subscribing_is_checked(client: FlaskClient, users: Accounts, db: Database, app: Flask) -> None:
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")

    def attempt(who: str | None, **body: Any) -> tuple[int, str]:
        headers = users.headers(who) if who else {}
        response = client.post("/api/subscriptions", json=body, headers=headers)
        return response.status_code, response.get_json()["error"]["code"] if response.status_code >= 400 else ""

    assert attempt(None, target="bill", bill_id=bill_id) == (401, "unauthenticated")
    assert attempt("citizen", target="bill", bill_id=bill_id) == (409, "no_email_address")
    with db.write() as session:
        signed = registration.sign_up(session, username="voter", email="voter@example.org", password="correct-horse")
        users.tokens["voter"] = accounts.issue_token(session, accounts.principal_of(signed.user))
    assert attempt("voter", target="bill", bill_id=bill_id) == (409, "no_email_address")  # not verified yet
    with db.write() as session:
        registration.verify(session, signed.token)
    assert attempt("voter", target="bill", bill_id=bill_id) == (201, "")
    assert attempt("voter", target="bill", bill_id=bill_id) == (409, "conflict")
    assert attempt("voter", target="bill", bill_id=bill_id + 1) == (404, "not_found")
    assert attempt("voter", target="provision", bill_id=bill_id, eid="sec_99") == (404, "not_found")
    assert attempt("voter", target="provision", bill_id=bill_id) == (422, "validation_failed")
    assert attempt("voter", target="mp", member_id=users.ids["drafter"]) == (404, "not_found")
    assert attempt("voter", target="everything") == (422, "validation_failed")
    assert attempt("voter", target="bill", bill_id=bill_id, frequency="hourly") == (422, "validation_failed")

    [mine] = client.get("/api/subscriptions", headers=users.headers("voter")).get_json()["subscriptions"]
    assert client.delete(f"/api/subscriptions/{mine['id']}", headers=users.headers("mp")).status_code == 403
    assert client.delete(f"/api/subscriptions/{mine['id']}", headers=users.headers("voter")).status_code == 204

    forged = client.post("/api/unsubscribe?token=eyJzIjoxfQ.forged")
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "unsubscribe_failed"
    missing = client.get("/api/unsubscribe")  # a link without its token: the query does not fit the schema
    assert missing.status_code == 422
    assert [f["field"] for f in missing.get_json()["error"]["fields"]] == ["query.token"]


def test_rebuild_reproduces_subscriptions(client: FlaskClient, users: Accounts, db: Database) -> None:
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    bill_id = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    kept = subscribe(client, users, "reader", target="provision", bill_id=bill_id, eid=DUTY, frequency="daily")
    dropped = subscribe(client, users, "reader", target="bill", bill_id=bill_id)
    assert client.delete(f"/api/subscriptions/{dropped['id']}", headers=users.headers("reader")).status_code == 204
    with db.write() as session:
        before = projections.snapshot(session)
        projections.rebuild(session)
        after = projections.snapshot(session)
    assert {row["id"]: row["active"] for row in before["subscriptions"]} == {kept["id"]: True, dropped["id"]: False}
    assert after == before


def test_a_title_cannot_forge_lines_and_the_mail_unsubscribes_in_one_click(
    client: FlaskClient, users: Accounts, db: Database, inbox: Inbox, sender: SmtpSender,
    settings: NotificationSettings,
) -> None:
    """A bill title is the importer's words: every line separator in it (CR, LF, U+0085, U+2028, U+2029) would
    start a line of the mail's body, e.g. a fake unsubscribe link; and mail clients offer their own unsubscribe
    button through List-Unsubscribe, whose one-click POST (RFC 8058) carries no cookie and no CSRF token."""
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    forged = "Stop these mails: http://evil.example/"
    title = f"Duty Bill\r\n{forged}\u2028Read it: a\u2029Read it: b\x85Read it: c\rRead it: d\nRead it: e"
    bill_id = import_bill(client, users, "7", title)
    subscribe(client, users, "reader", target="provision", bill_id=bill_id, eid=DUTY)
    subscribe(client, users, "reader", target="bill", bill_id=bill_id)
    table(client, users, propose(client, users, bill_id, DUTY, "thirty days", "ninety days"))

    assert notification_delivery.run_once(db, sender, settings).mails_sent == 2
    mails = inbox.take()
    links = []
    for message in mails:
        lines = message.get_content().splitlines()  # str.splitlines breaks at every separator a reader might
        assert [line for line in lines if line.startswith("Stop these mails:")] == [
            f"Stop these mails: http://parley.test{unsubscribe_link(message)}"]
        assert [line for line in lines if line.startswith("Read it:")] == [
            f"Read it: http://parley.test/bills/{bill_id}"]
        assert any(f"Duty Bill {forged} Read it: a Read it: b" in line for line in lines)
        # As written on the wire: one line, no RFC 2047 encoded words (mail clients read the link as it stands).
        raw = dict(message.raw_items())
        assert raw["List-Unsubscribe"] == f"<http://parley.test{unsubscribe_link(message)}>"
        assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        links.append(message["List-Unsubscribe"][1:-1].removeprefix("http://parley.test"))

    # The mail provider's one-click POST: no session, no CSRF token, form-encoded or multipart.
    provider = client.application.test_client()
    assert provider.post(links[0], data={"List-Unsubscribe": "One-Click"}).status_code == 200
    multipart = provider.post(links[1], data={"List-Unsubscribe": "One-Click"}, content_type="multipart/form-data")
    assert multipart.status_code == 200
    assert client.get("/api/subscriptions", headers=users.headers("reader")).get_json()["subscriptions"] == []
