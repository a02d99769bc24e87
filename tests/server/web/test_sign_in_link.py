"""The header's Sign-in link: it comes back to the page it was followed from, but never to a page of signing in,
up or confirming an address, and on those it keeps where the reader was going rather than nesting it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.server.conftest import Accounts
from tests.server.web.conftest import csrf_token, parse


def sign_in_link(client: FlaskClient, path: str) -> str:
    """The href of the Sign-in link in the header of the page at ``path``."""
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    found = parse(answer.data).xpath('//header//a[normalize-space()="Sign in"]/@href')
    assert len(found) == 1, f"one Sign-in link in the header of {path}"
    return str(found[0])


def next_of(link: str) -> list[str]:
    """The ``next`` values of ``link`` (a /login address)."""
    parts = urlsplit(link)
    assert parts.path == "/login"
    return parse_qs(parts.query).get("next", [])


def test_the_link_comes_back_to_the_page_it_was_followed_from(client: FlaskClient, bill_id: int) -> None:
    assert next_of(sign_in_link(client, f"/bills/{bill_id}?version=1")) == [f"/bills/{bill_id}?version=1"]
    assert next_of(sign_in_link(client, "/")) == ["/"]


def test_on_the_sign_in_page_the_link_does_not_lead_back_to_it(client: FlaskClient) -> None:
    assert sign_in_link(client, "/login") == "/login"


def test_following_the_link_again_and_again_keeps_where_the_reader_was_going(client: FlaskClient,
                                                                             bill_id: int) -> None:
    link = sign_in_link(client, f"/bills/{bill_id}")
    for _ in range(3):
        link = sign_in_link(client, link)
        assert next_of(link) == [f"/bills/{bill_id}"]


@pytest.mark.parametrize("path", ["/register", "/verify", "/verify?token=abc", "/verify/not-me",
                                  "/verify/not-me?token=abc", "/password/forgotten", "/password/reset",
                                  "/password/reset?token=secret"])
def test_pages_of_signing_in_up_and_confirming_are_not_where_signing_in_leads(client: FlaskClient,
                                                                              path: str) -> None:
    # Coming back there makes no sense, and their address may hold a code from a mail, which a link must not carry.
    assert sign_in_link(client, path) == "/login"


def test_a_confirmation_page_passes_on_where_the_reader_was_going(client: FlaskClient, bill_id: int) -> None:
    going = f"/bills/{bill_id}?eid=sec_1"
    assert next_of(sign_in_link(client, f"/verify?next={going.replace('?', '%3F').replace('=', '%3D')}")) == [going]


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/%09/evil.example"])
def test_a_next_that_leaves_the_site_is_not_passed_on(client: FlaskClient, target: str) -> None:
    assert sign_in_link(client, f"/login?next={target}") == "/login"


def test_signing_in_from_the_link_of_the_sign_in_page_goes_where_the_reader_was_going(
    client: FlaskClient, users: Accounts, bill_id: int,
) -> None:
    link = sign_in_link(client, sign_in_link(client, f"/bills/{bill_id}"))
    answer = client.post(link, data={"username": "clerk", "password": "correct-horse",
                                      "csrf_token": csrf_token(client, link)})
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/bills/{bill_id}"
