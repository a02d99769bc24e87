"""The provision markup: bluebell's inline syntax, lossless both ways, strict about {{ }}."""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from akn import AknDocument, InvalidMarkupError, from_markup, inline_from_markup, inline_to_markup, to_markup
from akn.inline import MAX_NESTING, escape_text, marker_closes, same_markup
from akn.vocabulary import AKN_NS, MIXED_CONTENT, is_element_only
from tests.akn.corpus import files, read

A = f"{{{AKN_NS}}}"


INLINE = {name for name in MIXED_CONTENT} - set(
    "block caption crossHeading foreign heading li listIntroduction listWrapUp num p subheading tocItem".split())


def _is_inline(element: etree._Element) -> bool:
    qname = etree.QName(element)
    return qname.namespace == AKN_NS and qname.localname in INLINE


def with_layout_read(element: etree._Element) -> etree._Element:
    """A copy of `element` with its whitespace holding a line break taken as readers take pretty-printed
    layout, line by line in document order: nothing at the start or end of a line (a paragraph, a num...) or
    just after a space, one space elsewhere. What `from_markup(to_markup(element))` gives back."""
    copy = deepcopy(element)

    def line(block: etree._Element) -> None:
        slots: list[tuple[etree._Element, str]] = []

        def collect(node: etree._Element, attribute: str) -> None:
            slots.append((node, attribute))

        def walk(node: etree._Element) -> None:
            collect(node, "text")
            for child in node:
                if isinstance(child.tag, str) and _is_inline(child):
                    walk(child)
                elif isinstance(child.tag, str):
                    # A footnote, a list or a marker inside a line has lines of its own; this one goes on.
                    line(child)
                collect(child, "tail")

        walk(block)
        spaced = True
        final = max((i for i, (node, _) in enumerate(slots) if node is block or node.getparent() is block),
                    default=-1)
        for index, (node, kind) in enumerate(slots):
            value = getattr(node, kind)
            owner = node if kind == "text" else node.getparent()
            qname = etree.QName(owner)
            if not value or (qname.namespace == AKN_NS and is_element_only(qname.localname) and value.isspace()):
                continue
            if "\n" in value:
                if spaced:
                    value = re.sub(r"^[ \t\r]*\n[ \t\r\n]*", "", value)
                if index == final:
                    value = re.sub(r"[ \t\r\n]*\n[ \t\r]*$", "", value)
                value = re.sub(r"[ \t\r\n]*\n[ \t\r\n]*", " ", value)
                setattr(node, kind, value)
            if value:
                spaced = value[-1] in " \t\r\n"

    if _is_inline(copy):
        line(copy)
    else:
        for child in ([copy] if etree.QName(copy).localname not in ("content", "intro", "wrapUp") else list(copy)):
            if isinstance(child.tag, str):
                line(child)
    return copy


def signature(element: etree._Element, top: bool = True, layout: bool = False) -> tuple[Any, ...]:
    """Canonical form of an element's content: ignorable whitespace in element-only elements dropped.

    With `layout`, the element's pretty-printed layout is first read as readers read it (`with_layout_read`).
    """
    if layout:
        return signature(with_layout_read(element), top)
    qname = etree.QName(element)
    element_only = qname.namespace == AKN_NS and is_element_only(qname.localname)

    def text(value: str | None) -> str:
        if value is None or (element_only and value.isspace()):
            return ""
        return value

    children: list[Any] = []
    for child in element:
        if isinstance(child.tag, str):
            children.append(signature(child, top=False))
        children.append(text(child.tail))
    attributes = () if top else tuple(sorted((str(k), str(v)) for k, v in element.attrib.items()))
    return (element.tag, attributes, text(element.text), tuple(children))


def broken_lines(element: etree._Element) -> list[str]:
    """The texts inside an element that hold a line break: none in what the reader makes of the writer's markup
    (attribute values aside)."""
    return [
        text for node in element.iter() for text in (node.text, None if node is element else node.tail)
        if text and "\n" in text
    ]


