"""AKN `<amendmentList>`: a bill's marshalled list of amendments, in the order they are taken.

Each amendment is a `<component>` holding a `<documentRef>` to the amendment document's expression URI, as
in Bungeni's amendment lists; amendments that conflict are taken together, introduced by an `<interstitial>`
saying so.

Pure: builds lxml trees; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from lxml import etree

from akn.amendment import amendment_uri
from akn.frbr import FrbrUri, write_identification
from akn.naming import renumber_tree
from akn.vocabulary import AKN_NS

__all__ = ["ListedAmendment", "amendment_list_uri", "build_amendment_list"]

_A = f"{{{AKN_NS}}}"


@dataclass(frozen=True)
class ListedAmendment:
    """One entry of the list: the amendment document's URI and how it is shown (``Amendment 5``)."""

    uri: str
    show_as: str
    state: str = ""


def amendment_list_uri(country: str, when: date, number: str, language: str = "eng") -> FrbrUri:
    """``/akn/ke/amendmentList/2026-11-21/12/eng@2026-11-21``: the list of the bill numbered ``number``; ``country``
    as the bill's URI writes it, locality included (``gb-sct``), like its amendments' (`amendment_uri`)."""
    return replace(amendment_uri(country, when, number, language), doctype="amendmentList")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _A + tag, attributes)
    if text is not None:
        element.text = text
    return element


def build_amendment_list(
    *,
    country: str,
    when: date,
    number: str,
    bill_expression_uri: str,
    bill_title: str,
    groups: Sequence[Sequence[ListedAmendment]],
    language: str = "eng",
) -> etree._Element:
    """The `<akomaNtoso>` root of the marshalled list; ``groups`` in order, conflicting amendments together."""
    root = etree.Element(_A + "akomaNtoso", nsmap={None: AKN_NS})  # type: ignore[dict-item]
    document = _sub(root, "amendmentList", name="amendmentList")
    meta = _sub(document, "meta")
    write_identification(meta, amendment_list_uri(country, when, number, language),
                         title=f"Marshalled list of amendments: {bill_title}")
    references = _sub(meta, "references", source="#parley")
    _sub(references, "TLCOrganization", eId="parley", href="/ontology/organization/parley", showAs="Parley")
    _sub(references, "TLCOrganization", eId="parliament", href=f"/ontology/organization/{country}/parliament",
         showAs="Parliament")
    preface = _sub(document, "preface")
    title = _sub(preface, "p", "Marshalled list of amendments to the ")
    _sub(title, "affectedDocument", bill_title, href=bill_expression_uri)
    body = _sub(document, "collectionBody")
    if not any(groups):
        note = _sub(_sub(body, "component"), "interstitial")
        _sub(note, "p", "No amendments.")
    for group in groups:
        if len(group) > 1:
            names = ", ".join(item.show_as for item in group)
            note = _sub(_sub(body, "component"), "interstitial")
            _sub(note, "p", f"{names} conflict: adopting one defeats the others.")
        for item in group:
            component = _sub(body, "component")
            _sub(component, "documentRef", href=item.uri, showAs=item.show_as)
    renumber_tree(document)
    return root
