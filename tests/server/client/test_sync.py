"""The Python sync algorithm against a simulated server that applies edits with the server's own rules.

The network delays every message at random (acks may overtake broadcasts; each direction of a
connection stays in order, as Socket.IO keeps it) and drops connections; a run ends when nothing is
left to deliver, and then every drafter must see the server's text with every insertion exactly once.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from server.client.drafting import DraftingClient
from server.client.sync import BillSync, ProvisionSync, Reaction, op_ids
from server.domain.textpatch import TextPatchError, apply_exact, make_patch, rebase_apply

FRAKTUR_U = "\U0001d518"  # astral: two UTF-16 code units
PROVISIONS = {
    "sec_1": "The Minister may make regulations. ",
    "sec_2": f"This Act comes into force on {FRAKTUR_U} the day of assent 😀. ",
}


class SimServer:
    """The contract's edit rule: exact on the current revision, else rebased, else edit_conflict."""

    def __init__(self, bill: int, provisions: dict[str, str]) -> None:
        self.bill = bill
        self.provisions: dict[str, dict[str, Any]] = {eid: {"text": text, "rev": 1} for eid, text in provisions.items()}
        self.events: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.refused: dict[str, dict[str, Any]] = {}
        self.conflicts = 0

    def join(self, payload: dict[str, Any]) -> dict[str, Any]:
        since = payload["since"]
        return {
            "ok": True,
            "last_event_id": len(self.events),
            "events": [event for event in self.events if since is None or event["id"] > since],
            "provisions": {eid: dict(state) for eid, state in self.provisions.items()},
        }

    def edit(self, payload: dict[str, Any], actor: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if payload["op_id"] in self.acks:
            return self.acks[payload["op_id"]], None
        state = self.provisions[payload["eid"]]
        current = str(state["text"])
        if payload["op_id"] in self.refused:
            # A copy of an op already refused (resent on another connection): refused again, never applied late.
            return {"ok": False, "error": self.refused[payload["op_id"]], "text": current, "rev": state["rev"]}, None
        try:
            text = rebase_apply(current, payload["patch"], exact=payload["rev"] == state["rev"])
        except TextPatchError as error:
            self.conflicts += 1
            body = {"code": error.code, "message": str(error)}
            self.refused[payload["op_id"]] = body
            return {"ok": False, "error": body, "text": current, "rev": state["rev"]}, None
        state["text"], state["rev"] = text, int(state["rev"]) + 1
        return self.published(actor, str(payload["op_id"]), {
            "eid": payload["eid"], "rev": state["rev"], "patch": make_patch(current, text), "op_id": payload["op_id"],
        })

    def published(self, actor: str, op_id: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """An applied op's event, appended to the log, and its ack, kept for the op's later copies."""
        event = {"id": len(self.events) + 1, "type": "provision.edited", "bill": self.bill, "actor": actor,
                 "at": "2026-11-21T00:00:00Z", "data": data}
        self.events.append(event)
        ack = {"ok": True, "rev": data["rev"], "event_id": event["id"]}
        self.acks[op_id] = ack
        return ack, event


@dataclass
class Drafter:
    name: str
    sync: BillSync
    epoch: int = 0
    connected: bool = True
    in_room: bool = False
    up: list[float] = field(default_factory=lambda: [0.0])  # last delivery time, client -> server
    down: list[float] = field(default_factory=lambda: [0.0])  # last delivery time of broadcasts


class Network:
    """Virtual time; every message is a task at a random later moment."""

    def __init__(self, server: SimServer, rng: random.Random, max_delay: int = 20) -> None:
        self.server = server
        self.rng = rng
        self.max_delay = max_delay
        self.now = 0.0
        self.tasks: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.drafters: list[Drafter] = []

    def at(self, delay: float, run: Callable[[], None]) -> None:
        heapq.heappush(self.tasks, (self.now + delay, next(self.seq), run))

    def in_order(self, channel: list[float], run: Callable[[], None]) -> None:
        time = max(self.now + 1 + self.rng.randrange(self.max_delay), channel[0])
        channel[0] = time
        heapq.heappush(self.tasks, (time, next(self.seq), run))

    def drafter(self, name: str) -> Drafter:
        drafter = Drafter(name, BillSync(self.server.bill, op_id=op_ids(name)))
        self.drafters.append(drafter)
        return drafter

    def join(self, drafter: Drafter) -> None:
        self._emit(drafter, "join", drafter.sync.join_request())

    def perform(self, drafter: Drafter, reaction: Reaction) -> None:
        for payload in reaction.sends:
            self._emit(drafter, "edit", payload)
        if reaction.rejoin and drafter.connected:
            self.join(drafter)

    def _emit(self, drafter: Drafter, name: str, payload: dict[str, Any]) -> None:
        if not drafter.connected:
            return
        epoch = drafter.epoch

        def arrive() -> None:
            # A message on the wire when the line dropped may or may not have reached the server.
            if drafter.epoch != epoch and self.rng.random() < 0.5:
                return
            if name == "join":
                ack, event = self.server.join(payload), None
                drafter.in_room = drafter.epoch == epoch
            else:
                ack, event = self.server.edit(payload, drafter.name)
            if event is not None:
                self._broadcast(event)
            self.at(1 + self.rng.randrange(self.max_delay),
                    functools.partial(self._answered, drafter, epoch, name, payload, ack))

        self.in_order(drafter.up, arrive)

    def _answered(self, drafter: Drafter, epoch: int, name: str, payload: dict[str, Any],
                  ack: dict[str, Any]) -> None:
        """The ack of ``name`` reaches the drafter, unless the connection it was sent on is gone."""
        if drafter.epoch != epoch:
            return
        if name == "join":
            self.perform(drafter, drafter.sync.on_join_ack(ack))
        else:
            self.perform(drafter, drafter.sync.on_edit_ack(payload, ack))

    def _delivery(self, drafter: Drafter, event: dict[str, Any]) -> Callable[[], None]:
        """Delivering ``event`` to the drafter, on the connection it has now."""
        epoch = drafter.epoch

        def deliver() -> None:
            if drafter.epoch == epoch:
                self.perform(drafter, drafter.sync.on_event(event))

        return deliver

    def _broadcast(self, event: dict[str, Any]) -> None:
        for drafter in self.drafters:
            if drafter.in_room:
                self.in_order(drafter.down, self._delivery(drafter, event))

    def disconnect(self, drafter: Drafter) -> None:
        drafter.epoch += 1
        drafter.connected = drafter.in_room = False

    def reconnect(self, drafter: Drafter) -> None:
        drafter.connected = True
        self.join(drafter)

    def run(self) -> None:
        while self.tasks:
            self.now, _, task = heapq.heappop(self.tasks)
            task()


def word_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, char in enumerate(text) if char == " "]


def typist(
    network: Network, rng: random.Random, inserted: list[str], deleted: set[str] | None, *, digits: int = 1
) -> Callable[[Drafter, int], None]:
    """A drafter's ``n``-th edit: a unique token typed at a word start of a random provision, or (with ``deleted``,
    a quarter of the time) a token that is there deleted."""

    def edit(drafter: Drafter, n: int) -> None:
        eid = rng.choice(sorted(PROVISIONS))
        text = drafter.sync.text(eid)
        if text is None:
            return  # not joined yet
        present = [token for token in inserted if text.count(token) == 1]
        if deleted is not None and present and rng.random() < 0.25:
            token = rng.choice(present)
            deleted.add(token)
            network.perform(drafter, drafter.sync.type(eid, text.replace(token, "", 1)))
            return
        emoji = "😀" if rng.random() < 0.3 else ""
        fraktur = FRAKTUR_U if rng.random() < 0.2 else ""
        token = f"[{drafter.name}.{n:0{digits}}{emoji}{fraktur}] "
        at = rng.choice(word_starts(text))
        inserted.append(token)
        network.perform(drafter, drafter.sync.type(eid, text[:at] + token + text[at:]))

    return edit


def simulate(
    rng: random.Random, *, drafters: int = 3, edits: int = 8, deletes: bool = False, drops: bool = True
) -> tuple[SimServer, list[Drafter], list[str], set[str]]:
    server = SimServer(7, PROVISIONS)
    network = Network(server, rng)
    people = [network.drafter("abcdefgh"[i]) for i in range(drafters)]
    inserted: list[str] = []
    deleted: set[str] = set()
    for drafter in people:
        network.join(drafter)

    edit = typist(network, rng, inserted, deleted if deletes else None)
    for drafter in people:
        for n in range(1, edits + 1):
            network.at(1 + rng.randrange(300), functools.partial(edit, drafter, n))
            if drops and rng.random() < 0.15:

                def drop(drafter: Drafter = drafter) -> None:
                    network.disconnect(drafter)
                    network.at(5 + rng.randrange(60), lambda: network.reconnect(drafter))

                network.at(1 + rng.randrange(300), drop)
    network.run()
    return server, people, inserted, deleted


def assert_converged(server: SimServer, people: list[Drafter]) -> None:
    for eid, state in server.provisions.items():
        for drafter in people:
            assert drafter.sync.settled, f"{drafter.name} still has work on {eid}"
            assert drafter.sync.text(eid) == state["text"], f"{drafter.name} differs on {eid}"


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.randoms(use_true_random=False))
def test_concurrent_insertions_converge_each_present_exactly_once(rng: random.Random) -> None:
    server, people, inserted, _ = simulate(rng)
    assert_converged(server, people)
    everything = "\n".join(str(state["text"]) for state in server.provisions.values())
    for token in inserted:
        assert everything.count(token) == 1, (token, everything)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.randoms(use_true_random=False))
