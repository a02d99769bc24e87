"""Safe parsing: every hostile or broken input is refused with its own typed error, quickly."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from akn import (
    AknDocument,
    AknError,
    DocumentTooLargeError,
    NotAknError,
    SchemaInvalidError,
    UnsafeXmlError,
    XmlSyntaxError,
    parse_akn,
    parse_xml,
)
from akn.parsing import MAX_DEPTH, MAX_ELEMENTS, safe_parser
from akn.vocabulary import AKN_NS
from tests.akn.corpus import read

# Generous: a refused bomb costs microseconds; expansion would take seconds and gigabytes. Real timings
# are printed by bench/bench_akn_core.py.
CATASTROPHE_SECONDS = 2.0

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">&lol9;</akomaNtoso>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"x" * 50_000 + b'">]><akomaNtoso>'
    + b"&a;" * 50_000
    + b"</akomaNtoso>"
)
EXTERNAL_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act>&xxe;</act></akomaNtoso>"""
EXTERNAL_HTTP = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/evil">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act>&xxe;</act></akomaNtoso>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE akomaNtoso SYSTEM "http://127.0.0.1:9/akn.dtd">
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"/>"""
XINCLUDE = b"""<?xml version="1.0"?>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0" xmlns:xi="http://www.w3.org/2001/XInclude">
<act name="act"><xi:include href="/etc/passwd" parse="text"/></act></akomaNtoso>"""


def refuse(data: bytes, error: type[AknError], parse: Callable[[bytes], object] = parse_xml) -> AknError:
    start = time.perf_counter()
    with pytest.raises(error) as caught:
        parse(data)
    assert time.perf_counter() - start < CATASTROPHE_SECONDS
    return caught.value


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, QUADRATIC, EXTERNAL_FILE, EXTERNAL_HTTP, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion-laughs", "quadratic-blowup", "external-file", "external-http", "external-dtd", "parameter-entity"],
)
def test_documents_with_a_doctype_are_refused_before_parsing(data: bytes) -> None:
    error = refuse(data, UnsafeXmlError)
    assert error.code == "unsafe_xml"
    assert "DOCTYPE" in error.message


def test_doctype_hidden_after_comments_is_refused() -> None:
    data = b"<?xml version='1.0'?><!-- a --><?pi x?>\n<!-- b --><!doctype x [<!ENTITY a 'b'>]><x/>"
    refuse(data, UnsafeXmlError)


def test_doctype_in_utf16_is_refused() -> None:
    refuse(EXTERNAL_FILE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
           UnsafeXmlError)


def test_a_prolog_too_long_to_scan_is_refused() -> None:
    data = b"<!--" + b"x" * 70_000 + b"--><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"
    refuse(data, UnsafeXmlError)


def test_external_file_content_never_reaches_the_tree(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = EXTERNAL_FILE.replace(b"file:///etc/passwd", secret.as_uri().encode())
    refuse(data, UnsafeXmlError)
    # The parser itself is configured never to fetch: even a tree parsed with it directly has no secret.
    from lxml import etree

    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError:
        return
    assert b"TOP-SECRET" not in etree.tostring(root)


def test_xinclude_is_refused_and_never_processed() -> None:
    error = refuse(XINCLUDE, UnsafeXmlError)
    assert "XInclude" in error.message


def test_body_over_the_size_limit_is_refused_before_parsing() -> None:
    data = b"<akomaNtoso>" + b"<p>x</p>" * (50 * 1024 * 1024 // 8) + b"</akomaNtoso>"
    error = refuse(data, DocumentTooLargeError)
    assert isinstance(error, DocumentTooLargeError)
    assert error.size == len(data) and error.limit == 20 * 1024 * 1024
    assert "20,971,520" in error.message


def test_size_limit_is_a_parameter() -> None:
    with pytest.raises(DocumentTooLargeError):
        parse_xml(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)
    assert parse_xml(b"<a>x</a>", max_bytes=50).getroot().text == "x"


def test_nesting_ten_thousand_deep_is_refused() -> None:
    data = b"<a>" * 10_000 + b"</a>" * 10_000
    error = refuse(data, UnsafeXmlError)
    assert str(MAX_DEPTH) in error.message


def test_a_tree_of_more_elements_than_any_act_holds_is_refused_fast() -> None:
    data = b"<a>" + b"<b>x</b>" * (MAX_ELEMENTS + 1) + b"</a>"  # 8 MB, under the size limit
    started = time.perf_counter()
    error = refuse(data, UnsafeXmlError)
    assert time.perf_counter() - started < 10, "refused after a parse, before anything reads the tree"
    assert f"{MAX_ELEMENTS:,} elements" in error.message
    assert len(parse_xml(b"<a>" + b"<b>x</b>" * (MAX_ELEMENTS - 1) + b"</a>").getroot()) == MAX_ELEMENTS - 1


def test_nesting_within_the_limit_parses() -> None:
    depth = MAX_DEPTH - 2
    tree = parse_xml(b"<a>" * depth + b"</a>" * depth)
    assert sum(1 for _ in tree.getroot().iter()) == depth


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b"<akomaNtoso>\n<act>\xff\xfe</act></akomaNtoso>", 2, 6),
        (b"not xml at all", 1, 1),
        (b"<akomaNtoso>\n  <act></bill></akomaNtoso>", 2, 15),
        (b"<a>&undefined;</a>", 1, 15),
        (b"", 1, 1),
    ],
    ids=["broken-utf8", "not-xml", "mismatched-tag", "undefined-entity", "empty"],
)
def test_syntax_errors_carry_line_and_column(data: bytes, line: int, column: int) -> None:
    error = refuse(data, XmlSyntaxError)
    assert isinstance(error, XmlSyntaxError)
    assert error.code == "xml_syntax"
    assert error.line == line
    assert error.column == column
    assert f"line {line}" in error.message


