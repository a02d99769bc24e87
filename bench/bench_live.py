"""Live editing under load: one bill, editors and watchers on Socket.IO, against a bare python-socketio server.

    .venv/bin/python bench/bench_live.py [--duration 20] [--editors 50] [--watchers 200]
        [--steps 100,200,300,500,700] [--step-duration 10] [--big-sections 12000] [--skip-steps] [--skip-size]

1. Fan-out. ``--editors`` drafters each send about one patch a second to their own provision of one bill,
   ``--watchers`` readers follow the bill; every client (editors included) receives every broadcast. Measured
   for ``--duration`` seconds on a ``parley serve`` process (gevent's loop, WebSocket, SQLite), then, in the
   same run and with the same clients, on the baseline: a bare python-socketio server (gevent's loop and WSGI
   server, the same WebSocket transport) that acks each edit and broadcasts the same event payload without
   doing anything else (``--bare bare-threading``: the baseline on werkzeug's threads instead; with
   ``PARLEY_WORKER=threading`` in the environment, Parley too). Printed: p50/p99 from an edit leaving its
   editor to its delivery at each client, edit-to-ack p50/p99, server CPU time per delivery, and Parley's
   figures as ratios of the baseline (targets: CPU per delivery <= 1.5x, delivery p99 <= 100 ms).
2. Capacity. The watcher count is stepped (``--steps``) with the editors kept: how many clients one process
   holds in one bill before the delivery p99 passes 100 ms (goal: 500).
3. Bill size. The server-side cost of one edit (``drafting.edit_provision`` in its own transaction, as the
   socket handler runs it) on a 20-section bill and on a ``--big-sections`` bill, by eId and by wId, and the
   edit-to-ack time over a socket for both bills on one ``parley serve`` process. Target: the same cost.

Clients run in child processes of this script (``--drive``), several of them, so that the clients do not all
share one GIL. They speak Socket.IO through bench/wire_client.py, a lean client that costs about a tenth of
python-socketio's AsyncClient per message received (``--client python-socketio`` to use that instead). The
machine's cores are still shared by the server and the clients, which the figures include.
Latencies use CLOCK_MONOTONIC, which all processes of the machine share.
"""

from __future__ import annotations

import sys

if "--serve-bare" in sys.argv:
    # The baseline serves on gevent's loop like `parley serve`, patched before anything creates a lock or socket.
    from gevent import monkey

    monkey.patch_all()

import argparse
import asyncio
import json
import math
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import make_bill  # noqa: E402
from wire_client import WireClient  # noqa: E402

from server.client.connection import socketio_client  # noqa: E402
from server.domain import textpatch  # noqa: E402
from server.domain.events import EventType  # noqa: E402
from server.realtime.transport import NoDelayRequestHandler  # noqa: E402

BILL_ROOM = "bill:{}"
P99_TARGET_MS = 100.0
CPU_RATIO_TARGET = 1.5
SMALL_SECTIONS = 20
CLIENTS_PER_DRIVER = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


# --- servers --------------------------------------------------------------------------------------------------


def serve_bare(port: int, mode: str) -> None:
    """A bare python-socketio server: ack each edit and broadcast Parley's event payload for it, nothing else."""
    from werkzeug.serving import run_simple

    server = socketio.Server(async_mode=mode, cors_allowed_origins="*")
    lock = threading.Lock()
    state: dict[str, Any] = {"event": 0, "revs": {}}

    def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        server.enter_room(sid, BILL_ROOM.format(data["bill"]))
        return {"ok": True, "bill": data["bill"], "last_event_id": state["event"], "events": [], "provisions": {}}

    def edit(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        with lock:
            state["event"] += 1
            rev = state["revs"].get(data["eid"], data["rev"]) + 1
            state["revs"][data["eid"]] = rev
            event_id = state["event"]
        payload = {
            "id": event_id, "type": EventType.PROVISION_EDITED, "bill": data["bill"], "actor": 1,
            "at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "data": {"eid": data["eid"], "wid": data.get("wid") or data["eid"], "rev": rev, "base_rev": data["rev"],
                     "patch": data["patch"], "op_id": data["op_id"]},
        }
        # Parley emits each bill event to the bill's room and to the site-wide room; so does the baseline.
        server.emit("event", payload, to=BILL_ROOM.format(data["bill"]))
        server.emit("event", payload, to="site")
        return {"ok": True, "rev": rev, "event_id": event_id, "duplicate": False}

    server.on("join", join)
    server.on("edit", edit)
    if mode == "gevent":
        from gevent.pywsgi import WSGIServer

        # The same listener as `parley serve`: TCP_NODELAY, inherited by every accepted connection.
        listener = socket.create_server(("127.0.0.1", port), backlog=2048)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        WSGIServer(listener, socketio.WSGIApp(server), log=None).serve_forever()
        return
    # The same transport as ``parley serve``: werkzeug, TCP_NODELAY on each connection.
    run_simple("127.0.0.1", port, socketio.WSGIApp(server), threaded=True, request_handler=NoDelayRequestHandler)


