"""Consultation windows, comments on provisions, quotes, threads, endorsements, edits and deletions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from server.domain.citation import citation_of_eid
from server.store import eventlog
from server.store.consultation_models import Consultation
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, REGISTER, SHORT_TITLE, Api, app_with, import_bill


def test_only_a_clerk_opens_a_consultation_on_the_current_version(api: Api, bill: int) -> None:
    assert api.post("citizen", f"/api/bills/{bill}/consultations", {
        "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2026-02-01T00:00:00Z"}).status_code == 403
    bad = api.open(bill, opens=timedelta(days=2), closes=timedelta(days=1))
    assert bad.status_code == 422
    assert "must close after it opens" in bad.get_json()["error"]["message"]
    assert [f["field"] for f in bad.get_json()["error"]["fields"]] == ["body.closes_at"]
    opened = api.open(bill, questions=["Is thirty days enough?"])
    assert opened.status_code == 201
    body = opened.get_json()
    assert body["version"] == 1 and body["state"] == "open" and body["questions"] == ["Is thirty days enough?"]
    assert body["expression_uri"].startswith("/akn/ke/bill/")
    overlapping = api.open(bill, opens=timedelta(days=1), closes=timedelta(days=40))
    assert overlapping.status_code == 409
    assert overlapping.get_json()["error"]["code"] == "consultation_overlap"
    # The consultation it overlaps, by its id for clients and by its dates for the clerk.
    assert overlapping.get_json()["error"]["consultation_id"] == body["id"]
    assert " UTC, and a bill's consultations may not overlap" in overlapping.get_json()["error"]["message"]
    listed = api.get(f"/api/bills/{bill}/consultations").get_json()["consultations"]
    assert [c["id"] for c in listed] == [body["id"]]


def counts(db: Database) -> tuple[int, int]:
    """How many events the log holds, and how many consultations."""
    with db.read() as session:
        return (session.scalar(select(func.count()).select_from(EventRecord)) or 0,
                session.scalar(select(func.count()).select_from(Consultation)) or 0)


def test_a_consultation_that_would_already_be_closed_is_refused_and_nothing_is_written(
    api: Api, bill: int, db: Database
) -> None:
    before = counts(db)
    # The year mistyped: the window as typed ended eleven months ago.
    refused = api.open(bill, opens=timedelta(days=-365), closes=timedelta(days=-335))
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "must close in the future" in error["message"] and "closes_at" not in error["message"]
    assert error["fields"] == [{"field": "body.closes_at", "message": error["message"]}]
    # Closing at the very moment of opening leaves nobody the time to comment either.
    at_once = api.open(bill, opens=timedelta(hours=-1), closes=timedelta(0))
    assert at_once.status_code == 422
    assert [f["field"] for f in at_once.get_json()["error"]["fields"]] == ["body.closes_at"]
    assert counts(db) == before
    assert api.get(f"/api/bills/{bill}/consultations").get_json()["consultations"] == []


def test_a_consultation_may_open_in_the_past_if_it_closes_in_the_future(api: Api, bill: int) -> None:
    opened = api.open(bill, opens=timedelta(days=-20), closes=timedelta(minutes=10))
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["state"] == "open"
    assert api.comment("citizen", bill, SHORT_TITLE, "Just in time.").status_code == 201


def test_comments_are_refused_outside_the_window_with_a_clear_message(
    api: Api, bill: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    none_yet = api.comment("citizen", bill, SHORT_TITLE, "Good title.")
    assert none_yet.status_code == 409
    assert "no public consultation" in none_yet.get_json()["error"]["message"]

    # A window cannot be opened already closed: open one, then let two days pass.
    assert api.open(bill, opens=timedelta(days=-3), closes=timedelta(hours=1)).status_code == 201
    real = eventlog.utcnow
    monkeypatch.setattr(eventlog, "utcnow", lambda: real() + timedelta(days=2))
    closed = api.comment("citizen", bill, SHORT_TITLE, "Too late?")
    assert closed.status_code == 409
    assert closed.get_json()["error"] == {
        "code": "consultation_closed", "message": closed.get_json()["error"]["message"]}
    assert "closed at" in closed.get_json()["error"]["message"]

    assert api.open(bill, opens=timedelta(days=1), closes=timedelta(days=9)).status_code == 201
    upcoming = api.comment("citizen", bill, SHORT_TITLE, "Too early?")
    assert upcoming.status_code == 409
    assert "opens at" in upcoming.get_json()["error"]["message"]
    assert api.comments(bill) == []


def _as_the_pages_write_it(iso_time: str) -> str:
    return datetime.fromisoformat(iso_time.removesuffix("Z")).strftime("%Y-%m-%d %H:%M UTC")


def test_window_refusals_give_times_as_the_pages_do(api: Api, bill: int, monkeypatch: pytest.MonkeyPatch) -> None:
    upcoming = api.open(bill, opens=timedelta(days=1), closes=timedelta(days=9)).get_json()
    early = api.comment("citizen", bill, SHORT_TITLE, "Too early?").get_json()["error"]["message"]
    assert f"opens at {_as_the_pages_write_it(upcoming['opens_at'])};" in early, early

    real = eventlog.utcnow
    monkeypatch.setattr(eventlog, "utcnow", lambda: real() + timedelta(days=10))
    closes = _as_the_pages_write_it(upcoming["closes_at"])
    late = api.comment("citizen", bill, SHORT_TITLE, "Too late?").get_json()["error"]["message"]
    assert f"closed at {closes};" in late, late
    french = api.client.post(f"/api/bills/{bill}/comments", json={"eid": SHORT_TITLE, "body": "Trop tard ?"},
                             headers={**api.users.headers("citizen"), "Accept-Language": "fr"})
    assert f"a pris fin à {closes} ;" in french.get_json()["error"]["message"]


def test_a_comment_is_anchored_to_its_provision_and_listed_publicly(api: Api, consulted: int) -> None:
    posted = api.comment("citizen", consulted, DURATION, "Thirty days is too short for rural areas.",
                         quote="not less than thirty days")
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert body["eid"] == DURATION and body["wid"] == DURATION and body["version"] == 1
    assert body["state"] == "visible"
    listed = api.comments(consulted)
    assert [c["id"] for c in listed] == [body["id"]]
    first = listed[0]
    assert first["body"] == "Thirty days is too short for rural areas."
    assert first["author"]["id"] == api.users.ids["citizen"]
    assert first["quote"] == "not less than thirty days" and first["outdated"] is False
    assert first["created_at"].endswith("Z")
    assert api.comments(consulted, eid=DURATION) == listed
    assert api.comments(consulted, eid=REGISTER) == []


def test_only_citizens_comment_on_provisions_that_exist(api: Api, consulted: int) -> None:
    assert api.comment("drafter", consulted, SHORT_TITLE, "I drafted this.").status_code == 403
    assert api.post(None, f"/api/bills/{consulted}/comments", {"eid": SHORT_TITLE, "body": "x"}).status_code == 401
    missing = api.comment("citizen", consulted, "part_9__sec_99", "Where is this?")
    assert missing.status_code == 404
    blank = api.comment("citizen", consulted, SHORT_TITLE, "   ")
    assert blank.status_code == 422
    assert [f["field"] for f in blank.get_json()["error"]["fields"]] == ["body.body"], blank.get_json()
    assert api.comment("citizen", consulted, SHORT_TITLE, "x" * 10_001).status_code == 413


def test_a_quote_must_occur_in_the_provision(api: Api, consulted: int) -> None:
    wrong = api.comment("citizen", consulted, DURATION, "Hmm.", quote="not less than sixty days")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["code"] == "quote_not_found"
    # Named as the page names it, not by its eId.
    assert wrong.get_json()["error"]["message"].startswith(
        f"the quoted words do not occur in the text of {citation_of_eid(DURATION)}:"), wrong.get_json()
    assert DURATION not in wrong.get_json()["error"]["message"]
    elsewhere = api.comment("citizen", consulted, SHORT_TITLE, "Hmm.", quote="not less than thirty days")
    assert elsewhere.status_code == 422
    # Spacing and typographic quotes do not matter; the words do.
    assert api.comment("citizen", consulted, "part_1__sec_2__para_b", "Any person?",
                       quote="\u201cparticipant\u201d  means any\nperson").status_code == 201


def test_replies_form_threads_on_the_same_provision(api: Api, consulted: int) -> None:
    root = api.comment("citizen", consulted, DURATION, "Thirty days is too short.").get_json()
    reply = api.post("citizen2", f"/api/bills/{consulted}/comments", {"body": "I disagree.", "reply_to": root["id"]})
    assert reply.status_code == 201
    assert reply.get_json()["reply_to"] == root["id"] and reply.get_json()["eid"] == DURATION
    elsewhere = api.comment("citizen3", consulted, SHORT_TITLE, "Off topic reply", reply_to=root["id"])
    assert elsewhere.status_code == 422
    assert api.comment("citizen3", consulted, DURATION, "To nothing", reply_to=999).status_code == 404
    listed = api.comments(consulted, eid=DURATION)
    assert [(c["id"], c["reply_to"]) for c in listed] == [(root["id"], None), (reply.get_json()["id"], root["id"])]


def test_a_citizen_endorses_another_comment_once(api: Api, consulted: int) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Make it sixty days.").get_json()
    path = f"/api/comments/{comment['id']}/endorsements"
    assert api.post("citizen", path).status_code == 403, "not one's own"
    first = api.post("citizen2", path)
    assert first.status_code == 201 and first.get_json()["endorsements"] == 1
    again = api.post("citizen2", path)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_done"
    assert api.post("citizen3", path).get_json()["endorsements"] == 2
    assert api.comments(consulted)[0]["endorsements"] == 2


def test_the_list_tells_a_signed_in_citizen_which_comments_they_endorsed_in_one_query(
        db: Database, api: Api, consulted: int) -> None:
    ids = [api.comment("citizen", consulted, DURATION, f"Make it {days} days.").get_json()["id"]
           for days in ("sixty", "ninety", "forty")]
    for comment_id in ids[:2]:
        assert api.post("citizen2", f"/api/comments/{comment_id}/endorsements").status_code == 201
    path = f"/api/bills/{consulted}/comments"
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        if "comment_endorsements" in statement:
            statements.append(statement)

    # Reads go through the read engine (a separate one on SQLite).
    event.listen(db.read_engine, "before_cursor_execute", remember)
    try:
        mine = api.get(path, "citizen2").get_json()["comments"]
    finally:
        event.remove(db.read_engine, "before_cursor_execute", remember)
    assert {c["id"]: c["endorsed"] for c in mine} == {ids[0]: True, ids[1]: True, ids[2]: False}
    assert len(statements) == 1, "one query for the page, not one per comment"
    # Another citizen's list speaks of their own endorsements; a reader without an account gets no flag.
    assert {c["endorsed"] for c in api.get(path, "citizen3").get_json()["comments"]} == {False}
    assert all("endorsed" not in c for c in api.get(path).get_json()["comments"])


def test_the_list_tells_an_account_what_it_reported_and_until_when_its_own_may_be_changed(
        api: Api, consulted: int) -> None:
    from datetime import datetime, timedelta

    mine = api.comment("citizen", consulted, DURATION, "Sixty days, please.").get_json()
    theirs = api.comment("citizen2", consulted, DURATION, "Ninety days, please.").get_json()
    assert api.post("citizen", f"/api/comments/{theirs['id']}/flags", {"reason": "spam"}).status_code == 201
    path = f"/api/bills/{consulted}/comments"
    listed = {c["id"]: c for c in api.get(path, "citizen").get_json()["comments"]}
    assert (listed[mine["id"]]["flagged"], listed[theirs["id"]]["flagged"]) == (False, True)
    # The window a client offers changes in, from the server's clock: 15 minutes after posting by default.
    until = datetime.fromisoformat(listed[mine["id"]]["editable_until"].removesuffix("Z"))
    posted = datetime.fromisoformat(listed[mine["id"]]["created_at"].removesuffix("Z"))
    assert until - posted == timedelta(minutes=15)
    assert "editable_until" not in listed[theirs["id"]]
    # Another account's list speaks of its own reports; a reader without an account gets neither.
    other = {c["id"]: c for c in api.get(path, "clerk").get_json()["comments"]}
    assert {c["flagged"] for c in other.values()} == {False} and all("editable_until" not in c for c in other.values())
    assert all("flagged" not in c and "editable_until" not in c for c in api.get(path).get_json()["comments"])


def test_authors_edit_and_delete_their_own_comments(api: Api, consulted: int) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Thirty dayz is short.").get_json()
    path = f"/api/comments/{comment['id']}"
    assert api.patch("citizen2", path, {"body": "hijacked"}).status_code == 403
    edited = api.patch("citizen", path, {"body": "Thirty days is short."})
    assert edited.status_code == 200 and edited.get_json()["edited_at"]
    assert api.comments(consulted)[0]["body"] == "Thirty days is short."
    # Its quote anchors it: asked to change, the edit is refused as a whole rather than half made.
    requoted = api.patch("citizen", path, {"body": "Sixty days.", "quote": "thirty days"})
    assert requoted.status_code == 422
    assert [f["field"] for f in requoted.get_json()["error"]["fields"]] == ["body.quote"]
    assert api.comments(consulted)[0]["body"] == "Thirty days is short."
    # Sent back unchanged with a new body, as a client holding the whole comment does, it is let be.
    quoted = api.comment("citizen", consulted, DURATION, "Too short.", quote="not less than thirty days").get_json()
    kept = api.patch("citizen", f"/api/comments/{quoted['id']}",
                     {"body": "Far too short.", "quote": "not less than thirty days"})
    assert kept.status_code == 200 and kept.get_json()["quote"] == "not less than thirty days", kept.get_json()
    assert api.delete("citizen", f"/api/comments/{quoted['id']}").status_code == 204
    assert api.delete("citizen2", path).status_code == 403
    assert api.delete("citizen", path).status_code == 204
    assert api.comments(consulted) == []
    assert api.delete("citizen", path).status_code == 404


def test_an_answered_comment_cannot_be_withdrawn_or_edited(api: Api, consulted: int) -> None:
    """What the institution answered stays on the record with its answer, its own or its campaign's."""
    asked = api.comment("citizen", consulted, DURATION, "Why only thirty days?").get_json()
    assert api.post("clerk", f"/api/comments/{asked['id']}/answers",
                    {"body": "Sixty days now.", "fate": "taken_up"}).status_code == 201
    refused = api.delete("citizen", f"/api/comments/{asked['id']}")
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "comment_answered"
    assert "answered" in refused.get_json()["error"]["message"]
    # Nor edited: the answer responds to its words.
    rewritten = api.patch("citizen", f"/api/comments/{asked['id']}", {"body": "Thirty days is fine."})
    assert rewritten.status_code == 409, rewritten.get_json()
    assert rewritten.get_json()["error"]["code"] == "comment_answered"
    assert "edited" in rewritten.get_json()["error"]["message"]
    # The list shows it with its answer: the page offers its author no withdrawal then.
    [kept] = api.comments(consulted)
    assert kept["id"] == asked["id"] and [a["body"] for a in kept["answers"]] == ["Sixty days now."]
    assert kept["body"] == "Why only thirty days?" and kept["edited_at"] is None
    # Nor may a comment whose whole cluster was answered go; one of another cluster still may.
    signed = api.comment("citizen2", consulted, DURATION, "Please extend the period to ninety days for all.").get_json()
    assert api.post("drafter", f"/api/clusters/{signed['cluster_id']}/answers",
                    {"body": "Noted.", "fate": "noted"}).status_code == 201
    assert api.delete("citizen2", f"/api/comments/{signed['id']}").get_json()["error"]["code"] == "comment_answered"
    other = api.comment("citizen2", consulted, REGISTER, "A register online, please.").get_json()
    assert api.delete("citizen2", f"/api/comments/{other['id']}").status_code == 204


