"""Akoma Ntoso to accessible, semantic HTML and to plain text.

Every function takes lxml elements of an AKN tree (any AKN namespace: the renderer looks at local names
only, so 2.0 and draft 3.0 documents render too) and never touches the input. HTML is built as an lxml
tree and serialised by lxml, so every text node and attribute value coming from a document is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import Any, Protocol, TypedDict, cast
from urllib.parse import urlsplit

from lxml import etree

from akn.provisions import COMPONENT_ELEMENTS
from akn.vocabulary import DOCUMENT_TYPES, HIERARCHY_ELEMENTS

__all__ = [
    "BLOCK_FLOWS",
    "HIERARCHICAL_ELEMENTS",
    "MARKER_ELEMENTS",
    "Owners",
    "PageIds",
    "TocEntry",
    "document_ids",
    "identified",
    "identifier",
    "is_safe_href",
    "local_name",
    "render",
    "render_element",
    "render_provision",
    "to_text",
    "toc",
]

HIERARCHICAL_ELEMENTS = HIERARCHY_ELEMENTS
# Debate containers carry num and heading the way provisions do.
DEBATE_CONTAINERS = frozenset(
    "address adjournment administrationOfOath communication debateSection declarationOfVote"
    " ministerialStatements nationalInterest noticesOfMotion oralStatements papers personalStatements"
    " petitions pointOfOrder prayers proceduralMotions questions resolutions rollCall writtenStatements".split()
)
SECTIONING = HIERARCHICAL_ELEMENTS | DEBATE_CONTAINERS
# Elements that open a block structure inside inline text; their content is not part of the sentence.
BLOCK_FLOWS = frozenset({"authorialNote", "subFlow", "quotedStructure", "embeddedStructure"})
# The schema's `markerElements`: always empty.
MARKER_ELEMENTS = frozenset({"br", "eol", "eop", "img", "marker", "noteRef"})
# Elements whose content is inline text (the schema's inline content model).
TEXT_BLOCKS = frozenset(
    "p num heading subheading listIntroduction listWrapUp crossHeading block tocItem docTitle from"
    " narrative scene summary".split()
)
_SKIPPED = frozenset({"meta"})
_LINKS = frozenset({"ref", "a", "mref", "rref", "documentRef", "componentRef", "noteRef"})
_SAME_TAG = {
    "b": "b", "i": "i", "u": "u", "sup": "sup", "sub": "sub", "ins": "ins", "del": "del", "abbr": "abbr",
    "span": "span", "ul": "ul", "ol": "ol", "li": "li", "table": "table", "tr": "tr", "th": "th", "td": "td",
    "caption": "caption", "p": "p", "def": "dfn",
}
# HTML elements allowed inside phrasing content, and those that accept nothing but phrasing content.
_PHRASING = frozenset({"span", "a", "b", "i", "u", "sup", "sub", "ins", "del", "abbr", "dfn", "br", "img"})
_PHRASING_ONLY = _PHRASING | {"p", "caption"}
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_STRIPPED = re.compile(r"[\t\n\r]")
_SPACES = re.compile(r"\s+")


class TocEntry(TypedDict):
    """One provision in a table of contents."""

    eid: str | None
    num: str
    heading: str
    children: list[TocEntry]


def local_name(element: etree._Element) -> str:
    """The element's tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def is_safe_href(href: str | None) -> bool:
    """True for links a reader may follow: http(s), mailto, fragments and site-relative `/akn/` URIs."""
    if not href:
        return False
    # Browsers drop tabs and newlines inside URLs, so `java\tscript:` must be judged without them.
    cleaned = _URL_STRIPPED.sub("", href).strip()
    if any(ord(ch) < 0x20 for ch in cleaned):
        return False
    if cleaned.startswith("#") or cleaned.startswith("/akn/"):
        return True
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    return parts.scheme.lower() in _SAFE_SCHEMES and (parts.scheme.lower() == "mailto" or bool(parts.netloc))


def identifier(element: etree._Element) -> str | None:
    """The element's eId, or the `id`/`xml:id` that AKN 2.0 documents and some editors use instead."""
    return (element.get("eId") or element.get("id")
            or element.get("{http://www.w3.org/XML/1998/namespace}id"))


def document_ids(document: etree._Element) -> Iterator[str]:
    """Every eId, id and xml:id of ``document`` (one query each: lxml answers them in C)."""
    for query in ("//@eId", "//@id", "//@xml:id"):
        yield from (str(value) for value in cast(list[Any], document.xpath(query)))


