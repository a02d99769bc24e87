"""Webhooks: a real receiver on loopback checks signatures and sees a retry; deliveries survive a restart;
internal addresses are refused unless configured."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.app import create_app
from server.domain.opendata import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from server.services import webhook_delivery
from server.services.webhook_delivery import DeliverySettings
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import make_config
from tests.server.opendata.conftest import Scenario, import_bill

SETTINGS = DeliverySettings(allow_private=True, first_retry_seconds=60, max_attempts=3, timeout_seconds=5)


class Receiver:
    """An HTTP server on 127.0.0.1 that answers the given statuses in turn and records what it received."""

    def __init__(self, statuses: list[int]) -> None:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
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


def test_loopback_and_private_targets_are_refused_by_default(database_url: str, tmp_path: Path) -> None:
    app: Flask = create_app(make_config(database_url, tmp_path))
    try:
        from tests.server.conftest import Accounts

        users = Accounts(app.extensions["parley.db"])
        users.add("citizen", "citizen")
        client = app.test_client()
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
    finally:
        app.extensions["parley.db"].dispose()


def test_only_the_owner_sees_and_removes_a_webhook(scenario: Scenario, receiver: Receiver) -> None:
    hook = register(scenario, receiver.url)
    path = f"/api/webhooks/{hook['id']}"
    assert scenario.client.delete(path, headers=scenario.users.headers("citizen2")).status_code == 403
    assert scenario.client.get("/api/webhooks", headers=scenario.users.headers("citizen2")).get_json() == {
        "webhooks": [], "next": None}
    assert scenario.client.delete(path, headers=scenario.users.headers("citizen")).status_code == 204
    assert scenario.client.get("/api/webhooks", headers=scenario.users.headers("citizen")).get_json() == {
        "webhooks": [], "next": None}
