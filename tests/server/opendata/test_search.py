"""Search ranks and filters on both databases, sees visible comments only, and follows the log."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy.orm import Session

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


def test_a_query_of_more_words_than_the_cap_is_refused_rather_than_cut_short(scenario: Scenario) -> None:
    # Cut short, the words past the cap would silently stop having to match.
    words = [f"w{i}" for i in range(search.MAX_QUERY_WORDS)]
    assert scenario.client.get("/api/search", query_string={"q": " ".join(words)}).status_code == 200
    refused = scenario.client.get("/api/search", query_string={"q": " ".join([*words, "register"])})
    assert refused.status_code == 422, refused.get_json()
    assert [f["field"] for f in refused.get_json()["error"]["fields"]] == ["query.q"]
    assert find(scenario, "register " * 40) == find(scenario, "register")  # a repeated word counts once


def test_pages_neither_repeat_nor_skip_results_when_the_bill_is_reindexed_between_them(scenario: Scenario) -> None:
    # The working text and version 1 of an unchanged provision score the same: their order must not depend on
    # row ids, which re-indexing the bill (here for an endorsement) renews.
    everything = [(r["eid"], r["version"]) for r in find(scenario, "register", type="provision", limit=100)]
    assert len(everything) == len(set(everything)) >= 2
    paged = []
    for offset in range(len(everything)):
        paged += [(r["eid"], r["version"]) for r in find(scenario, "register", type="provision", limit=1,
                                                         offset=offset)]
        if offset == 0:
            endorsed = scenario.call("POST", f"/api/comments/{scenario.visible_comment}/endorsements", "citizen2")
            assert endorsed.status_code == 201, endorsed.get_json()
    assert paged == everything


def test_a_search_with_nothing_new_to_index_takes_no_write_lock(
    scenario: Scenario, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    find(scenario, "register")  # catches up
    writes: list[int] = []
    real_write = db.write

    def counting_write() -> AbstractContextManager[Session]:
        writes.append(1)
        return real_write()

    monkeypatch.setattr(db, "write", counting_write)
    find(scenario, "register")
    assert writes == [], "an anonymous search queued behind the writers for nothing"
    import_bill(scenario.client, scenario.users, "8", "Register of Lobbyists Bill, 2026")
    writes.clear()
    assert find(scenario, "lobbyists", type="bill")  # something new: the index catches up first
    assert writes == [1]


def test_markup_is_neither_searched_nor_shown(scenario: Scenario) -> None:
    # The duty provision reads "The {{term{refersTo #term-clerk} clerk}} shall open ..." in markup.
    for markup_word in ("refersto", "term", "def"):
        assert find(scenario, markup_word) == [], markup_word
    duty = [r for r in find(scenario, "shall open consultation") if r["eid"] == DUTY]
    assert {(r["kind"], r.get("version")) for r in duty} == {("provision", None), ("provision", 1), ("amendment", None)}
    assert {r["excerpt"].splitlines()[0] for r in duty} == {
        "The clerk shall open a consultation within thirty days.",
        "The clerk shall open a consultation within ninety days.",
    }
