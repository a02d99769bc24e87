"""Comment intake under load, against a live server on loopback (SQLite, WAL).

1. Baseline, measured in this run: raw single-row inserts into a SQLite WAL database, one transaction each, with
   the pragmas the application uses (synchronous=FULL); synchronous=NORMAL is printed for context.
   Floor, measured in this run: the same clients against Flask on the same gevent server answering each post with
   nothing behind it — what any comment intake on this serving stack and machine can reach at best.
2. Throughput: CLIENTS concurrent clients post comments for DURATION seconds (rate limits off). Printed:
   accepted comments/s and its ratio to the baseline (target >= 0.5), latency percentiles, status counts.
3. Burst (rate limits on, their defaults): BURST posts as fast as CLIENTS clients can send them (or, with
   --connections N, N keep-alive connections open at once in one asyncio loop). Checked: only 201 and 429
   answers, no 5xx, every 201 comment present in the database afterwards; p99 of accepted posts. Each client
   sends its next post once the last is answered, so the rate offered is what the server answers, not 10,000
   in one second.

The server runs in a child process: ``parley serve`` as operators start it (gevent's loop), or with
``--server threaded`` werkzeug's threaded server (this script with --serve), so clients and server do not share a
GIL; on a 2-core machine they still share the CPU, which the figures include.

    .venv/bin/python bench/bench_comments.py [--duration 30] [--clients 100] [--burst 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.client
import json
import logging
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
from argon2 import PasswordHasher

from config.settings import DevelopmentConfig
from server.demo import demo_bill_xml
from server.services import accounts, bills
from server.services import consultation as consultations
from server.store import eventlog, migrate
from server.store.db import Database

WORDS = ("the clerk shall publish every comment within thirty days and the committee must answer each point "
         "raised by citizens in rural counties where access to the internet remains limited").split()


class BenchConfig(DevelopmentConfig):
    ENV_NAME = "bench"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- baseline ----------------------------------------------------------------------------------------------


def raw_insert_rate(directory: Path, seconds: float, synchronous: str) -> float:
    """Rows per second, one INSERT and one COMMIT per row, into a WAL database."""
    path = directory / f"raw-{synchronous.lower()}.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, eid TEXT, body TEXT, created_at TEXT)")
    rows = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO comments (eid, body, created_at) VALUES (?, ?, datetime('now'))",
                           ("part_1__sec_1", f"comment {rows} " + " ".join(WORDS)))
        connection.execute("COMMIT")
        rows += 1
    elapsed = time.perf_counter() - started
    connection.close()
    return rows / elapsed


# --- the server --------------------------------------------------------------------------------------------


def serve(database_url: str, instance: Path, port: int, limits: bool) -> None:
    """Child process: the application on werkzeug's threaded server (``--server threaded``, the tests' server)."""
    from werkzeug.serving import make_server

    from server.app import create_app

    os.environ["PARLEY_INSTANCE_PATH"] = str(instance)
    config = BenchConfig()
    config.DATABASE_URL = database_url
    config.RATELIMIT_ENABLED = limits
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


# The floor of the serving stack: Flask on the same gevent server as ``parley serve``, answering a JSON post with
# nothing behind it (no authentication, rules, database or event). What the comment intake can reach at best here.
FLOOR_SERVER = """
from gevent import monkey
monkey.patch_all()
import itertools, sys
from flask import Flask, jsonify, request
from server.realtime import transport
app = Flask("floor")
ids = itertools.count(1)
@app.post("/api/bills/<int:bill_id>/comments")
def post(bill_id):
    body = request.get_json()
    return jsonify({"id": next(ids), "bill_id": bill_id, "eid": body["eid"]}), 201
