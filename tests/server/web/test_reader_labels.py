"""Contents and labels name provisions by their nums and headings, without the authorial notes printed beside a
heading, and never by an eId: an imported document's unnumbered, unheaded provision is named by its opening words
in the Contents and by where it stands when linked to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.server.amendments.conftest import import_corpus_bill
from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

US_ACT = "legaldocml__us_Act_2011-11-29.xml"


@pytest.fixture
def act(client: FlaskClient, users: Accounts) -> int:
    return int(import_corpus_bill(client, users, US_ACT)["id"])


def test_contents_leave_out_notes_and_name_an_untitled_section_by_its_words(client: FlaskClient, act: int) -> None:
    page = parse(client.get(f"/bills/{act}").data)
    labels = {li.get("data-eid"): " ".join(li.xpath("string(a)").split())
              for li in page.xpath("//nav[contains(@class,'toc')]//li")}
    assert labels["sec_1"] == "SECTION 1. SHORT TITLE."
    assert labels["page"] == "Page 125 STAT. 754"
    assert "page" not in labels.values()


def test_an_unnamed_container_is_listed_by_its_words_without_their_side_notes(
        client: FlaskClient, users: Accounts) -> None:
    # The Scottish act's schedules sit in an unnamed container whose first words are a schedule's number and
    # heading, with a side note "(introduced by section 1)" beside them: the note is no part of the label.
    bill = int(import_corpus_bill(client, users, "legaldocml__uk_asp-2017-1-enacted.xml")["id"])
    page = parse(client.get(f"/bills/{bill}").data)
    labels = [" ".join(li.xpath("string(a)").split()) for li in page.xpath("//nav[contains(@class,'toc')]//li")]
    opening = [label for label in labels if label.upper().startswith("SCHEDULE 1 THE SCOTTISH ADMINISTRATION")]
    assert opening, labels
    assert not any("introduced by" in label for label in labels), labels


def test_a_link_to_the_untitled_section_names_it_by_where_it_stands(client: FlaskClient, act: int) -> None:
    page = parse(client.get(f"/bills/{act}/provisions/page").data)
    assert " ".join(page.xpath("string(//h1)").split()) == "The unnumbered section after section 2"
    shared = parse(client.get(f"/bills/{act}?eid=sec_1").data)
    title = shared.xpath("string(//meta[@property='og:title']/@content)")
    assert title.startswith("SECTION 1. SHORT TITLE. —"), title


def test_the_amendment_composer_lists_provisions_without_notes_or_eids(client: FlaskClient, users: Accounts,
                                                                       act: int) -> None:
    users.add("mp2", "mp")
    page = parse(client.get(f"/bills/{act}/amendments", headers=users.headers("mp2")).data)
    options = {option.get("value"): " ".join(option.text_content().split()) for option in page.xpath("//option")}
    assert options["sec_1"] == "SECTION 1. SHORT TITLE."
    assert options["page"] == "Page 125 STAT. 754"


SCOTTISH_ACT = "legaldocml__uk_asp-2017-1-enacted.xml"


def _labels(tree: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree:
        found[node["eid"]] = node["label"]
        found.update(_labels(node["children"]))
    return found


def test_the_editor_names_provisions_by_their_words_not_their_markup(client: FlaskClient, users: Accounts) -> None:
    # The Scottish act's crossheading holds an abbreviation and its schedules' headings a side note: the editor's
    # headers and its buttons' names ("Delete: …") read the words, as the Contents do, not the markup kept to edit.
    bill = int(import_corpus_bill(client, users, SCOTTISH_ACT)["id"])
    page = parse(client.get(f"/bills/{bill}/edit", headers=users.headers("drafter")).data)
    outline = json.loads(page.xpath("string(//script[@id='editor-outline'])"))
    detail = client.get(f"/api/bills/{bill}").get_json()
    for labels in (_labels(outline), _labels(detail["provisions"])):
        assert labels["part-1-crossheading-use-of-resources-etc"] == "Use of resources etc."
        assert labels["schedule-1"] == "SCHEDULE 1 THE SCOTTISH ADMINISTRATION"
        assert labels["section-1"] == "1 The Scottish Administration"
        assert labels["section-1-1"] == "1"
    # The markup stays where the drafter retitles the provision.
    assert outline[0]["children"][0]["heading"].startswith("Use of resources {{abbr")
