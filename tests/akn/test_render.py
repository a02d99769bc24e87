"""Rendering AKN to HTML and plain text, on hand-made documents and on the whole corpus."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from akn.errors import XmlSyntaxError
from akn.parsing import parse_xml
from akn.plaintext import parse_bill_text
from akn.render import is_safe_href, render, render_element, render_provision, to_text, toc

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []
NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
BLOCK_TAGS = {"div", "p", "section", "table", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "aside", "article"}

BILL_TEXT = """\
PART 1 - Preliminary

  SEC 1. - Short title
    This Act may be cited as the Data Protection Act, 2026.

  SEC 2. - Interpretation
    SUBSEC (1)
      In this Act, {{def{refersTo #term-data_subject} data subject}} means a natural person; see
      {{>/akn/ke/act/2010/1 the Constitution}} and {{>javascript:alert(1) this link}}.

    SUBSEC (2)
      A {{term{refersTo #term-data_subject} data subject}} may object <script>alert(1)</script>:

      PARA (a)
        in writing{{FOOTNOTE 1}}; or

      PARA (b)
        **orally**.

      FOOTNOTE 1
        Within 30 days.

PART 2 - Tables

  SEC 3. - Fees
    TABLE
      TR
        TH
          Item
        TH
          Fee
      TR
        TC
          Copy of record
        TC
          100
"""


@pytest.fixture
def bill() -> etree._Element:
    data = parse_bill_text(BILL_TEXT, country="ke", number="12", date="2026-11-21", title="Data Bill")
    return parse_xml(data).getroot()


def html(fragment: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


def test_provisions_are_anchored_by_eid_with_headings_by_depth(bill: etree._Element) -> None:
    page = html(render(bill))
    part = page.get_element_by_id("part_1")
    assert part.tag == "section"
    assert part.find("h2").text_content() == "1 Preliminary"
    section = page.get_element_by_id("part_1__sec_2")
    heading = section.find("h3")
    assert heading.find("span").get("class") == "akn-num"
    assert heading.text_content() == "2. Interpretation"
    subsection = page.get_element_by_id("part_1__sec_2__subsec_2")
    assert subsection.find("span").text_content() == "(2)"


def test_wid_is_kept_as_data_attribute() -> None:
    root = etree.fromstring(
        f'<akomaNtoso xmlns="{NS}"><act name="act"><body><section eId="sec_4" wId="sec_3"><num>4.</num>'
        "<content><p>Text.</p></content></section></body></act></akomaNtoso>"
    )
    section = html(render(root)).get_element_by_id("sec_4")
    assert section.get("data-wid") == "sec_3"


def test_safe_references_become_links_and_unsafe_ones_do_not(bill: etree._Element) -> None:
    page = html(render(bill))
    links = {a.text_content(): a.get("href") for a in page.iter("a")}
    assert links["the Constitution"] == "/akn/ke/act/2010/1"
    assert "this link" not in links
    assert page.xpath("//span[@class='akn-ref' and .='this link']")


@pytest.mark.parametrize(
    ("href", "safe"),
    [
        ("https://example.org/x", True),
        ("mailto:clerk@example.org", True),
        ("/akn/ke/act/2010/1", True),
        ("#sec_1", True),
        ("javascript:alert(1)", False),
        ("JaVa\tScRiPt:alert(1)", False),
        ("data:text/html,<b>x</b>", False),
        ("//evil.example/x", False),
        ("../etc/passwd", False),
        ("", False),
    ],
)
def test_only_safe_hrefs_are_followed(href: str, safe: bool) -> None:
    assert is_safe_href(href) is safe


def test_text_is_escaped(bill: etree._Element) -> None:
    out = render(bill)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_terms_link_to_their_definition(bill: etree._Element) -> None:
    page = html(render(bill))
    definition = page.xpath("//dfn[.='data subject']")[0]
    usage = page.xpath("//a[contains(@class, 'akn-term')]")[0]
    assert usage.get("href") == f"#{definition.get('id')}"


def test_authorial_notes_become_footnotes_with_backlinks(bill: etree._Element) -> None:
    page = html(render(bill))
    ref = page.xpath("//a[@role='doc-noteref']")[0]
    note = page.get_element_by_id(ref.get("href")[1:])
    assert note.tag == "li"
    assert "Within 30 days." in note.text_content()
    assert note.xpath(".//a[@role='doc-backlink']")[0].get("href") == f"#{ref.get('id')}"
    # The note's text is not repeated in the sentence it annotates.
    paragraph = page.get_element_by_id("part_1__sec_2__subsec_2__para_a")
    assert "Within 30 days" not in paragraph.text_content()


NOTES_IN_META = f"""<akomaNtoso xmlns="{NS}"><act name="act"><meta><notes source="#s">
<note eId="c1"><p>Inserted by the 2019 Act.</p></note><note eId="c2"><p>Never referred to.</p></note>
</notes></meta><body><section eId="sec_1"><num>1.</num><content>
<p>First<noteRef href="#c1" marker="F1"/>, again<noteRef href="#c1" marker="F1"/>,
lost<noteRef href="#c9" marker="F9"/>, see <ref href="#sec_1">section 1</ref> and
<ref href="#sec_9">section 9</ref>.</p></content></section></body></act>
</akomaNtoso>"""


def test_note_references_link_to_the_notes_they_name_and_no_link_leads_nowhere() -> None:
    page = html(render(etree.fromstring(NOTES_IN_META)))
    markers = page.xpath("//a[@role='doc-noteref']")
    assert [(m.text, m.get("href")) for m in markers] == [("F1", "#fn-c1"), ("F1", "#fn-c1")]
    assert len({m.get("id") for m in markers}) == 2, "each marker has its own id"
    (note,) = page.xpath("//aside[@role='doc-endnotes']//li")
    assert note.get("id") == "fn-c1" and "Inserted by the 2019 Act." in note.text_content()
    assert note.xpath(".//a[@role='doc-backlink']")[0].get("href") == f"#{markers[0].get('id')}"
    # A note the document lacks keeps its marker, and a link to a place it lacks its words, without a link.
    assert "F9" in page.text_content() and "section 9" in page.text_content()
    ids = set(page.xpath("//@id"))
    assert [a.get("href") for a in page.iter("a") if a.get("href", "").startswith("#")
            and a.get("href")[1:] not in ids] == []
    assert page.xpath("//a[@href='#sec_1']")


def test_tables_stay_tables(bill: etree._Element) -> None:
    table = html(render(bill)).xpath("//table")[0]
    rows = [[cell.text_content().strip() for cell in row] for row in table.iter("tr")]
    assert rows == [["Item", "Fee"], ["Copy of record", "100"]]
    assert table.xpath(".//th") and table.xpath(".//td")


def test_inline_formatting_is_kept(bill: etree._Element) -> None:
    assert html(render(bill)).xpath("//b[.='orally']")


def test_render_provision_matches_the_full_document(bill: etree._Element) -> None:
    section = bill.xpath("//a:section[@eId='part_1__sec_2']", namespaces={"a": NS})[0]
    alone = html(render_provision(section)).get_element_by_id("part_1__sec_2")
    whole = html(render(bill)).get_element_by_id("part_1__sec_2")
    assert alone.find("h3").text_content() == whole.find("h3").text_content()
    assert alone.xpath("//aside[@role='doc-endnotes']")


def test_toc_lists_the_provision_tree(bill: etree._Element) -> None:
    tree = toc(bill)
    assert [(entry["eid"], entry["num"], entry["heading"]) for entry in tree] == [
        ("part_1", "1", "Preliminary"), ("part_2", "2", "Tables")]
    interpretation = tree[0]["children"][1]
    assert interpretation["heading"] == "Interpretation"
    assert [child["eid"] for child in interpretation["children"]] == [
        "part_1__sec_2__subsec_1", "part_1__sec_2__subsec_2"]
    assert [p["num"] for p in interpretation["children"][1]["children"]] == ["(a)", "(b)"]


def test_plain_text_reads_like_the_printed_bill(bill: etree._Element) -> None:
    text = to_text(bill)
    assert "1 Preliminary\n" in text
    assert "\n1. Short title\nThis Act may be cited as the Data Protection Act, 2026.\n" in text
    assert "(a) in writing; or" in text
    assert "Item | Fee" in text
    assert "[1] Within 30 days." in text
    # Plain text is not markup: what the drafter typed comes back verbatim.
    assert "may object <script>alert(1)</script>:" in text


def _no_blocks_inside_paragraphs(page: lxml.html.HtmlElement) -> list[str]:
    return [f"{p.get('id')}>{child.tag}" for p in page.iter("p", "span", "h2", "h3", "h4", "h5", "h6", "a")
            for child in p.iterdescendants() if isinstance(child.tag, str) and child.tag in BLOCK_TAGS]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.name for path in CORPUS_FILES])
def test_every_corpus_document_renders(path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    try:
        root = parse_xml(path.read_bytes()).getroot()
    except XmlSyntaxError as exc:
        pytest.skip(f"{path.name} is not well-formed XML: {exc.message}")
    element = render_element(root)
    out = etree.tostring(element, method="html", encoding="unicode")
    page = html(out)
    # Provisions with an eId are all reachable by id.
    ids = {node.get("id") for node in page.iter() if node.get("id")}
    for entry in toc(root):
        if entry["eid"]:
            assert entry["eid"] in ids
    assert not _no_blocks_inside_paragraphs(page)
    assert not page.xpath("//*[starts-with(normalize-space(@href), 'javascript')]")
    assert to_text(root).strip()


def test_corpus_is_present_or_skipped() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    assert len(CORPUS_FILES) >= 30
