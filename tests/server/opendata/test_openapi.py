"""The OpenAPI 3.1 description: it covers every ``/api`` route of the URL map, and schemathesis, sending generated
requests to the real application, finds no server error and no answer that breaks the declared schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.services import accounts
from tests.server.conftest import Accounts, make_config, small_bill_xml
from tests.server.opendata.conftest import DUTY, build_scenario

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Writes fuzzed besides every read: the ones any signed-in user makes, and the ones that take free-form input.
FUZZED_WRITES = {
    ("POST", "/api/tokens"), ("POST", "/api/subscriptions"), ("POST", "/api/webhooks"),
    ("POST", "/api/bills/{bill_id}/amendments"), ("POST", "/api/bills/{bill_id}/comments"),
    ("POST", "/api/unsubscribe"), ("POST", "/api/citizens"),
}
# Who calls: the clerk reads everything; writes go as the role that may make them.
CALLER = {"/api/bills/{bill_id}/amendments": "mp", "/api/bills/{bill_id}/comments": "citizen"}


@pytest.fixture
def sqlite_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_config(sqlite_url, tmp_path, PUBLIC_URL="http://parley.test"))
    yield application
    application.extensions["parley.db"].dispose()


def described_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_api_route_in_the_url_map_is_described(sqlite_app: Flask) -> None:
    document = sqlite_app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = described_operations(document)
    missing = []
    for rule in sqlite_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        missing += [f"{method} {rule.rule}" for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
                    if (method, path) not in described]
    assert missing == []
    assert len(described) >= 50


def test_operations_declare_parameters_bodies_errors_and_security(sqlite_app: Flask) -> None:
    document = sqlite_app.test_client().get("/api/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]}
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    provision = document["paths"]["/api/bills/{bill_id}/provisions/{eid}"]["get"]
    assert [(p["name"], p["in"], p["schema"]["type"]) for p in provision["parameters"]] == [
        ("bill_id", "path", "integer"), ("eid", "path", "string")]
    assert provision["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    search = document["paths"]["/api/search"]["get"]
    assert {p["name"]: p["required"] for p in search["parameters"]}["q"] is True
    subscribe = document["paths"]["/api/subscriptions"]["post"]
    assert subscribe["security"] == [{"bearerAuth": []}]
    assert subscribe["requestBody"]["content"]["application/json"]["schema"]["required"] == ["target"]
    assert "201" in subscribe["responses"] and "default" in subscribe["responses"]
    assert "security" not in document["paths"]["/api/bills"]["get"]
    assert document["paths"]["/api/bills"]["post"]["requestBody"]["content"].keys() == {
        "application/akn+xml", "application/xml", "text/xml"}


def test_every_media_type_declared_for_an_import_imports_and_no_other(sqlite_app: Flask) -> None:
    client, users = sqlite_app.test_client(), Accounts(sqlite_app.extensions["parley.db"])
    users.add("drafter", "drafter")
    declared = client.get("/api/openapi.json").get_json()["paths"]["/api/bills"]["post"]["requestBody"]["content"]
    for number, media in enumerate(sorted(declared), start=1):
        imported = client.post("/api/bills", data=small_bill_xml(str(number)), content_type=media,
                               headers=users.headers("drafter"))
        assert imported.status_code == 201, (media, imported.get_json())
    refused = client.post("/api/bills", data=small_bill_xml("9"), content_type="text/plain",
                          headers=users.headers("drafter"))
    assert refused.status_code == 415 and refused.get_json()["error"]["code"] == "unsupported_media_type"


def test_docs_page_is_self_contained(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    nonce = re.search(r"<script nonce=\"([^\"]+)\">", html)
    assert nonce and f"'nonce-{nonce.group(1)}'" in response.headers["Content-Security-Policy"]
    assert "/api/openapi.json" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", html)  # nothing from elsewhere


def _ids(sqlite_app: Flask, users: Accounts) -> dict[str, Any]:
    client = sqlite_app.test_client()
    scenario = build_scenario(client, users)
    with sqlite_app.extensions["parley.db"].write() as session:
        user = accounts.register_user(session, "reader", "drafter", "correct-horse", email="reader@example.org")
        users.tokens["reader"] = accounts.issue_token(session, accounts.principal_of(user))
    subscription = client.post("/api/subscriptions", headers=users.headers("reader"),
                               json={"target": "bill", "bill_id": scenario.bill_id}).get_json()
    hook = client.post("/api/webhooks", headers=users.headers("clerk"),
                       json={"url": "https://example.org/hook"}).get_json()
    consultation = client.get(f"/api/bills/{scenario.bill_id}/consultations").get_json()["consultations"][0]
    return {"bill_id": scenario.bill_id, "amendment_id": scenario.amendment_id, "eid": DUTY,
            "comment_id": scenario.visible_comment, "consultation_id": consultation["id"],
            "user_id": users.ids["mp"], "webhook_id": hook.get("id", 1), "subscription_id": subscription["id"],
            "cluster_id": 1}


def exercise(strategy: Any, key: tuple[str, str], headers: dict[str, str], known: dict[str, Any],
             failures: list[str]) -> Any:
    """A hypothesis test of one operation that records each failed check instead of stopping at the first."""

    @given(case=strategy, real_ids=st.booleans())
    @settings(max_examples=10, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any, real_ids: bool) -> None:
        if real_ids and case.path_parameters:
            # Random ids mostly miss; half the examples aim at things that exist.
            case.path_parameters = {name: known.get(name, value) for name, value in case.path_parameters.items()}
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis reports a group of failures
            failures.append(f"{key[0]} {case.formatted_path} -> {response.status_code}: "
                            f"{str(failure).splitlines()[0]}")

    return run


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    users = Accounts(sqlite_app.extensions["parley.db"])
    for username, role in (("drafter", "drafter"), ("mp", "mp"), ("clerk", "clerk"), ("citizen", "citizen")):
        users.add(username, role)
    known = _ids(sqlite_app, users)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", sqlite_app)
    failures: list[str] = []
    exercised = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if operation.method.upper() != "GET" and key not in FUZZED_WRITES:
            continue
        exercised += 1
        headers = users.headers(CALLER.get(operation.path, "clerk"))

        exercise(operation.as_strategy(), key, headers, known, failures)()
    assert exercised >= 30
    assert failures == []


@pytest.mark.parametrize("path", ["/api/bills/99999999999999999999", "/api/amendments/99999999999999999999"])
def test_an_id_too_large_for_the_database_is_not_found(sqlite_app: Flask, path: str) -> None:
    response = sqlite_app.test_client().get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
