"""Search ranks and filters on both databases, sees visible comments only, and follows the log."""

from __future__ import annotations

from typing import Any

from server.services import accounts, drafting, search
from server.store.db import Database
from tests.server.opendata.conftest import DUTY, HIDDEN_WORDS, REGISTER, Scenario, import_bill


def find(scenario: Scenario, query: str, **filters: Any) -> list[dict[str, Any]]:
    response = scenario.client.get("/api/search", query_string={"q": query, **filters})
    assert response.status_code == 200, response.get_json()
    results: list[dict[str, Any]] = response.get_json()["results"]
    return results


def test_heading_match_outranks_text_mentions(scenario: Scenario) -> None:
    results = find(scenario, "register", type="provision", bill=scenario.bill_id)
    assert results, "the word is in the bill"
    assert results[0]["eid"] == REGISTER
    assert results[0]["title"].endswith("Register")
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(r["kind"] == "provision" for r in results)


def test_working_text_and_published_versions_are_both_searched(scenario: Scenario) -> None:
    versions = {r["version"] for r in find(scenario, "register", type="provision") if r["eid"] == REGISTER}
    assert versions == {None, 1}


def test_type_filter_returns_only_that_kind(scenario: Scenario) -> None:
    amendments = find(scenario, "ninety days", type="amendment")
    assert [(r["kind"], r["id"]) for r in amendments] == [("amendment", scenario.amendment_id)]
    assert find(scenario, "ninety", type="bill") == []


def test_bill_filter_keeps_other_bills_out(scenario: Scenario) -> None:
    other = import_bill(scenario.client, scenario.users, "8", "Register of Lobbyists Bill, 2026")
    everywhere = {r["bill_id"] for r in find(scenario, "register")}
    assert everywhere == {scenario.bill_id, other}
    only_other = find(scenario, "register", bill=other)
    assert only_other and {r["bill_id"] for r in only_other} == {other}
    assert find(scenario, "lobbyists", type="bill")[0]["bill_id"] == other


def test_visible_comments_are_found_hidden_ones_are_not(scenario: Scenario) -> None:
    found = find(scenario, "rural hearings", type="comment")
    assert [r["id"] for r in found] == [scenario.visible_comment]
    assert find(scenario, HIDDEN_WORDS.split()[0]) == []


def test_an_edit_is_searchable_at_the_next_query(scenario: Scenario, db: Database) -> None:
    assert find(scenario, "quinquennial") == []
    text = scenario.client.get(f"/api/bills/{scenario.bill_id}/provisions/{REGISTER}").get_json()
    from diff_match_patch import diff_match_patch

    engine = diff_match_patch()
    patch = engine.patch_toText(engine.patch_make(text["text"], text["text"] + " It is audited quinquennial."))
    with db.write() as session:
        principal = accounts.principal_for_user_id(session, scenario.users.ids["drafter"])
        drafting.edit_provision(session, principal, bill_id=scenario.bill_id, eid=REGISTER, rev=text["rev"],
                                patch=patch, op_id="op-search-1", max_chars=100_000)
    results = find(scenario, "quinquennial")
    assert [(r["eid"], r.get("version")) for r in results] == [(REGISTER, None)]


def test_catch_up_only_reindexes_what_changed(scenario: Scenario, db: Database) -> None:
    find(scenario, "register")
    with db.write() as session:
        assert search.catch_up(session) == 0
        entries = search.entry_count(session)
    import_bill(scenario.client, scenario.users, "9", "Third Bill, 2026")
    with db.write() as session:
        assert search.catch_up(session) == 1
        assert search.entry_count(session) > entries


def test_query_language_is_words_only(scenario: Scenario) -> None:
    # FTS5 and tsquery operators are data, not syntax: no 500, no surprise matches.
    assert find(scenario, 'register" OR "x* NEAR(') == []  # every word must match; OR and NEAR are words
    assert find(scenario, '"register*" -:') == find(scenario, "register")
    response = scenario.client.get("/api/search", query_string={"q": "  ...  "})
    assert response.status_code == 400
    unknown = scenario.client.get("/api/search", query_string={"q": "x", "type": "nope"})
    assert unknown.status_code == 422
    assert [f["field"] for f in unknown.get_json()["error"]["fields"]] == ["query.type"]


def test_duty_provision_found_by_its_words(scenario: Scenario) -> None:
    assert any(r["eid"] == DUTY for r in find(scenario, "consultation within thirty", type="provision"))
