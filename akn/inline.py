"""Provision text as plain-text markup that round-trips AKN inline markup (specified in docs/markup.md).

The syntax is bluebell's inline syntax (`**bold**`, `//italics//`, `__underline__`, `{{^sup}}`, `{{_sub}}`,
`{{>href text}}`, `{{*remark}}`, `{{term{refersTo #t} text}}`...) extended so that any element and any
text survive: `{{name{attr value|attr value} content}}` writes any AKN element, a backslash escapes the
next character, and each line of a block container's markup is one `<p>` (or one block element written whole,
like `{{table ...}}`). Whitespace holding a line break in the text is a pretty-printed document's layout, not
words: it is written as one space, or not at all at the start or end of an element's content. (A backslash
before a line break, which the writer once wrote for it, still reads as a line break in the text.)

The reader is a hand-written recursive descent parser with memoisation, which follows bluebell's PEG
semantics for `**`, `//` and `__` (an opener without a closer on the same line is plain text) but is strict
about `{{` and `}}`: an unclosed element is an error rather than text, so a stray edit cannot silently
turn a `<ref>` into words. It reads a provision over ten times faster than bluebell's generated parser
(bench/bench_akn_core.py prints the ratio), which matters because the text is parsed on every keystroke
of a live edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from lxml import etree

from akn.errors import InvalidMarkupError
from akn.parsing import XINCLUDE_NS
from akn.vocabulary import AKN_ELEMENTS, AKN_NS, BLOCK_ELEMENTS, MIXED_CONTENT, XML_NS, is_element_only
from akn.wording import wording

__all__ = [
    "EVERY_ELEMENT",
    "MARKUP_FORM",
    "escape_text",
    "from_markup",
    "inline_from_markup",
    "inline_to_markup",
    "kept_out_of_markup",
    "marker_closes",
    "markup_form",
    "same_markup",
    "to_markup",
    "written_in_form",
]

_A = f"{{{AKN_NS}}}"
_A_LEN = len(_A)
_SYMMETRIC = {"**": "b", "//": "i", "__": "u"}
_SUGAR_OF = {"b": "**", "i": "//", "u": "__"}
_SPECIAL = frozenset("*/_{}")
_PLAIN = re.compile(r"[^*/_{}\\\n]+")
_NEEDS_ESCAPE = re.compile(r"[*/_{}\\\n]")
# XML 1.0 names without a colon (NCName): foreign elements and namespace prefixes use all of them (`my_ns:`,
# `x-y:`, `annotation-xml`), not only the letters and digits of AKN's own names.
_NAME_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d\u2070-\u218f\u2c00-\u2fef"
    "\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NCNAME = f"[{_NAME_START}][{_NAME_START}\\-.0-9\xb7\u0300-\u036f\u203f\u2040]*"
_NAME = re.compile(f"{_NCNAME}(?::{_NCNAME})?")
_ATTR_NAME = _NAME
# Namespaces XML forbids declaring (for a prefix or as the default), which no element of the markup may have
# either; nor may XInclude's, as a document holding XInclude elements would be refused when read back
# (`akn.parsing`), though a prefix may be declared for it (that alone includes nothing).
_RESERVED_NAMESPACES = frozenset((XML_NS, "http://www.w3.org/2000/xmlns/"))
_FORBIDDEN_NAMESPACES = _RESERVED_NAMESPACES | {XINCLUDE_NS, "http://www.w3.org/2003/XInclude"}
# `xmlns:m URI` among an element's attributes in the markup declares the prefix `m` there, as in XML.
_XMLNS_PREFIX = "xmlns:"
_XMLNS_LEN = len(_XMLNS_PREFIX)
_SAFE_HREF = re.compile(r"[^\s{}\\|]+")
# XML's whitespace: a run of it holding a line break is a pretty-printed document's layout, not words.
_XML_SPACE = " \t\r\n"
_XML_SPACES = re.compile(f"[{_XML_SPACE}]+")
# Mixed-content elements that stand inside a line of text, rather than making one (a paragraph, a num, a heading,
# a list's introduction...).
_INLINE_ELEMENTS = MIXED_CONTENT - frozenset(
    "block caption crossHeading foreign heading li listIntroduction listWrapUp num p subheading tocItem".split()
)
# Characters XML 1.0 cannot hold: refused up front with their position rather than deep inside lxml.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_PREFIX = "xml"


#: The form of markup the writer writes. Form 1 kept a pretty-printed document's layout as backslash + line break;
#: form 2 writes it as one space. Form 3 leaves out every name of a provision's text's elements (eId, wId, GUID,
#: xml:id) and attributes of other vocabularies (`leos:origin`), where form 2 left out only eIds the naming
#: convention gives: an imported document's own (`cmpnts__cmp_1__ref_1`) stood in the words drafters and members
#: edit, and the document gets them back when the text is read (`akn.naming.restore_eids`).
#: Text projected from a document is the base that logged edits patch by character offsets, so an event records
#: the form its text was written in, and replaying it writes that form again.
MARKUP_FORM = 3
_FORM: ContextVar[int] = ContextVar("markup_form", default=MARKUP_FORM)


@contextmanager
def written_in_form(form: int) -> Iterator[None]:
    """Write markup, in this context, as the writer of ``form`` wrote it (replaying events recorded then)."""
    if form not in range(1, MARKUP_FORM + 1):
        raise ValueError(f"no markup form {form}; the forms are 1 to {MARKUP_FORM}")
    token = _FORM.set(form)
    try:
        yield
    finally:
        _FORM.reset(token)


# ----------------------------------------------------------------------------------------------------
# Writing markup
# ----------------------------------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Escape text so that it reads back as exactly itself, wherever it stands in the markup.

    Backslashes and line breaks are always escaped (the writers pass it no line break: they write it as
    layout); `* / _ { }` only where they could join another marker: next to the same character, or at either
    end of the text (beside markup).
    """
    if not _NEEDS_ESCAPE.search(text):
        return text
    last = len(text) - 1
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\\n")
        elif ch in _SPECIAL and (
            i == 0 or i == last or text[i - 1] == ch or text[i + 1] == ch
        ):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def to_markup(container: etree._Element, implicit: Mapping[etree._Element, str] | None = None) -> str:
    """The markup of a block container's children (`<content>`, `<intro>`, `<wrapUp>`...): one line each.

    `implicit` maps elements to the eId the naming convention gives them: their eIds are left out (in form 2,
    only one equal to it), and the reader's caller gives them back (see `AknDocument.set_provision_text`).
    """
    hidden = {} if implicit is None else implicit
    blocks = [child for child in container if isinstance(child.tag, str)]
    scope = _reader_scope(container)
    lines = [
        _inline(block, hidden, scope) if _is_plain_p(block, hidden) else _element(block, hidden, scope)
        for block in blocks
    ]
    if lines == [""]:
        # A lone empty paragraph (or one holding only layout) must not read back as "no paragraphs at all".
        return "{{p}}"
    return "\n".join(lines)


