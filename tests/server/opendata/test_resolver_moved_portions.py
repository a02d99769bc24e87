"""Portion links made to an imported text keep working once Parley has renamed its eIds: a Work URI asking for an eId
the latest version no longer has, but an earlier one had, is redirected to the same provision by its wId."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from server.services import publication
from tests.server.amendments.conftest import Amending, import_corpus_bill
from tests.server.conftest import Accounts

SCOTTISH = "legaldocml__uk_asp-2017-1-enacted.xml"


@dataclass(frozen=True)
class Renamed:
    """The Scottish act as imported (eIds such as `section-1-1`), then consolidated: eIds renamed to the naming
    convention, subsection `section-1-4` deleted."""

    work: str
    imported: str
    consolidated: str


@pytest.fixture
def renamed(client: FlaskClient, users: Accounts) -> Renamed:
    bill = import_corpus_bill(client, users, SCOTTISH)
    amending = Amending(client, users, int(bill["id"]))
    assert amending.text_of("section-1-4")
    amending.adopt(amending.propose(eid="section-1-4", action="delete")["id"])
    published = client.post(f"/api/bills/{bill['id']}/versions", json={"source": "amendments"},
                             headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    consolidated = published.get_json()["expression_uri"]
    assert consolidated != bill["expression_uri"]
    return Renamed(bill["work_uri"], bill["expression_uri"], consolidated)


def test_a_work_uri_naming_an_imported_eid_is_redirected_to_the_provision_as_now_named(
    client: FlaskClient, renamed: Renamed
) -> None:
    section_1 = "part_1__hcontainer_1__sec_1"
    renamed_to = {"section-1": section_1, "section-1-1": f"{section_1}__subsec_1",
                  "section-1-2-a": f"{section_1}__subsec_2__para_a", "section-6-2": "part_2__sec_6__subsec_2"}
    latest = client.get(f"{renamed.consolidated}/~{section_1}__subsec_1.xml")
    assert latest.status_code == 200, "the consolidated version names its provisions after the naming convention"
    for old, new in renamed_to.items():
        for suffix in ("", ".xml", ".akn", ".html"):
            response = client.get(f"{renamed.work}/~{old}{suffix}")
            assert response.status_code == 302, (old, suffix, response.get_json())
            assert response.headers["Location"] == f"{renamed.work}/~{new}{suffix}"
            assert client.get(response.headers["Location"]).status_code == 200
    # The latest expression in a language follows the work the same way; `/!main~` keeps its form.
    assert client.get(f"{renamed.work}/eng/~section-1").headers["Location"] == f"{renamed.work}/eng/~{section_1}"
    assert client.get(f"{renamed.work}/!main~section-1.xml").headers["Location"] == \
        f"{renamed.work}/!main~{section_1}.xml"


def test_a_provision_no_version_has_any_more_is_refused_saying_which_version_last_had_it(
    client: FlaskClient, renamed: Renamed
) -> None:
    gone = client.get(f"{renamed.work}/~section-1-4.xml")
    assert gone.status_code == 404
    assert renamed.imported in gone.get_json()["error"]["message"]
    assert "section-1-4" in gone.get_json()["error"]["message"]
    # The version that had it still answers it.
    assert client.get(f"{renamed.imported}/~section-1-4.xml").status_code == 200
    assert client.get(f"{renamed.imported}/~section-1.xml").status_code == 200


def test_an_expression_uri_answers_only_its_own_eids(client: FlaskClient, renamed: Renamed) -> None:
    # A dated expression names this text and no other: it is not redirected to another version's names.
    assert client.get(f"{renamed.consolidated}/~section-1.xml").status_code == 404
    # Nor is an eId no version ever had.
    assert client.get(f"{renamed.work}/~section-99.xml").status_code == 404


def test_made_up_portions_are_refused_without_parsing_earlier_versions_again(
    client: FlaskClient, renamed: Renamed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crawler's guesses must not cost a parse of every earlier version each: what eIds they had is kept.
    assert client.get(f"{renamed.work}/~no-such-provision").status_code == 404
    parsed: list[str] = []
    real = publication.load_document

    def counting(session: Any, sha: str) -> Any:
        parsed.append(sha)
        return real(session, sha)

    monkeypatch.setattr(publication, "load_document", counting)
    for guess in ("another-guess", "section-99", "sec_1000"):
        assert client.get(f"{renamed.work}/~{guess}").status_code == 404
    assert parsed == [], "no earlier version parsed again"
    moved = client.get(f"{renamed.work}/~section-1")
    assert moved.status_code == 302
