"""Live co-drafting over real Socket.IO connections: join, edit, broadcast, idempotence, conflicts, limits."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import socketio
from flask.testing import FlaskClient
from lxml import etree

from server.client.connection import socketio_client
from server.domain import textpatch
from server.services.drafting import KEPT_REVISIONS
from tests.server.conftest import Accounts, LiveServer
from tests.server.drafting.conftest import Watcher

EID = "part_1__sec_1"


def _edit(client: Watcher, bill: int, eid: str, rev: int, old: str, new: str, op_id: str | None = None) -> dict:
    payload = {"bill": bill, "eid": eid, "rev": rev, "patch": textpatch.make_patch(old, new),
               "op_id": op_id or uuid.uuid4().hex}
    ack: dict = client.call("edit", payload)
    # A fast machine sends these faster than a person types: wait as told and resend, as the editor does.
    while not ack["ok"] and ack["error"]["code"] == "rate_limited":
        time.sleep(float(ack.get("retry_after") or 0.05))
        ack = client.call("edit", payload)
    return ack


def _join(client: Watcher, bill: int, since: int | None = None) -> dict:
    ack = client.call("join", {"bill": bill, "since": since})
    assert ack["ok"], ack
    return ack


def test_join_gives_every_provision_text_and_revision(connect: Callable[..., Watcher], users: Accounts,
                                                       bill_id: int) -> None:
    ack = _join(connect(users.tokens["drafter"]), bill_id)
    assert ack["provisions"][EID] == {"text": "This Act may be cited as the Test Act, 2026.", "rev": 0,
                                      "wid": EID}
    assert "{{term{refersTo #term-clerk} clerk}}" in ack["provisions"]["part_2__sec_3__subsec_1"]["text"]
    assert ack["last_event_id"] >= 1 and ack["events"] == []
    # What one edit may carry and a provision hold on this server: clients split what is larger to fit.
    assert ack["limits"] == {"patch_chars": 64 * 1024, "provision_chars": 100_000}


def test_an_edit_is_acked_after_commit_and_broadcast_to_every_reader(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    author, reader, anonymous = connect(users.tokens["drafter"]), connect(users.tokens["mp"]), connect()
    for c in (author, reader, anonymous):
        _join(c, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    new = "This Act may be cited as the Public Test Act, 2026."
    ack = _edit(author, bill_id, EID, 0, old, new, op_id="op-1")
    assert ack == {"ok": True, "rev": 1, "event_id": ack["event_id"], "duplicate": False}
    for c in (author, reader, anonymous):
        assert c.wait_for(lambda c=c: any(e["id"] == ack["event_id"] for e in c.events))
    event = next(e for e in reader.events if e["id"] == ack["event_id"])
    assert event["type"] == "provision.edited" and event["bill"] == bill_id
    assert event["actor"] == users.ids["drafter"]
    assert event["data"]["rev"] == 1 and event["data"]["op_id"] == "op-1"
    assert textpatch.apply_exact(old, event["data"]["patch"]) == new
    assert client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()["text"] == new


def test_resending_an_op_id_never_applies_twice(connect: Callable[..., Watcher], users: Accounts, bill_id: int,
                                                client: FlaskClient) -> None:
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    first = _edit(author, bill_id, EID, 0, old, old + " Amen.", op_id="same")
    again = _edit(author, bill_id, EID, 0, old, old + " Amen.", op_id="same")
    assert again["ok"] and again["duplicate"] and again["rev"] == first["rev"]
    assert again["event_id"] == first["event_id"]
    body = client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()
    assert body["text"] == old + " Amen." and body["rev"] == 1


def test_concurrent_edits_at_different_places_are_both_kept(connect: Callable[..., Watcher], users: Accounts,
                                                              bill_id: int, client: FlaskClient) -> None:
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id), _join(b, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    assert _edit(a, bill_id, EID, 0, old, "Hereafter, this Act may be cited as the Test Act, 2026.")["ok"]
    late = _edit(b, bill_id, EID, 0, old, "This Act may be cited as the Test Act, 2026, in full.")
    assert late["ok"] and late["rev"] == 2
    text = client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()["text"]
    assert text == "Hereafter, this Act may be cited as the Test Act, 2026, in full."


def test_overlapping_concurrent_edit_is_a_conflict_with_the_current_text(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id), _join(b, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    assert _edit(a, bill_id, EID, 0, old, "Nothing here.")["ok"]
    refused = _edit(b, bill_id, EID, 0, old, "This Act may be cited as the Other Act, 2026.")
    assert refused["ok"] is False and refused["error"]["code"] == "edit_conflict"
    assert refused["text"] == "Nothing here." and refused["rev"] == 1


def test_a_late_copy_of_a_refused_op_is_refused_too_never_applied(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """A client merges a refused op into a new one; a copy of the old op arriving later must not add it again."""
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id), _join(b, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    assert _edit(a, bill_id, EID, 0, old, "This Act may be cited as the Other Act, 2026.")["ok"]
    refused = _edit(b, bill_id, EID, 0, old, "This Act may be cited as the Parley Act, 2026.", op_id="b-1")
    assert refused["error"]["code"] == "edit_conflict"
    # b merges its change and sends it as a new op; a then puts the words b's first op was made on back.
    assert _edit(b, bill_id, EID, 1, "This Act may be cited as the Other Act, 2026.",
                 "This Act may be cited as the Other Parley Act, 2026.", op_id="b-2")["ok"]
    assert _edit(a, bill_id, EID, 2, "This Act may be cited as the Other Parley Act, 2026.", old)["ok"]
    # The copy of b-1 resent on another connection would now merge cleanly from its base; it is refused.
    late = _edit(b, bill_id, EID, 0, old, "This Act may be cited as the Parley Act, 2026.", op_id="b-1")
    assert late["ok"] is False and late["error"]["code"] == "edit_conflict"
    assert late["text"] == old and late["rev"] == 3
    body = client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()
    assert body["text"] == old and body["rev"] == 3


def test_an_edit_on_a_revision_no_longer_kept_is_a_conflict_never_placed_by_look_alike_words(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    """A drafter back after a long network cut resends an edit made on a revision whose text the server no longer
    keeps: placed by its context, "publish" -> "print" went into a colleague's look-alike sentence."""
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id), _join(b, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    mine = "A. the Clerk shall publish the register!"
    assert _edit(a, bill_id, EID, 0, old, mine)["ok"]
    text, rev = mine, 1
    for n in range(KEPT_REVISIONS + 60):  # a colleague types on meanwhile: the base's text is let go
        new = text + "x" if n % 2 == 0 else text[:-1]
        assert _edit(b, bill_id, EID, rev, text, new)["ok"]
        text, rev = new, rev + 1
    theirs = "B. the Clerk shall publish the notice. " + text
    assert _edit(b, bill_id, EID, rev, text, theirs)["ok"]
    late = _edit(a, bill_id, EID, 1, mine, mine.replace("publish", "print"))
    assert late["ok"] is False and late["error"]["code"] == "edit_conflict"
    assert late["text"] == theirs and late["rev"] == rev + 1
    assert client.get(f"/api/bills/{bill_id}/provisions/{EID}").get_json()["text"] == theirs


def test_markup_survives_a_one_word_edit(connect: Callable[..., Watcher], users: Accounts, bill_id: int,
                                         client: FlaskClient) -> None:
    eid = "part_2__sec_3__subsec_1"
    author = connect(users.tokens["drafter"])
    old = _join(author, bill_id)["provisions"][eid]["text"]
    new = old.replace("thirty", "sixty")
    assert _edit(author, bill_id, eid, 0, old, new)["ok"]
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("drafter"))
    assert published.status_code == 201, published.get_json()
    root = etree.fromstring(client.get(published.get_json()["expression_uri"] + ".xml").get_data())
    ns = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    edited = root.xpath(f"//a:subsection[@eId='{eid}']//a:p", namespaces=ns)[0]
    assert "".join(edited.itertext()) == "The clerk shall open a consultation within sixty days."
    assert edited.xpath("a:term/@refersTo", namespaces=ns) == ["#term-clerk"]
    assert root.xpath("//a:ref/@href", namespaces=ns) == ["/akn/ke/act/2010/constitution"]