def inline_to_markup(element: etree._Element) -> str:
    """The markup of an element's mixed content (a `<p>`, `<num>`, `<heading>`...), on one line."""
    return _inline(element, {}, _reader_scope(element))


def _reader_scope(container: etree._Element) -> Mapping[str | None, str]:
    """The prefixes the markup of `container` is read with: those in force around it, as `AknDocument` gives
    its provision's to the reader. The container itself is remade by the reader: its own declarations are
    not among them (a detached container, as `from_markup` makes, stands for the namespaces it was given)."""
    parent = container.getparent()
    return (container if parent is None else parent).nsmap


def markup_form() -> int:
    """The form of markup written in this context (see `MARKUP_FORM`)."""
    return _FORM.get()


# Names of elements (the convention's, a tool's own `xml:id`) and attributes of other vocabularies
# (`leos:origin`): tools keep them, people do not edit them. Form 3 leaves them out of a provision's text.
_NAMES = frozenset(("eId", "wId", "GUID", f"{{{XML_NS}}}id"))
_XML_ATTRIBUTE = f"{{{XML_NS}}}"


def kept_out_of_markup(attribute: str) -> bool:
    """Whether the markup of a provision's text (form 3) leaves out this attribute (Clark notation): the document
    keeps it (`akn.naming.restore_eids`)."""
    return attribute in _NAMES or (attribute.startswith("{") and not attribute.startswith(_XML_ATTRIBUTE))