def test_insertions_and_deletions_converge_and_never_duplicate(rng: random.Random) -> None:
    server, people, inserted, _ = simulate(rng, deletes=True)
    assert_converged(server, people)
    everything = "\n".join(str(state["text"]) for state in server.provisions.values())
    for token in inserted:
        assert everything.count(token) <= 1, (token, everything)


def test_the_conflict_path_is_exercised_and_still_converges() -> None:
    conflicts = 0
    for seed in range(6):
        server, people, _, _ = simulate(random.Random(seed), drafters=5, edits=10, drops=False)
        assert_converged(server, people)
        conflicts += server.conflicts
    assert conflicts > 0, "no edit was refused as a conflict: the runs prove nothing about that path"


def test_an_ack_that_overtakes_earlier_events_waits_for_its_own_event() -> None:
    base = "abc def"
    provision = ProvisionSync("sec_1", base, 4, op_id=lambda: "op-1")
    sent = provision.local_change("abc XYZ def").send
    assert sent == {"eid": "sec_1", "wid": "sec_1", "rev": 4, "patch": make_patch(base, "abc XYZ def"), "op_id": "op-1"}
    # The server rebased our op over another drafter's revision 5 and made revision 6.
    assert provision.on_ack("op-1", {"ok": True, "rev": 6, "event_id": 12}).text is None
    other, mine = "Q abc def", "Q abc XYZ def"
    own = {"eid": "sec_1", "rev": 6, "patch": make_patch(other, mine), "op_id": "op-1"}
    assert provision.on_event(own).text is None  # held until revision 5 arrives
    shown = provision.on_event({"eid": "sec_1", "rev": 5, "patch": make_patch(base, other), "op_id": "x"}, 8)
    assert shown.text == mine
    assert shown.cursor == 10
    assert provision.settled and provision.rev == 6


