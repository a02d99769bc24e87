"""On gevent's loop a refusal waits for the work let in before it is answered, and a serving process keeps what
starting made out of the collector's walks. Both run in a child process: patching for gevent, or freezing the
heap, would change the test process itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_giving_way_on_threads_returns_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import gevent

    from server import evented

    waited: list[bool] = []
    monkeypatch.setattr(gevent, "idle", lambda *args: waited.append(True))
    assert evented.is_evented() is False
    evented.give_way(60)
    assert waited == [], "threads are scheduled by the interpreter: nothing to wait for"


def test_parley_serve_and_the_gunicorn_worker_settle_the_heap_once_the_application_is_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import runpy

    from click.testing import CliRunner
    from flask_socketio import SocketIO

    from server import cli, evented

    steps: list[str] = []
    monkeypatch.setattr(evented, "settle_startup_heap", lambda: steps.append("settled"))
    monkeypatch.setattr(SocketIO, "run", lambda *args, **kwargs: steps.append("served"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("PARLEY_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli.main, ["serve", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert steps == ["settled", "served"]
    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    hooks["post_worker_init"](object())
    assert steps == ["settled", "served", "settled"]


def test_settling_the_heap_freezes_what_starting_made_and_the_collector_still_collects() -> None:
    result = _run(SETTLE)
    assert result["before"] == 0
    frozen = result["frozen"]
    assert isinstance(frozen, int) and frozen > 10_000  # the modules, mappers and schemas of an application
    collected = result["collected"]
    assert isinstance(collected, int) and collected >= 1, "a cycle made after settling is still collected"