# --- clients (one driver process holds many, on one asyncio loop) ----------------------------------------------


@dataclass
class Tally:
    """What one driver's clients saw (all on one event loop, so no lock)."""

    deliveries: list[float] = field(default_factory=list)  # ms, edit sent -> event received, per client
    acks: list[float] = field(default_factory=list)  # ms, edit sent -> ack
    sent: int = 0
    acked: int = 0
    skipped: int = 0  # ticks when the previous edit was still waiting for its ack
    errors: dict[str, int] = field(default_factory=dict)


def _sent_at(op_id: str) -> int:
    return int(op_id.rsplit("-", 1)[1])


class Member:
    """A python-socketio client in the bill's room that times every broadcast it receives."""

    def __init__(self, tally: Tally, window: list[int], session: aiohttp.ClientSession | None) -> None:
        # The lean client unless the driver was asked for python-socketio's (``--client python-socketio``).
        self.client: Any = WireClient(session) if session is not None else socketio.AsyncClient(reconnection=False)
        self.tally, self.window = tally, window
        self.client.on("event", self._on_event)
        self.provisions: dict[str, Any] = {}

    async def open(self, url: str, token: str | None, bill: int) -> None:
        auth = {"token": token} if token else None
        if isinstance(self.client, WireClient):
            await self.client.connect(url, auth=auth)
        else:
            await self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=60)
        joined = await self.client.call("join", {"bill": bill, "since": None}, timeout=120)
        if not joined.get("ok"):
            raise RuntimeError(f"join refused: {joined}")
        self.provisions = joined["provisions"]

    def _on_event(self, event: dict[str, Any]) -> None:
        op_id = (event.get("data") or {}).get("op_id")
        if op_id:
            sent = _sent_at(op_id)
            if self.window[0] <= sent < self.window[1]:
                self.tally.deliveries.append((time.monotonic_ns() - sent) / 1e6)


class Editor(Member):
    """A drafter appending a word to its own provision about once a second; revisions follow its acks."""

    def __init__(self, item: dict[str, Any], bill: int, tally: Tally, window: list[int],
                 session: aiohttp.ClientSession | None) -> None:
        super().__init__(tally, window, session)
        self.bill, self.eid, self.name = bill, item["eid"], item["name"]
        self.text, self.rev = str(item["text"]), int(item["rev"])
        self.waiting = False
        self.count = 0

    async def open(self, url: str, token: str | None, bill: int) -> None:
        await super().open(url, token, bill)
        state = self.provisions.get(self.eid)
        if state is not None:
            self.text, self.rev = str(state["text"]), int(state["rev"])

    async def tick(self) -> None:
        if self.waiting:
            self.tally.skipped += 1
            return
        self.count += 1
        new = f"{self.text} w{self.count}"
        sent = time.monotonic_ns()
        in_window = self.window[0] <= sent < self.window[1]
        payload = {"bill": self.bill, "eid": self.eid, "wid": self.eid, "rev": self.rev,
                   "patch": textpatch.make_patch(self.text, new), "op_id": f"{self.name}-{self.count}-{sent}"}
        self.waiting = True
        if in_window:
            self.tally.sent += 1

        def answered(ack: dict[str, Any]) -> None:
            if ack.get("ok"):
                self.text, self.rev = new, int(ack["rev"])
                if in_window:
                    self.tally.acked += 1
                    self.tally.acks.append((time.monotonic_ns() - sent) / 1e6)
            else:
                code = str((ack.get("error") or {}).get("code"))
                self.tally.errors[code] = self.tally.errors.get(code, 0) + 1
            self.waiting = False

        await self.client.emit("edit", payload, callback=answered)

    async def run(self, start: int, end: int) -> None:
        at = start
        while at < end:
            await asyncio.sleep(max(0.0, (at - time.monotonic_ns()) / 1e9))
            await self.tick()
            at += 1_000_000_000


