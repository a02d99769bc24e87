"""Components: schedules of a bill and the documents of a collection are part of the provision tree."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from akn import AknDocument, InvalidStructureError, ProvisionNotFoundError
from akn.render import render, toc
from akn.vocabulary import AKN_NS
from tests.akn.corpus import read

A = f"{{{AKN_NS}}}"

SCHEDULE = (
    f'<attachments xmlns="{AKN_NS}"><attachment eId="att_1"><heading>First Schedule</heading>'
    '<subheading>Fees</subheading><doc name="schedule"><meta/><mainBody>'
    '<paragraph eId="att_1__para_1"><num>1.</num><content><p>The fee under <ref href="#sec_2">section 2</ref> '
    "is ten shillings.</p></content></paragraph>"
    '<paragraph eId="att_1__para_2"><num>2.</num><content><p>See <ref href="#att_1__para_1">paragraph 1</ref>.'
    "</p></content></paragraph></mainBody></doc></attachment></attachments>"
)


def _with(bill: AknDocument, fragment: str, *, at_root: bool = False) -> AknDocument:
    """The bill with `fragment` added after its body (or beside the bill, under <akomaNtoso>), each
    embedded document given a copy of the bill's identification."""
    root = etree.fromstring(bill.to_bytes())
    added = etree.fromstring(fragment)
    for meta in added.iter(A + "meta"):
        meta.append(copy.deepcopy(root[0].find(f"{A}meta/{A}identification")))
    (root if at_root else root[0]).append(added)
    return AknDocument.from_bytes(etree.tostring(root))


@pytest.fixture
def scheduled(bill: AknDocument) -> AknDocument:
    return _with(bill, SCHEDULE)


def test_a_schedule_is_a_node_of_the_tree_with_its_provisions(scheduled: AknDocument) -> None:
    tree = scheduled.provisions()
    assert [p.eid for p in tree] == ["sec_1", "sec_2", "sec_3", "att_1"]
    schedule = tree[-1]
    assert (schedule.name, schedule.heading, schedule.text) == ("attachment", "First Schedule", "")
    assert [(p.eid, p.num) for p in schedule.children] == [("att_1__para_1", "1."), ("att_1__para_2", "2.")]
    assert scheduled.eids() == ["sec_1", "sec_2", "sec_3", "att_1", "att_1__para_1", "att_1__para_2"]
    for eid in scheduled.eids():
        assert scheduled.provision(eid).eid == eid
    assert scheduled.provision_text("att_1__para_2") == "See {{>#att_1__para_1 paragraph 1}}."
    assert scheduled.warnings == []


def test_provisions_of_a_schedule_are_edited_like_any_other(scheduled: AknDocument) -> None:
    change = scheduled.set_provision_text("att_1__para_1", "The fee is **twenty** shillings.")
    assert change.after == "The fee is **twenty** shillings."
    inserted = scheduled.insert_provision("att_1__para_2", "after", "paragraph", "3.", text="Waivers.")
    assert inserted.eid == "att_1__para_3"
    assert [p.eid for p in scheduled.provision("att_1").children][-1] == "att_1__para_3"
    assert scheduled.validate() == [] and scheduled.check_conventions() == []
    again = AknDocument.from_bytes(scheduled.to_bytes())
    assert again.eids() == scheduled.eids()


def test_renumbering_a_schedule_keeps_its_prefix_and_its_references(scheduled: AknDocument) -> None:
    scheduled.delete_provision("att_1__para_1")
    scheduled.set_num_heading("att_1__para_2", num="1.")
    # The reference inside the schedule pointed at the deleted paragraph; the one to sec_2 is untouched.
    assert scheduled.eids()[-1] == "att_1__para_1"
    hrefs = [ref.get("href") for ref in scheduled.provision_element("att_1").iter(A + "ref")]
    assert hrefs == ["#att_1__para_1"]
    scheduled.set_provision_text("sec_1", "See {{>#att_1__para_1 the schedule}}.")
    scheduled.set_num_heading("att_1__para_1", num="4.")
    assert scheduled.provision_text("sec_1") == "See {{>#att_1__para_4 the schedule}}."
    assert scheduled.validate() == []


