"""Accounts over HTTP: tokens, 401 for strangers, 403 for the wrong role, browser sessions with CSRF."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.server.conftest import Accounts


def _csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def test_token_is_issued_for_right_credentials_only(client: FlaskClient, users: Accounts) -> None:
    good = client.post("/api/tokens", json={"username": "mp", "password": "correct-horse"})
    assert good.status_code == 201
    token = good.get_json()["token"]
    assert len(token) >= 32
    bad = client.post("/api/tokens", json={"username": "mp", "password": "wrong-horse"})
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "unauthenticated"
    unknown = client.post("/api/tokens", json={"username": "nobody", "password": "wrong-horse"})
    assert unknown.status_code == 401
    assert unknown.get_json()["error"]["message"] == bad.get_json()["error"]["message"]


def test_malformed_token_request_is_a_clear_400(client: FlaskClient) -> None:
    response = client.post("/api/tokens", data="not json", content_type="text/plain")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "JSON object" in error["message"]


def test_unauthenticated_write_is_refused_with_401(client: FlaskClient) -> None:
    response = client.post("/api/bills", data=b"<x/>", content_type="application/akn+xml")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_wrong_role_is_refused_with_403(client: FlaskClient, users: Accounts) -> None:
    for username in ("citizen", "mp"):
        response = client.post(
            "/api/bills", data=b"<x/>", content_type="application/akn+xml", headers=users.headers(username)
        )
        assert response.status_code == 403, username
        assert response.get_json()["error"]["code"] == "forbidden"


def test_unknown_bearer_token_is_not_a_sign_in(client: FlaskClient) -> None:
    response = client.post(
        "/api/bills", data=b"<x/>", content_type="application/akn+xml",
        headers={"Authorization": "Bearer not-a-real-token"},
    )
    assert response.status_code == 401


def test_browser_login_rotates_the_session_and_requires_csrf(client: FlaskClient, users: Accounts) -> None:
    token = _csrf(client)
    client.set_cookie("session", "planted-by-an-attacker", domain="localhost")
    refused = client.post("/login", data={"username": "clerk", "password": "correct-horse"})
    assert refused.status_code == 400
    # A form refused as a page that says why (the API answers csrf_failed in JSON).
    assert refused.mimetype == "text/html" and b"This form has expired" in refused.data

    token = _csrf(client)
    before = client.get_cookie("session")
    signed_in = client.post("/login", data={"username": "clerk", "password": "correct-horse",
                                            "csrf_token": token})
    assert signed_in.status_code == 302
    after = client.get_cookie("session")
    assert after is not None and (before is None or after.value != before.value)
    assert after.http_only
    home = client.get("/").get_data(as_text=True)
    assert "Clerk" in home or "clerk" in home

    # A JSON write from the signed-in browser without the CSRF header is refused; with it, it goes through
    # to the service (which then judges the document itself).
    no_header = client.post("/api/bills", data=b"<x/>", content_type="application/akn+xml")
    assert no_header.status_code == 400 and no_header.get_json()["error"]["code"] == "csrf_failed"
    with_header = client.post("/api/bills", data=b"<x/>", content_type="application/akn+xml",
                              headers={"X-CSRFToken": _csrf(client, "/")})
    assert with_header.status_code not in (400, 401, 403) or with_header.get_json()["error"]["code"] != "csrf_failed"


def test_wrong_password_in_the_browser_says_so(client: FlaskClient, users: Accounts) -> None:
    response = client.post("/login", data={"username": "clerk", "password": "nope-nope", "csrf_token": _csrf(client)})
    assert response.status_code == 401
    assert "wrong" in response.get_data(as_text=True)


def test_healthz_reports_dialect_and_last_event(client: FlaskClient, users: Accounts, database_url: str) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert body["last_event_id"] == 6  # six accounts registered


def test_unknown_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