async def drive(spec: dict[str, Any]) -> None:
    """A driver process: open its clients, say READY, wait for GO <start> <end>, tick editors, report JSON."""
    tally = Tally()
    window = [0, 0]
    session = aiohttp.ClientSession() if spec["client"] == "wire" else None
    editors = [Editor(item, spec["bill"], tally, window, session) for item in spec["editors"]]
    watchers = [Member(tally, window, session) for _ in range(spec["watchers"])]
    opening: list[tuple[Member, str | None]] = [
        (editor, item["token"]) for editor, item in zip(editors, spec["editors"], strict=True)]
    opening += [(watcher, spec["watcher_token"]) for watcher in watchers]
    # A few at a time: a burst of hundreds of handshakes at once only measures the listen backlog.
    for start in range(0, len(opening), 20):
        await asyncio.gather(*(member.open(spec["url"], token, spec["bill"])
                               for member, token in opening[start:start + 20]))
    print(f"READY {len(opening)}", flush=True)
    command = (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).split()
    assert command and command[0] == "GO", command
    window[0], window[1] = int(command[1]), int(command[2])
    # Each editor ticks once a second at its own phase, so the edits are spread over the second.
    phases = [window[0] + int(1e9 * ((n / max(1, len(editors)) + spec["phase"]) % 1)) for n in range(len(editors))]
    await asyncio.gather(*(editor.run(phase, window[1]) for editor, phase in zip(editors, phases, strict=True)))
    await asyncio.sleep(max(0.0, (window[1] - time.monotonic_ns()) / 1e9) + spec["grace"])
    result = {"deliveries": tally.deliveries, "acks": tally.acks, "sent": tally.sent, "acked": tally.acked,
              "skipped": tally.skipped, "errors": tally.errors, "clients": len(opening)}
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # no need to wait for the server's late answers to a close


# --- servers and runs ----------------------------------------------------------------------------------------


class Workspace:
    """A SQLite database with the small bill, the big bill (on demand) and the accounts the clients use."""

    def __init__(self, directory: Path, editors: int) -> None:
        from server.services import accounts, bills
        from server.store import migrate
        from server.store.db import Database

        self.url = f"sqlite:///{directory / 'live.db'}"
        self.directory = directory
        migrate.upgrade(self.url)
        self.database = Database(self.url)
        # Cheap hashing: the accounts only exist to get tokens.
        accounts.configure_password_hashing(time_cost=1, memory_cost_kib=1024)
        self.tokens: list[str] = []
        with self.database.write() as session:
            for n in range(max(editors, 1)):
                user = accounts.register_user(session, f"editor{n}", "drafter", "correct-horse-battery")
                self.tokens.append(accounts.issue_token(session, accounts.principal_of(user)))
            reader = accounts.register_user(session, "watcher", "mp", "correct-horse-battery")
            self.watcher_token = accounts.issue_token(session, accounts.principal_of(reader))
            self.drafter = accounts.principal_of(user)
            self.small_bill = bills.import_bill(session, self.drafter, make_bill(SMALL_SECTIONS, number="20")).bill.id
        self.provisions = self.texts(self.small_bill)

    def import_big(self, sections: int) -> tuple[int, float]:
        from server.services import bills

        started = time.perf_counter()
        content = make_bill(sections, number=str(sections))
        with self.database.write() as session:
            bill = bills.import_bill(session, self.drafter, content, max_bytes=len(content) + 1).bill.id
        return bill, time.perf_counter() - started

    def texts(self, bill: int) -> list[tuple[str, str, int]]:
        from server.store.models import Provision

        with self.database.read() as session:
            rows = session.query(Provision.eid, Provision.text, Provision.rev).filter(
                Provision.bill_id == bill, Provision.text != "").order_by(Provision.ordinal)
            return [(row.eid, row.text, row.rev) for row in rows]


