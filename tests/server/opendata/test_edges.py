"""The open-data surface at its edges: numbers past 64 bits, cursors, amendment URIs, validators, mail subjects."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.services import notification_delivery
from server.services.mail import Mail, build_message
from server.services.notification_delivery import NotificationSettings
from server.store import eventlog
from server.store.db import Database
from tests.server.conftest import Accounts, small_bill_xml
from tests.server.opendata.conftest import DUTY, Scenario
from tests.server.opendata.test_notifications import add_with_email, propose, subscribe, table

# base64url("k1:9999999999999999999"): the form of a real cursor, past what a 64-bit key holds.
CURSOR_PAST_64_BITS = "azE6OTk5OTk5OTk5OTk5OTk5OTk5OQ"


def _amendment_uri(scenario: Scenario) -> str:
    listed = scenario.client.get(f"/api/bills/{scenario.bill_id}/amendments").get_json()["amendments"]
    uri: str = listed[0]["akn_uri"]
    return uri


def _uris(scenario: Scenario) -> tuple[str, str]:
    bill = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()
    return bill["work_uri"], bill["expression_uri"]


def test_numbers_and_cursors_past_64_bits_are_the_clients_error(scenario: Scenario) -> None:
    after = scenario.client.get(f"/api/bills/{scenario.bill_id}/events?after=99999999999999999999")
    assert after.status_code in (400, 422) and set(after.get_json()["error"]) >= {"code", "message"}
    for path in ("/api/bills", f"/api/bills/{scenario.bill_id}/amendments", f"/api/bills/{scenario.bill_id}/comments"):
        response = scenario.client.get(f"{path}?cursor={CURSOR_PAST_64_BITS}")
        assert response.status_code == 422, (path, response.status_code)


def test_an_amendment_uri_names_one_amendment_in_its_one_language_or_nothing(scenario: Scenario) -> None:
    uri = _amendment_uri(scenario)  # /akn/ke/amendment/<date>/<id>/eng@<date>
    assert scenario.client.get(uri).status_code == 200
    parts = uri.split("/")
    for number in ("\u00b2", "9" * 25):  # "²".isdigit() is true; 25 digits overflow the column
        assert scenario.client.get("/".join([*parts[:5], number, *parts[6:]])).status_code == 404
    work = uri.rsplit("/", 1)[0]
    assert scenario.client.get(work + "/fra@1999-01-01").status_code == 404
    assert scenario.client.get(uri + ".xml").status_code == 200
    # Published as AKN XML only: no PDF, and not the XML under its name; .html is the amendment's page.
    assert scenario.client.get(uri + ".pdf").status_code == 404
    assert scenario.client.get(uri + ".html").headers["Location"].endswith(f"/amendments/{scenario.amendment_id}")


def test_control_characters_never_reach_an_amendment_its_document_or_the_export(scenario: Scenario) -> None:
    text = scenario.client.get(f"/api/bills/{scenario.bill_id}/provisions/{DUTY}").get_json()["text"]
    proposed = scenario.call("POST", f"/api/bills/{scenario.bill_id}/amendments", "mp",
                             json={"eid": DUTY, "text": text.replace("days", "days\x1b"), "justification": "x"})
    assert proposed.status_code == 422 and "U+001B" in str(proposed.get_json()["error"])
    assert scenario.client.get("/api/export.zip").status_code == 200


def test_a_weak_validator_revalidates_and_xml_and_html_have_their_own(scenario: Scenario) -> None:
    _, expression = _uris(scenario)
    etag = scenario.client.get(expression + ".xml").headers["ETag"]
    # If-None-Match compares weakly (a compressing proxy makes validators weak).
    assert scenario.client.get(expression + ".xml", headers={"If-None-Match": "W/" + etag}).status_code == 304
    xml = scenario.client.get(expression, headers={"Accept": "application/akn+xml"})
    html = scenario.client.get(expression, headers={"Accept": "text/html"})
    assert xml.mimetype == "application/akn+xml" and html.mimetype == "text/html"
    assert xml.headers["ETag"] != html.headers["ETag"]
    crossed = scenario.client.get(expression, headers={"Accept": "text/html", "If-None-Match": xml.headers["ETag"]})
    assert crossed.status_code == 200
    again = scenario.client.get(expression, headers={"Accept": "text/html", "If-None-Match": html.headers["ETag"]})
    assert again.status_code == 304


def test_a_work_uri_is_not_answered_304_by_date_for_a_version_published_in_the_same_second(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, expression = _uris(scenario)
    first = scenario.client.get(work + ".xml")
    by_date = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert scenario.client.get(expression + ".xml", headers=by_date).status_code == 304  # an expression never changes
    published_at = scenario.client.get(f"/api/bills/{scenario.bill_id}").get_json()["versions"][-1]["published_at"]
    v1 = datetime.strptime(published_at, "%Y-%m-%dT%H:%M:%S.%fZ")
    later = v1.replace(microsecond=min(v1.microsecond + 1, 999_999))
    monkeypatch.setattr(eventlog, "utcnow", lambda: later)
    published = scenario.call("POST", f"/api/bills/{scenario.bill_id}/versions", "clerk", json={"source": "working"})
    assert published.status_code == 201, published.get_json()
    monkeypatch.undo()
    assert scenario.client.get(work + ".xml").data != first.data
    assert scenario.client.get(work + ".xml", headers=by_date).status_code == 200


class BuildingSender:
    """Builds each mail as SMTP would send it, which is where a bad header fails."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(bytes(build_message(mail, "Parley <no-reply@parley.test>")))


def test_a_bill_title_spanning_lines_does_not_stop_its_subscribers_mail(
    client: FlaskClient, users: Accounts, db: Database, app: Flask
) -> None:
    xml = small_bill_xml("9", "Consultation Duty Bill, 2026").replace(
        b"Consultation Duty Bill, 2026", b"Consultation Duty&#10;Bill, 2026")
    imported = client.post("/api/bills", data=xml, content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert imported.status_code == 201, imported.get_json()
    bill_id = imported.get_json()["id"]
    add_with_email(db, users, "reader", "drafter", "reader@example.org")
    subscribe(client, users, "reader", target="bill", bill_id=bill_id)
    table(client, users, propose(client, users, bill_id, DUTY, "thirty days", "ninety days"))
    sender = BuildingSender()
    report = notification_delivery.run_once(
        db, sender, NotificationSettings(public_url="http://parley.test", secret_key=app.config["SECRET_KEY"]))
    assert (report.mails_sent, report.failures) == (1, 0)
    subject = email.message_from_bytes(sender.sent[0], policy=email.policy.default)["Subject"]
    assert "Consultation Duty Bill, 2026" in subject


def test_a_path_holding_a_control_character_is_a_bad_request_on_every_database(scenario: Scenario) -> None:
    for path in (f"/api/bills/{scenario.bill_id}/provisions/a%00b", "/akn/ke/bill/2026-11-02/7/eng%00",
                 f"/api/bills/{scenario.bill_id}/amendments/x%01"):
        response = scenario.client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "bad_request"
