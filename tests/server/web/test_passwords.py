"""Changing one's password (page and API), and resetting a forgotten one through a mailed link."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from server.app import create_app
from server.domain.events import EventType
from server.services import registration
from server.store import eventlog, projections
from server.store.db import Database
from server.store.models import EventRecord, PasswordReset
from tests.server.conftest import Accounts, make_config
from tests.server.web.conftest import PASSWORD, csrf_token, parse, sign_in

NEW = "a-brand-new-password"


def _token_works(client: FlaskClient, token: str) -> bool:
    answer = client.get("/api/subscriptions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in {200, 401}
    return answer.status_code == 200


def _signed_in(client: FlaskClient) -> bool:
    return bool(parse(client.get("/").data).xpath('//form[contains(@action, "/logout")]'))


def _can_sign_in(client: FlaskClient, username: str, password: str) -> bool:
    return client.post("/api/tokens", json={"username": username, "password": password}).status_code == 201


def _events(db: Database, kind: str) -> list[EventRecord]:
    with db.read() as session:
        found = list(session.scalars(select(EventRecord).where(EventRecord.type == kind)))
        session.expunge_all()
        return found


# --- changing a password -----------------------------------------------------------------------------------


def test_the_api_changes_the_password_only_with_the_current_one_and_revokes_other_tokens(
    app: Flask, client: FlaskClient, users: Accounts, db: Database
) -> None:
    other = client.post("/api/tokens", json={"username": "citizen", "password": PASSWORD}).get_json()["token"]
    assert _token_works(client, other)
    wrong = client.post("/api/account/password", headers=users.headers("citizen"),
                        json={"current_password": "not-it-at-all", "new_password": NEW})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "wrong_password"
    assert "current password is wrong" in wrong.get_json()["error"]["message"]
    short = client.post("/api/account/password", headers=users.headers("citizen"),
                        json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "at least 8" in short.get_json()["error"]["message"]
    # Long enough, and guessed at once: a common password, or one made of the account's own name.
    for guessed in ("password", "12345678", "citizen2026", PASSWORD):
        weak = client.post("/api/account/password", headers=users.headers("citizen"),
                           json={"current_password": PASSWORD, "new_password": guessed})
        assert weak.status_code == 422, guessed
        error = weak.get_json()["error"]
        assert "too easy to guess" in error["message"] and error["fields"][0]["field"] == "body.new_password"
    assert _token_works(client, other) and _can_sign_in(client, "citizen", PASSWORD)
    assert client.post("/api/account/password",
                       json={"current_password": PASSWORD, "new_password": NEW}).status_code == 401

    changed = client.post("/api/account/password", headers=users.headers("citizen"),
                          json={"current_password": PASSWORD, "new_password": NEW})
    assert changed.status_code == 200 and changed.get_json() == {"id": users.ids["citizen"], "changed": True}
    # The old bearer token is revoked; the one that asked stays; other accounts keep theirs.
    assert not _token_works(client, other)
    assert _token_works(client, users.tokens["citizen"]) and _token_works(client, users.tokens["mp"])
    assert not _can_sign_in(client, "citizen", PASSWORD) and _can_sign_in(client, "citizen", NEW)
    [event] = _events(db, EventType.PASSWORD_CHANGED)
    assert event.data == {"user_id": users.ids["citizen"]} and event.bill_id is None
    assert event.actor_id == users.ids["citizen"]


def test_the_page_changes_the_password_and_ends_the_other_sessions(
    app: Flask, users: Accounts, db: Database
) -> None:
    mine, elsewhere = app.test_client(), app.test_client()
    sign_in(mine, "citizen")
    sign_in(elsewhere, "citizen")
    assert _signed_in(elsewhere)
    anonymous = app.test_client().get("/account/password")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    stranger = app.test_client()
    pressed = stranger.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW,
        "csrf_token": csrf_token(stranger)})
    assert pressed.status_code == 401

    def press(current: str, new: str, again: str) -> tuple[int, str]:
        answer = mine.post("/account/password", data={
            "current_password": current, "new_password": new, "new_password_again": again,
            "csrf_token": csrf_token(mine, "/account/password")})
        return answer.status_code, parse(answer.data).xpath('string(//p[@role="alert"])')

    assert press("wrong-password", NEW, NEW) == (403, "The current password is wrong")
    status, alert = press(PASSWORD, NEW, NEW + "x")
    assert status == 422 and "differ" in alert
    assert mine.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                 "new_password_again": NEW}).status_code == 400  # no CSRF token
    assert _signed_in(elsewhere)
    assert press(PASSWORD, NEW, NEW) == (200, "")
    assert _signed_in(mine), "the session that changed it carries on"
    assert not _signed_in(elsewhere), "every other session of the account has ended"
    stranger = app.test_client()  # a signed-in browser would need a CSRF token for the API
    assert not _can_sign_in(stranger, "citizen", PASSWORD) and _can_sign_in(stranger, "citizen", NEW)
    sign_in(elsewhere, "citizen", NEW)
    assert _signed_in(elsewhere)


def test_the_session_endpoint_says_who_is_still_signed_in_after_a_password_change(
    app: Flask, users: Accounts
) -> None:
    mine, elsewhere, anonymous = app.test_client(), app.test_client(), app.test_client()
    sign_in(mine, "citizen")
    sign_in(elsewhere, "citizen")
    me = {"id": users.ids["citizen"], "role": "citizen"}
    for client in (mine, elsewhere):
        answer = client.get("/api/session")
        assert answer.status_code == 200 and answer.get_json() == {"user": me}
        assert answer.headers["Cache-Control"] == "no-store"
    assert anonymous.get("/api/session").get_json() == {"user": None}
    assert anonymous.get("/api/session", headers=users.headers("mp")).get_json() == {
        "user": {"id": users.ids["mp"], "role": "mp"}}
    bad = anonymous.get("/api/session", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 200 and bad.get_json() == {"user": None}

    assert mine.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW,
        "csrf_token": csrf_token(mine, "/account/password")}).status_code == 200
    # The browser that changed it carries on; the other one's session has ended.
    assert mine.get("/api/session").get_json() == {"user": me}
    assert elsewhere.get("/api/session").get_json() == {"user": None}


def test_wrong_current_passwords_use_up_the_accounts_sign_in_budget(
    database_url: str, tmp_path: Path, users: Accounts
) -> None:
    app = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True,
                                 RATELIMIT_KEY_PREFIX=f"pw-{uuid.uuid4().hex}",
                                 SIGNIN_FAILURES_PER_ACCOUNT="2/15 minutes"))
    try:
        client = app.test_client()
        guesses = [client.post("/api/account/password", headers=users.headers("mp"),
                               json={"current_password": f"guess-{n}", "new_password": NEW}).status_code
                   for n in range(3)]
        assert guesses == [403, 403, 429]
        # The same budget as signing in: the account's sign-ins are held too, other accounts are not.
        assert client.post("/api/tokens", json={"username": "mp", "password": PASSWORD}).status_code == 429
        assert client.post("/api/tokens", json={"username": "clerk", "password": PASSWORD}).status_code == 201
    finally:
        app.extensions["parley.db"].dispose()


# --- resetting a forgotten password ------------------------------------------------------------------------


def _verified_citizen(db: Database, username: str, address: str, password: str = PASSWORD) -> None:
    with db.write() as session:
        signed = registration.sign_up(session, username=username, email=address, password=password)
    with db.write() as session:
        registration.verify(session, signed.token)


def _mails(outbox: Path, count: int) -> list[str]:
    """The bodies of the outbox's mails once ``count`` have arrived (reset mails go out after the answer)."""
    deadline = time.monotonic() + 10
    while len(list(outbox.glob("*.eml"))) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # long enough for a mail that should not come to show up
    texts = []
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        texts.append(f"To: {message['To']}\n" + message.get_payload(decode=True).decode("utf-8"))
    return texts


