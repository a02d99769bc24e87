"""Peak memory of an import, measured as the benchmark measures it: resident memory of a fresh process."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from tests.akn.conftest import REPO


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_akn_core", REPO / "bench" / "bench_akn_core.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_import_peaks_under_ten_times_the_file_and_under_lxml_plus_xsd(
    make_bill: Callable[[int], bytes], tmp_path: Path
) -> None:
    path = tmp_path / "bill.xml"
    path.write_bytes(make_bill(3000))
    bench = _bench()
    ours = bench._memory(str(path), "akn")
    baseline = bench._memory(str(path), "baseline")
    assert ours["size"] == path.stat().st_size > 2_500_000
    # The parsed tree alone is about nine times the file; the checks and the index add well under one.
    assert ours["peak"] <= 10 * ours["size"], ours
    assert ours["peak"] < baseline["peak"], (ours, baseline)