class _EveryElement(Mapping[etree._Element, str]):
    """Leaves names out of the markup written for every element (form 3; in form 2, only eIds the convention
    gives were left out, of the elements mapped to them)."""

    def __getitem__(self, element: etree._Element) -> str:
        return ""

    def __iter__(self) -> Iterator[etree._Element]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, element: object) -> bool:
        return True


#: For `to_markup`: every element's names are left out (form 3).
EVERY_ELEMENT: Mapping[etree._Element, str] = _EveryElement()


def _attributes_of(element: etree._Element, hidden: Mapping[etree._Element, str]) -> list[tuple[str, str]]:
    pairs = [(str(key), str(value)) for key, value in element.attrib.items()]
    if element not in hidden:
        return pairs
    if _FORM.get() >= 3:
        return [(key, value) for key, value in pairs if not kept_out_of_markup(key)]
    implicit = hidden[element]
    return [(key, value) for key, value in pairs if not (key == "eId" and value == implicit)]


def _is_plain_p(element: etree._Element, hidden: Mapping[etree._Element, str]) -> bool:
    return element.tag == _A + "p" and not _attributes_of(element, hidden)


def _local(element: etree._Element) -> tuple[str, str | None]:
    """The name an element is written with, and the namespace its `xmlns` gives (None: AKN, or a prefix)."""
    tag = element.tag
    assert isinstance(tag, str)
    if tag.startswith(_A):
        return tag[_A_LEN:], None
    qname = etree.QName(element)
    prefix = element.prefix
    if prefix:
        return f"{prefix}:{qname.localname}", None
    if not qname.namespace:
        raise InvalidMarkupError(wording("expected elements of a namespace, found %(tag)s", tag=tag))
    # An element of the default namespace of its own (MathML's <math xmlns=...>) has no prefix to name it by.
    return qname.localname, qname.namespace


class _Line:
    """Whether the text written so far on a line of markup ends in a space (or none is written yet): layout
    that follows is then nothing, as readers render it, whichever element it stands in."""

    __slots__ = ("spaced",)

    def __init__(self) -> None:
        self.spaced = True


def _inline(
    element: etree._Element,
    hidden: Mapping[etree._Element, str],
    scope: Mapping[str | None, str],
    line: _Line | None = None,
) -> str:
    tag = element.tag
    assert isinstance(tag, str)
    drop_blank = tag.startswith(_A) and is_element_only(tag[_A_LEN:])
    # A paragraph, a num or a heading makes a line of its own, whose layout at either end is nothing. Inside a
    # line, layout at an inline element's edge is a space unless one comes just before it: dropping it always
    # would join words (`se\u00f1or<person>\n Ignacio</person>`), keeping it always would double spaces.
    inline = tag.startswith(_A) and tag[_A_LEN:] in _INLINE_ELEMENTS
    if line is None or not inline:
        line = _Line()
    # The text between child elements, as runs: comments and processing instructions have no markup, but
    # their tails still count, joined to the text around them.
    parts: list[str] = []
    text = element.text or ""
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text_markup(text, drop_blank, line, last=False))
            parts.append(_element(child, hidden, scope, line))
            text = ""
        text += child.tail or ""
    parts.append(_text_markup(text, drop_blank, line, last=not inline))
    if not inline:
        line.spaced = True
    return "".join(parts)