@contextmanager
def server_process(kind: str, workspace: Workspace, log: Path) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if kind == "parley":
        # Exactly what an operator runs: `parley serve` (gevent's loop, TCP_NODELAY on its connections).
        command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), f"--serve-{kind}", str(port)]
    env = {**os.environ, "PARLEY_ENV": "development", "DATABASE_URL": workspace.url, "RATELIMIT_ENABLED": "false",
           "SECRET_KEY": "bench-live", "PARLEY_INSTANCE_PATH": str(workspace.directory / "instance"),
           "EDIT_RATE_PER_SECOND": "1000"}
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the {kind} server exited: {log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} server did not start") from None
                time.sleep(0.1)
        yield url, psutil.Process(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Run:
    kind: str
    editors: int
    watchers: int
    seconds: float
    deliveries: list[float]
    acks: list[float]
    sent: int
    acked: int
    skipped: int
    errors: dict[str, int]
    cpu_seconds: float
    client_cpu_seconds: float
    clients: int

    @property
    def expected(self) -> int:
        return self.acked * self.clients

    @property
    def cpu_per_delivery_us(self) -> float:
        return 1e6 * self.cpu_seconds / max(1, len(self.deliveries))


def run_load(kind: str, workspace: Workspace, editors: int, watchers: int, seconds: float, log: Path,
             client: str = "wire") -> Run:
    """Start a server, connect the clients through driver processes, run for ``seconds``, gather the figures."""
    clients = editors + watchers
    drivers = max(2, math.ceil(clients / CLIENTS_PER_DRIVER))
    chosen = workspace.provisions[:editors] if editors <= len(workspace.provisions) else [
        workspace.provisions[n % len(workspace.provisions)] for n in range(editors)]
    with server_process(kind, workspace, log) as (url, server):
        specs = []
        for d in range(drivers):
            mine = [{"token": workspace.tokens[n], "eid": chosen[n][0], "text": chosen[n][1], "rev": chosen[n][2],
                     "name": f"e{n}"} for n in range(d, editors, drivers)]
            specs.append({"url": url, "bill": workspace.small_bill, "editors": mine,
                          "watchers": len(range(d, watchers, drivers)), "watcher_token": workspace.watcher_token,
                          "phase": d / drivers / max(1, editors), "grace": 3.0, "client": client})
        processes = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--drive"], cwd=ROOT,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in specs]
        for process, spec in zip(processes, specs, strict=True):
            assert process.stdin is not None
            process.stdin.write(json.dumps(spec) + "\n")
            process.stdin.flush()
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith("READY"):
                raise RuntimeError(f"a driver failed to connect its clients: {line!r}")
        start = time.monotonic_ns() + 500_000_000
        end = start + int(seconds * 1e9)
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(f"GO {start} {end}\n")
            process.stdin.flush()
        while time.monotonic_ns() < start:
            time.sleep(0.001)
        drivers_ps = [psutil.Process(process.pid) for process in processes]
        cpu_before = sum(server.cpu_times()[:2])
        client_before = sum(sum(p.cpu_times()[:2]) for p in drivers_ps)
        # The window closes when the last edit sent in it has had time to reach everyone.
        while time.monotonic_ns() < end + 3_000_000_000:
            time.sleep(0.01)
        cpu_after = sum(server.cpu_times()[:2])
        client_after = sum(sum(p.cpu_times()[:2]) for p in drivers_ps)
        results = []
        for process in processes:
            assert process.stdout is not None
            output, _ = process.communicate(timeout=120)
            line = next(row for row in output.splitlines() if row.startswith("RESULT "))
            results.append(json.loads(line[len("RESULT "):]))
    errors: dict[str, int] = {}
    for result in results:
        for code, count in result["errors"].items():
            errors[code] = errors.get(code, 0) + count
    return Run(
        kind=kind, editors=editors, watchers=watchers, seconds=seconds,
        deliveries=[v for r in results for v in r["deliveries"]], acks=[v for r in results for v in r["acks"]],
        sent=sum(r["sent"] for r in results), acked=sum(r["acked"] for r in results),
        skipped=sum(r["skipped"] for r in results), errors=errors, cpu_seconds=cpu_after - cpu_before,
        client_cpu_seconds=client_after - client_before, clients=sum(r["clients"] for r in results),
    )


# --- edit cost against bill size ---------------------------------------------------------------------------


def edit_cost(workspace: Workspace, bill: int, eid: str, by_wid: bool, edits: int) -> list[float]:
    """Milliseconds per edit, each in its own transaction as the socket handler runs it."""
    from server.services import drafting
    from server.store.models import Provision

    with workspace.database.read() as session:
        row = session.query(Provision).filter_by(bill_id=bill, eid=eid).one()
        text, rev = row.text, row.rev
    times = []
    for n in range(edits):
        new = f"{text} x{n}"
        patch = textpatch.make_patch(text, new)
        started = time.perf_counter()
        with workspace.database.write() as session:
            outcome = drafting.edit_provision(
                session, workspace.drafter, bill_id=bill, eid=eid, rev=rev, patch=patch,
                op_id=f"cost-{bill}-{by_wid}-{n}-{time.monotonic_ns()}", max_chars=100_000,
                wid=eid if by_wid else None,
            )
        times.append((time.perf_counter() - started) * 1000)
        text, rev = new, outcome.rev
    return times


def socket_edit_cost(url: str, token: str, bill: int, eid: str, edits: int) -> list[float]:
    """Milliseconds from sending an edit to its ack, one at a time, for one provision of ``bill``."""
    client = socketio_client(reconnection=False)
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    try:
        joined = client.call("join", {"bill": bill, "since": None}, timeout=120)
        # The baseline server keeps no texts: it starts from revision 0 of a text of its own.
        state = joined["provisions"].get(eid) or {"text": "Baseline text.", "rev": 0, "wid": eid}
        text, rev, wid = state["text"], state["rev"], state["wid"]
        times = []
        for n in range(edits):
            new = f"{text} s{n}"
            payload = {"bill": bill, "eid": eid, "wid": wid, "rev": rev, "patch": textpatch.make_patch(text, new),
                       "op_id": f"sock-{bill}-{n}-{time.monotonic_ns()}"}
            started = time.perf_counter()
            ack = client.call("edit", payload, timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            assert ack["ok"], ack
            text, rev = new, ack["rev"]
        return times
    finally:
        threading.Thread(target=client.disconnect, daemon=True).start()


# --- report ------------------------------------------------------------------------------------------------


def fmt(value: float, unit: str = "ms") -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} {unit}"


def load_table(parley: Run, bare: Run) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    figures: list[tuple[str, str, float]] = [("delivery p50", "deliveries", 50), ("delivery p99", "deliveries", 99),
                                             ("edit -> ack p50", "acks", 50), ("edit -> ack p99", "acks", 99)]
    for label, series, q in figures:
        p, b = percentile(getattr(parley, series), q), percentile(getattr(bare, series), q)
        target = f"<= {P99_TARGET_MS:.0f} ms" if label == "delivery p99" else "-"
        rows.append((label, fmt(p), fmt(b), f"{p / b:.2f}x" if b else "n/a", target))
    p, b = parley.cpu_per_delivery_us, bare.cpu_per_delivery_us
    rows.append(("server CPU per delivery", fmt(p, "µs"), fmt(b, "µs"), f"{p / b:.2f}x", f"<= {CPU_RATIO_TARGET}x"))
    for run in (parley, bare):
        rows.append((f"{run.kind}: edits acked / sent", f"{run.acked} / {run.sent}", "", "",
                     f"skipped {run.skipped}, errors {run.errors or 0}"))
        rows.append((f"{run.kind}: deliveries received / expected", f"{len(run.deliveries)} / {run.expected}",
                     "", "", f"CPU over {run.seconds:.0f} s: server {run.cpu_seconds:.1f} s, "
                             f"clients {run.client_cpu_seconds:.1f} s"))
    return rows


def print_table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, *rows]:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--steps", default="0,10,25,50,100,200,300,500", help="watcher counts to step through")
    parser.add_argument("--step-duration", type=float, default=10.0)
    parser.add_argument("--big-sections", type=int, default=12_000)
    parser.add_argument("--cost-edits", type=int, default=200)
    parser.add_argument("--client", choices=("wire", "python-socketio"), default="wire",
                        help="the bench's clients: the lean wire client (default) or python-socketio's AsyncClient")
    parser.add_argument("--bare", choices=("bare", "bare-threading"), default="bare",
                        help="the baseline: python-socketio on gevent like parley serve (default), or on threads")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-steps", action="store_true")
    parser.add_argument("--skip-size", action="store_true")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare-threading", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, "gevent")
        return
    if args.serve_bare_threading:
        serve_bare(args.serve_bare_threading, "threading")
        return
    if args.drive:
        asyncio.run(drive(json.loads(sys.stdin.readline())))
        return

    print(f"cpus: {os.cpu_count()}; clients run in driver processes of up to {CLIENTS_PER_DRIVER} clients each; "
          "TCP_NODELAY on both servers, as parley serve and gunicorn set it")
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        directory = Path(tmp)
        workspace = Workspace(directory, args.editors)
        log = directory / "servers.log"
        try:
            if not args.skip_load:
                parley = run_load("parley", workspace, args.editors, args.watchers, args.duration, log, args.client)
                bare = run_load(args.bare, workspace, args.editors, args.watchers, args.duration, log, args.client)
                print_table(f"Fan-out: {args.editors} editors (~1 patch/s each), {args.watchers} watchers, "
                            f"{args.duration:.0f} s, one bill", ("", "parley", "bare python-socketio", "ratio",
                                                                 "target"), load_table(parley, bare))
            if not args.skip_steps:
                steps = [int(step) for step in args.steps.split(",") if step]
                for kind in ("parley", "bare"):
                    capacity(kind, workspace, args, steps, log)
            if not args.skip_size:
                size_report(workspace, args, log)
        finally:
            workspace.database.dispose()


