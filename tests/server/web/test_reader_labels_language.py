"""A provision with neither number nor heading is named in the page's language: by its unit ("Annexe") or by where
it stands ("Section sans numéro après section 2"), on the Contents, its own page and the amendment composer's list."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from akn import AknDocument, parse_akn
from server.http.pages_document import RenderedDocument, untitled_label
from tests.server.amendments.conftest import import_corpus_bill
from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

US_ACT = "legaldocml__us_Act_2011-11-29.xml"


def test_a_link_to_the_untitled_section_names_it_in_french(client: FlaskClient, users: Accounts) -> None:
    act = int(import_corpus_bill(client, users, US_ACT)["id"])
    page = parse(client.get(f"/bills/{act}/provisions/page?lang=fr").data)
    assert " ".join(page.xpath("string(//h1)").split()) == "Section sans numéro après section 2"
    page = parse(client.get(f"/bills/{act}/provisions/page?lang=en").data)
    assert " ".join(page.xpath("string(//h1)").split()) == "The unnumbered section after section 2"


@pytest.mark.parametrize(("language", "expected"), [("fr", "Annexe"), ("en", "Schedule")])
def test_an_empty_untitled_provision_is_named_by_its_unit_in_the_page_language(app: Flask, language: str,
                                                                                 expected: str) -> None:
    with app.test_request_context(f"/bills/1/amendments?lang={language}"):
        assert untitled_label("", "schedule") == expected
        assert untitled_label("Page 125 STAT. 754", "section") == "Page 125 STAT. 754"


_EMPTY_SECTION = b"""<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act name="act">
<meta><identification source="#s"><FRBRWork><FRBRthis value="/akn/xx/act/2020/1/!main"/>
<FRBRuri value="/akn/xx/act/2020/1"/><FRBRdate date="2020-01-01" name="x"/><FRBRauthor href="#s"/>
<FRBRcountry value="xx"/></FRBRWork></identification></meta>
<body><part eId="part_1"><num>1</num><section eId="sec_1"><num>1</num><content><p>Words.</p></content></section>
</part><hcontainer eId="hcontainer_1" name="schedule"><content><p/></content></hcontainer></body></act></akomaNtoso>"""


def test_the_contents_name_an_empty_schedule_in_each_reader_language(app: Flask) -> None:
    # The Contents are made once for every reader of a version: their words are chosen when the page is shown.
    document = RenderedDocument("1" * 64, AknDocument(parse_akn(_EMPTY_SECTION)))
    labels = {}
    for language in ("fr", "en", "fr"):
        with app.test_request_context(f"/bills/1?lang={language}"):
            toc = parse(document.toc_html().encode())
            labels[language] = {li.get("data-eid"): li.xpath("string(a)") for li in toc.xpath("//li")}
    assert labels["fr"]["hcontainer_1"] == "Annexe"
    assert labels["en"]["hcontainer_1"] == "Schedule"
