"""Helpers for the page tests: signing a test client in through the real form, and reading pages."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from lxml import html

PASSWORD = "correct-horse"  # the password of the `users` fixture's accounts


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "every page carries its CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


def parse(body: bytes) -> html.HtmlElement:
    return html.fromstring(body)


def meta(document: html.HtmlElement, key: str) -> str:
    """The content of a <meta property=key> or <meta name=key>."""
    found = document.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    assert found, f"no <meta> {key}"
    return str(found[0])
