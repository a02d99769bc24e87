"""What an open socket may still do, and what the room is told: sockets closed when their sign-in ends (password
change or reset, suspension) and writes refused until then, long absences,
structure edits sent before a renumbering was heard of, limits on inserted text, leaving, malformed integers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import socketio
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from server.domain import textpatch
from server.realtime import namespace
from server.services import accounts, bills, moderation, password_resets
from server.store.db import Database
from server.store.models import User
from tests.server.conftest import Accounts, LiveServer, small_bill_xml
from tests.server.drafting.conftest import Watcher
from tests.server.web.conftest import PASSWORD, csrf_token, sign_in

SEC_1 = "part_1__sec_1"
SEC_4 = "part_2__sec_4"
TEXT = "This Act may be cited as the Test Act, 2026."
NEW_PASSWORD = "a-brand-new-password"


def _join(client: Watcher, bill: int, since: int | None = None) -> dict[str, Any]:
    ack = client.call("join", {"bill": bill, "since": since})
    assert ack["ok"], ack
    return ack


def _edit(client: Watcher, bill: int, rev: int, old: str, new: str) -> dict[str, Any]:
    return client.call("edit", {"bill": bill, "eid": SEC_1, "rev": rev, "patch": textpatch.make_patch(old, new),
                                "op_id": uuid.uuid4().hex})


def _texts(client: FlaskClient, bill_id: int) -> set[str]:
    found: set[str] = set()
    pending = list(client.get(f"/api/bills/{bill_id}").get_json()["provisions"])
    while pending:
        node = pending.pop()
        found.add(node.get("text") or "")
        pending.extend(node.get("children", []))
    return found


def _closed_for(watcher: Watcher, reason: str) -> None:
    """The server told ``watcher`` why, then closed it (which no client reconnects after by itself)."""
    assert watcher.wait_for(lambda: bool(watcher.disconnects), timeout=5), "the server closes the socket"
    assert watcher.signed_out == [{"reason": reason}]
    assert watcher.disconnects == [socketio.Client.reason.SERVER_DISCONNECT] and not watcher.client.connected


def _hears_no_more(ended: Watcher, author: Watcher, bill: int, base: dict[str, Any]) -> None:
    """An edit after the close reaches the room (``author`` sees it) but not the closed socket."""
    state = base["provisions"][SEC_1]
    ack = _edit(author, bill, state["rev"], state["text"], state["text"] + " (after)")
    assert ack["ok"], ack
    assert author.wait_for(lambda: any(e["id"] == ack["event_id"] for e in author.events))
    assert all(e["id"] != ack["event_id"] for e in ended.events)


def test_a_password_change_closes_the_sockets_of_the_tokens_it_revoked(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    stolen = connect(users.tokens["drafter2"])
    _join(stolen, bill_id)
    assert _edit(stolen, bill_id, 0, TEXT, TEXT + " (1)")["ok"]
    asking = client.post("/api/tokens", json={"username": "drafter2", "password": PASSWORD}).get_json()["token"]
    kept = connect(asking)
    _join(kept, bill_id)
    changed = client.post("/api/account/password", headers={"Authorization": f"Bearer {asking}"},
                          json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.get_json()
    _closed_for(stolen, "password_changed")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(users.tokens["drafter2"])
    # The token that asked stays valid, and so does its socket: it edits and hears the room.
    assert kept.client.connected and not kept.signed_out
    _hears_no_more(stolen, kept, bill_id, _join(kept, bill_id))


def test_a_password_reset_closes_the_browser_sockets_of_the_account(
    app: Flask, users: Accounts, bill_id: int, db: Database, client: FlaskClient,
    connect: Callable[..., Watcher], live_server: LiveServer,
) -> None:
    with db.write() as session:
        session.execute(update(User).where(User.id == users.ids["drafter2"]).values(email="d2@example.org"))
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = "parley-test-browser"  # strong session protection: same agent
    sign_in(browser, "drafter2")
    cookie = browser.get_cookie("session")
    assert cookie is not None
    ended = Watcher(live_server.url, headers={"Cookie": f"session={cookie.value}",
                                              "User-Agent": "parley-test-browser"})
    try:
        _join(ended, bill_id)
        assert _edit(ended, bill_id, 0, TEXT, TEXT + " (1)")["ok"], "the session socket acts as its drafter"
        with db.write() as session:
            [link] = password_resets.request_reset(session, "d2@example.org")
        form = {"token": link.token, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD,
                "csrf_token": csrf_token(client, "/password/reset")}
        assert client.post("/password/reset", data=form).status_code == 200
        _closed_for(ended, "password_reset")
        author = connect(users.tokens["drafter"])
        _hears_no_more(ended, author, bill_id, _join(author, bill_id))
    finally:
        ended.close()


def test_signing_out_ends_that_browser_session_its_copies_and_its_sockets_and_no_other(
    app: Flask, users: Accounts, bill_id: int, connect: Callable[..., Watcher], live_server: LiveServer,
) -> None:
    agent = "parley-test-browser"
    browsers = [app.test_client(), app.test_client()]  # the same drafter at two desks
    watchers: list[Watcher] = []
    try:
        for browser in browsers:
            browser.environ_base["HTTP_USER_AGENT"] = agent  # strong session protection: same agent
            sign_in(browser, "drafter2")
            cookie = browser.get_cookie("session")
            assert cookie is not None
            watchers.append(Watcher(live_server.url, headers={"Cookie": f"session={cookie.value}",
                                                              "User-Agent": agent}))
        signing_out, staying = browsers
        copied = signing_out.get_cookie("session")
        assert copied is not None
        ended, kept = watchers
        base = _join(ended, bill_id)
        _join(kept, bill_id)
        assert _edit(ended, bill_id, 0, TEXT, TEXT + " (1)")["ok"]
        form = {"csrf_token": csrf_token(signing_out, "/")}
        assert signing_out.post("/logout", data=form).status_code == 302
        _closed_for(ended, "signed_out")
        # A copy of the cookie taken before signing out no longer signs anyone in, on pages or the API.
        thief = app.test_client()
        thief.environ_base["HTTP_USER_AGENT"] = agent
        thief.set_cookie("session", copied.value)
        assert thief.get("/api/session").get_json() == {"user": None}
        assert thief.get(f"/bills/{bill_id}/edit").status_code == 302
        anonymous = Watcher(live_server.url, headers={"Cookie": f"session={copied.value}", "User-Agent": agent})
        watchers.append(anonymous)
        state = _join(anonymous, bill_id)["provisions"][SEC_1]
        refused = _edit(anonymous, bill_id, state["rev"], state["text"], state["text"] + " (stolen)")
        assert not refused["ok"] and refused["error"]["code"] == "unauthenticated", refused
        # The other desk's session, and its socket, carry on.
        assert staying.get("/api/session").get_json()["user"]["id"] == users.ids["drafter2"]
        assert kept.client.connected and not kept.signed_out
        _hears_no_more(ended, kept, bill_id, base | {"provisions": _join(kept, bill_id)["provisions"]})
    finally:
        for watcher in watchers:
            watcher.close()


def test_a_suspension_closes_the_accounts_sockets_and_a_reinstated_account_connects_again(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    drafter = connect(users.tokens["drafter2"])
    _join(drafter, bill_id)
    assert _edit(drafter, bill_id, 0, TEXT, TEXT + " (1)")["ok"]
    suspension = f"/api/users/{users.ids['drafter2']}/suspension"
    assert client.post(suspension, headers=users.headers("admin"), json={"reason": "compromised"}).status_code == 200
    _closed_for(drafter, "suspended")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(users.tokens["drafter2"])
    author = connect(users.tokens["drafter"])
    _hears_no_more(drafter, author, bill_id, _join(author, bill_id))
    assert client.delete(suspension, headers=users.headers("admin")).status_code == 200
    back = connect(users.tokens["drafter2"])  # a suspension revokes no token: reinstated, it works again
    state = _join(back, bill_id)["provisions"][SEC_1]
    assert _edit(back, bill_id, state["rev"], state["text"], state["text"] + " (back)")["ok"]


def test_a_socket_whose_sign_in_ended_is_refused_its_next_write_before_it_is_closed(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient, app: Flask, db: Database
) -> None:
    # As if the signal to close it had not reached this socket's process yet: the write itself checks.
    app.extensions["socketio"].server.manager.on_recheck = None
    stolen = connect(users.tokens["drafter2"])
    _join(stolen, bill_id)
    asking = client.post("/api/tokens", json={"username": "drafter2", "password": PASSWORD}).get_json()["token"]
    kept = connect(asking)
    _join(kept, bill_id)
    changed = client.post("/api/account/password", headers={"Authorization": f"Bearer {asking}"},
                          json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.get_json()
    late = _edit(stolen, bill_id, 0, TEXT, TEXT + " (late)")
    assert late["ok"] is False and late["error"]["code"] == "signed_out", late
    structure = stolen.call("structure", {"bill": bill_id, "action": "delete", "eid": SEC_4})
    assert structure["ok"] is False and structure["error"]["code"] == "signed_out", structure
    assert _edit(kept, bill_id, 0, TEXT, TEXT + " (kept)")["ok"], "the token that asked carries on"
    # A suspension is still refused as such, whatever the socket signed in with.
    with db.write() as session:
        admin = accounts.principal_for_user_id(session, users.ids["admin"])
        moderation.set_suspended(session, admin, users.ids["drafter2"], suspended=True, reason="compromised")
    for socket in (stolen, kept):
        refused = _edit(socket, bill_id, 1, TEXT + " (kept)", TEXT + " (2)")
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused


def test_a_join_that_cannot_hold_everything_missed_says_so_and_the_rest_follows(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(namespace, "MAX_EVENTS_ON_JOIN", 3)
    author, reader = connect(users.tokens["drafter"]), connect(users.tokens["mp"])
    last_seen = _join(reader, bill_id)["last_event_id"]
    reader.close()
    _join(author, bill_id)
    text, ids = TEXT, []
    for n in range(5):
        ack = _edit(author, bill_id, n, text, f"{text} ({n})")
        assert ack["ok"], ack
        ids.append(ack["event_id"])
        text = f"{text} ({n})"
    back = connect(users.tokens["mp"])
    first = _join(back, bill_id, since=last_seen)
    assert [e["id"] for e in first["events"]] == ids[:3]
    assert first["more"] is True and first["last_event_id"] == ids[2]
    rest = _join(back, bill_id, since=first["last_event_id"])
    assert [e["id"] for e in rest["events"]] == ids[3:]
    assert rest["more"] is False and rest["last_event_id"] == ids[-1]


def test_a_structure_change_sent_before_a_renumbering_was_heard_of_acts_on_the_provision_its_sender_saw(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    seen_by_b = _join(b, bill_id)["provisions"][SEC_1]
    _join(a, bill_id)
    # A inserts a new first section: it takes the eId part_1__sec_1 and the old one becomes sec_2.
    inserted = a.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_1, "position": "before",
                                    "num": "1.", "heading": "New", "text": "A brand new first section."})
    assert inserted["ok"], inserted
    # B has not heard of it yet and deletes the section it sees as part_1__sec_1, naming its wId too.
    gone = b.call("structure", {"bill": bill_id, "action": "delete", "eid": SEC_1, "wid": seen_by_b["wid"]})
    assert gone["ok"], gone
    texts = _texts(client, bill_id)
    assert "A brand new first section." in texts
    assert not any(TEXT in t for t in texts), "the section B saw is the one deleted"


def test_an_inserted_provision_keeps_to_the_provision_and_message_limits(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, app: Flask
) -> None:
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    insert = {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after", "name": "section",
              "num": "5.", "heading": "Big"}
    app.config["MAX_PROVISION_CHARS"] = 1000
    too_long = author.call("structure", {**insert, "text": "word " * 2000})
    assert too_long["ok"] is False and too_long["error"]["code"] == "provision_too_large", too_long
    app.config["MAX_PROVISION_CHARS"] = 1_000_000
    over_message = author.call("structure", {**insert, "text": "word " * 18_000}, timeout=30)  # 90,000 > 64 KiB
    assert over_message["ok"] is False and over_message["error"]["code"] == "payload_too_large", over_message
    assert author.call("structure", {**insert, "text": "A short new section."})["ok"]


def test_closed_connections_leave_nothing_behind_in_the_presence_limiter(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, app: Flask
) -> None:
    handler = app.extensions["socketio"].server.namespace_handlers["/"]
    before = len(handler.presence_bucket._state)
    for _ in range(5):
        watcher = connect(users.tokens["drafter"])
        _join(watcher, bill_id)
        assert watcher.call("presence", {"bill": bill_id, "eid": SEC_1, "cursor": None})["ok"]
        watcher.close()
    deadline = time.monotonic() + 5
    while len(handler.presence_bucket._state) != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(handler.presence_bucket._state) == before


def test_leaving_a_bill_or_joining_another_tells_the_room_at_once(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, db: Database
) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        other = bills.import_bill(session, drafter, small_bill_xml(number="8")).bill.id
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id)
    _join(b, bill_id)
    assert a.call("presence", {"bill": bill_id, "eid": SEC_1, "cursor": {"anchor": 1, "head": 1}})["ok"]
    assert b.wait_for(lambda: any(p.get("eid") == SEC_1 for p in b.presence))
    assert a.call("leave", {})["ok"]
    assert b.wait_for(lambda: any(p.get("left") for p in b.presence), timeout=3), b.presence
    b.presence.clear()
    _join(a, bill_id)
    _join(a, other)
    assert b.wait_for(lambda: any(p.get("left") and p["bill"] == bill_id for p in b.presence), timeout=3)


def test_integers_beyond_64_bits_are_bad_requests(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    watcher = connect(users.tokens["drafter"])
    answers = {
        "join.bill": watcher.call("join", {"bill": 2**70}),
        "join.since": watcher.call("join", {"bill": bill_id, "since": 2**70}),
    }
    _join(watcher, bill_id)
    answers["edit.rev"] = watcher.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 2**70, "patch": "",
                                                "op_id": "x"})
    answers["edit.rev<0"] = watcher.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": -(2**70), "patch": "",
                                                  "op_id": "y"})
    codes = {name: answer["error"]["code"] for name, answer in answers.items() if not answer["ok"]}
    assert codes == dict.fromkeys(answers, "bad_request"), answers


def test_characters_xml_cannot_hold_never_enter_the_working_text(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    for bad in ("\x00", "\x07", "\ufffe"):
        refused = _edit(author, bill_id, 0, TEXT, TEXT + f" and{bad}more")
        assert refused["ok"] is False and refused["error"]["code"] == "bad_request", refused
        assert "U+" in refused["error"]["message"]
    assert _edit(author, bill_id, 0, TEXT, TEXT + " and\ttabs are fine")["ok"]
    inserted = author.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after",
                                         "name": "section", "num": "5.", "heading": "Bell\x07", "text": "Text."})
    assert inserted["ok"] is False and inserted["error"]["code"] in ("bad_request", "invalid_markup"), inserted


def test_an_op_id_another_drafter_already_used_is_refused_not_swallowed_as_a_duplicate(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id)
    provisions = _join(b, bill_id)["provisions"]
    first = a.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0, "op_id": "op-1",
                            "patch": textpatch.make_patch(TEXT, TEXT + " (a)")})
    assert first["ok"] and not first["duplicate"]
    other = provisions[SEC_4]
    clash = b.call("edit", {"bill": bill_id, "eid": SEC_4, "rev": other["rev"], "op_id": "op-1",
                            "patch": textpatch.make_patch(other["text"], other["text"] + " (b)")})
    assert clash["ok"] is False and clash["error"]["code"] == "bad_request", clash
    again = a.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0, "op_id": "op-1",
                            "patch": textpatch.make_patch(TEXT, TEXT + " (a)")})
    assert again == {**first, "duplicate": True}


def test_a_cursor_is_two_offsets_not_booleans_or_huge_numbers(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    watcher = connect(users.tokens["drafter"])
    _join(watcher, bill_id)
    for cursor in ({"anchor": True, "head": 1}, {"anchor": 1, "head": 2**80}, {"anchor": -1, "head": 0}):
        answer = watcher.call("presence", {"bill": bill_id, "eid": SEC_1, "cursor": cursor})
        assert answer["ok"] is False and answer["error"]["code"] == "bad_request", (cursor, answer)
    assert watcher.call("presence", {"bill": bill_id, "eid": SEC_1, "cursor": {"anchor": 0, "head": 3}})["ok"]


def test_a_lone_surrogate_is_a_bad_request_never_a_failure_to_retry(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    """Half of a UTF-16 pair is no character; the server must refuse it rather than fail, since a client resends
    what failed."""
    watcher = connect(users.tokens["drafter"])
    _join(watcher, bill_id)
    good = textpatch.make_patch(TEXT, TEXT + " more")
    answers = {
        "patch": watcher.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0,
                                       "patch": "@@ -0,0 +1,1 @@\n+\ud800\n", "op_id": "s1"}),
        "op_id": watcher.call("edit", {"bill": bill_id, "eid": SEC_1, "rev": 0, "patch": good, "op_id": "op\ud800"}),
        "eid": watcher.call("edit", {"bill": bill_id, "eid": "x\ud800", "rev": 0, "patch": good, "op_id": "s2"}),
        "wid": watcher.call("edit", {"bill": bill_id, "eid": SEC_1, "wid": "x\udc00", "rev": 0, "patch": good,
                                     "op_id": "s3"}),
        "presence": watcher.call("presence", {"bill": bill_id, "eid": "\ud800", "cursor": None}),
    }
    codes = {name: answer["ok"] or answer["error"]["code"] for name, answer in answers.items()}
    assert codes == dict.fromkeys(answers, "bad_request"), answers
    # Nothing was applied: the provision still takes the first edit at revision 0.
    assert _edit(watcher, bill_id, 0, TEXT, TEXT + " more")["ok"]


def test_unfinished_markup_names_its_provision_when_it_holds_up_the_bill(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """An edit may leave markup half typed; a structure change or a publication then cannot read the bill, and the
    drafter must learn which provision to put right."""
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    assert _edit(author, bill_id, 0, TEXT, TEXT + " {{ref{href")["ok"]
    moved = author.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after",
                                      "name": "section", "num": "5.", "heading": "Bell", "text": "Text."})
    assert moved["ok"] is False and moved["error"]["code"] == "invalid_markup", moved
    assert moved["error"]["message"].startswith(f"section 1 ({SEC_1}) cannot be read: expected }}"), moved
    assert moved["eid"] == SEC_1
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("clerk"))
    assert published.status_code == 422
    assert published.get_json()["error"]["eid"] == SEC_1
    # Put right, the bill moves on.
    assert _edit(author, bill_id, 1, TEXT + " {{ref{href", TEXT)["ok"]
    again = author.call("structure", {"bill": bill_id, "action": "insert", "eid": SEC_4, "position": "after",
                                      "name": "section", "num": "5.", "heading": "Bell", "text": "Text."})
    assert again["ok"] is True, again


def test_markup_nested_past_the_limit_names_its_provision_rather_than_failing(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """Thousands of alternating `**` and `//` once exhausted Python's stack in the markup reader: the publication
    failed as an internal error and the drafters never learnt which provision held it up."""
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    assert _edit(author, bill_id, 0, TEXT, TEXT + " " + "**a//" * 3000)["ok"]
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                             headers=users.headers("clerk"))
    assert published.status_code == 422, published.get_json()
    error = published.get_json()["error"]
    assert error["code"] == "invalid_markup" and error["eid"] == SEC_1, error
    assert "nested at most" in error["message"], error
    # Put right, the text publishes.
    assert _edit(author, bill_id, 1, TEXT + " " + "**a//" * 3000, TEXT)["ok"]
    assert client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                       headers=users.headers("clerk")).status_code == 201
