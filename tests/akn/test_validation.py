"""Validation: every schema error with its path and line; naming convention departures as warnings."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from akn import AknDocument, Problem, SchemaInvalidError, parse_akn
from akn.validation import (
    akn_schema,
    convention_problems,
    element_path,
    is_iso639_2,
    iso639_2,
    schema_problems,
)
from akn.vocabulary import AKN_NS
from tests.akn.corpus import corpus_rows, read

A = f"{{{AKN_NS}}}"


def test_every_schema_problem_is_returned_with_path_and_line(bill: AknDocument) -> None:
    data = bill.to_bytes()
    broken = data.replace(b'<section eId="sec_3" wId="sec_3">', b'<section wId="sec_3" bogus="1">', 1)
    broken = broken.replace(b'<bill name="bill">', b"<bill>", 1)
    with pytest.raises(SchemaInvalidError) as caught:
        AknDocument.from_bytes(broken)
    problems = caught.value.problems
    assert len(problems) >= 2
    assert all(p.code == "schema" and p.severity == "error" and p.line == 2 for p in problems)
    assert problems[0].path == "/akomaNtoso/bill"
    assert "'name' is required" in problems[0].message
    assert any(p.path == "/akomaNtoso/bill/body/section[3]" and "bogus" in p.message for p in problems)
    assert caught.value.message.startswith("not valid Akoma Ntoso 3.0: line 2: ")


def test_first_schema_error_of_a_real_document_names_its_line() -> None:
    with pytest.raises(SchemaInvalidError) as caught:
        AknDocument.from_bytes(read("indigo__basic_in.xml"))
    first = caught.value.problems[0]
    assert first.line == 9 and "'2023' is not a valid value" in first.message
    assert first.path == "/akomaNtoso/act/meta/identification/FRBRWork/FRBRdate"


def test_duplicate_eids_are_schema_errors(bill: AknDocument) -> None:
    data = bill.to_bytes().replace(b'eId="sec_3"', b'eId="sec_2"', 1)
    problems = schema_problems(parse_akn(data))
    assert any("sec_2" in p.message for p in problems)


def test_conforming_document_has_no_warnings(bill: AknDocument) -> None:
    assert convention_problems(bill.tree) == []


def test_eid_departures_are_warnings_with_paths(bill: AknDocument) -> None:
    data = bill.to_bytes().replace(b'eId="sec_3" wId="sec_3"', b'eId="s3" wId="sec_3"', 1)
    document = AknDocument.from_bytes(data)
    assert document.warnings == [
        Problem(
            "eid_convention",
            "<section> eId 's3' does not follow the naming convention, which gives 'sec_3'",
            "/akomaNtoso/bill/body/section[3]",
            2,
            "warning",
        )
    ]


def test_num_punctuation_is_stripped_for_eids(nested: AknDocument) -> None:
    data = nested.to_bytes().replace(b"<num>(b)</num>", b"<num>(c)</num>", 1)
    warnings = AknDocument.from_bytes(data).warnings
    assert [w.message for w in warnings] == [
        "<paragraph> eId 'part_1__sec_1__subsec_1__para_b' does not follow the naming convention, "
        "which gives 'part_1__sec_1__subsec_1__para_c'"
    ]


def test_frbr_metadata_must_agree_with_uris(bill: AknDocument) -> None:
    data = (
        bill.to_bytes()
        .replace(b'<FRBRcountry value="ke">', b'<FRBRcountry value="ug">')
        .replace(b'<FRBRlanguage language="eng">', b'<FRBRlanguage language="en">')
        .replace(b'<FRBRdate date="2026-11-21" name="Generation"></FRBRdate><FRBRauthor href="#parliament">'
                 b"</FRBRauthor><FRBRlanguage",
                 b'<FRBRdate date="2026-11-22" name="Generation"></FRBRdate><FRBRauthor href="#parliament">'
                 b"</FRBRauthor><FRBRlanguage")
    )
    codes = [(w.code, w.path) for w in AknDocument.from_bytes(data).warnings]
    assert ("frbr_language", "/akomaNtoso/bill/meta/identification") in codes
    messages = " | ".join(w.message for w in AknDocument.from_bytes(data).warnings)
    assert "gives country 'ke' but the metadata says 'ug'" in messages
    assert "gives language 'eng', FRBRlanguage 'en'" in messages
    assert "gives version '2026-11-21', the expression FRBRdate '2026-11-22'" in messages


def test_an_expression_uri_without_a_date_is_said_so(bill: AknDocument) -> None:
    uri = bill.frbr.expression_uri
    data = bill.to_bytes().replace(f'<FRBRthis value="{uri}/!main"'.encode(),
                                   f'<FRBRthis value="{uri.split("@")[0]}/!main"'.encode())
    data = data.replace(f'<FRBRuri value="{uri}"'.encode(), f'<FRBRuri value="{uri.split("@")[0]}"'.encode())
    messages = [w.message for w in AknDocument.from_bytes(data).warnings if w.code == "frbr_mismatch"]
    assert any("gives no version (no @ and date after the language)" in m for m in messages), messages
    assert not any("gives version ''" in m for m in messages), messages


def test_documents_from_elsewhere_are_accepted_with_warnings() -> None:
    document = AknDocument.from_bytes(read("legaldocml__uk_asp-2017-1-enacted.xml"))
    assert document.validate() == []
    assert any(w.code == "eid_convention" and w.message.startswith("<part> eId 'part-1'") for w in document.warnings)
    assert all(w.severity == "warning" for w in document.warnings)
    # Kept as they are: importing never rewrites eIds.
    assert b'eId="part-1"' in document.to_bytes()


def test_warnings_are_capped_with_a_count() -> None:
    document = AknDocument.from_bytes(read("legaldocml__uk_pga_1998_29.xml"))
    assert len(document.warnings) <= 1002
    assert document.warnings[-1].code == "too_many_warnings"
    assert document.warnings[-1].message.endswith("more warnings not listed")


@pytest.mark.parametrize(("code", "valid"), [("eng", True), ("fre", True), ("fra", True), ("swa", True),
                                              ("en", False), ("esp", False), ("xyz", False)])
def test_languages_are_iso_639_2(code: str, valid: bool) -> None:
    assert is_iso639_2(code) is valid


@pytest.mark.parametrize(("code", "language"), [("eng", "eng"), ("es", "spa"), ("esp", "spa"), ("ESP", "spa"),
                                                 ("es-UY", "spa"), ("pt_BR", "por"), ("gr", "ell"), ("xyz", None),
                                                 ("", None)])
def test_language_codes_parliaments_write_are_read_as_iso_639_2(code: str, language: str | None) -> None:
    # "esp" (español) is not ISO 639's code for Spanish, but Uruguay's parliament, among others, writes it.
    assert iso639_2(code) == language


def test_element_path_counts_only_same_named_siblings(nested: AknDocument) -> None:
    element = nested.provision_element("part_1__sec_2__subsec_1__para_b")
    assert element_path(element) == "/akomaNtoso/bill/body/part/section[2]/subsection[1]/paragraph[2]"


# ------------------------------------------------------------------------------------------------------
# The strict schema's identity constraints, checked by akn.uniqueness
# ------------------------------------------------------------------------------------------------------


def _strict_accepts(root: etree._Element) -> bool:
    return bool(akn_schema().validate(root))


@pytest.mark.parametrize("name", [row["file"] for row in corpus_rows()])
def test_corpus_documents_are_refused_exactly_when_the_strict_schema_refuses_them(name: str) -> None:
    try:
        root = etree.fromstring(read(name))
    except etree.XMLSyntaxError:
        pytest.skip(f"{name} is not well-formed")
    assert (schema_problems(root) == []) == _strict_accepts(root)


def _with_schedule(bill: AknDocument, schedule_eid: str, *, at_root: bool = False, guid: str = "") -> etree._Element:
    root = etree.fromstring(bill.to_bytes())
    identification = copy.deepcopy(root[0].find(f"{A}meta/{A}identification"))
    holder = etree.SubElement(root if at_root else root[0], A + ("components" if at_root else "attachments"))
    container = etree.SubElement(holder, A + ("component" if at_root else "attachment"), eId="cmp_1")
    doc = etree.SubElement(container, A + "doc", name="schedule")
    etree.SubElement(doc, A + "meta").append(identification)
    paragraph = etree.SubElement(etree.SubElement(doc, A + "mainBody"), A + "paragraph", eId=schedule_eid)
    if guid:
        paragraph.set("GUID", guid)
        root[0].find(f"{A}body/{A}section").set("GUID", guid)  # type: ignore[union-attr]
    etree.SubElement(etree.SubElement(paragraph, A + "content"), A + "p").text = "Scheduled."
    return root


@pytest.mark.parametrize(
    ("at_root", "eid", "guid", "valid"),
    [
        (False, "cmp_1__para_1", "", True),
        (False, "sec_2", "", False),  # a schedule is inside the bill: one eId scope
        (True, "sec_2", "", True),  # a document beside the bill has its own scope
        (False, "cmp_1__para_1", "g-1", False),  # GUIDs are unique too
        (True, "cmp_1__para_1", "g-1", True),
    ],
)
def test_identity_constraints_have_the_strict_schemas_scopes(
    bill: AknDocument, at_root: bool, eid: str, guid: str, valid: bool
) -> None:
    root = _with_schedule(bill, eid, at_root=at_root, guid=guid)
    assert _strict_accepts(root) is valid
    problems = schema_problems(root)
    assert (problems == []) is valid
    if not valid:
        assert problems[0].path is not None and "unique" in problems[0].message


def test_other_vocabularies_are_left_out_as_the_strict_schema_leaves_them_out(bill: AknDocument) -> None:
    root = etree.fromstring(bill.to_bytes())
    proprietary = etree.SubElement(root[0].find(f"{A}meta"), A + "proprietary", source="#parley")  # type: ignore[arg-type]
    note = etree.SubElement(proprietary, "{urn:example}note", eId="sec_1")
    assert _strict_accepts(root) and schema_problems(root) == []
    etree.SubElement(note, A + "p", eId="sec_1")
    assert _strict_accepts(root) == (schema_problems(root) == [])


def test_prepare_loads_the_schema_and_language_codes_ahead_of_the_first_document() -> None:
    from akn import validation

    validation.prepare()
    assert validation._content_schema is not None and validation._languages is not None
    assert validation.content_schema() is validation._content_schema, "later calls reuse what was loaded"
    assert validation.is_iso639_2("fre") and not validation.is_iso639_2("xx")
