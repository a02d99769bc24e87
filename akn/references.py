"""References to eIds inside a document, and keeping them pointed at their targets when eIds change.

The AKN 3.0 schema points at an element of the same document in two ways:

- `href` (type `xsd:anyURI`, attribute groups `link` and `linkopt`: `<ref>`, the `<ref>`s of an `<mref>`,
  `<a>`, `<documentRef>`, `<noteRef>`, the analysis's `<source>`, `<destination>`, `<passiveRef>`...) "an
  internal or external destination": internal when it is a bare fragment, `#sec_3__subsec_2`. A
  `<componentRef>`'s `src` (type `manifestationURI`) points at a component the same way.
- attributes of type `eIdRef`, "references to existing eIds only ... necessarily #XYZ": `from` and `upTo`
  (`<rref>` and other ranges, attribute groups `range`, `rangeReq`, `upTo`), `for` (`<quotedStructure>`,
  `<quotedText>`, `<implicitReference>`, `<alternativeReference>`), `alternativeTo` and `placementBase`
  (notes). Some documents leave out the `#`; both forms are understood and kept.

Not rewritten: `mapping/@current`, also an `eIdRef`, records the eId an element had during a past period,
which renumbering must not change; `refersTo`, `by`, `as`, `source` and the like point at the `<references>`
of the metadata (TLC entities), whose eIds renumbering never touches; hrefs to other documents (anything not
starting with `#`, such as `/akn/ke/act/2020/1/~sec_2`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from akn.vocabulary import AKN_NS

__all__ = ["EID_REF_ATTRIBUTES", "FRAGMENT_ATTRIBUTES", "internal_references", "rewrite_references"]

# Attributes holding a URI, internal only when it is a bare fragment.
FRAGMENT_ATTRIBUTES = ("href", "src")
# Attributes of the schema's `eIdRef` type, less `current` (see the module's docstring).
EID_REF_ATTRIBUTES = ("from", "upTo", "for", "alternativeTo", "placementBase")

_ATTRIBUTE_SET = frozenset((*FRAGMENT_ATTRIBUTES, *EID_REF_ATTRIBUTES))
_MAPPING = f"{{{AKN_NS}}}mapping"
_COMPONENT_REF = f"{{{AKN_NS}}}componentRef"


def _target(element: etree._Element, attribute: str, value: str) -> str | None:
    if attribute in FRAGMENT_ATTRIBUTES:
        if attribute == "src" and element.tag != _COMPONENT_REF:
            return None
        return value[1:] if value.startswith("#") and len(value) > 1 else None
    if element.tag == _MAPPING:
        return None
    target = value[1:] if value.startswith("#") else value
    return target or None


def internal_references(root: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """Every reference to an eId of the same document under `root`, in document order: (element, attribute,
    eId referred to)."""
    # Reading each element's attribute names once is several times quicker than asking for each of the
    # seven attributes, or than an XPath union (which lists every node of the document first).
    for element in root.iter(etree.Element):
        for attribute in element.keys():
            if attribute in _ATTRIBUTE_SET:
                value = element.get(attribute)
                target = _target(element, attribute, value) if value else None
                if target is not None:
                    yield element, attribute, target


def rewrite_references(root: etree._Element, renames: Mapping[str, str]) -> int:
    """Point every internal reference under `root` to an eId in `renames` (old → new) at the new eId.

    A reference to `#sec_3__subsec_2` follows the subsection itself (renaming a provision renames its
    descendants, and `renames` lists them all). Each reference is rewritten once, from the eId it had, so
    swaps (`sec_2` ↔ `sec_3`) come out right. Returns how many attributes were rewritten.
    """
    if not renames:
        return 0
    changes = [
        (element, attribute, renames[target])
        for element, attribute, target in internal_references(root)
        if target in renames
    ]
    for element, attribute, new in changes:
        value = element.get(attribute, "")
        element.set(attribute, f"#{new}" if value.startswith("#") else new)
    return len(changes)