def capacity(kind: str, workspace: Workspace, args: argparse.Namespace, steps: list[int], log: Path) -> None:
    """Step the watchers until the delivery p99 passes 100 ms (or deliveries go missing) twice in a row."""
    rows: list[tuple[str, ...]] = []
    held = misses = 0
    for watchers in steps:
        run = run_load(kind, workspace, args.editors, watchers, args.step_duration, log, args.client)
        p99 = percentile(run.deliveries, 99)
        ok = p99 <= P99_TARGET_MS and len(run.deliveries) >= 0.99 * run.expected
        if ok:
            held = max(held, run.clients)
        rows.append((str(run.clients), str(watchers), f"{run.acked / run.seconds:.0f}/s",
                     fmt(percentile(run.deliveries, 50)), fmt(p99), f"{len(run.deliveries)} / {run.expected}",
                     f"{run.cpu_per_delivery_us:.0f} µs", f"{run.cpu_seconds / run.seconds:.0%}",
                     "ok" if ok else "MISSED"))
        # Two misses in a row end it: one can be the noise of a shared machine.
        misses = 0 if ok else misses + 1
        if misses == 2:
            break
    print_table(f"Capacity of one {kind} process: {args.editors} editors + watchers, {args.step_duration:.0f} s a step",
                ("clients", "watchers", "edits", "delivery p50", "delivery p99", "delivered / expected",
                 "CPU/delivery", "server CPU", "p99 <= 100 ms"), rows)
    print(f"  one {kind} process holds {held} clients in one bill with delivery p99 <= 100 ms (goal: 500)")


