"""AKN `<amendment>` documents: one proposed change to a bill, at its own `/akn/<country>/amendment/...` URI.

The markup follows what parliaments publish (European Parliament xml4ep, AT4AM/NSESA, Bungeni): the preface
names the amendment's number, the bill it amends (`affectedDocument`) and its proposer (`docProponent`); the
`amendmentBody` holds the instruction in `amendmentContent` as a `<mod>` whose quoted words are `<quotedText>`
and whose new provision is a `<quotedStructure>`, then the `amendmentJustification`; the metadata's
`analysis/activeModifications/textualMod` points from the `<mod>` to the amended provision.

Pure: builds lxml trees; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from lxml import etree

from akn.frbr import FrbrUri, write_identification
from akn.inline import from_markup
from akn.naming import renumber_tree
from akn.validation import Problem, schema_problems
from akn.vocabulary import AKN_NS

__all__ = [
    "AmendmentSpec",
    "AppliedAmendment",
    "NewProvision",
    "Proponent",
    "Quote",
    "amendment_uri",
    "build_amendment",
    "destination_href",
    "problems",
    "record_consolidation",
]

_A = f"{{{AKN_NS}}}"
ModificationType = Literal["substitution", "insertion", "repeal"]
_ID_SAFE = re.compile(r"[^A-Za-z0-9_\-.]")


@dataclass(frozen=True)
class Quote:
    """Words quoted in the instruction: ``leave out <quotedText>thirty</quotedText>``."""

    text: str


@dataclass(frozen=True)
class Proponent:
    """A member who proposes or supports the amendment; ``eid`` names them in the references."""

    eid: str
    name: str
    href: str


@dataclass(frozen=True)
class NewProvision:
    """A provision an amendment inserts, quoted whole; ``text`` is inline markup."""

    name: str
    num: str | None
    heading: str | None
    text: str


@dataclass(frozen=True)
class AmendmentSpec:
    """What an `<amendment>` document says.

    ``instruction`` is the wording as pieces: plain strings, and :class:`Quote` for quoted words.
    ``provision_eid`` is the amended provision (or, for an insertion, the one the new provision follows).
    ``country`` is the bill's as its URI writes it, locality included (``gb-sct``).
    """

    country: str
    number: str
    date: date
    bill_expression_uri: str
    bill_title: str
    provision_eid: str
    citation: str
    instruction: Sequence[str | Quote]
    proponent: Proponent
    modification: ModificationType = "substitution"
    cosponsors: Sequence[Proponent] = ()
    justification: str = ""
    new_provision: NewProvision | None = None
    language: str = "eng"
    parliament: str = "parliament"
    extra_paragraphs: Sequence[str] = field(default_factory=tuple)
    # The order-paper number once tabled (the FRBR number stays ``number``, which never changes).
    order_number: str | None = None


def amendment_uri(country: str, when: date, number: str, language: str = "eng") -> FrbrUri:
    """The expression URI of amendment ``number``: ``/akn/ke/amendment/2026-11-21/5/eng@2026-11-21``.

    ``country`` is the bill's as its URI writes it, locality included (``gb-sct``): an amendment to a Scottish
    act is Scotland's (``/akn/gb-sct/amendment/...``), and its FRBRcountry says so.
    """
    day = when.isoformat()
    nation, _, locality = country.partition("-")
    return FrbrUri(country=nation, locality=locality or None, doctype="amendment", date=day, number=number,
                   language=language, expression_date=day)


def destination_href(expression_uri: str, eid: str) -> str:
    """Where a modification lands: the provision ``eid`` of the bill expression (``.../eng@.../~sec_3``)."""
    return f"{expression_uri}/~{eid}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _A + tag, {k.rstrip("_"): v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _paragraphs(parent: etree._Element, text: str, eid_prefix: str) -> None:
    """Plain text (one paragraph per line) as `<p>`s; an empty text still gives one empty `<p>`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    for index, line in enumerate(lines, start=1):
        _sub(parent, "p", line, eId=f"{eid_prefix}__p_{index}")


def _title(spec: AmendmentSpec) -> str:
    """The title the House knows the amendment by: its order-paper number once tabled (its FRBR number is the
    amendment's id, which tells drafts apart and never changes)."""
    if spec.order_number:
        return f"Amendment {spec.order_number}"
    return f"Amendment {spec.number} (draft)"


