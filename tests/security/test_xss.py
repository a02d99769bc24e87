"""XSS payloads through every user-controlled string into every HTML view (the CONSUL-style sweep).

Payloads go in through the real entry points: a bill title inside uploaded AKN, provision text by a live edit,
an amendment's text and justification, a comment body, a display name. Every GET page is then fetched and
must not contain any payload unescaped.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.domain import textpatch
from server.services import accounts, drafting
from server.store import eventlog
from server.store.db import Database
from server.store.models import User
from tests.security.conftest import World
from tests.security.routes import concrete_path, every_route
from tests.server.conftest import Accounts, small_bill_xml

PAYLOADS = [
    "<script>alert('t')</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(2)>",
    "</textarea><iframe src=javascript:alert(3)>",
]
MARKERS = ["<script>alert('t')", "<img src=x onerror", "<svg onload", "<iframe src=javascript"]


def _plant(client: FlaskClient, users: Accounts, db: Database) -> World:
    users.add("mallory", "citizen")
    with db.write() as session:
        # Display names are free text a citizen chooses at sign-up.
        accounts.register_user(session, "mallory_mp", "mp", "correct-horse", display_name=" ".join(PAYLOADS))
    mp_token = client.post("/api/tokens", json={"username": "mallory_mp", "password": "correct-horse"}).get_json()
    created = client.post("/api/bills", data=small_bill_xml("66", title="Bill " + " ".join(PAYLOADS)),
                          content_type="application/akn+xml", headers=users.headers("drafter"))
    assert created.status_code == 201, created.get_json()
    bill = created.get_json()["id"]
    eid = "part_2__sec_3__subsec_1"
    row = client.get(f"/api/bills/{bill}/provisions/{eid}").get_json()
    hostile = row["text"] + " " + " ".join(PAYLOADS)
    with db.write() as session:
        drafting.edit_provision(session, accounts.principal_for_user_id(session, users.ids["drafter"]),
                                bill_id=bill, eid=eid, rev=row["rev"], op_id="xss",
                                patch=textpatch.make_patch(row["text"], hostile), max_chars=100_000)
    amendment = client.post(f"/api/bills/{bill}/amendments",
                            json={"eid": "part_2__sec_4", "text": "The clerk " + PAYLOADS[1],
                                  "justification": " ".join(PAYLOADS)},
                            headers={"Authorization": f"Bearer {mp_token['token']}"})
    assert amendment.status_code == 201, amendment.get_json()
    now = eventlog.utcnow()
    opened = client.post(f"/api/bills/{bill}/consultations", headers=users.headers("clerk"), json={
        "opens_at": (now - timedelta(hours=1)).isoformat() + "Z",
        "closes_at": (now + timedelta(days=3)).isoformat() + "Z"})
    assert opened.status_code == 201, opened.get_json()
    comment = client.post(f"/api/bills/{bill}/comments", headers=users.headers("mallory"),
                          json={"eid": eid, "body": " ".join(PAYLOADS)})
    assert comment.status_code == 201, comment.get_json()
    mp_id = accounts_id(db, "mallory_mp")
    return World(bill=bill, eid=eid, amendment=amendment.get_json()["id"], consultation=opened.get_json()["id"],
                 comment=comment.get_json()["id"], own_comment=comment.get_json()["id"], mp_id=mp_id,
                 citizen_id=users.ids["mallory"])


def accounts_id(db: Database, username: str) -> int:
    with db.read() as session:
        return int(session.scalars(select(User.id).where(User.username == username)).one())


def test_no_payload_reaches_any_page_unescaped(app: Flask, client: FlaskClient, users: Accounts, db: Database) -> None:
    world = _plant(client, users, db)
    pages = 0
    leaks: list[str] = []
    for endpoint, method, rule in every_route(app):
        if method != "GET" or endpoint == "static":
            continue
        for viewer in ("clerk", "drafter"):
            response = client.get(concrete_path(rule, world), headers=users.headers(viewer))
            if "html" not in response.content_type:
                continue
            pages += 1
            html = response.get_data(as_text=True)
            leaks += [f"{endpoint} as {viewer}: {m}" for m in MARKERS if m in html]
    assert pages >= 12, "the sweep reached the HTML views"
    assert not leaks, leaks


def test_the_payloads_are_shown_as_text_where_they_belong(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    world = _plant(client, users, db)
    reader = client.get(f"/bills/{world.bill}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in reader  # the title, escaped, not dropped
    comments = client.get(f"/api/bills/{world.bill}/comments").get_json()["comments"]
    assert comments[0]["body"] == " ".join(PAYLOADS), "stored as written; escaping happens when rendered"


def test_the_rows_the_moderation_page_draws_live_keep_the_payloads_as_text(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    """The comments the moderation page draws while open come from ``/moderation/rows``, not over the live
    connection: the body, reported and then hidden, is escaped there as on the page, and the reporter's note too."""
    world = _plant(client, users, db)
    flagged = client.post(f"/api/comments/{world.comment}/flags", headers=users.headers("citizen"),
                          json={"reason": "spam", "note": PAYLOADS[1]})
    assert flagged.status_code == 201, flagged.get_json()
    for step in ("reported", "hidden"):
        if step == "hidden":
            hidden = client.post(f"/api/comments/{world.comment}/moderation", headers=users.headers("clerk"),
                                 json={"action": "hide", "reason": PAYLOADS[2]})
            assert hidden.status_code == 200, hidden.get_json()
        rows = client.get(f"/moderation/rows?comments={world.comment}", headers=users.headers("clerk"))
        assert rows.status_code == 200 and rows.mimetype == "text/html"
        drawn = rows.get_data(as_text=True)
        assert f'data-comment="{world.comment}"' in drawn, step
        assert [m for m in MARKERS if m in drawn] == [], step
        assert "&lt;script&gt;alert(" in drawn, step