def test_the_schedule_itself_cannot_be_edited_as_a_provision(scheduled: AknDocument) -> None:
    for edit in (
        lambda: scheduled.set_provision_text("att_1", "Text."),
        lambda: scheduled.insert_provision("att_1", "after"),
        lambda: scheduled.delete_provision("att_1"),
        lambda: scheduled.move_provision("att_1", "sec_1"),
        lambda: scheduled.move_provision("sec_1", "att_1"),
        lambda: scheduled.set_num_heading("att_1", heading="Second Schedule"),
    ):
        with pytest.raises(InvalidStructureError) as caught:
            edit()
        assert "holding a document of its own" in caught.value.message
    assert scheduled.validate() == []


def test_a_schedule_is_rendered_and_listed_in_the_contents(scheduled: AknDocument) -> None:
    entries = toc(scheduled.root)
    assert [(e["eid"], e["heading"]) for e in entries][-1] == ("att_1", "First Schedule")
    assert [child["eid"] for child in entries[-1]["children"]] == ["att_1__para_1", "att_1__para_2"]
    html = render(scheduled.root)
    assert 'id="att_1__para_1"' in html and "First Schedule" in html and "ten shillings" in html


def test_documents_beside_the_main_one_are_components_of_the_tree(bill: AknDocument) -> None:
    annex = (
        f'<components xmlns="{AKN_NS}"><component eId="cmp_1"><doc name="annex"><meta/><mainBody>'
        '<section eId="cmp_1__sec_1"><num>1.</num><content><p>Annexed.</p></content></section>'
        # The schema scopes this document's eIds on their own: sec_2 is valid here, but ambiguous.
        '<section eId="sec_2"><num>2.</num><content><p>Clash.</p></content></section>'
        "</mainBody></doc></component></components>"
    )
    document = _with(bill, annex, at_root=True)
    assert [p.eid for p in document.provisions()] == ["sec_1", "sec_2", "sec_3", "cmp_1"]
    assert document.provision("cmp_1").heading == "The Levies Bill"  # its document's title
    assert document.provision_element("sec_2").getparent().tag == A + "body"  # type: ignore[union-attr]
    assert document.provision("cmp_1__sec_1").num == "1."
    assert [(w.code, w.line is not None) for w in document.warnings if w.code == "eid_ambiguous"] == [
        ("eid_ambiguous", True)
    ]
    # Renumbering names that document's provisions after its component, as the convention does; `sec_2`
    # addressed the bill's own section, which keeps its eId, so the map returned has no entry for it.
    renames = document.renumber()
    assert "sec_2" not in renames and document.provision("cmp_1__sec_2").num == "2."
    assert document.validate() == []


def test_a_collection_lists_the_provisions_of_its_documents() -> None:
    document = AknDocument.from_bytes(read("legaldocml__uy_bill_2010-09-27.xml"))
    assert document.doctype == "documentCollection" and not document.editable
    tree = document.provisions()
    assert [(p.eid, p.name, p.heading) for p in tree] == [
        ("cmpnts__cmp_1", "component", "PROYECTO DE LEY"),
        ("cmpnts__cmp_2", "component", "EXPOSICIÓN DE MOTIVOS"),
    ]
    assert [p.eid for p in tree[0].children] == ["cmpnts__cmp_1__art_1", "cmpnts__cmp_1__art_2",
                                                 "cmpnts__cmp_1__art_3"]
    assert "Declárese como interpretación auténtica" in document.provision_text("cmpnts__cmp_1__art_1")
    for eid in document.eids():
        assert document.provision(eid).eid == eid
    assert [entry["eid"] for entry in toc(document.root)] == ["cmpnts__cmp_1", "cmpnts__cmp_2"]
    # The collection's bill is edited as any bill is; its explanatory memorandum, a <doc>, is read-only.
    assert document.read_only_type("cmpnts__cmp_1__art_1") is None
    document.set_provision_text("cmpnts__cmp_1__art_1", "Changed.")
    assert document.provision_text("cmpnts__cmp_1__art_1") == "Changed."
    assert document.read_only_type("cmpnts__cmp_2__para_1") == "doc"
    with pytest.raises(InvalidStructureError, match="found a doc, which is read-only"):
        document.set_provision_text("cmpnts__cmp_2__para_1", "Changed.")
    assert document.validate() == []


