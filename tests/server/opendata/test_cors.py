"""Other sites' scripts read the open data (the API, the documents at their FRBR URIs, the feeds), never with the
reader's cookies, and never write."""

from __future__ import annotations

import pytest

from tests.server.opendata.conftest import Scenario

PORTAL = "https://portal.example.org"


def _public_reads(scenario: Scenario) -> list[str]:
    bill = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()
    return [
        "/api/bills",
        f"/api/bills/{scenario.bill_id}",
        f"/api/bills/{scenario.bill_id}/comments",
        f"/api/bills/{scenario.bill_id}/amendments",
        bill["work_uri"],
        bill["expression_uri"] + ".xml",
        "/feed.atom",
        f"/api/bills/{scenario.bill_id}/feed.atom",
        "/api/bills/999999",  # a refusal is readable too: the reader learns why
    ]


def test_public_reads_answer_any_origin_without_credentials(scenario: Scenario) -> None:
    for path in _public_reads(scenario):
        response = scenario.client.get(path, headers={"Origin": PORTAL})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", path
        assert "Access-Control-Allow-Credentials" not in response.headers, path
        assert "ETag" in response.headers.get("Access-Control-Expose-Headers", ""), path


def test_a_preflight_allows_reads_with_a_token_but_no_write(scenario: Scenario) -> None:
    read = scenario.client.options(f"/api/bills/{scenario.bill_id}", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, if-none-match"})
    assert read.status_code == 200
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert {"authorization", "if-none-match"} <= {
        h.strip().lower() for h in read.headers["Access-Control-Allow-Headers"].split(",")}
    for method in ("POST", "PATCH", "DELETE"):
        write = scenario.client.options(f"/api/bills/{scenario.bill_id}/comments", headers={
            "Origin": PORTAL, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type"})
        assert method not in write.headers.get("Access-Control-Allow-Methods", ""), method


def test_the_answer_to_a_write_is_not_for_other_sites(scenario: Scenario) -> None:
    write = scenario.client.post(f"/api/bills/{scenario.bill_id}/comments", headers={"Origin": PORTAL},
                                 json={"eid": "part_2__sec_3__subsec_1", "body": "From another site."})
    assert write.status_code == 401
    assert not [name for name in write.headers.keys() if name.startswith("Access-Control-")]


@pytest.mark.parametrize("path", ["/bills", "/login", "/healthz"])
def test_pages_stay_same_origin(scenario: Scenario, path: str) -> None:
    response = scenario.client.get(path, headers={"Origin": PORTAL})
    assert "Access-Control-Allow-Origin" not in response.headers
