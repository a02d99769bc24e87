"""Two drafters typing at the very same point at once: every keystroke of both is kept, and both see one text.

Each drafter's page is a ``ProvisionSync`` typing a letter at a time at its caret (kept as the browser keeps it:
a change at the caret leaves the caret before it); the server merges each edit made against an older revision
with ``merge_edit``; messages arrive after random delays. Before the same letters typed by both at one point were
kept twice, 381 of 800 such races lost keystrokes (" the Clerk" and " the Speaker" made " the SpeakerClerk").
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from server.client.sync import ProvisionSync
from server.domain.merge3 import merge_edit
from server.domain.textpatch import apply_exact

BASE = "The Act applies."
RACES = [
    (" the Clerk", " the Speaker"), (" within seven days", " within fourteen days"), (" Kenya", " Kenyan citizens"),
]


def _caret_after(current: str, text: str, caret: int) -> int:
    """The caret once ``current`` is replaced by ``text`` as the editor does it (one changed range between the
    common prefix and suffix; a change at the caret leaves the caret before it)."""
    start = 0
    while start < min(len(current), len(text)) and current[start] == text[start]:
        start += 1
    end_current, end_text = len(current), len(text)
    while end_current > start and end_text > start and current[end_current - 1] == text[end_text - 1]:
        end_current, end_text = end_current - 1, end_text - 1
    if caret <= start:
        return caret
    return caret + (end_text - end_current) if caret >= end_current else end_text


class _Server:
    def __init__(self) -> None:
        self.texts = [BASE]

    def edit(self, payload: dict[str, Any]) -> dict[str, Any]:
        base, current = self.texts[payload["rev"]], self.texts[-1]
        if payload["rev"] == len(self.texts) - 1:
            text, patch = apply_exact(base, payload["patch"]), payload["patch"]
        else:
            applied = merge_edit(base, current, payload["patch"])
            text, patch = applied.text, applied.patch
        self.texts.append(text)
        return {"rev": len(self.texts) - 1, "patch": patch, "op_id": payload["op_id"]}


def _race(typed: tuple[str, str], seed: int) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    server = _Server()
    pages = [
        {"sync": ProvisionSync("sec_1", BASE, 0, op_id=map(f"{name}-{{}}".format, itertools.count()).__next__),
         "caret": len(BASE), "keys": list(text), "next_key": rng.uniform(0, 0.15)}
        for name, text in zip("AB", typed, strict=True)
    ]
    messages: list[tuple[float, int, str, int, Any]] = []  # (at, order, kind, page, payload)
    order = itertools.count()

    def post(at: float, kind: str, page: int, payload: Any) -> None:
        if payload is not None:
            messages.append((at + rng.uniform(0.005, 0.06), next(order), kind, page, payload))

    while any(page["keys"] for page in pages) or messages:
        typing = [(page["next_key"], n) for n, page in enumerate(pages) if page["keys"]]
        first_message = min(messages, default=None)
        if typing and (first_message is None or min(typing)[0] < first_message[0]):
            now, n = min(typing)
            page = pages[n]
            text, caret = page["sync"].text, page["caret"]
            page["caret"] = caret + 1
            post(now, "edit", n, page["sync"].local_change(text[:caret] + page["keys"].pop(0) + text[caret:]).send)
            page["next_key"] = now + rng.uniform(0.03, 0.16)
            continue
        assert first_message is not None
        messages.remove(first_message)
        now, _, kind, n, payload = first_message
        if kind == "edit":
            event = server.edit(payload)
            for other in range(len(pages)):
                post(now, "event", other, event)
            post(now, "ack", n, (payload["op_id"], {"ok": True, "rev": event["rev"]}))
            continue
        page = pages[n]
        before = page["sync"].text
        outcome = page["sync"].on_event(payload) if kind == "event" else page["sync"].on_ack(*payload)
        if outcome.text is not None:
            page["caret"] = _caret_after(before, outcome.text, page["caret"])
        post(now, "edit", n, outcome.send)
    return server.texts[-1], [page["sync"].text for page in pages]


@pytest.mark.parametrize("typed", RACES, ids=["clerk-speaker", "seven-fourteen", "kenya"])
def test_no_keystroke_is_lost_when_two_drafters_type_at_one_point(typed: tuple[str, str]) -> None:
    for seed in range(60):
        final, seen = _race(typed, seed)
        assert seen == [final, final], seed
        added = final[len(BASE):]
        assert final.startswith(BASE) and sorted(added) == sorted("".join(typed)), (seed, added)