def test_a_withdrawn_comment_with_replies_leaves_a_placeholder_that_names_no_one(
    api: Api, consulted: int, db: Database
) -> None:
    root = api.comment("citizen", consulted, DURATION, "Thirty days is too short, says Amina.").get_json()
    reply = api.post("citizen2", f"/api/bills/{consulted}/comments",
                     {"body": "I disagree.", "reply_to": root["id"]}).get_json()
    alone = api.comment("citizen", consulted, DURATION, "A comment nobody answered.").get_json()
    for gone in (root, alone):
        assert api.delete("citizen", f"/api/comments/{gone['id']}").status_code == 204
    listed = api.get(f"/api/bills/{consulted}/comments?eid={DURATION}").get_json()
    assert [(c["id"], c["reply_to"]) for c in listed["comments"]] == [(reply["id"], root["id"])]
    # Where the withdrawn comment stood, its thread keeps a place for it: no words, no author, no time.
    assert listed["withdrawn"] == [{"id": root["id"], "eid": DURATION, "reply_to": None}]
    assert listed["hidden"] == []
    # Counted nowhere, exported nowhere: a reply still says what it answered (an id the export does not hold).
    counts = api.get(f"/api/bills/{consulted}/comments/counts").get_json()
    assert counts["totals"]["comments"] == 1
    exported = api.get(f"/api/consultations/{root['consultation_id']}/export.json").get_json()
    rows = exported["comments"] if isinstance(exported, dict) else exported
    assert [(row["id"], row["reply_to"]) for row in rows] == [(reply["id"], root["id"])]
    # A withdrawn reply under it leaves a place too while a reply below it stands.
    answer = api.post("citizen3", f"/api/bills/{consulted}/comments",
                      {"body": "Why?", "reply_to": reply["id"]}).get_json()
    assert api.delete("citizen2", f"/api/comments/{reply['id']}").status_code == 204
    listed = api.get(f"/api/bills/{consulted}/comments?eid={DURATION}").get_json()
    assert [c["id"] for c in listed["comments"]] == [answer["id"]]
    assert [(w["id"], w["reply_to"]) for w in listed["withdrawn"]] == [(root["id"], None), (reply["id"], root["id"])]