# ------------------------------------------------------------------------------------------------------
# Hand-picked cases
# ------------------------------------------------------------------------------------------------------

CASES = {
    "plain": ("Plain words.", "<p>Plain words.</p>"),
    "bold italics underline": ("**b** //i// __u__", "<p><b>b</b> <i>i</i> <u>u</u></p>"),
    "sup sub": ("m{{^2}} H{{_2}}O", "<p>m<sup>2</sup> H<sub>2</sub>O</p>"),
    "ref": ("see {{>#sec_2 section 2}}", '<p>see <ref href="#sec_2">section 2</ref></p>'),
    "term": ("{{term{refersTo #trm_levy} levy}}", '<p><term refersTo="#trm_levy">levy</term></p>'),
    "def": ("{{def{refersTo #trm_levy} levy}}", '<p><def refersTo="#trm_levy">levy</def></p>'),
    "abbr": ("{{abbr{title Kenya Revenue Authority} KRA}}", '<p><abbr title="Kenya Revenue Authority">KRA</abbr></p>'),
    "remark": ("{{*[Editorial note]}}", '<p><remark status="editorial">[Editorial note]</remark></p>'),
    "inline": ("{{inline{name highlight} x}}", '<p><inline name="highlight">x</inline></p>'),
    "em": ("{{em x}}", '<p><inline name="em">x</inline></p>'),
    "date": ("on {{date{date 2026-11-21} 21 November}}", '<p>on <date date="2026-11-21">21 November</date></p>'),
    "br": ("one{{br}}two", "<p>one<br/>two</p>"),
    "ins del": ("{{+ new}}{{- old}}", "<p><ins>new</ins><del>old</del></p>"),
    "footnote": (
        "Text{{authorialNote{marker 1|placement bottom} {{p First.}}{{p Second.}}}} more",
        '<p>Text<authorialNote marker="1" placement="bottom"><p>First.</p><p>Second.</p></authorialNote> more</p>',
    ),
    "paragraphs": ("First.\nSecond.\n\nFourth.", "<p>First.</p><p>Second.</p><p/><p>Fourth.</p>"),
    "p with attributes": ("{{p{class quote} Quoted.}}", '<p class="quote">Quoted.</p>'),
    "table": (
        "{{table{eId t_1} {{tr {{th {{p A}}}}{{td {{p B}}}}}}}}",
        '<table eId="t_1"><tr><th><p>A</p></th><td><p>B</p></td></tr></table>',
    ),
    "escapes": (r"a \\ b \*\* c \/\/ d \{\{ e \}\} f \_\_", r"<p>a \ b ** c // d {{ e }} f __</p>"),
    "attribute escapes": (r"{{ref{href a\|b\}c} x}}", '<p><ref href="a|b}c">x</ref></p>'),
    "nested": ("**bold {{>#x //it//}} tail**", '<p><b>bold <ref href="#x"><i>it</i></ref> tail</b></p>'),
    "b in b": ("**{{b x}}**", "<p><b><b>x</b></b></p>"),
    "empty ref": ("{{>#x}}", '<p><ref href="#x"/></p>'),
    "lone empty p": ("{{p}}", "<p/>"),
    "no blocks": ("", ""),
}


@pytest.mark.parametrize(("markup", "xml"), CASES.values(), ids=CASES.keys())
def test_markup_reads_as_expected_and_writes_back_the_same(markup: str, xml: str) -> None:
    expected = etree.fromstring(f'<content xmlns="{AKN_NS}">{xml}</content>')
    element = from_markup(markup)
    assert signature(element) == signature(expected)
    assert to_markup(expected) == markup


