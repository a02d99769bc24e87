"""Previewing an amendment's wording stores nothing and answers exactly what proposing it would."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.server.amendments.conftest import SUBSEC_1_2, Amending


def _preview(amending: Amending, as_user: str = "mp", expect: int = 200, **body: Any) -> dict[str, Any]:
    response = amending.client.post(f"/api/bills/{amending.bill_id}/amendments/preview", json=body,
                                    headers=amending.users.headers(as_user))
    assert response.status_code == expect, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _events(client: FlaskClient, bill_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get(f"/api/bills/{bill_id}/events").get_json()["events"]
    return events


def test_a_preview_gives_the_wording_proposing_would_and_stores_nothing(amending: Amending,
                                                                        client: FlaskClient) -> None:
    text = amending.text_of(SUBSEC_1_2).replace("thirty", "sixty", 1)
    events_before = _events(client, amending.bill_id)
    previewed = _preview(amending, eid=SUBSEC_1_2, text=text)
    assert previewed["instruction"] == 'In section 1(2), leave out "thirty" and insert "sixty".'
    assert previewed["citation"] == "section 1(2)"
    assert previewed["conflicts_with"] == []
    assert previewed["base_version"] == 1
    assert "id" not in previewed and "number" not in previewed
    # Nothing was drafted: no amendment, no event.
    listed = client.get(f"/api/bills/{amending.bill_id}/amendments").get_json()["amendments"]
    assert listed == []
    assert _events(client, amending.bill_id) == events_before
    created = amending.propose(eid=SUBSEC_1_2, text=text)
    assert created["instruction"] == previewed["instruction"]


def test_a_preview_names_the_amendments_it_would_conflict_with(amending: Amending) -> None:
    first = amending.replace(SUBSEC_1_2, "thirty", "sixty")
    text = amending.text_of(SUBSEC_1_2).replace("thirty", "ninety", 1)
    # Another member's draft is not named: to mp2 it does not exist until it is tabled.
    assert _preview(amending, "mp2", eid=SUBSEC_1_2, text=text)["conflicts_with"] == []
    assert _preview(amending, "mp", eid=SUBSEC_1_2, text=text)["conflicts_with"] == [first["id"]]
    amending.move(first["id"], "tabled", "mp")
    previewed = _preview(amending, "mp2", eid=SUBSEC_1_2, text=text)
    assert previewed["conflicts_with"] == [first["id"]]
    assert previewed["defeated_by"] is None
    amending.move(first["id"], "admissible", "clerk")
    amending.move(first["id"], "adopted", "clerk", votes={"for": 120, "against": 40, "abstentions": 3})
    assert _preview(amending, "mp2", eid=SUBSEC_1_2, text=text)["defeated_by"] == first["id"]


def test_a_preview_is_refused_as_proposing_would_be(amending: Amending) -> None:
    unchanged = _preview(amending, eid=SUBSEC_1_2, text=amending.text_of(SUBSEC_1_2), expect=422)
    assert unchanged["error"]["code"] == "validation_failed"
    missing = _preview(amending, eid="part_9__sec_99", text="x", expect=404)
    assert missing["error"]["code"] == "not_found"
    for user in ("citizen", "drafter", "clerk"):
        assert _preview(amending, user, eid=SUBSEC_1_2, text="x", expect=403)["error"]["code"] == "forbidden"
    response = amending.client.post(f"/api/bills/{amending.bill_id}/amendments/preview",
                                    json={"eid": SUBSEC_1_2, "text": "x"})
    assert response.status_code == 401
    no_text = _preview(amending, eid=SUBSEC_1_2, expect=422)["error"]
    assert [f["field"] for f in no_text["fields"]] == ["body.text"]