def test_the_edit_window_is_configurable_and_closes(
    database_url: str, tmp_path: Path, db: Database, users: Accounts
) -> None:
    strict: Flask = app_with(database_url, tmp_path, COMMENT_EDIT_WINDOW_SECONDS=0)
    try:
        api = Api(strict.test_client(), users)
        bill = import_bill(db, users, "44")
        assert api.open(bill).status_code == 201
        comment = api.comment("citizen", bill, DURATION, "Thirty days is short.").get_json()
        late = api.patch("citizen", f"/api/comments/{comment['id']}", {"body": "changed"})
        assert late.status_code == 409 and late.get_json()["error"]["code"] == "edit_window_closed"
        assert api.delete("citizen", f"/api/comments/{comment['id']}").status_code == 409
        assert api.comments(bill)[0]["body"] == "Thirty days is short."
    finally:
        strict.extensions["parley.db"].dispose()


def test_per_provision_counts_cover_visible_comments(api: Api, consulted: int) -> None:
    api.comment("citizen", consulted, DURATION, "Thirty days is too short for farmers in harvest season.")
    api.comment("citizen2", consulted, DURATION, "The register should be online and searchable by anyone.")
    other = api.comment("citizen3", consulted, REGISTER, "Publish the register weekly please.").get_json()
    api.post("citizen", f"/api/comments/{other['id']}/endorsements")
    counts = api.get(f"/api/bills/{consulted}/comments/counts").get_json()
    by_eid = {p["eid"]: p for p in counts["provisions"]}
    assert by_eid[DURATION]["comments"] == 2 and by_eid[DURATION]["unique_comments"] == 2
    assert by_eid[REGISTER]["comments"] == 1 and by_eid[REGISTER]["endorsements"] == 1
    assert [p["eid"] for p in counts["provisions"]] == [DURATION, REGISTER], "document order"
    assert counts["totals"]["comments"] == 3 and counts["totals"]["campaign_signatures"] == 0


