"""Webhooks and subscriptions are projections: rebuilding them from the log gives the same rows."""

from __future__ import annotations

from server.store import projections
from server.store.db import Database
from tests.server.opendata.conftest import Scenario


def test_rebuild_reproduces_open_data_read_models(scenario: Scenario, db: Database) -> None:
    headers = scenario.users.headers("citizen")
    kept = scenario.client.post("/api/webhooks", json={"url": "http://127.0.0.1:9/a",
                                                       "event_types": ["version.published"]}, headers=headers)
    removed = scenario.client.post("/api/webhooks", json={"url": "http://127.0.0.1:9/b",
                                                          "bill_id": scenario.bill_id}, headers=headers)
    assert kept.status_code == removed.status_code == 201
    assert scenario.client.delete(f"/api/webhooks/{removed.get_json()['id']}", headers=headers).status_code == 204
    with db.write() as session:
        before = projections.snapshot(session)
        projections.rebuild(session)
        after = projections.snapshot(session)
    assert len(before["webhooks"]) == 2
    assert after == before