def test_a_collection_of_a_bill_and_its_explanations() -> None:
    document = AknDocument.from_bytes(read("legaldocml__eu_COM2013-0619_EN-8.xml"))
    components = document.provisions()
    assert [p.eid for p in components] == ["cmp_1", "cmp_2", "cmp_3"]
    articles = [p for chapter in components[1].children for p in chapter.children]
    assert [p.eid for p in articles][:3] == ["art_1", "art_2", "art_3"]
    assert document.provision("art_1__para_1").num == "1."
    assert len(document.eids()) == 136 and not [w for w in document.warnings if w.code == "eid_ambiguous"]


def test_a_collection_of_references_only_has_no_provisions() -> None:
    document = AknDocument.from_bytes(read("legaldocml__akn4eu_council_main.xml"))
    assert document.provisions() == [] and document.eids() == []
    with pytest.raises(ProvisionNotFoundError):
        document.provision_element("cmp_1")


def test_renumbering_rewrites_each_document_s_references_by_its_own_renames(bill: AknDocument) -> None:
    # The bill's sections 2 and 3 come with each other's eIds; the annex reuses the bill's eIds (its own
    # scope, valid) in another order, plus one only it has. Renumbering renames in both documents.
    root = etree.fromstring(bill.to_bytes())
    second, third = list(root.iter(A + "section"))[1:3]
    second.set("eId", "sec_3")
    third.set("eId", "sec_2")
    annex = (
        f'<components xmlns="{AKN_NS}"><component eId="cmp_1"><doc name="annex"><meta/><mainBody>'
        '<section eId="sec_2"><num>1.</num><content><p>See <ref href="#sec_2">item 1</ref>.</p></content></section>'
        '<section eId="sec_3"><num>2.</num><content><p>See <ref href="#sec_1">item 3</ref>.</p></content></section>'
        '<section eId="sec_1"><num>3.</num><content><p>Three.</p></content></section>'
        '<section eId="sec_9"><num>4.</num><content><p>Four.</p></content></section>'
        "</mainBody></doc></component></components>"
    )
    document = _with(AknDocument.from_bytes(etree.tostring(root)), annex, at_root=True)
    # In the bill: its own sec_1 (unchanged), its own sec_2 (section 3), and sec_9, which only the annex has.
    document.set_provision_text("sec_1", "See {{>#sec_1 s1}}, {{>#sec_2 s3}} and {{>#sec_9 annex 4}}.")
    annex_doc = document.provision_element("cmp_1")[0]
    renames = document.renumber()
    assert document.provision_text("sec_1") == "See {{>#sec_1 s1}}, {{>#sec_3 s3}} and {{>#cmp_1__sec_4 annex 4}}."
    assert [ref.get("href") for ref in annex_doc.iter(A + "ref")] == ["#cmp_1__sec_1", "#cmp_1__sec_3"]
    assert [s.get("eId") for s in annex_doc.iter(A + "section")] == [f"cmp_1__sec_{n}" for n in range(1, 5)]
    # The map tells what each eId addressed (the bill's own provision first) became, as callers read it.
    assert renames == {"sec_2": "sec_3", "sec_3": "sec_2", "sec_9": "cmp_1__sec_4"}
    assert document.provision("sec_3").num == "3." and document.validate() == []


# An annex (a document of its own beside the bill) whose sections repeat the bill's eIds, as the schema
# allows; its chapters have eIds only it has, so they (and what they hold) can be edited.
ANNEX = (
    f'<components xmlns="{AKN_NS}"><component eId="cmp_1"><doc name="annex"><meta/><mainBody>'
    '<chapter eId="chp_1"><num>1</num>'
    '<section eId="sec_1"><num>1.</num><content><p>See <ref href="#sec_2">item 2</ref> and '
    '<ref href="#sec_3">the bill\'s section 3</ref>.</p></content></section>'
    '<section eId="sec_2"><num>2.</num><content><p>Two.</p></content></section></chapter>'
    '<chapter eId="chp_2"><num>2</num><section eId="cmp_1__chp_2__sec_9"><num>9.</num><content><p>See '
    '<ref href="#sec_1">item 1</ref>.</p></content></section></chapter>'
    "</mainBody></doc></component></components>"
)


