"""Serving on gevent's loop: `parley serve` patches before anything else, and long work does not stop the loop."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from akn.plaintext import parse_bill_text
from server import evented
from server.domain import textpatch
from server.services import accounts, bills
from server.store import migrate
from server.store.db import Database
from server.store.models import Expression
from tests.server.drafting.conftest import Watcher
from tests.server.processes import GunicornProcess, ServerProcess, seed_drafting

pytest.importorskip("weasyprint", reason="WeasyPrint (and the system's pango) is needed to lay out PDFs")

EID = "part_1__sec_1"
SECTION = (
    "  SEC {n}. - Registers kept by the Authority, number {n}\n\n"
    "    SUBSEC (1)\n\n      The Authority shall keep register {n} at its head office, and a copy of it at each"
    " regional office, open to inspection by the public during office hours without fee.\n\n"
    "    SUBSEC (2)\n\n      Register {n} shall record every notice given under this Act, with its date.\n\n"
)


@pytest.mark.parametrize(
    ("argv", "worker", "expected"),
    [
        (["parley", "serve"], None, True),
        (["parley", "serve", "--port", "5001"], "gevent", True),
        (["parley", "serve"], "threading", False),
        (["parley", "db", "upgrade"], None, False),
        (["parley"], None, False),
        (["parley", "import", "serve"], None, False),
    ],
)
def test_only_serving_commands_run_on_the_event_loop(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], worker: str | None, expected: bool
) -> None:
    if worker is None:
        monkeypatch.delenv(evented.WORKER_ENV, raising=False)
    else:
        monkeypatch.setenv(evented.WORKER_ENV, worker)
    assert evented.wants_event_loop(argv) is expected


def test_outside_a_serving_process_work_runs_in_place_on_threads() -> None:
    assert evented.async_mode() == "threading"
    assert evented.offload(threading.get_ident) == threading.get_ident()


def _long_bill(database: Database, sections: int, section: str = SECTION) -> str:
    text = "PART 1 - General\n\n" + "".join(section.format(n=n) for n in range(1, sections + 1))
    xml = parse_bill_text(text, country="ke", number="77", date="2026-11-02", title="Registers Bill, 2026")
    with database.write() as session:
        drafter = accounts.principal_for_user_id(session, 1)
        bill_id = bills.import_bill(session, drafter, xml).bill.id
    with database.read() as session:
        uri = session.scalar(select(Expression.expression_uri).where(Expression.bill_id == bill_id))
    assert uri is not None
    return uri


def test_parley_serve_keeps_acking_edits_while_it_lays_out_a_long_pdf(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evented.db'}"
    migrate.upgrade(url)
    tokens, bill = seed_drafting(url)
    database = Database(url)
    pdf_uri = _long_bill(database, sections=120)
    database.dispose()
    env = {"DATABASE_URL": url, "SECRET_KEY": "evented-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance"),
           "EDIT_RATE_PER_SECOND": "1000"}
    env.pop(evented.WORKER_ENV, None)
    server = ServerProcess(env, tmp_path / "server.log").start()
    drafter = Watcher(server.url, tokens["drafter"])
    try:
        assert "(gevent)" in (tmp_path / "server.log").read_text()
        joined = drafter.call("join", {"bill": bill, "since": None})
        text, rev = joined["provisions"][EID]["text"], joined["provisions"][EID]["rev"]

        pdf: dict[str, float | int] = {}

        def fetch_pdf() -> None:
            started = time.monotonic()
            response = requests.get(f"{server.url}{pdf_uri}.pdf", timeout=300)
            pdf.update(status=response.status_code, size=len(response.content), seconds=time.monotonic() - started)

        fetcher = threading.Thread(target=fetch_pdf)
        fetcher.start()
        acked_at: list[float] = [time.monotonic()]
        n = 0
        while fetcher.is_alive():
            new = f"{text} w{n}"
            ack = drafter.call("edit", {"bill": bill, "eid": EID, "rev": rev, "op_id": f"loop-{n}",
                                        "patch": textpatch.make_patch(text, new)}, timeout=300)
            assert ack["ok"], ack
            text, rev = new, ack["rev"]
            acked_at.append(time.monotonic())
            n += 1
        fetcher.join()
    finally:
        drafter.close()
        server.stop()
    assert pdf["status"] == 200 and pdf["size"] > 10_000
    # Laying out takes seconds; edits kept being acknowledged all along instead of waiting for it to finish.
    assert pdf["seconds"] >= 1.0, f"the PDF took {pdf['seconds']:.2f} s: too short to show anything"
    longest_wait = max(later - earlier for earlier, later in itertools.pairwise(acked_at))
    assert n >= 5, f"only {n} edits acknowledged during a {pdf['seconds']:.1f} s layout"
    assert longest_wait < pdf["seconds"] / 2, (
        f"an edit waited {longest_wait:.2f} s during a {pdf['seconds']:.2f} s layout: the loop was blocked"
    )


WORDY_SECTION = "  SEC {n}. - Schedule of notices, number {n}\n\n    " + " ".join(
    f"Notice {{n}}.{k} shall be published in the Gazette and kept on the register for inspection." for k in range(120)
) + "\n\n"


@pytest.mark.parametrize("kind", [ServerProcess, GunicornProcess], ids=["parley-serve", "gunicorn-gevent"])
def test_a_join_of_several_megabytes_arrives_whole(tmp_path: Path, kind: type[ServerProcess]) -> None:
    """A gevent socket's ``send`` writes only what the kernel takes at once; a long bill's join is megabytes."""
    url = f"sqlite:///{tmp_path / 'wordy.db'}"
    migrate.upgrade(url)
    tokens, _ = seed_drafting(url)
    database = Database(url)
    uri = _long_bill(database, sections=400, section=WORDY_SECTION)
    with database.read() as session:
        bill = session.scalar(select(Expression.bill_id).where(Expression.expression_uri == uri))
    database.dispose()
    env = {"DATABASE_URL": url, "SECRET_KEY": "evented-test", "PARLEY_INSTANCE_PATH": str(tmp_path / "instance"),
           "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log")}
    server = kind(env, tmp_path / "server.log").start()
    reader = Watcher(server.url, tokens["mp"])
    try:
        joined = reader.call("join", {"bill": bill, "since": None}, timeout=120)
    finally:
        reader.close()
        server.stop()
    log = (tmp_path / "server.log").read_text()
    assert "(gevent)" in log or "Using worker: gevent" in log
    texts = [state["text"] for state in joined["provisions"].values()]
    assert sum(len(text) for text in texts) > 4_000_000
    assert sum(1 for text in texts if text.startswith("Notice ") and text.endswith("for inspection.")) == 400


WRONG_PASSWORD = """
from gevent import monkey
monkey.patch_all()
import gevent
from argon2 import PasswordHasher
from server import evented
from server.services import accounts

accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
stored = accounts._hasher.hash("the right one")
answers = [evented.offload(accounts._password_matches, stored, guess) for guess in ("wrong", "the right one")]
print(evented.is_evented(), answers)
"""


def test_a_wrong_password_on_the_event_loop_is_an_answer_not_a_printed_traceback() -> None:
    # gevent's thread pool prints the traceback of whatever its work raises: argon2 raises on every wrong password.
    done = subprocess.run([sys.executable, "-c", WRONG_PASSWORD], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "[False,", "True]"]
    assert "Traceback" not in done.stderr and "VerifyMismatchError" not in done.stderr, done.stderr
