"""Mixed load against two gunicorn processes joined by Redis on PostgreSQL.

50 drafters editing over Socket.IO, 500 watchers receiving every broadcast, 100 citizens commenting over HTTP,
for ``--duration`` seconds (default 10; the issue's figure is ``--duration 60``). Prints throughput, p50/p99
latencies, errors and lost operations (acknowledged but absent from the log, or present twice), and the p99s as
ratios of an idle baseline measured in the same run. ``--markdown`` prints a table for docs/benchmarks.md.

Needs PostgreSQL (``BENCH_POSTGRES_URL``, default the test server) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from akn.plaintext import parse_bill_text  # noqa: E402
from server.client.connection import socketio_client  # noqa: E402
from server.domain import textpatch  # noqa: E402
from server.services import accounts, bills  # noqa: E402
from server.services import consultation as consultations  # noqa: E402
from server.store import eventlog, migrate  # noqa: E402
from server.store.db import Database  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
PROVISIONS = ["part_1__sec_1", "part_2__sec_4", "part_2__sec_3__subsec_2"]
BILL_TEXT = """\
PART 1 - Preliminary

  SEC 1. - Short title

    This Act may be cited as the Load Act, 2026.

PART 2 - Consultations

  SEC 3. - Duty to consult

    SUBSEC (1)

      The clerk shall open a consultation within thirty days.

    SUBSEC (2)

      A consultation shall remain open for not less than thirty days.

  SEC 4. - Register

    The clerk shall keep a register of consultations.
