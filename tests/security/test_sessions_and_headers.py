"""Browser sessions: rotation at sign-in and sign-out, CSRF, cookie flags, and the security headers on pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from server.app import create_app
from tests.security.conftest import World
from tests.security.routes import concrete_path, every_route
from tests.server.conftest import Accounts, make_config

PASSWORD = "correct-horse"


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "every page carries its CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_sign_in_starts_a_fresh_session(client: FlaskClient, users: Accounts) -> None:
    client.get("/login")
    with client.session_transaction() as planted:
        planted["planted_by_attacker"] = "fixation"
        planted["sid"] = "chosen-by-attacker"
    sign_in(client, "clerk")
    with client.session_transaction() as current:
        assert "planted_by_attacker" not in current
        assert current["sid"] != "chosen-by-attacker"
        assert current["_user_id"] == str(users.ids["clerk"])
    first_sid = current["sid"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with client.session_transaction() as after:
        assert "_user_id" not in after
    sign_in(client, "clerk")
    with client.session_transaction() as again:
        assert again["sid"] != first_sid


def test_signed_out_session_cannot_reach_clerk_pages(client: FlaskClient, users: Accounts) -> None:
    sign_in(client, "clerk")
    assert client.get("/moderation").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.get("/moderation")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_browser_writes_need_the_csrf_token(client: FlaskClient, users: Accounts, world: World) -> None:
    sign_in(client, "citizen")
    body = {"eid": world.eid, "body": "Posted from a page on another site."}
    forged = client.post(f"/api/bills/{world.bill}/comments", json=body)
    assert forged.status_code == 400
    assert forged.get_json()["error"]["code"] == "csrf_failed" or "CSRF" in forged.get_json()["error"]["message"]
    token = csrf_token(client, f"/bills/{world.bill}")
    genuine = client.post(f"/api/bills/{world.bill}/comments", json=body, headers={"X-CSRFToken": token})
    assert genuine.status_code == 201, genuine.get_json()
    # Signing in is a form too: a forged sign-in (login CSRF) is refused.
    assert FlaskClient(client.application).post(
        "/login", data={"username": "citizen", "password": PASSWORD}).status_code == 400


def test_a_write_no_route_takes_is_405_or_404_not_an_expired_form(client: FlaskClient, users: Accounts,
                                                                  world: World) -> None:
    work = client.get(f"/api/bills/{world.bill}").get_json()["work_uri"]
    for path in (work, "/feed.atom", "/healthz"):
        refused = client.post(path, headers={"Accept": "application/json"})
        assert refused.status_code == 405 and refused.get_json()["error"]["code"] == "method_not_allowed", path
    assert client.post("/no/such/page", headers={"Accept": "application/json"}).status_code == 404
    # Signed in, the same: and a write to a route that takes it still needs the token.
    sign_in(client, "citizen")
    assert client.post(work, headers={"Accept": "application/json"}).status_code == 405
    assert client.post(f"/api/bills/{world.bill}/comments", json={"eid": world.eid, "body": "x"}).status_code == 400


def _session_cookie(client: FlaskClient) -> str:
    response = client.post("/login", data={"username": "citizen", "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "signing in sets the session cookie"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient, users: Accounts) -> None:
    cookie = _session_cookie(client)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP development: a Secure cookie would never come back


def test_session_cookie_is_secure_when_configured(sqlite_url: str, tmp_path: Path, users: Accounts) -> None:
    app = create_app(make_config(sqlite_url, tmp_path, SESSION_COOKIE_SECURE=True))
    try:
        client = app.test_client()
        cookie = _session_cookie(client)
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.extensions["parley.db"].dispose()


def test_production_config_defaults_to_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import load_config

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/unused.db")
    settings = load_config("production").as_dict()
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True


def test_every_page_sends_csp_and_the_other_security_headers(
    app: object, client: FlaskClient, users: Accounts, world: World
) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    checked = 0
    for endpoint, method, rule in every_route(app):
        if method != "GET":
            continue
        response = client.get(concrete_path(rule, world), headers=users.headers("clerk"))
        headers = response.headers
        policy = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, endpoint
        # A page may tighten the policy (nonces) but never allow inline or evaluated script.
        script_src = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
        assert script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, endpoint
        assert headers["X-Content-Type-Options"] == "nosniff", endpoint
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", endpoint
        assert headers["X-Frame-Options"] == "DENY", endpoint
        checked += 1
    assert checked >= 30
    # Error pages too.
    assert "Content-Security-Policy" in client.get("/no/such/page").headers


def test_pages_have_no_inline_script_the_csp_would_block(
    app: object, client: FlaskClient, users: Accounts, world: World
) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    handlers = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    for path in ("/", "/login", "/register", f"/bills/{world.bill}", f"/bills/{world.bill}/amendments",
                 f"/bills/{world.bill}/edit", f"/amendments/{world.amendment}", "/moderation",
                 f"/mps/{world.mp_id}"):
        html = client.get(path, headers=users.headers("drafter" if path.endswith("/edit") else "clerk")).get_data(
            as_text=True)
        assert not inline.search(html), f"{path} has an inline script"
        assert not handlers.search(html), f"{path} has an inline event handler"
