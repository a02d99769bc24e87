"""eIds after the naming convention, checked against bluebell's reference implementation."""

from __future__ import annotations

import copy
import re

import pytest
from bluebell.xml import IdGenerator
from lxml import etree

from akn import AknDocument
from akn.naming import ABBREVIATIONS, EidGenerator, clean_num, eid_mismatches, renumber_tree
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS
from tests.akn.corpus import files, read

A = f"{{{AKN_NS}}}"
HIERARCHY = {A + name for name in HIERARCHY_ELEMENTS}


@pytest.mark.parametrize(
    ("num", "cleaned"),
    [("(a)", "a"), ("3.", "3"), ("1.2.", "1-2"), ("“2.3“", "2-3"), ("3a bis", "3abis"), ("(iv)", "iv"),
     ("  12 ", "12"), ("...", ""), ("1º", "1"), ("2º.", "2"), ("3.ª", "3"), ("4°", "4"), ("5º bis", "5bis")],
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


@pytest.mark.parametrize(
    ("name", "num", "unit", "eid"),
    [("section", "SEC. 2.", "", "sec_2"), ("section", "SECTION 1.", "", "sec_1"), ("section", "SEC. 3 .", "", "sec_3"),
     ("part", "PART 1", "", "part_1"), ("part", "Part II", "", "part_II"), ("article", "Art. 5", "", "art_5"),
     ("article", "Articulo 3", "", "art_3"), ("chapter", "CHAPTER 3\u2014", "", "chp_3"),
     ("section", "§301", "", "sec_301"),
     ("hcontainer", "SCHEDULE 2", "schedule", "hcontainer_2")],
)
def test_the_unit_label_is_not_part_of_the_eid(name: str, num: str, unit: str, eid: str) -> None:
    assert EidGenerator().eid("", name, num, unit) == eid


def test_only_the_units_own_label_is_dropped() -> None:
    ids = EidGenerator()
    assert ids.eid("", "section", "A 1") == "sec_A1"
    assert ids.eid("", "part", "Chapter 1") == "part_Chapter1"
    # One letter alone is a number, not the abbreviation of "section".
    assert ids.eid("", "section", "S") == "sec_S"


def test_ordinal_numbers_name_provisions_by_their_number() -> None:
    # Uruguay numbers its articles "Artículo 1º", "Artículo 2º.": the convention names them art_1, art_2.
    document = AknDocument.from_bytes(read("legaldocml__uy_bill_2010-09-27.xml"))
    renames = document.renumber()
    articles = [e.get("eId") for e in document.root.iter(A + "article")]
    assert articles[:2] == ["cmpnts__cmp_1__art_1", "cmpnts__cmp_1__art_2"], articles
    assert not [eid for eid in renames.values() if re.search("[\u00aa\u00b0\u00ba]", eid)], renames


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


# bluebell builds eIds from the whole num ("PART 1" → part_PART1); ours leave the unit's name out. Written out here
# rather than taken from akn.numbers, so that a change there shows as a disagreement.
_LABELLED_NUM = re.compile(r"^\s*(?:PART|SCHEDULE)\s+(?=\S)")


def _without_labels(root: etree._Element) -> etree._Element:
    for num in root.iter(A + "num"):
        if num.text and len(num) == 0:
            num.text = _LABELLED_NUM.sub("", num.text)
    return root


@pytest.mark.parametrize("name", BLUEBELL_NAMED)
def test_renumbering_agrees_with_bluebell(name: str) -> None:
    root = _without_comments(etree.fromstring(read(name)))
    ours, theirs = copy.deepcopy(root), _without_labels(copy.deepcopy(root))
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


def _unit_words(element: etree._Element) -> set[str]:
    name = etree.QName(element).localname
    unit = element.get("name", name) if name == "hcontainer" else name
    # The unit's name as documents write it before the number, as the eId would hold it.
    return {unit.lower(), ABBREVIATIONS.get(unit, unit).lower()}


@pytest.mark.parametrize("name", files(valid=True))
def test_renumbering_never_puts_the_unit_label_in_an_eid(name: str) -> None:
    root = AknDocument.from_bytes(read(name)).root
    # The whole tree, collections and read-only documents too: an imported document's eIds are kept, but any
    # edit or consolidation renames them the way renumber_tree does.
    renumber_tree(next(child for child in root if isinstance(child.tag, str)))
    labelled = []
    for element in root.iter(etree.Element):
        eid = element.get("eId")
        if eid is None or element.find(A + "num") is None:
            continue
        number = eid.rpartition("__")[2].partition("_")[2].lower()
        if any(word in number for word in _unit_words(element)) or "§" in number:
            labelled.append(eid)
    assert labelled == []


@pytest.mark.parametrize(
    ("name", "eids"),
    [("legaldocml__eu_COM2013-0619_EN-8.xml", ["chp_I", "art_1"]),  # CHAPTER I, Article 1
     ("legaldocml__it_senato_ddl_2013.xml", ["art_1", "art_2"]),  # Art. 1.
     ("legaldocml__us_Act_2011-11-29.xml", ["sec_1", "sec_2"])],  # SECTION 1., SEC. 2.
)
def test_eids_that_follow_the_convention_survive_renumbering(name: str, eids: list[str]) -> None:
    root = etree.fromstring(read(name))
    assert {e.get("eId") for e in root.iter(etree.Element)} >= set(eids)
    renames = renumber_tree(next(child for child in root if isinstance(child.tag, str)))
    assert not set(eids) & set(renames), renames


def test_a_labelled_num_that_follows_the_convention_is_no_naming_problem() -> None:
    root = etree.fromstring(read("legaldocml__us_Act_2011-11-29.xml"))
    wrong = {m.actual for m in eid_mismatches(root)}
    assert not wrong & {"sec_1", "sec_2", "sec_3"}