def identified(element: etree._Element) -> list[etree._Element]:
    """``element`` and its descendants that have an :func:`identifier`, in document order."""
    return cast(list[etree._Element], element.xpath("descendant-or-self::*[@eId or @id or @xml:id]"))


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _inline_text(element: etree._Element) -> str:
    """The element's words, leaving out notes and quoted structures."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            name = local_name(child)
            if name and name not in BLOCK_FLOWS and name not in MARKER_ELEMENTS:
                walk(child)
            elif name in {"br", "eol", "eop"}:
                parts.append(" ")
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return _normalise("".join(parts))


def _append_text(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _depth(element: etree._Element) -> int:
    return sum(1 for ancestor in element.iterancestors() if local_name(ancestor) in SECTIONING)


class Owners(Protocol):
    """Which element keeps an id that others repeat (None: the first on the page)."""

    def get(self, eid: str, /) -> etree._Element | None: ...


class PageIds:
    """The ids a rendering gives, so that none repeats on the page it joins.

    An element keeps its eId as its id unless another holds it: the element ``owners`` names for it (a bill's
    provision, where quoted text repeats its eId), else the first on the page, counting the ids of what comes
    ``before`` this part (a collection's documents each name their own ``preface`` and ``art_1``; links to
    ``#art_1`` lead to the first). The ids the renderer makes up (footnotes' and their markers') avoid the
    document's ids, and begin with ``prefix``: parts of one page rendered apart (a long document's chunks) never
    make up the same one.
    """

    def __init__(self, before: Container[str] = frozenset(), prefix: str = "",
                 owners: Owners | None = None, reserved: Container[str] | None = None) -> None:
        self.before = before
        self.prefix = prefix
        self.owners = owners
        self.used: set[str] = set()
        # Every id of the document (found when first needed, unless the caller knows them).
        self._reserved = reserved

    def keep(self, eid: str, node: etree._Element) -> bool:
        """True when ``node`` takes ``eid`` as its id (then no other element of the part will)."""
        owner = self.owners.get(eid) if self.owners is not None else None
        if eid in self.used or (owner is not None and owner is not node) or (owner is None and eid in self.before):
            return False
        self.used.add(eid)
        return True

    def make(self, base: str, document: etree._Element) -> str:
        """A new id from ``base`` (``fn-c1``), used by no element of ``document`` nor yet on the page."""
        if self._reserved is None:
            self._reserved = frozenset(document_ids(document))
        candidate, count = base, 1
        while candidate in self.used or candidate in self._reserved or candidate in self.before:
            count += 1
            candidate = f"{base}-{count}"
        self.used.add(candidate)
        return candidate


class _HtmlBuilder:
    """Turns one AKN subtree into HTML, gathering authorial notes as footnotes."""

    def __init__(self, document: etree._Element, ids: PageIds | None = None) -> None:
        self.document = document
        self.ids = ids or PageIds()
        # The id each footnote has on the page, and its first marker's (where the footnote links back to), by key.
        self.footnote_ids: dict[str, str] = {}
        self.first_references: dict[str, str] = {}
        self.notes: list[tuple[str, str, etree._Element]] = []
        # Each footnote's marker, and how many markers link to it so far (only the first carries the id it links
        # back to), by its key.
        self.markers: dict[str, str] = {}
        self.references: dict[str, int] = {}
        # The notes a <noteRef> may name (those of <meta>, authorial notes), by eId.
        self.notes_named = {eid: note for note in document.iter("{*}note", "{*}authorialNote")
                            if (eid := identifier(note))}
        self.definitions: dict[str, str] = {}
        for definition in document.iter("{*}def"):
            refers_to, eid = definition.get("refersTo"), identifier(definition)
            if refers_to and eid:
                self.definitions.setdefault(refers_to, eid)

    def element(self, node: etree._Element, parent: etree._Element, inline: bool) -> None:
        name = local_name(node)
        if not name or name in _SKIPPED:
            return
        if name in SECTIONING:
            self.sectioning(node, parent, inline)
        elif name == "authorialNote":
            self.note_reference(node, parent)
        elif name == "noteRef":
            self.note_ref(node, parent)
        elif name in _LINKS:
            self.link(node, parent)
        elif name == "term":
            self.term(node, parent)
        elif name in {"br", "eol", "eop"}:
            etree.SubElement(parent, "br")
        elif name == "img":
            self.image(node, parent)
        elif name in MARKER_ELEMENTS:
            pass
        elif name == "num":
            self.children(node, self.open(node, parent, "span"), inline=True)
        elif name == "heading":
            level = min(6, 2 + _depth(node))
            tag = "span" if inline else f"h{level}"
            self.children(node, self.open(node, parent, tag), inline=True)
        elif name == "crossHeading":
            level = min(6, 2 + _depth(node))
            self.children(node, self.open(node, parent, "span" if inline else f"h{level}"), inline=True)
        elif name in _SAME_TAG:
            tag = _SAME_TAG[name]
            if inline and tag not in _PHRASING:
                tag = "span"
            out = self.open(node, parent, tag)
            if name == "abbr" and node.get("title"):
                out.set("title", node.get("title", ""))
            for span in ("colspan", "rowspan"):
                value = node.get(span, "")
                if tag in {"td", "th"} and value.isdigit():
                    out.set(span, value)
            self.children(node, out, inline=inline or tag in _PHRASING_ONLY)
        elif name in TEXT_BLOCKS:
            self.children(node, self.open(node, parent, "span" if inline else "p"), inline=True)
        elif name == "quotedText" or name == "inline" or inline:
            self.children(node, self.open(node, parent, "span"), inline=True)
        else:
            self.children(node, self.open(node, parent, "div"), inline=False)

    def open(self, node: etree._Element, parent: etree._Element, tag: str) -> etree._Element:
        out = etree.SubElement(parent, tag)
        classes = [f"akn-{local_name(node)}"]
        if node.get("status") == "removed":
            classes.append("akn-removed")
        out.set("class", " ".join(classes))
        eid = identifier(node)
        if eid and self.ids.keep(eid, node):
            out.set("id", eid)
        if node.get("wId"):
            out.set("data-wid", node.get("wId", ""))
        if node.get("title") and tag != "abbr":
            out.set("title", node.get("title", ""))
        return out

    def children(self, node: etree._Element, out: etree._Element, inline: bool, skip: int = 0) -> None:
        _append_text(out, node.text)
        for index, child in enumerate(node):
            if index >= skip:
                self.element(child, out, inline)
            _append_text(out, child.tail)

    def sectioning(self, node: etree._Element, parent: etree._Element, inline: bool) -> None:
        name = local_name(node)
        # Quoted provisions inside a sentence (an amending `mod`) must stay phrasing content.
        tag = "span" if inline else "section" if name in HIERARCHICAL_ELEMENTS else "div"
        out = self.open(node, parent, tag)
        kids = [child for child in node if isinstance(child.tag, str)]
        num = next((kid for kid in kids[:1] if local_name(kid) == "num"), None)
        heading = next((kid for kid in kids[:2] if local_name(kid) == "heading"), None)
        if heading is not None:
            # The number belongs inside the heading so assistive technology announces "1. Short title".
            level = min(6, 2 + _depth(node))
            title = self.open(heading, out, "span" if inline else f"h{level}")
            title.set("class", "akn-heading")
            if inline:
                title.set("role", "heading")
                title.set("aria-level", str(level))
            if num is not None:
                self.children(num, self.open(num, title, "span"), inline=True)
                _append_text(title, " ")
            self.children(heading, title, inline=True)
        elif num is not None:
            self.children(num, self.open(num, out, "span"), inline=True)
        _append_text(out, "\n")
        for child in node:
            if child is num or child is heading:
                continue
            self.element(child, out, inline=inline)

    def link(self, node: etree._Element, parent: etree._Element) -> None:
        href = node.get("href")
        out = self.open(node, parent, "a" if is_safe_href(href) else "span")
        if href and is_safe_href(href):
            out.set("href", href.strip())
        if node.text is None and len(node) == 0 and node.get("showAs"):
            out.text = node.get("showAs")
        self.children(node, out, inline=True)

    def term(self, node: etree._Element, parent: etree._Element) -> None:
        target = self.definitions.get(node.get("refersTo", ""))
        # A term whose definition is in the document links to it; otherwise it is its own defining instance.
        out = self.open(node, parent, "a" if target else "dfn")
        if target:
            out.set("href", f"#{target}")
        self.children(node, out, inline=True)

    def image(self, node: etree._Element, parent: etree._Element) -> None:
        src = node.get("src")
        if not src or not is_safe_href(src) or src.strip().lower().startswith("mailto"):
            return
        out = self.open(node, parent, "img")
        out.set("src", src.strip())
        out.set("alt", node.get("alt", ""))

    def note_reference(self, node: etree._Element, parent: etree._Element) -> None:
        """An authorial note: a marker where it stands, its text among the footnotes."""
        self.marker(parent, *self.footnote(node, node.get("marker")))

    def note_ref(self, node: etree._Element, parent: etree._Element) -> None:
        """A reference to a note of <meta>: a marker linking to the note, which joins the footnotes. A note the
        document does not hold leaves the marker alone, or a link when it is elsewhere."""
        href = (node.get("href") or "").strip()
        note = self.notes_named.get(href[1:]) if href.startswith("#") else None
        if note is not None:
            self.marker(parent, *self.footnote(note, node.get("marker")))
            return
        holder = parent if parent.tag == "sup" else etree.SubElement(parent, "sup")
        safe = not href.startswith("#") and is_safe_href(href)
        out = self.open(node, holder, "a" if safe else "span")
        if safe:
            out.set("href", href)
        out.text = node.get("marker") or ""

    def footnote(self, note: etree._Element, marker: str | None) -> tuple[str, str]:
        """The key and marker of ``note``'s footnote, added to the footnotes the first time it is referred to."""
        number = len(self.notes) + 1
        key = f"fn-{identifier(note) or number}"
        if key not in self.markers:
            self.notes.append((key, marker or str(number), note))
            self.markers[key] = marker or str(number)
            self.footnote_ids[key] = self.ids.make(f"{self.ids.prefix}{key}", self.document)
        return key, marker or self.markers[key]

    def marker(self, parent: etree._Element, key: str, marker: str) -> None:
        """A footnote marker linking to footnote ``key``; the first one is where the footnote links back to."""
        count = self.references[key] = self.references.get(key, 0) + 1
        holder = parent if parent.tag == "sup" else etree.SubElement(parent, "sup")
        target = self.footnote_ids[key]
        base = f"ref-{target}" if count == 1 else f"ref-{target}-{count}"
        reference = self.ids.make(base, self.document)
        self.first_references.setdefault(key, reference)
        link = etree.SubElement(holder, "a", {"class": "akn-noteref", "href": f"#{target}", "id": reference,
                                              "role": "doc-noteref"})
        link.text = marker

    def footnotes(self, out: etree._Element) -> None:
        if not self.notes:
            return
        aside = etree.SubElement(out, "aside", {"class": "akn-footnotes", "role": "doc-endnotes"})
        items = etree.SubElement(aside, "ol")
        done = 0
        # Rendering a note may discover notes nested inside it; they join the same list.
        while done < len(self.notes):
            key, marker, note = self.notes[done]
            done += 1
            target = self.footnote_ids[key]
            item = etree.SubElement(items, "li", {"id": target, "value": marker} if marker.isdigit()
                                    else {"id": target})
            self.children(note, item, inline=False)
            back = etree.SubElement(item, "a", {"href": f"#{self.first_references[key]}", "role": "doc-backlink",
                                                "class": "akn-backlink"})
            back.text = "\u21a9"