# Pretty-printed XML: whitespace holding a line break is layout. The writer drops it at the start and end of
# an element's content and writes one space for it elsewhere; everything else (spaces, tabs) stays as it is.
LAYOUT = {
    "paragraph": (
        "<p>\n\t\t\tThe Scottish Ministers\n\t\t\tmay  do\tit.\n\t\t</p>",
        "The Scottish Ministers may  do\tit.",
        "<p>The Scottish Ministers may  do\tit.</p>",
    ),
    "around inline elements": (
        '<p>\n  for the\n  <ref href="#s">\n    section 2\n  </ref>\n  purposes <b>x</b>\n</p>',
        "for the {{>#s section 2 }}purposes **x**",
        '<p>for the <ref href="#s">section 2 </ref>purposes <b>x</b></p>',
    ),
    "inside a line, a space at an inline element's edge, as readers show it": (
        "<p>(<ref href='#a'>\n  Article 8\n</ref>) <i>\n</i></p>",
        "({{>#a  Article 8 }}) {{i}}",
        "<p>(<ref href='#a'> Article 8 </ref>) <i/></p>",
    ),
    "words on either side of an element's layout stay apart": (
        "<p>se\u00f1or<person refersTo='#p'>\n Ignacio</person>\n dijo</p>",
        "se\u00f1or{{person{refersTo #p}  Ignacio}} dijo",
        "<p>se\u00f1or<person refersTo='#p'> Ignacio</person> dijo</p>",
    ),
    "spaces without a line break stay": (
        "<p>  two  spaces\t<b> b </b>  </p>",
        "  two  spaces\t** b **  ",
        "<p>  two  spaces\t<b> b </b>  </p>",
    ),
    "a paragraph of layout only is an empty paragraph": ("<p>\n    </p>", "{{p}}", "<p/>"),
    "empty paragraphs among others": ("<p>a</p><p>\n</p><p>b</p>", "a\n\nb", "<p>a</p><p/><p>b</p>"),
    "inside a footnote's paragraphs": (
        '<p>Text<authorialNote marker="1">\n  <p>\n    A note.\n  </p>\n</authorialNote>\n</p>',
        "Text{{authorialNote{marker 1} {{p A note.}}}}",
        '<p>Text<authorialNote marker="1"><p>A note.</p></authorialNote></p>',
    ),
    "line breaks in attribute values stay": (
        '<p><abbr title="a&#10;b">x</abbr></p>',
        "{{abbr{title a\\\nb} x}}",
        '<p><abbr title="a&#10;b">x</abbr></p>',
    ),
}


@pytest.mark.parametrize(("xml", "markup", "read"), LAYOUT.values(), ids=LAYOUT.keys())
def test_pretty_printed_whitespace_is_written_as_layout(xml: str, markup: str, read: str) -> None:
    container = etree.fromstring(f'<content xmlns="{AKN_NS}">{xml}</content>')
    assert to_markup(container) == markup
    back = from_markup(markup)
    assert signature(back) == signature(etree.fromstring(f'<content xmlns="{AKN_NS}">{read}</content>'))
    assert signature(back) == signature(container, layout=True)
    assert to_markup(back) == markup


def test_pretty_printed_num_and_heading_are_written_on_one_line() -> None:
    num = etree.fromstring(f'<num xmlns="{AKN_NS}">\n          <i>a)</i>\n        </num>')
    assert inline_to_markup(num) == "//a)//"
    heading = etree.fromstring(f'<heading xmlns="{AKN_NS}">\n Use of\n   resources\n</heading>')
    assert inline_to_markup(heading) == "Use of resources"


def test_a_backslash_before_a_line_break_still_reads_as_a_line_break() -> None:
    # Text stored before the writer collapsed layout holds `\` + line break: it reads as it always has.
    element = from_markup("one\\\ntwo")
    assert signature(element) == signature(etree.fromstring(f'<content xmlns="{AKN_NS}"><p>one\ntwo</p></content>'))
    # ...and the writer gives it back as layout.
    assert to_markup(element) == "one two"


def test_unclosed_symmetric_markers_are_plain_text_like_bluebell() -> None:
    element = from_markup("a ** b and http://example.com")
    assert element[0].text == "a ** b and http://example.com" and len(element[0]) == 0
    assert to_markup(element) == r"a \*\* b and http:\/\/example.com"


