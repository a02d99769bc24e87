"""The `parley` command line, run as an operator would, against a real database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.server.conftest import small_bill_xml
from tests.server.processes import ROOT


def _parley(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "PARLEY_ENV": "testing", "HOME": "/tmp"},
    )


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_operator_session_from_empty_database_to_audit(fresh_url: str, tmp_path: Path) -> None:
    upgraded = _parley(fresh_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    added = _parley(fresh_url, "user", "add", "ann", "--role", "clerk", "--password", "long-enough")
    assert added.returncode == 0 and "ann (clerk)" in added.stdout
    duplicate = _parley(fresh_url, "user", "add", "ann", "--role", "mp", "--password", "long-enough")
    assert duplicate.returncode == 1 and "taken" in duplicate.stderr

    bill = tmp_path / "bill.xml"
    bill.write_bytes(small_bill_xml("31"))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<akomaNtoso><bill>")
    imported = _parley(fresh_url, "import", str(bill), str(broken))
    assert imported.returncode == 1
    assert imported.stdout.strip() == "/akn/ke/bill/2026-11-02/31/eng@2026-11-02"
    assert "broken.xml" in imported.stderr

    assert _parley(fresh_url, "audit", "verify").returncode == 0
    rebuilt = _parley(fresh_url, "projections", "rebuild")
    assert rebuilt.returncode == 0 and "2 events" in rebuilt.stdout

    engine = create_engine(fresh_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE events SET actor_id = 99 WHERE id = 1"))
    engine.dispose()
    tampered = _parley(fresh_url, "audit", "verify")
    assert tampered.returncode == 1 and "event 1" in tampered.stderr


def test_commands_on_an_unmigrated_database_say_how_to_migrate_it(fresh_url: str, tmp_path: Path) -> None:
    # Servers of an older release may still use the database: only `db upgrade` (or `serve`) moves its schema.
    bill = tmp_path / "bill.xml"
    bill.write_bytes(small_bill_xml("31"))
    for command in (("user", "add", "ann", "--role", "clerk", "--password", "long-enough"),
                    ("import", str(bill)), ("audit", "verify"), ("projections", "rebuild")):
        refused = _parley(fresh_url, *command)
        assert refused.returncode == 1, (command, refused.stdout)
        assert refused.stderr.strip().startswith("error: the database at sqlite:///"), (command, refused.stderr)
        assert "run `parley db upgrade` first" in refused.stderr and "Traceback" not in refused.stderr
    assert _parley(fresh_url, "db", "upgrade").returncode == 0
    added = _parley(fresh_url, "user", "add", "ann", "--role", "clerk", "--password", "long-enough")
    assert added.returncode == 0, added.stderr


def test_the_app_refuses_an_unmigrated_database(fresh_url: str) -> None:
    from config import TestingConfig
    from server.app import create_app
    from server.errors import DatabaseNotMigrated

    config = TestingConfig()
    config.DATABASE_URL = fresh_url
    with pytest.raises(DatabaseNotMigrated, match="parley db upgrade"):
        create_app(config)


@pytest.mark.parametrize(("host", "public_url"), [("127.0.0.1", "http://127.0.0.1:5998"),
                                                  ("0.0.0.0", "http://127.0.0.1:5998")])  # noqa: S104
def test_serve_links_mail_back_to_its_own_port_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str, public_url: str
) -> None:
    from click.testing import CliRunner
    from flask_socketio import SocketIO

    from server import cli

    served: list[str] = []
    monkeypatch.setattr(SocketIO, "run", lambda _self, app, **kwargs: served.append(app.config["PUBLIC_URL"]))
    monkeypatch.setattr("server.evented.settle_startup_heap", lambda: None)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("PARLEY_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert CliRunner().invoke(cli.main, ["serve", "--host", host, "--port", "5998"]).exit_code == 0
    # As an operator sets it in the environment the process starts with (read when the settings are loaded).
    monkeypatch.setenv("PUBLIC_URL", "https://parliament.example.org")
    monkeypatch.setattr("config.settings.BaseConfig.PUBLIC_URL", "https://parliament.example.org")
    assert CliRunner().invoke(cli.main, ["serve", "--host", host, "--port", "5998"]).exit_code == 0
    assert served == [public_url, "https://parliament.example.org"]