def _text_markup(text: str, drop_blank: bool, line: _Line, *, last: bool) -> str:
    """A run of an element's text as markup. Whitespace holding a line break is layout (pretty-printed XML),
    not words: one space, or nothing after a space, at the start of a line or at its end (`last`)."""
    if not text or (drop_blank and text.isspace()):
        return ""
    if "\n" in text and _FORM.get() == 1:
        return escape_text(text)
    if "\n" in text:
        if line.spaced:
            rest = text.lstrip(_XML_SPACE)
            if "\n" in text[: len(text) - len(rest)]:
                text = rest
        if last:
            rest = text.rstrip(_XML_SPACE)
            if "\n" in text[len(rest) :]:
                text = rest
        text = _XML_SPACES.sub(_collapse, text)
    if text:
        line.spaced = text[-1] in _XML_SPACE
    return escape_text(text)


def _collapse(spaces: re.Match[str]) -> str:
    run = spaces.group()
    return " " if "\n" in run else run


def _element(
    element: etree._Element,
    hidden: Mapping[etree._Element, str],
    scope: Mapping[str | None, str],
    line: _Line | None = None,
) -> str:
    """`element` as markup; `scope` holds the prefixes the reader knows where it stands."""
    name, namespace = _local(element)
    attrib = {_attribute_name(element, key): value for key, value in _attributes_of(element, hidden)}
    declared = _declarations(element, name, attrib, scope)
    if declared:
        # Before the attributes, like `xmlns`, which also keeps the shorthands (all for AKN elements) off it.
        attrib = {**{f"xmlns:{prefix}": uri for prefix, uri in declared.items()}, **attrib}
        inner = dict(scope)
        inner.update(declared.items())
        scope = inner
    if namespace is not None:
        # Written as the first attribute, which also keeps the shorthands (all for AKN elements) off it.
        attrib = {"xmlns": namespace, **attrib}
    content = _inline(element, hidden, scope, line)
    if name in _SUGAR_OF and not attrib and content:
        parent = element.getparent()
        # `**a**b**` cannot nest: a <b> directly inside a <b> is written in the general form.
        if parent is None or parent.tag != element.tag:
            marker = _SUGAR_OF[name]
            return f"{marker}{content}{marker}"
    if not attrib and content and name in ("sup", "sub"):
        return ("{{^" if name == "sup" else "{{_") + content + "}}"
    if name == "ref" and len(attrib) == 1:
        href = attrib.get("href")
        if href and _SAFE_HREF.fullmatch(href):
            return "{{>" + href + (" " + content if content else "") + "}}"
    if name == "remark" and content and len(attrib) == 1 and attrib.get("status") == "editorial":
        return "{{*" + content + "}}"
    if name == "inline" and len(attrib) == 1 and attrib.get("name") == "em":
        return "{{em" + (" " + content if content else "") + "}}"
    if name in ("ins", "del") and not attrib:
        return "{{" + ("+" if name == "ins" else "-") + (" " + content if content else "") + "}}"
    head = "{{" + ("\\" if name.startswith("_") else "") + name + _attributes(attrib)
    return head + (" " + content if content else "") + "}}"


def _declarations(
    element: etree._Element, name: str, attrib: Mapping[str, str], scope: Mapping[str | None, str]
) -> dict[str, str]:
    """The prefixes `element`'s markup declares (`xmlns:m URI`), so that the reader knows every prefix.

    A foreign element declares what it declares in the document (MathML's `<m:math xmlns:m=...>`, SVG's
    `xmlns:xlink`), so that the markup mirrors it; a prefix declared elsewhere (on an AKN element such as
    `<foreign>`, on the container) is declared on each outermost element naming it. None is written where
    the reader knows it already (the document's own prefixes, an enclosing element's declaration).
    """
    prefixes = [key.partition(":")[0] for key in (name, *attrib) if ":" in key]
    foreign = not str(element.tag).startswith(_A)
    if not foreign and not prefixes:
        return {}  # an AKN element naming no prefix: the usual case, which needs no look at namespaces
    nsmap = element.nsmap
    wanted = {prefix: nsmap[prefix] for prefix in prefixes if prefix != _XML_PREFIX}
    if foreign:
        parent = element.getparent()
        inherited = {} if parent is None else parent.nsmap
        wanted.update((p, uri) for p, uri in nsmap.items() if p is not None and inherited.get(p) != uri)
    return {prefix: uri for prefix, uri in sorted(wanted.items()) if scope.get(prefix) != uri}


