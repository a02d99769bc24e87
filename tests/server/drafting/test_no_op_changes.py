"""Changes that change nothing (an empty patch, hunks of context alone, a retitle to the same number, a move to
where the provision already is) are acknowledged without a revision, an event or a broadcast."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from server.domain import textpatch
from tests.server.conftest import Accounts
from tests.server.drafting.conftest import Watcher

EID = "part_1__sec_1"
TEXT = "This Act may be cited as the Test Act, 2026."
CONTEXT_ONLY = "@@ -1,8 +1,8 @@\n This Act\n"  # a hunk that keeps "This Act" as it is


def _events_after(client: FlaskClient, bill: int, after: int) -> list[dict[str, Any]]:
    body = client.get(f"/api/bills/{bill}/events?after={after}&limit=5000").get_json()
    events: list[dict[str, Any]] = body["events"]
    return events


def _edit(author: Watcher, bill: int, rev: int, patch: str, op_id: str | None = None) -> dict[str, Any]:
    return author.call("edit", {"bill": bill, "eid": EID, "rev": rev, "patch": patch,
                                "op_id": op_id or uuid.uuid4().hex})


def test_a_patch_that_changes_nothing_makes_no_revision_event_or_broadcast(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    author, reader = connect(users.tokens["drafter"]), connect()
    for watcher in (author, reader):
        assert watcher.call("join", {"bill": bill_id, "since": None})["ok"]
    last = _events_after(client, bill_id, 0)[-1]["id"]
    for patch in ("", CONTEXT_ONLY):
        ack = _edit(author, bill_id, 0, patch)
        # The provision was never edited: its revision 0 is as the bill's newest event left it.
        assert ack == {"ok": True, "rev": 0, "event_id": last, "duplicate": False, "unchanged": True}, patch
    assert _events_after(client, bill_id, last) == []
    assert client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()["rev"] == 0
    # The next broadcast the reader hears is the next real edit: nothing went out for the no-ops.
    real = _edit(author, bill_id, 0, textpatch.make_patch(TEXT, TEXT + " Amen."))
    assert real["rev"] == 1 and "unchanged" not in real
    assert reader.wait_for(lambda: bool(reader.events))
    assert [event["id"] for event in reader.events] == [real["event_id"]]


def test_a_no_op_answers_the_current_revision_and_the_event_that_made_it(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    author = connect(users.tokens["drafter"])
    assert author.call("join", {"bill": bill_id, "since": None})["ok"]
    edited = _edit(author, bill_id, 0, textpatch.make_patch(TEXT, TEXT + " Amen."))
    current = {"ok": True, "rev": 1, "event_id": edited["event_id"], "duplicate": False, "unchanged": True}
    assert _edit(author, bill_id, 1, "") == current
    # Made against the older revision it is rebased, and still changes nothing.
    assert _edit(author, bill_id, 0, CONTEXT_ONLY, op_id="noop") == current
    # A copy resent after a reconnect changes nothing either, and is answered alike.
    assert _edit(author, bill_id, 0, CONTEXT_ONLY, op_id="noop") == current
    assert _events_after(client, bill_id, edited["event_id"]) == []
    assert client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()["rev"] == 1


def test_a_retitle_or_move_that_changes_nothing_logs_nothing(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient,
) -> None:
    author = connect(users.tokens["drafter"])
    assert author.call("join", {"bill": bill_id, "since": None})["ok"]
    last = _events_after(client, bill_id, 0)[-1]["id"]
    unchanged = {"ok": True, "event_id": last, "eid": "part_1__sec_2", "renames": {}, "unchanged": True}
    same_num = author.call("structure", {"bill": bill_id, "action": "retitle", "eid": "part_1__sec_2",
                                         "num": "2."})  # its number already
    assert same_num == unchanged
    same_place = author.call("structure", {"bill": bill_id, "action": "move", "eid": "part_1__sec_2",
                                           "ref_eid": EID, "position": "after"})
    assert same_place == unchanged
    assert _events_after(client, bill_id, last) == []
    feed = client.get(f"/api/bills/{bill_id}/feed.atom").get_data(as_text=True)
    assert "retitled" not in feed and "moved" not in feed
    # A retitle that does change something is still made and logged.
    renamed = author.call("structure", {"bill": bill_id, "action": "retitle", "eid": "part_1__sec_2",
                                        "heading": "Definitions"})
    assert renamed["ok"] and "unchanged" not in renamed and renamed["event_id"] > last
