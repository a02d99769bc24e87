"""Every JSON body and query of ``/api`` is checked against the schemas the OpenAPI document declares before the
handler runs: a request that does not fit is ``422 validation_failed`` listing every problem with its field; a
body that is not a JSON object is ``400 bad_request``; who may call is decided before what they sent is judged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.exceptions import BadRequest, InternalServerError, MethodNotAllowed, NotFound, RequestEntityTooLarge

from server.domain.api_schema import ERROR
from server.domain.wording import Wording
from server.errors import ValidationFailed
from server.http.errors import field_details
from server.http.library_wording import http_description
from server.store.eventlog import utcnow
from tests.server.conftest import Accounts
from tests.server.opendata.conftest import DUTY, REGISTER, Scenario, import_bill

ERROR_SCHEMA = Draft202012Validator(ERROR)


def problems(response: Any) -> dict[str, str]:
    """The fields of a 422, checked against the declared error schema, as ``{field: message}``."""
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert list(ERROR_SCHEMA.iter_errors(body)) == []
    error = body["error"]
    assert error["code"] == "validation_failed"
    fields = {f["field"]: f["message"] for f in error["fields"]}
    assert len(fields) == len(error["fields"]), "each field once"
    for field in fields:
        assert field in error["message"]  # a client that reads only the message still learns every field
    return fields


def test_every_problem_of_a_body_is_reported_at_once(scenario: Scenario) -> None:
    response = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp", json={
        "eid": 5, "text": ["not", "a", "string"], "action": "replace", "style": "baroque", "num": "x" * 101})
    fields = problems(response)
    assert fields.keys() == {"body.eid", "body.text", "body.action", "body.style", "body.num"}
    assert fields["body.eid"] == "eid must be a string; found an integer"
    assert fields["body.action"].startswith('action must be one of "text", "insert_after", "delete"')
    assert fields["body.num"] == "num must have at most 100 characters; found 101"
    listed = scenario.client.get(f"/api/bills/{scenario.bill_id}/amendments").get_json()["amendments"]
    assert [a["id"] for a in listed] == [scenario.amendment_id], "nothing was stored"


def test_missing_fields_are_each_named(scenario: Scenario) -> None:
    fields = problems(scenario.call("POST", f"/api/bills/{scenario.bill_id}/comments", "citizen", json={}))
    assert fields == {"body.body": "body is required", "body.eid": "eid is required"}
    # A reply may leave out eid: it is about its comment's provision.
    reply = scenario.call("POST", f"/api/bills/{scenario.bill_id}/comments", "citizen2", json={
        "body": "Agreed, and ninety would be better.", "reply_to": scenario.visible_comment})
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["eid"] == DUTY
    fields = problems(scenario.call("POST", "/api/subscriptions", "citizen", json={"target": "provision"}))
    assert fields.keys() == {"body.bill_id", "body.eid"}


def test_nested_and_listed_values_are_named_by_their_path(scenario: Scenario) -> None:
    fields = problems(scenario.call("POST", f"/api/amendments/{scenario.amendment_id}/transitions", "clerk", json={
        "to": "adopted", "votes": {"for": -1, "against": "many"}}))
    assert fields == {"body.votes.for": "for must be at least 0; found -1",
                      "body.votes.against": "against must be an integer; found a string"}
    fields = problems(scenario.call("POST", "/api/webhooks", "citizen", json={
        "url": "not a url", "event_types": ["bill.imported", "user.registered"], "bill_id": "7"}))
    assert fields.keys() == {"body.url", "body.event_types[1]", "body.bill_id"}
    assert fields["body.bill_id"] == "bill_id must be an integer; found a string"


def test_query_and_body_problems_are_reported_together(scenario: Scenario) -> None:
    fields = problems(scenario.client.post("/api/unsubscribe", query_string={"token": "t" * 1001},
                                           json={"token": 5}))
    assert fields.keys() == {"query.token", "body.token"}
    fields = problems(scenario.client.get("/api/bills", query_string={
        "limit": 0, "updated_since": "yesterday", "status": "s" * 41, "title": ""}))
    assert fields.keys() == {"query.limit", "query.updated_since", "query.status"}  # an empty value is no value
    assert fields["query.updated_since"].startswith("updated_since must be a time like 2026-12-01T09:00:00Z")


def test_a_list_item_is_named_by_its_field_and_index(scenario: Scenario) -> None:
    fields = problems(scenario.call("POST", f"/api/bills/{scenario.bill_id}/consultations", "clerk", json={
        "opens_at": "2027-01-01T09:00:00Z", "closes_at": "2027-02-01T09:00:00Z",
        "questions": ["Is thirty days enough?", "x" * 1001]}))
    assert fields == {"body.questions[1]": "questions[1] must have at most 1000 characters; found 1001"}
    fields = problems(scenario.call("POST", "/api/webhooks", "citizen", json={
        "url": "https://example.org/", "event_types": ["bill.imported", 7]}))
    assert fields["body.event_types[1]"].startswith('event_types[1] must be one of "amendment.admitted", ')


def test_a_bill_status_no_bill_can_have_is_refused_with_the_stages_there_are(scenario: Scenario) -> None:
    # A typo used to answer an empty list, as if no bill were at that stage.
    for status in ("nonsense", "draft"):
        fields = problems(scenario.client.get("/api/bills", query_string={"status": status}))
        assert fields == {"query.status": f'status must be one of "drafting"; found "{status}"'}
    listed = scenario.client.get("/api/bills", query_string={"status": "drafting"})
    assert [bill["id"] for bill in listed.get_json()["bills"]] == [scenario.bill_id]


def test_conditional_rules_are_checked(scenario: Scenario) -> None:
    hide = problems(scenario.call("POST", f"/api/comments/{scenario.visible_comment}/moderation", "clerk",
                                  json={"action": "hide"}))
    assert hide == {"body.reason": "reason is required"}
    restore = scenario.call("POST", f"/api/comments/{scenario.hidden_comment}/moderation", "clerk",
                            json={"action": "restore"})
    assert restore.status_code == 200, restore.get_json()
    deletion = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp",
                             json={"eid": DUTY, "action": "delete", "justification": "Not needed."})
    assert deletion.status_code == 201, deletion.get_json()
    assert problems(scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp",
                                  json={"eid": DUTY, "action": "text"})) == {"body.text": "text is required"}


def test_times_and_dates_are_checked_as_the_handlers_read_them(scenario: Scenario) -> None:
    path = f"/api/bills/{scenario.bill_id}/consultations"
    fields = problems(scenario.call("POST", path, "clerk", json={
        "opens_at": "the first of May", "closes_at": "2027-02-30T00:00:00Z", "questions": ["", 4]}))
    assert fields.keys() == {"body.opens_at", "body.closes_at", "body.questions[0]", "body.questions[1]"}
    # Without an offset a time is UTC, as before.
    opened = scenario.call("POST", path, "clerk", json={"opens_at": "2031-01-01T09:00", "closes_at": "2031-02-01"})
    assert opened.status_code == 201, opened.get_json()
    version = scenario.call("POST", f"/api/bills/{scenario.bill_id}/versions", "clerk",
                            json={"source": "working", "expression_date": "21/11/2026"})
    assert problems(version) == {
        "body.expression_date": 'expression_date must be a date like 2026-11-21; found "21/11/2026"'}


def test_long_values_are_not_echoed_back(client: FlaskClient) -> None:
    fields = problems(client.post("/api/tokens", json={"username": "u" * 5000, "password": 12}))
    assert fields == {"body.username": "username must have at most 200 characters; found 5000",
                      "body.password": "password must be a string; found an integer"}
    assert len(client.post("/api/tokens", json={"username": "u" * 5000}).get_data()) < 1000


@pytest.mark.parametrize(("data", "content_type"), [
    (b"not json", "text/plain"), (b"{broken", "application/json"), (b"[1, 2]", "application/json"),
    (b"", "application/json"), (b'"a string"', "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_a_400(client: FlaskClient, data: bytes, content_type: str) -> None:
    response = client.post("/api/tokens", data=data, content_type=content_type)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "JSON object" in error["message"]


@pytest.mark.parametrize("body", [
    b'{"username": "x", "password": "y", "z": ' + b"[" * 33 + b"]" * 33 + b"}",
    b'{"username": "x", "password": "y", "z": ' + b"[" * 950 + b"]" * 950 + b"}",
    b"[" * 100_000,
], ids=["33 levels", "950 levels", "100,000 levels"])
def test_a_body_nested_deeper_than_any_of_the_apis_is_a_400_that_says_so(client: FlaskClient, body: bytes,
                                                                         users: Accounts) -> None:
    # Python's decoder recurses once a level: deep enough, it raised RecursionError, which Flask's silent
    # get_json does not catch (a 500); less deep, the schema check went past the recursion limit instead.
    for path, headers in (("/api/tokens", {}), ("/api/bills/1/comments", users.headers("citizen"))):
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, (path, response.get_json())
        message = response.get_json()["error"]["message"]
        assert "JSON object" in message and "nested" in message, message
    shallow = {"username": "nobody", "password": "wrong", "z": [[[[[[[[[[[["deep enough"]]]]]]]]]]]]}
    assert client.post("/api/tokens", json=shallow).status_code != 400


def test_a_time_beyond_the_calendar_in_utc_is_named_like_any_malformed_time(scenario: Scenario) -> None:
    # Well-formed, so the schema lets it by; in UTC it falls after 9999-12-31, which the handler reads as malformed.
    fields = problems(scenario.call("POST", f"/api/bills/{scenario.bill_id}/consultations", "clerk", json={
        "opens_at": "9999-12-31T23:59:59-05:00", "closes_at": "9999-12-31T23:59:59-05:00"}))
    assert fields.keys() == {"body.opens_at"}


def test_an_optional_field_sent_as_null_is_not_sent(scenario: Scenario) -> None:
    published = scenario.call("POST", f"/api/bills/{scenario.bill_id}/versions", "clerk",
                              json={"source": None, "expression_date": None})
    # As without "source": the adopted amendments, of which there are none here.
    assert published.status_code == 409, published.get_json()
    assert "no adopted amendments" in published.get_json()["error"]["message"]


def test_a_method_not_allowed_says_which_are(scenario: Scenario) -> None:
    for method, path in (("DELETE", "/api/bills"), ("TRACE", f"/api/amendments/{scenario.amendment_id}"),
                         ("PUT", f"/api/bills/{scenario.bill_id}/comments")):
        response = scenario.call(method, path)
        assert response.status_code == 405, (method, path)
        assert response.get_json()["error"]["code"] == "method_not_allowed"
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert "GET" in allowed and method not in allowed, (method, path, allowed)
        assert response.mimetype == "application/json"


def test_an_optional_body_may_be_left_out_but_not_malformed(scenario: Scenario) -> None:
    path = f"/api/comments/{scenario.visible_comment}/not-mine"
    assert scenario.call("POST", path, "citizen").status_code == 200
    suspension = f"/api/users/{scenario.users.ids['citizen2']}/suspension"
    malformed = scenario.client.delete(suspension, data=b"[1]", content_type="application/json",
                                       headers=scenario.users.headers("clerk"))
    assert malformed.status_code == 400


def test_who_may_call_is_decided_before_what_they_sent(scenario: Scenario) -> None:
    path = f"/api/bills/{scenario.bill_id}/amendments"
    assert scenario.call("POST", path, None, json={}).status_code == 401
    refused = scenario.call("POST", path, "citizen", json={})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert scenario.call("POST", path, "mp", json={}).status_code == 422
    answers = f"/api/comments/{scenario.visible_comment}/answers"
    assert scenario.call("POST", answers, "mp", json={"fate": "maybe"}).status_code == 403
    assert problems(scenario.call("POST", answers, "drafter", json={"fate": "maybe"})).keys() == {
        "body.body", "body.fate"}
    assert scenario.call("GET", "/api/moderation/queue", "citizen", query_string={"limit": 0}).status_code == 403


def test_failures_found_by_services_have_the_same_shape(scenario: Scenario) -> None:
    text = scenario.client.get(f"/api/bills/{scenario.bill_id}/provisions/{DUTY}").get_json()["text"]
    unchanged = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp", json={
        "eid": DUTY, "text": text})
    assert unchanged.status_code == 422
    error = unchanged.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"] == [] and "same as the bill's" in error["message"]
    assert list(ERROR_SCHEMA.iter_errors(unchanged.get_json())) == []
    quote = scenario.call("POST", f"/api/bills/{scenario.bill_id}/comments", "citizen", json={
        "eid": DUTY, "body": "Too short.", "quote": "words that are not there"})
    assert quote.status_code == 422
    assert quote.get_json()["error"]["code"] == "quote_not_found"
    assert [f["field"] for f in quote.get_json()["error"]["fields"]] == ["body.quote"]
    named = field_details(ValidationFailed("url must be an http(s) URL", field="url"))
    assert named["fields"] == [{"field": "body.url", "message": "url must be an http(s) URL"}]


def test_what_fits_the_schemas_still_goes_through(client: FlaskClient, users: Accounts) -> None:
    bill = import_bill(client, users, "7", "Consultation Duty Bill, 2026")
    text = client.get(f"/api/bills/{bill}/provisions/{DUTY}").get_json()["text"]
    # What the browser sends: optional fields left out, or null.
    proposed = client.post(f"/api/bills/{bill}/amendments", headers=users.headers("mp"), json={
        "eid": DUTY, "action": "text", "text": text.replace("thirty", "sixty"), "justification": "",
        "num": None, "heading": None})
    assert proposed.status_code == 201, proposed.get_json()
    published = client.post(f"/api/bills/{bill}/versions", headers=users.headers("drafter"),
                            json={"source": "working", "expression_date": None})
    assert published.status_code in (201, 409), published.get_json()
    assert client.get("/api/bills", query_string={"limit": 1000, "status": "drafting"}).status_code == 200


def test_the_openapi_document_shows_the_field_errors(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["properties"]["fields"]["items"]["required"] == ["field", "message"]
    proposal = document["paths"]["/api/bills/{bill_id}/amendments"]["post"]
    assert proposal["x-roles"] == ["mp"]
    assert "422" in proposal["responses"]
    schema = proposal["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["eid"]["maxLength"] == 400 and schema["required"] == ["eid"]


def test_the_marshalled_list_is_what_its_declared_schema_says(scenario: Scenario) -> None:
    from server.domain.api_schema import OPERATIONS

    body = scenario.call("GET", f"/api/bills/{scenario.bill_id}/amendments/marshalled").get_json()
    assert body["groups"] and body["groups"][0][0]["id"] == scenario.amendment_id
    declared = OPERATIONS[("GET", "/api/bills/<int:bill_id>/amendments/marshalled")].response
    assert [error.message for error in Draft202012Validator(declared).iter_errors(body)] == []


def test_a_new_version_is_not_dated_before_the_one_it_follows(scenario: Scenario) -> None:
    path = f"/api/bills/{scenario.bill_id}/versions"
    def refused_date(answer: Any) -> str:
        assert answer.status_code == 422, answer.get_json()
        error = answer.get_json()["error"]
        assert [f["field"] for f in error["fields"]] == ["body.expression_date"]
        message: str = error["message"]
        return message

    earlier = scenario.call("POST", path, "clerk", json={"source": "working", "expression_date": "1900-01-01"})
    assert "before 2026-11-02" in refused_date(earlier)
    same_day = scenario.call("POST", path, "clerk", json={"source": "working", "expression_date": "2026-11-02"})
    assert same_day.status_code == 201, same_day.get_json()
    assert same_day.get_json()["expression_uri"].endswith("@2026-11-02.2")
    today = utcnow().date()
    later = scenario.call("POST", path, "clerk", json={"source": "working", "expression_date": today.isoformat()})
    assert later.status_code == 201 and later.get_json()["expression_uri"].endswith(f"@{today.isoformat()}")
    yesterday = (today - timedelta(days=1)).isoformat()
    assert f"before {today.isoformat()}" in refused_date(scenario.call("POST", path, "clerk", json={
        "source": "working", "expression_date": yesterday}))


def test_a_new_version_is_not_dated_in_the_future(scenario: Scenario) -> None:
    """Dated 9999-12-31, a version held every later one that names no date (dated today, before it) for good."""
    path = f"/api/bills/{scenario.bill_id}/versions"
    ahead = (utcnow().date() + timedelta(days=3)).isoformat()
    refused = scenario.call("POST", path, "clerk", json={"source": "working", "expression_date": ahead})
    assert refused.status_code == 422, refused.get_json()
    assert [f["field"] for f in refused.get_json()["error"]["fields"]] == ["body.expression_date"]
    assert "in the future" in refused.get_json()["error"]["message"]
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()  # a parliament ahead of UTC is already there
    assert scenario.call("POST", path, "clerk", json={"source": "working", "expression_date": tomorrow}
                         ).status_code == 201
    # The next version names no date: it takes the latest version's day rather than being refused as earlier.
    undated = scenario.call("POST", path, "clerk", json={"source": "working"})
    assert undated.status_code == 201 and f"@{tomorrow}." in undated.get_json()["expression_uri"]


# --- what the libraries under the API say, in the reader's language ---------------------------------------

NOT_JSON = "the request body must be a JSON object (Content-Type: application/json); it is not valid JSON: "
PAS_JSON = ("le corps de la requête doit être un objet JSON (Content-Type: application/json) ; ce n\u2019est pas du "
            "JSON valide : ")


def _refusals(client: FlaskClient, headers: dict[str, str]) -> list[tuple[int, str, str]]:
    """The status, code and message of malformed bodies, bodies not in their encoding, a method without a route, an
    address without one, and a body past the size limit."""
    sent = [
        client.post("/api/tokens", data=b'{"username": ', content_type="application/json", headers=headers),
        client.post("/api/tokens", data=b'{"username" "x"}', content_type="application/json", headers=headers),
        client.post("/api/tokens", data=b'{"username": "\xff"}', content_type="application/json", headers=headers),
        client.post("/api/tokens", data=b"\xff\xfe{", content_type="application/json", headers=headers),
        client.delete("/api/tokens", headers=headers),
        client.get("/api/nothing-here", headers=headers),
        client.post("/api/tokens", data=b'{"username": "' + b"x" * 2048 + b'"}', content_type="application/json",
                    headers=headers),
    ]
    return [(r.status_code, r.get_json()["error"]["code"], r.get_json()["error"]["message"]) for r in sent]


def test_the_words_of_werkzeug_and_of_the_json_decoder_reach_english_clients_as_they_always_did(
    app: Flask, client: FlaskClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    assert _refusals(client, {"Accept-Language": "en"}) == [
        (400, "bad_request", NOT_JSON + "Expecting value: line 1 column 14 (char 13)"),
        (400, "bad_request", NOT_JSON + "Expecting ':' delimiter: line 1 column 13 (char 12)"),
        (400, "bad_request", NOT_JSON + "'utf-8' codec can't decode byte 0xff in position 14: invalid start byte"),
        (400, "bad_request", NOT_JSON + "'utf-16-le' codec can't decode byte 0x7b in position 2: truncated data"),
        (405, "method_not_allowed", "The method is not allowed for the requested URL."),
        (404, "not_found", "The requested URL was not found on the server. If you entered the URL manually please "
                           "check your spelling and try again."),
        (413, "payload_too_large", "The data value transmitted exceeds the capacity limit."),
    ]


def test_the_words_of_werkzeug_and_of_the_json_decoder_reach_french_clients_in_french(
    app: Flask, client: FlaskClient
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    # The same codes and statuses; the place the decoder stopped at is kept.
    assert _refusals(client, {"Accept-Language": "fr"}) == [
        (400, "bad_request", PAS_JSON + "valeur attendue : ligne 1, colonne 14 (caractère 13)"),
        (400, "bad_request", PAS_JSON + "séparateur ':' attendu : ligne 1, colonne 13 (caractère 12)"),
        (400, "bad_request", PAS_JSON + "le codec 'utf-8' ne peut pas décoder l\u2019octet 0xff à la position 14 : "
                                        "octet de début invalide"),
        (400, "bad_request", PAS_JSON + "le codec 'utf-16-le' ne peut pas décoder l\u2019octet 0x7b à la position 2 : "
                                        "données tronquées"),
        (405, "method_not_allowed", "Cette méthode n\u2019est pas autorisée pour l\u2019URL demandée."),
        (404, "not_found", "L\u2019URL demandée n\u2019existe pas sur ce serveur. Si vous l\u2019avez saisie à la "
                           "main, vérifiez son orthographe et réessayez."),
        (413, "payload_too_large", "Les données transmises dépassent la taille maximale acceptée."),
    ]


def test_werkzeugs_descriptions_are_read_into_sentences_only_when_they_are_its_own() -> None:
    for error in (BadRequest(), NotFound(), MethodNotAllowed(["GET"]), RequestEntityTooLarge(),
                  InternalServerError()):
        said = http_description(error)
        assert said == error.description and isinstance(said, Wording), type(error).__name__
    # A description a view gave is its own words, shown as they are.
    assert not isinstance(http_description(NotFound("there is no bill 9")), Wording)


def test_a_service_refusal_names_the_field_to_fix(scenario: Scenario) -> None:
    """api.md: `fields` names the field when the service knows it, so a client can show the refusal by its input."""
    bill = scenario.bill_id

    def fields(answer: Any) -> list[str]:
        assert answer.status_code == 422, answer.get_json()
        return [f["field"] for f in answer.get_json()["error"]["fields"]]

    comments = f"/api/bills/{bill}/comments"
    assert fields(scenario.call("POST", comments, "citizen2", json={
        "eid": DUTY, "body": "Too short.", "quote": "ninety days"})) == ["body.quote"]
    assert fields(scenario.call("POST", comments, "citizen2", json={
        "eid": REGISTER, "body": "Agreed.", "reply_to": scenario.visible_comment})) == ["body.eid"]
    assert fields(scenario.call("POST", "/api/webhooks", "citizen", json={"url": "ftp://example.org/hook"})) == [
        "body.url"]
    transitions = f"/api/amendments/{scenario.amendment_id}/transitions"
    assert fields(scenario.call("POST", transitions, "clerk", json={"to": "inadmissible"})) == ["body.reason"]
    assert scenario.call("POST", transitions, "clerk", json={"to": "admissible"}).status_code == 200
    assert fields(scenario.call("POST", transitions, "clerk", json={
        "to": "adopted", "votes": {"for": 1, "against": 5}})) == ["body.votes"]
    # A new password that is too short is the request's new_password, not a "password" it does not have.
    assert fields(scenario.call("POST", "/api/account/password", "citizen", json={
        "current_password": "correct-horse", "new_password": "short"})) == ["body.new_password"]
