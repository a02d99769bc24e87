"""An amendment's page and a member's page: an amendment is named by its order-paper number, never by its id (a
draft has no number); the page names its proposer and co-sponsors, shows the votes, and offers a member of
parliament other than the proposer to co-sponsor it while it is open."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from server.services import accounts, amendments, consolidation
from server.services.amendments import Proposal
from server.store.db import Database
from tests.server.conftest import Accounts, cosponsor_draft
from tests.server.web.conftest import meta, parse, sign_in

DUTY = "part_2__sec_3__subsec_1"  # "The clerk shall open a consultation within thirty days."
DUTY_TEXT = "The {{term{refersTo #term-clerk} clerk}} shall open a consultation within %s days."
REGISTER = "part_2__sec_4"  # "The clerk shall keep a register of consultations."
VOTES = {"for": 120, "against": 40, "abstentions": 3}


def _propose(db: Database, users: Accounts, bill_id: int, who: str, eid: str, text: str) -> int:
    with db.write() as session:
        member = accounts.principal_for_user_id(session, users.ids[who])
        return amendments.propose(session, member, bill_id, Proposal(eid=eid, text=text)).id


def _step(db: Database, users: Accounts, who: str, amendment_id: int, to: str,
          votes: dict[str, int] | None = None, reason: str | None = None) -> None:
    with db.write() as session:
        actor = accounts.principal_for_user_id(session, users.ids[who])
        amendments.transition(session, actor, amendment_id, to, votes=votes, reason=reason)


def _cosponsor(db: Database, users: Accounts, who: str, amendment_id: int) -> None:
    with db.write() as session:
        amendments.add_cosponsor(session, accounts.principal_for_user_id(session, users.ids[who]), amendment_id)


def _page(client: FlaskClient, path: str) -> html.HtmlElement:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return parse(answer.data)


def _text(page: html.HtmlElement, xpath: str) -> str:
    return " ".join(str(page.xpath(f"string({xpath})")).split())


def _names(page: html.HtmlElement) -> list[str]:
    """The names of the member's amendments, as the member's page lists them (proposed, then co-sponsored)."""
    return [" ".join(a.text_content().split()) for a in page.xpath('//ul[@class="amendment-summaries"]/li/a')]


def test_a_draft_whose_id_is_a_tabled_amendments_number_is_not_named_by_it(
    client: FlaskClient, db: Database, users: Accounts, bill_id: int,
) -> None:
    users.add("mp2", "mp")
    draft = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "sixty")
    tabled = _propose(db, users, bill_id, "mp", REGISTER, "The clerk shall keep a public register of consultations.")
    _step(db, users, "mp", tabled, "tabled")
    withdrawn = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "ninety")
    _step(db, users, "mp", withdrawn, "withdrawn")  # withdrawn before it was ever tabled: it never had a number
    cosponsor_draft(db, bill_id, draft, users.ids["mp2"])
    assert (draft, tabled) == (1, 2)  # the tabled one is Amendment 1: the draft's id
    sign_in(client, "clerk")  # drafts are their members' own: the clerks read them too

    for amendment_id in (draft, withdrawn):
        page = _page(client, f"/amendments/{amendment_id}")
        assert _text(page, "//h1") == "Draft amendment to section 3(1)"
        assert "Amendment" not in meta(page, "og:title") and "Draft amendment to section 3(1)" in meta(page, "og:title")
        assert "Amendment 1" not in _text(page, "//title")
    assert _text(_page(client, f"/amendments/{tabled}"), "//h1") == "Amendment 1"

    assert _names(_page(client, f"/mps/{users.ids['mp']}")) == [
        "Draft amendment to section 3(1)", "Amendment 1", "Draft amendment to section 3(1)"]
    # Where a member's co-sponsorships are listed too.
    assert _names(_page(client, f"/mps/{users.ids['mp2']}")) == ["Draft amendment to section 3(1)"]
    assert _names(_page(client, f"/mps/{users.ids['mp']}?lang=fr"))[0] == "Projet d\u2019amendement (section 3(1))"


def test_the_page_names_the_proposer_and_co_sponsors_and_shows_the_votes(
    client: FlaskClient, db: Database, users: Accounts, bill_id: int,
) -> None:
    users.add("mp2", "mp")
    users.add("mp3", "mp")
    amendment = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "sixty")
    _step(db, users, "mp", amendment, "tabled")
    page = _page(client, f"/amendments/{amendment}")
    assert page.xpath('//dd[@id="cosponsors"]//a') == [] and _text(page, '//dd[@id="cosponsors"]') == "None."
    assert page.xpath('//dl[@class="votes"]') == []

    _cosponsor(db, users, "mp3", amendment)
    _cosponsor(db, users, "mp2", amendment)
    _step(db, users, "clerk", amendment, "admissible")
    _step(db, users, "clerk", amendment, "adopted", votes=VOTES)
    page = _page(client, f"/amendments/{amendment}")
    facts = page.xpath('//dl[@class="amendment-facts"]')[0]
    (proposer,) = facts.xpath('dt[.="Proposed by"]/following-sibling::dd[1]//a')
    assert proposer.get("href") == f"/mps/{users.ids['mp']}" and proposer.text == "mp"
    cosponsors = facts.xpath('dd[@id="cosponsors"]//a')
    assert [(a.get("href"), a.text) for a in cosponsors] == [
        (f"/mps/{users.ids['mp3']}", "mp3"), (f"/mps/{users.ids['mp2']}", "mp2")]
    votes = page.xpath('//dl[@class="votes"]')[0]
    assert [(dt.text, dd.text) for dt, dd in zip(votes.xpath("dt"), votes.xpath("dd"), strict=True)] == [
        ("For", "120"), ("Against", "40"), ("Abstentions", "3")]
    french = _page(client, f"/amendments/{amendment}?lang=fr")
    assert [dt.text for dt in french.xpath('//dl[@class="votes"]/dt')] == ["Pour", "Contre", "Abstentions"]


def _offer(page: html.HtmlElement) -> list[html.HtmlElement]:
    buttons: list[html.HtmlElement] = page.xpath('//button[@id="cosponsor"]')
    return buttons


def test_co_sponsoring_is_offered_to_other_members_while_the_amendment_is_open(
    client: FlaskClient, db: Database, users: Accounts, bill_id: int,
) -> None:
    users.add("mp2", "mp")
    amendment = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "sixty")
    _step(db, users, "mp", amendment, "tabled")  # a draft is its proposer's own: no other member sees it
    path = f"/amendments/{amendment}"
    assert _offer(_page(client, path)) == []  # signed out

    sign_in(client, "mp2")
    (button,) = _offer(_page(client, path))
    assert " ".join(button.text_content().split()) == "Co-sponsor this amendment"
    # Shown by the page's script: without it the button could do nothing, and the page reads as well.
    assert button.get("hidden") is not None
    assert button.get("data-user") == str(users.ids["mp2"]) and button.get("data-name") == "mp2"
    assert _text(_page(client, path), '//*[@id="cosponsor-status"]') == ""

    _cosponsor(db, users, "mp2", amendment)
    page = _page(client, path)
    assert _offer(page) == [] and _text(page, '//*[@id="cosponsor-status"]') == "You co-sponsor this amendment."
    _step(db, users, "clerk", amendment, "admissible")
    assert _text(_page(client, path), '//*[@id="cosponsor-status"]') == "You co-sponsor this amendment."


def test_co_sponsoring_is_not_offered_to_the_proposer_other_roles_or_once_decided(
    app: Flask, db: Database, users: Accounts, bill_id: int,
) -> None:
    users.add("mp2", "mp")
    adopted = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "sixty")
    withdrawn = _propose(db, users, bill_id, "mp", REGISTER, "The clerk shall keep a public register of consultations.")
    tabled = _propose(db, users, bill_id, "mp", "part_2__sec_3__subsec_2",
                      "A consultation shall remain open for **not less than** forty days.")
    for amendment in (adopted, tabled, withdrawn):
        _step(db, users, "mp", amendment, "tabled")
    _step(db, users, "clerk", adopted, "admissible")
    _step(db, users, "clerk", adopted, "adopted", votes=VOTES)
    _step(db, users, "mp", withdrawn, "withdrawn")

    def signed_in(who: str) -> FlaskClient:
        browser = app.test_client()
        sign_in(browser, who)
        return browser

    for who in ("mp", "clerk", "citizen"):
        assert _offer(_page(signed_in(who), f"/amendments/{tabled}")) == [], who
    other = signed_in("mp2")
    assert len(_offer(_page(other, f"/amendments/{tabled}"))) == 1
    for decided in (adopted, withdrawn):
        page = _page(other, f"/amendments/{decided}")
        assert _offer(page) == [] and _text(page, '//*[@id="cosponsor-status"]') == ""


def _fact(page: html.HtmlElement, key: str) -> html.HtmlElement | None:
    """The value the page's facts give for ``key`` (the ``dd`` of that id), or None when it gives none."""
    found = page.xpath(f'//dl[@class="amendment-facts"]/dd[@id="{key}"]')
    return found[0] if found else None