def _meta(spec: AmendmentSpec, uri: FrbrUri) -> etree._Element:
    meta = etree.Element(_A + "meta")
    write_identification(meta, uri, author=f"#{spec.proponent.eid}", title=_title(spec))
    analysis = _sub(meta, "analysis", source="#parley")
    modifications = _sub(analysis, "activeModifications")
    textual = _sub(modifications, "textualMod", type=spec.modification, eId="amod_1")
    _sub(textual, "source", href="#mod_1")
    _sub(textual, "destination", href=destination_href(spec.bill_expression_uri, spec.provision_eid))
    references = _sub(meta, "references", source="#parley")
    _sub(references, "TLCOrganization", eId="parley", href="/ontology/organization/parley", showAs="Parley")
    _sub(references, "TLCOrganization", eId=spec.parliament,
         href=f"/ontology/organization/{spec.country}/{spec.parliament}", showAs="Parliament")
    seen = {"parley", spec.parliament}
    for person in (spec.proponent, *spec.cosponsors):
        if person.eid not in seen:
            seen.add(person.eid)
            _sub(references, "TLCPerson", eId=person.eid, href=person.href, showAs=person.name)
    _sub(references, "TLCRole", eId="proponent", href="/ontology/role/proponent", showAs="Proponent")
    _sub(references, "TLCRole", eId="cosponsor", href="/ontology/role/cosponsor", showAs="Co-sponsor")
    return meta


def _preface(spec: AmendmentSpec) -> etree._Element:
    preface = etree.Element(_A + "preface")
    heading = _sub(preface, "p", "Amendment ", eId="preface__p_1")
    number = _sub(heading, "docNumber", spec.order_number or f"{spec.number} (draft)")
    number.tail = " to the "
    affected = _sub(heading, "affectedDocument", spec.bill_title, href=spec.bill_expression_uri)
    affected.tail = ""
    proposer = _sub(preface, "p", "Proposed by ", eId="preface__p_2")
    proponent = _sub(proposer, "docProponent", spec.proponent.name, refersTo=f"#{spec.proponent.eid}",
                     **{"as": "#proponent"})
    proponent.tail = ""
    if spec.cosponsors:
        supported = _sub(preface, "p", "Supported by ", eId="preface__p_3")
        for index, person in enumerate(spec.cosponsors):
            element = _sub(supported, "docProponent", person.name, refersTo=f"#{person.eid}",
                           **{"as": "#cosponsor"})
            element.tail = ", " if index < len(spec.cosponsors) - 1 else ""
    return preface


def _quoted_structure(mod: etree._Element, provision: NewProvision) -> etree._Element:
    quoted = _sub(mod, "quotedStructure", eId="mod_1__qstr_1")
    element = _sub(quoted, provision.name)
    if provision.num:
        _sub(element, "num", provision.num)
    if provision.heading:
        _sub(element, "heading", provision.heading)
    content = _sub(element, "content")
    for block in from_markup(provision.text or " "):
        content.append(block)
    return quoted


def _body(spec: AmendmentSpec) -> etree._Element:
    body = etree.Element(_A + "amendmentBody")
    content = _sub(body, "amendmentContent", eId="amendmentContent")
    paragraph = _sub(content, "p", eId="amendmentContent__p_1")
    mod = _sub(paragraph, "mod", eId="mod_1")
    last: etree._Element | None = None
    quotes = 0
    for piece in spec.instruction:
        if isinstance(piece, Quote):
            quotes += 1
            last = _sub(mod, "quotedText", piece.text, eId=f"mod_1__qtext_{quotes}")
            last.tail = ""
        elif last is None:
            mod.text = (mod.text or "") + piece
        else:
            last.tail = (last.tail or "") + piece
    if spec.new_provision is not None:
        _quoted_structure(mod, spec.new_provision)
    for index, text in enumerate(spec.extra_paragraphs, start=2):
        _sub(content, "p", text, eId=f"amendmentContent__p_{index}")
    justification = _sub(body, "amendmentJustification", eId="amendmentJustification")
    _paragraphs(justification, spec.justification, "amendmentJustification")
    return body


