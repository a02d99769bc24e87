"""eIds after the naming convention, checked against bluebell's reference implementation."""

from __future__ import annotations

import copy

import pytest
from bluebell.xml import IdGenerator
from lxml import etree

from akn.naming import EidGenerator, clean_num, eid_mismatches, renumber_tree
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS
from tests.akn.corpus import read

A = f"{{{AKN_NS}}}"
HIERARCHY = {A + name for name in HIERARCHY_ELEMENTS}


@pytest.mark.parametrize(
    ("num", "cleaned"),
    [("(a)", "a"), ("3.", "3"), ("1.2.", "1-2"), ("“2.3“", "2-3"), ("3a bis", "3abis"), ("(iv)", "iv"),
     ("  12 ", "12"), ("...", "")],
)
def test_clean_num_strips_punctuation(num: str, cleaned: str) -> None:
    assert clean_num(num) == cleaned


def test_generator_follows_the_convention() -> None:
    ids = EidGenerator()
    assert ids.eid("", "section", "3.") == "sec_3"
    assert ids.eid("sec_3", "subsection", "(2)") == "sec_3__subsec_2"
    assert ids.eid("sec_3__subsec_2", "paragraph", "(a)") == "sec_3__subsec_2__para_a"
    assert ids.eid("sec_3", "paragraph", "") == "sec_3__para_nn_1"
    assert ids.eid("sec_3", "paragraph", "") == "sec_3__para_nn_2"
    assert ids.eid("sec_3", "hcontainer", "") == "sec_3__hcontainer_1"
    assert ids.eid("sec_3", "hcontainer", "") == "sec_3__hcontainer_2"
    assert ids.eid("", "section", "3") == "sec_3_2"  # a duplicate num is told apart
    assert ids.eid("", "chapter", "IV") == "chp_IV"
    assert ids.eid("", "article", "1") == "art_1"
    assert ids.eid("", "clause", "1") == "cl_1"


def test_generator_avoids_eids_used_elsewhere() -> None:
    ids = EidGenerator({"sec_3", "sec_3_2"}.__contains__)
    assert ids.eid("", "section", "3") == "sec_3_3"


# Documents whose every element bluebell names: there, ours must give the same eIds as bluebell's.
BLUEBELL_NAMED = [
    "bluebell__rewrite_eids_out.xml",
    "bluebell__eids_edge.xml",
    "bluebell__eids_debatereport.xml",
    "indigo__basic_in.xml",
    "indigo__swahili_in.xml",
    "legaldocml__uk_asp-2017-1-enacted.xml",
    "legaldocml__uk_ssi-2017-113-enacted.xml",
]


def _without_comments(root: etree._Element) -> etree._Element:
    # bluebell's generator stumbles on comments; they carry no eIds anyway.
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    return root


@pytest.mark.parametrize("name", BLUEBELL_NAMED)
def test_renumbering_agrees_with_bluebell(name: str) -> None:
    root = _without_comments(etree.fromstring(read(name)))
    ours, theirs = copy.deepcopy(root), copy.deepcopy(root)
    document = next(child for child in ours if isinstance(child.tag, str))
    renumber_tree(document)
    IdGenerator().rewrite_all_eids(theirs)
    # bluebell also names elements that had no eId; ours leaves those alone: compare the others.
    named = [e.get("eId") is not None or e.tag in HIERARCHY for e in root.iter()]
    mine = [(e.tag, e.get("eId")) for e, keep in zip(ours.iter(), named, strict=True) if keep]
    reference = [(e.tag, e.get("eId")) for e, keep in zip(theirs.iter(), named, strict=True) if keep]
    assert len(mine) > 10
    assert mine == reference


@pytest.mark.parametrize("name", ["bluebell__rewrite_eids_out.xml", "indigo__swahili_in.xml"])
def test_canonical_documents_have_no_mismatches(name: str) -> None:
    assert list(eid_mismatches(etree.fromstring(read(name)))) == []


def test_bad_eids_are_found_once_each() -> None:
    root = etree.fromstring(read("bluebell__rewrite_eids_bad.xml"))
    mismatches = list(eid_mismatches(root))
    assert mismatches
    assert len({id(m.element) for m in mismatches}) == len(mismatches)
    fixed = copy.deepcopy(root)
    renumber_tree(next(child for child in fixed if isinstance(child.tag, str)))
    assert list(eid_mismatches(fixed)) == []


def test_renumbering_keeps_identity_in_wid() -> None:
    root = etree.fromstring(read("bluebell__rewrite_eids_bad.xml"))
    document = next(child for child in root if isinstance(child.tag, str))
    before = {e.get("eId"): e for e in document.iter(A + "section")}
    renames = renumber_tree(document)
    assert renames
    for old, element in before.items():
        assert element.get("wId") == (old or element.get("eId"))
    assert renumber_tree(document) == {}
