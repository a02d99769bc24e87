"""Contents and labels name provisions by their nums and headings, without the authorial notes printed beside a
heading, and never by an eId: an imported document's unnumbered, unheaded provision is named by its opening words
in the Contents and by where it stands when linked to."""

from __future__ import annotations

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
