"""The resolver's naming-convention forms: `eng@` (the original), `eng` (the latest), and portions (`/~eId`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from diff_match_patch import diff_match_patch
from flask.testing import FlaskClient
from lxml import etree

from akn.validation import convention_problems, schema_problems
from akn.vocabulary import AKN_NS
from server.services import accounts, bills, drafting
from server.store.db import Database
from tests.server.conftest import Accounts, small_bill_xml

AKN = "application/akn+xml"
NS = {"a": AKN_NS}
DUTY = "part_2__sec_3__subsec_1"
SHORT_TITLE = "part_1__sec_1"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class TwoVersions:
    """A bill whose original says "thirty days" and whose second (latest) version says "sixty days"."""

    work: str
    original: str
    latest: str


@pytest.fixture
def two_versions(client: FlaskClient, db: Database, users: Accounts) -> TwoVersions:
    created = client.post("/api/bills", data=small_bill_xml("12"), content_type=AKN, headers=users.headers("drafter"))
    assert created.status_code == 201, created.get_json()
    bill = created.get_json()
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        rev, text = bills.provision_states(session, bill["id"])[DUTY]
        engine = diff_match_patch()
        patch = engine.patch_toText(engine.patch_make(text, text.replace("thirty days", "sixty days")))
        drafting.edit_provision(session, drafter, bill_id=bill["id"], eid=DUTY, rev=rev, patch=patch,
                                op_id="resolver-forms-1", max_chars=100_000)
    published = client.post(f"/api/bills/{bill['id']}/versions", headers=users.headers("clerk"),
                            json={"source": "working", "expression_date": "2026-11-21"})
    assert published.status_code == 201, published.get_json()
    latest = published.get_json()["expression_uri"]
    assert latest == "/akn/ke/bill/2026-11-02/12/eng@2026-11-21" != bill["expression_uri"]
    return TwoVersions(bill["work_uri"], bill["expression_uri"], latest)


def _portion(response_data: bytes) -> etree._Element:
    root = etree.fromstring(response_data)
    assert schema_problems(root) == []
    assert convention_problems(root) == [], "Parley's own output follows the naming convention"
    assert etree.QName(root[0]).localname == "portion"
    return root


def test_a_dangling_at_names_the_original_expression(client: FlaskClient, two_versions: TwoVersions) -> None:
    original = client.get(two_versions.original).get_data()
    assert b"thirty days" in original
    for uri in (two_versions.work + "/eng@", two_versions.work + "/eng@.xml", two_versions.work + "/eng@.akn",
                two_versions.work + "/eng@/!main", two_versions.work + "/eng@/!main.xml"):
        response = client.get(uri)
        assert response.status_code == 200, uri
        assert response.mimetype == AKN and response.get_data() == original, uri
        assert response.headers["Content-Location"] == two_versions.original + ".xml", uri
    html = client.get(two_versions.work + "/eng@.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "thirty days" in html.get_data(as_text=True)
    assert html.headers["Content-Location"] == two_versions.original + ".html"


def test_a_language_alone_names_the_latest_expression(client: FlaskClient, two_versions: TwoVersions) -> None:
    latest = client.get(two_versions.latest).get_data()
    assert b"sixty days" in latest
    for uri in (two_versions.work + "/eng", two_versions.work + "/eng.xml", two_versions.work + "/eng/!main"):
        response = client.get(uri)
        assert response.status_code == 200, uri
        assert response.mimetype == AKN and response.get_data() == latest, uri
        assert response.headers["Content-Location"] == two_versions.latest + ".xml", uri
    negotiated = client.get(two_versions.work + "/eng", headers={"Accept": BROWSER})
    assert negotiated.mimetype == "text/html" and "sixty days" in negotiated.get_data(as_text=True)
    assert negotiated.headers["Content-Location"] == two_versions.latest + ".html"


def test_every_uri_that_resolved_before_resolves_as_it_did(client: FlaskClient, two_versions: TwoVersions) -> None:
    latest = client.get(two_versions.latest)
    assert latest.status_code == 200 and "Content-Location" not in latest.headers
    original = client.get(two_versions.original + ".xml")
    assert original.status_code == 200 and b"thirty days" in original.get_data()
    work = client.get(two_versions.work)
    assert work.status_code == 200 and work.get_data() == latest.get_data()
    # The Work URI is served where it is asked for, as before; it now also says which expression it gave.
    assert work.headers["Content-Location"] == two_versions.latest + ".xml"


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ("{original}/~" + DUTY, "thirty days"),
        ("{original}/!main~" + DUTY, "thirty days"),
        ("{original}/~" + DUTY + ".xml", "thirty days"),
        ("{original}/~" + DUTY + ".akn", "thirty days"),
        ("{latest}/~" + DUTY, "sixty days"),
        ("{work}/eng@/~" + DUTY, "thirty days"),
        ("{work}/eng@/~" + DUTY + ".xml", "thirty days"),
        ("{work}/eng/~" + DUTY, "sixty days"),
        ("{work}/eng/~" + DUTY + ".xml", "sixty days"),
        ("{work}/~" + DUTY, "sixty days"),
    ],
)
def test_a_portion_is_a_valid_portion_document_of_the_version_named(
    client: FlaskClient, two_versions: TwoVersions, form: str, words: str
) -> None:
    uri = form.format(work=two_versions.work, original=two_versions.original, latest=two_versions.latest)
    response = client.get(uri)
    assert response.status_code == 200, (uri, response.get_data())
    assert response.mimetype == AKN
    root = _portion(response.get_data())
    held = root.xpath("a:portion/a:portionBody/*", namespaces=NS)
    assert [e.get("eId") for e in held] == [DUTY]
    assert words in "".join(held[0].itertext())
    expression = two_versions.original if words == "thirty days" else two_versions.latest
    assert root.xpath("//a:FRBRExpression/a:FRBRuri/@value", namespaces=NS) == [expression]
    # Only the provision: nothing of the rest of the bill.
    assert b"Short title" not in response.get_data()


def test_a_portion_in_html_is_that_provision_rendered(client: FlaskClient, two_versions: TwoVersions) -> None:
    for uri, words in ((f"{two_versions.work}/eng@/~{DUTY}.html", "thirty days"),
                       (f"{two_versions.work}/eng/~{DUTY}.html", "sixty days"),
                       (f"{two_versions.original}/~{SHORT_TITLE}.html", "Test Act, 2026")):
        response = client.get(uri)
        assert response.status_code == 200 and response.mimetype == "text/html", uri
        page = response.get_data(as_text=True)
        assert words in page, uri
        assert "Duty to consult" not in page if SHORT_TITLE in uri else "Short title" not in page
    negotiated = client.get(f"{two_versions.original}/~{SHORT_TITLE}", headers={"Accept": BROWSER})
    assert negotiated.mimetype == "text/html" and f'id="{SHORT_TITLE}"' in negotiated.get_data(as_text=True)


def test_a_portion_has_its_own_validators(client: FlaskClient, two_versions: TwoVersions) -> None:
    whole = client.get(two_versions.original)
    portion_uri = f"{two_versions.original}/~{DUTY}"
    portion = client.get(portion_uri)
    other = client.get(f"{two_versions.original}/~{SHORT_TITLE}")
    html = client.get(portion_uri + ".html")
    etags = {whole.headers["ETag"], portion.headers["ETag"], other.headers["ETag"], html.headers["ETag"]}
    assert len(etags) == 4
    assert client.get(portion_uri, headers={"If-None-Match": portion.headers["ETag"]}).status_code == 304
    assert client.get(portion_uri, headers={"If-None-Match": whole.headers["ETag"]}).status_code == 200
    # The original never comes to mean another expression: its own date answers 304.
    original = client.get(two_versions.work + "/eng@")
    same = client.get(two_versions.work + "/eng@", headers={"If-Modified-Since": original.headers["Last-Modified"]})
    assert same.status_code == 304


@pytest.mark.parametrize(
    "form",
    ["{original}/~sec_99", "{original}/~sec_99.xml", "{work}/eng@/~sec_99", "{work}/eng/~sec_99.xml",
     "{work}/~sec_99", "{original}/~part_1__sec_1__p_1", "{original}/~sec_1->sec_2",
     "{work}/eng@/~" + DUTY + ".pdf", "{work}/fra@", "{work}/fra", "{work}/fra/~" + DUTY,
     "{work}/eng:2026-11-02", "{work}/eng@/!schedule_1", "{work}/eng@.json",
     "/akn/ke/bill/2026-11-02/404/eng@", "/akn/ke/bill/2026-11-02/404/eng/~" + DUTY,
     "/akn/ke/bill/2026-11-02/12/eng@2099-01-01/~" + DUTY],
)
def test_what_names_nothing_is_404_in_json(client: FlaskClient, two_versions: TwoVersions, form: str) -> None:
    uri = form.format(work=two_versions.work, original=two_versions.original)
    response = client.get(uri)
    assert response.status_code == 404, (uri, response.status_code)
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"], uri
    assert "Accept" in response.vary, uri


def test_an_unknown_portion_says_which_expression_lacks_it(client: FlaskClient, two_versions: TwoVersions) -> None:
    message = client.get(f"{two_versions.work}/eng@/~sec_99").get_json()["error"]["message"]
    assert message == f"the expression {two_versions.original} has no provision sec_99"
    language = client.get(f"{two_versions.work}/fra").get_json()["error"]["message"]
    assert two_versions.work in language and "fra" in language


def test_a_browser_gets_a_page_for_what_names_nothing(client: FlaskClient, two_versions: TwoVersions) -> None:
    for uri, headers in ((f"{two_versions.work}/eng@/~sec_99", {"Accept": BROWSER}),
                         (f"{two_versions.work}/eng/~sec_99.html", {})):
        response = client.get(uri, headers=headers)
        assert response.status_code == 404 and response.mimetype == "text/html", uri
        assert "Accept" in response.vary, uri
        page = etree.HTML(response.get_data())
        assert "sec_99" in "".join(page.xpath('//p[@role="alert"]//text()')), uri
    # Asked for XML by a program, the same address answers JSON.
    assert client.get(f"{two_versions.work}/eng@/~sec_99.xml", headers={"Accept": BROWSER}).is_json


@pytest.mark.parametrize(
    "form",
    ["{original}/~", "{work}/eng@/~", "{work}/english", "{work}/eng@/!~" + DUTY, "{work}/ENG@"],
)
def test_a_malformed_uri_is_a_bad_request(client: FlaskClient, two_versions: TwoVersions, form: str) -> None:
    uri = form.format(work=two_versions.work, original=two_versions.original)
    response = client.get(uri)
    assert response.status_code == 400, (uri, response.status_code)
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "expected an FRBR URI" in error["message"], uri


@pytest.mark.parametrize(
    ("form", "found"),
    [("/akn/ke/bill/2026-13-45/12", "found 2026-13-45"), ("{work}/eng@2026-02-30", "found 2026-02-30"),
     ("{original}.xml.xml", "found .xml.xml")],
)
def test_an_impossible_date_or_a_second_format_is_a_bad_request(
    client: FlaskClient, two_versions: TwoVersions, form: str, found: str,
) -> None:
    uri = form.format(work=two_versions.work, original=two_versions.original)
    response = client.get(uri)
    assert response.status_code == 400, (uri, response.status_code)
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["message"].endswith(found), error


def test_a_refusal_names_what_is_missing_not_the_whole_uri(client: FlaskClient, two_versions: TwoVersions) -> None:
    def message(uri: str) -> str:
        response = client.get(uri)
        assert response.status_code == 404, (uri, response.status_code)
        text: str = response.get_json()["error"]["message"]
        return text

    # The expression exists; only the component is unknown.
    assert message(f"{two_versions.original}/!other").startswith(
        f"the expression {two_versions.original} has no component other;")
    assert message(f"{two_versions.work}/eng/!schedule_1").startswith(
        f"the expression {two_versions.latest} has no component schedule_1;")
    # Before the component, the work itself is missing: that is what is said.
    assert message("/akn/ke/bill/2026-11-02/404/eng@2026-11-02/!other") == (
        "no published expression has the URI /akn/ke/bill/2026-11-02/404/eng@2026-11-02")
    assert ".json" in message(f"{two_versions.work}/eng@.json")
