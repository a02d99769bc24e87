"""Webhooks: a real receiver on loopback checks signatures and sees a retry; deliveries survive a restart;
internal addresses are refused unless configured, and a delivery connects to the address that was checked even when
the host name resolves elsewhere a moment later (DNS rebinding)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.app import create_app
from server.domain import opendata
from server.domain.opendata import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from server.services import webhook_delivery, webhooks
from server.services.webhook_delivery import DeliverySettings, Outgoing
from server.store import eventlog
from server.store.db import Database
from server.store.opendata_models import WebhookDelivery
from tests.server.conftest import Accounts, make_config
from tests.server.opendata.conftest import REGISTER, Scenario, import_bill

SETTINGS = DeliverySettings(allow_private=True, first_retry_seconds=60, max_attempts=3, timeout_seconds=5)


class Receiver:
    """An HTTP(S) server on loopback that answers the given statuses in turn and records what it received."""

    def __init__(self, statuses: list[int], host: str = "127.0.0.1", port: int = 0,
                 tls: ssl.SSLContext | None = None) -> None:
        self.statuses = statuses
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([500])  # fails the first delivery, accepts the rest
    yield server
    server.close()


class Clock:
    def __init__(self) -> None:
        self.now = eventlog.utcnow()

    def __call__(self) -> datetime:
        return self.now


def register(scenario: Scenario, url: str, **body: Any) -> dict[str, Any]:
    response = scenario.client.post("/api/webhooks", json={"url": url, **body},
                                    headers=scenario.users.headers("citizen"))
    assert response.status_code == 201, response.get_json()
    registered: dict[str, Any] = response.get_json()
    return registered


def test_signed_delivery_is_retried_after_a_failure(scenario: Scenario, db: Database, receiver: Receiver) -> None:
    hook = register(scenario, receiver.url, event_types=["bill.imported"])
    other = import_bill(scenario.client, scenario.users, "8", "Other Bill, 2026")
    clock = Clock()
    assert webhook_delivery.run_once(db, SETTINGS, now=clock) == 1
    assert len(receiver.received) == 1  # answered 500
    assert webhook_delivery.run_once(db, SETTINGS, now=clock) == 0  # not due before the backoff delay
    clock.now += timedelta(seconds=61)
    assert webhook_delivery.run_once(db, SETTINGS, now=clock) == 1
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["headers"][DELIVERY_HEADER] == second["headers"][DELIVERY_HEADER]
    for request in receiver.received:
        assert verify_signature(hook["secret"], request["headers"][SIGNATURE_HEADER], request["body"],
                                int(time.time()))
        assert not verify_signature("not-the-secret", request["headers"][SIGNATURE_HEADER], request["body"],
                                    int(time.time()))
    payload = json.loads(second["body"])
    assert payload["type"] == "bill.imported" and payload["bill"] == other
    assert "actor" not in payload
    log = scenario.client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=scenario.users.headers("citizen"))
    [delivery] = log.get_json()["deliveries"]
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("delivered", 2, 200)


def test_backoff_doubles_and_gives_up(scenario: Scenario, db: Database) -> None:
    hook = register(scenario, "http://127.0.0.1:9/unreachable")
    import_bill(scenario.client, scenario.users, "8", "Other Bill, 2026")
    clock = Clock()
    waits = []
    for _ in range(SETTINGS.max_attempts):
        assert webhook_delivery.run_once(db, SETTINGS, now=clock) == 1
        deliveries = scenario.client.get(f"/api/webhooks/{hook['id']}/deliveries",
                                         headers=scenario.users.headers("citizen")).get_json()["deliveries"]
        waits.append(datetime.fromisoformat(deliveries[0]["next_attempt_at"].rstrip("Z")) - clock.now)
        clock.now += timedelta(days=1)
    assert waits[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert deliveries[0]["state"] == "failed" and deliveries[0]["attempts"] == SETTINGS.max_attempts
    assert webhook_delivery.run_once(db, SETTINGS, now=clock) == 0


def test_events_committed_while_no_worker_runs_are_delivered_after_restart(
    scenario: Scenario, database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.statuses.clear()
    register(scenario, receiver.url, event_types=["bill.imported"])
    import_bill(scenario.client, scenario.users, "8", "Second Bill, 2026")
    import_bill(scenario.client, scenario.users, "9", "Third Bill, 2026")
    # A fresh process: new engines, nothing in memory from the one that committed the events.
    restarted = Database(database_url)
    try:
        assert webhook_delivery.run_once(restarted, SETTINGS) == 2
        assert webhook_delivery.run_once(restarted, SETTINGS) == 0
    finally:
        restarted.dispose()
    assert [json.loads(r["body"])["data"]["title"] for r in receiver.received] == [
        "Second Bill, 2026", "Third Bill, 2026"]


@pytest.fixture
def guarded(database_url: str, tmp_path: Path) -> Iterator[tuple[FlaskClient, Accounts]]:
    """A client of an application with the default configuration (internal webhook targets refused) and a
    citizen."""
    app: Flask = create_app(make_config(database_url, tmp_path))
    users = Accounts(app.extensions["parley.db"])
    users.add("citizen", "citizen")
    yield app.test_client(), users
    app.extensions["parley.db"].dispose()


def test_loopback_and_private_targets_are_refused_by_default(guarded: tuple[FlaskClient, Accounts]) -> None:
    client, users = guarded
    for url in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/",
                "http://localhost/x"):
        response = client.post("/api/webhooks", json={"url": url}, headers=users.headers("citizen"))
        assert response.status_code == 422, url
        assert response.get_json()["error"]["code"] == "webhook_target_refused"
    bad = client.post("/api/webhooks", json={"url": "ftp://example.org/"}, headers=users.headers("citizen"))
    assert bad.status_code == 422
    unknown = client.post("/api/webhooks", json={"url": "https://example.org/", "event_types": ["user.registered"]},
                          headers=users.headers("citizen"))
    assert unknown.status_code == 422
    assert client.post("/api/webhooks", json={"url": "https://example.org/"}).status_code == 401


def test_ipv6_addresses_leading_to_an_internal_ipv4_address_are_refused(
    guarded: tuple[FlaskClient, Accounts],
) -> None:
    client, users = guarded
    for url in (
        "http://[64:ff9b::7f00:1]/",  # NAT64 to 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 to 169.254.169.254
        "http://[64:ff9b:1::808:808]/",  # local-use NAT64: where it leads is the network's choice
        "http://[::ffff:10.0.0.1]/",  # IPv4-mapped
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:7f00:1::1]/",  # 6to4 through 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo client 127.0.0.1
    ):
        response = client.post("/api/webhooks", json={"url": url}, headers=users.headers("citizen"))
        assert response.status_code == 422, url
        assert response.get_json()["error"]["code"] == "webhook_target_refused", url
    for url in ("http://[64:ff9b::808:808]/", "http://[2002:808:808::1]/"):  # both lead to 8.8.8.8
        response = client.post("/api/webhooks", json={"url": url}, headers=users.headers("citizen"))
        assert response.status_code == 201, (url, response.get_json())


def test_only_the_owner_sees_and_removes_a_webhook(scenario: Scenario, receiver: Receiver) -> None:
    hook = register(scenario, receiver.url)
    path = f"/api/webhooks/{hook['id']}"
    assert scenario.client.delete(path, headers=scenario.users.headers("citizen2")).status_code == 403
    assert scenario.client.get("/api/webhooks", headers=scenario.users.headers("citizen2")).get_json() == {
        "webhooks": [], "next": None}
    assert scenario.client.delete(path, headers=scenario.users.headers("citizen")).status_code == 204
    assert scenario.client.get("/api/webhooks", headers=scenario.users.headers("citizen")).get_json() == {
        "webhooks": [], "next": None}


# --- the connection goes to the address that was checked ------------------------------------------------------

HOOK_HOST = "hooks.receiver.test"  # a made-up name: only FakeDNS answers for it


class FakeDNS:
    """socket.getaddrinfo that answers HOOK_HOST with answers[0] the first time, answers[1] after (like a hostile
    DNS server with a zero TTL), and passes every other name (and address literal) to the real resolver."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
        self.answers = answers
        self.lookups = 0
        self.real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                 flags: int = 0) -> list[Any]:
        if host != HOOK_HOST:
            return self.real(host, port, family, type, proto, flags)
        answer = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        # "a,b": a name with several addresses, in the resolver's order of preference.
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0)))
                for address in answer.split(",")]


