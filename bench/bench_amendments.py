"""Amendment speed on a large bill.

Builds a synthetic bill of 12,000 sections (`bench/synthetic.py`), drafts 2,000 amendments on it (word
changes to subsections, new sections, sections left out; some on the same provisions, so they conflict), then
times, each against a baseline measured in the same run:

* conflict detection plus the marshalled list of the 2,000 amendments (target ≤ 2 s); baseline: sorting the
  amendments by their place in the bill, the least work any marshalled list does;
* consolidating 500 adopted amendments into a new, strictly valid expression (target ≤ 5 s); baseline:
  reading, validating and writing the same bill unchanged, the cost of publishing any version.

    .venv/bin/python bench/bench_amendments.py [--sections N] [--amendments N] [--adopted N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from akn import AknDocument
from akn.amendment import AppliedAmendment, record_consolidation
from bench.synthetic import make_bill
from server.domain.amendments import AmendmentAction, Footprint, Placed, conflict_graph, marshal
from server.domain.citation import levels_from_eid
from server.domain.instructions import text_instruction
from server.services.consolidation import apply_amendments
from server.store.amendment_models import Amendment

T = TypeVar("T")
REPLACEMENTS = (("thirty", "sixty"), ("Authority", "Commission"), ("hardship", "undue hardship"),
                ("writing", "writing or by electronic means"), ("fourteen", "seven"))


def timed(function: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def draft(document: AknDocument, count: int, rng: random.Random) -> list[Amendment]:
    """``count`` amendments as the service would draft them (instruction, spans, place), unsaved."""
    sections = [p for part in document.provisions() for p in part.children]
    ordinals = {eid: k for k, eid in enumerate(document.eids())}
    rows: list[Amendment] = []
    now = datetime(2026, 11, 21)
    for amendment_id in range(1, count + 1):
        section = rng.choice(sections[: max(len(sections) // 3, 1)] if amendment_id % 4 else sections)
        roll = rng.random()
        row = Amendment(id=amendment_id, bill_id=1, number=amendment_id, state="admissible", wid=section.eid,
                        base_version=1, base_expression_uri="/akn/ke/bill/2026-11-21/12/eng@2026-11-21",
                        justification="", proposer_id=1, cosponsor_ids=[], created_at=now, updated_at=now,
                        new_name=None, new_num=None, new_heading=None, spans=[], instruction_parts=[])
        if roll < 0.9:
            eid = section.children[1].eid
            base = document.provision_text(eid)
            old, new = rng.choice(REPLACEMENTS)
            instruction = text_instruction(levels_from_eid(eid), base, base.replace(old, new, 1))
            row.action, row.eid, row.base_text, row.new_text = AmendmentAction.TEXT.value, eid, base, \
                base.replace(old, new, 1)
            row.spans = [list(c.span()) for c in instruction.changes]
            row.instruction, row.citation = instruction.text, instruction.citation
        elif roll < 0.95:
            row.action, row.eid, row.base_text, row.new_text = AmendmentAction.INSERT_AFTER.value, section.eid, "", \
                "A new duty applies."
            row.new_name, row.new_num = "section", f"{section.num.rstrip('.')}A."
        else:
            row.action, row.eid, row.base_text, row.new_text = AmendmentAction.DELETE.value, section.eid, "", ""
        row.ordinal = ordinals[row.eid]
        rows.append(row)
    return rows


def footprints(rows: list[Amendment]) -> list[Footprint]:
    return [Footprint(r.id, r.eid, AmendmentAction(r.action), r.base_text, tuple((s, e) for s, e in r.spans))
            for r in rows]


def marshalled(rows: list[Amendment]) -> list[list[int]]:
    graph = conflict_graph(footprints(rows))
    placed = [Placed(r.id, r.ordinal, AmendmentAction(r.action), r.spans[0][0] if r.spans else 0, r.number)
              for r in rows]
    return marshal(placed, graph)


def adoptable(rows: list[Amendment], count: int) -> list[Amendment]:
    """Up to ``count`` amendments none of which conflicts with another (what a House could adopt)."""
    graph = conflict_graph(footprints(rows))
    chosen: list[Amendment] = []
    blocked: set[int] = set()
    for row in rows:
        if row.id in blocked:
            continue
        chosen.append(row)
        blocked |= graph[row.id] | {row.id}
        if len(chosen) == count:
            break
    return chosen


def consolidate(content: bytes, adopted: list[Amendment]) -> int:
    document = AknDocument.from_bytes(content)
    renames = apply_amendments(document, adopted)
    expression = document.new_expression(date(2026, 12, 1))
    record_consolidation(expression.document, when=date(2026, 12, 1), amendments=[
        AppliedAmendment(f"/akn/ke/amendment/2026-11-21/{a.id}/eng@2026-11-21", f"Amendment {a.number}",
                         f"#{renames.get(a.eid, a.eid)}", "substitution", date(2026, 11, 30))
        for a in adopted if a.action != AmendmentAction.DELETE.value
    ])
    problems = expression.validate()
    if problems:
        raise SystemExit(f"the consolidated bill is not valid: {problems[0].message}")
    return len(expression.to_bytes())


def publish_unchanged(content: bytes) -> int:
    document = AknDocument.from_bytes(content)
    expression = document.new_expression(date(2026, 12, 1))
    assert not expression.validate()
    return len(expression.to_bytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=12_000)
    parser.add_argument("--amendments", type=int, default=2_000)
    parser.add_argument("--adopted", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(5)

    content = make_bill(args.sections)
    document = AknDocument.from_bytes(content)
    draft_time, rows = timed(lambda: draft(document, args.amendments, rng))
    baseline_list, _ = timed(lambda: sorted(rows, key=lambda r: (r.ordinal, r.id)))
    list_time, groups = timed(lambda: marshalled(rows))
    conflicting = sum(len(g) for g in groups if len(g) > 1)
    adopted = adoptable(rows, args.adopted)
    baseline_publish, _ = timed(lambda: publish_unchanged(content))
    consolidate_time, size = timed(lambda: consolidate(content, adopted))

    print(f"bill: {args.sections:,} sections, {len(content) / 1e6:.1f} MB; {len(rows):,} amendments drafted in "
          f"{draft_time:.2f} s ({len(groups):,} groups, {conflicting:,} amendments in conflicting groups)")
    print(f"{'measure':<44}{'seconds':>10}{'baseline':>10}{'ratio':>8}{'target':>9}")
    print(f"{'conflicts + marshalled list':<44}{list_time:>10.3f}{baseline_list:>10.3f}"
          f"{list_time / max(baseline_list, 1e-9):>8.1f}{'<= 2 s':>9}")
    print(f"{f'consolidate {len(adopted)} adopted amendments':<44}{consolidate_time:>10.3f}"
          f"{baseline_publish:>10.3f}{consolidate_time / baseline_publish:>8.1f}{'<= 5 s':>9}")
    print(f"(consolidated expression: {size / 1e6:.1f} MB, strictly valid)")
    ok = list_time <= 2.0 and consolidate_time <= 5.0 and len(adopted) == args.adopted
    if len(adopted) < args.adopted:
        print(f"only {len(adopted)} non-conflicting amendments were found to adopt")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
