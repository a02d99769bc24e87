"""Flags, pre-moderation, the clerk's queue, hide/restore with a public reason, suspensions; every act an event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.domain.consultation import ConsultationEvent
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, REGISTER, Api, app_with, import_bill


def _queue(api: Api) -> list[dict[str, Any]]:
    response = api.get("/api/moderation/queue", who="clerk")
    assert response.status_code == 200
    queue: list[dict[str, Any]] = response.get_json()["comments"]
    return queue


def _event_types(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(EventRecord.type).order_by(EventRecord.id)))


def test_abusive_comments_are_held_for_a_clerk_not_published(api: Api, consulted: int, db: Database) -> None:
    english = api.comment("citizen", consulted, DURATION, "The drafters are total 1D10TS, every one of them.")
    french = api.comment("citizen2", consulted, REGISTER, "Ce registre est une idée de connards.")
    clean = api.comment("citizen3", consulted, DURATION, "Is an assessment of Scunthorpe's needs planned?")
    assert english.status_code == french.status_code == clean.status_code == 201
    assert english.get_json()["state"] == "held" and "idiot" in english.get_json()["held_because"]
    assert french.get_json()["state"] == "held" and "connard" in french.get_json()["held_because"]
    assert clean.get_json()["state"] == "visible"
    assert [c["id"] for c in api.comments(consulted)] == [clean.get_json()["id"]]
    assert [c["id"] for c in _queue(api)] == [english.get_json()["id"], french.get_json()["id"]]
    # Held comments stay out of the bill's public event history (and so out of its live room).
    events = api.get(f"/api/bills/{consulted}/events").get_json()["events"]
    posted = [e["data"]["comment_id"] for e in events if e["type"] == ConsultationEvent.COMMENT_POSTED]
    assert posted == [clean.get_json()["id"]]

    restored = api.post("clerk", f"/api/comments/{english.get_json()['id']}/moderation",
                        {"action": "restore", "reason": "strong but not abusive"})
    assert restored.status_code == 200 and restored.get_json()["state"] == "visible"
    assert {c["id"] for c in api.comments(consulted)} == {clean.get_json()["id"], english.get_json()["id"]}
    assert [c["id"] for c in _queue(api)] == [french.get_json()["id"]]


def test_flags_reach_the_queue_and_a_hide_shows_its_public_reason(api: Api, consulted: int, db: Database) -> None:
    target = api.comment("citizen", consulted, DURATION, "The clerk is corrupt and lives at 12 Moi Avenue.").get_json()
    path = f"/api/comments/{target['id']}"
    bad = api.post("citizen2", path + "/flags", {"reason": "because"})
    assert bad.status_code == 422
    assert api.post("citizen", path + "/flags", {"reason": "spam"}).status_code == 403, "not one's own"
    assert api.post("citizen2", path + "/flags", {"reason": "personal_data", "note": "home address"}).status_code == 201
    again = api.post("citizen2", path + "/flags", {"reason": "harassment"})
    assert again.status_code == 409
    assert api.post("citizen3", path + "/flags", {"reason": "harassment"}).status_code == 201
    queue = _queue(api)
    assert [c["id"] for c in queue] == [target["id"]]
    assert sorted(f["reason"] for f in queue[0]["flags"]) == ["harassment", "personal_data"]

    assert api.get("/api/moderation/queue", who="citizen").status_code == 403
    assert api.post("citizen2", path + "/moderation", {"action": "hide", "reason": "x"}).status_code == 403
    assert api.post("clerk", path + "/moderation", {"action": "hide"}).status_code == 422, "a hide needs a reason"
    hidden = api.post("clerk", path + "/moderation", {"action": "hide", "reason": "personal data"})
    assert hidden.status_code == 200 and hidden.get_json()["state"] == "hidden"
    listing = api.get(f"/api/bills/{consulted}/comments").get_json()
    assert listing["comments"] == []
    assert listing["hidden"] == [{"id": target["id"], "eid": DURATION, "reply_to": None, "reason": "personal data"}]
    assert _queue(api) == []
    assert api.post("clerk", path + "/moderation", {"action": "hide", "reason": "again"}).status_code == 409

    history = api.get("/api/moderation/history", who="clerk").get_json()["acts"]
    assert [(a["action"], a["comment_id"], a["reason"]) for a in history] == [("hide", target["id"], "personal data")]
    assert _event_types(db).count(ConsultationEvent.COMMENT_FLAGGED) == 2
    assert ConsultationEvent.COMMENT_HIDDEN in _event_types(db)


def test_a_suspended_account_can_no_longer_act(api: Api, consulted: int, users: Accounts) -> None:
    citizen = users.ids["citizen"]
    assert api.comment("citizen", consulted, DURATION, "First comment.").status_code == 201
    assert api.post("citizen2", f"/api/users/{citizen}/suspension", {"reason": "x"}).status_code == 403
    suspended = api.post("clerk", f"/api/users/{citizen}/suspension", {"reason": "coordinated fake accounts"})
    assert suspended.status_code == 200 and suspended.get_json()["suspended"] is True
    assert api.comment("citizen", consulted, DURATION, "Second comment.").status_code == 401
    assert api.post("clerk", f"/api/users/{users.ids['admin']}/suspension", {"reason": "x"}).status_code == 403
    reinstated = api.delete("clerk", f"/api/users/{citizen}/suspension")
    assert reinstated.status_code == 200 and reinstated.get_json()["suspended"] is False
    assert api.comment("citizen", consulted, DURATION, "Back again.").status_code == 201


def test_the_account_holder_can_report_a_comment_as_not_theirs(api: Api, consulted: int) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Scrap the whole bill!").get_json()
    assert api.post("citizen2", f"/api/comments/{comment['id']}/not-mine").status_code == 404
    reported = api.post("citizen", f"/api/comments/{comment['id']}/not-mine", {"note": "my account was used"})
    assert reported.status_code == 200
    assert api.comments(consulted) == []
    queued = _queue(api)
    assert [c["id"] for c in queued] == [comment["id"]]
    assert "not written by them" in str(queued[0]["held_because"])


def test_new_accounts_posting_in_bursts_are_held(database_url: str, tmp_path: Path, db: Database,
                                                 users: Accounts) -> None:
    app = app_with(database_url, tmp_path, BURST_MAX_POSTS=2, BURST_WINDOW_SECONDS=600)
    try:
        api = Api(app.test_client(), users)
        bill = import_bill(db, users, "45")
        assert api.open(bill).status_code == 201
        states = [
            api.comment("citizen", bill, DURATION, f"Point number {n} about the duration of consultations.")
            .get_json()["state"]
            for n in range(4)
        ]
        assert states == ["visible", "visible", "held", "held"]
        assert len(api.comments(bill)) == 2
        assert all("new account" in str(c["held_because"]) for c in _queue(api))
    finally:
        app.extensions["parley.db"].dispose()
