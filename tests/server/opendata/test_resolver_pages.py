"""A reference in a bill to a law not held here leads a reader to a page saying so, in their language; tools that
ask for data still get the JSON refusal."""

from __future__ import annotations

from lxml import html

from tests.server.opendata.conftest import Scenario

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CONSTITUTION = "/akn/ke/act/2010/constitution/~art_128"


def test_a_reference_to_a_law_not_held_here_opens_a_page_saying_so(scenario: Scenario) -> None:
    opened = scenario.client.get(CONSTITUTION, headers={"Accept": BROWSER})
    assert opened.status_code == 404 and opened.mimetype == "text/html"
    page = html.fromstring(opened.data)
    assert page.xpath("string(//h1)") == "Not found"
    assert "The document this address names is not one of them" in page.text_content()
    french = scenario.client.get(CONSTITUTION, headers={"Accept": BROWSER, "Accept-Language": "fr"})
    said = html.fromstring(french.data).text_content()
    assert "Le document que nomme cette adresse n\u2019en fait pas partie" in said


def test_tools_still_get_the_refusal_as_data(scenario: Scenario) -> None:
    for accept in ("application/json", "application/akn+xml", "*/*"):
        answer = scenario.client.get(CONSTITUTION, headers={"Accept": accept})
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found", accept
    bad = scenario.client.get("/akn/ke/act/2026-13-45/1/eng@", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.mimetype == "application/json"
