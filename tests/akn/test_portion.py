"""Portions: one provision of a document as a strictly valid AKN `<portion>` document."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from akn import AknDocument, ProvisionNotFoundError
from akn.plaintext import parse_bill_text
from akn.portion import portion_document, portion_element
from akn.validation import convention_problems, schema_problems
from akn.vocabulary import AKN_NS

A = f"{{{AKN_NS}}}"
NS = {"a": AKN_NS}

SCHEDULE = (
    f'<attachments xmlns="{AKN_NS}"><attachment eId="att_1"><heading>First Schedule</heading>'
    '<doc name="schedule"><meta/><mainBody>'
    '<paragraph eId="att_1__para_1"><num>1.</num><content><p>The fee is ten shillings.</p></content></paragraph>'
    "</mainBody></doc></attachment></attachments>"
)


def _scheduled(bill: AknDocument) -> AknDocument:
    root = etree.fromstring(bill.to_bytes())
    added = etree.fromstring(SCHEDULE)
    for meta in added.iter(A + "meta"):
        meta.append(copy.deepcopy(root[0].find(f"{A}meta/{A}identification")))
    root[0].append(added)
    return AknDocument.from_bytes(etree.tostring(root))


def test_every_provision_makes_a_strictly_valid_portion(bill: AknDocument) -> None:
    for eid in bill.eids():
        portion = portion_document(bill, eid)
        assert schema_problems(portion.tree) == [], eid
        assert portion.doctype == "portion"
        held = portion.root.xpath("a:portion/a:portionBody/*", namespaces=NS)
        assert [e.get("eId") for e in held] == [eid]
        # The provision is copied as it is, and the document is left alone.
        assert etree.tostring(held[0]) == etree.tostring(copy.deepcopy(bill.provision_element(eid)), with_tail=False)
        assert bill.provision_element(eid).getparent() is not None


def test_a_portion_names_the_expression_it_is_part_of(bill: AknDocument) -> None:
    portion = portion_document(bill, "sec_2").root
    expression = bill.frbr.expression_uri
    included_in = portion.xpath("string(a:portion/@includedIn)", namespaces=NS)
    assert included_in.startswith("#")
    reference = portion.xpath(f'//a:references/*[@eId="{included_in[1:]}"]', namespaces=NS)[0]
    assert etree.QName(reference).localname == "TLCReference" and reference.get("href") == expression
    this = portion.xpath("//a:FRBRExpression/a:FRBRthis/@value", namespaces=NS)
    assert this == [f"{expression}/!main~sec_2"]
    assert portion.xpath("//a:FRBRExpression/a:FRBRuri/@value", namespaces=NS) == [expression]
    assert portion.xpath("//a:FRBRManifestation/a:FRBRthis/@value", namespaces=NS) == [f"{expression}/!main~sec_2.xml"]
    assert portion.xpath("//a:FRBRManifestation/a:FRBRportion/@from", namespaces=NS) == ["#sec_2"]


def test_a_provision_of_a_schedule_is_a_portion_and_the_schedule_itself_is_not(bill: AknDocument) -> None:
    scheduled = _scheduled(bill)
    assert schema_problems(portion_document(scheduled, "att_1__para_1").tree) == []
    with pytest.raises(ProvisionNotFoundError):
        portion_element(scheduled, "att_1")


@pytest.mark.parametrize("eid", ["sec_99", "", "sec_1->sec_2"])
def test_an_eid_that_is_no_provision_is_refused(bill: AknDocument, eid: str) -> None:
    with pytest.raises(ProvisionNotFoundError):
        portion_document(bill, eid)


def test_an_eid_inside_a_provision_is_not_a_provision(bill: AknDocument) -> None:
    root = etree.fromstring(bill.to_bytes())
    text = root.xpath('//a:section[@eId="sec_1"]//a:p', namespaces=NS)[0]
    text.set("eId", "sec_1__p_1")
    named = AknDocument.from_bytes(etree.tostring(root))
    with pytest.raises(ProvisionNotFoundError):
        portion_document(named, "sec_1__p_1")


PARTED = """\
PART 1 - Preliminary

  SEC 1. - Short title

    SUBSEC (1)

      This Act may be cited as the Levies Act.

    SUBSEC (2)

      It comes into force on assent.

PART 2 - Levies

  SEC 2. - Rate

    The levy is ten per cent.
"""


def test_a_portion_follows_the_naming_convention(bill: AknDocument) -> None:
    """The provision keeps the eIds it has in its document (references to it use them), and the Work URI keeps
    the document type of the whole: neither is a departure from the convention in a portion."""
    parted = AknDocument.from_bytes(parse_bill_text(PARTED, country="ke", number="12", date="2026-11-21",
                                                    title="The Levies Bill"))
    assert "part_1__sec_1__subsec_2" in parted.eids()
    for document in (bill, parted):
        for eid in document.eids():
            assert convention_problems(portion_document(document, eid).tree) == [], eid
    # A wrong eId inside the provision is still reported.
    portion = portion_document(parted, "part_1__sec_1")
    portion.root.xpath('//a:portionBody//*[@eId="part_1__sec_1__subsec_2"]', namespaces=NS)[0].set(
        "eId", "part_1__sec_1__subsec_9")
    problems = convention_problems(portion.tree)
    assert problems and problems[0].code == "eid_convention"
    assert "'part_1__sec_1__subsec_9'" in problems[0].message
    assert "gives 'part_1__sec_1__subsec_2'" in problems[0].message
