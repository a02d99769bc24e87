"""EidIndex: lookups by eId, kept right through additions, removals and equal hashes."""

from __future__ import annotations

import pytest
from lxml import etree

import akn.index
from akn.index import EidIndex


def _elements(count: int) -> list[etree._Element]:
    root = etree.Element("root")
    return [etree.SubElement(root, "item", eId=f"item_{n}") for n in range(count)] + [etree.SubElement(root, "x")]


@pytest.mark.parametrize("colliding", [False, True])
def test_lookups_additions_and_removals(monkeypatch: pytest.MonkeyPatch, colliding: bool) -> None:
    if colliding:
        # Every eId hashed alike: lookups must still compare the eIds themselves.
        monkeypatch.setattr(akn.index, "_key", lambda eid: 42)
    elements = _elements(300)
    index = EidIndex(elements)
    assert len(index) == 300  # the element without an eId is left out
    assert all(index.get(f"item_{n}") is elements[n] for n in range(300))
    assert index.get("item_300") is None and "item_300" not in index and "item_7" in index
    assert index.discard("item_7") is elements[7] and index.get("item_7") is None and len(index) == 299
    extra = etree.Element("item", eId="item_7")
    index.add(extra)
    index.add(extra)  # adding twice indexes once
    assert index.get("item_7") is extra and len(index) == 300
    elements[3].set("eId", "renamed")  # renamed without telling the index: never found under its old eId
    assert index.get("item_3") is None
    index.extend([elements[3]])
    assert index.get("renamed") is elements[3]


def test_duplicates_keep_the_first_element_indexed() -> None:
    root = etree.Element("root")
    first, second, other = (etree.SubElement(root, "a", eId=eid) for eid in ("same", "same", "other"))
    index = EidIndex([first, second, other])
    assert index.duplicates() == [second]
    assert index.get("same") is first and index.get("other") is other and len(index) == 2
