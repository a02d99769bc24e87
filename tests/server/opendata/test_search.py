"""Search ranks and filters on both databases, sees visible comments only, and follows the log."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from server.services import accounts, drafting, search, structure
from server.store.db import Database
from server.store.opendata_models import SearchCursor, SearchEntry
from tests.server.opendata.conftest import DUTY, HIDDEN_WORDS, REGISTER, VISIBLE_WORDS, Scenario, import_bill


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


def test_pages_neither_repeat_nor_skip_results_when_the_bill_is_reindexed_between_them(
    scenario: Scenario, db: Database
) -> None:
    # The working text and version 1 of an unchanged provision score the same: their order must not depend on
    # row ids, which re-indexing renews (here the index is emptied, as migration d8f4 does, and rebuilt).
    everything = [(r["eid"], r["version"]) for r in find(scenario, "register", type="provision", limit=100)]
    assert len(everything) == len(set(everything)) >= 2
    paged = []
    for offset in range(len(everything)):
        paged += [(r["eid"], r["version"]) for r in find(scenario, "register", type="provision", limit=1,
                                                         offset=offset)]
        if offset == 0:
            with db.write() as session:
                session.execute(delete(SearchEntry))
                session.execute(delete(SearchCursor))
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


# --- catching up event by event --------------------------------------------------------------------------------

Row = tuple[str, int, int, str | None, str, str]


def index_rows(db: Database) -> list[Row]:
    with db.read() as session:
        rows = session.execute(select(SearchEntry.kind, SearchEntry.bill_id, SearchEntry.ref, SearchEntry.eid,
                                      SearchEntry.title, SearchEntry.body))
        return sorted((r.kind, r.bill_id, r.ref, r.eid, r.title, r.body) for r in rows)


class _Discard(Exception):
    pass


def afresh(db: Database) -> list[Row]:
    """The entries indexing everything from scratch gives (in a transaction rolled back: the index is kept)."""
    rows: list[Row] = []
    try:
        with db.write() as session:
            session.execute(delete(SearchEntry))
            session.execute(delete(SearchCursor))
            search.catch_up(session)  # from the first event: every bill indexed whole
            rows = sorted(tuple(r) for r in session.execute(  # type: ignore[misc]
                select(SearchEntry.kind, SearchEntry.bill_id, SearchEntry.ref, SearchEntry.eid, SearchEntry.title,
                       SearchEntry.body)))
            raise _Discard
    except _Discard:
        return rows


def caught_up(db: Database) -> None:
    """Catch up with the events since the last call, and check the result is what a rebuild gives."""
    with db.write() as session:
        search.catch_up(session)
        if db.dialect == "sqlite":
            # The FTS index must hold exactly what the entries hold, whatever the catch-up updated or deleted.
            session.execute(text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"))
    # Checked after every step: a later event that refreshes more (a consolidation rewrites the working text)
    # would otherwise hide what an earlier one left stale.
    assert index_rows(db) == afresh(db)


def test_catching_up_event_by_event_equals_indexing_everything_afresh(scenario: Scenario, db: Database) -> None:
    bill = scenario.bill_id
    drafter = scenario.users.ids["drafter"]
    ok = {200, 201, 204}

    def principal(session: Session) -> Any:
        return accounts.principal_for_user_id(session, drafter)

    def call(method: str, path: str, who: str, **body: Any) -> dict[str, Any]:
        response = scenario.call(method, path, who, json=body if method != "DELETE" else None)
        assert response.status_code in ok, (path, response.get_json())
        reply: dict[str, Any] = response.get_json() if response.status_code != 204 else {}
        caught_up(db)
        return reply

    def edit(eid: str, added: str) -> None:
        current = scenario.client.get(f"/api/bills/{bill}/provisions/{eid}").get_json()
        patch = _patch(current["text"], current["text"] + added)
        with db.write() as session:
            drafting.edit_provision(session, principal(session), bill_id=bill, eid=eid, rev=current["rev"],
                                    patch=patch, op_id=f"op-{eid}-{len(added)}", max_chars=100_000)
        caught_up(db)

    def restructure(change: Any, **arguments: Any) -> Any:
        with db.write() as session:
            outcome = change(session, principal(session), bill, **arguments)
        caught_up(db)
        return outcome

    caught_up(db)
    # Drafting: an edit, structure changes with and without renamed eIds, then a publication.
    edit(REGISTER, " It is audited yearly.")
    restructure(structure.insert_provision, ref_eid=REGISTER, position="after", name="section", num="5",
                heading="Audit", text="The auditor shall audit the {{term{refersTo #term-clerk} clerk}}.")
    restructure(structure.retitle_provision, eid=REGISTER, heading="Register of consultations")
    renamed = restructure(structure.retitle_provision, eid="part_2__sec_5", num="6")
    assert renamed.renames, "a new number renames the provision's eId"
    edit("part_2__sec_6", " Quinquennially.")
    restructure(structure.move_provision, eid="part_2__sec_6", ref_eid=REGISTER, position="before")
    deleted = restructure(structure.delete_provision, eid="part_1__sec_2")
    call("POST", f"/api/bills/{bill}/versions", "drafter", source="working")
    # Consultation: comments through every change of state.
    post = f"/api/bills/{bill}/comments"
    kept = call("POST", post, "citizen", eid=DUTY, body="Publish the notice in local newspapers too")["id"]
    call("PATCH", f"/api/comments/{kept}", "citizen", body="Publish the notice in regional newspapers too")
    call("POST", f"/api/comments/{kept}/endorsements", "citizen2")
    call("POST", f"/api/comments/{kept}/flags", "citizen2", reason="spam")
    held = call("POST", post, "citizen2", eid=DUTY, body="Hearings belong in every county town")["id"]
    call("PATCH", f"/api/comments/{held}", "citizen2", body="The drafters are total 1D10TS, every one of them.")
    call("POST", f"/api/comments/{held}/moderation", "clerk", action="restore", reason="strong, not abusive")
    call("POST", f"/api/comments/{scenario.visible_comment}/moderation", "clerk", action="hide", reason="dup")
    call("POST", f"/api/comments/{scenario.hidden_comment}/moderation", "clerk", action="restore", reason="ok")
    disowned = call("POST", post, "citizen", eid=DUTY, body="Someone wrote this about ferries")["id"]
    call("POST", f"/api/comments/{disowned}/not-mine", "citizen")
    withdrawn = call("POST", post, "citizen", eid=DUTY, body="Withdrawn remark about lighthouses")["id"]
    call("DELETE", f"/api/comments/{withdrawn}", "citizen")
    # Amendments: drafted, through the procedure, adopted and consolidated into a new version.
    text_now = scenario.client.get(f"/api/bills/{bill}/provisions/{DUTY}").get_json()["text"]
    adopted = call("POST", f"/api/bills/{bill}/amendments", "mp", eid=DUTY,
                   text=text_now.replace("thirty days", "sixty days"), justification="Sixty is a compromise.")["id"]
    call("POST", f"/api/bills/{bill}/amendment-window", "clerk", open=True)
    call("POST", f"/api/amendments/{adopted}/transitions", "mp", to="tabled")
    call("POST", f"/api/amendments/{adopted}/transitions", "clerk", to="admissible")
    call("POST", f"/api/amendments/{adopted}/transitions", "clerk", to="adopted",
         votes={"for": 120, "against": 40, "abstentions": 3})
    call("POST", f"/api/bills/{bill}/versions", "clerk", source="amendments")
    edit(DUTY, " Notice is published.")

    incremental = index_rows(db)
    words = {row[5] for row in incremental}
    for shown in ("regional newspapers", "1D10TS", HIDDEN_WORDS, "sixty days", "Notice is published"):
        assert any(shown in body for body in words), shown  # the restored held comment is visible again
    for gone in (VISIBLE_WORDS, "local newspapers", "lighthouses", "ferries"):
        assert not any(gone in body for body in words), gone
    assert {r[2] for r in incremental if r[0] == "provision"} == {0, 1, 2, 3}
    assert deleted.renames == {} and not any(r[3] == "part_1__sec_2" and r[2] == 0 for r in incremental)
    with db.write() as session:
        session.execute(delete(SearchEntry))
        session.execute(delete(SearchCursor))
    caught_up(db)  # from the first event: every bill indexed from scratch
    assert index_rows(db) == incremental


def _patch(old: str, new: str) -> str:
    from diff_match_patch import diff_match_patch

    engine = diff_match_patch()
    patch: str = engine.patch_toText(engine.patch_make(old, new))
    return patch


def test_an_endorsement_writes_nothing_to_the_index(scenario: Scenario, db: Database) -> None:
    find(scenario, "register")  # caught up
    endorsed = scenario.call("POST", f"/api/comments/{scenario.visible_comment}/endorsements", "citizen2")
    assert endorsed.status_code == 201, endorsed.get_json()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.write() as session:
            assert search.behind(session)
            assert search.catch_up(session) == 0  # no bill had anything searchable change
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", record)
    writes = [s for s in statements if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", s, re.I) and "search_entries" in s]
    assert writes == [], writes
    assert not any("FROM provisions" in s or "FROM comments" in s for s in statements), "the bill was re-read"
    with db.read() as session:
        assert not search.behind(session)  # the cursor moved past the endorsement