def _reset_link(text: str) -> str:
    match = re.search(r"/password/reset\?token=[\w-]+", text)
    assert match, text
    return match.group(0)


def test_a_reset_request_answers_the_same_and_mails_only_a_verified_address(
    app: Flask, client: FlaskClient, db: Database
) -> None:
    _verified_citizen(db, "wanjiru", "wanjiru@example.org")
    with db.write() as session:  # signed up, never confirmed: the address may be someone else's
        registration.sign_up(session, username="unsure", email="unsure@example.org", password=PASSWORD)
    outbox = Path(app.instance_path) / "outbox"
    for stale in outbox.glob("*.eml"):
        stale.unlink()

    answers = [client.post("/api/password-resets", json={"email": address})
               for address in ("nobody@example.org", "unsure@example.org", " Wanjiru@Example.org")]
    assert {(a.status_code, a.get_data()) for a in answers} == {(202, b'{"accepted":true}\n')}
    pages = [client.post("/password/forgotten", data={"email": address, "csrf_token": csrf_token(client, "/login")})
             for address in ("nobody@example.org", "wanjiru@example.org")]
    assert pages[0].status_code == pages[1].status_code == 200
    assert parse(pages[0].data).xpath("string(//main)") == parse(pages[1].data).xpath("string(//main)")

    mails = _mails(outbox, 2)
    assert len(mails) == 2 and all(m.startswith("To: wanjiru@example.org\n") for m in mails)
    assert "wanjiru" in mails[0] and "60 minutes" in mails[0]


