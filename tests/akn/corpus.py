"""The shared AKN corpus (../shared/akn-corpus beside the repository) as seen by the akn tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "akn-corpus"
SOURCES = CORPUS / "SOURCES.tsv"


def corpus_rows() -> list[dict[str, str]]:
    """SOURCES.tsv as dicts (empty when the corpus is absent, so parametrized tests collect nothing)."""
    if not SOURCES.is_file():
        return []
    with SOURCES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def files(*, valid: bool | None = None, doc_types: set[str] | None = None) -> list[str]:
    """Corpus file names, filtered by schema validity and document type."""
    chosen = []
    for row in corpus_rows():
        if valid is not None and (row["schema_valid"] == "valid") != valid:
            continue
        if doc_types is not None and row["doc_type"] not in doc_types:
            continue
        chosen.append(row["file"])
    return chosen


def read(name: str) -> bytes:
    """The bytes of one corpus file (skips the test when the corpus is absent)."""
    require_corpus()
    return (CORPUS / name).read_bytes()


def require_corpus() -> None:
    """Skip the calling test when the corpus folder is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"the AKN corpus is not at {CORPUS}")
