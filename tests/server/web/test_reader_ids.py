"""Every id on a reader page is unique: a repeated id breaks in-page links (``#id`` leads to the first) and the
references assistive technology follows. Provisions keep their eIds as ids, which the reader's links rely on."""

from __future__ import annotations

from collections import Counter

import pytest
from flask.testing import FlaskClient

from akn import AknDocument, parse_akn
from server.http import pages_document
from tests.server.amendments.conftest import CORPUS
from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

DOCUMENTS = sorted(path.name for path in CORPUS.glob("*.xml")) if CORPUS.is_dir() else []


def _repeated_ids(body: bytes) -> dict[str, int]:
    counts = Counter(str(element.get("id")) for element in parse(body).iter() if element.get("id") is not None)
    return {key: count for key, count in counts.items() if count > 1}


def _reader_page(client: FlaskClient, users: Accounts, name: str) -> bytes | None:
    response = client.post("/api/bills", data=(CORPUS / name).read_bytes(), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    if response.status_code != 201:
        return None  # not every document of the corpus is a bill the app takes
    page = client.get(f"/bills/{response.get_json()['id']}")
    assert page.status_code == 200
    return page.data


@pytest.mark.skipif(not DOCUMENTS, reason=f"the shared AKN corpus is not beside the checkout ({CORPUS})")
@pytest.mark.parametrize("name", DOCUMENTS or ["(corpus absent)"])
def test_no_id_repeats_on_a_reader_page(client: FlaskClient, users: Accounts, name: str) -> None:
    body = _reader_page(client, users, name)
    if body is None:
        pytest.skip(f"{name} is not imported as a bill")
    assert _repeated_ids(body) == {}


@pytest.mark.skipif(not DOCUMENTS, reason=f"the shared AKN corpus is not beside the checkout ({CORPUS})")
def test_provisions_keep_their_eids_as_ids(client: FlaskClient, users: Accounts) -> None:
    body = _reader_page(client, users, "legaldocml__eu_COM2013-0619_EN-8.xml")
    assert body is not None
    page = parse(body)
    sections = page.xpath("//section[@data-eid]")
    assert sections
    assert all(section.get("id") == section.get("data-eid") for section in sections)


_NOTED = b"""<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><bill name="bill">
<meta><identification source="#s"><FRBRWork><FRBRthis value="/akn/xx/bill/2020/1/!main"/>
<FRBRuri value="/akn/xx/bill/2020/1"/><FRBRdate date="2020-01-01" name="x"/><FRBRauthor href="#s"/>
<FRBRcountry value="xx"/></FRBRWork></identification>
<notes source="#s"><note eId="n1"><p eId="n1__p_1">Inserted by the 2019 Act.</p></note></notes></meta>
<preface><p eId="preface__p_1">A Bill<noteRef href="#n1" marker="F1"/></p></preface>
<body>
<section eId="sec_1"><num>1</num><content><p>First<noteRef href="#n1" marker="F1"/>.</p></content></section>
<section eId="sec_2"><num>2</num><content><p>Second<noteRef href="#n1" marker="F1"/>.</p></content></section>
</body></bill></akomaNtoso>"""


def test_a_note_referred_to_from_two_chunks_has_an_id_in_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunked, each part of the page lists the notes it refers to: a note of <meta> referred to from the front
    # matter and two chunks is listed in each, under ids of its own, as the reader may load the chunks in any order.
    monkeypatch.setattr(pages_document, "LAZY_THRESHOLD", 1)
    monkeypatch.setattr(pages_document, "CHUNK_BUDGET", 1)
    document = pages_document.RenderedDocument("0" * 64, AknDocument(parse_akn(_NOTED)))
    assert document.lazy and document.chunk_count == 2
    parts = [document.front_html(), *(document.chunk_html(index) for index in range(document.chunk_count))]
    page = parse(f"<div>{''.join(parts)}</div>".encode())
    assert _repeated_ids(f"<div>{''.join(parts)}</div>".encode()) == {}
    footnotes = page.xpath("//aside//li")
    assert len(footnotes) == 3
    for footnote in footnotes:
        # Each marker leads to its part's own footnote, and the footnote back to that marker.
        target = footnote.get("id")
        marker = page.xpath(f"//a[@href='#{target}']")
        assert len(marker) == 1
        assert footnote.xpath("string(a[@role='doc-backlink']/@href)") == f"#{marker[0].get('id')}"
    assert [section.get("id") for section in page.xpath("//section")] == ["sec_1", "sec_2"]
