"""On gevent's loop a refusal waits for the work let in before it is answered, and a serving process keeps what
starting made out of the collector's walks. Both run in a child process: patching for gevent, or freezing the
heap, would change the test process itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GIVE_WAY = """
from gevent import monkey
monkey.patch_all()
import json, time
import gevent
from server import evented

order = []

def work(steps):
    for _ in range(steps):
        order.append("work")
        gevent.sleep(0)

def refusal():
    evented.give_way()
    order.append("refusal")

gevent.joinall([gevent.spawn(refusal), gevent.spawn(work, 5)])

stop = []

def never_idle():
    while not stop:
        gevent.sleep(0)

busy = gevent.spawn(never_idle)
gevent.sleep(0)
began = time.monotonic()
evented.give_way(0.2)
waited = time.monotonic() - began
stop.append(True)
busy.join()
print(json.dumps({"evented": evented.is_evented(), "order": order, "waited": waited}))
"""

SETTLE = """
import gc, json
from server import evented
import server.app  # what starting a serving process imports
before = gc.get_freeze_count()
evented.settle_startup_heap()
frozen = gc.get_freeze_count()
cycle = []
cycle.append(cycle)
del cycle
collected = gc.collect()
print(json.dumps({"before": before, "frozen": frozen, "collected": collected}))
"""


def _run(script: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_refusal_on_the_loop_waits_until_the_ready_work_is_done_and_no_longer_than_its_bound() -> None:
    result = _run(GIVE_WAY)
    assert result["evented"] is True
    # The refusal was spawned first; it is answered only once the work ready beside it has run every step.
    assert result["order"] == ["work"] * 5 + ["refusal"]
    # On a loop that is never idle it goes on after its bound (and not before).
    waited = result["waited"]
    assert isinstance(waited, float) and 0.15 <= waited < 10


def test_giving_way_on_threads_returns_at_once() -> None:
    from server import evented

    assert evented.is_evented() is False
    evented.give_way(60)  # would wait a minute if it waited at all; the test's timeout catches that


def test_settling_the_heap_freezes_what_starting_made_and_the_collector_still_collects() -> None:
    result = _run(SETTLE)
    assert result["before"] == 0
    frozen = result["frozen"]
    assert isinstance(frozen, int) and frozen > 10_000  # the modules, mappers and schemas of an application
    collected = result["collected"]
    assert isinstance(collected, int) and collected >= 1, "a cycle made after settling is still collected"