@pytest.mark.parametrize(
    ("markup", "line", "column", "words"),
    [
        ("see {{>#x section 2", 1, 5, "expected }}"),
        ("ok\nsee {{>#x section\n2}}", 2, 5, "before the line ends"),
        ("a }} b", 1, 3, "closes nothing"),
        ("{{sections x}}x", 1, 1, "Akoma Ntoso element"),
        ("{{FOOTNOTE 1}}", 1, 1, "Akoma Ntoso element"),
        ("{{term{refersTo #t x}}", 1, 22, "expected a space"),
        ("{{term{refersTo #t x", 1, 7, "expected } to close"),
        ("{{b,x}}", 1, 4, "expected a space"),
        ("{{zz:x y}}", None, None, "namespace prefix"),
        ("bad \x01 char", 1, 5, "U+0001"),
    ],
)
def test_unreadable_markup_says_where(markup: str, line: int | None, column: int | None, words: str) -> None:
    with pytest.raises(InvalidMarkupError) as caught:
        from_markup(markup)
    error = caught.value
    assert error.code == "invalid_markup"
    assert words in error.message
    if line is not None:
        assert (error.line, error.column) == (line, column)


@pytest.mark.parametrize(
    "markup",
    ["**a//" * 3000, "{{b " * 3000 + "x" + "}}" * 3000, "__a**" * 1000 + "{{i " * 60],
)
def test_markup_nested_past_the_limit_is_refused_not_a_crash(markup: str) -> None:
    # Each level of nesting costs the reader stack frames: a few thousand alternating markers once raised
    # RecursionError, which the server answered as an internal error.
    with pytest.raises(InvalidMarkupError) as caught:
        from_markup(markup)
    assert f"nested at most {MAX_NESTING} deep" in caught.value.message
    assert not marker_closes(markup)(0)


def test_markup_nested_up_to_the_limit_reads() -> None:
    markup = "{{b " * (MAX_NESTING - 1) + "**deep**" + "}}" * (MAX_NESTING - 1)
    element = from_markup(markup)
    assert len(element.findall(".//" + A + "b")) == MAX_NESTING
    assert etree.tostring(from_markup(to_markup(element))) == etree.tostring(element)


def test_inline_markup_must_be_one_line() -> None:
    assert inline_from_markup("Short **title**", "heading").find(A + "b") is not None
    with pytest.raises(InvalidMarkupError):
        inline_from_markup("two\nlines", "heading")
    heading = inline_from_markup("two\\\nlines", "heading")
    assert heading.text == "two\nlines"
    assert inline_to_markup(heading) == "two lines"


def test_namespaced_attributes_use_the_document_prefixes() -> None:
    nsmap = {None: AKN_NS, "leos": "urn:eu:europa:ec:leos"}
    element = from_markup("{{p{xml:id p1|leos:editable true} x}}", nsmap=nsmap)
    p = element[0]
    assert p.get("{http://www.w3.org/XML/1998/namespace}id") == "p1"
    assert p.get("{urn:eu:europa:ec:leos}editable") == "true"
    assert to_markup(element) == "{{p{xml:id p1|leos:editable true} x}}"


def test_prefixed_akn_documents_keep_their_prefix() -> None:
    element = from_markup("**x**", nsmap={"an": AKN_NS})
    assert element.prefix == "an" and element[0][0].tag == A + "b"


# ------------------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------------------

XML_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs"],
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
        "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff\r",
    ),
    max_size=12,
)
# Text biased towards the characters the markup gives a meaning to.
TRICKY_TEXT = st.one_of(XML_TEXT, st.text(alphabet="*/_{}\\\n |>^a", max_size=8))
ATTRIBUTE_VALUE = st.one_of(XML_TEXT, st.text(alphabet="|}{\\ \na#", max_size=6))

