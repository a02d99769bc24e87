"""Bulk export: every expression, amendment and consultation, over HTTP and from the command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from akn import AknDocument
from tests.server.opendata.conftest import HIDDEN_WORDS, VISIBLE_WORDS, Scenario
from tests.server.processes import ROOT


def check_archive(files: dict[str, bytes], scenario: Scenario) -> None:
    prefix = f"bills/{scenario.bill_id}"
    index = json.loads(files["bills.json"])
    assert [b["id"] for b in index["bills"]] == [scenario.bill_id]
    assert json.loads(files[f"{prefix}/metadata.json"])["versions"][0]["version"] == 1
    AknDocument.from_bytes(files[f"{prefix}/versions/1.akn.xml"])  # strictly valid AKN, as stored
    amendment = etree.fromstring(files[f"{prefix}/amendments/{scenario.amendment_id}.akn.xml"])
    assert etree.QName(amendment[0]).localname == "amendment"
    assert json.loads(files[f"{prefix}/amendments.json"])["amendments"][0]["id"] == scenario.amendment_id
    [consultation] = [name for name in files if name.startswith(f"{prefix}/consultations/")]
    rows = list(csv.DictReader(io.StringIO(files[consultation].decode("utf-8"))))
    assert [row["body"] for row in rows] == [VISIBLE_WORDS]  # the hidden comment stays out
    assert "author" not in rows[0] and "author_id" not in rows[0]
    assert not any(HIDDEN_WORDS.encode() in content for content in files.values())


def test_http_archive_holds_every_public_document(scenario: Scenario) -> None:
    response = scenario.client.get("/api/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        check_archive({name: archive.read(name) for name in archive.namelist()}, scenario)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_export_writes_the_same_tree(scenario: Scenario, database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "export"
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "export", str(target)], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "PARLEY_ENV": "testing",
                          "HOME": "/tmp"},
    )
    assert done.returncode == 0, done.stderr
    assert "exported 1 bills" in done.stdout
    assert "exporting bills" in done.stderr  # the progress bar
    files = {str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    check_archive(files, scenario)
