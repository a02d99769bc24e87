"""Structure edits while drafters type, the pad-swap case and rebasing, with real clients on a live server.

A provision keeps its wId when a structure edit renumbers it; drafting clients send that wId with every edit,
so an edit stamped with the eId the provision had before a move still lands in it. Clients re-key what they
hold with the event's ``renames`` and a fresh join snapshot, which also brings inserted provisions and drops
deleted ones.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from flask.testing import FlaskClient

from server.client.drafting import DraftingClient
from server.domain import textpatch
from server.domain.events import EventType
from tests.server.conftest import Accounts, LiveServer
from tests.server.drafting.conftest import Watcher

SEC_1 = "part_1__sec_1"  # also its wId: the bill is imported with wId = eId
FIRST_TEXT = "This Act may be cited as the Test Act, 2026."


class GatedClient(socketio.Client):  # type: ignore[misc]
    """A python-socketio client that records the edits it sends and can hold back the broadcasts it receives.

    While ``gate`` is clear the ``event`` handler waits, as a slow network would delay the broadcast.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.gate = threading.Event()
        self.gate.set()
        self.sent: list[dict[str, Any]] = []

    def on(self, event: str, handler: Callable[..., Any] | None = None, namespace: str | None = None) -> Any:
        if event == "event" and handler is not None:
            inner = handler

            def held(data: Any) -> Any:
                self.gate.wait(20)
                return inner(data)

            return super().on(event, held, namespace)
        return super().on(event, handler, namespace)

    def emit(self, event: str, data: Any = None, namespace: str | None = None,
             callback: Callable[..., Any] | None = None) -> None:
        if event == "edit":
            self.sent.append(dict(data))
        super().emit(event, data, namespace=namespace, callback=callback)


@pytest.fixture
def drafter(live_server: LiveServer, users: Accounts, bill_id: int) -> Iterator[tuple[DraftingClient, GatedClient]]:
    sio = GatedClient(reconnection=True, reconnection_delay=0.05, randomization_factor=0.02)
    client = DraftingClient(client=sio)
    client.connect(live_server.url, users.tokens["drafter"])
    client.join(bill_id)
    yield client, sio
    sio.gate.set()
    threading.Thread(target=client.disconnect, daemon=True).start()


@pytest.fixture
def connect(live_server: LiveServer) -> Iterator[Callable[..., Watcher]]:
    """Raw Socket.IO clients, closed without waiting for the test server's late answer to a close."""
    opened: list[Watcher] = []

    def open_client(token: str | None = None) -> Watcher:
        opened.append(Watcher(live_server.url, token))
        return opened[-1]

    yield open_client
    for watcher in opened:
        threading.Thread(target=watcher.close, daemon=True).start()


