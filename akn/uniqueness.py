"""The strict schema's identity constraints, checked without libxml2's key tables.

Every document type of the strict AKN 3.0 schema declares `<xsd:unique>` constraints: within a document
element, no two descendants (selector `.//*`) may carry the same `@eId`, nor the same `@GUID`. libxml2 checks
them by building a table of key objects for every element it validates, which on a 12,000-section bill costs
twice the file's size in memory and a third of the validation time. `akn.validation` therefore validates
against the schema with those constraints taken out and checks them here, to the same effect, keeping only
a hash per identifier.

Elements of other vocabularies, which the schema admits without validating them, are not counted, as libxml2
does not count them. Constraints on nested documents (a schedule's `<doc>` inside an act) are implied by the
enclosing document's, so only the outermost documents are checked: the document under `<akomaNtoso>` and each
document of the root's `<components>`, whose identifiers the schema scopes separately.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator

from lxml import etree

from akn.vocabulary import DOCUMENT_TYPES

__all__ = ["UNIQUE_ATTRIBUTES", "Duplicate", "duplicates", "outermost_documents"]

UNIQUE_ATTRIBUTES = ("eId", "GUID")
# The schema's `noWhiteSpace` type: values it refuses are reported as such, and, as libxml2 does, not
# compared as keys.
_KEY = re.compile(r"[^ \t\n\r]+\Z")


class Duplicate:
    """An element whose `attribute` value was already used by `first` in the same `document`."""

    __slots__ = ("attribute", "document", "element", "first", "value")

    def __init__(
        self, document: etree._Element, attribute: str, value: str, element: etree._Element,
        first: etree._Element,
    ) -> None:
        self.document = document
        self.attribute = attribute
        self.value = value
        self.element = element
        self.first = first


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def outermost_documents(root: etree._Element) -> Iterator[etree._Element]:
    """The documents whose descendants' identifiers must be unique, each on its own."""
    if _local(root) in DOCUMENT_TYPES:
        yield root
        return
    for child in root:
        name = _local(child)
        if name in DOCUMENT_TYPES:
            yield child
        elif name == "components":
            for component in child:
                for document in component:
                    if _local(document) in DOCUMENT_TYPES:
                        yield document


def duplicates(root: etree._Element) -> list[Duplicate]:
    """Every element repeating an eId or GUID of an earlier element of its document, in document order."""
    found: list[Duplicate] = []
    for document in outermost_documents(root):
        found.extend(_duplicates_in(document))
    return found


def _duplicates_in(document: etree._Element) -> list[Duplicate]:
    # Only elements of the document's own namespace: libxml2 leaves elements of other vocabularies (which
    # the schema admits with lax processing, in <proprietary> or <foreign>) out of its key tables.
    namespace = etree.QName(document).namespace
    tag = f"{{{namespace}}}*" if namespace else "*"
    # One walk in C for both attributes, with a `get` each per element; only the hashes are kept (8 bytes
    # each). (An XPath test for GUIDs would cost as much memory as the hashes: libxml2 lists every node.)
    eids, guids = array("q"), array("q")
    for element in document.iterdescendants(tag):
        value = element.get("eId")
        if value is not None:
            eids.append(hash(value))
        value = element.get("GUID")
        if value is not None:
            guids.append(hash(value))
    found: list[Duplicate] = []
    for attribute, hashes in (("eId", eids), ("GUID", guids)):
        suspects = _repeated_hashes(hashes)
        if suspects:
            found.extend(_confirmed(document, tag, attribute, suspects))
    return sorted(found, key=_order) if len(found) > 1 else found


def _order(duplicate: Duplicate) -> int:
    line = duplicate.element.sourceline
    return line if isinstance(line, int) else 0


def _repeated_hashes(hashes: array[int]) -> set[int]:
    """The hashes met more than once."""
    # A bitmap (32 bits per hash) finds the slots met twice, a few hundred for 60,000 hashes; only the hashes
    # in those slots are then counted. No integer object is kept per hash.
    bits = max(1 << 10, 1 << (len(hashes) * 32).bit_length())
    mask = bits - 1
    seen = bytearray(bits >> 3)
    slots: set[int] = set()
    for value_hash in hashes:
        slot = value_hash & mask
        byte, bit = slot >> 3, 1 << (slot & 7)
        if seen[byte] & bit:
            slots.add(slot)
        else:
            seen[byte] |= bit
    del seen
    counts: dict[int, int] = {}
    if slots:
        for value_hash in hashes:
            if value_hash & mask in slots:
                counts[value_hash] = counts.get(value_hash, 0) + 1
    # Unequal values share a 64-bit hash about once in 10^19 pairs; `_confirmed` compares the values anyway.
    return {value_hash for value_hash, count in counts.items() if count > 1}


def _confirmed(document: etree._Element, tag: str, attribute: str, suspects: set[int]) -> list[Duplicate]:
    first: dict[str, etree._Element] = {}
    repeated: list[Duplicate] = []
    for element in document.iterdescendants(tag):
        value = element.get(attribute)
        if value is None or hash(value) not in suspects or not _KEY.match(value):
            continue
        earlier = first.get(value)
        if earlier is None:
            first[value] = element
        else:
            repeated.append(Duplicate(document, attribute, value, element, earlier))
    return repeated
