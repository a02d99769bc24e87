"""AknDocument: reading, the provision tree, and edits that keep the document strictly valid."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from lxml import etree

from akn import (
    AknDocument,
    FrbrUri,
    InvalidMarkupError,
    InvalidStructureError,
    ProvisionNotFoundError,
    SchemaInvalidError,
    new_bill,
)
from akn.inline import written_in_form
from akn.vocabulary import AKN_NS
from tests.akn.corpus import read

A = f"{{{AKN_NS}}}"


def assert_valid_and_conforming(document: AknDocument) -> None:
    assert document.validate() == []
    assert document.check_conventions() == []
    again = AknDocument.from_bytes(document.to_bytes())
    assert again.warnings == []


# ------------------------------------------------------------------------------------------------------
# New documents
# ------------------------------------------------------------------------------------------------------


def test_new_bill_has_correct_frbr_metadata_and_passes_every_check(bill: AknDocument) -> None:
    assert_valid_and_conforming(bill)
    frbr = bill.frbr
    assert frbr.work_uri == "/akn/ke/bill/2026-11-21/12"
    assert frbr.expression_uri == "/akn/ke/bill/2026-11-21/12/eng@2026-11-21"
    assert frbr.manifestation_uri == "/akn/ke/bill/2026-11-21/12/eng@2026-11-21.xml"
    assert (frbr.country, frbr.doctype, frbr.date, frbr.number, frbr.language, frbr.expression_date) == (
        "ke", "bill", "2026-11-21", "12", "eng", "2026-11-21"
    )
    assert bill.title == "The Levies Bill"
    assert bill.doctype == "bill"
    assert bill.eids() == ["sec_1", "sec_2", "sec_3"]


def test_new_bill_without_sections_has_one_empty_section() -> None:
    document = new_bill("za-cpt", "3", datetime.date(2025, 1, 31), "A By-law", language="afr")
    assert document.frbr.uri == FrbrUri(
        country="za", locality="cpt", doctype="bill", date="2025-01-31", number="3", language="afr",
        expression_date="2025-01-31",
    )
    assert [p.eid for p in document.provisions()] == ["sec_1"]
    assert_valid_and_conforming(document)


@pytest.mark.parametrize(
    "arguments",
    [{"country": "Kenya"}, {"number": "12/3"}, {"language": "en"}, {"language": "xyz"}],
)
def test_new_bill_refuses_malformed_identifiers(arguments: dict[str, str]) -> None:
    values = {"country": "ke", "number": "1", "language": "eng", **arguments}
    with pytest.raises(Exception) as caught:
        new_bill(values["country"], values["number"], datetime.date(2026, 1, 1), "T", values["language"])
    assert getattr(caught.value, "code", None) == "invalid_frbr_uri"


def test_new_expression_keeps_the_work_and_dates_the_expression(bill: AknDocument) -> None:
    second = bill.new_expression(datetime.date(2027, 2, 1), version_label="2")
    assert second.frbr.work_uri == bill.frbr.work_uri
    assert second.frbr.expression_uri == "/akn/ke/bill/2026-11-21/12/eng@2027-02-01"
    assert second.frbr.expression_this == "/akn/ke/bill/2026-11-21/12/eng@2027-02-01/!main"
    assert second.frbr.manifestation_uri == "/akn/ke/bill/2026-11-21/12/eng@2027-02-01.xml"
    assert second.frbr.expression_date == "2027-02-01"
    assert second.frbr.version_number == "2"
    assert bill.frbr.expression_date == "2026-11-21"  # the original is untouched
    assert_valid_and_conforming(second)


# ------------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------------


def test_provisions_are_a_tree_with_markup_text(nested: AknDocument) -> None:
    tree = nested.provisions()
    assert [p.eid for p in tree] == ["part_1"]
    section = tree[0].children[0]
    assert (section.eid, section.name, section.num, section.heading) == (
        "part_1__sec_1", "section", "1.", "Assessment of levy 1"
    )
    subsection = section.children[0]
    # A provision with children shows its intro; one without shows its content.
    assert subsection.text == "Subject to {{>#part_1__sec_1 this section}}, a person shall—"
    assert subsection.children[0].text.startswith("the {{term{refersTo #trm_levy} levy}} under {{>#sec_2 ")
    assert tree[0].text == ""  # a part with neither intro nor content


def test_provision_lookup_and_unknown_eids(nested: AknDocument) -> None:
    assert nested.provision("part_1__sec_2__subsec_2").num == "(2)"
    assert nested.provision_text("part_1__sec_2__subsec_2").startswith("The Authority may waive the ")
    with pytest.raises(ProvisionNotFoundError) as caught:
        nested.provision("sec_99")
    assert caught.value.code == "provision_not_found" and "sec_99" in caught.value.message


def test_hierarchy_inside_quoted_structures_is_not_a_provision() -> None:
    document = AknDocument.from_bytes(read("legaldocml__uk_pga-2014-27-enacted.xml"))
    quoted = [e.get("eId") for e in document.root.iter(A + "quotedStructure")]
    assert quoted
    inside = {
        e.get("eId") for q in document.root.iter(A + "quotedStructure") for e in q.iter(A + "paragraph")
    }
    assert inside and not inside & set(document.eids())


def test_to_bytes_is_canonical_and_stable(nested: AknDocument) -> None:
    first = nested.to_bytes()
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<akomaNtoso')
    again = AknDocument.from_bytes(first)
    assert again.to_bytes() == first
    # Attribute order in the source does not matter: canonical XML sorts them.
    swapped = first.replace(b'<bill name="bill">', b'<bill name="bill" contains="originalVersion">')
    reordered = swapped.replace(b'<bill name="bill" contains="originalVersion">',
                                b'<bill contains="originalVersion" name="bill">')
    assert AknDocument.from_bytes(reordered).to_bytes() == AknDocument.from_bytes(swapped).to_bytes()


# ------------------------------------------------------------------------------------------------------
# Editing text
# ------------------------------------------------------------------------------------------------------


def test_replacing_content_text(bill: AknDocument) -> None:
    change = bill.set_provision_text("sec_1", "This Act is the //Levies// Act, {{>#sec_2 see section 2}}.")
    assert change.before == "This Act may be cited as the **Levies** Act."
    assert change.after == "This Act is the //Levies// Act, {{>#sec_2 see section 2}}."
    content = bill.provision_element("sec_1").find(A + "content")
    assert content is not None
    assert etree.tostring(content[0], encoding=str).endswith(
        '>This Act is the <i>Levies</i> Act, <ref href="#sec_2">see section 2</ref>.</p>'
    )
    assert_valid_and_conforming(bill)


def test_replacing_intro_text_and_removing_it(nested: AknDocument) -> None:
    eid = "part_1__sec_1__subsec_1"
    nested.set_provision_text(eid, "A **new** intro:")
    assert nested.provision_text(eid) == "A **new** intro:"
    change = nested.set_provision_text(eid, "")
    assert change.after == "" and nested.provision_element(eid).find(A + "intro") is None
    assert nested.validate() == []
    nested.set_provision_text(eid, "Back again:")
    intro = nested.provision_element(eid).find(A + "intro")
    assert intro is not None
    previous = intro.getprevious()
    assert previous is not None and previous.tag == A + "num"
    assert nested.validate() == []


def test_text_the_schema_refuses_is_refused_and_nothing_changes(bill: AknDocument) -> None:
    before = bill.to_bytes()
    with pytest.raises(SchemaInvalidError) as caught:
        bill.set_provision_text("sec_1", "{{ref no href}}")
    assert "href" in caught.value.message
    with pytest.raises(SchemaInvalidError):
        bill.set_provision_text("sec_1", "{{section{eId s} {{content}}}}")
    with pytest.raises(InvalidMarkupError):
        bill.set_provision_text("sec_1", "unclosed {{>#x")
    assert bill.to_bytes() == before


def test_text_cannot_reuse_an_eid_of_the_document(bill: AknDocument) -> None:
    with pytest.raises(InvalidMarkupError) as caught:
        bill.set_provision_text("sec_1", "{{p{eId sec_2} x}}")
    assert "sec_2" in caught.value.message
    bill.set_provision_text("sec_1", "{{p{eId sec_1__p_1} x}}")
    # Its own eIds may stay; a later edit may keep them.
    bill.set_provision_text("sec_1", "{{p{eId sec_1__p_1} y}}")
    assert bill.validate() == []


# ------------------------------------------------------------------------------------------------------
# Editing structure
# ------------------------------------------------------------------------------------------------------


def test_insert_names_the_new_provision_after_its_num_and_context(nested: AknDocument) -> None:
    added = nested.insert_provision("part_1__sec_1", "after", "section", "1A.", "New", "Some //text//.")
    assert (added.eid, added.wid, added.num, added.heading, added.text) == (
        "part_1__sec_1A", "part_1__sec_1A", "1A.", "New", "Some //text//."
    )
    assert nested.eids().index("part_1__sec_1A") == nested.eids().index("part_1__sec_1__subsec_2") + 1
    assert nested.provision("part_1__sec_1A").text == "Some //text//."
    assert_valid_and_conforming(nested)


def test_insert_before_and_clashing_numbers_stay_unique(bill: AknDocument) -> None:
    added = bill.insert_provision("sec_1", "before", "section", "2.", None, "Clash.")
    assert added.eid == "sec_2_2"
    assert bill.validate() == []
    assert bill.renumber() == {"sec_2_2": "sec_2", "sec_2": "sec_2_2"}
    assert [p.wid for p in bill.provisions()] == ["sec_2_2", "sec_1", "sec_2", "sec_3"]


def test_insert_refuses_non_provisions_and_bad_text(bill: AknDocument) -> None:
    with pytest.raises(InvalidStructureError):
        bill.insert_provision("sec_1", "after", "p", "1", None, "x")
    with pytest.raises(InvalidMarkupError):
        bill.insert_provision("sec_1", "after", "section", "1", None, "{{b")
    assert bill.eids() == ["sec_1", "sec_2", "sec_3"]


def test_delete_returns_what_went_and_refuses_the_last_provision(nested: AknDocument) -> None:
    removed = nested.delete_provision("part_1__sec_2")
    assert removed[0] == "part_1__sec_2" and "part_1__sec_2__subsec_1__para_b" in removed
    assert not any(eid.startswith("part_1__sec_2") for eid in nested.eids())
    with pytest.raises(ProvisionNotFoundError):
        nested.provision("part_1__sec_2__subsec_1")
    with pytest.raises(InvalidStructureError):
        nested.delete_provision("part_1")
    nested.delete_provision("part_1__sec_1__subsec_1__para_a")
    with pytest.raises(InvalidStructureError):
        nested.delete_provision("part_1__sec_1__subsec_1__para_b")
    assert nested.validate() == []


def test_move_renames_the_subtree_for_its_new_context(nested: AknDocument) -> None:
    renames = nested.move_provision("part_1__sec_1__subsec_1__para_a", "part_1__sec_2__subsec_1__para_b")
    assert renames == {"part_1__sec_1__subsec_1__para_a": "part_1__sec_2__subsec_1__para_a_2"}
    assert nested.provision("part_1__sec_2__subsec_1__para_a_2").wid == "part_1__sec_1__subsec_1__para_a"
    assert nested.validate() == []
    with pytest.raises(InvalidStructureError):
        nested.move_provision("part_1__sec_1", "part_1__sec_1__subsec_2")


def test_set_num_renames_descendants_and_keeps_identity_in_wid(nested: AknDocument) -> None:
    renames = nested.set_num_heading("part_1__sec_2", num="7.", heading="Renamed")
    assert renames["part_1__sec_2"] == "part_1__sec_7"
    assert renames["part_1__sec_2__subsec_1__para_a"] == "part_1__sec_7__subsec_1__para_a"
    provision = nested.provision("part_1__sec_7")
    assert (provision.num, provision.heading, provision.wid) == ("7.", "Renamed", "part_1__sec_2")
    assert nested.provision("part_1__sec_7__subsec_1").wid == "part_1__sec_2__subsec_1"
    assert nested.set_num_heading("part_1__sec_7", heading="") == {}
    assert nested.provision("part_1__sec_7").heading is None
    assert_valid_and_conforming(nested)


def test_renumber_regenerates_eids_from_nums(nested: AknDocument) -> None:
    num = nested.provision_element("part_1__sec_3").find(A + "num")
    assert num is not None
    num.text = "9."  # a num changed behind the document's back: renumber catches up
    renames = nested.renumber()
    assert renames["part_1__sec_3"] == "part_1__sec_9"
    assert renames["part_1__sec_3__subsec_2"] == "part_1__sec_9__subsec_2"
    assert nested.provision("part_1__sec_9").wid == "part_1__sec_3"
    assert nested.renumber() == {}
    assert_valid_and_conforming(nested)


def test_read_only_document_types_cannot_be_edited() -> None:
    debate = AknDocument.from_bytes(read("legaldocml__ke_Debate_Bungeni_2011-06-10.xml"))
    assert not debate.editable
    with pytest.raises(InvalidStructureError):
        debate.renumber()


def test_large_bill_lookups_stay_indexed(make_bill: Callable[[int], bytes]) -> None:
    document = AknDocument.from_bytes(make_bill(250))
    assert len(document.eids()) == 250 * 5 + 3
    document.set_provision_text("part_3__sec_250__subsec_2", "Changed.")
    assert document.provision_text("part_3__sec_250__subsec_2") == "Changed."
    document.delete_provision("part_3__sec_250")
    document.insert_provision("part_3__sec_249", "after", "section", "250.", "Back", "Again.")
    assert document.provision("part_3__sec_250").heading == "Back"
    assert document.validate() == []


def test_conventional_eids_inside_text_are_left_out_of_the_markup_and_given_back(bill: AknDocument) -> None:
    named = "{{p{eId sec_1__p_1} The {{term{refersTo #t|eId sec_1__p_1__term_1} levy}} is due.}}"
    bill.set_provision_text("sec_1", named)
    assert bill.provision_text("sec_1") == "The {{term{refersTo #t} levy}} is due."
    before = bill.to_bytes()
    bill.set_provision_text("sec_1", bill.provision_text("sec_1"))
    assert bill.to_bytes() == before
    bill.set_provision_text("sec_1", "The {{term{refersTo #t} levy}} is due.\nNew {{>#sec_2 ref}}.")
    content = bill.provision_element("sec_1").find(A + "content")
    assert content is not None
    assert [e.get("eId") for e in content.iter(A + "p", A + "term", A + "ref")] == [
        "sec_1__p_1", "sec_1__p_1__term_1", "sec_1__p_2", "sec_1__p_2__ref_1"
    ]
    # An eId the convention would not give is the document's own: it stays in the document, out of the words.
    bill.set_provision_text("sec_1", "{{p{eId para-one} One.}}")
    assert bill.provision_text("sec_1") == "One."
    with written_in_form(2):
        assert bill.provision_text("sec_1") == "{{p{eId para-one} One.}}"
    assert bill.validate() == []


def _text_eids(bill: AknDocument, eid: str) -> list[str | None]:
    content = bill.provision_element(eid).find(A + "content")
    assert content is not None
    return [e.get("eId") for e in content.iterdescendants(tag=etree.Element)]


def test_a_documents_own_eids_stay_through_edits_of_words_left_without_them(bill: AknDocument) -> None:
    own = ("{{p{eId cmp_1__p_a} The {{term{refersTo #t|eId cmp_1__trm_levy} levy}} is due to "
           "{{ref{eId cmp_1__ref_x|href #sec_2} section 2}}.}}")
    bill.set_provision_text("sec_1", own)
    assert bill.provision_text("sec_1") == "The {{term{refersTo #t} levy}} is due to {{>#sec_2 section 2}}."

    # Words edited inside the term and around it: every element keeps the name the document gave it.
    bill.set_provision_text("sec_1", "The {{term{refersTo #t} annual levy}} is due, under {{>#sec_2 section 2}}.")
    assert _text_eids(bill, "sec_1") == ["cmp_1__p_a", "cmp_1__trm_levy", "cmp_1__ref_x"]

    # A reference written before the old one: the old one keeps its name, the new one gets the convention's.
    bill.set_provision_text(
        "sec_1", "The {{term{refersTo #t} annual levy}} ({{>#sec_3 section 3}}) is due, under {{>#sec_2 section 2}}.")
    assert _text_eids(bill, "sec_1") == ["cmp_1__p_a", "cmp_1__trm_levy", "cmp_1__p_a__ref_1", "cmp_1__ref_x"]
    assert bill.validate() == []

    # Markup that names an element itself is obeyed.
    bill.set_provision_text("sec_1", "{{p{eId mine} Gone.}}")
    assert _text_eids(bill, "sec_1") == ["mine"]


def test_a_tools_own_names_stay_out_of_the_words_and_in_the_document(bill: AknDocument) -> None:
    bill.set_provision_text("sec_1", "{{p{xml:id leos-p-1} One {{i{xml:id leos-i-1} fine}} day.}}")
    assert bill.provision_text("sec_1") == "One //fine// day."
    bill.set_provision_text("sec_1", "One //fine// day, and another.")
    content = bill.provision_element("sec_1").find(A + "content")
    assert content is not None
    xml_id = "{http://www.w3.org/XML/1998/namespace}id"
    assert [e.get(xml_id) for e in content.iterdescendants(tag=etree.Element)] == ["leos-p-1", "leos-i-1"]
    assert bill.validate() == []


def test_an_eid_given_back_never_stands_twice(bill: AknDocument) -> None:
    # The document's own name for a paragraph is the one the convention gives a paragraph written after it.
    bill.set_provision_text("sec_1", "{{p{eId sec_1__p_2} One.}}")
    bill.set_provision_text("sec_1", "One.\nTwo.")
    assert _text_eids(bill, "sec_1") == ["sec_1__p_1", "sec_1__p_2"]
    assert bill.validate() == []


def test_documents_without_eids_in_text_get_none_added(bill: AknDocument) -> None:
    bill.set_provision_text("sec_3", "One.\nTwo {{>#sec_1 ref}}.")
    content = bill.provision_element("sec_3").find(A + "content")
    assert content is not None
    assert [e.get("eId") for e in content.iter()] == [None, None, None, None]


def test_a_document_without_any_title_is_named_after_its_work() -> None:
    untitled = (
        f'<akomaNtoso xmlns="{AKN_NS}"><act name="act"><meta><identification source="#x">'
        '<FRBRWork><FRBRthis value="/akn/za/act/1998/29/!main"/><FRBRuri value="/akn/za/act/1998/29"/>'
        '<FRBRdate date="1998-03-01" name="Generation"/><FRBRauthor href="#x"/><FRBRcountry value="za"/>'
        '<FRBRnumber value="29"/></FRBRWork>'
        '<FRBRExpression><FRBRthis value="/akn/za/act/1998/29/eng@1998-03-01/!main"/>'
        '<FRBRuri value="/akn/za/act/1998/29/eng@1998-03-01"/><FRBRdate date="1998-03-01" name="Generation"/>'
        '<FRBRauthor href="#x"/><FRBRlanguage language="eng"/></FRBRExpression>'
        '<FRBRManifestation><FRBRthis value="/akn/za/act/1998/29/eng@1998-03-01/!main.xml"/>'
        '<FRBRuri value="/akn/za/act/1998/29/eng@1998-03-01.akn"/><FRBRdate date="1998-03-01" name="Generation"/>'
        '<FRBRauthor href="#x"/></FRBRManifestation></identification></meta>'
        '<body><section eId="sec_1"><num>1.</num><content><p>Text.</p></content></section></body></act></akomaNtoso>'
    )
    document = AknDocument.from_bytes(untitled.encode())
    assert document.title == "Act 29 of 1998"