@pytest.fixture
def annexed(bill: AknDocument) -> AknDocument:
    """The bill with its schedule, an annex beside it, and references from the bill to both."""
    document = _with(_with(bill, SCHEDULE), ANNEX, at_root=True)
    document.set_provision_text("sec_1", "See {{>#sec_1 s1}}, {{>#sec_2 s2}} and {{>#chp_1 the annex}}.")
    return document


def _annex_hrefs(document: AknDocument) -> list[str | None]:
    return [ref.get("href") for ref in document.provision_element("cmp_1").iter(A + "ref")]


def test_a_new_num_rewrites_the_references_of_its_own_document_only(annexed: AknDocument) -> None:
    # In the bill: its references to sec_2 follow; the annex's own sec_2 keeps the annex's references.
    assert annexed.set_num_heading("sec_2", num="5.") == {"sec_2": "sec_5"}
    assert annexed.provision_text("sec_1") == "See {{>#sec_1 s1}}, {{>#sec_5 s2}} and {{>#chp_1 the annex}}."
    assert annexed.provision_text("sec_3") == "The levy is due under {{>#sec_5 section 2}}."
    assert annexed.provision_text("att_1__para_1").startswith("The fee under {{>#sec_5 section 2}}")
    assert _annex_hrefs(annexed) == ["#sec_2", "#sec_3", "#sec_1"]
    # In the annex: renaming its chapter renames the sections in it, which the annex's references follow;
    # the bill's references to its own sec_1 stay, and the map says nothing of it (sec_1 is the bill's).
    renames = annexed.set_num_heading("chp_1", num="3")
    assert renames == {"chp_1": "cmp_1__chp_3", "sec_2": "cmp_1__chp_3__sec_2"}
    assert _annex_hrefs(annexed) == ["#cmp_1__chp_3__sec_2", "#sec_3", "#cmp_1__chp_3__sec_1"]
    assert annexed.provision_text("sec_1") == "See {{>#sec_1 s1}}, {{>#sec_5 s2}} and {{>#cmp_1__chp_3 the annex}}."
    assert annexed.provision_element("sec_1").getparent().tag == A + "body"  # type: ignore[union-attr]
    assert annexed.validate() == []


def test_a_move_rewrites_the_references_of_its_own_document_only(annexed: AknDocument) -> None:
    # In the bill: sec_2 moves into its schedule (the bill's own document); the bill's references follow it.
    assert annexed.move_provision("sec_2", "att_1__para_2") == {"sec_2": "att_1__sec_2"}
    assert annexed.provision_text("sec_1") == "See {{>#sec_1 s1}}, {{>#att_1__sec_2 s2}} and {{>#chp_1 the annex}}."
    assert annexed.provision_text("sec_3") == "The levy is due under {{>#att_1__sec_2 section 2}}."
    assert _annex_hrefs(annexed) == ["#sec_2", "#sec_3", "#sec_1"]
    # In the annex: its first chapter moves into the second; the annex's references follow its sections,
    # the bill's reference to its own sec_1 stays.
    renames = annexed.move_provision("chp_1", "cmp_1__chp_2__sec_9")
    assert renames == {"chp_1": "chp_2__chp_1", "sec_2": "chp_2__chp_1__sec_2"}
    assert _annex_hrefs(annexed) == ["#chp_2__chp_1__sec_1", "#chp_2__chp_1__sec_2", "#sec_3"]
    assert annexed.provision_text("sec_1") == (
        "See {{>#sec_1 s1}}, {{>#att_1__sec_2 s2}} and {{>#chp_2__chp_1 the annex}}."
    )
    assert annexed.provision_element("sec_1").getparent().tag == A + "body"  # type: ignore[union-attr]
    assert annexed.validate() == []
