"""A published expression as the reader shows it: front matter, body chunks rendered on demand, and contents.

Large bills are not rendered whole: the reader page carries the table of contents and the first chunk, and the
browser fetches the other chunks as the reader scrolls (``GET /bills/<id>/chunks/<n>``). Stored documents never
change, so parsed documents and rendered chunks are cached by their SHA-256.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext
from lxml import etree
from sqlalchemy.orm import Session

from akn import AknDocument, parse_akn
from akn.errors import AknError, ProvisionNotFoundError
from akn.inline import inline_from_markup
from akn.provisions import body_of
from akn.render import (
    HIERARCHICAL_ELEMENTS,
    TEXT_BLOCKS,
    PageIds,
    TocEntry,
    document_ids,
    identified,
    identifier,
    local_name,
    render,
    render_element,
    render_provision,
)
from akn.render import toc as provision_toc
from akn.vocabulary import BLOCK_ELEMENTS
from server.domain.citation import (
    Level,
    citation_of_eid,
    citation_of_element,
    cite,
    cited_unit,
    holds_markup,
    is_top_unit,
    ordinal,
    unit_name,
    unit_phrase,
    unnumbered_place,
)
from server.http.i18n import N_, current_language
from server.store import documents
from server.store.kept import KeptByDigest

# Documents with more hierarchy elements than this are rendered in chunks; smaller ones whole.
LAZY_THRESHOLD = 1500
# Roughly how many hierarchy elements one chunk holds (a chunk never splits a top-level provision).
CHUNK_BUDGET = 400
# Three: a comparison page shows one version and marks the provisions of the two it compares.
_KEPT_DOCUMENTS = 3
# lxml matches these in C, any AKN namespace: far quicker than testing each element's local name.
_HIERARCHY_TAGS = tuple(f"{{*}}{name}" for name in sorted(HIERARCHICAL_ELEMENTS))
_MAX_STORED_BYTES = 200 * 1024 * 1024
# A rendered provision's opening tag, as `akn.render` writes it (its classes, then its id).
_SECTION_OPENING = re.compile(r'<section class="[^"]*" id="([^"]*)"')
# Subdivisions listed in the table of contents only as part of their provision.
_MINOR = frozenset({"subsection", "paragraph", "subparagraph", "point", "item", "list", "indent", "clause",
                    "subclause", "alinea", "proviso", "sublist"})
# Notes beside a provision's num or heading, not part of it.
_NOTES = frozenset({"authorialNote", "noteRef"})
# Elements whose words end before the next element's begin (blocks, table cells, line breaks).
_SPACED_AFTER = (HIERARCHICAL_ELEMENTS | TEXT_BLOCKS | BLOCK_ELEMENTS
                 | {"content", "intro", "wrapUp", "li", "tr", "td", "th", "br", "eol", "eop"})


def plain_text(element: etree._Element | None) -> str:
    """An element's words with spacing normalised ('' for None)."""
    if element is None:
        return ""
    return " ".join("".join(_spaced_text(element)).split())


def label_text(element: etree._Element | None) -> str:
    """A num's or heading's words as Contents and labels show them: without the authorial notes it holds (a
    heading "SHORT TITLE." with a side note "America's Cup Act of 2011." is "SHORT TITLE.")."""
    if element is None:
        return ""
    return " ".join("".join(_spaced_text(element, _NOTES)).split())


def _spaced_text(element: etree._Element, left_out: frozenset[str] = frozenset()) -> Iterator[str]:
    """The element's text, with a space after every block: AKN writes ``<num>(1)</num><content>The…`` with
    nothing between them, and the words would run together in link previews ("(1)The Clerk"). Elements named in
    ``left_out`` are passed over, their tails kept."""
    if element.text:
        yield element.text
    for kid in element:
        if isinstance(kid.tag, str) and local_name(kid) not in left_out:
            yield from _spaced_text(kid, left_out)
            if local_name(kid) in _SPACED_AFTER:
                yield " "
        if kid.tail:
            yield kid.tail


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return element.find(f"{{*}}{name}")


@dataclass(frozen=True)
class TocItem:
    """One line of the table of contents and the chunk that holds its provision."""

    eid: str
    num: str
    heading: str
    chunk: int
    children: list[TocItem] = field(default_factory=list)
    # What names a provision with neither num nor heading (its opening words, else its unit or where it stands, in
    # the reader's language): never its eId, which readers do not know ("page").
    untitled: str | UnitLabel = ""

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.num, self.heading) if part) or str(self.untitled)


