"""Backups and restores of the whole database: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both produce a consistent snapshot while the server keeps running: SQLite's backup copies pages under a read
transaction (WAL lets writers continue), and pg_dump reads everything in one repeatable-read transaction. A
restore replaces the database wholesale and must run with the servers stopped.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode

from sqlalchemy.engine import URL, make_url

from server.errors import ParleyError


class BackupFailed(ParleyError):
    code = "backup_failed"
    status = 500


@dataclass(frozen=True)
class BackupResult:
    path: Path
    dialect: str
    size: int


def backup(url: str, target: Path) -> BackupResult:
    """Write a consistent snapshot of the database at ``url`` to ``target``."""
    parsed = make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(parsed), target)
    elif parsed.get_backend_name() == "postgresql":
        schema = _search_path(parsed)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
        if schema:
            command.append(f"--schema={schema}")
        _run([*command, f"--dbname={_libpq_uri(parsed)}"])
    else:
        raise BackupFailed(f"backups of {parsed.get_backend_name()} databases are not supported")
    return BackupResult(target, parsed.get_backend_name(), target.stat().st_size)


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the snapshot in ``source`` (stop every server first)."""
    if not source.is_file():
        raise BackupFailed(f"there is no backup file {source}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        path = _sqlite_path(parsed)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Stale WAL and shared-memory files of the replaced database would be replayed over the restored pages.
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _sqlite_copy(source, path)
    elif parsed.get_backend_name() == "postgresql":
        _run([
            _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", f"--dbname={_libpq_uri(parsed)}", str(source),
        ])
    else:
        raise BackupFailed(f"restores of {parsed.get_backend_name()} databases are not supported")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API, page by page, into a fresh file that then replaces ``target``."""
    if not source.is_file():
        raise BackupFailed(f"there is no SQLite database at {source}")
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
        partial = Path(handle.name)
    try:
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            origin.backup(copy, pages=1024)
            # A backup is one self-contained file: no WAL beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            origin.close()
        partial.replace(target)  # atomic: a crash leaves the old file or the whole new one
    finally:
        partial.unlink(missing_ok=True)


def _check_sqlite_backup(source: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupFailed(f"{source} is not a SQLite backup: {error}") from None
    if result is None or result[0] != "ok":
        raise BackupFailed(f"{source} fails SQLite's integrity check: {result}")
    if "events" not in tables:
        raise BackupFailed(f"{source} is a SQLite file but not a Parley backup (it has no events table)")


def _search_path(url: URL) -> str | None:
    options = url.query.get("options")
    values = [options] if isinstance(options, str) else list(options or ())
    for value in values:
        for part in unquote(value).split():
            if part.startswith("-csearch_path="):
                return part.removeprefix("-csearch_path=").split(",")[0]
    return None


def _libpq_uri(url: URL) -> str:
    """The SQLAlchemy URL as a libpq connection URI (no driver suffix, options kept)."""
    plain = url.set(drivername="postgresql")
    rendered = plain.render_as_string(hide_password=False)
    # SQLAlchemy may have decoded the options; libpq needs them percent-encoded again.
    if "?" in rendered:
        base, _, query = rendered.partition("?")
        pairs = parse_qs(query, keep_blank_values=True)
        rendered = base + "?" + urlencode([(k, v) for k, values in pairs.items() for v in values])
    return rendered


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not installed; install the PostgreSQL client tools matching the server")
    return found


def _run(command: list[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        # The URI holds the password: report the tool's own message, not the command line.
        raise BackupFailed(f"{Path(command[0]).name} failed: {completed.stderr.strip()[-2000:]}")