def test_what_a_consultation_received_cannot_be_rewritten_once_it_closed(
    api: Api, bill: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.open(bill, opens=timedelta(hours=-1), closes=timedelta(minutes=5)).status_code == 201
    posted = api.comment("citizen", bill, DURATION, "Thirty days is fine.").get_json()
    kept = api.comment("citizen2", bill, DURATION, "Thirty days is too short.").get_json()
    real = eventlog.utcnow
    monkeypatch.setattr(eventlog, "utcnow", lambda: real() + timedelta(minutes=10))
    edited = api.patch("citizen", f"/api/comments/{posted['id']}", {"body": "Totally different words now."})
    assert edited.status_code == 409 and "can no longer be changed" in edited.get_json()["error"]["message"]
    assert api.delete("citizen2", f"/api/comments/{kept['id']}").status_code == 204  # withdrawing stays possible
    assert [c["body"] for c in api.comments(bill)] == ["Thirty days is fine."]


def test_times_outside_the_calendar_and_nul_characters_are_the_clients_error(
    api: Api, bill: int
) -> None:
    late = api.post("clerk", f"/api/bills/{bill}/consultations",
                    {"opens_at": "2026-01-01T00:00:00Z", "closes_at": "9999-12-31T23:00:00-05:00"})
    # Well formed, but off the calendar in UTC: a malformed time like any other, named by its field.
    assert late.status_code == 422 and "closes_at" in late.get_json()["error"]["message"]
    assert [f["field"] for f in late.get_json()["error"]["fields"]] == ["body.closes_at"]
    assert api.get("/api/bills?updated_since=9999-12-31T23:00:00-05:00").status_code == 422
    assert api.open(bill).status_code == 201
    nul = api.comment("citizen", bill, DURATION, "before\u0000after")
    assert nul.status_code == 422
    assert nul.get_json()["error"]["fields"] == [
        {"field": "body.body", "message": "must not contain the control character U+0000"}]
    bell = api.comment("citizen", bill, DURATION, "ring \u0007 ring")
    assert bell.status_code == 422 and "U+0007" in str(bell.get_json()["error"]["fields"])
    assert api.comment("citizen", bill, DURATION, "tabs\tand\nlines are text").status_code == 201
    assert api.get(f"/api/bills/{bill}/comments?eid=a%00b").status_code == 422
    assert [c["body"] for c in api.comments(bill)] == ["tabs\tand\nlines are text"]


def test_a_bill_that_does_not_exist_is_not_found_rather_than_closed(api: Api, bill: int) -> None:
    missing = api.comment("citizen", bill + 1000, SHORT_TITLE, "Anyone there?")
    assert missing.status_code == 404
    assert "no bill" in missing.get_json()["error"]["message"]
    assert api.comment("citizen", bill, SHORT_TITLE, "Anyone there?").status_code == 409


def test_an_author_suspended_after_signing_in_cannot_post(db: Database, api: Api, consulted: int,
                                                          users: Accounts) -> None:
    from server.errors import Forbidden
    from server.services import accounts, consultation_comments
    from server.services.consultation import ConsultationSettings

    with db.read() as session:
        principal = accounts.principal_for_user_id(session, users.ids["citizen"])
    suspended = api.post("clerk", f"/api/users/{users.ids['citizen']}/suspension", {"reason": "fake accounts"})
    assert suspended.status_code == 200
    # The principal was read before the suspension, as a request that started earlier would hold it.
    with pytest.raises(Forbidden), db.write() as session:
        consultation_comments.post_comment(session, principal, consulted, eid=SHORT_TITLE, body="Still here.",
                                           settings=ConsultationSettings())
    assert api.comments(consulted) == []