def test_non_akn_xml_is_refused() -> None:
    error = refuse(b"<html><body/></html>", NotAknError, parse_akn)
    assert "<akomaNtoso>" in error.message and "<html>" in error.message


@pytest.mark.parametrize(
    ("namespace", "named"),
    [
        ("http://docs.oasis-open.org/legaldocml/ns/akn/3.0/WD17", "WD17"),
        ("http://www.akomantoso.org/2.0", "Akoma Ntoso 2.0"),
        ("http://docs.oasis-open.org/legaldocml/ns/akn/3.0/CSD11", "CSD11"),
    ],
)
def test_older_namespaces_are_refused_by_name(namespace: str, named: str) -> None:
    data = f'<akomaNtoso xmlns="{namespace}"><act name="a"/></akomaNtoso>'.encode()
    error = refuse(data, NotAknError, parse_akn)
    assert named in error.message and AKN_NS in error.message
    assert error.code == "not_akn"


def test_empty_akoma_ntoso_is_refused() -> None:
    refuse(f'<akomaNtoso xmlns="{AKN_NS}"><!-- nothing --></akomaNtoso>'.encode(), NotAknError, parse_akn)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("legaldocml__AmendmentList_Bungeni_WD17.xml", NotAknError),
        ("legaldocml__v2_Bill_Kenya_2006-12-19.xml", NotAknError),
        ("lime__visualizer_example.xml", NotAknError),
        ("leos__bill_big.xml", XmlSyntaxError),
        ("slaw__community-fire-safety.xml", SchemaInvalidError),
    ],
)
def test_real_invalid_documents_are_refused_with_the_reason(name: str, error: type[AknError]) -> None:
    with pytest.raises(error) as caught:
        AknDocument.from_bytes(read(name))
    assert caught.value.message


def test_each_thread_gets_its_own_parser() -> None:
    import threading

    parser = safe_parser()
    assert parser is safe_parser()
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(safe_parser()))
    thread.start()
    thread.join()
    assert other and other[0] is not parser


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
           + ']><akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><p>&lol9;</p></akomaNtoso>')


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + _LAUGHS.encode(),
    ('<?xml version="1.0" encoding="UTF-32"?>' + _LAUGHS).encode("utf-32"),
    ('<?xml version="1.0" encoding="UTF-32"?>' + _LAUGHS).encode("utf-32-le"),
    _LAUGHS.encode("utf-16"),
], ids=["utf-8 with its byte-order mark", "utf-32", "utf-32-le without a mark", "utf-16"])
def test_a_byte_order_mark_or_a_wide_encoding_does_not_hide_a_doctype(data: bytes) -> None:
    """The DOCTYPE is refused by the prolog scan, before libxml2 could expand anything it declares."""
    with pytest.raises(UnsafeXmlError, match="DOCTYPE"):
        parse_xml(data)
