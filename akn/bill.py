"""New documents: `new_bill` builds a bill that passes the strict schema and the naming convention checks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

from lxml import etree

from akn.document import AknDocument
from akn.errors import InvalidFrbrUriError, SchemaInvalidError
from akn.frbr import FrbrUri, write_identification
from akn.inline import from_markup, inline_from_markup
from akn.naming import renumber_tree
from akn.validation import convention_problems, is_iso639_2, schema_problems
from akn.vocabulary import AKN_NS
from akn.wording import wording

__all__ = ["SectionDraft", "check_bill_names", "new_bill"]

_A = f"{{{AKN_NS}}}"
_COUNTRY = re.compile(r"^[a-z]{2}(-[a-z0-9]+)?$")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_bill_names(country: str, number: str, language: str) -> None:
    """Raise `InvalidFrbrUriError` unless the country, number and language can name a bill in an FRBR URI."""
    if not _COUNTRY.match(country):
        raise InvalidFrbrUriError(wording("expected a lowercase country code such as 'ke' or 'za-cpt', found "
                                          "%(country)r", country=country))
    if not _NUMBER.match(number):
        raise InvalidFrbrUriError(wording("expected a bill number of letters, digits, '.', '_' or '-', found "
                                          "%(number)r", number=number))
    if not is_iso639_2(language):
        raise InvalidFrbrUriError(wording("expected a three-letter ISO 639-2 language code, found %(language)r",
                                          language=language))


# (num, heading, text): num and heading are inline markup (None for none), text is block markup.
SectionDraft = tuple[str | None, str | None, str]


def new_bill(
    country: str,
    number: str,
    date: datetime.date,
    title: str,
    language: str = "eng",
    sections: Iterable[SectionDraft | Mapping[str, str | None]] | None = None,
    *,
    subtype: str | None = None,
    author: str = "parliament",
    author_name: str = "Parliament",
) -> AknDocument:
    """A new bill with correct FRBR metadata (`/akn/<country>/bill/<date>/<number>/<language>@<date>`).

    `sections` are (num, heading, text) tuples or mappings with those keys; without any, the bill has one
    empty section numbered 1. eIds and wIds follow the naming convention. Raises `InvalidFrbrUriError` for
    a malformed country, number or language, `InvalidMarkupError` or `SchemaInvalidError` for bad sections.
    """
    check_bill_names(country, number, language)
    place, _, locality = country.partition("-")
    day = date.isoformat()
    uri = FrbrUri(
        country=place, locality=locality or None, doctype="bill", subtype=subtype, date=day, number=number,
        language=language, expression_date=day,
    )
    root = etree.Element(_A + "akomaNtoso", nsmap={None: AKN_NS})  # type: ignore[dict-item]
    bill = etree.SubElement(root, _A + "bill", name="bill")
    meta = etree.SubElement(bill, _A + "meta")
    write_identification(meta, uri, source="#parley", author=f"#{author}", title=title)
    references = etree.SubElement(meta, _A + "references", source="#parley")
    etree.SubElement(references, _A + "TLCOrganization", eId="parley", href="/ontology/organization/parley",
                     showAs="Parley")
    etree.SubElement(references, _A + "TLCOrganization", eId=author,
                     href=f"/ontology/organization/{country}/{author}", showAs=author_name)
    preface = etree.SubElement(bill, _A + "preface")
    etree.SubElement(etree.SubElement(preface, _A + "p"), _A + "docTitle").text = title
    body = etree.SubElement(bill, _A + "body")
    drafts = list(sections) if sections is not None else []
    for draft in drafts or [("1", None, "")]:
        num, heading, text = _unpack(draft)
        section = etree.SubElement(body, _A + "section")
        if num:
            section.append(inline_from_markup(num, "num"))
        if heading:
            section.append(inline_from_markup(heading, "heading"))
        section.append(from_markup(text, "content"))
    renumber_tree(bill)
    tree = root.getroottree()
    problems = schema_problems(tree)
    if problems:
        raise SchemaInvalidError(problems)
    return AknDocument(tree, convention_problems(tree))


def _unpack(draft: SectionDraft | Mapping[str, str | None]) -> SectionDraft:
    if isinstance(draft, Mapping):
        return draft.get("num"), draft.get("heading"), draft.get("text") or ""
    num, heading, text = draft
    return num, heading, text
