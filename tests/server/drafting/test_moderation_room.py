"""The moderators' room: clerks and admins on the moderation page hear of each moderation act, in brief, and are
told the counts; nobody else may follow it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.server.conftest import Accounts
from tests.server.drafting.conftest import Watcher


def test_only_moderators_follow_the_acts_and_they_hear_each_one_in_brief(
    connect: Callable[..., Watcher], users: Accounts, client: FlaskClient
) -> None:
    for who in ("citizen", "mp", None):
        refused = connect(users.tokens[who] if who else None).call("follow_moderation", {})
        assert refused["ok"] is False and refused["error"]["code"] in {"forbidden", "unauthenticated"}, refused

    clerk = connect(users.tokens["clerk"])
    heard: list[dict[str, Any]] = []
    arrived = threading.Event()
    clerk.client.on("moderation", lambda notice: (heard.append(notice), arrived.set()))
    ack = clerk.call("follow_moderation", {"queue_after": None, "hidden_after": None})
    assert ack["ok"], ack
    assert set(ack["waiting"]) == set(ack["hidden"]) == {"total", "before"}
    assert ack["waiting"]["before"] == ack["hidden"]["before"] == 0

    suspended = client.post(f"/api/users/{users.ids['citizen']}/suspension", json={"reason": "spam"},
                            headers=users.headers("clerk"))
    assert suspended.status_code == 200, suspended.get_json()
    assert arrived.wait(5)
    # Which account, not the reason (the page reads that where it always does).
    assert heard[0]["type"] == "account.suspended" and heard[0]["user"] == users.ids["citizen"]
    assert heard[0]["id"] > ack["last_event_id"] and "reason" not in heard[0] and "data" not in heard[0]
