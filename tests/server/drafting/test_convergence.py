"""Live co-drafting converges: real drafting clients, a real server, random concurrent edits.

Each example imports a fresh bill and lets three or four ``DraftingClient``s (one drafter account each, over
python-socketio on loopback) type into the same and into different provisions at once: insertions of unique
tokens, deletions and replacements of words, with random pauses, network cuts (the socket is shut under the
client, which reconnects by itself and rejoins with ``since``) and resends of in-flight edits with the same
op_id. At quiescence every client's text equals the server's, which equals the text rebuilt from the event
log twice over: by replaying the broadcast patches from ``GET /api/bills/<id>/events`` and by
``projections.rebuild``. With insertions only, every acknowledged token is present exactly once; with
deletions, no token is ever duplicated (docs/sync.md says why a character next to a deletion may go).

A second test kills a ``parley serve`` process in the middle of a client's burst and starts it again on the
same port: the client's own reconnection brings every keystroke in exactly once.
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.client.connection import socketio_client
from server.client.drafting import DraftingClient
from server.domain.events import EventType
from server.domain.textpatch import apply_exact
from server.services import accounts, bills
from server.store import eventlog, projections
from server.store.db import Database
from tests.server.conftest import Accounts, LiveServer, small_bill_xml
from tests.server.processes import ServerProcess

# Provisions of the small bill whose text is plain words (no inline markup to cut in half).
EDITABLE = ("part_1__sec_1", "part_1__sec_2__para_b", "part_2__sec_4")
NAMES = "abcd"
# python-socketio's defaults wait about a second (plus or minus half a second) before reconnecting.
QUICK_RECONNECT: dict[str, Any] = {"reconnection_delay": 0.05, "reconnection_delay_max": 0.3,
                                   "randomization_factor": 0.02}
SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class Step:
    """One thing a drafter does after a pause."""

    action: str  # insert | delete | replace | cut | resend
    provision: int  # index into EDITABLE
    at: float  # where, as a fraction of the provision's words
    pause_ms: int
    emoji: bool  # the token carries an astral character (two UTF-16 code units on the wire)


def steps(actions: list[str]) -> st.SearchStrategy[Step]:
    return st.builds(
        Step,
        action=st.sampled_from(actions),
        # Provision 0 twice as often, so that drafters often type in the same provision.
        provision=st.sampled_from([0, 0, 1, 2]),
        at=st.floats(0, 1),
        pause_ms=st.integers(0, 40),
        emoji=st.booleans(),
    )


def scenarios(actions: list[str]) -> st.SearchStrategy[list[list[Step]]]:
    return st.integers(3, 4).flatmap(
        lambda k: st.lists(st.lists(steps(actions), min_size=3, max_size=7), min_size=k, max_size=k)
    )


INSERTS_ONLY = ["insert", "insert", "insert", "insert", "cut", "resend"]
WITH_DELETIONS = ["insert", "insert", "insert", "delete", "replace", "cut", "resend"]


@dataclass
class Record:
    """What the drafters typed, for the checks at quiescence."""

    inserted: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def append_word(text: str, word: str) -> str:
    return f"{text} {word}"


def open_drafter(url: str, token: str) -> tuple[DraftingClient, socketio.Client]:
    sio = socketio_client(reconnection=True, **QUICK_RECONNECT)
    drafter = DraftingClient(client=sio)
    drafter.connect(url, token)
    return drafter, sio


def cut(sio: socketio.Client) -> None:
    """Shut the socket under the client, as a network failure does; python-socketio reconnects by itself."""
    ws = getattr(sio.eio, "ws", None)
    sock = getattr(ws, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by an earlier cut


def close(drafters: list[DraftingClient]) -> None:
    # The threaded werkzeug server answers a websocket close late; nothing here needs to wait for it.
    for drafter in drafters:
        threading.Thread(target=drafter.disconnect, daemon=True).start()


def word_edit(step: Step, token: str, record: Record) -> Callable[[str], str]:
    """The edit a step makes to a provision's text, chosen on the text the drafter sees at that moment."""

    def edit(text: str) -> str:
        words = text.split(" ")
        index = min(int(step.at * len(words)), len(words) - 1)
        if step.action == "insert" or len(words) < 2:
            words.insert(index, token)
            with record.lock:
                record.inserted.append(token)
        else:
            with record.lock:
                record.removed.add(words[index])
                if step.action == "replace":
                    record.inserted.append(token)
            if step.action == "replace":
                words[index] = token
            else:
                del words[index]
        return " ".join(words)

    return edit


