"""The restore drill: data, backup, the database destroyed, restore; nothing lost and everything consistent."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from server.cli import main
from server.services import accounts, backup, bills
from server.store import eventlog, projections
from server.store.db import Database
from tests.server.conftest import Accounts, small_bill_xml
from tests.server.durability.scenario import run_scenario


def destroy(url: str) -> None:
    """Lose the database: the SQLite file and its WAL, or every table of the PostgreSQL schema."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_restore_drill(
    database_url: str, client: FlaskClient, users: Accounts, db: Database, tmp_path: Path
) -> None:
    run_scenario(client, users, db)
    with db.read() as session:
        before_last = eventlog.last_event_id(session)
        before_state = projections.snapshot(session)
    env = {"DATABASE_URL": database_url, "PARLEY_ENV": "testing", "SECRET_KEY": "drill",
           "PARLEY_INSTANCE_PATH": str(tmp_path / "instance")}
    runner = CliRunner()
    target = tmp_path / "backups" / "parley.backup"

    made = runner.invoke(main, ["backup", str(target)], env=env, catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0
    db.dispose()  # the servers are stopped for a restore
    destroy(database_url)

    restored = runner.invoke(main, ["restore", "--yes", str(target)], env=env, catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    assert f"last event id {before_last}; chain intact" in restored.stdout

    after = Database(database_url)
    try:
        with after.write() as session:
            assert eventlog.last_event_id(session) == before_last
            assert eventlog.verify_chain(session).ok
            live = projections.snapshot(session)
            assert live == before_state
            projections.rebuild(session)
            assert projections.snapshot(session) == live
    finally:
        after.dispose()


def test_a_backup_taken_while_writes_continue_is_consistent(
    sqlite_url: str, tmp_path: Path
) -> None:
    database = Database(sqlite_url)
    with database.write() as session:
        drafter = accounts.principal_of(accounts.register_user(session, "drafter", "drafter", "correct-horse"))
        bills.import_bill(session, drafter, small_bill_xml())
    # A reader holds a transaction open, as a busy server does; the online backup does not wait for it to end.
    with database.read() as session:
        eventlog.last_event_id(session)
        result = backup.backup(sqlite_url, tmp_path / "hot.backup")
    database.dispose()
    copy = Database(f"sqlite:///{result.path}")
    with copy.read() as session:
        assert eventlog.verify_chain(session).ok
        assert eventlog.last_event_id(session) == 2
    copy.dispose()


def test_restoring_something_that_is_not_a_backup_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    before = Path(sqlite_url.removeprefix("sqlite:///")).read_bytes()
    with pytest.raises(backup.BackupFailed, match="is not a SQLite backup"):
        backup.restore(sqlite_url, bogus)
    assert Path(sqlite_url.removeprefix("sqlite:///")).read_bytes() == before
