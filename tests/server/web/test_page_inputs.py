"""What pages make of odd input: where to go after signing in, versions named in the query, the sign-up form."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from server.store.db import Database
from server.store.models import User
from tests.server.conftest import Accounts
from tests.server.web.conftest import csrf_token


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0D%0A/evil.example", "/x%0D%0ASet-Cookie:%20a=b",
                                    "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/%E2%80%8B/evil.example"])
def test_signing_in_never_leads_off_the_site(client: FlaskClient, users: Accounts, target: str) -> None:
    answer = client.post(f"/login?next={target}", data={
        "username": "clerk", "password": "correct-horse", "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_signing_in_goes_back_to_the_page_asked_for(client: FlaskClient, users: Accounts, bill_id: int) -> None:
    answer = client.post(f"/login?next=/bills/{bill_id}?version=1", data={
        "username": "clerk", "password": "correct-horse", "csrf_token": csrf_token(client)})
    assert answer.headers["Location"] == f"/bills/{bill_id}?version=1"


@pytest.mark.parametrize("query", ["version=%C2%B2", "version=99999999999999999999999", "version=" + "1" * 5000,
                                   "compare=1..99999999999999999999999", "compare=%C2%B2..1"])
def test_a_version_that_cannot_exist_is_the_readers_error(client: FlaskClient, bill_id: int, query: str) -> None:
    # Chunks of the reader take a version (not a comparison).
    pages = [f"/bills/{bill_id}?{query}"] + ([f"/bills/{bill_id}/chunks/0?{query}"] if "version" in query else [])
    for path in pages:
        answer = client.get(path)
        assert answer.status_code in (400, 404), (path[:80], answer.status_code)


def test_the_sign_up_form_keeps_the_limits_of_the_api(client: FlaskClient, db: Database) -> None:
    for name, fields in (("longname", {"display_name": "N" * 1000}), ("longpass", {"password": "p" * 5000})):
        form = {"username": name, "email": f"{name}@example.org", "password": "long-enough-pw", **fields,
                "csrf_token": csrf_token(client, "/register")}
        answer = client.post("/register", data=form)
        assert answer.status_code in (200, 400, 422) and b"at most" in answer.data
        with db.read() as session:
            assert session.scalar(select(User.id).where(User.username == name)) is None