def test_a_conflict_adopts_the_server_text_and_resends_local_edits_as_a_new_op() -> None:
    provision = ProvisionSync("sec_1", "one two three", 1, op_id=op_ids("t"))
    provision.local_change("one 2 three")
    provision.local_change("one 2 three!")  # buffered behind the in-flight op
    ack = {"ok": False, "error": {"code": "edit_conflict", "message": "no"}, "text": "zero one two three", "rev": 3}
    result = provision.on_ack("t-1", ack)
    assert result.text == "zero one 2 three!"
    assert result.send is not None and result.send["op_id"] == "t-2" and result.send["rev"] == 3
    assert apply_exact("zero one two three", result.send["patch"]) == "zero one 2 three!"


def test_a_refusal_other_than_a_conflict_undoes_the_refused_edit_and_reports_it() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=lambda: "op-1")
    provision.local_change("one two three")
    result = provision.on_ack("op-1", {"ok": False, "error": {"code": "forbidden", "message": "Not a drafter."}})
    assert result.error == {"code": "forbidden", "message": "Not a drafter."}
    assert provision.text == "one two" and provision.settled


def test_an_edit_answered_not_joined_is_kept_in_flight_and_asks_for_a_join() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=lambda: "op-1")
    provision.local_change("one two three")
    result = provision.on_ack("op-1", {"ok": False, "error": {"code": "not_joined", "message": "join bill 1 first"}})
    assert result.resync and result.error is None
    assert provision.text == "one two three" and not provision.settled