INLINE_TAGS = {
    "b": [],
    "i": [],
    "u": [],
    "sup": [],
    "sub": [],
    "ins": [],
    "del": [],
    "span": [],
    "ref": ["href"],
    "term": ["refersTo"],
    "def": ["refersTo"],
    "abbr": ["title"],
    "remark": ["status"],
    "inline": ["name"],
    "date": ["date"],
}


@st.composite
def inline_tree(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    tag = draw(st.sampled_from(sorted(INLINE_TAGS)))
    element = etree.Element(A + tag)
    for attribute in INLINE_TAGS[tag]:
        if draw(st.booleans()) or tag in ("ref", "term"):
            element.set(attribute, draw(ATTRIBUTE_VALUE))
    if tag == "remark" and draw(st.booleans()):
        element.attrib.clear()
        element.set("status", "editorial")
    if tag == "inline" and draw(st.booleans()):
        element.attrib.clear()
        element.set("name", "em")
    fill(draw, element, depth)
    return element


def fill(draw: st.DrawFn, element: etree._Element, depth: int) -> None:
    element.text = draw(TRICKY_TEXT) or None
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["inline", "inline", "br", "note"]))
            if kind == "br":
                child = etree.Element(A + "br")
            elif kind == "note":
                child = etree.Element(A + "authorialNote", marker=draw(ATTRIBUTE_VALUE))
                for _ in range(draw(st.integers(1, 2))):
                    p = etree.SubElement(child, A + "p")
                    fill(draw, p, depth + 2)
            else:
                child = draw(inline_tree(depth + 1))
            element.append(child)
            child.tail = draw(TRICKY_TEXT) or None


@st.composite
def block_container(draw: st.DrawFn) -> etree._Element:
    content = etree.Element(A + "content", nsmap={None: AKN_NS})  # type: ignore[dict-item]
    for _ in range(draw(st.integers(0, 3))):
        p = etree.SubElement(content, A + "p")
        if draw(st.integers(0, 4)) == 0:
            p.set("class", draw(ATTRIBUTE_VALUE))
        fill(draw, p, 0)
    return content


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block_container())
def test_any_tree_survives_markup_and_back(content: etree._Element) -> None:
    # Texts with line breaks come back with them collapsed (`signature(..., layout=True)`); all else exactly.
    markup = to_markup(content)
    back = from_markup(markup)
    assert signature(back) == signature(content, layout=True)
    assert not broken_lines(back)
    assert to_markup(back) == markup


WORD = st.text(alphabet="abcdefghij XYZ,.;:()éß", min_size=1, max_size=6)


@st.composite
def canonical_markup(draw: st.DrawFn) -> str:
    """Markup written the way the writer writes it, built without the writer (never `\\` + line break, which
    is read but not written: a line break in text is written as a space)."""
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        pieces = []
        for _ in range(draw(st.integers(0, 5))):
            word = draw(WORD)
            pieces.append(
                draw(
                    st.sampled_from(
                        [
                            word,
                            f"**{word}**",
                            f"//{word}//",
                            f"__{word}__",
                            "{{^" + word + "}}",
                            "{{_" + word + "}}",
                            "{{>#sec_1 " + word + "}}",
                            "{{term{refersTo #t} " + word + "}}",
                            "{{*" + word + "}}",
                            "{{br}}",
                            "\\\\",
                            "{{abbr{title " + word + "} " + word + "}}",
                        ]
                    )
                )
            )
        lines.append("".join(pieces))
    markup = "\n".join(lines)
    return markup


@settings(max_examples=400, deadline=None)
@given(canonical_markup())
def test_canonical_markup_reads_and_writes_back_identically(markup: str) -> None:
    assert to_markup(from_markup(markup)) == markup


@settings(max_examples=300, deadline=None)
@given(XML_TEXT)
def test_any_plain_text_round_trips_once_escaped(text: str) -> None:
    element = inline_from_markup(escape_text(text), "p")
    assert (element.text or "") == text and len(element) == 0
    # A text with line breaks is written with them collapsed, and that reads back as itself.
    written = inline_to_markup(element)
    assert signature(inline_from_markup(written, "p")) == signature(element, layout=True)
    if "\n" not in text:
        assert written == escape_text(text)