def _attributes(attrib: Mapping[str, str]) -> str:
    if not attrib:
        return ""
    pairs = [name + (" " + _escape_value(value) if value else "") for name, value in attrib.items()]
    return "{" + "|".join(pairs) + "}"


def _attribute_name(element: etree._Element, key: str) -> str:
    if not key.startswith("{"):
        return key
    namespace, _, local = key[1:].partition("}")
    if namespace == XML_NS:
        return f"{_XML_PREFIX}:{local}"
    for prefix, uri in element.nsmap.items():
        if uri == namespace and prefix:
            return f"{prefix}:{local}"
    raise InvalidMarkupError(wording("expected attributes of namespaces with a prefix, found %(key)s", key=key))


def _escape_value(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("|", "\\|").replace("}", "\\}").replace("\n", "\\\n")
    )


# ----------------------------------------------------------------------------------------------------
# Reading markup
# ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    name: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    children: list[str | _Node] = field(default_factory=list)

    def namespace(self) -> str | None:
        """The namespace its `xmlns` attribute gives when other than AKN's (None: an AKN or prefixed name)."""
        declared = None
        for key, value in self.attributes:
            if key == "xmlns":
                declared = value
        return None if declared == AKN_NS else declared


class _Failed(Exception):
    """A `**`, `//` or `__` run that does not close: the marker is plain text after all."""


_FAIL = object()
_Parsed = tuple[list["str | _Node"], int]