def render_element(element: etree._Element, ids: PageIds | None = None) -> etree._Element:
    """Render any AKN element (a whole document, a component or one provision) as an HTML element tree; ``ids``
    says which ids it may give when it joins a page rendered in parts (by default, no id repeats within it)."""
    document = element.getroottree().getroot()
    builder = _HtmlBuilder(document, ids)
    holder = etree.Element("div")
    builder.element(element, holder, inline=False)
    if local_name(element) == "akomaNtoso":
        out = holder[0] if len(holder) else etree.SubElement(holder, "article")
        out.tag = "article"
        out.set("class", "akn-document")
    elif len(holder) == 1:
        out = holder[0]
    else:
        out = holder
    builder.footnotes(out)
    if local_name(element) == "akomaNtoso":
        _unlink_missing_targets(out)
    return out


def _unlink_missing_targets(page: etree._Element) -> None:
    """Links to a place in the page that it does not hold become text: a whole document is a page of its own (a
    reader's, a PDF's), and a link leading nowhere in it is dead."""
    ids = {target for element in page.iter() if (target := element.get("id"))}
    for link in page.iter("a"):
        href = link.get("href") or ""
        if href.startswith("#") and href[1:] not in ids:
            link.tag = "span"
            del link.attrib["href"]


def render(root: etree._Element, ids: PageIds | None = None) -> str:
    """Render an `<akomaNtoso>` document (or any element of one) as an HTML fragment."""
    return etree.tostring(render_element(root, ids), method="html", encoding="unicode")