def test_the_page_says_why_an_amendment_was_ruled_out_what_defeated_it_and_where_it_was_consolidated(
    client: FlaskClient, db: Database, users: Accounts, bill_id: int,
) -> None:
    ruled_out = _propose(db, users, bill_id, "mp", REGISTER, "The clerk shall keep a public register of consultations.")
    adopted = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "sixty")
    fallen = _propose(db, users, bill_id, "mp", DUTY, DUTY_TEXT % "ninety")  # the same words: it conflicts
    for amendment in (ruled_out, adopted, fallen):
        _step(db, users, "mp", amendment, "tabled")
    _step(db, users, "clerk", ruled_out, "inadmissible", reason="Outside the scope of the bill.")
    for amendment in (adopted, fallen):
        _step(db, users, "clerk", amendment, "admissible")
    _step(db, users, "clerk", adopted, "adopted", votes=VOTES)
    _step(db, users, "clerk", fallen, "fallen")
    with db.write() as session:
        clerk = accounts.principal_for_user_id(session, users.ids["clerk"])
        version = consolidation.consolidate(session, clerk, bill_id).version

    page = _page(client, f"/amendments/{ruled_out}")
    reason = _fact(page, "reason")
    assert reason is not None and reason.text == "Outside the scope of the bill."
    assert _text(page, '//dd[@id="reason"]/preceding-sibling::dt[1]') == "Reason"
    assert _fact(page, "defeated-by") is None and _fact(page, "consolidated-in") is None

    page = _page(client, f"/amendments/{fallen}")
    (link,) = page.xpath('//dd[@id="defeated-by"]/a')
    # Named by its order-paper number (Amendment 2), not its id, and linked to its own page.
    assert (link.text, link.get("href")) == ("Amendment 2", f"/amendments/{adopted}")
    assert _text(page, '//dd[@id="defeated-by"]/preceding-sibling::dt[1]') == "Defeated by"
    assert _fact(page, "reason") is None and _fact(page, "consolidated-in") is None

    page = _page(client, f"/amendments/{adopted}")
    (link,) = page.xpath('//dd[@id="consolidated-in"]/a')
    assert (link.text, link.get("href")) == (f"Version {version}", f"/bills/{bill_id}?version={version}")
    assert _text(page, '//dd[@id="consolidated-in"]/preceding-sibling::dt[1]') == "Consolidated in"
    assert client.get(link.get("href")).status_code == 200

    french = _page(client, f"/amendments/{fallen}?lang=fr")
    assert _text(french, '//dd[@id="defeated-by"]/preceding-sibling::dt[1]') == "Rendu sans objet par"
    assert _text(french, '//dd[@id="defeated-by"]') == "Amendement 2"
    french = _page(client, f"/amendments/{adopted}?lang=fr")
    assert _text(french, '//dd[@id="consolidated-in"]/preceding-sibling::dt[1]') == "Intégré dans"
