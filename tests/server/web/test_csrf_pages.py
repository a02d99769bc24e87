"""A page's form that fails the CSRF check (its session expired, or it was posted from another site) answers with a
page that tells the person what to do; the JSON API keeps its JSON error."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import Accounts
from tests.server.web.conftest import csrf_token, parse, sign_in

EXPIRED = "This form has expired or was sent from another site. Reload the page and send it again."


def _alert(body: bytes) -> str:
    return " ".join(parse(body).xpath('//p[@role="alert"]')[0].text_content().split())


def test_a_sign_in_without_its_token_is_a_page_that_says_to_reload(client: FlaskClient, users: Accounts) -> None:
    answer = client.post("/login", data={"username": "clerk", "password": "correct-horse"})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert _alert(answer.data) == EXPIRED
    assert b"csrf_failed" not in answer.data
    # Nobody was signed in by it.
    assert client.get("/account/password").status_code == 302


def test_a_form_whose_session_expired_is_a_page_and_reloading_it_works(app: Flask, users: Accounts) -> None:
    client = app.test_client()
    token = csrf_token(client)
    client.delete_cookie("session")  # the browser lost its session (expired, cleared) while the form was open
    answer = client.post("/login", data={"username": "clerk", "password": "correct-horse", "csrf_token": token})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert _alert(answer.data) == EXPIRED
    # The page answered carries a fresh token: the form, reloaded and sent again, goes through.
    sign_in(client, "clerk")


def test_the_page_is_in_the_readers_language(client: FlaskClient) -> None:
    answer = client.post("/login?lang=fr", data={"username": "clerk", "password": "correct-horse"})
    assert answer.status_code == 400
    assert _alert(answer.data) == ("Ce formulaire a expiré ou a été envoyé depuis un autre site. Rechargez la page "
                                   "et envoyez-le de nouveau.")


def test_the_api_keeps_its_json_error(client: FlaskClient, users: Accounts, bill_id: int) -> None:
    sign_in(client, "clerk")
    answer = client.post(f"/api/bills/{bill_id}/consultations",
                         json={"opens_at": "2030-01-01T00:00:00Z", "closes_at": "2030-02-01T00:00:00Z"})
    assert answer.status_code == 400
    assert answer.mimetype == "application/json"
    error = answer.get_json()["error"]
    assert error["code"] == "csrf_failed"
    assert error["message"] == "the CSRF token is missing or invalid: The CSRF token is missing."


def test_the_apis_csrf_error_reads_in_the_language_of_whoever_asked(client: FlaskClient, users: Accounts,
                                                                   bill_id: int) -> None:
    sign_in(client, "clerk")
    answer = client.post(f"/api/bills/{bill_id}/consultations", headers={"Accept-Language": "fr"},
                         json={"opens_at": "2030-01-01T00:00:00Z", "closes_at": "2030-02-01T00:00:00Z"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == {"code": "csrf_failed",
                                          "message": "le jeton CSRF est absent ou invalide : Le jeton CSRF est absent."}