def flatten(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from flatten(node["children"])


def by_wid(flask_client: FlaskClient, bill: int) -> dict[str, dict[str, Any]]:
    """The working text's provisions, keyed by wId, from ``GET /api/bills/<id>``."""
    body = flask_client.get(f"/api/bills/{bill}").get_json()
    return {node["wid"]: node for node in flatten(body["provisions"])}


def last_event_id(flask_client: FlaskClient, bill: int) -> int:
    events = flask_client.get(f"/api/bills/{bill}/events?after=0&limit=5000").get_json()["events"]
    return int(events[-1]["id"])


def edit_events(flask_client: FlaskClient, bill: int) -> dict[str, dict[str, Any]]:
    """``provision.edited`` event data by op_id."""
    events = flask_client.get(f"/api/bills/{bill}/events?after=0&limit=5000").get_json()["events"]
    return {e["data"]["op_id"]: e["data"] for e in events if e["type"] == EventType.PROVISION_EDITED}


def structure(watcher: Watcher, bill: int, **message: Any) -> dict[str, Any]:
    ack = watcher.call("structure", {"bill": bill, **message})
    assert ack["ok"], ack
    return ack


def append_word(text: str, word: str) -> str:
    return f"{text} {word}"


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_drafter_typing_in_a_provision_that_is_moved_and_renumbered_loses_nothing(
    drafter: tuple[DraftingClient, GatedClient], connect: Callable[..., Watcher], users: Accounts, bill_id: int,
    client: FlaskClient,
) -> None:
    author, sio = drafter
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    typed: list[str] = []

    def type_burst() -> None:
        for n in range(80):
            word = f"[w{n}]"
            typed.append(word)
            author.change(functools.partial(append_word, word=word), wid=SEC_1)
            time.sleep(0.004)

    typist = threading.Thread(target=type_burst)
    typist.start()
    wait_until(lambda: len(typed) >= 15)
    structure(other, bill_id, action="move", eid=SEC_1, ref_eid="part_2__sec_4", position="after")
    wait_until(lambda: len(typed) >= 45)
    moved_eid = by_wid(client, bill_id)[SEC_1]["eid"]
    structure(other, bill_id, action="retitle", eid=moved_eid, num="5.", heading="Short title")
    typist.join(30)
    author.wait_quiescent(timeout=20, up_to=last_event_id(client, bill_id))

    final = by_wid(client, bill_id)[SEC_1]
    assert final["eid"] == "part_2__sec_5" and final["num"] == "5."
    assert author.eid_of(SEC_1) == "part_2__sec_5"
    assert author.text("part_2__sec_5") == final["text"]
    assert final["text"].startswith(FIRST_TEXT)
    assert [word for word in typed if final["text"].count(word) != 1] == []
    assert author.errors == []
    assert sio.sent and all(payload.get("wid") == SEC_1 for payload in sio.sent)
    # Edits went on landing while the provision changed eId twice.
    eids = {data["eid"] for data in edit_events(client, bill_id).values()}
    assert {SEC_1, "part_2__sec_5"} <= eids


def test_an_edit_stamped_with_the_eid_from_before_a_move_lands_in_the_moved_provision(
    drafter: tuple[DraftingClient, GatedClient], connect: Callable[..., Watcher], users: Accounts, bill_id: int,
    client: FlaskClient,
) -> None:
    author, sio = drafter
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    sio.gate.clear()  # the author has not heard of the move when it types
    structure(other, bill_id, action="move", eid=SEC_1, ref_eid="part_2__sec_4", position="after")
    author.change(lambda text: text.replace("Test Act", "Moved Test Act"), eid=SEC_1)
    (payload,) = sio.sent
    assert payload["eid"] == SEC_1 and payload["wid"] == SEC_1 and payload["rev"] == 0
    wait_until(lambda: payload["op_id"] in edit_events(client, bill_id))
    sio.gate.set()
    author.wait_quiescent(timeout=10, up_to=last_event_id(client, bill_id))

    moved = by_wid(client, bill_id)[SEC_1]
    assert moved["eid"] != SEC_1
    assert edit_events(client, bill_id)[payload["op_id"]]["eid"] == moved["eid"]
    assert moved["text"] == "This Act may be cited as the Moved Test Act, 2026."
    assert author.eid_of(SEC_1) == moved["eid"]
    assert author.text(moved["eid"]) == moved["text"]
    assert author.text(SEC_1) is None
    assert author.errors == []


def test_an_edit_finds_its_provision_by_wid_when_another_provision_took_its_eid(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    # The old section 1 renumbered 1A, a new section 1 before it takes the eId part_1__sec_1.
    structure(other, bill_id, action="retitle", eid=SEC_1, num="1A.")
    structure(other, bill_id, action="insert", eid="part_1__sec_1A", position="before", num="1.", heading="New",
              text="A new first section.")
    provisions = by_wid(client, bill_id)
    assert provisions[SEC_1]["eid"] != SEC_1
    ack = other.call("edit", {"bill": bill_id, "eid": SEC_1, "wid": SEC_1, "rev": 0, "op_id": "late-1",
                              "patch": textpatch.make_patch(FIRST_TEXT, FIRST_TEXT.replace("2026", "2027"))})
    assert ack["ok"], ack
    provisions = by_wid(client, bill_id)
    assert provisions[SEC_1]["text"] == FIRST_TEXT.replace("2026", "2027")
    new = next(node for node in provisions.values() if node["eid"] == SEC_1)
    assert new["text"] == "A new first section." and new["rev"] == 0


def test_drafters_gain_inserted_provisions_and_drop_deleted_ones(
    drafter: tuple[DraftingClient, GatedClient], connect: Callable[..., Watcher], users: Accounts, bill_id: int,
    client: FlaskClient,
) -> None:
    author, _ = drafter
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    inserted = structure(other, bill_id, action="insert", eid="part_2__sec_4", position="after", num="5.",
                         heading="Review", text="The Minister shall review this Act.")
    structure(other, bill_id, action="delete", eid="part_1__sec_2__para_b")
    author.wait_quiescent(timeout=10, up_to=last_event_id(client, bill_id))
    assert author.text(inserted["eid"]) == "The Minister shall review this Act."
    assert author.text("part_1__sec_2__para_b") is None
    author.change(lambda text: text.replace("review", "review and report on"), eid=inserted["eid"])
    author.wait_quiescent(timeout=10)
    body = client.get(f"/api/bills/{bill_id}/provisions/{inserted['eid']}").get_json()
    assert body["text"] == "The Minister shall review and report on this Act." == author.text(inserted["eid"])
    assert author.errors == []


def test_the_pad_swap_case_an_in_flight_edit_rebased_over_a_concurrent_one_converges(
    drafter: tuple[DraftingClient, GatedClient], live_server: LiveServer, users: Accounts, bill_id: int,
    client: FlaskClient,
) -> None:
    """A's edit is in flight when B's edit at the same point commits first; A types on meanwhile.

    The server rebases A's edit onto B's revision and places it by fuzzy match; A, which learns of B's edit
    while its own is in flight, rebased its expectation with a three-way merge. Where the two orders of the
    insertions differ (the swap), A's own event says what the server made and A's later typing is merged
    onto that; everyone ends with the same text and every insertion exactly once.
    """
    author, sio = drafter
    second = DraftingClient()
    second.connect(live_server.url, users.tokens["drafter2"])
    second.join(bill_id)
    try:
        sio.gate.clear()  # A does not see B's edit before sending its own
        second.change(lambda text: text.replace("cited as", "cited as [B1]"), eid=SEC_1)
        second.wait_quiescent(timeout=10)
        author.change(lambda text: text.replace("cited as", "cited as [A1]"), eid=SEC_1)
        (first,) = sio.sent
        assert first["rev"] == 0  # made against the revision before B's
        author.change(lambda text: text + " [A2]", eid=SEC_1)  # typed while the first is in flight
        wait_until(lambda: first["op_id"] in edit_events(client, bill_id))
        sio.gate.set()
        for drafter_client in (author, second):
            drafter_client.wait_quiescent(timeout=10, up_to=last_event_id(client, bill_id))
        text = client.get(f"/api/bills/{bill_id}/provisions/{SEC_1}").get_json()["text"]
        assert author.text(SEC_1) == second.text(SEC_1) == text
        assert all(text.count(word) == 1 for word in ("[A1]", "[A2]", "[B1]")), text
        rebased = edit_events(client, bill_id)[first["op_id"]]
        assert rebased["base_rev"] == 0 and rebased["rev"] == 2
        assert author.errors == [] and second.errors == []
    finally:
        threading.Thread(target=second.disconnect, daemon=True).start()


# --- the server's side of structure edits -------------------------------------------------------------------


def test_a_move_answers_the_moved_provisions_new_eid_and_its_renames(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """The contract: the ack's ``eid`` is the subject's eId afterwards and ``renames`` maps every old eId."""
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    ack = structure(other, bill_id, action="move", eid=SEC_1, ref_eid="part_2__sec_4", position="after")
    moved = by_wid(client, bill_id)[SEC_1]["eid"]
    assert moved != SEC_1
    assert ack["eid"] == moved
    assert ack["renames"].get(SEC_1) == moved


def test_a_retitle_answers_the_renumbered_provisions_new_eids(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    ack = structure(other, bill_id, action="retitle", eid="part_1__sec_2", num="9.")
    provisions = by_wid(client, bill_id)
    assert provisions["part_1__sec_2"]["eid"] == "part_1__sec_9"
    assert ack["eid"] == "part_1__sec_9"
    assert ack["renames"] == {
        "part_1__sec_2": "part_1__sec_9",
        "part_1__sec_2__para_a": "part_1__sec_9__para_a",
        "part_1__sec_2__para_b": "part_1__sec_9__para_b",
    }


def test_a_provision_inserted_after_a_deletion_does_not_take_the_deleted_ones_wid(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """A wId names one provision for the life of the bill: an edit sent for the deleted provision (from a
    drafter who has not heard of the deletion) must not land in the new one."""
    other = connect(users.tokens["drafter2"])
    assert other.call("join", {"bill": bill_id})["ok"]
    old = "The clerk shall keep a register of consultations."
    structure(other, bill_id, action="delete", eid="part_2__sec_4")
    structure(other, bill_id, action="insert", eid="part_2__sec_3", position="after", num="4.", heading="Fees",
              text="No fee is payable.")
    late = other.call("edit", {"bill": bill_id, "eid": "part_2__sec_4", "wid": "part_2__sec_4", "rev": 0,
                               "op_id": "late-2", "patch": textpatch.make_patch(old, old + " It is public.")})
    assert "part_2__sec_4" not in by_wid(client, bill_id)
    assert late["ok"] is False and late["error"]["code"] == "not_found", late


def test_a_rebased_edit_keeps_a_concurrent_insertion_between_its_own_two_intact(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """One hunk inserting at two places, rebased over an insertion that fell between them.

    Found by the randomized convergence runs: the second insertion landed inside the other drafter's words
    ("may [b [a7]9] be"), so neither insertion survived intact.
    """
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    for watcher in (a, b):
        assert watcher.call("join", {"bill": bill_id})["ok"]
    first = b.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0, "op_id": "b-9", "patch": textpatch.make_patch(
        FIRST_TEXT, "This Act may [b9] be cited as the Test Act, 2026.")})
    assert first["ok"] and first["rev"] == 1
    late = a.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0, "op_id": "a-7", "patch": textpatch.make_patch(
        FIRST_TEXT, "This Act [a1] may be [a7] cited as the Test Act, 2026.")})
    assert late["ok"] and late["rev"] == 2, late
    text = client.get(f"/api/bills/{bill_id}/provisions/{SEC_1}").get_json()["text"]
    assert text == "This Act [a1] may [b9] be [a7] cited as the Test Act, 2026."