def outgoing(url: str) -> Outgoing:
    return Outgoing(delivery_id=7, event_id=42, event_type="bill.imported", url=url, secret="s3cret",
                    body=b'{"type":"bill.imported"}')


def test_a_name_that_rebinds_to_loopback_after_the_check_is_not_called_there(monkeypatch: pytest.MonkeyPatch) -> None:
    internal = Receiver([])  # an internal service on 127.0.0.1
    outside = Receiver([], host="127.0.0.2", port=internal.port)  # stands for the public host the name first names
    try:
        # The address check itself is not what is tested here: let it take 127.0.0.2 for a public address.
        monkeypatch.setattr(webhooks, "is_public_address",
                            lambda address: address == "127.0.0.2" or opendata.is_public_address(address))
        dns = FakeDNS(monkeypatch, "127.0.0.2", "127.0.0.1")
        outcome = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:{internal.port}/hook"), 5,
                                             allow_private=False)
        assert internal.received == []
        assert outcome == webhook_delivery.Outcome(True, 200)
        [request] = outside.received
        assert request["headers"]["Host"] == f"{HOOK_HOST}:{internal.port}"
        assert request["headers"][DELIVERY_HEADER] == "7"
        assert dns.lookups == 1  # resolved once, for the check, and not again to connect
        # Had the name said 127.0.0.1 at send time, the check would refuse it and nothing would be sent.
        refused = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:{internal.port}/hook"), 5,
                                             allow_private=False)
        assert not refused.ok and refused.status is None
        assert refused.error is not None and "127.0.0.1, an internal address" in refused.error
        assert internal.received == [] and len(outside.received) == 1
    finally:
        internal.close()
        outside.close()