def build_amendment(spec: AmendmentSpec) -> etree._Element:
    """The `<akomaNtoso>` root of the amendment ``spec`` describes."""
    uri = amendment_uri(spec.country, spec.date, spec.number, spec.language)
    root = etree.Element(_A + "akomaNtoso", nsmap={None: AKN_NS})  # type: ignore[dict-item]
    document = _sub(root, "amendment", name="amendment")
    meta = _meta(spec, uri)
    document.append(meta)
    document.append(_preface(spec))
    document.append(_body(spec))
    # Name every element by the convention (mod, quoted structure and its provision included), then point
    # the textual modification at the mod's final eId.
    renames = renumber_tree(document)
    for source in meta.iter(_A + "source"):
        old = (source.get("href") or "").removeprefix("#")
        source.set("href", f"#{renames.get(old, old)}")
    return root


def problems(root: etree._Element) -> list[Problem]:
    """Strict-schema problems of an amendment document (empty when valid)."""
    return schema_problems(root)


# --- recording amendments in the amended document -----------------------------------------------------------


@dataclass(frozen=True)
class AppliedAmendment:
    """An adopted amendment as the consolidated document records it."""

    uri: str  # the amendment document's expression URI
    show_as: str  # "Amendment 5"
    destination: str  # href of the provision it changed: "#eId" in this document, or a URI for one left out
    modification: ModificationType
    adopted_on: date


_META_ORDER = ("identification", "publication", "classification", "lifecycle", "workflow", "analysis",
               "temporalData", "references", "notes", "proprietary", "presentation")


def _meta_child(meta: etree._Element, name: str) -> etree._Element:
    """The first `<name>` of `meta`, created at its place in the schema's order when missing."""
    found = meta.find(_A + name)
    if found is not None:
        return found
    element = etree.Element(_A + name, source="#parley")
    rank = _META_ORDER.index(name)
    for child in meta:
        if isinstance(child.tag, str) and etree.QName(child).localname in _META_ORDER[rank + 1 :]:
            child.addprevious(element)
            return element
    meta.append(element)
    return element


class _Ids:
    """Fresh eIds (``pref_1``, ``evt_2``...) unique in the whole document, read once."""

    def __init__(self, document: etree._Element) -> None:
        found = document.getroottree().xpath("//@eId")
        self.taken: set[str] = {str(value) for value in found} if isinstance(found, list) else set()

    def new(self, stem: str) -> str:
        index = 1
        while f"{stem}_{index}" in self.taken:
            index += 1
        self.taken.add(f"{stem}_{index}")
        return f"{stem}_{index}"


def record_consolidation(document: etree._Element, *, when: date, amendments: Sequence[AppliedAmendment]) -> None:
    """Record adopted amendments in a document's metadata: a `lifecycle/eventRef` and a `workflow/step` for
    each (dated `when` and the day it was adopted), `passiveRef`s to the amendment documents, and
    `analysis/passiveModifications/textualMod`s from each amendment to the provision it changed.
    """
    meta = document.find(_A + "meta")
    if meta is None:
        raise ValueError("expected a document element with <meta>")
    ids = _Ids(document)
    references = _meta_child(meta, "references")
    lifecycle = _meta_child(meta, "lifecycle")
    workflow = _meta_child(meta, "workflow")
    analysis = _meta_child(meta, "analysis")
    passive = analysis.find(_A + "passiveModifications")
    if passive is None:
        passive = etree.Element(_A + "passiveModifications")
        active = analysis.find(_A + "activeModifications")
        if active is not None:
            active.addnext(passive)
        else:
            analysis.insert(0, passive)
    for amendment in amendments:
        ref_id = ids.new("pref")
        reference = etree.Element(_A + "passiveRef", eId=ref_id, href=amendment.uri, showAs=amendment.show_as)
        first_tlc = next((c for c in references if isinstance(c.tag, str)
                          and etree.QName(c).localname.startswith("TLC")), None)
        if first_tlc is not None:
            first_tlc.addprevious(reference)
        else:
            references.append(reference)
        _sub(lifecycle, "eventRef", eId=ids.new("evt"), date=when.isoformat(), source=f"#{ref_id}",
             type="amendment")
        _sub(workflow, "step", eId=ids.new("step"), date=amendment.adopted_on.isoformat(),
             by="#parliament", refersTo=f"#{ref_id}")
        textual = _sub(passive, "textualMod", type=amendment.modification, eId=ids.new("pmod"))
        _sub(textual, "source", href=f"#{ref_id}")
        _sub(textual, "destination", href=amendment.destination)
