"""The served history of a bill leaves out the words of comments that are no longer visible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from tests.server.conftest import Accounts


def test_a_hidden_comment_is_redacted_from_the_event_history(client: FlaskClient, users: Accounts,
                                                             bill_id: int) -> None:
    now = datetime.now(UTC)
    opened = client.post(f"/api/bills/{bill_id}/consultations", headers=users.headers("clerk"), json={
        "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat()})
    assert opened.status_code == 201, opened.get_json()
    kept = client.post(f"/api/bills/{bill_id}/comments", headers=users.headers("citizen"),
                       json={"eid": "part_1__sec_1", "body": "A fine short title."})
    hidden = client.post(f"/api/bills/{bill_id}/comments", headers=users.headers("citizen"),
                         json={"eid": "part_1__sec_1", "body": "Something a clerk will hide."})
    assert kept.status_code == 201 and hidden.status_code == 201
    moderated = client.post(f"/api/comments/{hidden.get_json()['id']}/moderation", headers=users.headers("clerk"),
                            json={"action": "hide", "reason": "off topic"})
    assert moderated.status_code in (200, 201), moderated.get_json()

    events = client.get(f"/api/bills/{bill_id}/events?after=0").get_json()["events"]
    posted = {e["data"]["comment_id"]: e["data"] for e in events if e["type"] == "comment.posted"}
    assert posted[kept.get_json()["id"]]["body"] == "A fine short title."
    assert posted[hidden.get_json()["id"]]["body"] is None
    assert posted[hidden.get_json()["id"]]["redacted"] is True
    assert "Something a clerk will hide" not in str(events)