# Runs and elements nested deeper than this are refused: no provision's text comes near it, and each level costs the
# reader (and the tree builder) stack frames, so a few thousand alternating `**` and `//` would exhaust Python's stack.
MAX_NESTING = 100


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.memo: dict[tuple[int, str], object] = {}
        self.depth = 0

    def nested(self, pos: int, closer: str, opened_at: int = 0) -> _Parsed:
        """`sequence` one level deeper, refused past `MAX_NESTING`."""
        if self.depth >= MAX_NESTING:
            raise self.error(wording("expected markup nested at most %(depth)d deep", depth=MAX_NESTING), pos)
        self.depth += 1
        try:
            return self.sequence(pos, closer, opened_at)
        finally:
            self.depth -= 1

    # errors ------------------------------------------------------------------------------------------

    def error(self, message: str, pos: int) -> InvalidMarkupError:
        line = self.s.count("\n", 0, pos) + 1
        column = pos - (self.s.rfind("\n", 0, pos) + 1) + 1
        return InvalidMarkupError(message, line, column)

    # sequences ---------------------------------------------------------------------------------------

    def sequence(self, pos: int, closer: str | None, opened_at: int = 0) -> _Parsed:
        """Inline items from `pos` up to `closer` (None: the end of the line), returning (items, end).

        Raises `_Failed` when a `**`/`//`/`__` run does not close on its line.
        """
        s, n = self.s, self.n
        items: list[str | _Node] = []
        text: list[str] = []
        while pos < n:
            ch = s[pos]
            if ch == "\n":
                if closer is None:
                    break
                if closer == "}}":
                    raise self.error(wording("expected }} to close the {{ opened here before the line ends"), opened_at)
                raise _Failed
            if closer is not None and closer != "}}" and s.startswith(closer, pos):
                if not items and not text:
                    raise _Failed
                break
            if ch == "}" and s.startswith("}}", pos):
                if closer == "}}":
                    break
                if closer is not None:
                    raise _Failed
                raise self.error(wording("found }} that closes nothing; write \\}\\} for the characters"), pos)
            if ch == "\\":
                if pos + 1 < n:
                    text.append(s[pos + 1])
                    pos += 2
                else:
                    text.append("\\")
                    pos += 1
                continue
            if ch in "*/_" and s.startswith(ch * 2, pos):
                node = self.symmetric(pos, ch * 2)
                if node is None:
                    text.append(ch)
                    pos += 1
                    continue
                if text:
                    items.append("".join(text))
                    text = []
                items.append(node[0])
                pos = node[1]
                continue
            if ch == "{" and s.startswith("{{", pos):
                span, pos = self.span(pos)
                if text:
                    items.append("".join(text))
                    text = []
                items.append(span)
                continue
            match = _PLAIN.match(s, pos)
            if match:
                text.append(match.group())
                pos = match.end()
            else:
                text.append(ch)
                pos += 1
        else:
            if closer == "}}":
                raise self.error(wording("expected }} to close the {{ opened here"), opened_at)
            if closer is not None:
                raise _Failed
        if text:
            items.append("".join(text))
        if closer is not None:
            pos += len(closer)
        return items, pos

    def symmetric(self, pos: int, marker: str) -> tuple[_Node, int] | None:
        key = (pos, marker)
        cached = self.memo.get(key, None)
        if cached is None:
            try:
                items, end = self.nested(pos + 2, marker)
                cached = (_Node(_SYMMETRIC[marker], [], items), end)
            except _Failed:
                cached = _FAIL
            self.memo[key] = cached
        return None if cached is _FAIL else cached  # type: ignore[return-value]

    # {{ elements }} ------------------------------------------------------------------------------------

    def span(self, pos: int) -> tuple[_Node, int]:
        key = (pos, "{{")
        cached = self.memo.get(key)
        if cached is None:
            cached = self._span(pos)
            self.memo[key] = cached
        return cached  # type: ignore[return-value]

    def _span(self, start: int) -> tuple[_Node, int]:
        s = self.s
        pos = start + 2
        ch = s[pos] if pos < self.n else ""
        if ch == ">":
            end = pos + 1
            while end < self.n and s[end] not in " \n" and not s.startswith("}}", end):
                end += 1
            node = _Node("ref", [("href", s[pos + 1 : end])])
            pos = end + 1 if s.startswith(" ", end) else end
        elif ch in ("^", "_", "*"):
            name = {"^": "sup", "_": "sub", "*": "remark"}[ch]
            node = _Node(name, [("status", "editorial")] if ch == "*" else [])
            pos += 1
        else:
            shorthand = ch in ("+", "-")
            if shorthand:
                name, pos = ("ins" if ch == "+" else "del"), pos + 1
            else:
                # `{{_` being the subscript shorthand, a name starting with `_` (as XML names may) is written
                # after a backslash: `{{\_ns:x}}`.
                match = _NAME.match(s, pos + 1 if s.startswith("\\_", pos) else pos)
                if match is None:
                    raise self.error(wording("expected an element name, >, ^, _, *, + or - after {{"), pos)
                name, pos = match.group(), match.end()
            node = _Node(name)
            if s.startswith("{", pos):
                pos = self.attributes(pos, node.attributes)
            # Read after the attributes: `xmlns` there makes a bare name one of another namespace.
            namespace = node.namespace()
            if namespace is not None:
                if shorthand or ":" in name or not namespace:
                    raise self.error(wording("expected xmlns to give a namespace to a bare element name, found it on "
                                             "%(name)r", name=name), start)
            elif name == "em":
                node.name = "inline"
                node.attributes.insert(0, ("name", "em"))
            elif ":" not in name and name not in AKN_ELEMENTS:
                raise self.error(wording("expected the name of an Akoma Ntoso element after {{, found %(name)r",
                                         name=name), start)
            if s.startswith(" ", pos):
                pos += 1
            elif pos < self.n and s[pos] != "\n" and not s.startswith("}}", pos):
                raise self.error(wording("expected a space, {attributes} or }} after {{%(name)s", name=name), pos)
        node.children, pos = self.nested(pos, "}}", start)
        return node, pos

    def attributes(self, pos: int, into: list[tuple[str, str]]) -> int:
        s, n = self.s, self.n
        opened = pos
        pos += 1
        while True:
            while pos < n and s[pos] == " ":
                pos += 1
            if pos >= n or s[pos] == "\n":
                raise self.error(wording("expected } to close the attributes opened here"), opened)
            if s[pos] == "}":
                return pos + 1
            match = _ATTR_NAME.match(s, pos)
            if match is None:
                raise self.error(wording("expected an attribute name"), pos)
            name, pos = match.group(), match.end()
            value: list[str] = []
            if pos < n and s[pos] == " ":
                pos += 1
                while pos < n and s[pos] not in "|}":
                    ch = s[pos]
                    if ch == "\n":
                        raise self.error(wording("expected } to close the attributes opened here"), opened)
                    if ch == "\\" and pos + 1 < n:
                        value.append(s[pos + 1])
                        pos += 2
                        continue
                    value.append(ch)
                    pos += 1
            into.append((name, "".join(value)))
            if pos >= n:
                raise self.error(wording("expected } to close the attributes opened here"), opened)
            if s[pos] == "|":
                pos += 1
            elif s[pos] == "}":
                return pos + 1
            else:
                raise self.error(wording("expected | or } after an attribute"), pos)

    # the whole text ------------------------------------------------------------------------------------

    def lines(self) -> list[list[str | _Node]]:
        result = []
        pos = 0
        while True:
            items, pos = self.sequence(pos, None)
            result.append(items)
            if pos >= self.n:
                return result
            pos += 1  # the line break between two paragraphs