def test_a_pinned_delivery_names_the_host_of_its_url(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    receiver.statuses.clear()
    dns = FakeDNS(monkeypatch, "127.0.0.1")
    for variable in ("HTTP_PROXY", "http_proxy"):  # a proxy would resolve the name again: none is used
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    outcome = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:{receiver.port}/hook?x=1"), 5,
                                         allow_private=True)
    assert outcome == webhook_delivery.Outcome(True, 200)
    [request] = receiver.received
    assert request["headers"]["Host"] == f"{HOOK_HOST}:{receiver.port}"
    assert request["body"] == b'{"type":"bill.imported"}'
    assert dns.lookups == 1


def test_the_next_checked_address_is_tried_when_one_refuses_the_connection(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.statuses.clear()
    # Nothing listens on 127.0.0.3 (a refused connection, as from a host's unreachable first address).
    dns = FakeDNS(monkeypatch, "127.0.0.3,127.0.0.1")
    outcome = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:{receiver.port}/hook"), 5, allow_private=True)
    assert outcome == webhook_delivery.Outcome(True, 200)
    [request] = receiver.received
    assert request["headers"]["Host"] == f"{HOOK_HOST}:{receiver.port}"
    assert dns.lookups == 1


def test_no_other_address_is_tried_once_a_connection_was_made(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.statuses.clear()
    # 127.0.0.4 takes the connection and never answers: the request may have been received, so it is not sent
    # again elsewhere; the retry schedule takes it up.
    silent = socket.create_server(("127.0.0.4", receiver.port))
    try:
        FakeDNS(monkeypatch, "127.0.0.4,127.0.0.1")
        outcome = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:{receiver.port}/hook"), 0.5,
                                             allow_private=True)
    finally:
        silent.close()
    assert not outcome.ok and outcome.status is None
    assert outcome.error is not None and outcome.error.startswith("ReadTimeout") and "(127.0.0.4)" in outcome.error
    assert receiver.received == []


def test_every_refused_address_is_named_in_the_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeDNS(monkeypatch, "127.0.0.5,127.0.0.6")
    outcome = webhook_delivery.http_post(outgoing(f"http://{HOOK_HOST}:9/hook"), 5, allow_private=True)
    assert not outcome.ok and outcome.error is not None
    assert outcome.error.count("Connection refused") == 2 and outcome.error.startswith("ConnectionError")
    assert "(127.0.0.5)" in outcome.error and "(127.0.0.6)" in outcome.error


def certificate_for(name: str, directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for one DNS name, which the test trusts as its only authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("certified_name", [HOOK_HOST, "someone-else.test"])
def test_https_to_a_pinned_address_verifies_the_certificate_for_the_host_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, certified_name: str
) -> None:
    cert, key = certificate_for(certified_name, tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server_names: list[str | None] = []
    tls.sni_callback = lambda _socket, name, _context: server_names.append(name)
    receiver = Receiver([], tls=tls)
    try:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # the one authority requests trusts here
        FakeDNS(monkeypatch, "127.0.0.1")
        outcome = webhook_delivery.http_post(outgoing(f"https://{HOOK_HOST}:{receiver.port}/hook"), 5,
                                             allow_private=True)
        assert server_names == [HOOK_HOST]  # SNI names the host, not the address connected to
        if certified_name == HOOK_HOST:
            assert outcome == webhook_delivery.Outcome(True, 200)
            [request] = receiver.received
            assert request["headers"]["Host"] == f"{HOOK_HOST}:{receiver.port}"
        else:
            assert not outcome.ok and outcome.error is not None and outcome.error.startswith("SSLError")
            assert "certificate verify failed" in outcome.error and HOOK_HOST in outcome.error
            assert receiver.received == []
    finally:
        receiver.close()


def test_an_address_literal_is_connected_to_as_given(receiver: Receiver) -> None:
    receiver.statuses.clear()
    outcome = webhook_delivery.http_post(outgoing(receiver.url), 5, allow_private=True)
    assert outcome == webhook_delivery.Outcome(True, 200)
    assert receiver.received[0]["headers"]["Host"] == f"127.0.0.1:{receiver.port}"


def test_a_worker_stops_sending_before_its_lease_on_the_batch_could_run_out(scenario: Scenario, db: Database) -> None:
    register(scenario, "http://hooks.example.test/hook", event_types=["bill.imported"])
    for number in ("8", "9", "10", "11"):
        import_bill(scenario.client, scenario.users, number, f"Bill {number}, 2026")
    clock = Clock()
    sent: list[int] = []

    def slow_receiver(item: Outgoing, timeout: float) -> webhook_delivery.Outcome:
        sent.append(item.delivery_id)
        clock.now += timedelta(seconds=60)  # a receiver that takes a minute to answer
        return webhook_delivery.Outcome(True, 200)

    # Leased for 120 s, each send may take up to 4 x 5 s: none starts later than 100 s after the claim.
    assert webhook_delivery.run_once(db, SETTINGS, now=clock, post=slow_receiver) == 2
    # Until the lease runs out (120 s after the claim) the other two stay that worker's; then a run sends them,
    # once each.
    clock.now -= timedelta(seconds=1)
    assert webhook_delivery.run_once(db, SETTINGS, now=clock, post=slow_receiver) == 0
    clock.now += timedelta(seconds=1)
    assert webhook_delivery.run_once(db, SETTINGS, now=clock, post=slow_receiver) == 2
    assert len(sent) == len(set(sent)) == 4


def test_a_draft_is_never_delivered_its_tabling_is_with_what_it_says(scenario: Scenario, db: Database) -> None:
    hook = register(scenario, "http://hooks.example.test/hook")
    text = scenario.call("GET", f"/api/bills/{scenario.bill_id}/provisions/{REGISTER}").get_json()["text"]
    kept = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp",
                         json={"eid": REGISTER, "text": text.replace("register", "public register")}).get_json()
    dropped = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp",
                            json={"eid": REGISTER, "text": text.replace("register", "open register")}).get_json()
    assert scenario.call("POST", f"/api/amendments/{dropped['id']}/transitions", "mp",
                         json={"to": "withdrawn"}).status_code == 200
    assert scenario.call("POST", f"/api/amendments/{kept['id']}/transitions", "mp",
                         json={"to": "tabled"}).status_code == 200
    with db.write() as session:
        webhook_delivery.schedule(session, eventlog.utcnow())
        delivered = list(session.scalars(select(WebhookDelivery.event_type).where(
            WebhookDelivery.webhook_id == hook["id"])))
        outgoing = webhook_delivery.claim_due(session, eventlog.utcnow(), SETTINGS)
    assert delivered == ["amendment.tabled"]  # a draft, kept or withdrawn, is its member's own
    (tabled,) = [json.loads(o.body) for o in outgoing]
    assert tabled["data"]["instruction"] == kept["instruction"] and tabled["data"]["eid"] == REGISTER
