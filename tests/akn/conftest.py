"""Fixtures for the akn tests: small bills built with the public API and the bench's synthetic bills."""

from __future__ import annotations

import datetime
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from akn import AknDocument, new_bill

REPO = Path(__file__).resolve().parents[2]


def _synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_synthetic", REPO / "bench" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def make_bill() -> Callable[[int], bytes]:
    """`bench/synthetic.py`'s generator: the bytes of a valid bill with N sections in parts."""
    generator: Callable[[int], bytes] = _synthetic().make_bill
    return generator


@pytest.fixture
def bill() -> AknDocument:
    """A three-section bill made with `new_bill`."""
    return new_bill(
        country="ke",
        number="12",
        date=datetime.date(2026, 11, 21),
        title="The Levies Bill",
        sections=[
            ("1.", "Short title", "This Act may be cited as the **Levies** Act."),
            ("2.", "Interpretation", "In this Act, {{term{refersTo #trm_levy} levy}} means a charge.\nSecond."),
            ("3.", "Payment", "The levy is due under {{>#sec_2 section 2}}."),
        ],
    )


@pytest.fixture
def nested(make_bill: Callable[[int], bytes]) -> AknDocument:
    """A synthetic bill of three sections in a part, with subsections, intros and paragraphs."""
    return AknDocument.from_bytes(make_bill(3))