@dataclass(frozen=True)
class ProvisionSummary:
    """What a shared link to a provision shows: its number, heading and text."""

    eid: str
    num: str
    heading: str
    text: str
    # How the bill cites a provision inside another ("section 5(2)"): its own num, "(2)", says not which one.
    citation: str = ""

    @property
    def label(self) -> str:
        if self.citation:
            cited = self.citation[:1].upper() + self.citation[1:]
            return f"{cited} {self.heading}" if self.heading else cited
        return " ".join(part for part in (self.num, self.heading) if part) or self.eid


# How many of its opening words name a provision with neither num nor heading in the Contents.
_UNTITLED_WORDS = 8


# The words a label may name units and ranks by, for the catalogue (shown through `_` and `pgettext`).
_UNIT_WORDS = (
    N_("section"), N_("article"), N_("clause"), N_("regulation"), N_("rule"), N_("Part"), N_("Subpart"),
    N_("Chapter"), N_("Subchapter"), N_("Title"), N_("Book"), N_("Tome"), N_("Division"), N_("Subdivision"),
    N_("Schedule"), N_("provision"), N_("paragraph"), N_("subsection"), N_("subparagraph"), N_("point"),
    N_("indent"), N_("list"), N_("proviso"), N_("subclause"), N_("item"), N_("alinea"), N_("subrule"),
)


def unit_word(unit: str) -> str:
    """How a unit is named in running text ("section", "Part"), in the reader's language."""
    return str(_(unit_name(unit)))


def _rank(nth: int) -> str:
    """``nth`` as the label of an unnumbered provision counts it ("second"), in the reader's language."""
    return str(pgettext("rank", ordinal(nth)))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def place_label(level: Level) -> str:
    """A provision without a number named, in the reader's language, by where it stands, as a citation names it
    (:func:`server.domain.citation.unit_phrase`): "The unnumbered section after section 2"."""
    unit = unit_word(level.name)
    where = level.unnumbered
    if where is None:
        return _capital(_("an unnumbered %(unit)s", unit=unit))
    if where.after is None:
        return _capital(_("the %(nth)s unnumbered %(unit)s", nth=_rank(where.nth), unit=unit))
    spoken, english = unit_name(level.name), unit_phrase(Level(level.name, where.after))
    after = unit + english[len(spoken):] if english.startswith(spoken) else english
    if where.among > 1:
        return _capital(_("the %(nth)s unnumbered %(unit)s after %(after)s", nth=_rank(where.nth), unit=unit,
                          after=after))
    return _capital(_("the unnumbered %(unit)s after %(after)s", unit=unit, after=after))


@dataclass(frozen=True)
class UnitLabel:
    """A provision with neither num nor heading named by its unit ("Section"), or, ``placed``, by where it stands
    (:func:`place_label`): words of the reader's language, chosen when shown, as the Contents are kept for every
    reader."""

    level: Level
    placed: bool = False

    def __str__(self) -> str:
        return place_label(self.level) if self.placed else _capital(unit_word(self.level.name))


def _untitled(element: etree._Element) -> str | UnitLabel:
    """What the Contents call a provision with neither num nor heading: its opening words ("Page 125 STAT. 754"),
    else its unit ("Section")."""
    words = _opening_words(" ".join(label_text(kid) for kid in element
                                    if isinstance(kid.tag, str) and local_name(kid) not in _NOTES))
    return words or UnitLabel(Level(cited_unit(element), None))


def _opening_words(text: str) -> str:
    words = text.split()
    shown = " ".join(words[:_UNTITLED_WORDS])
    return shown if len(words) <= _UNTITLED_WORDS else f"{shown}…"


def untitled_label(text: str, unit: str) -> str:
    """A label for a provision with neither num nor heading, from its ``text``: its opening words, else its
    ``unit`` ("Section", in the reader's language)."""
    return _opening_words(text) or str(UnitLabel(Level(unit, None)))


def markup_label(markup: str | None, tag: str) -> str:
    """A num's or heading's words kept as markup (a stored provision's, ``{{authorialNote ...}}``), as
    :func:`label_text` reads them: without notes."""
    if not markup:
        return ""
    if not holds_markup(markup):
        return " ".join(markup.split())
    try:
        return label_text(inline_from_markup(markup, tag))
    except AknError:
        return " ".join(markup.split())  # not markup after all


