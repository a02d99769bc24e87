"""A comment held for a clerk is its author's to find again, and no one else's to see: in the list of a provision's
comments it comes back to its author alone, with its words and until when it may be withdrawn."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.server.consultation.conftest import DURATION, REGISTER, Api

ABUSE = "The committee are a bunch of idiots who never read anything."


def _listing(api: Api, bill: int, who: str | None, query: str = "") -> dict[str, Any]:
    response = api.get(f"/api/bills/{bill}/comments{query}", who=who)
    assert response.status_code == 200, response.get_json()
    listing: dict[str, Any] = response.get_json()
    return listing


def _held_over_all_pages(api: Api, bill: int, who: str, query: str) -> list[int]:
    """The ids of the held comments the author is shown, page after page, as the panel reads them."""
    ids: list[int] = []
    cursor = ""
    while True:
        listing = _listing(api, bill, who, query + cursor)
        ids += [held["id"] for held in listing["held"]]
        if listing["next"] is None:
            return ids
        cursor = f"&cursor={listing['next']}"


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.removesuffix("Z"))


def test_a_held_comment_is_listed_to_its_author_with_its_words_and_to_no_one_else(api: Api, consulted: int) -> None:
    visible = api.comment("citizen2", consulted, DURATION, "Thirty days is too short for rural counties.").get_json()
    held = api.comment("citizen", consulted, DURATION, ABUSE, quote="thirty days").get_json()
    assert held["state"] == "held"

    own = _listing(api, consulted, "citizen", f"?eid={DURATION}")
    assert [c["id"] for c in own["comments"]] == [visible["id"]]
    assert len(own["held"]) == 1
    shown = own["held"][0]
    assert {key: shown[key] for key in ("id", "eid", "reply_to", "quote", "body", "edited_at", "disowned")} == {
        "id": held["id"], "eid": DURATION, "reply_to": None, "quote": "thirty days", "body": ABUSE,
        "edited_at": None, "disowned": False}
    assert shown["created_at"] == held["created_at"]
    # Withdrawing it is possible for as long as any comment of hers may be changed (15 minutes by default).
    assert _time(shown["editable_until"]) - _time(shown["created_at"]) == timedelta(minutes=15)

    # Not on another provision's thread.
    assert _listing(api, consulted, "citizen", f"?eid={REGISTER}")["held"] == []
    # Nobody else learns of it, not even that there is one: other citizens, readers without an account, clerks
    # reading the public list (they read held comments in the queue, or with state=held).
    for who in ("citizen2", None, "clerk"):
        listing = _listing(api, consulted, who, f"?eid={DURATION}")
        assert listing["held"] == [] and listing["hidden"] == []
        assert [c["id"] for c in listing["comments"]] == [visible["id"]]
        assert "idiots" not in str(listing)
    counts = api.get(f"/api/bills/{consulted}/comments/counts").get_json()
    assert counts["totals"]["comments"] == 1
    # Listing one's held comments outright holds them already: not a second time beside them.
    asked = _listing(api, consulted, "citizen", f"?state=held&author={api.users.ids['citizen']}")
    assert [c["id"] for c in asked["comments"]] == [held["id"]] and asked["held"] == []


def test_each_held_comment_comes_on_exactly_one_page_of_the_list(api: Api, consulted: int) -> None:
    first = api.comment("citizen2", consulted, DURATION, "The period should count working days only.").get_json()
    held_early = api.comment("citizen", consulted, DURATION, ABUSE).get_json()
    second = api.comment("citizen3", consulted, DURATION, "Publish the register online as well.").get_json()
    held_late = api.comment("citizen", consulted, DURATION, "Only morons would sign this.").get_json()
    assert first["id"] < held_early["id"] < second["id"] < held_late["id"]
    assert _held_over_all_pages(api, consulted, "citizen", "?limit=1") == [held_early["id"], held_late["id"]]


def test_a_withdrawn_held_comment_is_gone_from_its_authors_list(api: Api, consulted: int) -> None:
    held = api.comment("citizen", consulted, DURATION, ABUSE).get_json()
    assert [c["id"] for c in _listing(api, consulted, "citizen")["held"]] == [held["id"]]
    assert api.delete("citizen", f"/api/comments/{held['id']}").status_code == 204
    assert _listing(api, consulted, "citizen")["held"] == []


def test_a_comment_reported_as_not_theirs_is_shown_to_the_account_holder_as_reported(api: Api,
                                                                                    consulted: int) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Scrap the whole bill!").get_json()
    assert api.post("citizen", f"/api/comments/{comment['id']}/not-mine").status_code == 200
    own = _listing(api, consulted, "citizen")
    assert own["comments"] == []
    assert [(c["id"], c["disowned"]) for c in own["held"]] == [(comment["id"], True)]
    assert _listing(api, consulted, "citizen2")["held"] == []
