"""The demo data goes through the same services users drive: everything of it is in the event log."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from server.demo import DEMO_USERS, load_demo
from server.store import eventlog, projections
from server.store.db import Database
from tests.server.web.conftest import parse, sign_in


def _sections(nodes: list[dict]) -> int:
    return sum((1 if n["eid"].split("__")[-1].startswith("sec_") else 0) + _sections(n["children"]) for n in nodes)


def test_the_demo_is_a_realistic_bill_in_drafting_open_for_amendments_and_comments(
    app: Flask, db: Database, client: FlaskClient
) -> None:
    lines = list(load_demo(db, app.config))
    assert lines[0] == "demo data loaded"
    assert all(any(u[0] in line and u[3] in line for line in lines) for u in DEMO_USERS), "passwords are printed"
    assert {u[1] for u in DEMO_USERS} == {"drafter", "mp", "clerk", "citizen", "admin"}

    (bill,) = client.get("/api/bills").get_json()["bills"]
    assert bill["status"] == "drafting"
    detail = client.get(f"/api/bills/{bill['id']}").get_json()
    assert [p["name"] for p in detail["provisions"]] == ["part"] * 5
    assert _sections(detail["provisions"]) >= 20

    amendments = client.get(f"/api/bills/{bill['id']}/amendments").get_json()["amendments"]
    assert [a["state"] for a in amendments] == ["tabled"]  # the draft is its member's own
    username, _role, _name, password = next(u for u in DEMO_USERS if u[1] == "clerk")
    token = client.post("/api/tokens", json={"username": username, "password": password}).get_json()["token"]
    read = client.get(f"/api/bills/{bill['id']}/amendments", headers={"Authorization": f"Bearer {token}"})
    assert [a["state"] for a in read.get_json()["amendments"]] == ["tabled", "draft"]
    assert amendments[0]["instruction"] == 'In section 5(2), leave out "thirty" and insert "sixty".'
    comments = client.get(f"/api/bills/{bill['id']}/comments").get_json()["comments"]
    assert len(comments) == 3 and comments[0]["endorsements"] == 1

    again = list(load_demo(db, app.config))
    assert again[0] == "demo data already loaded"
    with db.write() as session:
        assert eventlog.verify_chain(session).ok
        live = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == live


def test_the_header_names_a_demo_account_and_its_role_once(app: Flask, db: Database, client: FlaskClient) -> None:
    # The header adds the role after the name ("Brian Kamau (drafter)"): a name that carries it already
    # would read "Brian Kamau (drafter) (drafter)".
    for _username, role, name, _password in DEMO_USERS:
        assert f"({role})" not in name, name
    list(load_demo(db, app.config))
    passwords = {username: password for username, _role, _name, password in DEMO_USERS}
    sign_in(client, "drafter2", passwords["drafter2"])
    who = " ".join(parse(client.get("/").data).xpath("string(//header//*[@class='who'])").split())
    assert who == "Brian Kamau (drafter)"
