"""The resolver's Last-Modified and If-Modified-Since, beside its ETag."""

from __future__ import annotations

import re
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from pytest import MonkeyPatch

from server.store.kept import KeptByDigest
from tests.server.opendata.conftest import Scenario


def test_expression_answers_304_when_not_modified_since(scenario: Scenario) -> None:
    uri = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()["expression_uri"]
    first = scenario.client.get(uri + ".xml")
    assert first.status_code == 200
    modified = parsedate_to_datetime(first.headers["Last-Modified"])
    same = scenario.client.get(uri + ".xml", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert same.status_code == 304
    earlier = format_datetime(modified.replace(year=modified.year - 1), usegmt=True)
    stale = scenario.client.get(uri + ".xml", headers={"If-Modified-Since": earlier})
    assert stale.status_code == 200 and stale.data == first.data
    # An ETag that does not match wins over a date that does (RFC 9110 §13.2.2).
    both = scenario.client.get(uri + ".xml", headers={"If-Modified-Since": first.headers["Last-Modified"],
                                                      "If-None-Match": '"other"'})
    assert both.status_code == 200


def test_work_uri_and_html_carry_last_modified(scenario: Scenario) -> None:
    work = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()["work_uri"]
    response = scenario.client.get(work, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Last-Modified" in response.headers


def test_an_expressions_html_is_rendered_once_and_served_again(scenario: Scenario, monkeypatch: MonkeyPatch) -> None:
    from server.http import expression_html

    rendered: list[int] = []
    original = expression_html.render

    def counting(root: Any) -> str:
        rendered.append(1)
        return original(root)

    monkeypatch.setattr(expression_html, "render", counting)
    monkeypatch.setattr(expression_html, "_KEPT", KeptByDigest(expression_html.KEPT))
    uri = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()["expression_uri"]
    first = scenario.client.get(uri + ".html")
    again = scenario.client.get(uri + ".html")
    assert first.status_code == again.status_code == 200
    # The same page but for its CSRF token, which is signed with the time (two requests may straddle a second).
    assert _without_token(first.data) == _without_token(again.data) and b"<section" in first.data
    assert rendered == [1]


def _without_token(page: bytes) -> bytes:
    return re.sub(rb'name="csrf-token" content="[^"]*"', b"", page)
