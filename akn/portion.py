"""Portions: one provision of a document as an Akoma Ntoso document of its own (AKN-NC 1.0, 4.8.4).

A portion URI ends in `~<eId>` (`/akn/ke/bill/2026-11-21/12/eng@2026-11-21/~part_1__sec_1`);
`portion_document` answers it with AKN 3.0's `<portion>` document type: the whole document's `<meta>`
(so every `#...` reference inside the provision still resolves), pointed at the portion, and the provision in
`<portionBody>`. What it builds from a strictly valid document is strictly valid.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, cast

from lxml import etree

from akn.document import AknDocument
from akn.errors import InvalidFrbrUriError, ProvisionNotFoundError
from akn.frbr import FrbrUri
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS

__all__ = ["portion_document", "portion_element"]

_A = f"{{{AKN_NS}}}"
# `<meta>` children that come after `<references>` in the schema's sequence.
_AFTER_REFERENCES = tuple(_A + name for name in ("notes", "proprietary", "presentation"))
# What the manifestation's FRBRportion is placed before (the schema's manifProperties order).
_AFTER_PORTION = _A + "FRBRformat"


def portion_element(document: AknDocument, eid: str) -> etree._Element:
    """The provision `eid` of `document`, which a portion can hold (a live part of the tree: do not change it).

    Raises `ProvisionNotFoundError` when no provision has that eId; components (a schedule, a collection's
    document) are documents of their own, not provisions, and are refused the same way.
    """
    element = document.provision_element(eid)
    if etree.QName(element).localname not in HIERARCHY_ELEMENTS:
        raise ProvisionNotFoundError(eid)
    return element


def portion_document(document: AknDocument, eid: str) -> AknDocument:
    """A `<portion>` document holding provision `eid` of `document`; raises `ProvisionNotFoundError`.

    Its `includedIn` names a `<TLCReference>` to the expression the provision was taken from; the FRBRthis
    values are the document's own followed by `~<eId>`, and the manifestation says `<FRBRportion from="#eId">`.
    """
    element = portion_element(document, eid)
    root = etree.Element(_A + "akomaNtoso", nsmap=document.root.nsmap)  # type: ignore[arg-type]
    portion = etree.SubElement(root, _A + "portion")
    meta = document.document.find(_A + "meta")
    # A document without <meta> is not valid AKN: AknDocument holds none such.
    assert meta is not None
    meta = copy.deepcopy(meta)
    meta.tail = None
    portion.append(meta)
    _point_at(meta, eid)
    body = etree.SubElement(portion, _A + "portionBody")
    provision = copy.deepcopy(element)
    provision.tail = None
    body.append(provision)
    portion.set("includedIn", "#" + _reference_to_whole(meta, document, _eids(portion)))
    return AknDocument(etree.ElementTree(root))


def _point_at(meta: etree._Element, eid: str) -> None:
    """FRBRthis at every level names the portion; the manifestation says which element it holds."""
    identification = meta.find(_A + "identification")
    if identification is None:
        return
    for level in identification.iterchildren(_A + "FRBRWork", _A + "FRBRExpression", _A + "FRBRManifestation"):
        this = level.find(_A + "FRBRthis")
        if this is not None:
            try:
                this.set("value", str(replace(FrbrUri.parse(this.get("value", "")), portion=eid)))
            except InvalidFrbrUriError:
                pass  # a URI outside the naming convention is kept as the document has it
    manifestation = identification.find(_A + "FRBRManifestation")
    if manifestation is None:
        return
    for old in manifestation.findall(_A + "FRBRportion"):
        manifestation.remove(old)
    marker = etree.Element(_A + "FRBRportion", {"from": "#" + eid})
    following = manifestation.find(_AFTER_PORTION)
    if following is not None:
        following.addprevious(marker)
    else:
        manifestation.append(marker)


def _reference_to_whole(meta: etree._Element, document: AknDocument, taken: set[str]) -> str:
    """Add to `<references>` a reference to the expression the portion is part of; its eId."""
    references = meta.find(_A + "references")
    if references is None:
        identification = meta.find(_A + "identification")
        source = identification.get("source", "#parley") if identification is not None else "#parley"
        references = etree.Element(_A + "references", source=source)
        following = next(meta.iterchildren(*_AFTER_REFERENCES), None)
        if following is not None:
            following.addprevious(references)
        else:
            meta.append(references)
    eid = "expression"
    counter = 1
    while eid in taken:
        counter += 1
        eid = f"expression_{counter}"
    frbr = document.frbr
    href = frbr.expression_uri or frbr.work_uri
    reference = etree.SubElement(references, _A + "TLCReference", eId=eid, name="expression", href=href,
                                 showAs=document.title or href)
    reference.tail = None
    return eid


def _eids(element: etree._Element) -> set[str]:
    return {str(value) for value in cast(list[Any], element.xpath(".//@eId"))}
