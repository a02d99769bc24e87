"""Safe parsing of untrusted bytes into lxml trees: the only way `akn` turns bytes into XML.

Every document comes from outside (uploads, imports), so the parser never resolves entities, never loads a
DTD, never touches the network and never processes XInclude. Documents that declare a DOCTYPE are refused
before the parser sees them, which rules out entity expansion attacks (billion laughs, quadratic blowup,
external entities) at no cost; XInclude elements are refused after parsing; libxml2's own depth limit
refuses absurd nesting within microseconds.
"""

from __future__ import annotations

import threading

from lxml import etree

from akn.errors import DocumentTooLargeError, NotAknError, UnsafeXmlError, XmlSyntaxError
from akn.vocabulary import AKN_NS, OLDER_NAMESPACES
from akn.wording import wording

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "parse_akn",
    "parse_xml",
    "safe_parser",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# libxml2 refuses elements nested deeper than this unless XML_PARSE_HUGE (huge_tree) is set; it never is.
MAX_DEPTH = 256
# Elements a document may hold. Real acts hold about one for every 40 to 70 bytes (a 12,000-section bill of
# 11.5 MiB: 300,000); a few bytes each (`<b>x</b>` over and over) is a tree built to be slow to read, check and
# render, which the size limit alone lets through at well over a million.
MAX_ELEMENTS = 1_000_000

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
_XINCLUDE_NAMESPACES = (XINCLUDE_NS, "http://www.w3.org/2003/XInclude")

_PROLOG_LIMIT = 1 << 16

_local = threading.local()


def safe_parser() -> etree.XMLParser:
    """The XML parser used everywhere in `akn` (one per thread, as lxml parsers are not thread-safe)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            remove_comments=False,
            remove_pis=False,
            strip_cdata=True,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes into a tree, refusing anything unsafe.

    Raises `DocumentTooLargeError` past `max_bytes`, `UnsafeXmlError` for a DOCTYPE, XInclude or nesting
    deeper than `MAX_DEPTH`, and `XmlSyntaxError` (with line and column) for anything not well-formed.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_xml expects bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise DocumentTooLargeError(len(data), max_bytes)
    _refuse_doctype(data)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):
        # The prolog scan should have caught this already; never let a DTD through whatever happened.
        raise UnsafeXmlError(wording("expected a document without a DOCTYPE declaration, found one"))
    if _has_xinclude(root):
        raise UnsafeXmlError(wording("expected a document without XInclude, found an XInclude element"))
    counted = root.xpath("count(//*)")  # counted in C: 15 ms for 300,000
    elements = int(counted) if isinstance(counted, float) else 0
    if elements > MAX_ELEMENTS:
        raise UnsafeXmlError(wording("expected a document of at most %(limit)s elements, found %(count)s",
                                     limit=f"{MAX_ELEMENTS:,}", count=f"{elements:,}"))
    return tree


def parse_akn(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """`parse_xml`, then check the root is an Akoma Ntoso 3.0 `<akomaNtoso>` (else `NotAknError`)."""
    tree = parse_xml(data, max_bytes=max_bytes)
    check_akn_root(tree.getroot())
    return tree


def check_akn_root(root: etree._Element) -> None:
    """Raise `NotAknError` unless `root` is `<akomaNtoso>` in the AKN 3.0 namespace holding a document."""
    qname = etree.QName(root)
    if qname.namespace in OLDER_NAMESPACES:
        raise NotAknError(
            wording("expected an Akoma Ntoso 3.0 document (namespace %(namespace)s), found %(found)s (namespace "
                    "%(found_namespace)s); convert it to AKN 3.0 first", namespace=AKN_NS,
                    found=OLDER_NAMESPACES[qname.namespace], found_namespace=qname.namespace)
        )
    if qname.localname != "akomaNtoso" or qname.namespace != AKN_NS:
        element = f"<{qname.localname}>"
        raise NotAknError(
            wording("expected an <akomaNtoso> root element in namespace %(namespace)s, found %(found)s in namespace "
                    "%(found_namespace)s", namespace=AKN_NS, found=element, found_namespace=qname.namespace)
            if qname.namespace else
            wording("expected an <akomaNtoso> root element in namespace %(namespace)s, found %(found)s",
                    namespace=AKN_NS, found=element)
        )
    if not any(isinstance(child.tag, str) for child in root):
        raise NotAknError(wording("expected a document (act, bill, debate...) inside <akomaNtoso>, found none"))


def _syntax_error(exc: etree.XMLSyntaxError) -> XmlSyntaxError | UnsafeXmlError:
    message = str(exc.msg or exc)
    line, column = exc.position if exc.position else (None, None)
    if "Excessive depth" in message:
        return UnsafeXmlError(
            wording("expected elements nested at most %(depth)s deep, found deeper nesting (line %(line)s)",
                    depth=MAX_DEPTH, line=line)
        )
    # lxml repeats the position in the message; the error adds it back in one consistent form.
    for suffix in (f", line {line}, column {column}",):
        message = message.removesuffix(suffix)
    return XmlSyntaxError(wording("not well-formed XML: %(problem)s", problem=message), line, column)


def _refuse_doctype(data: bytes) -> None:
    """Refuse a DOCTYPE by reading the prolog only, before any parser could expand what it declares."""
    text = _prolog_text(data, _PROLOG_LIMIT)
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\ufeff":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                break
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif text[i : i + 9].upper() == "<!DOCTYPE":
            raise UnsafeXmlError(
                wording("expected a document without a DOCTYPE declaration, found one; DTDs and entity "
                        "declarations are never accepted")
            )
        else:
            # The root element (or garbage the parser will report) starts here.
            return
    if len(data) > _PROLOG_LIMIT:
        # A DOCTYPE could hide past what was scanned: refuse rather than let the parser reach it.
        raise UnsafeXmlError(
            wording("expected the root element within the first %(size)s KiB, found only comments and processing "
                    "instructions there", size=_PROLOG_LIMIT // 1024)
        )


def _prolog_text(data: bytes, limit: int) -> str:
    """The start of the document as text, decoding UTF-16 so its prolog is scanned like any other."""
    head = data[:limit]
    # UTF-32 (with its byte-order mark or without, "<" then three zero bytes): libxml2 reads it, so must we.
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or head[:4] in (b"<\x00\x00\x00",
                                                                                   b"\x00\x00\x00<"):
        codec = "utf-32" if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else (
            "utf-32-le" if head[:1] == b"<" else "utf-32-be"
        )
        return head[: len(head) // 4 * 4].decode(codec, errors="replace")
    if head.startswith(b"\xef\xbb\xbf"):
        # The UTF-8 byte-order mark, read as Latin-1, is three letters the scan would take for the root.
        head = head[3:]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else (
            "utf-16-le" if head[:2] == b"<\x00" else "utf-16-be"
        )
        return head[: len(head) // 2 * 2].decode(codec, errors="replace")
    # Any ASCII-compatible encoding: the markup of the prolog is ASCII.
    return head.decode("latin-1")


def _has_xinclude(root: etree._Element) -> bool:
    # One walk over the tree for both namespaces: on a large document each walk costs a tenth of the parse.
    for _ in root.iter(*(f"{{{namespace}}}*" for namespace in _XINCLUDE_NAMESPACES)):
        return True
    return False