def test_the_reset_link_sets_a_new_password_once(app: Flask, client: FlaskClient, db: Database,
                                                 users: Accounts) -> None:
    _verified_citizen(db, "otieno", "otieno@example.org")
    outbox = Path(app.instance_path) / "outbox"
    for stale in outbox.glob("*.eml"):
        stale.unlink()
    old_token = client.post("/api/tokens", json={"username": "otieno", "password": PASSWORD}).get_json()["token"]
    browser = app.test_client()
    sign_in(browser, "otieno")
    assert client.post("/login").status_code == 400  # (CSRF) the login form keeps its protection
    assert parse(client.get("/login").data).xpath('//a[@href="/password/forgotten"]')

    assert client.post("/api/password-resets", json={"email": "otieno@example.org"}).status_code == 202
    assert client.post("/api/password-resets", json={"email": "otieno@example.org"}).status_code == 202
    first, second = (_reset_link(text) for text in _mails(outbox, 2))

    # Opening the link (a mail scanner does) only shows the form, and changes nothing.
    opened = parse(client.get(second).data)
    assert client.head(second).status_code == 200
    assert opened.xpath('//form[@method="post"]//input[@name="token"]/@value') == [second.split("=", 1)[1]]
    assert _can_sign_in(client, "otieno", PASSWORD) and _token_works(client, old_token)

    token = second.split("=", 1)[1]

    def press(code: str, new: str = NEW, **extra: str) -> int:
        form = {"token": code, "new_password": new, "new_password_again": new, **extra}
        if "csrf_token" not in form:
            form["csrf_token"] = csrf_token(client, "/password/reset")
        return client.post("/password/reset", data=form).status_code

    assert press(token, csrf_token="") == 400 and _can_sign_in(client, "otieno", PASSWORD)
    assert press(token, "short") == 422 and _can_sign_in(client, "otieno", PASSWORD)
    assert press(token, "otieno123") == 422 and _can_sign_in(client, "otieno", PASSWORD)
    assert press(token) == 200
    assert not _can_sign_in(client, "otieno", PASSWORD) and _can_sign_in(client, "otieno", NEW)
    # Every token and session of the account ended; the link cannot be used again, nor the other one mailed.
    assert not _token_works(client, old_token) and not _signed_in(browser)
    assert press(token, "yet-another-password") == 400
    assert press(first.split("=", 1)[1], "yet-another-password") == 400
    assert _can_sign_in(client, "otieno", NEW)
    [event] = _events(db, EventType.PASSWORD_RESET)
    assert event.data == {"user_id": int(event.stream.removeprefix("user/"))}
    assert event.bill_id is None and event.actor_id is None


