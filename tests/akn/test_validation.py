"""Validation: every schema error with its path and line; naming convention departures as warnings."""

from __future__ import annotations

import pytest

from akn import AknDocument, Problem, SchemaInvalidError, parse_akn
from akn.validation import convention_problems, element_path, is_iso639_2, schema_problems
from tests.akn.corpus import read


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


def test_element_path_counts_only_same_named_siblings(nested: AknDocument) -> None:
    element = nested.provision_element("part_1__sec_2__subsec_1__para_b")
    assert element_path(element) == "/akomaNtoso/bill/body/part/section[2]/subsection[1]/paragraph[2]"