def check_characters(text: str) -> None:
    """Raise :class:`InvalidMarkupError` at the first character XML 1.0 cannot hold (U+0000, U+0007 ...)."""
    bad = NOT_XML.search(text)
    if bad:
        pos = bad.start()
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise InvalidMarkupError(
            wording("expected characters XML can hold, found %(character)s", character=f"U+{ord(bad.group()):04X}"),
            line, column
        )


def from_markup(
    markup: str, container: str = "content", nsmap: Mapping[str | None, str] | None = None
) -> etree._Element:
    """Read block markup into a new `container` element (`content`, `intro`, `wrapUp`...).

    `nsmap` gives the prefixes the markup may use (`leos:editable`); the AKN namespace is the default.
    Raises `InvalidMarkupError` with line and column when the markup cannot be read.
    """
    check_characters(markup)
    namespaces = _namespaces(nsmap)
    root = etree.Element(_A + container, nsmap=namespaces)  # type: ignore[arg-type]
    if markup == "":
        return root
    for items in _Reader(markup).lines():
        if (
            len(items) == 1 and isinstance(items[0], _Node) and items[0].name in BLOCK_ELEMENTS
            and items[0].namespace() is None
        ):
            _build(items[0], root, namespaces)
        else:
            _fill(etree.SubElement(root, _A + "p"), items, namespaces)
    return root


def same_markup(first: str, second: str, nsmap: Mapping[str | None, str] | None = None) -> bool:
    """Whether two texts of markup are the same text, whichever form of the writer wrote each: equal as written, or
    once both are read and written again without names (text an earlier writer stored, with a backslash before each
    line break of a pretty-printed document's layout, is written with one space as now; eIds an earlier writer
    showed are left out, as now, and the document keeps them). Any other difference of text, elements or
    attributes stays one; markup that cannot be read is only equal to itself. `nsmap` as for `from_markup`."""
    if first == second:
        return True
    every = EVERY_ELEMENT
    try:
        with written_in_form(MARKUP_FORM):
            written = [to_markup(from_markup(text, nsmap=nsmap), every) for text in (first, second)]
        return written[0] == written[1]
    except InvalidMarkupError:
        return False


def marker_closes(text: str) -> Callable[[int], bool]:
    """For a `**`, `//` or `__` at a position of `text`: whether `from_markup` reads it as opening a run that closes
    (bold, italics, underline) rather than as the characters themselves (`a ** b`, `http://x`). Readers of the words
    of a text (amendment wording) ask it, so that they read the same text the document will hold."""
    reader = _Reader(text)

    def closes(pos: int) -> bool:
        marker = text[pos : pos + 2]
        if marker not in _SYMMETRIC:
            return False
        try:
            return reader.symmetric(pos, marker) is not None
        except InvalidMarkupError:
            # Unfinished `{{` inside: the text is refused as a whole where it is read as markup.
            return False

    return closes


