"""References to eIds follow the provisions they point at through insert, delete, move and renumbering."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from akn import AknDocument, InvalidStructureError, new_bill
from akn.references import internal_references, rewrite_references
from akn.vocabulary import AKN_NS

A = f"{{{AKN_NS}}}"


def _hrefs(document: AknDocument) -> list[str]:
    return [str(ref.get("href")) for ref in document.root.iter(A + "ref")]


def _resolve(document: AknDocument, eid: str) -> etree._Element | None:
    found = document.root.xpath("//*[@eId=$eid]", eid=eid)
    assert isinstance(found, list)
    return found[0] if found else None  # type: ignore[return-value]


def _text_with_refs(targets: list[str]) -> str:
    refs = ", ".join(f"{{{{>#{eid} {eid}}}}}" for eid in targets)
    return f"See {refs} and {{{{>/akn/ke/act/2020/1/~sec_3 the Act}}}}."


def test_renumber_rewrites_references_to_renamed_provisions_and_their_descendants() -> None:
    # Imported with eIds that do not follow the nums: renumbering renames sec_9 to sec_1 and so on.
    bill = new_bill("ke", "7", datetime.date(2026, 1, 5), "Refs", sections=[
        ("1.", "One", "First."), ("2.", "Two", "Second."), ("3.", "Three", "Third.")])
    data = (bill.to_bytes().replace(b'"sec_1"', b'"sec_9"').replace(b'"sec_2"', b'"sec_1"')
            .replace(b'"sec_9"', b'"sec_2"'))
    document = AknDocument.from_bytes(data)
    assert document.eids() == ["sec_2", "sec_1", "sec_3"]
    document.set_provision_text("sec_3", _text_with_refs(["sec_2", "sec_1", "sec_3"]))
    renames = document.renumber()
    assert renames == {"sec_2": "sec_1", "sec_1": "sec_2"}
    # Each reference still names the section it named: a swap is rewritten from the eIds before it.
    assert _hrefs(document) == ["#sec_1", "#sec_2", "#sec_3", "/akn/ke/act/2020/1/~sec_3"]
    assert document.validate() == []


def test_set_num_and_move_rewrite_references_to_a_subtree(make_bill: Callable[[int], bytes]) -> None:
    document = AknDocument.from_bytes(make_bill(102))
    targets = ["part_1__sec_3", "part_1__sec_3__subsec_2", "part_1__sec_3__subsec_1__para_b"]
    document.set_provision_text("part_1__sec_1__subsec_2", _text_with_refs(targets))
    holder = document.provision_element("part_1__sec_1__subsec_2")
    renames = document.set_num_heading("part_1__sec_3", num="3A.")
    assert renames["part_1__sec_3__subsec_2"] == "part_1__sec_3A__subsec_2"
    refs = [ref.get("href") for ref in holder.iter(A + "ref")]
    assert refs == ["#part_1__sec_3A", "#part_1__sec_3A__subsec_2", "#part_1__sec_3A__subsec_1__para_b",
                    "/akn/ke/act/2020/1/~sec_3"]
    renames = document.move_provision("part_1__sec_3A", "part_2__sec_101", "after")
    assert renames["part_1__sec_3A__subsec_1__para_b"] == "part_2__sec_3A__subsec_1__para_b"
    refs = [ref.get("href") for ref in holder.iter(A + "ref")]
    assert refs == ["#part_2__sec_3A", "#part_2__sec_3A__subsec_2", "#part_2__sec_3A__subsec_1__para_b",
                    "/akn/ke/act/2020/1/~sec_3"]
    for href in refs[:3]:
        assert _resolve(document, href[1:]) is not None
    # References inside the moved provision itself follow too (the synthetic bill's "this section").
    moved = document.provision_element("part_2__sec_3A")
    assert moved.find(f"{A}subsection/{A}intro/{A}p/{A}ref").get("href") == "#part_2__sec_3A"  # type: ignore[union-attr]


def test_insert_before_then_renumber_keeps_references_on_their_provision(bill: AknDocument) -> None:
    bill.set_provision_text("sec_1", _text_with_refs(["sec_2", "sec_3"]))
    second = bill.provision_element("sec_2")
    inserted = bill.insert_provision("sec_2", "before", num="2.", heading="Inserted", text="New.")
    assert inserted.eid == "sec_2_2" and _hrefs(bill)[:2] == ["#sec_2", "#sec_3"]
    renames = bill.renumber()
    # The new section takes sec_2; the old one, still numbered 2., becomes sec_2_2 and its references follow.
    assert renames == {"sec_2_2": "sec_2", "sec_2": "sec_2_2"}
    assert _hrefs(bill)[:2] == ["#sec_2_2", "#sec_3"]
    assert _resolve(bill, "sec_2_2") is second


def test_delete_leaves_references_to_others_alone(bill: AknDocument) -> None:
    bill.set_provision_text("sec_1", _text_with_refs(["sec_2", "sec_3"]))
    assert bill.delete_provision("sec_2") == ["sec_2"]
    assert bill.renumber() == {}
    # A reference to what was deleted points nowhere, as it would in any document; the rest still resolve.
    assert _hrefs(bill)[:2] == ["#sec_2", "#sec_3"] and _resolve(bill, "sec_3") is not None


def test_every_kind_of_internal_reference_is_rewritten_and_nothing_else() -> None:
    root = etree.fromstring(
        f'<akomaNtoso xmlns="{AKN_NS}"><act name="act"><meta><references source="#x">'
        '<TLCPerson eId="sec_1" href="/ontology/person/sec_1" showAs="x"/></references>'
        '<mappings source="#x"><mapping eId="m1" original="#sec_1" current="#sec_1" start="#e1"/></mappings>'
        '</meta><body><p>'
        '<ref href="#sec_1">a</ref><ref href="/akn/ke/act/2020/1/~sec_1">b</ref><ref href="sec_1">c</ref>'
        '<rref from="#sec_1" upTo="sec_1">d</rref><componentRef src="#sec_1" showAs="e"/>'
        '<img src="#sec_1"/><quotedText for="#sec_1">f</quotedText><term refersTo="#sec_1">g</term>'
        "</p></body></act></akomaNtoso>".encode()
    )
    count = rewrite_references(root, {"sec_1": "sec_9"})
    body = root[0][1][0]
    assert [dict(child.attrib) for child in body] == [
        {"href": "#sec_9"}, {"href": "/akn/ke/act/2020/1/~sec_1"}, {"href": "sec_1"},
        {"from": "#sec_9", "upTo": "sec_9"}, {"src": "#sec_9", "showAs": "e"}, {"src": "#sec_1"},
        {"for": "#sec_9"}, {"refersTo": "#sec_1"},
    ]
    assert count == 5
    mapping = root.find(f".//{A}mapping")
    assert mapping is not None and mapping.get("current") == "#sec_1" and mapping.get("original") == "#sec_1"
    assert root.find(f".//{A}TLCPerson").get("eId") == "sec_1"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------------
# Property: after any sequence of structure edits, a reference that pointed at a provision that is still
# there points at that same provision.
# ------------------------------------------------------------------------------------------------------

_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "move", "num", "renumber"]),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
        st.sampled_from(["before", "after"]),
        st.sampled_from(["1.", "2.", "3.", "4.", "(a)", "(b)", "2A."]),
    ),
    min_size=1,
    max_size=6,
)


def _references(document: AknDocument) -> dict[tuple[etree._Element, str], etree._Element]:
    """Each internal reference that resolves, with the element it resolves to."""
    eids = {element.get("eId"): element for element in document.root.iterfind(".//*[@eId]")}
    return {
        (element, attribute): eids[target]
        for element, attribute, target in internal_references(document.root)
        if target in eids
    }


def _in_document(document: AknDocument, element: etree._Element) -> bool:
    # A removed element keeps its lxml document (and so its getroottree()); only its ancestry tells.
    top = element
    for top in element.iterancestors():  # noqa: B007 - the last ancestor is the point
        pass
    return top is document.root


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=_OPERATIONS)
def test_references_keep_their_targets_through_random_structure_edits(
    make_bill: Callable[[int], bytes], operations: list[tuple[str, int, int, str, str]]
) -> None:
    document = AknDocument.from_bytes(make_bill(4))
    eids = document.eids()
    # Every provision is referred to from somewhere (the synthetic bill's own refs mostly point nowhere).
    for index, holder in enumerate(eid for eid in eids if eid.endswith("subsec_2")):
        document.set_provision_text(holder, _text_with_refs(eids[index::3]))
    for name, first, second, position, num in operations:
        before = _references(document)
        eids = document.eids()
        subject, other = eids[first % len(eids)], eids[second % len(eids)]
        try:
            if name == "insert":
                document.insert_provision(subject, position, "paragraph" if "para" in subject else "section", num)
            elif name == "delete":
                document.delete_provision(subject)
            elif name == "move":
                document.move_provision(subject, other, position)
            elif name == "num":
                document.set_num_heading(subject, num=num)
            else:
                document.renumber()
        except InvalidStructureError:
            continue
        except Exception as error:  # the schema may refuse a paragraph or section in some places
            if getattr(error, "code", None) != "schema_invalid":
                raise
            continue
        after = _references(document)
        for (element, attribute), target in before.items():
            if not _in_document(document, element) or not _in_document(document, target):
                continue  # the reference or its target was deleted
            assert after.get((element, attribute)) is target, (name, element.get(attribute))
        assert document.validate() == []


def test_wrong_kind_of_move_is_still_refused(nested: AknDocument) -> None:
    with pytest.raises(InvalidStructureError):
        nested.move_provision("part_1__sec_1", "part_1__sec_1__subsec_1")
