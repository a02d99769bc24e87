"""Redline speed on a large bill.

Builds a synthetic bill of 12,000 sections (about 13 MB), changes one word in 1% of its sections, and
times `akn.redline.redline` against a baseline measured in the same run: parsing both documents with
lxml. Target: the redline itself in at most 1 s.

    .venv/bin/python bench/bench_redline.py [--sections N] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from akn.redline import redline, redline_akn

NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
WORDS = ("the Minister shall publish notice in the Gazette within thirty days of any decision taken under"
         " this Act concerning personal data held by a public body or a private person acting for it").split()
SECTIONS_PER_PART = 100


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_bill(sections: int, seed: int = 7) -> bytes:
    """A schema-shaped bill: parts of 100 sections, each with three subsections of one paragraph."""
    rng = random.Random(seed)
    parts: list[str] = []
    for part_number in range(1, sections // SECTIONS_PER_PART + 2):
        first = (part_number - 1) * SECTIONS_PER_PART + 1
        numbers = range(first, min(first + SECTIONS_PER_PART, sections + 1))
        if not numbers:
            break
        body: list[str] = []
        for number in numbers:
            eid = f"part_{part_number}__sec_{number}"
            subsections = "".join(
                f'<subsection eId="{eid}__subsec_{sub}"><num>({sub})</num><content>'
                f'<p eId="{eid}__subsec_{sub}__p_1">{_sentence(rng, 40)}</p></content></subsection>'
                for sub in (1, 2, 3)
            )
            body.append(f'<section eId="{eid}"><num>{number}.</num><heading>{_sentence(rng, 4)}</heading>'
                        f"{subsections}</section>")
        parts.append(f'<part eId="part_{part_number}"><num>{part_number}</num>'
                     f'<heading>Part {part_number}</heading>{"".join(body)}</part>')
    meta = (
        '<meta><identification source="#parley"><FRBRWork><FRBRthis value="/akn/ke/bill/2026-11-21/12/!main"/>'
        '<FRBRuri value="/akn/ke/bill/2026-11-21/12"/><FRBRdate date="2026-11-21" name="Generation"/>'
        '<FRBRauthor href="#parley"/><FRBRcountry value="ke"/><FRBRnumber value="12"/></FRBRWork>'
        '<FRBRExpression><FRBRthis value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21/!main"/>'
        '<FRBRuri value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21"/><FRBRdate date="2026-11-21" '
        'name="Generation"/><FRBRauthor href="#parley"/><FRBRlanguage language="eng"/></FRBRExpression>'
        '<FRBRManifestation><FRBRthis value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21/!main"/>'
        '<FRBRuri value="/akn/ke/bill/2026-11-21/12/eng@2026-11-21"/><FRBRdate date="2026-11-21" '
        'name="Generation"/><FRBRauthor href="#parley"/></FRBRManifestation></identification></meta>'
    )
    return (f'<akomaNtoso xmlns="{NS}"><bill name="bill">{meta}<body>{"".join(parts)}</body></bill>'
            "</akomaNtoso>").encode()


def amend(document: bytes, share: float, seed: int = 11) -> tuple[bytes, int]:
    """Change one word in `share` of the sections; returns the new bytes and how many were changed."""
    root = etree.fromstring(document)
    sections = list(root.iter(f"{{{NS}}}section"))
    chosen = random.Random(seed).sample(sections, max(1, int(len(sections) * share)))
    for section in chosen:
        paragraph = next(section.iter(f"{{{NS}}}p"))
        paragraph.text = "Amended " + (paragraph.text or "")
    return etree.tostring(root), len(chosen)


def _best(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings) if repeat < 3 else statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=12_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    try:  # the shared generator, when the project has one
        from bench.synthetic import make_bill as shared_make_bill  # type: ignore[import-not-found]

        old_bytes = shared_make_bill(args.sections)
    except ImportError:
        old_bytes = make_bill(args.sections)
    new_bytes, changed = amend(old_bytes, 0.01)
    print(f"bill: {args.sections} sections, {len(old_bytes) / 1e6:.1f} MB; {changed} sections changed")

    def parse_both() -> tuple[etree._Element, etree._Element]:
        return etree.fromstring(old_bytes), etree.fromstring(new_bytes)

    baseline = _best(parse_both, args.repeat)
    old_root, new_root = parse_both()
    report = redline(old_root, new_root)
    assert report["summary"]["changed"] == changed, report["summary"]
    compare = _best(lambda: redline(old_root, new_root), args.repeat)
    marked = _best(lambda: redline_akn(old_root, new_root), 1)

    print(f"baseline  lxml parse of both documents: {baseline * 1000:8.1f} ms")
    print(f"redline   (JSON report, parsed trees):   {compare * 1000:8.1f} ms  "
          f"ratio {compare / baseline:5.2f}x  target <= 1000 ms: {'OK' if compare <= 1.0 else 'MISSED'}")
    print(f"parse + redline:                         {(baseline + compare) * 1000:8.1f} ms")
    print(f"redline_akn (marked copy of new):        {marked * 1000:8.1f} ms  ratio {marked / baseline:5.2f}x")


if __name__ == "__main__":
    main()
