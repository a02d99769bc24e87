"""A client that leaves is gone at once: for the drafters it leaves, and for the script that closed it."""

from __future__ import annotations

import time
from collections.abc import Callable

from server.client.connection import CLOSE_WAIT, BriefClose
from server.client.drafting import DraftingClient
from tests.server.conftest import Accounts, LiveServer
from tests.server.drafting.conftest import Watcher

EID = "part_1__sec_1"


def test_a_drafter_who_disconnects_leaves_without_waiting_out_the_close_handshake(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    leaving, staying = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    for client in (leaving, staying):
        assert client.call("join", {"bill": bill_id, "since": None})["ok"]
    assert isinstance(leaving.client.eio.ws, BriefClose)
    assert leaving.call("presence", {"bill": bill_id, "eid": EID, "cursor": {"anchor": 0, "head": 0}})["ok"]
    assert staying.wait_for(lambda: any(p.get("eid") == EID for p in staying.presence))
    started = time.monotonic()
    leaving.close()
    # websocket-client's own close would wait 3 s here for a close frame the reader thread had already taken.
    assert time.monotonic() - started < 3 * CLOSE_WAIT + 1
    assert staying.wait_for(lambda: any(p.get("left") for p in staying.presence))


def test_the_drafting_client_closes_its_websocket_briefly_and_ends_its_threads(
    live_server: LiveServer, users: Accounts, bill_id: int
) -> None:
    drafter = DraftingClient()
    drafter.connect(live_server.url, users.tokens["drafter"])
    drafter.join(bill_id)
    assert isinstance(drafter._sio.eio.ws, BriefClose)
    worker = drafter._in_order._worker
    assert worker is not None and worker.is_alive()  # the join's answer was handled there
    started = time.monotonic()
    drafter.disconnect()
    assert time.monotonic() - started < 3 * CLOSE_WAIT + 1
    worker.join(timeout=5)
    assert not worker.is_alive()
    # Connected again, it handles the server's messages again.
    drafter.connect(live_server.url, users.tokens["drafter"])
    drafter.join(bill_id)
    assert drafter.text(EID) == "This Act may be cited as the Test Act, 2026."
    drafter.disconnect()
