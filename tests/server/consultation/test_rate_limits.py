"""Rate limits per account and per network address, answered with 429 and the JSON error body."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, Api, app_with, import_bill


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[Any]:
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        # Test accounts are minutes old; keep the burst rule out of the way of what is measured here.
        app = app_with(database_url, tmp_path, RATELIMIT_ENABLED=True, BURST_MAX_POSTS=1000, **overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["parley.db"].dispose()


def _open_bill(api: Api, db: Database, users: Accounts, number: str) -> int:
    for name in ("citizen2", "citizen3"):
        users.add(name, "citizen")
    bill = import_bill(db, users, number)
    assert api.open(bill).status_code == 201
    return bill


def test_a_citizen_may_post_ten_comments_a_minute_and_then_gets_429(
    limited: Any, db: Database, users: Accounts
) -> None:
    api = Api(limited().test_client(), users)
    bill = _open_bill(api, db, users, "47")
    statuses = [api.comment("citizen", bill, DURATION, f"Comment number {n} on duration.").status_code
                for n in range(11)]
    assert statuses == [201] * 10 + [429]
    refused = api.comment("citizen", bill, DURATION, "One more.")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "10 per 1 minute" in refused.get_json()["error"]["message"]
    french = api.client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Encore un."},
                             headers={**api.users.headers("citizen"), "Accept-Language": "fr"})
    assert french.status_code == 429
    assert "(limite : 10 par 1 min)" in french.get_json()["error"]["message"], french.get_json()
    # Seconds until the oldest post of the minute leaves the window; an accepted post is told no such thing.
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(api.comments(bill)) == 10, "refused posts store nothing"
    other = api.comment("citizen2", bill, DURATION, "Another citizen is not limited.")
    assert other.status_code == 201 and "Retry-After" not in other.headers


def test_posts_refused_by_a_rule_spend_no_budget_but_failed_sign_ups_do(
    limited: Any, db: Database, users: Accounts
) -> None:
    api = Api(limited(SIGNUP_LIMIT_PER_ADDRESS="3/minute").test_client(), users)
    bill = _open_bill(api, db, users, "57")
    refused = [api.comment("citizen", bill, DURATION, "Quoting words it does not hold.", quote="ninety years")
               for _ in range(3)]
    refused.append(api.comment("citizen", bill, "part_9__sec_99", "On no provision."))
    assert [r.status_code for r in refused] == [422, 422, 422, 404]
    # The contract's "at least 10 comments a minute" are comments taken.
    statuses = [api.comment("citizen", bill, DURATION, f"Comment number {n}.").status_code for n in range(11)]
    assert statuses == [201] * 10 + [429]
    # Trying names and addresses is what the sign-up budget is against: a refused sign-up spends it.
    for n in range(3):
        answer = api.post(None, "/api/citizens", {"username": f"taken{n}", "email": "not-an-address",
                                                  "password": "a long enough password"})
        assert answer.status_code == 422
    answer = api.post(None, "/api/citizens", {"username": "fourth", "email": "fourth@example.org",
                                              "password": "a long enough password"})
    assert answer.status_code == 429


def test_one_address_is_limited_across_accounts(limited: Any, db: Database, users: Accounts) -> None:
    api = Api(limited(COMMENT_LIMIT_PER_ADDRESS="5/minute").test_client(), users)
    bill = _open_bill(api, db, users, "48")
    statuses = [api.comment(who, bill, DURATION, f"Comment by {who} {n}.").status_code
                for n in range(3) for who in ("citizen", "citizen2")]
    assert statuses == [201] * 5 + [429]
    other_address = api.client.post(
        f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "From elsewhere."},
        headers=users.headers("citizen3"), environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert other_address.status_code == 201


def test_an_address_that_spent_its_budget_is_refused_before_reading_who_sent_it(
    limited: Any, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.http import context

    api = Api(limited(COMMENT_LIMIT_PER_ADDRESS="2/minute").test_client(), users)
    bill = _open_bill(api, db, users, "53")
    assert [api.comment("citizen", bill, DURATION, f"Comment {n}.").status_code for n in range(2)] == [201, 201]
    looked_up: list[str] = []
    original = context.current_principal

    def counted() -> Any:
        looked_up.append("principal")
        return original()

    monkeypatch.setattr(context, "current_principal", counted)
    monkeypatch.setattr("server.http.validation.current_principal", counted)
    monkeypatch.setattr("server.http.consultation.current_principal", counted)
    refused = [api.comment("citizen2", bill, DURATION, "A third from the same address."),
               api.post("citizen2", "/api/comments/1/endorsements"),
               api.client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Nor me."})]
    assert looked_up == [], "no refused write looked its sender up"
    for answer in refused:
        assert answer.status_code == 429
        assert answer.get_json()["error"] == {
            "code": "rate_limited", "message": "too many requests: the limit is 2 per 1 minute; wait and try again"}
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("2", "0")
        assert 0 <= int(answer.headers["X-RateLimit-Reset"]) - time.time() <= 61
    monkeypatch.undo()
    # Asking which methods a path takes is not a write, and the limiter never counted it.
    assert api.client.options(f"/api/bills/{bill}/comments").status_code == 200
    elsewhere = api.client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "From elsewhere."},
                                headers=users.headers("citizen3"), environ_base={"REMOTE_ADDR": "192.0.2.11"})
    assert elsewhere.status_code == 201
    assert len(api.comments(bill)) == 3, "refused writes store nothing"


def test_with_redis_unreachable_each_process_keeps_counting_in_memory(
    limited: Any, db: Database, users: Accounts
) -> None:
    # Nothing listens on port 1: every look at the store fails. Neither the early check nor the limiter turns that
    # into an error; the limits go on, counted in this process's memory.
    app = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", COMMENT_LIMIT_PER_ADDRESS="2/minute")
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "54")
    statuses = [api.comment(who, bill, DURATION, f"Taken though the store is down ({who}).").status_code
                for who in ("citizen", "citizen2", "citizen3")]
    assert statuses == [201, 201, 429]


def test_limits_are_off_when_disabled(limited: Any, database_url: str, tmp_path: Path, db: Database,
                                      users: Accounts) -> None:
    app = app_with(database_url, tmp_path, RATELIMIT_ENABLED=False)
    try:
        api = Api(app.test_client(), users)
        bill = _open_bill(api, db, users, "49")
        assert {api.comment("citizen", bill, DURATION, f"Comment {n}.").status_code for n in range(15)} == {201}
    finally:
        app.extensions["parley.db"].dispose()


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.redis
def test_with_redis_two_server_processes_share_one_budget(limited: Any, db: Database, users: Accounts) -> None:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": f"parley-test-{uuid.uuid4().hex}"}
    first, second = Api(limited(**settings).test_client(), users), Api(limited(**settings).test_client(), users)
    bill = _open_bill(first, db, users, "50")
    statuses = [(first if n % 2 else second).comment("citizen", bill, DURATION, f"Comment {n}.").status_code
                for n in range(11)]
    assert statuses == [201] * 10 + [429]


def test_a_flood_waits_in_a_bounded_line_and_the_rest_is_turned_away_at_once(
    limited: Any, db: Database, users: Accounts
) -> None:
    import threading
    import time

    import requests

    from server.http.intake import IntakeGate
    from server.store import eventlog
    from tests.server.conftest import LiveServer

    app = limited(COMMENT_INTAKE_MAX_PENDING=3)
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "51")
    for n in range(6):
        users.add(f"flood{n}", "citizen")
    gate: IntakeGate = app.extensions["parley.intake"]
    server = LiveServer(app).start()
    answers: dict[int, requests.Response] = {}

    def post(n: int) -> None:
        answers[n] = requests.post(f"{server.url}/api/bills/{bill}/comments", headers=users.headers(f"flood{n}"),
                                   json={"eid": DURATION, "body": f"Flood comment {n}."}, timeout=30)

    posters = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    try:
        # Another writer holds the log: the posts line up behind it, as behind a long write.
        with app.extensions["parley.db"].write() as session:
            eventlog.acquire_append_lock(session)
            for poster in posters:
                poster.start()
            deadline = time.monotonic() + 20
            while len(answers) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            # Three are waiting for the lock; the other three were answered while it is still held.
            assert gate.pending == 3 and len(answers) == 3
            for refused in answers.values():
                assert refused.status_code == 429
                assert refused.json()["error"]["code"] == "intake_busy"
                assert refused.headers["Retry-After"] == "1"
        for poster in posters:
            poster.join(timeout=30)
    finally:
        server.stop()
    accepted = [n for n, answer in answers.items() if answer.status_code == 201]
    assert len(accepted) == 3 and gate.pending == 0
    listed = {c["body"] for c in api.comments(bill)}
    assert listed == {f"Flood comment {n}." for n in accepted}, "what was turned away was not written"
    assert api.comment("flood0", bill, DURATION, "The line is free again.").status_code == 201


def _on_sender_lookup(monkeypatch: pytest.MonkeyPatch, seen: Callable[[], object]) -> None:
    """Call ``seen`` whenever a request looks up who sent it (the schema check's lookup and the views')."""
    from server.http import context

    original = context.current_principal

    def watched() -> Any:
        seen()
        return original()

    for where in ("server.http.context", "server.http.validation", "server.http.consultation"):
        monkeypatch.setattr(f"{where}.current_principal", watched)


def test_a_full_line_turns_posts_away_before_reading_who_sent_them(
    limited: Any, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.http.intake import IntakeGate

    app = limited(COMMENT_INTAKE_MAX_PENDING=1)
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "52")
    gate: IntakeGate = app.extensions["parley.intake"]
    looked_up: list[str] = []
    with gate.admit():  # the one place is taken, as by a write waiting for its batch
        _on_sender_lookup(monkeypatch, lambda: looked_up.append("principal"))
        signed_in = api.comment("citizen", bill, DURATION, "Turned away at the door.")
        anonymous = api.client.post(f"/api/bills/{bill}/comments", json={"eid": DURATION, "body": "Nor me."})
        endorsing = api.post("citizen", "/api/comments/1/endorsements")
        assert looked_up == [], "no refused write looked its sender up"
        # Reading is not a citizen's write: it goes on (and looks up who asks).
        reading = api.get(f"/api/bills/{bill}/comments", who="citizen")
        assert looked_up
    for refused in (signed_in, anonymous, endorsing):
        assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "intake_busy"
        assert refused.headers["Retry-After"] == "1"
    assert reading.status_code == 200 and reading.get_json()["comments"] == []
    monkeypatch.undo()
    assert api.comment("citizen", bill, DURATION, "The line is free again.").status_code == 201


def test_a_full_line_refuses_writes_before_flask_makes_a_request_of_them_with_flasks_own_answer(
    limited: Any, db: Database, users: Accounts
) -> None:
    from flask import request, request_started
    from werkzeug.test import Client

    from server.http.intake import CrowdedDoor, IntakeGate

    app = limited(COMMENT_INTAKE_MAX_PENDING=1)
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "56")
    door = app.wsgi_app
    assert isinstance(door, CrowdedDoor)
    gate: IntakeGate = app.extensions["parley.intake"]
    comment = {"eid": DURATION, "body": "Turned away."}
    requests_made: list[str] = []

    def made(_sender: Any, **_extra: Any) -> None:
        requests_made.append(f"{request.method} {request.path}")

    request_started.connect(made, app)
    try:
        with gate.admit():  # the one place is taken
            at_the_door = api.client.post(f"/api/bills/{bill}/comments", json=comment,
                                          headers=users.headers("citizen"))
            assert requests_made == [], "Flask made no request of a write refused at the door"
            # Flask's own door behind it, which refuses a write when the line fills after the first look.
            in_flask = Client(door.app).post(f"/api/bills/{bill}/comments", json=comment,
                                             headers=users.headers("citizen"))
            assert requests_made == [f"POST /api/bills/{bill}/comments"]
            # What is no citizen's write goes on to Flask: reads, OPTIONS, other writes, unknown and redirected
            # paths.
            assert api.get(f"/api/bills/{bill}/comments").status_code == 200
            assert api.client.options(f"/api/bills/{bill}/comments").status_code == 200
            signed_in = api.client.post("/api/session", json={"username": "citizen", "password": "wrong"})
            assert signed_in.get_json()["error"]["code"] != "intake_busy"
            assert api.client.post("/api/bills/nine/comments", json=comment).status_code == 404
            assert api.client.post(f"/api/bills/{bill}/comments/", json=comment).status_code in (308, 404)
            assert requests_made[1:] == [f"GET /api/bills/{bill}/comments", f"OPTIONS /api/bills/{bill}/comments",
                                         "POST /api/session", "POST /api/bills/nine/comments",
                                         f"POST /api/bills/{bill}/comments/"]
    finally:
        request_started.disconnect(made, app)
    assert at_the_door.status_code == in_flask.status_code == 429
    assert at_the_door.get_json() == in_flask.get_json()
    assert at_the_door.get_json()["error"]["code"] == "intake_busy"
    flask_headers = {name: value for name, value in in_flask.headers.items()
                     if name not in {"Content-Length", "Vary", "Set-Cookie"}}
    assert flask_headers and {name: at_the_door.headers.get(name) for name in flask_headers} == flask_headers
    assert "Content-Security-Policy" in flask_headers and flask_headers["Retry-After"] == "1"
    assert api.comments(bill) == [], "nothing turned away was written"
    assert api.comment("citizen", bill, DURATION, "The line is free again.").status_code == 201


def test_a_citizens_write_endpoint_without_a_route_is_a_mistake_found_at_start(limited: Any) -> None:
    from server.http.intake import CrowdedDoor, IntakeGate

    app = limited()
    with pytest.raises(ValueError, match=r"consultation\.nowhere"):
        CrowdedDoor(app.wsgi_app, app, IntakeGate(1), frozenset({"consultation.post_comment", "consultation.nowhere"}))


def test_every_refusal_gives_way_before_it_is_answered_and_nothing_else_does(
    limited: Any, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.http import intake
    from server.http.intake import IntakeGate

    app = limited(COMMENT_INTAKE_MAX_PENDING=1)
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "53")
    gate: IntakeGate = app.extensions["parley.intake"]
    # How many places were taken while each refusal waited.
    gave_way: list[int] = []
    monkeypatch.setattr(intake, "give_way", lambda: gave_way.append(gate.pending))
    accepted = [api.comment("citizen", bill, DURATION, f"Comment {n}.").status_code for n in range(10)]
    assert accepted == [201] * 10 and gave_way == [], "what is let in does not wait"
    # Refused by the account's budget after it took its place at the door: it gives the place back first, or a
    # few accounts over their budgets would hold the whole line while their refusals wait.
    assert api.comment("citizen", bill, DURATION, "Over the account's budget.").status_code == 429
    assert gave_way == [0] and gate.pending == 0
    with gate.admit():  # the one place is taken
        assert api.comment("citizen2", bill, DURATION, "The line is full.").status_code == 429
        assert gave_way == [0, 1]
        # OPTIONS is no write: it neither takes a place nor is refused.
        assert api.client.options(f"/api/bills/{bill}/comments").status_code == 200
        assert gave_way == [0, 1] and gate.pending == 1
    assert api.get(f"/api/bills/{bill}/comments", who="citizen").status_code == 200
    assert len(gave_way) == 2 and gate.pending == 0


def test_a_write_holds_its_place_from_the_door_and_only_a_write_that_ran_sets_the_pace(
    limited: Any, db: Database, users: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.http.intake import IntakeGate

    app = limited()
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "54")
    gate: IntakeGate = app.extensions["parley.intake"]
    pending_when_checked: list[int] = []
    _on_sender_lookup(monkeypatch, lambda: pending_when_checked.append(gate.pending))
    # Writes answered in the last hour rather than second: a slow machine must not age the answer out.
    monkeypatch.setattr("server.http.intake.PACE_SECONDS", 3600.0)
    assert api.comment("citizen", bill, DURATION, "Counted from the door.").status_code == 201
    # While it was authenticated and checked, it already held its place: those being checked are not let in
    # beyond the bound.
    assert pending_when_checked and set(pending_when_checked) == {1}
    assert gate.pending == 0 and gate.pace * 3600 == pytest.approx(1)
    invalid = api.client.post(f"/api/bills/{bill}/comments", headers=users.headers("citizen"), json={"eid": DURATION})
    assert invalid.status_code == 422
    assert gate.pending == 0 and gate.pace * 3600 == pytest.approx(1), (
        "a post refused by its schema gave its place back and set no pace")


def test_a_post_whose_body_is_still_arriving_holds_no_place_in_the_line(
    limited: Any, db: Database, users: Accounts
) -> None:
    import json
    import time

    from server.http.intake import IntakeGate
    from tests.server.conftest import LiveServer

    app = limited()
    api = Api(app.test_client(), users)
    bill = _open_bill(api, db, users, "55")
    gate: IntakeGate = app.extensions["parley.intake"]
    server = LiveServer(app).start()
    body = json.dumps({"eid": DURATION, "body": "Sent a few bytes at a time."}).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in users.headers("citizen").items())
    request = (f"POST /api/bills/{bill}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    try:
        with socket.create_connection(("127.0.0.1", server.server.server_port), timeout=30) as connection:
            connection.sendall(request.encode() + body[:12])
            time.sleep(0.5)  # the server has the headers and waits for the rest of the body
            # A client trickling its body in (or never finishing it) keeps no citizen out of the line.
            assert gate.pending == 0
            connection.sendall(body[12:])
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert [c["body"] for c in api.comments(bill)] == ["Sent a few bytes at a time."]
