"""Bills over HTTP: importing AKN, reading bills and provisions, resolving FRBR URIs, and refusing bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from akn import AknDocument
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS
from tests.server.conftest import Accounts, small_bill_xml

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
AKN = "application/akn+xml"


def _post(client: FlaskClient, users: Accounts, body: bytes, who: str = "drafter", **kwargs: object):
    return client.post("/api/bills", data=body, content_type=AKN, headers=users.headers(who), **kwargs)


def _event_count(client: FlaskClient) -> int:
    return int(client.get("/healthz").get_json()["last_event_id"])


def test_import_then_read_the_bill_and_its_provision_tree(client: FlaskClient, users: Accounts) -> None:
    created = _post(client, users, small_bill_xml("9"))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["work_uri"] == "/akn/ke/bill/2026-11-02/9"
    assert body["expression_uri"] == "/akn/ke/bill/2026-11-02/9/eng@2026-11-02"
    assert body["version"] == 1 and body["warnings"] == []

    listed = client.get("/api/bills").get_json()["bills"]
    assert [(b["id"], b["title"], b["status"]) for b in listed] == [(body["id"], "Test Bill, 2026", "drafting")]

    detail = client.get(f"/api/bills/{body['id']}").get_json()
    assert [v["version"] for v in detail["versions"]] == [1]
    part1, part2 = detail["provisions"]
    assert (part1["eid"], part1["num"], part1["heading"]) == ("part_1", "1", "Preliminary")
    sec2 = part1["children"][1]
    assert sec2["eid"] == "part_1__sec_2" and sec2["text"] == "In this Act—"
    assert [c["num"] for c in sec2["children"]] == ["(a)", "(b)"]
    assert all(c["rev"] == 0 and c["children"] == [] for c in sec2["children"])
    assert part2["children"][0]["children"][0]["eid"] == "part_2__sec_3__subsec_1"

    events = client.get(f"/api/bills/{body['id']}/events?after=0").get_json()
    assert [e["type"] for e in events["events"]] == ["bill.imported"]
    assert events["last_event_id"] == events["events"][0]["id"]
    # Asked from beyond the log's head, the answer is up to date at the head, not at the id asked from.
    beyond = client.get(f"/api/bills/{body['id']}/events?after=99999999999").get_json()
    assert beyond == {"events": [], "last_event_id": _event_count(client)}
    caught_up = client.get(f"/api/bills/{body['id']}/events?after={events['last_event_id']}").get_json()
    assert caught_up == {"events": [], "last_event_id": events["last_event_id"]}


def test_the_resolver_serves_work_expression_and_manifestation(client: FlaskClient, users: Accounts) -> None:
    source = small_bill_xml("10")
    created = _post(client, users, source).get_json()
    expression = client.get(created["expression_uri"])
    assert expression.status_code == 200 and expression.mimetype == AKN
    assert expression.get_data() == source
    for uri in (created["work_uri"], created["expression_uri"] + ".xml", created["expression_uri"] + ".akn",
                created["expression_uri"] + "/!main.xml"):
        response = client.get(uri)
        assert response.status_code == 200, uri
        assert response.get_data() == source, uri
    html = client.get(created["expression_uri"] + ".html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert 'id="part_1__sec_1"' in page and "Short title" in page
    negotiated = client.get(created["work_uri"], headers={"Accept": "text/html"})
    assert negotiated.mimetype == "text/html"
    etag = expression.headers["ETag"]
    assert client.get(created["expression_uri"], headers={"If-None-Match": etag}).status_code == 304
    missing = client.get("/akn/ke/bill/2026-11-02/404/eng@2026-11-02")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_a_second_import_of_the_same_work_is_a_conflict(client: FlaskClient, users: Accounts) -> None:
    assert _post(client, users, small_bill_xml("11")).status_code == 201
    again = _post(client, users, small_bill_xml("11"))
    assert again.status_code == 409 and "already exists" in again.get_json()["error"]["message"]


@pytest.mark.parametrize("number", ["x?y=1#z", "202%2F..", "a b"])
def test_a_uri_that_no_path_can_hold_as_it_is_is_replaced_by_one_that_resolves(
    client: FlaskClient, users: Accounts, number: str
) -> None:
    document = small_bill_xml("13").replace(b"/13", f"/{number}".encode())
    assert f"/ke/bill/2026-11-02/{number}/eng@".encode() in document
    imported = _post(client, users, document)
    assert imported.status_code == 201, imported.get_json()
    body = imported.get_json()
    assert "frbr_uri_assigned" in [w["code"] for w in body["warnings"]]
    assert number not in body["expression_uri"] and body["expression_uri"].startswith("/akn/ke/bill/2026-11-02/")
    # The URI given back resolves as it is given.
    served = client.get(body["expression_uri"] + ".xml")
    assert served.status_code == 200 and served.mimetype.endswith("xml")


def test_a_language_code_iso_639_does_not_know_is_read_as_the_language_parliaments_mean(
        client: FlaskClient, users: Accounts) -> None:
    # Uruguay writes Spanish "esp" (español); ISO 639-2 writes it "spa". Its own URI ("esp@", no date) is replaced.
    name = "legaldocml__uy_bill_2010-09-27.xml"
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    body = _post(client, users, path.read_bytes()).get_json()
    assert body["expression_uri"].endswith("/spa@2010-09-27"), body
    assumed = [w["message"] for w in body["warnings"] if w["code"] == "frbr_language_assumed"]
    assert len(assumed) == 1 and "'esp'" in assumed[0] and "'spa'" in assumed[0], body["warnings"]
    assert client.get(body["expression_uri"] + ".xml").get_data() == path.read_bytes(), "kept as imported"


def test_a_language_code_naming_no_language_serves_the_bill_in_the_undetermined_language(
        client: FlaskClient, users: Accounts) -> None:
    document = small_bill_xml("14").replace(b"/14", b"/x?y").replace(b'language="eng"', b'language="xyz"')
    body = _post(client, users, document).get_json()
    assert "/und@2026-11-02" in body["expression_uri"], body
    assumed = [w["message"] for w in body["warnings"] if w["code"] == "frbr_language_assumed"]
    assert len(assumed) == 1 and "'xyz'" in assumed[0] and "'und'" in assumed[0], body["warnings"]


def test_wrong_content_type_is_415(client: FlaskClient, users: Accounts) -> None:
    response = client.post("/api/bills", data=small_bill_xml(), content_type="text/plain",
                           headers=users.headers("drafter"))
    assert response.status_code == 415


@pytest.mark.parametrize(
    "name",
    ["legaldocml__uk_pga-2014-27-enacted.xml", "legaldocml__it_senato_ddl_2013.xml",
     "legaldocml__akn4eu_council_bill_123.xml"],
)
def test_real_documents_from_other_parliaments_import(client: FlaskClient, users: Accounts, name: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    created = _post(client, users, path.read_bytes())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert isinstance(body["warnings"], list)
    stored = client.get(body["expression_uri"] + ".xml").get_data()
    assert stored == path.read_bytes(), "kept exactly as imported"


def _corpus_names() -> list[str]:
    return sorted(path.name for path in CORPUS.glob("*.xml")) if CORPUS.is_dir() else ["(corpus absent)"]


@pytest.mark.parametrize("name", _corpus_names())
def test_every_corpus_document_is_stored_whole_or_refused_with_a_reason(
        client: FlaskClient, users: Accounts, name: str) -> None:
    # Long numbers with their footnotes (a UK act's "SCHEDULE 1{{noteRef ...}}") once overflowed a column on
    # PostgreSQL and answered 500; SQLite does not enforce lengths, so every database must take the whole corpus.
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({CORPUS})")
    before = _event_count(client)
    created = _post(client, users, path.read_bytes())
    if created.status_code != 201:
        assert created.status_code in (400, 409, 422), (name, created.status_code, created.get_data()[:300])
        assert created.get_json()["error"]["message"]
        assert _event_count(client) == before, "nothing is kept of a refused document"
        return
    bill = created.get_json()
    tree = client.get(f"/api/bills/{bill['id']}")
    assert tree.status_code == 200, name
    assert client.get(bill["expression_uri"] + ".xml").get_data() == path.read_bytes(), name


@pytest.mark.parametrize(
    ("name", "language"),
    [
        # Its own URI names no work the convention can read: Parley names the work, in Spanish's ISO 639-2 code.
        ("legaldocml__cl_Sesion56_2.xml", "spa"),
        # Its expression is named by a version, not a date ("eng@ver_final").
        ("legaldocml__eu_COM2013-0619_EN-8.xml", "eng"),
        # A legislation.gov.uk URI.
        ("legaldocml__uk_asp-2017-1-enacted.xml", "eng"),
        # Its language is written with two letters ("it").
        ("legaldocml__it_senato_ddl_2013.xml", "ita"),
    ],
)
def test_new_versions_of_an_imported_document_are_expressions_of_the_bill_served(
        client: FlaskClient, users: Accounts, name: str, language: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    bill = _post(client, users, path.read_bytes()).get_json()
    assert f"/{language}@" in bill["expression_uri"], bill
    for version in (2, 3):
        published = client.post(f"/api/bills/{bill['id']}/versions", json={"source": "working"},
                                headers=users.headers("clerk"))
        assert published.status_code == 201, published.get_json()
        uri = published.get_json()["expression_uri"]
        assert published.get_json()["version"] == version and uri.startswith(bill["work_uri"] + f"/{language}@")
        document = AknDocument.from_bytes(client.get(uri + ".xml").get_data())
        assert document.validate() == [], (name, version)
        frbr = document.frbr
        assert (frbr.work_uri, frbr.expression_uri, frbr.language) == (bill["work_uri"], uri, language)
        assert frbr.version_number == str(version)
        # Who made the expression is defined in the document, not only named.
        named = {value[1:] for element in document.tree.iter(f"{{{AKN_NS}}}identification", f"{{{AKN_NS}}}FRBR*")
                 for key in ("source", "href") if (value := element.get(key, "")).startswith("#")}
        defined = {element.get("eId") for element in document.tree.iter() if isinstance(element.tag, str)}
        assert named and named <= defined, (name, named - defined)
        # The work's URI, and the forms of the naming convention, serve the new version.
        def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            for node in nodes:
                yield node
                yield from walk(node["children"])

        # A debate has no provisions, and a collection's documents are components, not portions.
        tree = client.get(f"/api/bills/{bill['id']}").get_json()["provisions"]
        portions = [f"{uri}/~{node['eid']}" for node in walk(tree) if node["name"] in HIERARCHY_ELEMENTS][:1]
        for form in (bill["work_uri"], f"{bill['work_uri']}/{language}", uri + "/!main", *portions):
            assert client.get(form).status_code == 200, form
        assert client.get(bill["work_uri"]).headers["Content-Location"].startswith(uri)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">&lol4;</akomaNtoso>"""
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
             b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">' + b"&a;" * 50_000 +
             b"</akomaNtoso>")