def play(drafter: DraftingClient, sio: socketio.Client, name: str, script: list[Step], record: Record) -> None:
    for n, step in enumerate(script):
        time.sleep(step.pause_ms / 1000)
        if step.action == "cut":
            cut(sio)
        elif step.action == "resend":
            drafter.resend()
        else:
            token = f"[{name}{n}{'😀' if step.emoji else ''}]"
            drafter.change(word_edit(step, token, record), eid=EDITABLE[step.provision])


def bill_events(flask_client: FlaskClient, bill: int) -> list[dict[str, Any]]:
    body = flask_client.get(f"/api/bills/{bill}/events?after=0&limit=5000").get_json()
    events: list[dict[str, Any]] = body["events"]
    return events


def server_provision(flask_client: FlaskClient, bill: int, eid: str) -> dict[str, Any]:
    answer = flask_client.get(f"/api/bills/{bill}/provisions/{eid}")
    assert answer.status_code == 200, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def settle(drafters: list[DraftingClient], flask_client: FlaskClient, bill: int) -> None:
    """Wait until every drafter is connected, has its edits confirmed and has seen the bill's last event."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        last = bill_events(flask_client, bill)[-1]["id"]
        for drafter in drafters:
            while not drafter.connected:
                assert time.monotonic() < deadline, "a drafter never reconnected"
                time.sleep(0.02)
            drafter.wait_quiescent(timeout=max(0.1, deadline - time.monotonic()), up_to=last)
        if bill_events(flask_client, bill)[-1]["id"] == last and all(d.connected for d in drafters):
            return


def replay(events: list[dict[str, Any]], initial: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Each provision's text and revision rebuilt from the broadcast patches alone, checking every step."""
    state = {eid: (text, 0) for eid, text in initial.items()}
    for event in events:
        if event["type"] != EventType.PROVISION_EDITED:
            continue
        data = event["data"]
        text, rev = state[data["eid"]]
        assert data["rev"] == rev + 1, f"event {event['id']} skips from rev {rev} to {data['rev']}"
        state[data["eid"]] = (apply_exact(text, data["patch"]), data["rev"])
    return state


def assert_log_rebuilds_the_projections(database: Database) -> None:
    with database.sessions() as session:
        try:
            live = projections.snapshot(session)
            projections.rebuild(session)
            assert projections.snapshot(session) == live
        finally:
            session.rollback()


def new_bill(database: Database, users: Accounts, number: int) -> int:
    with database.write() as session:
        principal = accounts.principal_for_user_id(session, users.ids["drafter"])
        return bills.import_bill(session, principal, small_bill_xml(str(number), f"Bill {number}, 2026")).bill.id


@pytest.fixture
def drafter_tokens(users: Accounts) -> list[str]:
    """One drafter account per client: the edit rate limit is per user."""
    for name in ("drafter3", "drafter4"):
        users.add(name, "drafter")
    return [users.tokens[name] for name in ("drafter", "drafter2", "drafter3", "drafter4")]


def run_scenario(
    scripts: list[list[Step]], *, live_server: LiveServer, flask_client: FlaskClient, db: Database,
    users: Accounts, tokens: list[str], number: int,
) -> tuple[dict[str, str], Record]:
    """Play one scenario on a fresh bill and check convergence; returns the final texts and what was typed."""
    bill = new_bill(db, users, number)
    initial = {eid: server_provision(flask_client, bill, eid)["text"] for eid in EDITABLE}
    pairs = [open_drafter(live_server.url, tokens[i]) for i in range(len(scripts))]
    drafters = [drafter for drafter, _ in pairs]
    record = Record()
    try:
        for drafter in drafters:
            drafter.join(bill)
        players = [
            threading.Thread(target=play, args=(drafter, sio, NAMES[i], scripts[i], record))
            for i, (drafter, sio) in enumerate(pairs)
        ]
        for player in players:
            player.start()
        for player in players:
            player.join(30)
        settle(drafters, flask_client, bill)
        final = {eid: server_provision(flask_client, bill, eid) for eid in EDITABLE}
        for i, drafter in enumerate(drafters):
            assert drafter.errors == [], f"drafter {NAMES[i]} had edits refused: {drafter.errors}"
            for eid in EDITABLE:
                assert drafter.text(eid) == final[eid]["text"], f"drafter {NAMES[i]} differs on {eid}"
        rebuilt = replay(bill_events(flask_client, bill), initial)
        for eid in EDITABLE:
            assert rebuilt[eid] == (final[eid]["text"], final[eid]["rev"]), f"the log does not rebuild {eid}"
        assert_log_rebuilds_the_projections(db)
        return {eid: final[eid]["text"] for eid in EDITABLE}, record
    finally:
        close(drafters)


