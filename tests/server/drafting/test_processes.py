"""Real server processes: two joined by Redis on PostgreSQL, and a crash in the middle of a burst of edits."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import select

from server.domain import textpatch
from server.store import eventlog, migrate, projections
from server.store.db import Database
from server.store.models import Provision
from tests.server.conftest import _truncate_postgres
from tests.server.drafting.conftest import Watcher
from tests.server.processes import ServerProcess, seed_drafting

EID = "part_1__sec_1"
FIRST_TEXT = "This Act may be cited as the Test Act, 2026."


def _redis_available() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def cluster(postgres_schema_url: str, tmp_path: Path) -> Iterator[tuple[list[ServerProcess], dict[str, str], int]]:
    if not _redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    _truncate_postgres(postgres_schema_url)
    tokens, bill = seed_drafting(postgres_schema_url)
    env = {
        "DATABASE_URL": postgres_schema_url,
        "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
        "SOCKETIO_CHANNEL": f"parley-test-{uuid.uuid4().hex}",
        "SECRET_KEY": "shared-by-both-processes",
        "PARLEY_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    servers = [ServerProcess(env, tmp_path / f"server{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.start()
        yield servers, tokens, bill
    finally:
        for server in servers:
            server.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_joined_by_redis_serve_one_bill(
    cluster: tuple[list[ServerProcess], dict[str, str], int],
) -> None:
    (one, two), tokens, bill = cluster
    author = Watcher(one.url, tokens["drafter"])
    reader = Watcher(two.url, tokens["mp"])
    second_author = Watcher(two.url, tokens["drafter2"])
    try:
        for client in (author, reader, second_author):
            assert client.call("join", {"bill": bill, "since": None})["ok"]
        new = FIRST_TEXT.replace("Test Act", "Cluster Act")
        ack = author.call("edit", {"bill": bill, "eid": EID, "rev": 0, "op_id": "a-1",
                                   "patch": textpatch.make_patch(FIRST_TEXT, new)})
        assert ack["ok"], ack
        assert reader.wait_for(lambda: any(e["id"] == ack["event_id"] for e in reader.events))
        later = new + " Really."
        ack2 = second_author.call("edit", {"bill": bill, "eid": EID, "rev": 1, "op_id": "b-1",
                                           "patch": textpatch.make_patch(new, later)})
        assert ack2["ok"], ack2
        assert author.wait_for(lambda: any(e["id"] == ack2["event_id"] for e in author.events))
        for server in (one, two):
            body = requests.get(f"{server.url}/api/bills/{bill}/provisions/{EID}", timeout=5).json()
            assert body == {**body, "text": later, "rev": 2}
            assert requests.get(f"{server.url}/healthz", timeout=5).json()["database"] == "postgresql"
    finally:
        for client in (author, reader, second_author):
            client.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_a_password_change_on_one_process_closes_the_accounts_sockets_on_the_other(
    cluster: tuple[list[ServerProcess], dict[str, str], int],
) -> None:
    (one, two), tokens, bill = cluster
    stolen = Watcher(two.url, tokens["drafter2"])
    author = Watcher(two.url, tokens["drafter"])
    try:
        for client in (stolen, author):
            assert client.call("join", {"bill": bill, "since": None})["ok"]
        asking = requests.post(f"{one.url}/api/tokens", json={"username": "drafter2", "password": "correct-horse"},
                               timeout=10).json()["token"]
        changed = requests.post(f"{one.url}/api/account/password", headers={"Authorization": f"Bearer {asking}"},
                                json={"current_password": "correct-horse", "new_password": "a-brand-new-password"},
                                timeout=10)
        assert changed.status_code == 200, changed.text
        assert stolen.wait_for(lambda: bool(stolen.disconnects), timeout=10), "closed on the other process too"
        assert stolen.signed_out == [{"reason": "password_changed"}]
        ack = author.call("edit", {"bill": bill, "eid": EID, "rev": 0, "op_id": "after-close",
                                   "patch": textpatch.make_patch(FIRST_TEXT, FIRST_TEXT + " Later.")})
        assert ack["ok"], ack
        assert author.wait_for(lambda: any(e["id"] == ack["event_id"] for e in author.events))
        assert all(e["id"] != ack["event_id"] for e in stolen.events)
    finally:
        for client in (stolen, author):
            client.close()


def test_nothing_acknowledged_is_lost_when_the_server_is_killed_mid_burst(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    migrate.upgrade(url)
    tokens, bill = seed_drafting(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": "crash-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance")}
    server = ServerProcess(env, tmp_path / "server.log")
    acknowledged: list[str] = []
    text, rev = FIRST_TEXT, 0
    for round_number in range(3):
        server.start()
        client = Watcher(server.url, tokens["drafter"])
        ack = client.call("join", {"bill": bill, "since": None})
        text, rev = ack["provisions"][EID]["text"], ack["provisions"][EID]["rev"]
        stop = threading.Event()

        def burst(client: Watcher = client, round_number: int = round_number, stop: threading.Event = stop) -> None:
            nonlocal text, rev
            n = 0
            while not stop.is_set():
                op_id = f"r{round_number}-{n}"
                new = text + f" {op_id}"
                try:
                    answer = client.call("edit", {"bill": bill, "eid": EID, "rev": rev, "op_id": op_id,
                                                  "patch": textpatch.make_patch(text, new)}, timeout=2)
                except Exception:
                    return  # the server died under us: this edit was never acknowledged
                if answer.get("ok"):
                    acknowledged.append(op_id)
                    text, rev = new, answer["rev"]
                n += 1

        worker = threading.Thread(target=burst)
        worker.start()
        while len(acknowledged) < 15 * (round_number + 1):
            worker.join(0.01)
        server.kill()
        stop.set()
        worker.join(10)
        try:
            client.close()
        except Exception:  # noqa: S110 - the server is gone
            pass

    database = Database(url)
    with database.write() as session:
        log = [r for r in eventlog.events_after(session, 0) if r.type == "provision.edited"]
        counts = Counter(r.data["op_id"] for r in log)
        assert all(counts[op] == 1 for op in acknowledged), "every acknowledged edit is in the log exactly once"
        assert max(counts.values()) == 1
        assert eventlog.verify_chain(session).ok
        final = session.scalars(select(Provision).where(Provision.bill_id == bill, Provision.eid == EID)).one()
        words = Counter(final.text.split())
        assert all(words[op] == 1 for op in acknowledged)
        live = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == live
    database.dispose()