def test_a_rate_limited_edit_is_kept_in_flight_and_sent_again_then_what_was_typed_meanwhile() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=op_ids("t"))
    provision.local_change("one two three")
    ack = {"ok": False, "error": {"code": "rate_limited", "message": "slow down"}, "retry_after": 0.25}
    result = provision.on_ack("t-1", ack)
    # Nothing is undone and nothing goes out before the wait is over, however much is typed.
    assert result.retry_after == 0.25 and result.send is None and result.error is None
    assert provision.text == "one two three" and not provision.settled
    assert provision.local_change("one two three four").send is None
    # The same op again (another copy of it may have got through), then what was typed during the wait.
    again = provision.retry()
    assert again.send is not None and again.send["op_id"] == "t-1" and again.send["rev"] == 1
    assert apply_exact("one two", again.send["patch"]) == "one two three"
    then = provision.on_ack("t-1", {"ok": True, "rev": 2, "event_id": 9})
    assert then.send is not None and then.send["op_id"] == "t-2" and then.send["rev"] == 2
    assert apply_exact("one two three", then.send["patch"]) == "one two three four"
    provision.on_ack("t-2", {"ok": True, "rev": 3, "event_id": 10})
    assert provision.settled and provision.text == "one two three four"


def test_an_edit_the_server_failed_on_is_kept_and_sent_again_later_and_later() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=op_ids("f"))
    provision.local_change("one two three")
    failed = {"ok": False, "error": {"code": "internal_error", "message": "the server failed"}}
    waits = []
    for _ in range(7):
        outcome = provision.on_ack("f-1", failed)
        assert outcome.error is None and outcome.send is None and provision.text == "one two three"
        waits.append(outcome.retry_after)
        again = provision.retry()
        assert again.send is not None and again.send["op_id"] == "f-1"
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    provision.on_ack("f-1", {"ok": True, "rev": 2, "event_id": 3})
    assert provision.settled and provision.failures == 0


