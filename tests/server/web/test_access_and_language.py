"""Who may open which page, the interface language, and browser sockets signed in by their session cookie."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from server.client.connection import socketio_client
from tests.server.conftest import Accounts, LiveServer
from tests.server.web.conftest import parse, sign_in


def test_pages_for_a_role_send_visitors_to_sign_in_and_refuse_other_roles(
    app: Flask, users: Accounts, bill_id: int
) -> None:
    anonymous = app.test_client()
    answer = anonymous.get(f"/bills/{bill_id}/edit")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    assert anonymous.get("/moderation").status_code == 302

    member = app.test_client()
    sign_in(member, "mp")
    refused = member.get(f"/bills/{bill_id}/edit")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "you are signed in as mp" in parse(refused.data).xpath('string(//p[@role="alert"])')
    assert member.get("/moderation").status_code == 403

    drafter = app.test_client()
    sign_in(drafter, "drafter")
    editor = parse(drafter.get(f"/bills/{bill_id}/edit").data)
    assert editor.xpath('//script[@id="editor-outline"]')
    clerk = app.test_client()
    sign_in(clerk, "clerk")
    assert clerk.get("/moderation").status_code == 200


def test_sign_in_goes_back_to_the_page_asked_for_and_never_off_site(app: Flask, users: Accounts) -> None:
    from tests.server.web.conftest import csrf_token

    client = app.test_client()
    for target, expected in (("/moderation", "/moderation"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        answer = client.post(f"/login?next={target}", data={
            "username": "clerk", "password": "correct-horse", "csrf_token": csrf_token(client)})
        assert answer.headers["Location"] == expected


def test_language_is_chosen_by_parameter_remembered_and_kept_through_sign_in(
    client: FlaskClient, users: Accounts
) -> None:
    french = parse(client.get("/?lang=fr").data)
    assert french.get("lang") == "fr"
    assert french.xpath('string(//nav[contains(@class,"site-nav")])').strip().startswith("Projets de loi")
    assert parse(client.get("/login").data).get("lang") == "fr"
    sign_in(client, "citizen")
    assert parse(client.get("/").data).get("lang") == "fr"
    assert parse(client.get("/?lang=en").data).get("lang") == "en"
    assert parse(client.get("/").data).get("lang") == "en"


def test_browser_prefers_its_accept_language_until_a_choice_is_made(client: FlaskClient) -> None:
    page = parse(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).data)
    assert page.get("lang") == "fr"
    assert parse(client.get("/?lang=en", headers={"Accept-Language": "fr"}).data).get("lang") == "en"


def test_a_signed_in_browser_opens_its_socket_as_its_user(
    app: Flask, users: Accounts, bill_id: int, live_server: LiveServer
) -> None:
    browser = app.test_client()
    # Sessions are bound to the browser that signed in (Flask-Login's strong protection): same agent, same address.
    browser.environ_base["HTTP_USER_AGENT"] = "parley-test-browser"
    sign_in(browser, "drafter")
    cookie = browser.get_cookie("session")
    assert cookie is not None

    def presence_answer(headers: dict[str, str]) -> dict[str, object]:
        client = socketio_client(reconnection=False)
        client.connect(live_server.url, headers=headers, transports=["websocket"], wait_timeout=10)
        try:
            assert client.call("join", {"bill": bill_id, "since": None}, timeout=10)["ok"] is True
            answer: dict[str, object] = client.call("presence", {"bill": bill_id, "eid": None, "cursor": None},
                                                    timeout=10)
            return answer
        finally:
            client.disconnect()

    signed_in = presence_answer({"Cookie": f"session={cookie.value}", "User-Agent": "parley-test-browser"})
    assert signed_in == {"ok": True}
    anonymous = presence_answer({})
    assert anonymous["ok"] is False and anonymous["error"]["code"] == "unauthenticated"  # type: ignore[index]


def test_a_label_and_its_value_are_set_apart_as_each_language_writes_them(client: FlaskClient, bill_id: int) -> None:
    english = parse(client.get(f"/bills/{bill_id}/amendments?lang=en").data)
    assert english.xpath("string(//h1)").startswith("Amendments: ")
    # French puts a no-break space before the colon.
    french = parse(client.get(f"/bills/{bill_id}/amendments?lang=fr").data)
    assert french.xpath("string(//h1)").startswith("Amendements\u00a0: ")
    # The browser's own labels ("Approbations : 1") take the same separator.
    strings = json.loads(french.xpath('string(//script[@id="parley-strings"])'))
    assert (strings["colon"], strings["endorsements"]) == ("\u00a0: ", "Approbations")
