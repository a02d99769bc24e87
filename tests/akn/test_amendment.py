"""AKN amendment documents and amendment lists: strictly valid, conventionally named, marked up like the corpus."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from akn.amendment import (
    AmendmentSpec,
    AppliedAmendment,
    NewProvision,
    Proponent,
    Quote,
    amendment_uri,
    build_amendment,
    destination_href,
    record_consolidation,
)
from akn.amendment_list import ListedAmendment, amendment_list_uri, build_amendment_list
from akn.parsing import parse_xml
from akn.validation import convention_problems, schema_problems

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
NS = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
BILL = "/akn/ke/bill/2026-11-02/12/eng@2026-11-02"
MP = Proponent("mp_3", "Hon. Grace Wanjiru", "/ontology/person/parley/3")


def _spec(**changes: object) -> AmendmentSpec:
    values: dict[str, object] = {
        "country": "ke", "number": "7", "date": date(2026, 11, 21), "bill_expression_uri": BILL,
        "bill_title": "Public Participation in Legislation Bill, 2026", "provision_eid": "sec_1__subsec_2",
        "citation": "section 1(2)",
        "instruction": ["In section 1(2), leave out ", Quote("thirty"), " and insert ", Quote("sixty"), "."],
        "proponent": MP, "justification": "People need time to prepare.",
    }
    values.update(changes)
    return AmendmentSpec(**values)  # type: ignore[arg-type]


def test_text_amendment_is_strictly_valid_and_follows_the_naming_convention() -> None:
    root = build_amendment(_spec(cosponsors=[Proponent("mp_4", "Hon. Daniel Mutua", "/ontology/person/parley/4")],
                                 order_number="3"))
    assert schema_problems(root) == []
    assert convention_problems(root) == []
    assert root.find("a:amendment/a:meta/a:identification/a:FRBRExpression/a:FRBRuri", NS).get("value") == (
        "/akn/ke/amendment/2026-11-21/7/eng@2026-11-21"
    )
    assert root.find(".//a:docNumber", NS).text == "3"
    # Titled as the House knows it, by its order-paper number; its FRBR number is its id.
    assert root.find(".//a:FRBRWork/a:FRBRalias[@name='title']", NS).get("value") == "Amendment 3"
    assert root.find(".//a:FRBRWork/a:FRBRnumber", NS).get("value") == "7"
    mod = root.find(".//a:amendmentContent//a:mod", NS)
    assert "".join(mod.itertext()) == "In section 1(2), leave out thirty and insert sixty."
    assert [q.text for q in mod.iterfind("a:quotedText", NS)] == ["thirty", "sixty"]
    textual = root.find(".//a:activeModifications/a:textualMod", NS)
    assert textual.get("type") == "substitution"
    assert textual.find("a:source", NS).get("href") == "#" + mod.get("eId")
    assert textual.find("a:destination", NS).get("href") == destination_href(BILL, "sec_1__subsec_2")
    assert [p.get("refersTo") for p in root.iterfind(".//a:docProponent", NS)] == ["#mp_3", "#mp_4"]


def test_new_provision_is_a_quoted_structure() -> None:
    root = build_amendment(_spec(
        modification="insertion", provision_eid="sec_4",
        instruction=["After section 4, insert the following new section—"],
        new_provision=NewProvision("section", "4A.", "Review", "The Clerk shall **review** this Act.\nAgain."),
    ))
    assert schema_problems(root) == [] and convention_problems(root) == []
    section = root.find(".//a:mod/a:quotedStructure/a:section", NS)
    assert section.findtext("a:num", namespaces=NS) == "4A."
    assert [etree.tostring(p, method="text", encoding="unicode") for p in section.iterfind(".//a:p", NS)] == [
        "The Clerk shall review this Act.", "Again."
    ]


def test_a_draft_is_titled_as_a_draft_until_it_has_its_order_paper_number() -> None:
    root = build_amendment(_spec())
    assert root.find(".//a:FRBRWork/a:FRBRalias[@name='title']", NS).get("value") == "Amendment 7 (draft)"
    assert root.find(".//a:docNumber", NS).text == "7 (draft)"


def test_text_that_needs_escaping_stays_text() -> None:
    root = build_amendment(_spec(instruction=["leave out ", Quote('"<b> & </b>"')], justification="a < b & c"))
    assert schema_problems(root) == []
    assert root.find(".//a:quotedText", NS).text == '"<b> & </b>"'


@pytest.mark.parametrize("name", ["legaldocml__ep_amendment_new4.xml", "nsesa__AM-793034EN-AM1.xml",
                                  "legaldocml__v2_Amendment_Bungeni_2010-10-28adm1.xml"])
def test_markup_matches_the_parliaments_amendments(name: str) -> None:
    """The corpus amendments put the change in a <mod> of amendmentContent and point textualMod at it."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    corpus = parse_xml(path.read_bytes()).getroot()
    ours = build_amendment(_spec())

    def shape(root: etree._Element) -> set[str]:
        return {etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)} & {
            "amendment", "amendmentBody", "amendmentContent", "mod", "activeModifications", "textualMod",
            "destination", "source",
        }

    assert shape(corpus) <= shape(ours)