def test_an_edit_refused_because_the_sign_in_ended_is_kept_for_the_join_after_signing_in_again() -> None:
    bill = BillSync(7, op_id=op_ids("s"))
    bill.on_join_ack({"ok": True, "last_event_id": 1, "events": [],
                      "provisions": {"sec_1": {"text": "one two", "rev": 1, "wid": "sec_1"}}})
    (sent,) = bill.type("sec_1", "one two three").sends
    refused = bill.on_edit_ack(sent, {"ok": False, "error": {"code": "signed_out", "message": "sign in again"}})
    assert refused.errors == [("sec_1", {"code": "signed_out", "message": "sign in again"})]
    assert refused.sends == [] and refused.retry_after is None
    assert bill.text("sec_1") == "one two three"  # nothing undone
    assert bill.type("sec_1", "one two three four").sends == []  # held until the drafter is back
    # Signed in again and reconnected: the join sends the same op, then what was typed meanwhile.
    bill.join_request()
    rejoined = bill.on_join_ack({"ok": True, "last_event_id": 1, "events": [],
                                 "provisions": {"sec_1": {"text": "one two", "rev": 1, "wid": "sec_1"}}})
    assert rejoined.sends == [sent]
    then = bill.on_edit_ack(sent, {"ok": True, "rev": 2, "event_id": 2})
    (rest,) = then.sends
    assert apply_exact("one two three", rest["patch"]) == "one two three four"


def test_typing_held_behind_an_op_refused_as_signed_out_goes_out_once_its_resent_copy_is_applied() -> None:
    # The resent copy's event overtakes its ack: the op is settled by its event, and what was held must go out.
    bill = BillSync(7, op_id=op_ids("h"))
    bill.on_join_ack({"ok": True, "last_event_id": 0, "events": [],
                      "provisions": {"sec_1": {"text": "one two", "rev": 1, "wid": "sec_1"}}})
    (sent,) = bill.type("sec_1", "one two three").sends
    bill.on_edit_ack(sent, {"ok": False, "error": {"code": "signed_out", "message": "sign in again"}})
    assert bill.type("sec_1", "one two three four").sends == []
    bill.join_request()
    assert bill.on_join_ack({"ok": True, "last_event_id": 0, "events": [],
                             "provisions": {"sec_1": {"text": "one two", "rev": 1, "wid": "sec_1"}}}).sends == [sent]
    patch = make_patch("one two", "one two three")
    applied = bill.on_event({"id": 1, "type": "provision.edited", "bill": 7, "data": {
        "eid": "sec_1", "wid": "sec_1", "rev": 2, "patch": patch, "op_id": sent["op_id"]}})
    (rest,) = applied.sends
    assert apply_exact("one two three", rest["patch"]) == "one two three four"


def test_after_an_edit_refused_for_good_what_was_typed_meanwhile_goes_out() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=op_ids("g"))
    provision.local_change("one two three")
    provision.local_change("zero one two three")  # typed while the first edit is on its way
    refused = provision.on_ack("g-1", {"ok": False, "error": {"code": "forbidden", "message": "frozen"}})
    assert refused.error == {"code": "forbidden", "message": "frozen"}
    assert provision.text == "zero one two"  # the refused words are undone, the others stay
    assert refused.send is not None and refused.send["op_id"] == "g-2"
    assert apply_exact("one two", refused.send["patch"]) == "zero one two"


def test_an_op_the_server_found_changed_nothing_is_settled_without_an_event_of_its_own() -> None:
    provision = ProvisionSync("sec_1", "one two", 1, op_id=op_ids("u"))
    provision.local_change("one two three")
    provision.local_change("one two three four")  # typed while the first edit is on its way
    # The server applied nothing and will broadcast nothing for u-1: waiting for its event would hold every later
    # keystroke back for good.
    answer = provision.on_ack("u-1", {"ok": True, "rev": 1, "event_id": 3, "duplicate": False, "unchanged": True})
    assert answer.send is not None and answer.send["op_id"] == "u-2" and answer.send["rev"] == 1
    assert apply_exact("one two", answer.send["patch"]) == "one two three four"
    assert provision.text == "one two three four"


def test_a_bill_asks_its_driver_to_retry_and_sends_every_held_provision() -> None:
    bill = BillSync(7, op_id=op_ids("b"))
    bill.on_join_ack({"ok": True, "last_event_id": 1, "events": [],
                      "provisions": {"sec_1": {"text": "a", "rev": 1, "wid": "sec_1"}}})
    sent = bill.type("sec_1", "a b").sends[0]
    refused = bill.on_edit_ack(sent, {"ok": False, "error": {"code": "rate_limited", "message": "x"},
                                      "retry_after": 0.5})
    assert refused.retry_after == 0.5 and refused.sends == [] and refused.errors == []
    resent = bill.retry().sends
    assert resent == [sent]