"""


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"edit": [], "comment": [], "delivery": []})
    errors: Counter[str] = field(default_factory=Counter)
    acked_edits: list[str] = field(default_factory=list)
    acked_comments: list[str] = field(default_factory=list)
    received: int = 0

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def seed(url: str, drafters: int, citizens: int) -> tuple[list[str], list[str], str, int]:
    # Real Argon2 at its cheapest: 650 accounts at the production cost would take minutes to create.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    database = Database(url)
    with database.write() as session:
        def add(name: str, role: str) -> str:
            user = accounts.register_user(session, name, role, "correct-horse")
            return accounts.issue_token(session, accounts.principal_of(user))

        drafter_tokens = [add(f"drafter{n}", "drafter") for n in range(drafters)]
        citizen_tokens = [add(f"citizen{n}", "citizen") for n in range(citizens)]
        clerk = add("clerk", "clerk")
        principal = accounts.principal_for_user_id(session, 1)
        bill = bills.import_bill(session, principal, parse_bill_text(
            BILL_TEXT, country="ke", number="7", date="2026-11-02", title="Load Bill, 2026")).bill.id
        now = eventlog.utcnow()
        clerk_principal = accounts.principal_for_token(session, clerk)
        consultations.open_consultation(session, clerk_principal, bill, opens_at=now - timedelta(hours=1),
                                        closes_at=now + timedelta(days=1))
    database.dispose()
    return drafter_tokens, citizen_tokens, clerk, bill


class Cluster:
    """Two `gunicorn -c deploy/gunicorn.conf.py` processes, as `make cluster` starts them."""

    def __init__(self, url: str, log_dir: Path) -> None:
        self.ports = [free_port(), free_port()]
        origins = ",".join(f"http://127.0.0.1:{p}" for p in self.ports)
        self.env = {
            **os.environ, "DATABASE_URL": url, "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
            "SOCKETIO_CHANNEL": f"bench-{uuid.uuid4().hex}", "SECRET_KEY": "bench", "ALLOWED_ORIGINS": origins,
            "RATELIMIT_ENABLED": "false", "PARLEY_ENV": "development", "PARLEY_INSTANCE_PATH": str(log_dir),
            "GUNICORN_THREADS": "600", "GUNICORN_ACCESS_LOG": "/dev/null", "EDIT_RATE_PER_SECOND": "1000",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_dir = log_dir

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        for port in self.ports:
            log = (self.log_dir / f"gunicorn-{port}.log").open("ab")
            self.processes.append(subprocess.Popen(
                [gunicorn, "-c", "deploy/gunicorn.conf.py", "server.app:create_app()"],
                cwd=ROOT, env={**self.env, "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT,
            ))
        for url in self.urls:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if requests.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"{url} did not start; see {self.log_dir}")

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def watcher(url: str, bill: int, stats: Stats, stop: threading.Event, ready: threading.Barrier) -> None:
    client = socketio_client(reconnection=False)

    def on_event(data: dict[str, Any]) -> None:
        sent = data.get("data", {}).get("op_id", "")
        with stats.lock:
            stats.received += 1
        # Drafters put their send time in the op id, so delivery latency needs no clock but this machine's.
        if isinstance(sent, str) and sent.startswith("t"):
            stats.add("delivery", time.time() - float(sent[1:].split("-")[0]))

    def on_disconnect(*_: Any) -> None:
        if not stop.is_set():
            with stats.lock:
                stats.errors["watcher dropped before the end"] += 1

    client.on("event", on_event)
    client.on("disconnect", on_disconnect)
    try:
        client.connect(url, transports=["websocket"], wait_timeout=30)
        client.call("join", {"bill": bill, "since": None}, timeout=30)
    except Exception as error:
        stats.errors[f"watcher connect: {type(error).__name__}"] += 1
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    stop.wait()
    client.disconnect()


def drafter(url: str, token: str, bill: int, eid: str, stats: Stats, stop: threading.Event,
            ready: threading.Barrier) -> None:
    client = socketio_client(reconnection=False)
    try:
        client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        state = client.call("join", {"bill": bill, "since": None}, timeout=30)["provisions"][eid]
    except Exception as error:
        stats.errors[f"drafter connect: {type(error).__name__}"] += 1
        ready.wait()
        return
    ready.wait()
    n = 0
    while not stop.is_set():
        op_id = f"t{time.time():.6f}-{uuid.uuid4().hex[:6]}"
        word = f"w{n}"
        new = state["text"] + " " + word
        started = time.perf_counter()
        try:
            ack = client.call("edit", {"bill": bill, "eid": eid, "rev": state["rev"], "op_id": op_id,
                                       "patch": textpatch.make_patch(state["text"], new)}, timeout=30)
        except Exception as error:
            stats.errors[f"edit: {type(error).__name__}"] += 1
            if not client.connected:
                # Dropped (a ping timeout under load): counted once, not retried in a tight loop that would
                # only burn the CPU the servers need.
                stats.errors["drafter dropped before the end"] += 1
                return
            time.sleep(0.5)
            continue
        stats.add("edit", time.perf_counter() - started)
        if ack.get("ok"):
            with stats.lock:
                stats.acked_edits.append(op_id)
            state = client.call("join", {"bill": bill, "since": None}, timeout=30)["provisions"][eid] \
                if ack.get("rev") != state["rev"] + 1 else {"text": new, "rev": ack["rev"]}
        else:
            stats.errors[f"edit refused: {ack.get('error', {}).get('code')}"] += 1
            state = client.call("join", {"bill": bill, "since": None}, timeout=30)["provisions"][eid]
        n += 1
        time.sleep(0.5)  # a person typing: two saved edits a second
    client.disconnect()


def commenter(url: str, token: str, bill: int, stats: Stats, stop: threading.Event,
              ready: threading.Barrier) -> None:
    http = requests.Session()
    ready.wait()
    while not stop.is_set():
        marker = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            response = http.post(f"{url}/api/bills/{bill}/comments", timeout=30,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"eid": PROVISIONS[1], "body": f"Comment {marker} on the register."})
        except requests.RequestException as error:
            stats.errors[f"comment: {type(error).__name__}"] += 1
            continue
        stats.add("comment", time.perf_counter() - started)
        if response.status_code == 201:
            with stats.lock:
                stats.acked_comments.append(marker)
        else:
            stats.errors[f"comment {response.status_code}"] += 1
        time.sleep(2.0)  # a citizen writing: one comment every couple of seconds


def baseline(urls: list[str], samples: int = 50) -> float:
    """The idle p99 of a small API read, measured before the load starts."""
    http = requests.Session()
    timings = []
    for n in range(samples):
        started = time.perf_counter()
        http.get(f"{urls[n % 2]}/api/bills", timeout=10)
        timings.append(time.perf_counter() - started)
    return percentile(timings, 0.99)


def lost_operations(url: str, stats: Stats) -> tuple[int, int]:
    database = Database(url)
    with database.read() as session:
        edits = Counter(r.data.get("op_id") for r in eventlog.events_after(session, 0) if r.type == "provision.edited")
        bodies = Counter(
            r.data["body"].split()[1] for r in eventlog.events_after(session, 0) if r.type == "comment.posted"
        )
        assert eventlog.verify_chain(session).ok
    database.dispose()
    lost = sum(1 for op in stats.acked_edits if edits[op] == 0) + sum(
        1 for m in stats.acked_comments if bodies[m] == 0)
    doubled = sum(1 for c in edits.values() if c > 1) + sum(1 for c in bodies.values() if c > 1)
    return lost, doubled


def main() -> None:
    # The clients' own shutdown chatter ("packet queue is empty") is not a result; dropped watchers are counted.
    logging.getLogger("engineio.client").setLevel(logging.ERROR)
    logging.getLogger("socketio.client").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--drafters", type=int, default=50)
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--commenters", type=int, default=100)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    log_dir = Path(tempfile.gettempdir()) / schema
    log_dir.mkdir(parents=True)
    cluster = Cluster(url, log_dir)
    try:
        migrate.upgrade(url)
        drafter_tokens, citizen_tokens, _, bill = seed(url, args.drafters, args.commenters)
        cluster.start()
        idle_p99 = baseline(cluster.urls)
        stats = Stats()
        stop = threading.Event()
        ready = threading.Barrier(args.drafters + args.watchers + args.commenters + 1)
        threads = [threading.Thread(target=watcher, args=(cluster.urls[n % 2], bill, stats, stop, ready), daemon=True)
                   for n in range(args.watchers)]
        threads += [threading.Thread(target=drafter, args=(cluster.urls[n % 2], token, bill,
                                                           PROVISIONS[n % len(PROVISIONS)], stats, stop, ready),
                                     daemon=True) for n, token in enumerate(drafter_tokens)]
        threads += [threading.Thread(target=commenter, args=(cluster.urls[n % 2], token, bill, stats, stop, ready),
                                     daemon=True) for n, token in enumerate(citizen_tokens)]
        for thread in threads:
            thread.start()
        ready.wait(timeout=300)
        started = time.perf_counter()
        time.sleep(args.duration)
        stop.set()
        elapsed = time.perf_counter() - started
        for thread in threads:
            thread.join(60)
        lost, doubled = lost_operations(url, stats)
    finally:
        cluster.stop()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    edits, comments = len(stats.acked_edits), len(stats.acked_comments)
    rows = [
        ("clients", f"{args.drafters} drafters, {args.watchers} watchers, {args.commenters} commenters"),
        ("duration", f"{elapsed:.1f} s against 2 gunicorn processes (PostgreSQL, Redis)"),
        ("throughput", f"{edits / elapsed:.1f} edits/s, {comments / elapsed:.1f} comments/s, "
                       f"{stats.received / elapsed:.0f} broadcasts delivered/s"),
        ("broadcasts delivered / due", f"{stats.received} / {(edits + comments) * args.watchers} "
                                       "(every acknowledged edit and comment, to every watcher)"),
        ("edit ack p50 / p99", f"{percentile(stats.latencies['edit'], .5) * 1000:.0f} / "
                               f"{percentile(stats.latencies['edit'], .99) * 1000:.0f} ms"),
        ("comment p50 / p99", f"{percentile(stats.latencies['comment'], .5) * 1000:.0f} / "
                              f"{percentile(stats.latencies['comment'], .99) * 1000:.0f} ms"),
        ("broadcast delivery p50 / p99", f"{percentile(stats.latencies['delivery'], .5) * 1000:.0f} / "
                                         f"{percentile(stats.latencies['delivery'], .99) * 1000:.0f} ms"),
        ("idle baseline p99 (GET /api/bills)", f"{idle_p99 * 1000:.0f} ms"),
        ("edit p99 / idle p99", f"{percentile(stats.latencies['edit'], .99) / idle_p99:.1f}x"),
        ("errors", ", ".join(f"{k}: {v}" for k, v in stats.errors.most_common()) or "none"),
        ("lost / doubled operations", f"{lost} / {doubled} of {edits + comments} acknowledged"),
    ]
    if args.markdown:
        print("| measure | value |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
    else:
        for name, value in rows:
            print(f"{name:36} {value}")
    if lost or doubled:
        sys.exit(1)


if __name__ == "__main__":
    main()
