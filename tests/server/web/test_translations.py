"""The French catalogue: every message of the interface is translated, and the compiled file is current."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from server.http.i18n import TRANSLATIONS
from tests.server.conftest import Accounts
from tests.server.web.conftest import csrf_token, parse

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = TRANSLATIONS / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "N_": None}
PLACE = re.compile(r"%\((\w+)\)[sdr]")


def _messages(directory: Path, method: str, pattern: str) -> set[str]:
    found = extract_from_dir(str(directory), method_map=[(pattern, method)], keywords=KEYWORDS)
    return {message if isinstance(message, str) else message[0]
            for _file, _line, message, _comments, _context in found}


def _catalogue() -> dict[str, str]:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        return {message.id: message.string for message in read_po(handle, locale="fr")
                if isinstance(message.id, str) and message.id and message.string}


def _refusals() -> set[str]:
    """The sentences services and the AKN library refuse with (``wording("...")`` anywhere in ``server`` or
    ``akn``)."""
    found = [*extract_from_dir(str(ROOT / "server"), method_map=[("**.py", "python")], keywords={"wording": None}),
             *extract_from_dir(str(ROOT / "akn"), method_map=[("**.py", "python")], keywords={"wording": None})]
    return {message if isinstance(message, str) else message[0] for _file, _line, message, _c, _ctx in found}


def test_every_message_of_the_pages_and_the_browser_is_translated() -> None:
    used = _messages(ROOT / "frontend" / "templates", "jinja2", "**.html")
    used |= _messages(ROOT / "server" / "http", "python", "**.py")
    assert used, "the extractor found the interface's messages"
    assert sorted(used - set(_catalogue())) == []


def test_every_refusal_is_translated_with_the_same_places_for_its_values() -> None:
    refusals, catalogue = _refusals(), _catalogue()
    assert len(refusals) > 10, "the extractor found the services' refusals"
    assert sorted(refusals - set(catalogue)) == []
    # A translation that named a value the sentence does not give would fail where it is shown.
    differing = {sentence: catalogue[sentence] for sentence in refusals
                 if sorted(PLACE.findall(sentence)) != sorted(PLACE.findall(catalogue[sentence]))}
    assert differing == {}


def test_the_compiled_catalogue_matches_its_source() -> None:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle, locale="fr") if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d server/translations"


def test_a_refusal_reads_in_the_language_of_whoever_asked(client: FlaskClient) -> None:
    short = {"username": "amina", "email": "amina@example.org", "password": "short"}
    english = client.post("/api/citizens", json=short)
    french = client.post("/api/citizens", json=short, headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 422
    assert english.get_json()["error"]["message"] == "a password needs at least 8 characters"
    assert french.get_json()["error"]["message"] == "un mot de passe a besoin d\u2019au moins 8 caractères"
    assert english.get_json()["error"]["code"] == french.get_json()["error"]["code"] == "validation_failed"


def test_a_refusal_inside_a_refusal_is_translated_too_on_a_french_page(client: FlaskClient) -> None:
    form = {"username": "amina", "email": "amina@example.org", "password": "kettle-lantern-orchard-41",
            "display_name": "Amina\u200b", "csrf_token": csrf_token(client, "/register")}
    answer = client.post("/register?lang=fr", data=form)
    assert answer.status_code == 422
    alert = parse(answer.data).xpath('string(//p[@role="alert"])')
    assert alert.startswith("Un nom affiché ne peut pas contenir le caractère invisible ou de mise en forme "
                            "U+200B"), alert
    assert alert.endswith(" ; reçu 'Amina\\u200b'"), alert


def test_each_field_of_a_failed_validation_reads_in_the_language_of_whoever_asked(client: FlaskClient) -> None:
    wrong = {"username": 7, "email": "amina@example.org", "password": "kettle-lantern-orchard-41"}
    english = client.post("/api/citizens", json=wrong)
    french = client.post("/api/citizens", json=wrong, headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 422
    assert english.get_json()["error"]["fields"] == [
        {"field": "body.username", "message": "username must be a string; found an integer"}]
    assert english.get_json()["error"]["message"] == ("the request has 1 problem: body.username: username must be "
                                                      "a string; found an integer")
    # The field's name is the API's (a value), the sentence around it French, as is the summary that lists it.
    assert french.get_json()["error"]["fields"] == [
        {"field": "body.username", "message": "username doit être une chaîne de caractères ; reçu un entier"}]
    assert french.get_json()["error"]["message"] == ("la requête comporte 1 problème : body.username : username "
                                                     "doit être une chaîne de caractères ; reçu un entier")


def test_roles_and_states_inside_a_french_refusal_are_french_words(client: FlaskClient, users: Accounts,
                                                                    bill_id: int) -> None:
    french = {"Accept-Language": "fr"}
    refused = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"},
                          headers={**users.headers("mp"), **french})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"].endswith("; vous êtes connecté avec le rôle député")
    english = client.post(f"/api/bills/{bill_id}/versions", json={"source": "working"}, headers=users.headers("mp"))
    assert english.get_json()["error"]["message"].endswith("; you are signed in as mp")
    wrong = client.post("/api/tokens", json={"username": "mp", "password": "not-it"}, headers=french)
    assert wrong.get_json()["error"]["message"] == "le nom d\u2019utilisateur ou le mot de passe est erroné"
    page = parse(client.get("/moderation?lang=fr", headers=users.headers("mp")).data)
    assert "greffier, administrateur" in page.xpath('string(//p[@role="alert"])')


def test_an_unknown_address_opened_in_a_browser_is_a_page_in_its_language(client: FlaskClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "fr"}
    opened = client.get("/nothing-here", headers=browser)
    assert opened.status_code == 404 and opened.mimetype == "text/html"
    page = parse(opened.data)
    assert page.xpath("string(//h1)") == "Introuvable"
    assert page.xpath('string(//p[@role="alert"])').startswith("Il n\u2019y a rien à cette adresse.")
    # Programs asking for the same address, and any address under /api/, still get the JSON error.
    assert client.get("/nothing-here").get_json()["error"]["code"] == "not_found"
    assert client.get("/api/nothing-here", headers=browser).get_json()["error"]["code"] == "not_found"


def test_the_password_estimators_own_warning_is_translated_with_the_refusal(client: FlaskClient) -> None:
    common = {"username": "amina", "email": "amina@example.org", "password": "password"}
    french = client.post("/api/citizens", json=common, headers={"Accept-Language": "fr"}).get_json()["error"]
    assert french["message"] == ("ce mot de passe est trop facile à deviner (c\u2019est l\u2019un des 10 mots de passe "
                                 "les plus courants) ; quelques mots inhabituels mis ensemble en font un solide")
    english = client.post("/api/citizens", json=common).get_json()["error"]
    assert english["message"] == ("this password is too easy to guess (this is a top-10 common password); a few "
                                  "unusual words together make a strong one")
