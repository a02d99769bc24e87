"""`parley akn ...` commands, run through click's CliRunner on corpus files."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from lxml import etree

from akn.cli import akn_group

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
VALID = "legaldocml__uk_asp-2017-1-enacted.xml"
VALID_SMALL = "legaldocml__us_Act_2011-11-29.xml"
INVALID = "indigo__basic_in.xml"
OLDER_NAMESPACE = "nsesa__AM-793034EN-AM1.xml"
NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
    return CORPUS


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(akn_group, list(args), catch_exceptions=False)


def test_validate_accepts_valid_files(corpus: Path) -> None:
    result = run("validate", str(corpus / VALID), str(corpus / VALID_SMALL))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert f"{corpus / VALID}: valid" in result.stdout


def test_validate_reports_schema_errors_with_file_and_line(corpus: Path) -> None:
    result = run("validate", str(corpus / VALID), str(corpus / INVALID))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(f"{corpus / INVALID}:") for line in lines)
    assert f"{corpus / INVALID}:9: " in result.stderr  # the year-only FRBRdate on line 9
    assert f"{corpus / VALID}: valid" in result.stdout


def test_validate_refuses_older_namespaces_and_missing_files(corpus: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    result = run("validate", str(corpus / OLDER_NAMESPACE), str(missing))
    assert result.exit_code == 1
    assert "Akoma Ntoso 2.0" in result.stderr
    assert f"{missing}: cannot read the file" in result.stderr


def test_export_writes_canonical_bytes(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    result = run("export", str(corpus / VALID_SMALL), "--out", str(out))
    assert result.exit_code == 0, result.output
    exported = out.read_bytes()
    original = etree.parse(str(corpus / VALID_SMALL))
    assert exported == etree.tostring(original, method="c14n")
    # Exporting the export changes nothing: the form is canonical.
    again = tmp_path / "again.xml"
    assert run("export", str(out), "--out", str(again)).exit_code == 0
    assert again.read_bytes() == exported


def test_render_prints_html_or_text(corpus: Path) -> None:
    html = run("render", str(corpus / VALID_SMALL))
    assert html.exit_code == 0
    assert html.stdout.startswith('<article class="akn-document">')
    text = run("render", str(corpus / VALID_SMALL), "--text")
    assert text.exit_code == 0
    assert "<" not in text.stdout.splitlines()[0]
    assert len(text.stdout) < len(html.stdout)


def test_render_of_a_broken_file_is_a_clean_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<akomaNtoso><bill>")
    result = run("render", str(broken))
    assert result.exit_code == 1
    assert "not well-formed XML" in result.stderr


def test_compare_in_every_format(corpus: Path, tmp_path: Path) -> None:
    old = corpus / VALID
    root = etree.parse(str(old))
    paragraph = root.xpath("//a:section[@eId='section-2']//a:p", namespaces={"a": NS})[0]
    paragraph.text = paragraph.text.replace("direct-funded body", "public body", 1)
    new = tmp_path / "new.xml"
    root.write(str(new))

    report = json.loads(run("compare", str(old), str(new)).stdout)
    assert [(c["kind"], c["eid"]) for c in report["changes"]] == [("changed", "section-2-1")]
    assert ["insert", "public"] in report["changes"][0]["diff"]

    html = run("compare", str(old), str(new), "--format", "html")
    assert '<ins class="akn-ins">public</ins>' in html.stdout

    akn = run("compare", str(old), str(new), "--format", "akn")
    marked = etree.fromstring(akn.stdout.encode())
    assert marked.xpath("//a:ins/text()", namespaces={"a": NS}) == ["public"]

    unchanged = json.loads(run("compare", str(old), str(old)).stdout)
    assert unchanged["changes"] == []
