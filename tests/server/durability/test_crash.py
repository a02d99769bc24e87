"""SIGKILL in the middle of concurrent edits, amendment steps and comments, five times over, on both databases.

Each operation counts as acknowledged once its HTTP response or socket ack arrived. After the last restart,
every acknowledged operation is in the log exactly once, the read models equal a rebuild, the chain verifies.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from server.domain import textpatch
from server.services import accounts, bills
from server.services import consultation as consultations
from server.store import eventlog, migrate, projections
from server.store.db import Database
from tests.server.conftest import _truncate_postgres, small_bill_xml
from tests.server.drafting.conftest import Watcher
from tests.server.processes import ServerProcess

KILLS = 5
EDIT_EID = "part_1__sec_1"
AMEND_EID = "part_2__sec_3__subsec_1"
COMMENT_EID = "part_2__sec_4"


class Ledger:
    """What the server acknowledged, written by the worker threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.edits: list[str] = []
        self.amendments: dict[int, str] = {}  # id → the marker in its justification
        self.tabled: set[int] = set()
        self.comments: list[str] = []
        self.refusals: list[str] = []  # answers other than success, to explain a round that made no progress

    def counts(self) -> tuple[int, int, int]:
        with self.lock:
            return len(self.edits), len(self.amendments) + len(self.tabled), len(self.comments)


def _seed(url: str) -> tuple[dict[str, str], int]:
    database = Database(url)
    tokens: dict[str, str] = {}
    with database.write() as session:
        for name, role in (("drafter", "drafter"), ("mp", "mp"), ("clerk", "clerk"),
                           ("citizen", "citizen"), ("citizen2", "citizen")):
            user = accounts.register_user(session, name, role, "correct-horse")
            tokens[name] = accounts.issue_token(session, accounts.principal_of(user))
        bill = bills.import_bill(session, accounts.principal_for_user_id(session, 1), small_bill_xml()).bill.id
        now = eventlog.utcnow()
        consultations.open_consultation(session, accounts.principal_for_user_id(session, 3), bill,
                                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30))
    database.dispose()
    return tokens, bill


def _repeat(stop: threading.Event, server: ServerProcess, step: Callable[[int], None]) -> None:
    n = 0
    while not stop.is_set():
        try:
            step(n)
        except Exception as error:
            # requests and socketio raise their own timeout and disconnect errors; anything else is a bug here.
            if not isinstance(error, requests.RequestException | OSError | TimeoutError) and not type(
                error
            ).__module__.startswith("socketio"):
                raise
            # Unanswered, so not acknowledged. A slow answer on a busy machine is no reason to stop working.
            if server.process is None or server.process.poll() is not None:
                return
            time.sleep(0.05)
        n += 1