def test_an_expired_reset_link_is_refused(app: Flask, client: FlaskClient, db: Database) -> None:
    _verified_citizen(db, "kamau", "kamau@example.org")
    outbox = Path(app.instance_path) / "outbox"
    for stale in outbox.glob("*.eml"):
        stale.unlink()
    assert client.post("/api/password-resets", json={"email": "kamau@example.org"}).status_code == 202
    [text] = _mails(outbox, 1)
    token = _reset_link(text).split("=", 1)[1]
    with db.write() as session:
        session.execute(update(PasswordReset).values(expires_at=eventlog.utcnow() - timedelta(seconds=1)))
    answer = client.post("/password/reset", data={"token": token, "new_password": NEW, "new_password_again": NEW,
                                                  "csrf_token": csrf_token(client, "/password/reset")})
    assert answer.status_code == 400 and "expired" in parse(answer.data).xpath('string(//p[@role="alert"])')
    assert _can_sign_in(client, "kamau", PASSWORD)


def test_a_reset_asked_for_from_the_french_page_is_mailed_in_french(app: Flask, client: FlaskClient,
                                                                    db: Database) -> None:
    _verified_citizen(db, "aicha", "aicha@example.org")
    outbox = Path(app.instance_path) / "outbox"
    for stale in outbox.glob("*.eml"):
        stale.unlink()
    asked = client.post("/password/forgotten?lang=fr", data={"email": "aicha@example.org",
                                                             "csrf_token": csrf_token(client, "/login")})
    assert asked.status_code == 200
    [text] = _mails(outbox, 1)
    assert "a demandé à réinitialiser le mot de passe du compte Parley aicha." in text
    assert "ouvrez ce lien dans les 60 minutes :\nhttp" in text and _reset_link(text)


def test_reset_requests_are_limited_per_address_mailed_and_per_client(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True,
                                 RATELIMIT_KEY_PREFIX=f"reset-{uuid.uuid4().hex}",
                                 PASSWORD_RESET_LIMIT_PER_EMAIL="2/hour", PASSWORD_RESET_LIMIT_PER_ADDRESS="4/hour"))
    try:
        client = app.test_client()

        def ask(address: str, client_address: str) -> int:
            return client.post("/api/password-resets", json={"email": address},
                               environ_base={"REMOTE_ADDR": client_address}).status_code

        assert [ask("someone@example.org", f"198.51.100.{n}") for n in range(3)] == [202, 202, 429]
        assert ask("SomeOne@example.org", "198.51.100.9") == 429, "the address is counted as it is compared"
        assert [ask(f"other{n}@example.org", "203.0.113.5") for n in range(5)] == [202] * 4 + [429]
        form = client.post("/password/forgotten", data={"email": "x@example.org",
                                                        "csrf_token": csrf_token(client, "/password/forgotten")},
                           environ_base={"REMOTE_ADDR": "203.0.113.5"})
        assert form.status_code == 429 and form.mimetype == "text/html"
    finally:
        app.extensions["parley.db"].dispose()


def test_rebuilding_from_the_log_equals_the_live_state_after_password_events(
    app: Flask, client: FlaskClient, db: Database, users: Accounts
) -> None:
    _verified_citizen(db, "njeri", "njeri@example.org")
    assert client.post("/api/account/password", headers=users.headers("mp"),
                       json={"current_password": PASSWORD, "new_password": NEW}).status_code == 200
    assert client.post("/api/password-resets", json={"email": "njeri@example.org"}).status_code == 202
    [text] = _mails(Path(app.instance_path) / "outbox", 1)
    token = _reset_link(text).split("=", 1)[1]
    assert client.post("/password/reset", data={"token": token, "new_password": NEW, "new_password_again": NEW,
                                                "csrf_token": csrf_token(client, "/password/reset")}).status_code == 200
    assert len(_events(db, EventType.PASSWORD_CHANGED)) == len(_events(db, EventType.PASSWORD_RESET)) == 1
    with db.read() as session:
        live = projections.snapshot(session)
    with db.write() as session:
        projections.rebuild(session)
    with db.read() as session:
        assert projections.snapshot(session) == live
    # Credentials live beside the log: a rebuild leaves the new passwords in place.
    assert _can_sign_in(client, "mp", NEW) and _can_sign_in(client, "njeri", NEW)
