"""Flags, pre-moderation, the clerk's queue, hide/restore with a public reason, suspensions; every act an event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.domain.consultation import ConsultationEvent, comment_stream
from server.domain.events import EventDraft
from server.store import eventlog, projections
from server.store.db import Database
from server.store.models import EventRecord
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, REGISTER, Api, app_with, import_bill
from tests.server.web.conftest import PASSWORD, parse, sign_in
from tests.server.web.conftest import csrf_token as web_csrf_token


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
    # Clerks listing the held comments read why each waits, as its author was told.
    listed = api.get(f"/api/bills/{consulted}/comments?state=held", "clerk").get_json()["comments"]
    assert {c["id"]: c["held_because"] for c in listed} == {
        english.get_json()["id"]: english.get_json()["held_because"],
        french.get_json()["id"]: french.get_json()["held_because"]}
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
    # Its author sees that it was hers, and its words; nobody else does.
    own = api.get(f"/api/bills/{consulted}/comments", who="citizen").get_json()["hidden"]
    assert own == [{"id": target["id"], "eid": DURATION, "reply_to": None, "reason": "personal data", "yours": True,
                    "body": "The clerk is corrupt and lives at 12 Moi Avenue."}]
    for other in ("citizen2", "clerk"):
        assert "body" not in api.get(f"/api/bills/{consulted}/comments", who=other).get_json()["hidden"][0]
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


def test_a_suspended_citizens_open_page_and_sign_in_say_why(api: Api, consulted: int, users: Accounts,
                                                             app: Flask) -> None:
    browser = app.test_client()
    sign_in(browser, "citizen")
    token = web_csrf_token(browser, f"/bills/{consulted}")
    assert browser.post(f"/api/bills/{consulted}/comments", json={"eid": DURATION, "body": "Before."},
                        headers={"X-CSRFToken": token}).status_code == 201
    reason = "Repeated spam."
    assert api.post("clerk", f"/api/users/{users.ids['citizen']}/suspension", {"reason": reason}).status_code == 200
    # The page still shows its citizen signed in: the refusal says what happened, not "sign in first".
    refused = browser.post(f"/api/bills/{consulted}/comments", json={"eid": DURATION, "body": "After."},
                           headers={"X-CSRFToken": token})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"] == f"this account was suspended by a clerk: {reason}"
    # Signing in again, the right password is answered with the clerk's reason, as a sentence.
    def sign_in_refusal(password: str) -> str:
        page = browser.post("/login", data={"username": "citizen", "password": password,
                                            "csrf_token": web_csrf_token(browser)}).get_data(as_text=True)
        return str(parse(page).xpath("string(//p[@class='error'])"))

    assert sign_in_refusal(PASSWORD) == f"This account was suspended by a clerk: {reason}"
    # Only the password's owner learns of the suspension, and credentials refused are refused as such, whatever
    # the cookie sent with them.
    assert sign_in_refusal("not-the-password") == "The username or password is wrong"
    wrong_token = browser.post("/api/tokens", json={"username": "citizen2", "password": "not-the-password"})
    assert wrong_token.status_code == 401 and "suspended" not in wrong_token.get_json()["error"]["message"]


def test_signing_out_while_suspended_ends_the_session_for_good(api: Api, consulted: int, users: Accounts,
                                                               app: Flask) -> None:
    browser = app.test_client()
    sign_in(browser, "citizen")
    copied = browser.get_cookie("session")
    assert copied is not None
    assert api.post("clerk", f"/api/users/{users.ids['citizen']}/suspension", {"reason": "checking"}).status_code == 200
    browser.post("/logout", data={"csrf_token": web_csrf_token(browser, "/")})
    assert api.delete("clerk", f"/api/users/{users.ids['citizen']}/suspension").status_code == 200
    # Reinstated, the account signs in again: not with the cookie of the session signed out meanwhile.
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/api/session").get_json() == {"user": None}


def test_the_account_holder_can_report_a_comment_as_not_theirs(api: Api, consulted: int, db: Database) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Scrap the whole bill!").get_json()
    assert api.post("citizen2", f"/api/comments/{comment['id']}/not-mine").status_code == 404
    reported = api.post("citizen", f"/api/comments/{comment['id']}/not-mine", {"note": "my account was used"})
    assert reported.status_code == 200
    assert api.comments(consulted) == []
    queued = _queue(api)
    assert [c["id"] for c in queued] == [comment["id"]]
    assert "not written by them" in str(queued[0]["held_because"])
    # Said once, it waits for a clerk: saying it again neither counts again in the queue nor logs another act.
    again = api.post("citizen", f"/api/comments/{comment['id']}/not-mine")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_done"
    with db.read() as session:
        reports = session.scalars(select(EventRecord).where(EventRecord.type == ConsultationEvent.COMMENT_DISOWNED))
        assert len(list(reports)) == 1


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


def test_the_clerks_page_says_why_a_comment_is_held_in_its_readers_language(api: Api, consulted: int,
                                                                            users: Accounts) -> None:
    abusive = api.comment("citizen", consulted, DURATION, "You are all idiots and morons.").get_json()
    disowned = api.comment("citizen2", consulted, REGISTER, "Keep the register online.").get_json()
    assert api.post("citizen2", f"/api/comments/{disowned['id']}/not-mine").status_code == 200
    recorded = {abusive["id"]: "abusive language: idiot, moron",
                disowned["id"]: "reported by the account holder as not written by them"}
    # API clients read the reason as it was recorded, whatever language they read messages in.
    for language in ("en", "fr"):
        queue = api.client.get("/api/moderation/queue", headers={**users.headers("clerk"), "Accept-Language": language})
        assert {c["id"]: c["held_because"] for c in queue.get_json()["comments"]} == recorded

    def shown(language: str) -> dict[int, str]:
        page = parse(api.client.get(f"/moderation?lang={language}", headers=users.headers("clerk")).data)
        return {int(item.get("data-comment")): item.xpath('string(.//p[@class="meta"])')
                for item in page.xpath('//li[@class="queued-comment"]')}

    assert shown("en") == {number: f"Held for a clerk: {reason}" for number, reason in recorded.items()}
    assert shown("fr") == {abusive["id"]: "Retenu pour un greffier\u00a0: propos injurieux : idiot, moron",
                           disowned["id"]: "Retenu pour un greffier\u00a0: signalé par le titulaire du compte, qui "
                                           "dit ne pas l\u2019avoir écrit"}


def test_the_reason_a_new_accounts_burst_is_held_is_french_on_a_french_page(
    database_url: str, tmp_path: Path, db: Database, users: Accounts
) -> None:
    app = app_with(database_url, tmp_path, BURST_MAX_POSTS=1, BURST_WINDOW_SECONDS=600)
    try:
        api = Api(app.test_client(), users)
        bill = import_bill(db, users, "46")
        assert api.open(bill).status_code == 201
        states = [api.comment("citizen", bill, DURATION, f"Point {n} on the duration.").get_json()["state"]
                  for n in range(2)]
        assert states == ["visible", "held"]
        page = parse(api.client.get("/moderation?lang=fr", headers=users.headers("clerk")).data)
        assert page.xpath('string(//li[@class="queued-comment"]//p[@class="meta"])') == (
            "Retenu pour un greffier\u00a0: nombreux commentaires en peu de temps depuis un compte récent")
    finally:
        app.extensions["parley.db"].dispose()


# --- what leaves the public view stays out of every other -------------------------------------------------

LETTER = ("Extend the consultation period to ninety days so that people in rural counties can take part "
          "in the making of this law.")


def _clusters(api: Api, bill: int) -> str:
    response = api.get(f"/api/bills/{bill}/clusters")
    assert response.status_code == 200
    return str(response.get_json()["clusters"])


def test_a_campaign_started_by_a_comment_no_longer_public_shows_the_words_of_a_visible_member(
    api: Api, users: Accounts, consulted: int
) -> None:
    held = api.comment("citizen", consulted, DURATION, LETTER + " You are all idiots.").get_json()
    assert held["state"] == "held"
    for who in ("citizen2", "citizen3", "citizen4"):
        assert api.comment(who, consulted, DURATION, LETTER).get_json()["state"] == "visible"
    shown = _clusters(api, consulted)
    assert "ninety days" in shown and "idiots" not in shown
    users.add("citizen5", "citizen")
    hidden = api.comment("citizen5", consulted, REGISTER, LETTER + " Call me on 0722 123456.").get_json()
    for who in ("citizen2", "citizen3"):
        api.comment(who, consulted, REGISTER, LETTER + " Also on the register.")
    assert api.post("clerk", f"/api/comments/{hidden['id']}/moderation",
                    {"action": "hide", "reason": "personal data"}).status_code == 200
    users.add("citizen6", "citizen")
    withdrawn = api.comment("citizen6", consulted, DURATION, LETTER + " Signed, Jane Wanjiru of Kitale.").get_json()
    assert api.delete("citizen6", f"/api/comments/{withdrawn['id']}").status_code == 204
    shown = _clusters(api, consulted)
    assert "0722 123456" not in shown and "Jane Wanjiru" not in shown
    listed = api.comments(consulted)
    assert sum(1 for c in listed if c["cluster"]["template"]) == len({c["cluster"]["id"] for c in listed})


def test_a_visible_comment_edited_into_abuse_leaves_search_and_the_room(
    api: Api, consulted: int, db: Database
) -> None:
    posted = api.comment("citizen", consulted, DURATION, "Quokkaflint matters here.").get_json()
    assert len(api.get("/api/search?q=quokkaflint&type=comment").get_json()["results"]) == 1
    edited = api.patch("citizen", f"/api/comments/{posted['id']}", {"body": "Quokkaflint, you idiots."})
    assert edited.get_json()["state"] == "held"
    assert api.comments(consulted) == []
    assert api.get("/api/search?q=quokkaflint&type=comment").get_json()["results"] == []
    public = api.get(f"/api/bills/{consulted}/events").get_json()["events"]
    mentioned = [e for e in public if e["data"].get("comment_id") == posted["id"]]
    assert [e["type"] for e in mentioned] == [ConsultationEvent.COMMENT_POSTED, ConsultationEvent.COMMENT_HELD]
    assert "idiots" not in str(public) and "Quokkaflint" not in str(public)  # the posted words are redacted too
    with db.read() as session:
        private = session.scalars(select(EventRecord).where(EventRecord.type == ConsultationEvent.COMMENT_EDITED))
        assert [e.data["private_body"] for e in private] == ["Quokkaflint, you idiots."]


def test_withdrawing_a_held_comment_leaves_no_trace_in_the_public_history(api: Api, consulted: int) -> None:
    held = api.comment("citizen", consulted, REGISTER, "What morons wrote this?").get_json()
    assert held["state"] == "held"
    assert api.delete("citizen", f"/api/comments/{held['id']}").status_code == 204
    events = api.get(f"/api/bills/{consulted}/events").get_json()["events"]
    assert [e["type"] for e in events if e["data"].get("comment_id") == held["id"]] == []


def test_hiding_a_comment_keeps_the_answer_it_was_given_on_the_public_record(api: Api, consulted: int) -> None:
    posted = api.comment("citizen", consulted, DURATION, "Thirty days is Quokkaflint short.").get_json()
    answered = api.post("drafter", f"/api/comments/{posted['id']}/answers",
                        {"body": "We extended the period to sixty days.", "fate": "taken_up"})
    assert answered.status_code == 201, answered.get_json()
    assert api.post("clerk", f"/api/comments/{posted['id']}/moderation",
                    {"action": "hide", "reason": "personal data"}).status_code == 200
    public = api.get(f"/api/bills/{consulted}/events").get_json()["events"]
    by_type = {e["type"]: e["data"] for e in public if e["data"].get("comment_id") == posted["id"]}
    assert by_type[ConsultationEvent.COMMENT_POSTED]["body"] is None
    assert "Quokkaflint" not in str(public)
    # The drafter's words are the parliament's answer, not the citizen's: they stay public.
    assert by_type[ConsultationEvent.COMMENT_ANSWERED]["body"] == "We extended the period to sixty days."
    assert "redacted" not in by_type[ConsultationEvent.COMMENT_ANSWERED]


def test_the_author_is_told_of_a_moderators_decision_and_why(api: Api, consulted: int, tmp_path: Path) -> None:
    import email


    api.commenter_with_mail("told", "told@example.org")
    comment = api.comment("told", consulted, DURATION, "Thirty days is far too short.").get_json()
    outbox = tmp_path / "instance" / "outbox"
    path = f"/api/comments/{comment['id']}/moderation"
    assert api.post("clerk", path, {"action": "hide", "reason": "off topic"}).status_code == 200
    assert api.post("clerk", path, {"action": "restore", "reason": "on topic after all"}).status_code == 200
    sent = {m["Subject"]: m for m in (email.message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml"))}
    title = api.get(f"/api/bills/{consulted}").get_json()["title"]
    assert sorted(sent) == [f"Your comment on {title} is published", f"Your comment on {title} was hidden"]
    assert {m["To"] for m in sent.values()} == {"told@example.org"}
    published, hidden = (sent[subject].get_payload(decode=True).decode("utf-8") for subject in sorted(sent))
    assert '"hidden: off topic"' in hidden and "Thirty days is far too short." in hidden
    assert f"/bills/{consulted}?eid={DURATION}" in published


def test_a_not_mine_report_recorded_as_a_bill_event_is_served_without_its_note(
    api: Api, consulted: int, db: Database
) -> None:
    """Reports were once bill events: their notes stay in the log, and out of everything served from it."""
    comment = api.comment("citizen", consulted, DURATION, "Scrap the whole bill!").get_json()
    with db.write() as session:
        eventlog.append(session, EventDraft(stream=comment_stream(comment["id"]),
                                            type=ConsultationEvent.COMMENT_DISOWNED, bill_id=consulted,
                                            data={"comment_id": comment["id"], "note": "her name is Jane Doe"}),
                        projector=projections.apply)
    served = api.get(f"/api/bills/{consulted}/events?after=0").get_json()["events"]
    reports = [event for event in served if event["type"] == ConsultationEvent.COMMENT_DISOWNED]
    assert reports == [{**reports[0], "data": {"comment_id": comment["id"]}}]
    assert "Jane Doe" in str(_queue(api)), "the clerks still read it"


def test_the_clerks_page_shows_what_the_account_holder_said_escaped(api: Api, consulted: int,
                                                                   users: Accounts) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Scrap the whole bill!").get_json()
    note = "<script>alert(1)</script> my brother used my laptop"
    assert api.post("citizen", f"/api/comments/{comment['id']}/not-mine", {"note": note}).status_code == 200
    html = api.client.get("/moderation", headers=users.headers("clerk")).data.decode()
    page = parse(html.encode())
    said = page.xpath('string(//li[@class="queued-comment"]//p[@class="disowned-note"])')
    assert said == f"The account holder says: {note}"
    assert "<script>alert(1)</script>" not in html