@pytest.mark.parametrize("username", ["mp", "citizen", "clerk"])
def test_only_drafters_edit(connect: Callable[..., Watcher], users: Accounts, bill_id: int, username: str) -> None:
    other = connect(users.tokens[username])
    _join(other, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    refused = _edit(other, bill_id, EID, 0, old, "Mine now.")
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"


def test_anonymous_readers_watch_but_cannot_edit(connect: Callable[..., Watcher], bill_id: int) -> None:
    reader = connect()
    _join(reader, bill_id)
    refused = _edit(reader, bill_id, EID, 0, "This Act may be cited as the Test Act, 2026.", "x")
    assert refused["ok"] is False and refused["error"]["code"] == "unauthenticated"


def _connect_refusal(url: str, headers: dict[str, str] | None = None) -> list[object]:
    """What a client connecting to ``url`` with a wrong token is told (its ``connect_error`` data)."""
    client = socketio_client(reconnection=False, request_timeout=15)
    told: list[object] = []
    client.on("connect_error", lambda *data: told.extend(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, auth={"token": "not-a-token"}, transports=["websocket"], headers=headers or {},
                       wait_timeout=10)
    return told


def test_a_wrong_token_is_refused_at_connect(live_server: LiveServer) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        Watcher(live_server.url, "not-a-token")
    # The reason, as docs/protocol.md gives it.
    assert _connect_refusal(live_server.url) == [{"message": "the token is unknown, expired or revoked"}]


def test_a_wrong_token_is_refused_in_the_language_the_handshake_asks_for(live_server: LiveServer) -> None:
    french = [{"message": "le jeton est inconnu, expiré ou révoqué"}]
    assert _connect_refusal(live_server.url + "?lang=fr") == french
    assert _connect_refusal(live_server.url, {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}) == french
    english = [{"message": "the token is unknown, expired or revoked"}]
    assert _connect_refusal(live_server.url + "?lang=en", {"Accept-Language": "fr"}) == english


def test_an_edit_for_another_bill_than_the_joined_one_touches_nothing(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    from tests.server.conftest import small_bill_xml

    second = client.post("/api/bills", data=small_bill_xml("8", "Other Bill"), content_type="application/akn+xml",
                         headers=users.headers("drafter"))
    assert second.status_code == 201, second.get_json()
    other_id = second.get_json()["id"]
    author = connect(users.tokens["drafter"])
    _join(author, other_id)
    refused = _edit(author, bill_id, EID, 0, "This Act may be cited as the Test Act, 2026.", "Hijacked.")
    # Not a refusal of the edit for good: a client whose join has not reached the server joins, then sends again.
    assert refused["ok"] is False and refused["error"]["code"] == "not_joined"
    for target in (bill_id, other_id):
        assert client.get(f"/api/bills/{target}/provisions/{EID}").get_json()["rev"] == 0


def test_reconnecting_with_since_gets_exactly_the_missed_events(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    author, reader = connect(users.tokens["drafter"]), connect(users.tokens["mp"])
    last_seen = _join(reader, bill_id)["last_event_id"]
    reader.close()
    _join(author, bill_id)
    text = "This Act may be cited as the Test Act, 2026."
    acks = []
    for n in range(3):
        new = f"{text} ({n})"
        acks.append(_edit(author, bill_id, EID, n, text, new))
        text = new
    back = connect(users.tokens["mp"])
    missed = _join(back, bill_id, since=last_seen)
    assert [e["id"] for e in missed["events"]] == [a["event_id"] for a in acks]
    assert missed["provisions"][EID] == {"text": text, "rev": 3, "wid": EID}


def test_oversize_patch_and_oversize_provision_are_refused_with_an_ack(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, app
) -> None:
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    huge = _edit(author, bill_id, EID, 0, old, old + "x" * 70_000)
    assert huge["ok"] is False and huge["error"]["code"] == "payload_too_large"
    app.config["MAX_PROVISION_CHARS"] = 60
    grown = _edit(author, bill_id, EID, 0, old, old + " and then some more words")
    assert grown["ok"] is False and grown["error"]["code"] == "provision_too_large"
    assert author.call("join", {"bill": bill_id})["provisions"][EID]["rev"] == 0


def test_an_edit_far_over_the_patch_limit_is_refused_with_an_ack_not_dropped(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    """The transport takes any message whose fields are within their limits, however the client encodes them, so
    the handler answers: a pasted chapter, or a patch at the limit in characters that JSON escapes to 12 bytes
    each (a Python client's astral characters), is refused with a reason, not left to time out."""
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    old = "This Act may be cited as the Test Act, 2026."
    pasted = _edit(author, bill_id, EID, 0, old, old + "x" * 300_000)
    assert pasted["ok"] is False and pasted["error"]["code"] == "payload_too_large", pasted
    escaped = author.call("edit", {"bill": bill_id, "eid": EID, "rev": 0, "patch": "\U0001F600" * (64 * 1024),
                                   "op_id": uuid.uuid4().hex})
    assert escaped["ok"] is False and escaped["error"]["code"], escaped
    assert author.call("join", {"bill": bill_id})["provisions"][EID]["rev"] == 0


def test_a_flood_of_edits_is_rate_limited_per_user(connect: Callable[..., Watcher], users: Accounts,
                                                   bill_id: int) -> None:
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    text = "This Act may be cited as the Test Act, 2026."
    answers: list[dict] = []
    done = threading.Event()

    def collect(answer: dict) -> None:
        answers.append(answer)
        if len(answers) == 60:
            done.set()

    # Sixty edits sent at once, without waiting for acks: far above the 20-a-second allowance.
    for n in range(60):
        author.client.emit("edit", {"bill": bill_id, "eid": EID, "rev": 0, "op_id": f"flood-{n}",
                                    "patch": textpatch.make_patch(text, f"{text} {n}")}, callback=collect)
    assert done.wait(30)
    codes = Counter(a["error"]["code"] if not a["ok"] else "ok" for a in answers)
    assert codes["rate_limited"] >= 30 and codes["ok"] >= 1, codes
    # Each refusal says how long to wait before sending again (the allowance refills at 20 a second).
    waits = [a["retry_after"] for a in answers if not a["ok"]]
    assert all(0 < wait <= 1 / 20 + 0.01 for wait in waits), waits
    # Another drafter is not starved by the first one's flood.
    other = connect(users.tokens["drafter2"])
    _join(other, bill_id)
    assert _edit(other, bill_id, "part_1__sec_2__para_b", 0, '"register" means the register kept under section 3.',
                 '"register" means the public register kept under section 3.')["ok"]


def test_presence_is_relayed_and_cleared_on_disconnect(connect: Callable[..., Watcher], users: Accounts,
                                                       bill_id: int) -> None:
    a, b = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    _join(a, bill_id), _join(b, bill_id)
    assert a.call("presence", {"bill": bill_id, "eid": EID, "cursor": {"anchor": 3, "head": 7}})["ok"]
    assert b.wait_for(lambda: any(p.get("eid") == EID for p in b.presence))
    seen = next(p for p in b.presence if p.get("eid") == EID)
    assert seen["user"] == users.ids["drafter"] and seen["cursor"] == {"anchor": 3, "head": 7}
    a.close()
    assert b.wait_for(lambda: any(p.get("left") for p in b.presence))


def test_presence_is_the_drafters_own_readers_neither_send_nor_hear_it(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int
) -> None:
    drafter, colleague = connect(users.tokens["drafter"]), connect(users.tokens["drafter2"])
    readers = {name: connect(users.tokens[name]) for name in ("mp", "citizen", "clerk")}
    anonymous = connect()
    for client in (drafter, colleague, anonymous, *readers.values()):
        _join(client, bill_id)
    # A reader's cursor would show in the drafters' editors as someone editing: refused.
    for name, reader in readers.items():
        refused = reader.call("presence", {"bill": bill_id, "eid": EID, "cursor": {"anchor": 0, "head": 999999}})
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden", (name, refused)
    assert anonymous.call("presence", {"bill": bill_id, "eid": EID})["error"]["code"] == "unauthenticated"
    assert drafter.call("presence", {"bill": bill_id, "eid": EID, "cursor": {"anchor": 3, "head": 7}})["ok"]
    assert colleague.wait_for(lambda: any(p.get("eid") == EID for p in colleague.presence))
    drafter.close()
    assert colleague.wait_for(lambda: any(p.get("left") for p in colleague.presence))
    # Everything sent to the drafters has arrived; none of it went to the bill's readers.
    assert all(p["user"] == users.ids["drafter"] for p in colleague.presence)
    for reader in (anonymous, *readers.values()):
        assert reader.presence == []


def test_the_public_stream_carries_public_events_without_actors(
    connect: Callable[..., Watcher], users: Accounts, bill_id: int, client: FlaskClient
) -> None:
    follower = connect()
    assert follower.call("follow_public", {})["ok"]
    author = connect(users.tokens["drafter"])
    _join(author, bill_id)
    ack = _edit(author, bill_id, EID, 0, "This Act may be cited as the Test Act, 2026.", "Renamed.")
    published = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                            headers=users.headers("drafter"))
    assert published.status_code == 201
    assert follower.wait_for(lambda: any(e["type"] == "version.published" for e in follower.events))
    edited = next(e for e in follower.events if e["id"] == ack["event_id"])
    assert edited["data"] == {"eid": EID, "rev": 1} and "actor" not in edited


def test_a_reader_may_join_without_the_provision_texts(connect: Callable[..., Watcher], bill_id: int) -> None:
    reader = connect()
    ack = reader.call("join", {"bill": bill_id, "since": None, "provisions": False})
    assert ack["ok"] and ack["provisions"] == {} and ack["last_event_id"] >= 1


def test_every_amendment_step_reaches_the_bill_room(connect: Callable[..., Watcher], users: Accounts,
                                                    bill_id: int, client: FlaskClient) -> None:
    reader = connect(users.tokens["mp"])  # the proposer: a draft's own events reach only those who may read it
    _join(reader, bill_id)
    drafted = client.post(f"/api/bills/{bill_id}/amendments", headers=users.headers("mp"), json={
        "eid": "part_2__sec_3__subsec_2", "justification": "Longer.",
        "text": "A consultation shall remain open for **not less than** sixty days."})
    assert drafted.status_code == 201, drafted.get_json()
    amendment = drafted.get_json()["id"]
    assert client.post(f"/api/amendments/{amendment}/transitions", headers=users.headers("mp"),
                       json={"to": "tabled"}).status_code == 200
    assert client.post(f"/api/amendments/{amendment}/transitions", headers=users.headers("clerk"),
                       json={"to": "admissible"}).status_code == 200
    expected = ["amendment.drafted", "amendment.tabled", "amendment.admitted"]
    assert reader.wait_for(lambda: [e["type"] for e in reader.events if e["type"].startswith("amendment.")]
                           == expected), [e["type"] for e in reader.events]
    assert all(e["data"]["amendment_id"] == amendment for e in reader.events if e["type"] in expected)


def test_a_refusal_on_the_socket_reads_in_the_language_the_connection_asked_for(
    live_server: LiveServer, users: Accounts, bill_id: int
) -> None:
    french = Watcher(live_server.url, users.tokens["drafter"], headers={"Accept-Language": "fr"})
    english = Watcher(live_server.url, users.tokens["drafter"])
    try:
        edit = {"bill": bill_id, "eid": EID, "rev": 0, "patch": "", "op_id": uuid.uuid4().hex}
        refused = french.call("edit", edit)
        assert refused["error"] == {"code": "not_joined", "message": f"rejoignez le projet de loi {bill_id} avant "
                                                                      "de lui envoyer des modifications"}
        assert english.call("edit", edit)["error"] == {"code": "not_joined", "message": f"join bill {bill_id} before "
                                                                                       "sending changes to it"}
    finally:
        french.close()
        english.close()


def test_an_event_the_server_does_not_have_is_refused_in_its_ack(
    connect: Callable[..., Watcher], users: Accounts,
) -> None:
    for watcher in (connect(users.tokens["drafter"]), connect()):
        ack = watcher.call("no_such_event", {"bill": 1})
        assert ack == {"ok": False, "error": {
            "code": "bad_request",
            "message": "there is no event 'no_such_event'; expected one of edit, follow_moderation, follow_public, "
                       "join, leave, presence, structure"}}