def test_a_copy_of_an_op_turned_away_by_the_rate_limit_while_another_copy_is_applied_is_not_typed_twice() -> None:
    # An op resent after a reconnect: the server applies the first copy and turns the second away with
    # rate_limited. Whichever order the event, the refusal and the retry come in, the words go in once.
    for order in ("event first", "retry first"):
        server = SimServer(7, {"sec_1": "the clerk shall keep a register"})
        sync = BillSync(7, op_id=op_ids("r"))
        sync.join_request()
        sync.on_join_ack(server.join({"since": None}))
        (payload,) = sync.type("sec_1", "the clerk [b6] shall keep a register").sends
        refused = sync.on_edit_ack(payload, {"ok": False, "error": {"code": "rate_limited", "message": "x"},
                                             "retry_after": 0.1})
        assert refused.retry_after == 0.1
        sync.type("sec_1", "the clerk [b6] shall keep a register [b7]")
        _, event = server.edit(payload, "r")  # the other copy
        assert event is not None
        sends = sync.on_event(event).sends if order == "event first" else []
        sends += sync.retry().sends
        while sends:
            for sent in sends:
                answer, broadcast = server.edit({k: v for k, v in sent.items() if k != "bill"}, "r")
                sends = sync.on_edit_ack(sent, answer).sends
                if broadcast is not None:
                    sends += sync.on_event(broadcast).sends
        if order == "retry first":
            sync.on_event(event)
        assert server.provisions["sec_1"]["text"] == "the clerk [b6] shall keep a register [b7]", order
        assert sync.text("sec_1") == server.provisions["sec_1"]["text"] and sync.settled, order


def test_a_snapshot_newer_than_the_events_waits_for_the_resent_op() -> None:
    provision = ProvisionSync("sec_1", "abc", 1, op_id=lambda: "op-1")
    provision.local_change("abcd")
    provision.on_snapshot("Zabcd", 3)  # holds our op (rev 2) and another one (rev 3)
    provision.local_change("abcde")  # typed while the resend is on its way
    result = provision.on_ack("op-1", {"ok": True, "rev": 2, "event_id": 5})
    assert provision.confirmed == "Zabcd"
    assert result.text == "Zabcde"
    assert result.send is not None and result.send["rev"] == 3


def test_a_resent_op_is_not_applied_twice() -> None:
    server = SimServer(7, {"sec_1": "abc"})
    sync = BillSync(7, op_id=op_ids("r"))
    sync.join_request()
    sync.on_join_ack(server.join({"since": None}))
    (payload,) = sync.type("sec_1", "abcd").sends
    first, event = server.edit(payload, "r")
    again, none = server.edit(payload, "r")  # the ack was lost; the next join sends it again
    assert again == first and none is None
    assert event is not None
    sync.on_event(event)
    sync.join_request()
    reaction = sync.on_join_ack(server.join({"since": None}))
    assert reaction.sends == [] and sync.text("sec_1") == "abcd" and sync.settled