# ------------------------------------------------------------------------------------------------------
# The corpus
# ------------------------------------------------------------------------------------------------------

BLOCK_CONTAINERS = ("content", "intro", "wrapUp")


@pytest.mark.parametrize("name", files(valid=True))
def test_every_provision_of_the_corpus_survives_markup_and_back(name: str) -> None:
    document = AknDocument.from_bytes(read(name))
    checked = 0
    for container in document.root.iter(*(A + tag for tag in BLOCK_CONTAINERS)):
        markup = to_markup(container)
        back = from_markup(markup, etree.QName(container).localname, container.nsmap)
        assert signature(back) == signature(container, layout=True), markup
        assert not broken_lines(back), markup
        assert to_markup(back) == markup
        parent = container.getparent()
        assert parent is not None
        for heading in parent.iterchildren(A + "num", A + "heading"):
            line = inline_to_markup(heading)
            back = inline_from_markup(line, etree.QName(heading).localname, heading.nsmap)
            assert signature(back) == signature(heading, layout=True)
            assert "\n" not in line
        checked += 1
    if name.startswith(("legaldocml__uk", "leos__bill", "legaldocml__it")):
        assert checked > 0


def _linked(element: etree._Element) -> list[tuple[str, str]]:
    return [
        (etree.QName(e).localname, e.get("href") or e.get("refersTo") or "")
        for e in element.iter(A + "ref", A + "term", A + "def")
    ]


@pytest.mark.parametrize("name", files(valid=True, doc_types={"act", "bill", "documentCollection"}))
def test_editing_one_word_keeps_every_ref_and_term(name: str) -> None:
    document = AknDocument.from_bytes(read(name))
    edited = 0
    for container in document.root.iter(A + "content", A + "intro"):
        links = _linked(container)
        if not links:
            continue
        markup = to_markup(container)
        for p in container.iter(A + "p"):
            words = [w for w in re.findall(r"[A-Za-z]{5,}", p.text or "") if markup.count(w) == 1]
            if words:
                break
        else:
            continue
        changed = markup.replace(words[0], words[0] + "s", 1)
        back = from_markup(changed, etree.QName(container).localname, container.nsmap)
        assert _linked(back) == links
        edited += 1
    if name in ("legaldocml__eu_COM2013-0619_EN-8.xml", "legaldocml__uk_pga_1998_29.xml"):
        assert edited > 0


# ------------------------------------------------------------------------------------------------------
# Foreign content: names and namespaces
# ------------------------------------------------------------------------------------------------------

MATHML = "http://www.w3.org/1998/Math/MathML"


def test_foreign_content_in_a_default_namespace_round_trips(bill: AknDocument) -> None:
    # MathML as it is usually embedded: its namespace the default one of <math>, no prefix to name it by.
    xml = (
        f'<content xmlns="{AKN_NS}"><foreign><math xmlns="{MATHML}" display="block"><mi>x</mi><mo>+</mo>'
        '<semantics><annotation-xml encoding="MathML-Content"><ci>x</ci></annotation-xml></semantics>'
        "</math></foreign></content>"
    )
    content = etree.fromstring(xml)
    markup = to_markup(content)
    m = "{xmlns " + MATHML
    assert markup == (
        "{{foreign {{math" + m + "|display block} {{mi" + m + "} x}}{{mo" + m + "} +}}{{semantics" + m
        + "} {{annotation-xml" + m + "|encoding MathML-Content} {{ci" + m + "} x}}}}}}}}}}"
    )
    # Written out, the MathML has no prefix: it reads back as the same elements, in the same namespace; the
    # schema accepts it (<foreign> takes any other namespace).
    again = _round_trip(bill, content, markup)
    assert again.provision_element("sec_1").find(f"{A}content/{A}foreign/{{{MATHML}}}math") is not None