def test_concurrent_insertions_converge_and_each_is_present_exactly_once(
    live_server: LiveServer, client: FlaskClient, db: Database, users: Accounts, drafter_tokens: list[str]
) -> None:
    numbers = iter(range(100, 10_000))
    actions = Counter[str]()

    @settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios(INSERTS_ONLY))
    def example(scripts: list[list[Step]]) -> None:
        texts, record = run_scenario(scripts, live_server=live_server, flask_client=client, db=db, users=users,
                                        tokens=drafter_tokens, number=next(numbers))
        actions.update(step.action for script in scripts for step in script)
        everything = "\n".join(texts.values())
        for token in record.inserted:
            assert everything.count(token) == 1, (token, texts)

    example()
    assert actions["cut"] > 0 and actions["resend"] > 0, "the examples never cut a connection or resent an edit"


def test_concurrent_insertions_and_deletions_converge_and_never_duplicate(
    live_server: LiveServer, client: FlaskClient, db: Database, users: Accounts, drafter_tokens: list[str]
) -> None:
    numbers = iter(range(10_000, 20_000))

    @settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios(WITH_DELETIONS))
    def example(scripts: list[list[Step]]) -> None:
        texts, record = run_scenario(scripts, live_server=live_server, flask_client=client, db=db, users=users,
                                        tokens=drafter_tokens, number=next(numbers))
        everything = "\n".join(texts.values())
        for token in record.inserted:
            assert everything.count(token) <= 1, (token, texts)

    example()


# --- a server killed in the middle of a burst ------------------------------------------------------------


@pytest.fixture
def crashable(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, str, int, str]]:
    """A ``parley serve`` process on SQLite with one drafter and the small bill; yields server, token, bill, db."""
    database = Database(sqlite_url)
    with database.write() as session:
        user = accounts.register_user(session, "drafter", "drafter", "correct-horse")
        token = accounts.issue_token(session, accounts.principal_of(user))
        principal = accounts.principal_for_user_id(session, user.id)
        bill = bills.import_bill(session, principal, small_bill_xml()).bill.id
    database.dispose()
    env = {"DATABASE_URL": sqlite_url, "SECRET_KEY": "restart-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "i")}
    server = ServerProcess(env, tmp_path / "server.log")
    try:
        yield server, token, bill, sqlite_url
    finally:
        server.stop()


@pytest.mark.slow
def test_a_drafting_client_loses_nothing_when_the_server_restarts_mid_burst(
    crashable: tuple[ServerProcess, str, int, str],
) -> None:
    server, token, bill, url = crashable
    server.start()
    drafter, _ = open_drafter(server.url, token)
    eid = EDITABLE[0]
    typed: list[str] = []
    restart = threading.Thread(target=server.start)
    try:
        drafter.join(bill)
        for n in range(150):
            word = f"[t{n}]"
            typed.append(word)
            drafter.change(functools.partial(append_word, word=word), eid=eid)
            if n == 50:
                # SIGKILL with an edit in flight; the drafter goes on typing while the server starts again.
                server.kill()
                restart.start()
            time.sleep(0.01)
        restart.join(60)
        drafter.wait_quiescent(timeout=30)
        text = requests.get(f"{server.url}/api/bills/{bill}/provisions/{eid}", timeout=5).json()["text"]
        assert drafter.text(eid) == text
        assert [t for t in typed if text.count(t) != 1] == []
        assert drafter.errors == []
    finally:
        close([drafter])
    database = Database(url)
    with database.sessions() as session:
        edits = [r for r in eventlog.events_after(session, 0) if r.type == EventType.PROVISION_EDITED]
        ops = Counter(r.data["op_id"] for r in edits)
        assert max(ops.values()) == 1, "an op was applied twice"
        assert eventlog.verify_chain(session).ok
    database.dispose()