def size_report(workspace: Workspace, args: argparse.Namespace, log: Path) -> None:
    big, import_seconds = workspace.import_big(args.big_sections)
    print(f"\nimported a {args.big_sections}-section bill in {import_seconds:.1f} s")
    eid = "part_1__sec_1__subsec_2"
    rows: list[tuple[str, ...]] = []
    medians: dict[tuple[str, int], float] = {}
    for by_wid in (False, True):
        for sections, bill in ((SMALL_SECTIONS, workspace.small_bill), (args.big_sections, big)):
            times = edit_cost(workspace, bill, eid, by_wid, args.cost_edits)
            key = "wId" if by_wid else "eId"
            medians[(key, sections)] = statistics.median(times)
            rows.append((f"edit_provision by {key}", str(sections), fmt(statistics.median(times)),
                         fmt(percentile(times, 99))))
    with server_process("parley", workspace, log) as (url, _):
        for sections, bill in ((SMALL_SECTIONS, workspace.small_bill), (args.big_sections, big)):
            times = socket_edit_cost(url, workspace.tokens[0], bill, eid, args.cost_edits)
            medians[("socket", sections)] = statistics.median(times)
            rows.append(("edit -> ack over a socket (wId)", str(sections), fmt(statistics.median(times)),
                         fmt(percentile(times, 99))))
    with server_process("bare", workspace, log) as (url, _):
        times = socket_edit_cost(url, workspace.tokens[0], workspace.small_bill, eid, args.cost_edits)
        rows.append(("edit -> ack over a socket, bare python-socketio", "-", fmt(statistics.median(times)),
                     fmt(percentile(times, 99))))
    print_table("Edit cost against bill size (server side, SQLite)", ("", "sections", "median", "p99"), rows)
    for key in ("eId", "wId", "socket"):
        ratio = medians[(key, args.big_sections)] / medians[(key, SMALL_SECTIONS)]
        print(f"  {key}: {args.big_sections}-section / {SMALL_SECTIONS}-section median = {ratio:.2f}x "
              f"(target: the same, ~1x)")


if __name__ == "__main__":
    main()