def render_provision(element: etree._Element) -> str:
    """Render one provision for a live update: same ids, classes and heading levels as in the document."""
    return render(element)


def _excluded(element: etree._Element) -> bool:
    return any(local_name(ancestor) in BLOCK_FLOWS or local_name(ancestor) == "meta"
               for ancestor in element.iterancestors())


def _holds_document(node: etree._Element) -> bool:
    """True for an `<attachment>` or `<component>` holding a document (a schedule, a collection's document)."""
    return local_name(node) in COMPONENT_ELEMENTS and any(local_name(kid) in DOCUMENT_TYPES for kid in node)


def _component_heading(node: etree._Element) -> str:
    heading = next((kid for kid in node if local_name(kid) == "heading"), None)
    if heading is not None:
        return _inline_text(heading)
    document = next(kid for kid in node if local_name(kid) in DOCUMENT_TYPES)
    for alias in document.iterfind("{*}meta/{*}identification/{*}FRBRWork/{*}FRBRalias[@name='title']"):
        if _normalise(alias.get("value") or ""):
            return _normalise(alias.get("value") or "")
    return next((text for text in map(_inline_text, document.iter("{*}docTitle")) if text), "")


def toc(root: etree._Element) -> list[TocEntry]:
    """The document's provision tree: `[{eid, num, heading, children}]`, leaving out quoted provisions.

    Components holding documents (schedules, the documents of a collection) are entries too, headed by
    their heading or their document's title, with their document's provisions as children.
    """
    entries: list[TocEntry] = []
    by_node: dict[etree._Element, TocEntry] = {}
    for node in root.iter("{*}*"):
        component = _holds_document(node)
        if (local_name(node) not in SECTIONING and not component) or _excluded(node):
            continue
        num = next((kid for kid in node if local_name(kid) == "num"), None)
        heading = next((kid for kid in node if local_name(kid) == "heading"), None)
        entry: TocEntry = {
            "eid": identifier(node),
            "num": _inline_text(num) if num is not None else "",
            "heading": (_component_heading(node) if component
                        else _inline_text(heading) if heading is not None else ""),
            "children": [],
        }
        by_node[node] = entry
        parent = next((a for a in node.iterancestors() if a in by_node), None)
        (by_node[parent]["children"] if parent is not None else entries).append(entry)
    return entries


