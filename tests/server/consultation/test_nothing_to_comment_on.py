"""A consultation is opened only on a text comments can be about: one with provisions the API knows by eId."""

from __future__ import annotations

import pytest

from tests.server.consultation.conftest import CORPUS, Api

# EU-style bills (LEOS, AKN4EU): their articles carry `xml:id`s and no eIds, so version 1 has no provisions.
WITHOUT_EIDS = ("leos__BL-023_bill_template.xml", "leos__bill_3Articles.xml", "legaldocml__akn4eu_council_bill_123.xml")


def _import(api: Api, name: str) -> int:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the AKN corpus is not beside the repository ({path} is absent)")
    imported = api.client.post("/api/bills", data=path.read_bytes(), content_type="application/akn+xml",
                               headers=api.users.headers("drafter"))
    assert imported.status_code == 201, imported.get_json()
    bill: int = imported.get_json()["id"]
    return bill


@pytest.mark.parametrize("name", WITHOUT_EIDS)
def test_a_consultation_on_a_text_without_provisions_is_refused_and_nothing_is_stored(api: Api, name: str) -> None:
    bill = _import(api, name)
    # The drafters' working text names the provisions; version 1, the document as it came, names none.
    assert api.get(f"/api/bills/{bill}").get_json()["provisions"] != []
    refused = api.open(bill)
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "nothing_to_comment_on"
    assert "no provision a comment could be about" in error["message"]
    assert api.get(f"/api/bills/{bill}/consultations").get_json()["consultations"] == []
    # The reader says no consultation is open, and offers no comment tools.
    page = api.client.get(f"/bills/{bill}").get_data(as_text=True)
    assert 'data-consultation="none"' in page and 'class="consultation-state' not in page


def test_the_refusal_reads_in_french_for_a_french_clerk(api: Api) -> None:
    bill = _import(api, WITHOUT_EIDS[1])
    refused = api.client.post(f"/api/bills/{bill}/consultations", json={"opens_at": "2020-01-01T00:00:00Z",
                                                                        "closes_at": "2099-01-01T00:00:00Z"},
                              headers={**api.users.headers("clerk"), "Accept-Language": "fr"})
    assert refused.status_code == 409
    assert "aucune disposition sur laquelle porter un commentaire" in refused.get_json()["error"]["message"]


def test_a_bill_with_provisions_still_opens_its_consultation(api: Api, bill: int) -> None:
    opened = api.open(bill)
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["state"] == "open"


def test_a_version_published_from_the_working_text_opens_its_consultation(api: Api) -> None:
    bill = _import(api, WITHOUT_EIDS[1])
    published = api.client.post(f"/api/bills/{bill}/versions", json={"source": "working"},
                                headers=api.users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    opened = api.open(bill)
    assert opened.status_code == 201, opened.get_json()
