"""FRBR URIs: parsing and formatting every part, from Work to Manifestation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akn import FrbrUri, InvalidFrbrUriError


def test_expression_uri_parses_into_its_parts() -> None:
    uri = FrbrUri.parse("/akn/ke/act/2026-11-21/12/eng@2026-11-21")
    assert (uri.country, uri.doctype, uri.date, uri.number, uri.language, uri.expression_date) == (
        "ke", "act", "2026-11-21", "12", "eng", "2026-11-21"
    )
    assert uri.work_uri == "/akn/ke/act/2026-11-21/12"
    assert uri.expression_uri == "/akn/ke/act/2026-11-21/12/eng@2026-11-21"
    assert str(uri) == "/akn/ke/act/2026-11-21/12/eng@2026-11-21"


def test_subtype_actor_locality_component_and_format() -> None:
    uri = FrbrUri.parse("/akn/za-jhb/act/by-law/council/2003/public-health/eng@2015-01-01/!main.xml")
    assert (uri.place, uri.subtype, uri.actor, uri.component, uri.format) == (
        "za-jhb", "by-law", "council", "main", "xml"
    )
    assert uri.work_uri == "/akn/za-jhb/act/by-law/council/2003/public-health"
    assert uri.manifestation_uri == "/akn/za-jhb/act/by-law/council/2003/public-health/eng@2015-01-01/!main.xml"
    assert str(uri.work()) == "/akn/za-jhb/act/by-law/council/2003/public-health"
    assert uri.expression().manifestation_uri == uri.expression_uri


def test_manifestation_format_right_after_the_date() -> None:
    uri = FrbrUri.parse("/akn/ke/bill/2026-11-21/12/eng@2026-11-21.xml")
    assert (uri.expression_date, uri.format) == ("2026-11-21", "xml")
    assert uri.manifestation_uri == "/akn/ke/bill/2026-11-21/12/eng@2026-11-21.xml"


def test_original_version_and_work_uris() -> None:
    assert FrbrUri.parse("/akn/ke/act/2026/12/eng@").expression_uri == "/akn/ke/act/2026/12/eng@"
    work = FrbrUri.parse("/akn/ke/act/2026/12")
    assert work.language is None and str(work) == "/akn/ke/act/2026/12"
    with pytest.raises(InvalidFrbrUriError):
        _ = work.expression_uri


@pytest.mark.parametrize("text", ["", "/akn", "http://example.com/x", "/akn/KE/act/2026/1", "/akn/ke/act/x/1"])
def test_malformed_uris_are_refused(text: str) -> None:
    with pytest.raises(InvalidFrbrUriError) as caught:
        FrbrUri.parse(text)
    assert caught.value.code == "invalid_frbr_uri" and repr(text) in caught.value.message


SEGMENT = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@given(
    country=st.from_regex(r"[a-z]{2}", fullmatch=True),
    doctype=st.sampled_from(["act", "bill", "judgment", "debate"]),
    date=st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10),
    number=st.from_regex(r"[0-9a-z][0-9a-z-]{0,6}", fullmatch=True),
    language=st.from_regex(r"[a-z]{3}", fullmatch=True),
    version=st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10),
    subtype=st.none() | SEGMENT,
    component=st.none() | st.just("main"),
    format=st.none() | st.sampled_from(["xml", "html", "pdf"]),
)
def test_format_then_parse_is_identity(**parts: str | None) -> None:
    uri = FrbrUri(
        country=str(parts["country"]), doctype=str(parts["doctype"]), date=str(parts["date"]),
        number=str(parts["number"]), language=parts["language"], expression_date=parts["version"],
        subtype=parts["subtype"], component=parts["component"], format=parts["format"],
    )
    assert FrbrUri.parse(uri.manifestation_uri) == uri


@pytest.mark.parametrize("uri", ["/akn/ke/act/2020/1/!main.xml", "/akn/ke/act/2020/1/~sec_1",
                                 "/akn/ke/act/2020/1/!main~sec_1", "/akn/ke/act/2020/1/!main~sec_1.html"])
def test_a_work_level_uri_with_a_component_portion_or_format_prints_back_to_itself(uri: str) -> None:
    parsed = FrbrUri.parse(uri)
    assert str(parsed) == uri
    assert FrbrUri.parse(str(parsed)) == parsed


def test_an_actor_needs_a_subtype_to_stand_after() -> None:
    with pytest.raises(InvalidFrbrUriError, match="subtype"):
        FrbrUri(country="ke", doctype="act", date="2020", number="1", actor="council")