def with_labels(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A provision tree (as :func:`server.services.bills.provision_tree` gives it) whose nodes also say their
    ``label``: num and heading as words, without markup or notes ("Use of resources etc."), for headers and the names
    of buttons; ``num`` and ``heading`` stay markup, as a drafter retitling the provision edits them. A provision
    with neither (an imported document's list) is named as the amendment composer names it: by its opening words,
    else by its unit ("List"), never by its eId."""
    for node in tree:
        parts = (markup_label(node["num"], "num"), markup_label(node["heading"], "heading"))
        node["label"] = (" ".join(part for part in parts if part)
                         or untitled_label(markup_label(node["text"], "p"), node["name"]))
        with_labels(node["children"])
    return tree


class RenderedDocument:
    """One stored document prepared for reading."""

    def __init__(self, sha256: str, document: AknDocument) -> None:
        self.sha256 = sha256
        self.document = document
        root = document.document
        body = body_of(root)
        total = sum(1 for _node in root.iter(*_HIERARCHY_TAGS))
        self.lazy = body is not None and total > LAZY_THRESHOLD
        self._groups: list[list[etree._Element]] = []
        self._front: list[etree._Element] = []
        # The provisions the API knows (and takes comments on): an element identified only by `xml:id` or `id`,
        # as EU-style bills write articles, is an anchor of the text but no provision of the bill.
        self.known = frozenset(document.eids())
        # Where an eId repeats (quoted text, a collection's documents), the provision keeps it as its id on the page.
        self._owners = _Owners(document, self.known)
        # Chunked, the page is the front matter (part 0) then the chunks (part n + 1), rendered apart: the document's
        # ids, and the part where each that may repeat first appears, so that no later part gives it again (found
        # when first needed).
        self._ids: tuple[frozenset[str], dict[str, int]] | None = None
        if self.lazy and body is not None:
            self._front = [kid for kid in root if isinstance(kid.tag, str) and local_name(kid) != "meta"
                           and root.index(kid) < root.index(body)]
            back = [kid for kid in root if isinstance(kid.tag, str) and root.index(kid) > root.index(body)]
            self._groups = _chunk(body) + ([back] if back else [])
        self.toc = self._contents(body)
        self._html: dict[int, str] = {}
        self._toc_html: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def chunk_count(self) -> int:
        return max(1, len(self._groups))

    def front_html(self) -> str:
        """What precedes the body (cover page, preface, preamble); '' when the document is rendered whole."""
        if not self.lazy:
            return ""
        ids = self._page_ids(0)
        return "".join(render(element, ids) for element in self._front)

    def chunk_html(self, index: int) -> str:
        """The HTML of chunk ``index`` (the whole document when it is not chunked)."""
        if index < 0 or index >= self.chunk_count:
            raise IndexError(index)
        with self._lock:
            cached = self._html.get(index)
        if cached is not None:
            return cached
        if not self.lazy:
            html = _render_cited(self.document.root, self.known, PageIds(owners=self._owners))
        else:
            ids = self._page_ids(index + 1)
            html = "".join(_render_cited(element, self.known, ids) for element in self._groups[index])
        with self._lock:
            self._html[index] = html
        return html

    def _page_ids(self, part: int) -> PageIds:
        """The ids part ``part`` of a chunked page may give: none an earlier part gives, and footnotes' of its own."""
        if self._ids is None:
            root = self.document.document
            every, repeated = _ids_of(root)
            self._ids = every, _first_parts(root, [self._front, *self._groups], repeated)
        every, first_part = self._ids
        prefix = "front-" if part == 0 else "" if part == 1 else f"chunk{part - 1}-"
        return PageIds(_Before(first_part, part), prefix, self._owners, every)

    def toc_html(self) -> str:
        """The table of contents as nested lists (built once: long bills list thousands of provisions)."""
        language = current_language()
        html = self._toc_html.get(language)
        if html is None:
            html = self._toc_html[language] = _toc_list(self.toc, 1)
        return html

    def chunk_of(self, eid: str) -> int:
        """The chunk holding provision ``eid`` (0 when the document is not chunked or ``eid`` is unknown)."""
        if not self.lazy:
            return 0
        try:
            element = self.document.provision_element(eid)
        except Exception:
            return 0
        lineage = {element, *element.iterancestors()}
        for index, group in enumerate(self._groups):
            if any(top in lineage for top in group):
                return index
        return 0

    def provision_html(self, eid: str) -> str:
        """One provision rendered as in the whole document (same ids and heading levels)."""
        return render_provision(self.document.provision_element(eid))

    def citation(self, eid: str) -> str:
        """How the bill cites provision ``eid`` of this version ("regulation 2(1)"), as the provision tree does; by
        what its eId spells when this version has none such."""
        try:
            return citation_of_element(self.document.provision_element(eid))
        except ProvisionNotFoundError:
            return citation_of_eid(eid)

    def summary(self, eid: str) -> ProvisionSummary | None:
        """Number, heading and text of provision ``eid``, or None when the document has none such."""
        try:
            element = self.document.provision_element(eid)
        except Exception:
            return None
        num = label_text(_child(element, "num"))
        heading = label_text(_child(element, "heading"))
        words = []
        for kid in element:
            if isinstance(kid.tag, str) and local_name(kid) not in {"num", "heading"}:
                words.append(plain_text(kid))
        levels = _levels(element)
        if not is_top_unit(levels):
            citation = cite(levels)
        else:
            # A section with neither num nor heading is named by where it stands, never by its eId.
            citation = "" if num or heading else str(self._placed(eid, element))
        return ProvisionSummary(eid, num, heading, " ".join(w for w in words if w), citation)

    def _placed(self, eid: str, element: etree._Element) -> str | UnitLabel:
        """How the bill cites provision ``eid`` (its ``element``), which has neither num nor heading: where it stands
        (in the reader's language) when that is what the citation says, else the citation ("section 5", by its
        eId)."""
        citation = self.citation(eid)
        level = Level(cited_unit(element), None, unnumbered_place(element))
        return UnitLabel(level, placed=True) if citation == unit_phrase(level) else citation

    def _contents(self, body: etree._Element | None) -> list[TocItem]:
        if body is None:
            return []
        chunk_by_element: dict[etree._Element, int] = {}
        for index, group in enumerate(self._groups):
            for element in group:
                chunk_by_element[element] = index

        def item(element: etree._Element, chunk: int, depth: int) -> TocItem | None:
            eid = element.get("eId")
            if not eid or eid not in self.known:
                return None
            children: list[TocItem] = []
            if depth < 2:
                for kid in element:
                    if (isinstance(kid.tag, str) and local_name(kid) in HIERARCHICAL_ELEMENTS
                            and local_name(kid) not in _MINOR):
                        entry = item(kid, chunk, depth + 1)
                        if entry is not None:
                            children.append(entry)
            num, heading = label_text(_child(element, "num")), label_text(_child(element, "heading"))
            return TocItem(eid, num, heading, chunk, children, "" if num or heading else _untitled(element))

        entries = []
        for element in body:
            if isinstance(element.tag, str) and local_name(element) in HIERARCHICAL_ELEMENTS:
                entry = item(element, chunk_by_element.get(element, 0), 1)
                if entry is not None:
                    entries.append(entry)
        # Schedules and the other documents of a collection follow the body: in the last chunk when chunked.
        listed = {entry.eid for entry in entries}
        after_body = self.chunk_count - 1 if self.lazy else 0

        def component(entry: TocEntry, depth: int) -> TocItem:
            kids = [] if depth >= 2 else [component(kid, depth + 1) for kid in entry["children"]
                                          if kid["eid"] in self.known]
            eid = str(entry["eid"])
            untitled = ("" if entry["num"] or entry["heading"]
                        else self._placed(eid, self.document.provision_element(eid)))
            return TocItem(eid, entry["num"], entry["heading"], after_body, kids,
                           untitled if isinstance(untitled, UnitLabel) else _capital(untitled))

        for sibling in body.itersiblings():
            for top in provision_toc(sibling):
                if top["eid"] in self.known and top["eid"] not in listed:
                    entries.append(component(top, 1))
        return entries


def _levels(element: etree._Element) -> list[Level]:
    """The path of a provision, outermost first, with the nums as printed (what ``cite`` needs)."""
    chain = [element, *element.iterancestors(*_HIERARCHY_TAGS)]
    return [Level(cited_unit(node), label_text(_child(node, "num")) or None) for node in reversed(chain)]


class _Before:
    """The ids given by the parts of a chunked page before part ``part``."""

    def __init__(self, first_part: dict[str, int], part: int) -> None:
        self.first_part = first_part
        self.part = part

    def __contains__(self, eid: object) -> bool:
        return isinstance(eid, str) and self.first_part.get(eid, self.part) < self.part


def _ids_of(root: etree._Element) -> tuple[frozenset[str], frozenset[str]]:
    """The ids of the document, and those more than one element has (none, mostly)."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for value in document_ids(root):
        (repeated if value in seen else seen).add(value)
    return frozenset(seen), frozenset(repeated)


class _Owners:
    """The provision that keeps each eId of the bill as its id, where other elements repeat it."""

    def __init__(self, document: AknDocument, known: frozenset[str]) -> None:
        self.document = document
        self.known = known

    def get(self, eid: str) -> etree._Element | None:
        return self.document.provision_element(eid) if eid in self.known else None


def _first_parts(root: etree._Element, parts: list[list[etree._Element]], repeated: frozenset[str]) -> dict[str, int]:
    """The part where each id of a chunked page that could repeat first appears: the ``repeated`` ids of the
    document, and those of the notes of <meta> its note references bring into each part's footnotes."""
    notes = {eid: note for note in root.iter("{*}note", "{*}authorialNote") if (eid := identifier(note))}
    first: dict[str, int] = {}
    for index, part in enumerate(parts):
        for top in part:
            for node in identified(top) if repeated else []:
                eid = identifier(node) or ""
                if eid in repeated:
                    first.setdefault(eid, index)
            for reference in top.iter("{*}noteRef"):
                href = (reference.get("href") or "").strip()
                note = notes.get(href[1:]) if href.startswith("#") else None
                for node in identified(note) if note is not None else []:
                    first.setdefault(identifier(node) or "", index)
    return first


def _render_cited(element: etree._Element, known: frozenset[str], ids: PageIds | None = None) -> str:
    """``element`` rendered, each provision of the bill (its eId in ``known``) a ``<section>`` carrying its eId
    (``data-eid``), the only ones the reader gives links, comment tools and heat, and its citation
    (``data-citation="section 5(2)"``): the reader names provisions by it in the comment tools, where a subsection's
    own num, "(2)", would not say which one. The citation is the amendments' own (``server.domain.citation``), not
    a second spelling."""
    out = render_element(element, ids)
    citations = {eid: cite(_levels(node)) for node in element.iter(*_HIERARCHY_TAGS)
                 if (eid := node.get("eId")) and eid in known}
    for section in out.iter("section"):
        eid = section.get("id") or ""
        citation = citations.get(eid)
        if citation is not None:
            section.set("data-eid", eid)
            if citation:
                section.set("data-citation", citation)
    return etree.tostring(out, method="html", encoding="unicode")


def mark_provisions(html: str, known: frozenset[str]) -> str:
    """HTML rendered by ``akn.render`` (a redline), each ``<section>`` of a provision in ``known`` marked with its
    eId as ``_render_cited`` marks them (``data-eid``): the reader links those alone to their pages."""

    def marked(opening: re.Match[str]) -> str:
        eid = opening.group(1)
        return f'{opening.group(0)} data-eid="{eid}"' if unescape(eid) in known else opening.group(0)

    return _SECTION_OPENING.sub(marked, html)


def _chunk(body: etree._Element) -> list[list[etree._Element]]:
    groups: list[list[etree._Element]] = []
    current: list[etree._Element] = []
    weight = 0
    for element in body:
        if not isinstance(element.tag, str):
            continue
        size = sum(1 for _node in element.iter(*_HIERARCHY_TAGS))
        if current and weight + size > CHUNK_BUDGET:
            groups.append(current)
            current, weight = [], 0
        current.append(element)
        weight += size
    if current:
        groups.append(current)
    return groups


def _toc_list(items: list[TocItem], depth: int) -> str:
    parts = [f'<ol class="toc-level-{depth}">']
    for item in items:
        eid = escape(item.eid)
        parts.append(f'<li data-eid="{eid}" data-chunk="{item.chunk}"><a href="#{eid}">{escape(item.label)}</a>'
                     '<span class="heat" aria-hidden="true"></span>')
        if item.children:
            parts.append(_toc_list(item.children, depth + 1))
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


_CACHE: KeptByDigest[RenderedDocument] = KeptByDigest(_KEPT_DOCUMENTS)


def rendered(session: Session, sha256: str) -> RenderedDocument:
    """The stored document ``sha256`` prepared for reading (parsed once; it was validated when stored)."""

    def make() -> RenderedDocument:
        content = documents.get(session, sha256)
        return RenderedDocument(sha256, AknDocument(parse_akn(content, max_bytes=_MAX_STORED_BYTES)))

    return _CACHE.get(sha256, make)
