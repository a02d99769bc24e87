"""A member's page at an address that names no member (``/mps/abc``, an id past any stored, someone who is not an
MP): a browser gets the HTML page "Not found" in the reader's language, as for any unknown address; programs, and
the API's ``/api/mps/...``, get the JSON error."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/mps/abc", "/mps/1.5", "/mps/-1", "/mps/99999999999", "/mps/abc/"])
@pytest.mark.parametrize(("language", "heading"), [("en", "Not found"), ("fr", "Introuvable")])
def test_an_address_that_is_no_member_id_is_a_page_in_the_readers_language(
    client: FlaskClient, path: str, language: str, heading: str,
) -> None:
    opened = client.get(path, headers={"Accept": BROWSER, "Accept-Language": language})
    assert opened.status_code == 404 and opened.mimetype == "text/html"
    page = parse(opened.data)
    assert page.xpath("string(/html/@lang)") == language
    assert page.xpath("string(//main//h1)") == heading


def test_a_member_id_that_names_no_member_is_a_page_too(client: FlaskClient, users: Accounts) -> None:
    for user_id in (999_999, users.ids["citizen"]):
        opened = client.get(f"/mps/{user_id}?lang=fr", headers={"Accept": BROWSER})
        assert opened.status_code == 404 and opened.mimetype == "text/html"
        assert parse(opened.data).xpath("string(//main//h1)") == "Introuvable"


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "application/json"}])
def test_programs_keep_the_json_error(client: FlaskClient, headers: dict[str, str]) -> None:
    answer = client.get("/mps/abc", headers=headers)
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    assert answer.get_json()["error"]["code"] == "not_found"


def test_the_api_answers_json_even_to_a_browser(client: FlaskClient) -> None:
    answer = client.get("/api/mps/abc", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    assert answer.status_code == 404 and answer.mimetype == "application/json"
    assert answer.get_json()["error"]["code"] == "not_found"