def _round_trip(bill: AknDocument, content: etree._Element, markup: str) -> AknDocument:
    """Checks ``markup`` reads back as ``content`` and survives a document: set, stored, read again, valid."""
    back = from_markup(markup)
    assert signature(back) == signature(content) and to_markup(back) == markup
    assert etree.tostring(back, method="c14n") == etree.tostring(content, method="c14n")
    bill.set_provision_text("sec_1", markup)
    assert bill.validate() == []
    again = AknDocument.from_bytes(bill.to_bytes())
    assert again.validate() == [] and again.provision_text("sec_1") == markup
    return again


def test_foreign_content_with_a_prefix_of_its_own_round_trips(bill: AknDocument) -> None:
    # MathML whose prefix is declared on <m:math> itself: the document around it does not know `m`, so the
    # markup declares it where the XML does, and reads back with the same prefix and declaration.
    xml = (
        f'<content xmlns="{AKN_NS}"><foreign><m:math xmlns:m="{MATHML}" display="block"><m:mi>x</m:mi>'
        "<m:mo>+</m:mo></m:math></foreign></content>"
    )
    content = etree.fromstring(xml)
    markup = to_markup(content)
    assert markup == "{{foreign {{m:math{xmlns:m " + MATHML + "|display block} {{m:mi x}}{{m:mo +}}}}}}"
    again = _round_trip(bill, content, markup)
    math = again.provision_element("sec_1").find(f"{A}content/{A}foreign/{{{MATHML}}}math")
    assert math is not None and math.prefix == "m" and math[0].tag == f"{{{MATHML}}}mi"


def test_prefixes_are_declared_where_the_document_declares_them_or_first_used() -> None:
    svg, xlink = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
    # A foreign element keeps the declarations it makes (once for its attributes' prefix, as in SVG); one made
    # on an AKN element (<foreign>) is written on each element using it; one the document around it makes
    # (`leos`, given to the reader) never is.
    xml = (
        f'<content xmlns="{AKN_NS}" xmlns:leos="urn:leos"><foreign xmlns:m="{MATHML}">'
        f'<svg xmlns="{svg}" xmlns:xlink="{xlink}"><use xlink:href="#a"/><use xlink:href="#b" leos:x="1"/></svg>'
        "<m:math><m:mi>x</m:mi></m:math><m:math/></foreign></content>"
    )
    content = etree.fromstring(xml)
    markup = to_markup(content)
    s, m = "{xmlns " + svg, "{xmlns:m " + MATHML + "}"
    assert markup == (
        "{{foreign {{svg" + s + "|xmlns:xlink " + xlink + "} {{use" + s + "|xlink:href #a}}}{{use" + s
        + "|xlink:href #b|leos:x 1}}}}}{{m:math" + m + " {{m:mi x}}}}{{m:math" + m + "}}}}"
    )
    back = from_markup(markup, nsmap={"leos": "urn:leos"})
    assert signature(back) == signature(content) and to_markup(back) == markup
    # Written inside a provision, a prefix only its <content> declares is not one the reader is given.
    provision = etree.Element(A + "section")
    provision.append(content)
    assert to_markup(content) == markup.replace("|xlink:href #b", "|xmlns:leos urn:leos|xlink:href #b")


def test_namespace_prefixes_and_names_may_be_any_xml_names() -> None:
    nsmap = {None: AKN_NS, "my_ns": "urn:a", "x-y": "urn:b", "_u": "urn:c", "p.q2": "urn:d"}
    markup = "{{foreign {{my_ns:a-b {{x-y:c_d.é x}}}}{{\\_u:_f{my_ns:g-h 1|p.q2:i 2} y}}}}"
    element = from_markup(markup, nsmap=nsmap)
    foreign = element[0]
    assert [node.tag for node in foreign.iter()][1:] == ["{urn:a}a-b", "{urn:b}c_d.é", "{urn:c}_f"]
    assert dict(foreign[1].attrib) == {"{urn:a}g-h": "1", "{urn:d}i": "2"}
    assert [node.prefix for node in foreign.iter()][1:] == ["my_ns", "x-y", "_u"]
    assert to_markup(element) == markup
    # `{{_` stays the subscript shorthand, whatever follows it.
    assert from_markup("H{{_2}}O {{_a:b}}")[0][1].tag == A + "sub"


