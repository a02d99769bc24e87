"""Citizens sign up and confirm their address in the browser's pages; amendment and member pages."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.services import accounts, amendments
from server.services.amendments import Proposal
from server.store.consultation_models import CitizenSignup
from server.store.db import Database
from server.store.models import User
from tests.server.conftest import Accounts
from tests.server.web.conftest import csrf_token, meta, parse, sign_in


def _mailed_link(outbox: Path) -> str:
    mails = sorted(outbox.glob("*.eml"))
    assert len(mails) == 1
    message = message_from_bytes(mails[0].read_bytes())
    text = message.get_payload(decode=True) if not message.is_multipart() else message.get_payload(0).get_payload(
        decode=True)
    match = re.search(r"/verify\?token=([\w-]+)", text.decode("utf-8"))
    assert match, "the mail carries the verification link"
    return match.group(0)


def _confirm(client: FlaskClient, token: str, **extra: str) -> TestResponse:
    """Press "Confirm my address" on the verification page."""
    return client.post("/verify", data={"token": token, "csrf_token": csrf_token(client, "/verify"), **extra})


def _verified(db: Database, username: str) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(CitizenSignup.verified).join(User, User.id == CitizenSignup.user_id)
                                   .where(User.username == username)))


def test_a_citizen_signs_up_confirms_the_address_and_signs_in(app: Flask, client: FlaskClient, db: Database) -> None:
    form = {"username": "amani", "display_name": "Amani K.", "email": "amani@example.org",
            "password": "a-long-enough-password", "csrf_token": csrf_token(client, "/register")}
    answer = client.post("/register", data=form)
    assert answer.status_code == 200
    assert "amani@example.org" in parse(answer.data).xpath("string(//main)")
    link = _mailed_link(Path(app.instance_path) / "outbox")
    token = link.split("token=", 1)[1]

    # Opening the link (as a mail scanner or a link preview does, also with HEAD) confirms nothing: it asks.
    opened = client.get(link)
    assert client.head(link).status_code == 200 and not _verified(db, "amani")
    asked = parse(opened.data)
    assert asked.xpath('//form[@method="post"]//input[@name="token"]/@value') == [token]
    assert asked.xpath('//form[@method="post"]//button[@type="submit"]')
    confirmed = _confirm(client, token)
    assert confirmed.status_code == 200 and "amani" in parse(confirmed.data).xpath("string(//main)")
    assert _verified(db, "amani")
    again = _confirm(client, token)
    assert again.status_code == 400 and parse(again.data).xpath('//p[@role="alert"]')
    # Without the page's CSRF token, a form elsewhere cannot press the button for the reader.
    assert client.post("/verify", data={"token": token}).status_code == 400
    sign_in(client, "amani", "a-long-enough-password")
    assert "Amani K." in parse(client.get("/").data).xpath("string(//header)")


def test_the_sign_up_page_reads_the_same_whether_or_not_the_address_has_an_account(
    app: Flask, client: FlaskClient, db: Database
) -> None:
    def register(username: str, address: str) -> TestResponse:
        answer = client.post("/register", data={"username": username, "email": address,
                                                "password": "a-long-enough-password",
                                                "csrf_token": csrf_token(client, "/register")})
        assert answer.status_code == 200
        return answer

    register("amani", "amani@example.org")
    assert _confirm(client, _mailed_link(Path(app.instance_path) / "outbox").split("token=", 1)[1]).status_code == 200
    pages = []
    for username, address in (("prober", "amani@example.org"), ("newcomer", "newcomer@example.org")):
        answer = register(username, address)
        pages.append(parse(answer.data).xpath("string(//main)").replace(address, "ADDRESS"))
    assert pages[0] == pages[1] and "ADDRESS" in pages[0]
    with db.read() as session:
        assert session.scalar(select(User.id).where(User.username == "prober")) is None
    mails = [message_from_bytes(m.read_bytes(), policy=policy.default)
             for m in sorted((Path(app.instance_path) / "outbox").glob("*.eml"))]
    assert sum(m["To"] == "amani@example.org" and "sign in" in m.get_content() for m in mails) == 1


def test_the_code_from_the_mail_can_be_entered_on_the_verification_page(app: Flask, client: FlaskClient) -> None:
    form = {"username": "baraka", "email": "baraka@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    assert client.post("/register", data=form).status_code == 200
    token = _mailed_link(Path(app.instance_path) / "outbox").split("token=", 1)[1]
    # The mail says "send this code to the verification page": that page asks for it, without an error.
    bare = client.get("/verify")
    page = parse(bare.data)
    assert bare.status_code == 200 and not page.xpath('//p[@role="alert"]')
    assert page.xpath('//form[@method="post"]//input[@name="token"]/@id') == ["token"]
    assert page.xpath('//label[@for="token"]')
    pasted = _confirm(client, f"  {token} ")
    assert pasted.status_code == 200 and "baraka" in parse(pasted.data).xpath("string(//main)")
    # A wrong code, or none, says why and asks again.
    for code in ("nonsense", "  "):
        wrong = parse(_confirm(client, code).data)
        assert wrong.xpath('//p[@role="alert"]') and wrong.xpath('//input[@name="token"]')


def test_sign_up_refusals_are_shown_on_the_form(client: FlaskClient) -> None:
    answer = client.post("/register", data={"username": "x", "email": "not-an-address", "password": "pw",
                                            "csrf_token": csrf_token(client, "/register")})
    assert answer.status_code == 422
    page = parse(answer.data)
    assert page.xpath('//p[@role="alert"]') and page.xpath('//input[@name="username"]/@value') == ["x"]


def test_amendment_and_member_pages_show_the_instruction(client: FlaskClient, db: Database, users: Accounts,
                                                         bill_id: int) -> None:
    with db.write() as session:
        member = accounts.principal_for_user_id(session, users.ids["mp"])
        made = amendments.propose(session, member, bill_id, Proposal(
            eid="part_2__sec_3__subsec_1",
            text="The {{term{refersTo #term-clerk} clerk}} shall open a consultation within sixty days."))
        amendments.transition(session, member, made.id, "tabled")  # public from now on
        amendment_id, instruction = made.id, made.instruction
    page = parse(client.get(f"/amendments/{amendment_id}").data)
    assert meta(page, "og:description") == instruction
    assert "sixty" in instruction and meta(page, "og:title").startswith("Test Bill, 2026")
    record = parse(client.get(f"/mps/{users.ids['mp']}").data)
    assert instruction in record.xpath("string(//main)")
    assert client.get(f"/mps/{users.ids['clerk']}").status_code == 404


def test_the_sign_up_form_shares_the_per_address_sign_up_limit(database_url: str, tmp_path: Path) -> None:
    from server.app import create_app
    from tests.server.conftest import make_config

    app = create_app(make_config(database_url, tmp_path, RATELIMIT_ENABLED=True, SIGNUP_LIMIT_PER_ADDRESS="2/hour",
                                 RATELIMIT_KEY_PREFIX=f"web-test-{tmp_path.name}"))
    try:
        client = app.test_client()
        statuses = []
        for number in range(3):
            token = csrf_token(client, "/register")
            statuses.append(client.post("/register", data={
                "username": f"signup{number}", "email": f"signup{number}@example.org",
                "password": "a-long-enough-password", "csrf_token": token}).status_code)
        assert statuses == [200, 200, 429]
        assert client.get("/register").status_code == 200
        # Pressing "Confirm my address" draws on the same budget: codes cannot be tried without end.
        assert _confirm(client, "a-guess").status_code == 429
    finally:
        app.extensions["parley.db"].dispose()


def test_the_verification_page_keeps_where_the_reader_was_going(app: Flask, client: FlaskClient) -> None:
    form = {"username": "chausiku", "email": "chausiku@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    assert client.post("/register", data=form).status_code == 200
    token = _mailed_link(Path(app.instance_path) / "outbox").split("token=", 1)[1]
    going = "/bills/1/amendments?eid=part_1__sec_1"
    # The code form carries the destination on, so a pasted code keeps it too.
    asked = parse(client.get("/verify", query_string={"token": token, "next": going}).data)
    assert asked.xpath('//form[@method="post"]//input[@name="next"]/@value') == [going]
    confirmed = parse(_confirm(client, token, next=going).data)
    (sign_in_link,) = confirmed.xpath('//main//a[text()="Sign in"]/@href')
    link = urlsplit(sign_in_link)
    assert link.path == "/login" and parse_qs(link.query) == {"next": [going]}
    # Signing in from there lands where the reader was going, as /login does with its own `next`.
    answer = client.post(sign_in_link, data={"username": "chausiku", "password": "a-long-enough-password",
                                             "csrf_token": csrf_token(client)})
    assert answer.status_code == 302 and answer.headers["Location"] == going


def test_the_verification_page_drops_a_next_that_leaves_the_site(client: FlaskClient) -> None:
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example"):
        page = parse(client.get("/verify", query_string={"next": elsewhere}).data)
        assert page.xpath('//input[@name="next"]') == [], elsewhere


def test_the_verification_error_reads_as_a_sentence(client: FlaskClient) -> None:
    wrong = parse(_confirm(client, "nonsense").data)
    alert = wrong.xpath('string(//p[@role="alert"])').strip()
    # The service words its refusals to follow a colon ("refused: this verification link ..."); alone on
    # the page the sentence starts with a capital, the rest of it as the service wrote it.
    assert alert.startswith("This verification link is unknown"), alert


def test_the_amendments_page_can_fetch_the_text_it_amends(client: FlaskClient, bill_id: int) -> None:
    # The page asks for this when a version is published, to replace the composer's text without a reload.
    answer = client.get(f"/bills/{bill_id}/amendments/base")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    board = parse(client.get(f"/bills/{bill_id}/amendments").data)
    assert body["provisions"] == json.loads(board.xpath('string(//script[@id="amendable-provisions"])'))
    assert f"version {body['version']}." in board.xpath('string(//*[@id="amendment-base"])')
    assert all(row["wid"] for row in body["provisions"])


def _mailed_not_me_link(outbox: Path) -> str:
    [mail] = sorted(outbox.glob("*.eml"))
    text = message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode("utf-8")
    match = re.search(r"/verify/not-me\?token=([\w-]+)", text)
    assert match, "the mail offers its recipient a way to say the sign-up was not theirs"
    return match.group(0)


def _address_claimed(db: Database, username: str) -> str | None:
    with db.read() as session:
        return session.scalar(select(CitizenSignup.email).join(User, User.id == CitizenSignup.user_id)
                              .where(User.username == username))


def test_the_recipient_of_the_mail_cancels_a_sign_up_that_was_not_theirs(
    app: Flask, client: FlaskClient, db: Database
) -> None:
    form = {"username": "mimic", "email": "halima@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    assert client.post("/register", data=form).status_code == 200
    outbox = Path(app.instance_path) / "outbox"
    link = _mailed_not_me_link(outbox)
    token = link.split("token=", 1)[1]

    # Opening the link (a mail scanner does, also with HEAD) cancels nothing: it asks.
    asked = parse(client.get(link).data)
    assert client.head(link).status_code == 200 and _address_claimed(db, "mimic") == "halima@example.org"
    assert asked.xpath('//form[@method="post"]//input[@name="token"]/@value') == [token]
    assert asked.xpath('//form[@method="post"]//button[@type="submit"]')
    # Without the page's CSRF token, a form elsewhere cannot press the button.
    assert client.post("/verify/not-me", data={"token": token}).status_code == 400
    assert _address_claimed(db, "mimic") == "halima@example.org"

    pressed = client.post("/verify/not-me", data={"token": token, "csrf_token": csrf_token(client, link)})
    assert pressed.status_code == 200 and not parse(pressed.data).xpath('//p[@role="alert"]')
    assert parse(pressed.data).xpath('//main//a[@href="/register"]')
    assert _address_claimed(db, "mimic") == "" and not _verified(db, "mimic")
    refused = _confirm(client, token)
    assert refused.status_code == 400 and parse(refused.data).xpath('//p[@role="alert"]')

    # The address is free: its owner signs up with it and confirms it.
    for mail in outbox.glob("*.eml"):
        mail.unlink()
    form = {"username": "halima", "email": "halima@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    assert client.post("/register", data=form).status_code == 200
    own = _mailed_link(outbox).split("token=", 1)[1]
    assert _confirm(client, own).status_code == 200 and _verified(db, "halima")
    # A link that confirmed its address cannot cancel the sign-up after all; the page says why.
    late = client.post("/verify/not-me", data={"token": own, "csrf_token": csrf_token(client, "/verify/not-me")})
    assert late.status_code == 409 and "already confirmed" in parse(late.data).xpath('string(//p[@role="alert"])')
    assert _verified(db, "halima")


def test_a_cancelled_sign_up_is_told_what_happened_not_offered_another_mail(app: Flask, client: FlaskClient) -> None:
    form = {"username": "mimic", "email": "halima@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    assert client.post("/register", data=form).status_code == 200
    outbox = Path(app.instance_path) / "outbox"
    link = _mailed_not_me_link(outbox)
    pressed = client.post("/verify/not-me", data={"token": link.split("token=", 1)[1],
                                                  "csrf_token": csrf_token(client, link)})
    assert pressed.status_code == 200

    sign_in(client, "mimic", "a-long-enough-password")
    for language, heading, said in (("en", "Sign-up cancelled", "said the sign-up was not theirs"),
                                    ("fr", "Inscription annulée", "n\u2019était pas la sienne")):
        asked = client.get("/verify/again?next=/bills/1", headers={"Accept-Language": language})
        page = parse(asked.data)
        assert asked.status_code == 200 and page.xpath("string(//h1)") == heading
        assert said in page.xpath('string(//p[@role="alert"])')
        assert not page.xpath("//main//form"), "no mail can reach a cancelled sign-up: no button to send one"
        assert page.xpath('//main//a/@href') == ["/register"]
    pressed = client.post("/verify/again", data={"csrf_token": csrf_token(client, "/verify/again")})
    assert pressed.status_code == 409 and not parse(pressed.data).xpath("//main//form")
    assert len(list(outbox.glob("*.eml"))) == 1


def test_the_not_me_page_is_in_french(client: FlaskClient) -> None:
    page = parse(client.get("/verify/not-me?token=x", headers={"Accept-Language": "fr"}).data)
    assert page.xpath("string(//h1)") == "Ce n\u2019était pas moi"
    assert page.xpath("string(//form//button)") == "Annuler l\u2019inscription"


def _mails(outbox: Path) -> list[str]:
    """Each verification link mailed, oldest first."""
    links = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        text = message_from_bytes(path.read_bytes()).get_payload(decode=True).decode("utf-8")
        match = re.search(r"/verify\?token=[\w-]+", text)
        assert match
        links.append(match.group(0))
    return links


def test_a_citizen_asks_for_another_confirmation_mail_from_the_page(app: Flask, client: FlaskClient,
                                                                    db: Database) -> None:
    form = {"username": "subira", "email": "subira@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register")}
    registered = parse(client.post("/register", data=form).data)
    assert registered.xpath('//main//a[@href="/verify/again"]'), "the page says where to ask again"
    outbox = Path(app.instance_path) / "outbox"
    assert len(_mails(outbox)) == 1
    # Asking needs the account: the page sends an anonymous reader to sign in and back.
    anonymous = client.get("/verify/again")
    assert anonymous.status_code == 302 and "/login?next=/verify/again" in anonymous.headers["Location"]
    sign_in(client, "subira", "a-long-enough-password")
    asked = client.get("/verify/again?next=/bills/1")
    button = parse(asked.data).xpath('//form[@method="post"][@action="/verify/again"]')
    assert asked.status_code == 200 and button and button[0].xpath('.//input[@name="next"]/@value') == ["/bills/1"]
    sent = client.post("/verify/again", data={"csrf_token": csrf_token(client, "/verify/again"), "next": "/bills/1"})
    page = parse(sent.data)
    assert sent.status_code == 200 and "subira@example.org" in page.xpath('string(//p[@role="status"])')
    links = _mails(outbox)
    assert len(links) == 2 and links[0] != links[1]
    assert page.xpath('//main//a/@href') == ["/verify?next=/bills/1"]
    # Either link confirms; once confirmed, asking again says so.
    assert _confirm(client, links[1].split("token=", 1)[1]).status_code == 200 and _verified(db, "subira")
    done = client.post("/verify/again", data={"csrf_token": csrf_token(client, "/verify/again")})
    assert done.status_code == 409 and "already confirmed" in parse(done.data).xpath('string(//p[@role="alert"])')
    assert len(_mails(outbox)) == 2
    # Without the page's CSRF token, a form elsewhere cannot send mails in the citizen's name.
    assert client.post("/verify/again", data={}).status_code == 400


def test_an_expired_link_offers_another_mail_and_the_page_is_in_french(client: FlaskClient, users: Accounts) -> None:
    refused = parse(_confirm(client, "expired-or-unknown").data)
    assert refused.xpath('//main//a[starts-with(@href, "/verify/again")]')
    sign_in(client, "citizen")
    page = parse(client.get("/verify/again", headers={"Accept-Language": "fr"}).data)
    assert page.xpath("string(//h1)") == "Confirmez votre adresse électronique"
    assert page.xpath("string(//main//form//button)") == "Renvoyer le message de confirmation"


def test_a_citizen_who_signs_up_in_french_gets_the_mail_in_french(app: Flask, client: FlaskClient,
                                                                   db: Database) -> None:
    form = {"username": "amadou", "email": "amadou@example.org", "password": "a-long-enough-password",
            "csrf_token": csrf_token(client, "/register?lang=fr")}
    assert client.post("/register", data=form).status_code == 200
    mails = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    message = message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Confirmez votre adresse électronique pour Parley"
    text = message.get_content()
    assert "Pour la confirmer, ouvrez ce lien :\nhttp" in text and "/verify?token=" in text
    with db.read() as session:
        assert session.scalar(select(CitizenSignup.language).join(User, User.id == CitizenSignup.user_id)
                              .where(User.username == "amadou")) == "fr"


def test_an_address_another_account_confirmed_first_is_a_dead_end_no_longer(app: Flask, client: FlaskClient,
                                                                            db: Database) -> None:
    outbox = Path(app.instance_path) / "outbox"
    for username in ("amani", "zed"):
        form = {"username": username, "email": "amani@example.org", "password": "a-long-enough-password",
                "csrf_token": csrf_token(client, "/register")}
        assert client.post("/register", data=form).status_code == 200
    amani_link, zed_link = _mails(outbox)
    sign_in(client, "amani", "a-long-enough-password")
    confirmed = _confirm(client, amani_link.split("token=", 1)[1])
    # Signed in already: the page leads on, not to a sign-in form.
    assert parse(confirmed.data).xpath('//main//a/@href') == ["/"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    sign_in(client, "zed", "a-long-enough-password")
    refused = parse(_confirm(client, zed_link.split("token=", 1)[1]).data)
    assert "Another account verified this email address first" in refused.xpath('string(//p[@role="alert"])')
    assert not refused.xpath('//main//a[starts-with(@href, "/verify/again")]'), "no mail could help"
    # Asked for anyway, no mail goes to the address's owner again.
    again = client.post("/verify/again", data={"csrf_token": csrf_token(client, "/verify/again")})
    assert again.status_code == 409
    assert "sign up again with an address of your own" in parse(again.data).xpath('string(//p[@role="alert"])')
    assert len(_mails(outbox)) == 2 and not _verified(db, "zed")
