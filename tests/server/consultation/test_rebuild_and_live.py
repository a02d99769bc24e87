"""The consultation read models rebuild from the log alone; visible changes reach the bill's live room."""

from __future__ import annotations

import threading
from typing import Any

import requests

from server.client.connection import socketio_client
from server.domain.consultation import ConsultationEvent
from server.services import registration
from server.store import projections
from server.store.db import Database
from tests.server.conftest import Accounts, LiveServer
from tests.server.consultation.conftest import DURATION, REGISTER, Api


def test_rebuilding_from_the_log_equals_the_live_state(api: Api, consulted: int, db: Database,
                                                       users: Accounts) -> None:
    letter = "Extend the consultation period to ninety days so that people in rural counties can take part."
    a = api.comment("citizen", consulted, DURATION, letter, quote="thirty days").get_json()
    b = api.comment("citizen2", consulted, DURATION, "Dear Members, " + letter).get_json()
    c = api.comment("citizen3", consulted, DURATION, letter + " Thanks").get_json()
    reply = api.post("citizen4", f"/api/bills/{consulted}/comments", {"body": "Agreed.", "reply_to": a["id"]})
    held = api.comment("citizen4", consulted, REGISTER, "What morons wrote this?").get_json()
    gone = api.comment("citizen4", consulted, REGISTER, "Typo commment").get_json()
    assert reply.status_code == 201 and held["state"] == "held"
    assert api.patch("citizen", f"/api/comments/{a['id']}", {"body": letter + " Really."}).status_code == 200
    assert api.delete("citizen4", f"/api/comments/{gone['id']}").status_code == 204
    assert api.post("citizen4", f"/api/comments/{b['id']}/endorsements").status_code == 201
    assert api.post("citizen4", f"/api/comments/{c['id']}/flags", {"reason": "spam"}).status_code == 201
    assert api.post("citizen3", f"/api/comments/{c['id']}/not-mine").status_code == 200
    assert api.post("clerk", f"/api/comments/{held['id']}/moderation",
                    {"action": "restore", "reason": "a question"}).status_code == 200
    assert api.post("clerk", f"/api/comments/{b['id']}/moderation",
                    {"action": "hide", "reason": "duplicate"}).status_code == 200
    assert api.post("drafter", f"/api/clusters/{a['cluster_id']}/answers",
                    {"body": "Kept at thirty.", "fate": "not_taken_up", "version": 1}).status_code == 201
    citizen = users.ids["citizen4"]
    assert api.post("clerk", f"/api/users/{citizen}/suspension", {"reason": "spam wave"}).status_code == 200
    assert api.delete("clerk", f"/api/users/{citizen}/suspension").status_code == 200
    with db.write() as session:
        signed = registration.sign_up(session, username="newcomer", email="new@example.org", password="pw-long-1")
    with db.write() as session:
        registration.verify(session, signed.token)
    with db.write() as session:  # someone else's address, whose owner said "this was not me"
        borrowed = registration.sign_up(session, username="mimic", email="other@example.org",
                                        password="pw-long-1")
    with db.write() as session:
        registration.disown(session, borrowed.token)

    with db.read() as session:
        live = projections.snapshot(session)
    assert len(live["comments"]) == 6 and len(live["comment_keys"]) > 0 and len(live["moderation_acts"]) == 5
    signups = {row["user_id"]: row for row in live["citizen_signups"]}
    assert signups[signed.user.id]["verified"] is True
    assert (signups[borrowed.user.id]["email"], signups[borrowed.user.id]["verified"]) == ("", False)
    assert [u["email"] for u in live["users"] if u["id"] == borrowed.user.id] == [None]
    with db.write() as session:
        projections.rebuild(session)
    with db.read() as session:
        assert projections.snapshot(session) == live


class RoomWatcher:
    def __init__(self, url: str, bill: int) -> None:
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio_client(reconnection=False)
        self.client.on("event", self._on_event)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        assert self.client.call("join", {"bill": bill, "since": None}, timeout=10)["ok"] is True

    def _on_event(self, data: dict[str, Any]) -> None:
        with self.changed:
            self.events.append(data)
            self.changed.notify_all()

    def wait_for_types(self, count: int) -> list[str]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.events) >= count, timeout=10)
            return [e["type"] for e in self.events]


def test_visible_comments_reach_the_room_and_held_ones_do_not(
    live_server: LiveServer, api: Api, consulted: int
) -> None:
    watcher = RoomWatcher(live_server.url, consulted)
    try:
        def post(who: str, body: str) -> dict[str, Any]:
            response = requests.post(f"{live_server.url}/api/bills/{consulted}/comments",
                                     json={"eid": DURATION, "body": body}, headers=api.users.headers(who),
                                     timeout=10)
            assert response.status_code == 201
            payload: dict[str, Any] = response.json()
            return payload

        held = post("citizen", "Utter idiots, all of you.")
        visible = post("citizen2", "A fair point about the duration.")
        assert watcher.wait_for_types(1) == [ConsultationEvent.COMMENT_POSTED]
        assert watcher.events[0]["data"]["comment_id"] == visible["id"]
        requests.post(f"{live_server.url}/api/comments/{held['id']}/moderation",
                      json={"action": "restore", "reason": "allowed"}, headers=api.users.headers("clerk"),
                      timeout=10)
        assert watcher.wait_for_types(2) == [ConsultationEvent.COMMENT_POSTED, ConsultationEvent.COMMENT_RESTORED]
    finally:
        watcher.client.disconnect()


def test_what_an_account_holder_says_of_a_comment_not_theirs_reaches_the_clerks_only(
    live_server: LiveServer, api: Api, consulted: int
) -> None:
    secret = "my ex has my password, her name is Jane Doe"
    posted = requests.post(f"{live_server.url}/api/bills/{consulted}/comments",
                           json={"eid": DURATION, "body": "Scrap the whole bill!"},
                           headers=api.users.headers("citizen"), timeout=10).json()
    watcher = RoomWatcher(live_server.url, consulted)
    try:
        reported = requests.post(f"{live_server.url}/api/comments/{posted['id']}/not-mine", json={"note": secret},
                                 headers=api.users.headers("citizen"), timeout=10)
        assert reported.status_code == 200, reported.text
        # The room learns that the comment left view, and nothing of the report.
        assert watcher.wait_for_types(1) == [ConsultationEvent.COMMENT_HELD]
        assert watcher.events[0]["data"] == {"comment_id": posted["id"]}
    finally:
        watcher.client.disconnect()
    history = requests.get(f"{live_server.url}/api/bills/{consulted}/events?after=0", timeout=10).json()["events"]
    assert secret not in str(history)
    assert ConsultationEvent.COMMENT_DISOWNED not in [event["type"] for event in history]
    # A reader joining later and catching up from the start hears none of it either.
    late = socketio_client(reconnection=False)
    late.connect(live_server.url, transports=["websocket"], wait_timeout=10)
    try:
        joined = late.call("join", {"bill": consulted, "since": 0}, timeout=10)
        assert joined["ok"] is True and secret not in str(joined["events"])
    finally:
        late.disconnect()
    # The clerks read it beside the comment, in the queue and on its page.
    queued = requests.get(f"{live_server.url}/api/moderation/queue", headers=api.users.headers("clerk"),
                          timeout=10).json()["comments"]
    assert [(c["id"], c["disowned"]["note"]) for c in queued] == [(posted["id"], secret)]