@pytest.mark.parametrize(
    ("markup", "nsmap", "words"),
    [
        # Unknown AKN names stay refused, with or without the AKN namespace spelled out.
        ("{{sections x}}", None, "Akoma Ntoso element"),
        (f"{{{{foo{{xmlns {AKN_NS}}} x}}}}", None, "Akoma Ntoso element"),
        ("{{\\_x y}}", None, "Akoma Ntoso element"),
        ("{{my_ns:x y}}", None, "namespace prefix"),
        # xmlns names the namespace of a bare name, nothing else; it is never an attribute.
        ("{{m:x{xmlns urn:a} y}}", {"m": "urn:a"}, "bare element name"),
        ("{{+{xmlns urn:a} y}}", None, "bare element name"),
        ("{{x{xmlns} y}}", None, "bare element name"),
        # xmlns:q declares q for the element and what it holds, as in XML; it is never an attribute either.
        ("{{q:x{xmlns:q urn:a} y}}{{q:z}}", None, "namespace prefix"),
        ("{{p{xmlns:q} y}}", None, "prefix may be declared"),
        ("{{p{xmlns:xml urn:a} y}}", None, "prefix may be declared"),
        ("{{p{xmlns:xmlns urn:a} y}}", None, "prefix may be declared"),
        ("{{p{xmlns:q http://www.w3.org/XML/1998/namespace} y}}", None, "prefix may be declared"),
        ("{{p{xmlns:q http://www.w3.org/2000/xmlns/} y}}", None, "prefix may be declared"),
        ("{{p{xmlns:q a b} y}}", None, "XML can hold"),
        ("{{x{xmlns a b} y}}", None, "XML can hold"),
        # Namespaces XML reserves, and XInclude, which would make the document unreadable once stored.
        ("{{x{xmlns http://www.w3.org/XML/1998/namespace} y}}", None, "namespace a document may hold"),
        ("{{x{xmlns http://www.w3.org/2000/xmlns/} y}}", None, "namespace a document may hold"),
        ("{{include{xmlns http://www.w3.org/2001/XInclude|href /etc/passwd}}}", None, "namespace a document"),
        ("{{xi:include{href /etc/passwd}}}", {"xi": "http://www.w3.org/2001/XInclude"}, "namespace a document"),
        ("{{xi:include{xmlns:xi http://www.w3.org/2001/XInclude|href /etc/passwd}}}", None, "namespace a document"),
    ],
)
def test_foreign_names_stay_refused_where_unknown_or_unsafe(
    markup: str, nsmap: dict[str | None, str] | None, words: str
) -> None:
    with pytest.raises(InvalidMarkupError) as caught:
        from_markup("{{foreign " + markup + "}}", nsmap=nsmap)
    assert words in caught.value.message


def test_xml_syntax_in_markup_is_only_ever_text() -> None:
    # The markup is not XML: a DOCTYPE, entities or tags in it are characters of the text, never parsed.
    text = '<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><x xmlns="urn:a">&e;</x>'
    element = from_markup(text)
    assert element[0].text == text and len(element[0]) == 0


def test_markup_the_earlier_writer_wrote_for_layout_is_the_same_text_as_written_now() -> None:
    earlier = "for the purposes\\\n        of **this** Act\\\n    "
    assert same_markup(earlier, "for the purposes of **this** Act")
    assert not same_markup(earlier, "for the aims of **this** Act")
    assert not same_markup(earlier, "for the purposes of this Act"), "an element is part of the text"
    assert not same_markup("{{ref unclosed", "{{ref unclosed}}")
