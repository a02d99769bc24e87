"""Open-data exports carry no personal data; hostile comment text stays inert in every output."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from pathlib import Path

import pytest

from server.domain.citation import cite, levels_from_eid
from server.services import accounts, registration
from server.services.consultation_views import body_html
from server.store.db import Database
from tests.server.consultation.conftest import DURATION, REGISTER, Api

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">Look',
    "<a href=\"javascript:alert(1)\">click</a>",
    '"><svg/onload=alert(1)>',
    "</p><iframe src=//evil.example></iframe>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_comment_html_is_escaped_text_whatever_the_payload(payload: str) -> None:
    rendered = body_html(payload + "\n\nsecond paragraph\nsame paragraph")
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "<svg" not in rendered and "<iframe" not in rendered
    assert rendered.startswith("<p>") and "&lt;" in rendered
    assert rendered.endswith("<p>second paragraph<br>same paragraph</p>")


def test_bodies_are_kept_as_written_and_rendered_inert(api: Api, consulted: int) -> None:
    payload = "<script>alert('x')</script> & <b>bold</b>"
    posted = api.comment("citizen", consulted, DURATION, payload).get_json()
    listed = api.comments(consulted)[0]
    assert listed["id"] == posted["id"]
    assert listed["body"] == payload, "stored and served exactly as written"
    assert listed["body_html"] == "<p>&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</p>"
    response = api.get(f"/api/bills/{consulted}/comments")
    assert response.mimetype == "application/json"


def test_exports_hold_every_visible_comment_and_no_personal_data(api: Api, consulted: int) -> None:
    first = api.comment("citizen", consulted, DURATION, "=HYPERLINK(\"http://evil.example\",\"click\")").get_json()
    api.comment("citizen2", consulted, REGISTER, "Plain, with a comma and \"quotes\"\nand a newline.")
    held = api.comment("citizen3", consulted, REGISTER, "You idiots.").get_json()
    assert held["state"] == "held"
    consultation_id = first["consultation_id"]

    exported = api.get(f"/api/consultations/{consultation_id}/export.json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    rows = json.loads(exported.data)["comments"]
    assert [r["body"] for r in rows] == [first["body"], "Plain, with a comma and \"quotes\"\nand a newline."]
    text = exported.data.decode("utf-8")
    for personal in ("citizen", "author", "email", "username", str(api.users.ids["citizen"]) + ","):
        assert personal not in text

    as_csv = api.get(f"/api/consultations/{consultation_id}/export.csv")
    assert as_csv.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(as_csv.data.decode("utf-8"))))
    assert [r["id"] for r in table] == [str(r["id"]) for r in rows]
    assert table[0]["body"].startswith("'="), "a formula is shown as text in spreadsheets"
    assert table[1]["body"] == rows[1]["body"]
    assert "author" not in table[0] and "citizen" not in as_csv.data.decode("utf-8")
    assert api.get("/api/consultations/999/export.csv").status_code == 404


def test_answer_notifications_are_plain_text_mail(api: Api, consulted: int, tmp_path: Path) -> None:
    api.commenter_with_mail("withmail", "w@example.org")
    comment = api.comment("withmail", consulted, DURATION, "<b>Please</b> reply").get_json()
    answer = "<script>x</script> We took it up."
    assert api.post("drafter", f"/api/comments/{comment['id']}/answers",
                    {"body": answer, "fate": "taken_up"}).status_code == 201
    outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    raw = outbox[0].read_text()
    assert "Content-Type: text/plain" in raw and "To: w@example.org" in raw
    assert "text/html" not in raw
    # It says which bill and provision, what became of the comment, and leads to the provision.
    message = email.message_from_string(raw)
    bill_title = api.get(f"/api/bills/{consulted}").get_json()["title"]
    assert message["Subject"] == f"Your comment on {bill_title} has an answer"
    text = message.get_payload(decode=True).decode("utf-8")
    assert f"your comment on {cite(levels_from_eid(DURATION))} of the {bill_title}" in text
    assert "What became of it: taken up." in text and answer in text
    assert f"/bills/{consulted}?eid={DURATION}" in text


def test_a_citizen_who_signed_up_in_french_is_written_to_in_french(api: Api, consulted: int, tmp_path: Path) -> None:
    database: Database = api.client.application.extensions["parley.db"]
    with database.write() as session:
        signed = registration.sign_up(session, username="celine", email="celine@example.org",
                                      password="kettle-lantern-orchard-41", language="fr")
    with database.write() as session:
        user = registration.verify(session, signed.token)
        api.users.tokens["celine"] = accounts.issue_token(session, accounts.principal_of(user))
    comment = api.comment("celine", consulted, DURATION, "Trente jours, c'est trop court.").get_json()
    assert api.post("drafter", f"/api/comments/{comment['id']}/answers",
                    {"body": "Nous avons porté le délai à soixante jours.", "fate": "taken_up"}).status_code == 201
    assert api.post("clerk", f"/api/comments/{comment['id']}/moderation",
                    {"action": "hide", "reason": "hors sujet"}).status_code == 200
    outbox = sorted((tmp_path / "instance" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in outbox]
    title = api.get(f"/api/bills/{consulted}").get_json()["title"]
    answered, hidden = [m for m in mails if m["To"] == "celine@example.org"][-2:]
    assert answered["Subject"] == f"Votre commentaire sur « {title} » a reçu une réponse"
    text = answered.get_content()
    where = cite(levels_from_eid(DURATION))
    assert f"Le Parlement a répondu à votre commentaire sur {where} du texte « {title} »." in text
    assert "Ce qu\u2019il en est advenu : retenu." in text and "soixante jours" in text
    assert hidden["Subject"] == f"Votre commentaire sur « {title} » a été masqué"
    assert "Les lecteurs voient à sa place : « masqué : hors sujet »." in hidden.get_content()


def test_a_formula_after_leading_spaces_or_a_line_break_is_shown_as_text(api: Api, consulted: int) -> None:
    for who, body in (("citizen", "  =HYPERLINK(\"http://evil.example\")"), ("citizen2", "\n+1+cmd|' /C calc'!A0")):
        assert api.comment(who, consulted, DURATION, body).status_code == 201
    consultation_id = api.comments(consulted)[0]["consultation_id"]
    exported = api.get(f"/api/consultations/{consultation_id}/export.csv").data.decode("utf-8")
    bodies = [row["body"] for row in csv.DictReader(io.StringIO(exported))]
    assert bodies == ["'  =HYPERLINK(\"http://evil.example\")", "'\n+1+cmd|' /C calc'!A0"]
