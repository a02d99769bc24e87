"""PDF manifestations: the demo bill's expression and its marshalled list of amendments, read back with pypdf."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html

pytest.importorskip("weasyprint", reason="WeasyPrint (and the system's pango) is needed to lay out PDFs")
pytest.importorskip("pypdf", reason="pypdf reads the produced PDFs back")

from pypdf import PageObject, PdfReader

from akn.document import AknDocument
from akn.render import render
from server.app import create_app
from server.demo import demo_bill_xml, load_demo
from tests.server.conftest import make_config

A4_POINTS = (595, 842)
# The bill's page box starts 32 mm from the left edge; line numbers sit in the margin to its left.
TEXT_LEFT_EDGE_PT = 32 / 25.4 * 72


@pytest.fixture
def demo_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_config(sqlite_url, tmp_path))
    list(load_demo(application.extensions["parley.db"], application.config))
    yield application
    application.extensions["parley.db"].dispose()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def _bill(client: FlaskClient) -> dict[str, object]:
    (bill,) = client.get("/api/bills").get_json()["bills"]
    return dict(bill)


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _words(text: str) -> str:
    return " ".join(text.split())


def _margin_numbers(page: PageObject) -> list[int]:
    found: list[int] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        x = tm[4] * cm[0] + cm[4]
        if text.strip().isdigit() and x < TEXT_LEFT_EDGE_PT:
            found.append(int(text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def test_expression_pdf_is_a4_with_title_headings_running_header_and_page_numbers(
    demo_client: FlaskClient,
) -> None:
    uri = str(_bill(demo_client)["expression_uri"])
    response = demo_client.get(f"{uri}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = _reader(response.data)
    pages = reader.pages
    assert len(pages) > 1
    assert all(tuple(round(v) for v in p.mediabox[2:]) == A4_POINTS for p in pages)
    first = _words(pages[0].extract_text())
    assert "Public Participation in Legislation Bill, 2026" in first
    assert "Short title and commencement" in first
    for number, page in enumerate(pages[1:], start=2):
        text = _words(page.extract_text())
        assert uri in text, f"page {number} lacks the running header"
        assert f"Page {number} of {len(pages)}" in text


def test_provision_blocks_are_numbered_consecutively_in_the_margin(demo_client: FlaskClient) -> None:
    uri = str(_bill(demo_client)["expression_uri"])
    reader = _reader(demo_client.get(f"{uri}.pdf").data)
    numbers = [n for page in reader.pages for n in _margin_numbers(page)]
    rendered = lxml_html.fragment_fromstring(render(AknDocument.from_bytes(demo_bill_xml()).root))
    blocks = rendered.xpath(
        '//*[contains(concat(" ", @class, " "), " akn-p ") or contains(concat(" ", @class, " "), " akn-heading ")]'
    )
    assert numbers == list(range(1, len(blocks) + 1))
    assert len(_margin_numbers(reader.pages[1])) > 0, "numbering runs on after the first page"


def test_expression_pdf_carries_the_expression_etag(demo_client: FlaskClient) -> None:
    uri = str(_bill(demo_client)["expression_uri"])
    xml = demo_client.get(f"{uri}.xml")
    pdf = demo_client.get(f"{uri}.pdf")
    assert pdf.headers["ETag"] == xml.headers["ETag"]
    assert demo_client.get(f"{uri}.pdf", headers={"If-None-Match": pdf.headers["ETag"]}).status_code == 304


def _token(client: FlaskClient, username: str, password: str) -> dict[str, str]:
    token = client.post("/api/tokens", json={"username": username, "password": password}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_marshalled_pdf_lists_tabled_amendments_with_instruction_proposer_and_state(
    demo_client: FlaskClient,
) -> None:
    bill_id = _bill(demo_client)["id"]
    amendments = demo_client.get(f"/api/bills/{bill_id}/amendments").get_json()["amendments"]
    tabled = next(a for a in amendments if a["state"] == "tabled")
    draft = next(a for a in amendments if a["state"] == "draft")
    response = demo_client.get(f"/api/bills/{bill_id}/amendments/marshalled.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = _words(" ".join(p.extract_text() for p in _reader(response.data).pages))
    assert _words(tabled["instruction"]) in text
    assert f"Amendment {tabled['number']}" in text
    assert "Hon. Grace Wanjiru" in text
    assert _words(tabled["justification"]) in text
    assert "tabled" in text
    assert _words(draft["instruction"]) not in text, "drafts are not on the marshalled list"
    assert "Conflicting" not in text


def test_marshalled_pdf_groups_conflicting_amendments(demo_client: FlaskClient) -> None:
    bill_id = _bill(demo_client)["id"]
    mp2 = _token(demo_client, "mp2", "mp2-pass-2026")
    rival = demo_client.post(f"/api/bills/{bill_id}/amendments", headers=mp2, json={
        "eid": "part_2__sec_5__subsec_2",
        "text": "A consultation shall remain open for not less than forty-five days.",
        "justification": "A middle way.",
    }).get_json()
    tabled = demo_client.post(f"/api/amendments/{rival['id']}/transitions", headers=mp2, json={"to": "tabled"})
    assert tabled.status_code == 200, tabled.get_json()
    (group,) = demo_client.get(f"/api/bills/{bill_id}/amendments/marshalled").get_json()["groups"]
    numbers = [a["number"] for a in group]
    assert len(numbers) == 2
    data = demo_client.get(f"/api/bills/{bill_id}/amendments/marshalled.pdf").data
    text = _words(" ".join(p.extract_text() for p in _reader(data).pages))
    # The group is printed in the order the marshalled list takes it (bill order), as the JSON gives it.
    assert f"Conflicting amendments {numbers[0]}, {numbers[1]}: taken together" in text
    assert text.index(f"Amendment {numbers[0]} ") < text.index(f"Amendment {numbers[1]} ")
    assert "Hon. Daniel Mutua" in text


def test_marshalled_pdf_of_an_unknown_bill_is_not_found(demo_client: FlaskClient) -> None:
    response = demo_client.get("/api/bills/999/amendments/marshalled.pdf")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