def test_consolidation_record_keeps_the_document_valid() -> None:
    bill = CORPUS / "legaldocml__uk_pga-2014-27-enacted.xml"
    if not bill.exists():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    root = parse_xml(bill.read_bytes()).getroot()
    assert schema_problems(root) == []
    document = next(child for child in root if isinstance(child.tag, str))
    record_consolidation(document, when=date(2026, 12, 1), amendments=[
        AppliedAmendment("/akn/ke/amendment/2026-11-21/7/eng@2026-11-21", "Amendment 3", "#sec_1", "substitution",
                         date(2026, 11, 30)),
        AppliedAmendment("/akn/ke/amendment/2026-11-21/8/eng@2026-11-21", "Amendment 4",
                         "/akn/x/~sec_2", "repeal", date(2026, 11, 30)),
    ])
    assert schema_problems(root) == []
    meta = document.find("a:meta", NS)
    assert [e.get("date") for e in meta.iterfind("a:lifecycle/a:eventRef", NS)][-2:] == ["2026-12-01"] * 2
    refs = {r.get("eId"): r.get("href") for r in meta.iterfind("a:references/a:passiveRef", NS)}
    sources = [s.get("href")[1:] for s in meta.iterfind("a:analysis/a:passiveModifications/a:textualMod/a:source",
                                                         NS)]
    assert [refs[s] for s in sources][-2:] == [
        "/akn/ke/amendment/2026-11-21/7/eng@2026-11-21", "/akn/ke/amendment/2026-11-21/8/eng@2026-11-21"
    ]


def test_amendment_list_groups_conflicting_amendments() -> None:
    def listed(n: int) -> ListedAmendment:
        return ListedAmendment(f"/akn/ke/amendment/2026-11-21/{n}/eng@2026-11-21", f"Amendment {n}")

    root = build_amendment_list(country="ke", when=date(2026, 11, 22), number="12", bill_expression_uri=BILL,
                                bill_title="A Bill", groups=[[listed(1)], [listed(2), listed(3)], [listed(4)]])
    assert schema_problems(root) == [] and convention_problems(root) == []
    components = root.findall(".//a:collectionBody/a:component", NS)
    assert [(c[0].get("showAs") or "".join(c[0].itertext())) for c in components] == [
        "Amendment 1", "Amendment 2, Amendment 3 conflict: adopting one defeats the others.", "Amendment 2",
        "Amendment 3", "Amendment 4",
    ]


def test_an_amendment_keeps_the_locality_of_its_bill() -> None:
    uri = amendment_uri("gb-sct", date(2026, 12, 7), "13")
    assert uri.expression_uri == "/akn/gb-sct/amendment/2026-12-07/13/eng@2026-12-07"
    assert (uri.country, uri.locality) == ("gb", "sct")
    kenyan = amendment_uri("ke", date(2026, 12, 7), "13")
    assert kenyan.expression_uri == "/akn/ke/amendment/2026-12-07/13/eng@2026-12-07"
    listed = amendment_list_uri("gb-sct", date(2026, 12, 7), "1")
    assert listed.expression_uri == "/akn/gb-sct/amendmentList/2026-12-07/1/eng@2026-12-07"