def _round(server: ServerProcess, tokens: dict[str, str], bill: int, round_no: int, ledger: Ledger) -> None:
    stop = threading.Event()
    http = requests.Session()
    editor = Watcher(server.url, tokens["drafter"])
    joined = editor.call("join", {"bill": bill, "since": None})
    state = dict(joined["provisions"][EDIT_EID])

    def edit(n: int) -> None:
        op_id = f"e{round_no}-{n}"
        new = state["text"] + f" {op_id}"
        ack = editor.call("edit", {"bill": bill, "eid": EDIT_EID, "rev": state["rev"], "op_id": op_id,
                                   "patch": textpatch.make_patch(state["text"], new)}, timeout=10)
        if ack.get("ok"):
            with ledger.lock:
                ledger.edits.append(op_id)
            state.update(text=new, rev=ack["rev"])
        else:
            ledger.refusals.append(str(ack))

    def amend(n: int) -> None:
        marker = f"a{round_no}-{n}"
        response = http.post(f"{server.url}/api/bills/{bill}/amendments", timeout=10,
                             headers={"Authorization": f"Bearer {tokens['mp']}"},
                             json={"eid": AMEND_EID, "text": f"The clerk shall open a consultation ({marker}).",
                                   "justification": f"Marker {marker}."})
        if response.status_code == 201:
            amendment_id = response.json()["id"]
            with ledger.lock:
                ledger.amendments[amendment_id] = marker
            tabled = http.post(f"{server.url}/api/amendments/{amendment_id}/transitions", json={"to": "tabled"},
                               headers={"Authorization": f"Bearer {tokens['mp']}"}, timeout=10)
            if tabled.status_code == 200:
                with ledger.lock:
                    ledger.tabled.add(amendment_id)
            else:
                ledger.refusals.append(tabled.text)
        else:
            ledger.refusals.append(response.text)

    def comment(who: str) -> Callable[[int], None]:
        def post(n: int) -> None:
            marker = f"c{round_no}-{who}-{n}"
            response = http.post(f"{server.url}/api/bills/{bill}/comments", timeout=10,
                                 headers={"Authorization": f"Bearer {tokens[who]}"},
                                 json={"eid": COMMENT_EID, "body": f"Comment {marker} on the register."})
            if response.status_code == 201:
                with ledger.lock:
                    ledger.comments.append(marker)
            else:
                ledger.refusals.append(response.text)
        return post

    workers = [threading.Thread(target=_repeat, args=(stop, server, step), daemon=True)
               for step in (edit, amend, comment("citizen"), comment("citizen2"))]
    start = ledger.counts()
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 30
    # Kill once every kind of operation has made progress in this round, at a point nobody chose.
    while time.monotonic() < deadline:
        now = ledger.counts()
        if all(b - a >= 3 for a, b in zip(start, now, strict=True)):
            break
        time.sleep(0.02)
    server.kill()
    stop.set()
    for worker in workers:
        worker.join(15)
    try:
        editor.close()
    except Exception:  # noqa: S110 - the server is gone
        pass
    assert all(b > a for a, b in zip(start, ledger.counts(), strict=True)), (
        f"every kind of work was acknowledged; refusals: {ledger.refusals[-5:]}"
    )


def _marked(records: list[Any], event_type: str, marker: str) -> int:
    needle = f"{marker} " if event_type == "comment.posted" else f"({marker})"
    return sum(1 for r in records if r.type == event_type and needle in json.dumps(r.data, ensure_ascii=False))


def _check(url: str, ledger: Ledger, bill: int) -> None:
    database = Database(url)
    try:
        with database.write() as session:
            records = eventlog.events_after(session, 0)
            edits = [r.data["op_id"] for r in records if r.type == "provision.edited"]
            assert sorted(set(edits)) == sorted(edits), "no edit applied twice"
            assert set(ledger.edits) <= set(edits), "every acknowledged edit is in the log"
            for marker in ledger.amendments.values():
                assert _marked(records, "amendment.drafted", marker) == 1, marker
            tabled = [r.data["amendment_id"] for r in records if r.type == "amendment.tabled"]
            assert sorted(set(tabled)) == sorted(tabled)
            assert ledger.tabled <= set(tabled)
            for marker in ledger.comments:
                assert _marked(records, "comment.posted", marker) == 1, marker
            assert eventlog.verify_chain(session).ok
            live = projections.snapshot(session)
            projections.rebuild(session)
            assert projections.snapshot(session) == live
            text = next(p["text"] for p in live["provisions"] if p["bill_id"] == bill and p["eid"] == EDIT_EID)
            assert all(text.split().count(op) == 1 for op in ledger.edits)
    finally:
        database.dispose()


def _crash_many_times(url: str, tmp_path: Path, extra_env: dict[str, str]) -> Ledger:
    tokens, bill = _seed(url)
    env = {"DATABASE_URL": url, "SECRET_KEY": "crash-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance"),
           **extra_env}
    server = ServerProcess(env, tmp_path / "server.log")
    ledger = Ledger()
    for round_no in range(KILLS):
        server.start()
        _round(server, tokens, bill, round_no, ledger)
    _check(url, ledger, bill)
    return ledger


@pytest.mark.slow
def test_sigkill_during_edits_amendments_and_comments_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    migrate.upgrade(url)
    ledger = _crash_many_times(url, tmp_path, {})
    assert min(ledger.counts()) >= 3 * KILLS


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_during_edits_amendments_and_comments_on_postgresql(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    _truncate_postgres(postgres_schema_url)
    ledger = _crash_many_times(postgres_schema_url, tmp_path, {})
    assert min(ledger.counts()) >= 3 * KILLS