def _text_lines(node: etree._Element, notes: list[str]) -> Iterator[str]:
    name = local_name(node)
    if not name or name in _SKIPPED:
        return
    if name in SECTIONING:
        kids = [kid for kid in node if isinstance(kid.tag, str)]
        titled = [kid for kid in kids[:2] if local_name(kid) in {"num", "heading"}]
        title = " ".join(_inline_text(kid) for kid in titled)
        body = [line for kid in kids if kid not in titled for line in _text_lines(kid, notes)]
        yield ""
        if any(local_name(kid) == "heading" for kid in titled) or not body or not body[0]:
            yield from ([title] if title else [])
        elif title:
            # An untitled provision reads "(a) text", as printed.
            body[0] = f"{title} {body[0]}"
        yield from body
    elif name == "tr":
        yield " | ".join(_inline_text(cell) for cell in node if local_name(cell) in {"td", "th"})
    elif name in TEXT_BLOCKS or (name in _SAME_TAG and name not in {"table", "ul", "ol"}):
        for note in node.iter("{*}authorialNote"):
            notes.append(f"[{note.get('marker', len(notes) + 1)}] {_inline_text(note)}")
        text = _inline_text(node)
        if text:
            yield text
        for flow in node.iter(*(f"{{*}}{flow}" for flow in ("quotedStructure", "embeddedStructure"))):
            for kid in flow:
                yield from _text_lines(kid, notes)
    else:
        for kid in node:
            yield from _text_lines(kid, notes)


def to_text(root: etree._Element) -> str:
    """Plain text of a document or element: one line per block, a blank line before each provision."""
    notes: list[str] = []
    lines = list(_text_lines(root, notes))
    if notes:
        lines += ["", *notes]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