@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
transport.serve_evented(app, "127.0.0.1", int(sys.argv[1]))
"""


class Server:
    """``parley serve`` as an operator starts it (gevent's loop), or the tests' threaded server."""

    def __init__(self, database_url: str, instance: Path, limits: bool, kind: str = "parley-serve") -> None:
        self.port = _free_port()
        if kind == "floor":
            self.process = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(self.port)],
                                            cwd=Path(__file__).resolve().parents[1])
        elif kind == "parley-serve":
            env = {**os.environ, "PARLEY_ENV": "development", "DATABASE_URL": database_url,
                   "PARLEY_INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": "true" if limits else "false",
                   "SECRET_KEY": "bench-comments"}
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=Path(__file__).resolve().parents[1], env=env, stdout=subprocess.DEVNULL,
            )
        else:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve", database_url, "--instance", str(instance), "--port",
                 str(self.port), "--limits", "on" if limits else "off"],
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def cpu_seconds(self) -> float:
        """User and system CPU the server process has used so far."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --- data --------------------------------------------------------------------------------------------------


def prepare(database_url: str, citizens: int) -> tuple[int, list[str], list[str]]:
    """A bill under consultation and ``citizens`` accounts; returns the bill id, the tokens and the eids."""
    migrate.upgrade(database_url)
    # Real Argon2 at its cheapest: creating the accounts is setup, not what is measured.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # type: ignore[attr-defined]
    database = Database(database_url)
    tokens: list[str] = []
    with database.write() as session:
        drafter = accounts.register_user(session, "drafter", "drafter", "bench-password")
        clerk = accounts.register_user(session, "clerk", "clerk", "bench-password")
        bill = bills.import_bill(session, accounts.principal_of(drafter), demo_bill_xml()).bill.id
        now = eventlog.utcnow()
        consultations.open_consultation(session, accounts.principal_of(clerk), bill,
                                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
        for n in range(citizens):
            user = accounts.register_user(session, f"citizen{n}", "citizen", "bench-password")
            tokens.append(accounts.issue_token(session, accounts.principal_of(user)))
    with database.read() as session:
        expression = consultations.expression_of(session, bill, 1)
        eids = sorted(consultations.expression_text(session, expression.document_sha256).by_eid)
    database.dispose()
    return bill, tokens, eids


def comment_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + "."


# --- clients -----------------------------------------------------------------------------------------------


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.accepted_ids: list[int] = []
        self.accepted_latencies: list[float] = []
        self.refused_latencies: list[float] = []

    def add(self, status: int, latency: float, comment_id: int | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status == 201 and comment_id is not None:
                self.accepted_ids.append(comment_id)
                self.accepted_latencies.append(latency)
            elif status == 429:
                self.refused_latencies.append(latency)


def client(port: int, bill: int, token: str, eids: list[str], seed: int, stop_at: list[float | None],
           posts: int | None, results: Results, start: threading.Event) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start.wait()
    sent = 0
    while (stop_at[0] is None or time.perf_counter() < stop_at[0]) and (posts is None or sent < posts):
        body = json.dumps({"eid": rng.choice(eids), "body": comment_text(rng)})
        began = time.perf_counter()
        try:
            connection.request("POST", f"/api/bills/{bill}/comments", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            results.add(-1, 0.0, None)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            sent += 1
            continue
        latency = time.perf_counter() - began
        comment_id = json.loads(payload)["id"] if response.status == 201 else None
        results.add(response.status, latency, comment_id)
        sent += 1
    connection.close()


def run_clients(port: int, bill: int, tokens: list[str], eids: list[str], *, clients: int,
                duration: float | None = None, total_posts: int | None = None) -> tuple[Results, float]:
    results = Results()
    start = threading.Event()
    per_client = None if total_posts is None else max(1, total_posts // clients)
    stop_at_holder: list[float | None] = [None]
    threads = []
    for n in range(clients):
        thread = threading.Thread(
            target=client,
            args=(port, bill, tokens[n % len(tokens)], eids, n, stop_at_holder, per_client, results, start),
            daemon=True,
        )
        threads.append(thread)
        thread.start()
    began = time.perf_counter()
    stop_at_holder[0] = began + duration if duration is not None else None
    start.set()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


async def _connection(port: int, bill: int, token: str, eids: list[str], seed: int, posts: int, results: Results,
                      start: asyncio.Event) -> None:
    """One keep-alive connection sending its posts one after another, each as soon as the last is answered.

    HTTP/1.1 by hand on asyncio's streams, for the reason of ``wire_client``: a thousand connections of a general
    client would cost the two cores more than the server being measured.
    """
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await start.wait()
    try:
        for _ in range(posts):
            body = json.dumps({"eid": rng.choice(eids), "body": comment_text(rng)}).encode()
            head = (f"POST /api/bills/{bill}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            began = time.perf_counter()
            writer.write(head + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            payload = await reader.readexactly(length)
            latency = time.perf_counter() - began
            results.add(status, latency, json.loads(payload)["id"] if status == 201 else None)
    finally:
        writer.close()


def run_connections(port: int, bill: int, tokens: list[str], eids: list[str], *, connections: int,
                    total_posts: int) -> tuple[Results, float]:
    """``connections`` connections open at once (asyncio, one thread), ``total_posts`` posts between them."""

    async def burst() -> tuple[Results, float]:
        results = Results()
        start = asyncio.Event()
        per_connection = max(1, total_posts // connections)
        tasks = [asyncio.create_task(_connection(port, bill, tokens[n % len(tokens)], eids, n, per_connection,
                                                 results, start)) for n in range(connections)]
        await asyncio.sleep(1.0)  # every connection open before the first post
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        return results, time.perf_counter() - began

    return asyncio.run(burst())


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def present(database_url: str, ids: list[int]) -> int:
    from sqlalchemy import func, select

    from server.store.consultation_models import Comment

    database = Database(database_url)
    found = 0
    with database.read() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found += int(session.scalar(select(func.count()).select_from(Comment).where(Comment.id.in_(chunk))) or 0)
    database.dispose()
    return found


def load_server(server: Server, run: Callable[[int], tuple[Results, float]]) -> tuple[Results, float, float]:
    """``run(port)`` against ``server``, then stop it; the results, seconds taken and server CPU seconds."""
    try:
        cpu_before = server.cpu_seconds()
        results, elapsed = run(server.port)
        return results, elapsed, server.cpu_seconds() - cpu_before
    finally:
        server.stop()


def measure_throughput(directory: Path, args: argparse.Namespace, full: float) -> bool:
    """The floor, then CLIENTS clients posting for DURATION seconds; whether every accepted comment was kept."""
    url = f"sqlite:///{directory / 'throughput.db'}"
    bill, tokens, eids = prepare(url, args.clients)
    if args.server == "parley-serve":
        results, elapsed, _ = load_server(
            Server(url, directory / "instance-floor", limits=False, kind="floor"),
            functools.partial(run_clients, bill=bill, tokens=tokens, eids=eids, clients=args.clients,
                              duration=min(args.duration, 10.0)))
        rate = results.statuses[201] / elapsed
        print(f"floor: the same server stack answering each post with nothing behind it (no checks, no "
              f"database): {rate:,.0f}/s, ratio to baseline {rate / full:.2f}; "
              f"p99 {percentile(results.accepted_latencies, 0.99) * 1000:.0f} ms")
    results, elapsed, server_cpu = load_server(
        Server(url, directory / "instance", limits=False, kind=args.server),
        functools.partial(run_clients, bill=bill, tokens=tokens, eids=eids, clients=args.clients,
                          duration=args.duration))
    accepted = results.statuses[201]
    rate = accepted / elapsed
    print(f"throughput: {args.clients} clients for {elapsed:.1f} s: {accepted} accepted, {rate:,.0f}/s; "
          f"ratio to baseline {rate / full:.2f} (target >= 0.5); statuses {dict(results.statuses)}; "
          f"p50 {percentile(results.accepted_latencies, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(results.accepted_latencies, 0.99) * 1000:.0f} ms; server CPU "
          f"{server_cpu / max(accepted, 1) * 1000:.1f} ms a post, {server_cpu / elapsed:.0%} of a core")
    kept = present(url, results.accepted_ids)
    print(f"throughput: {kept} of {accepted} accepted comments present afterwards")
    return kept == accepted


def measure_burst(directory: Path, args: argparse.Namespace) -> bool:
    """BURST posts with the rate limits on; whether only 201 and 429 came back and every 201 was kept."""
    url = f"sqlite:///{directory / 'burst.db'}"
    bill, tokens, eids = prepare(url, args.clients)
    server = Server(url, directory / "instance-burst", limits=True, kind=args.server)
    posting = dict(bill=bill, tokens=tokens, eids=eids, total_posts=args.burst)
    if args.connections:
        print(f"burst: {args.connections} connections at once (asyncio), {len(tokens)} citizens")
        run = functools.partial(run_connections, connections=args.connections, **posting)
    else:
        run = functools.partial(run_clients, clients=args.clients, **posting)
    burst, elapsed, burst_cpu = load_server(server, run)
    sent = sum(burst.statuses.values())
    only_expected = set(burst.statuses) <= {201, 429}
    kept = present(url, burst.accepted_ids)
    p99 = percentile(burst.accepted_latencies, 0.99) * 1000
    print(f"burst: {sent} posts in {elapsed:.2f} s ({sent / elapsed:,.0f}/s offered) with limits on: "
          f"statuses {dict(burst.statuses)}; only 201/429: {only_expected}; "
          f"{kept} of {burst.statuses[201]} accepted present; p99 of accepted {p99:.0f} ms (target <= 250), "
          f"p50 {percentile(burst.accepted_latencies, 0.5) * 1000:.0f} ms; refused p50 "
          f"{percentile(burst.refused_latencies, 0.5) * 1000:.0f} ms, p99 "
          f"{percentile(burst.refused_latencies, 0.99) * 1000:.0f} ms; "
          f"server CPU {burst_cpu / max(sent, 1) * 1000:.1f} ms an answer")
    return only_expected and kept == burst.statuses[201]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of sustained posting (issue: 30)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--burst", type=int, default=3000, help="posts sent as fast as possible, limits on")
    parser.add_argument("--connections", type=int, default=0,
                        help="send the burst over this many connections at once (asyncio) instead of CLIENTS threads")
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--parts", default="throughput,burst",
                        help="the measurements to make after the baseline: throughput, burst, or both")
    parser.add_argument("--server", choices=("parley-serve", "threaded"), default="parley-serve",
                        help="parley serve (gevent's loop, as deployed) or werkzeug's threaded server")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--limits", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, Path(args.instance), args.port, args.limits == "on")
        return 0
    parts = set(args.parts.split(","))
    if not parts or parts - {"throughput", "burst"}:
        parser.error(f"--parts takes throughput, burst or both; found {args.parts!r}")

    with tempfile.TemporaryDirectory(prefix="parley-bench-") as scratch:
        directory = Path(scratch)
        full = raw_insert_rate(directory, args.baseline_seconds, "FULL")
        normal = raw_insert_rate(directory, args.baseline_seconds, "NORMAL")
        print(f"baseline: raw single-row WAL inserts {full:,.0f}/s (synchronous=FULL, as the app); "
              f"{normal:,.0f}/s with synchronous=NORMAL")
        kept = True
        if "throughput" in parts:
            kept = measure_throughput(directory, args, full) and kept
        if "burst" in parts:
            kept = measure_burst(directory, args) and kept
        return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(main())