class SocketServer:
    """SimServer behind a real python-socketio server (threading mode, werkzeug), for DraftingClient."""

    def __init__(self, provisions: dict[str, str]) -> None:
        self.sim = SimServer(7, provisions)
        self.lock = threading.Lock()
        self.sio = socketio.Server(async_mode="threading")
        self.sio.on("join", self.on_join)
        self.sio.on("edit", self.on_edit)
        self.http = make_server("127.0.0.1", 0, socketio.WSGIApp(self.sio), threaded=True)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def on_join(self, sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.sio.enter_room(sid, "bill")
            return self.sim.join(payload)

    def on_edit(self, sid: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            ack, event = self.sim.edit(payload, sid)
            if event is not None:
                self.sio.emit("event", event, to="bill")
            return ack


@pytest.fixture
def socket_server() -> Iterator[SocketServer]:
    server = SocketServer(PROVISIONS)
    server.thread.start()
    yield server
    server.http.shutdown()


def test_drafting_clients_over_real_socketio_converge_across_a_reconnect(socket_server: SocketServer) -> None:
    drafters = [DraftingClient(), DraftingClient()]
    for drafter in drafters:
        drafter.connect(socket_server.url)
        drafter.join(7)
    first, second = drafters
    tokens = ["[offline] ", "[online] "]
    for n in range(15):
        for name, drafter in (("a", first), ("b", second)):
            token = f"[{name}.{n}{'😀' if n % 2 else ''}] "
            tokens.append(token)
            # Read and typed under the client's lock, as an editor types into the text it shows: an event handled
            # between reading and typing would otherwise be typed over.
            drafter.change(lambda text, token=token, n=n: token + text if n % 2 else text + token, eid="sec_1")
    second.disconnect()
    second.change(lambda text: text + "[offline] ", eid="sec_2")  # typed while disconnected
    first.change(lambda text: "[online] " + text, eid="sec_2")
    second.connect(socket_server.url)
    second._send_join()  # what python-socketio's reconnection triggers through the connect handler
    for drafter in drafters:
        drafter.wait_quiescent(timeout=10)
    # Every edit is confirmed, so every event exists: each drafter must have seen them all.
    for drafter in drafters:
        drafter.wait_quiescent(timeout=10, up_to=len(socket_server.sim.events))
    for eid, state in socket_server.sim.provisions.items():
        assert first.text(eid) == second.text(eid) == state["text"]
    everything = "\n".join(str(state["text"]) for state in socket_server.sim.provisions.values())
    for token in tokens:
        assert everything.count(token) == 1, token
    assert first.since == len(socket_server.sim.events)
    for drafter in drafters:
        # werkzeug's test server answers a second websocket close late; nothing here waits for it.
        threading.Thread(target=drafter.disconnect, daemon=True).start()


def test_a_join_that_holds_only_part_of_what_was_missed_asks_again_from_where_it_stopped() -> None:
    bill = BillSync(1)
    bill.on_join_ack({"ok": True, "last_event_id": 0, "events": [],
                      "provisions": {"sec_1": {"text": "a", "rev": 0, "wid": "sec_1"}}})
    event = {"id": 11, "type": "provision.edited", "bill": 1,
             "data": {"eid": "sec_1", "wid": "sec_1", "rev": 1, "base_rev": 0, "patch": make_patch("a", "ab"),
                      "op_id": "x"}}
    partial = bill.on_join_ack({"ok": True, "more": True, "last_event_id": 11, "events": [event],
                                "provisions": {"sec_1": {"text": "abc", "rev": 2, "wid": "sec_1"}}})
    assert partial.rejoin and bill.join_request()["since"] == 11
    whole = bill.on_join_ack({"ok": True, "more": False, "last_event_id": 12, "events": [],
                              "provisions": {"sec_1": {"text": "abc", "rev": 2, "wid": "sec_1"}}})
    assert not whole.rejoin and bill.text("sec_1") == "abc" and bill.since == 12


def test_a_drafting_client_handles_the_servers_messages_in_the_order_they_arrived() -> None:
    # python-engineio starts a thread for each message it receives: handled as they come, a message that takes
    # longer would let the next one overtake it (an edit's event before the move that came first, say).
    sio = socketio.Client()
    DraftingClient(client=sio)
    handled: list[int] = []
    done = threading.Event()

    def handle(number: int) -> None:
        time.sleep(0.02 if number % 3 == 0 else 0)
        handled.append(number)
        if number == 29:
            done.set()

    sio.eio.handlers["message"] = handle
    for number in range(30):  # as the reader thread does, one message after the other
        sio.eio._trigger_event("message", number, run_async=True)
    assert done.wait(10)
    assert handled == list(range(30))