XXE_FILE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">&e;</akomaNtoso>')
XXE_HTTP = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>'
            b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">&e;</akomaNtoso>')
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE akomaNtoso SYSTEM "http://127.0.0.1:9/akn.dtd">'
                b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"/>')
XINCLUDE = (b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0" '
            b'xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/>'
            b"</akomaNtoso>")
DEEP = (b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">' + b"<b>" * 10_000 +
        b"</b>" * 10_000 + b"</akomaNtoso>")
NOT_AKN = b'<?xml version="1.0"?><html><body>hello</body></html>'
WRONG_NAMESPACE = b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0/WD17"><act/></akomaNtoso>'
BROKEN_UTF8 = b'<?xml version="1.0" encoding="UTF-8"?><akomaNtoso>\xff\xfe broken</akomaNtoso>'
NOT_VALID = b'<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><bill/></akomaNtoso>'


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (BILLION_LAUGHS, 400), (QUADRATIC, 400), (XXE_FILE, 400), (XXE_HTTP, 400), (EXTERNAL_DTD, 400),
        (XINCLUDE, 400), (DEEP, 400), (NOT_AKN, 422), (WRONG_NAMESPACE, 422), (BROKEN_UTF8, 400),
        (NOT_VALID, 422), (b"", 400), (b"not xml at all", 400),
    ],
    ids=["billion-laughs", "quadratic", "xxe-file", "xxe-http", "external-dtd", "xinclude", "deep", "not-akn",
         "wrong-namespace", "broken-utf8", "schema-invalid", "empty", "not-xml"],
)
def test_malicious_or_broken_xml_is_refused_and_nothing_is_stored(
    client: FlaskClient, users: Accounts, body: bytes, status: int
) -> None:
    before = _event_count(client)
    response = _post(client, users, body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    assert "root:" not in error["message"], "no file content leaks into the message"
    assert _event_count(client) == before
    assert client.get("/api/bills").get_json()["bills"] == []


def test_schema_errors_name_the_first_problem_with_its_place(client: FlaskClient, users: Accounts) -> None:
    response = _post(client, users, NOT_VALID)
    error = response.get_json()["error"]
    assert error["code"] == "schema_invalid"
    assert "bill" in error["message"] and error["problems"][0]["line"] == 1


def test_a_body_over_the_size_limit_is_refused_before_parsing(client: FlaskClient, users: Accounts) -> None:
    huge = b"<akomaNtoso>" + b" " * (50 * 1024 * 1024) + b"</akomaNtoso>"
    response = _post(client, users, huge)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_published_xml_is_strictly_valid(client: FlaskClient, users: Accounts) -> None:
    from akn.validation import schema_problems

    created = _post(client, users, small_bill_xml("12")).get_json()
    published = client.post(f"/api/bills/{created['id']}/versions", json={"source": "working",
                                                                          "expression_date": "2026-11-21"},
                            headers=users.headers("clerk"))
    assert published.status_code == 201, published.get_json()
    assert published.get_json()["expression_uri"] == "/akn/ke/bill/2026-11-02/12/eng@2026-11-21"
    root = etree.fromstring(client.get(published.get_json()["expression_uri"]).get_data())
    assert schema_problems(root) == []
    again = client.post(f"/api/bills/{created['id']}/versions", json={"source": "working",
                                                                      "expression_date": "2026-11-21"},
                        headers=users.headers("clerk"))
    assert again.status_code == 201
    assert again.get_json()["expression_uri"] != published.get_json()["expression_uri"]
    compare = client.get(f"/api/bills/{created['id']}/compare?from=1&to=2").get_json()
    assert compare["changes"] == [] and "html" in compare


@pytest.mark.parametrize(
    ("body", "english", "french"),
    [
        (NOT_AKN, "expected an <akomaNtoso> root element in namespace", "l\u2019élément racine doit être <akomaNtoso>"),
        (WRONG_NAMESPACE, "convert it to AKN 3.0 first", "convertissez-le d\u2019abord en AKN 3.0"),
        (BROKEN_UTF8, "not well-formed XML: ", "XML mal formé : "),
        (NOT_VALID, "not valid Akoma Ntoso 3.0: line 1: ", "Akoma Ntoso 3.0 non valide : ligne 1 : "),
        (EXTERNAL_DTD, "DTDs and entity declarations are never accepted",
         "Les DTD et les déclarations d\u2019entités ne sont jamais acceptées"),
    ],
    ids=["not-akn", "wrong-namespace", "broken-utf8", "schema-invalid", "doctype"],
)
def test_a_refused_document_is_explained_in_the_language_of_whoever_sent_it(
    client: FlaskClient, users: Accounts, body: bytes, english: str, french: str
) -> None:
    in_english = _post(client, users, body).get_json()["error"]
    in_french = client.post("/api/bills", data=body, content_type=AKN,
                            headers={**users.headers("drafter"), "Accept-Language": "fr"})
    assert in_french.status_code in (400, 422)
    error = in_french.get_json()["error"]
    assert english in in_english["message"] and english not in error["message"]
    assert french in error["message"], error
    assert error["code"] == in_english["code"], "the code does not depend on the language"
    # What the parser or the schema said stays as they said it, in both languages; the place is translated.
    if body == BROKEN_UTF8:
        assert "Invalid bytes in character encoding (line 1, column " in in_english["message"]
        assert "Invalid bytes in character encoding (ligne 1, colonne " in error["message"]
    if body == NOT_VALID:
        said = in_english["message"].split("line 1: ")[1].rsplit(" (", 1)[0]
        assert said and error["message"].split("ligne 1 : ")[1].startswith(said)