def inline_from_markup(
    markup: str, tag: str = "p", nsmap: Mapping[str | None, str] | None = None
) -> etree._Element:
    """Read one line of inline markup into a new `tag` element (`num`, `heading`, `p`...)."""
    check_characters(markup)
    reader = _Reader(markup)
    items, end = reader.sequence(0, None)
    if end < len(markup):
        raise reader.error(wording("expected one line; write \\ before a line break to keep it in the text"), end)
    namespaces = _namespaces(nsmap)
    element = etree.Element(_A + tag, nsmap=namespaces)  # type: ignore[arg-type]
    _fill(element, items, namespaces)
    return element


def _namespaces(nsmap: Mapping[str | None, str] | None) -> dict[str | None, str]:
    namespaces: dict[str | None, str] = dict(nsmap or {})
    # Keep the document's own prefix for the AKN namespace (`an:`), else make it the default.
    if AKN_NS not in namespaces.values():
        namespaces[None] = AKN_NS
    return namespaces


def _qualify(name: str, namespaces: Mapping[str | None, str], attribute: bool) -> str:
    prefix, colon, local = name.partition(":")
    if not colon:
        return name if attribute else _A + name
    if prefix == _XML_PREFIX:
        return f"{{{XML_NS}}}{local}"
    uri = namespaces.get(prefix)
    if uri is None:
        raise InvalidMarkupError(wording("expected a known namespace prefix, found %(prefix)r in %(name)r",
                                         prefix=prefix, name=name))
    return f"{{{uri}}}{local}"


def _build(node: _Node, parent: etree._Element, namespaces: Mapping[str | None, str]) -> etree._Element:
    namespace = node.namespace()
    # `xmlns:m URI` declares `m` for the element and what it holds, as in XML.
    declared: dict[str | None, str] = {
        key[_XMLNS_LEN:]: value for key, value in node.attributes if key.startswith(_XMLNS_PREFIX)
    }
    for prefix, uri in declared.items():
        if prefix in (_XML_PREFIX, "xmlns") or not uri or uri in _RESERVED_NAMESPACES:
            raise InvalidMarkupError(wording("expected a prefix and namespace a prefix may be declared for, found "
                                             "xmlns:%(prefix)s %(uri)r", prefix=prefix, uri=uri))
    if declared:
        namespaces = {**namespaces, **declared}
    tag = _qualify(node.name, namespaces, attribute=False) if namespace is None else f"{{{namespace}}}{node.name}"
    if tag.startswith("{") and tag[1:].partition("}")[0] in _FORBIDDEN_NAMESPACES:
        raise InvalidMarkupError(wording("expected an element of a namespace a document may hold, found %(tag)s",
                                         tag=tag))
    try:
        # Declared on the element itself, as the markup does: the default namespace, so that it is written out
        # without a prefix, and the prefixes, so that they are written out where the markup declares them.
        nsmap = declared if namespace is None else {None: namespace, **declared}
        element = etree.SubElement(parent, tag, nsmap=nsmap or None)  # type: ignore[arg-type]
    except ValueError as error:  # a namespace URI lxml refuses ("a b")
        raise InvalidMarkupError(wording("expected an element name and namespace XML can hold, found %(tag)s: "
                                         "%(problem)s", tag=tag, problem=str(error))) from None
    for name, value in node.attributes:
        if name == "xmlns" or name.startswith(_XMLNS_PREFIX):
            continue  # a namespace declaration, never an attribute: lxml would write it out as one
        element.set(_qualify(name, namespaces, attribute=True), value)
    _fill(element, node.children, namespaces)
    return element


def _fill(element: etree._Element, items: list[str | _Node], namespaces: Mapping[str | None, str]) -> None:
    tag = element.tag
    assert isinstance(tag, str)
    drop_blank = tag.startswith(_A) and is_element_only(tag[_A_LEN:])
    last: etree._Element | None = None
    for item in items:
        if isinstance(item, _Node):
            last = _build(item, element, namespaces)
        elif drop_blank and item.isspace():
            continue
        elif last is None:
            element.text = item
        else:
            last.tail = item
