"""Parley servers in their own processes, started the way an operator starts them (`parley serve`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`python -m server.cli serve` on a free port, with the given environment."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PARLEY_ENV": "development", "RATELIMIT_ENABLED": "false", **env}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self, timeout: float = 30) -> ServerProcess:
        return self.launch().wait_until_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it, so several can boot at once."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_until_ready(self, timeout: float = 30) -> ServerProcess:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout} s: {self.log_path.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class GunicornProcess(ServerProcess):
    """One process of the scale-out deployment: `gunicorn -c deploy/gunicorn.conf.py` on a free port."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        super().__init__(env, log_path, port)
        self.env.update(HOST="127.0.0.1", PORT=str(self.port))

    def command(self) -> list[str]:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        return [gunicorn, "-c", "deploy/gunicorn.conf.py", "server.app:create_app()"]


def seed_drafting(url: str) -> tuple[dict[str, str], int]:
    """Two drafters and an MP with their tokens, and the small bill, in the database at ``url``."""
    from server.services import accounts, bills
    from server.store.db import Database
    from tests.server.conftest import small_bill_xml

    database = Database(url)
    tokens: dict[str, str] = {}
    with database.write() as session:
        for name, role in (("drafter", "drafter"), ("drafter2", "drafter"), ("mp", "mp")):
            user = accounts.register_user(session, name, role, "correct-horse")
            tokens[name] = accounts.issue_token(session, accounts.principal_of(user))
        drafter = accounts.principal_for_user_id(session, 1)
        bill = bills.import_bill(session, drafter, small_bill_xml()).bill.id
    database.dispose()
    return tokens, bill
