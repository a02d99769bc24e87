"""The ``parley`` command: serve, migrate, manage users, import, rebuild and audit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask

from config import load_config
from server.errors import ParleyError
from server.services.principal import Principal
from server.store import migrate
from server.store.db import Database


def _database() -> Database:
    return Database(load_config().DATABASE_URL)


def _app(check_migrations: bool = True) -> Flask:
    from server.app import create_app

    return create_app(load_config(), check_migrations=check_migrations)


def _fail(error: ParleyError) -> None:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Parley: draft bills, amend them and consult the public on Akoma Ntoso."""


# --- database ----------------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    url = load_config().DATABASE_URL
    migrate.upgrade(url)
    click.echo(f"database at revision {', '.join(sorted(migrate.head_revisions(url)))}")


# --- users -------------------------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["drafter", "mp", "clerk", "citizen", "admin"]))
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
def user_add(name: str, role: str, password: str, display_name: str | None, email: str | None) -> None:
    """Create the account NAME."""
    from server.services import accounts

    database = _database()
    try:
        with database.write() as session:
            created = accounts.register_user(
                session, name, role, password, display_name=display_name, email=email
            )
            click.echo(f"user {created.username} ({created.role}) created with id {created.id}")
    except ParleyError as error:
        _fail(error)
    finally:
        database.dispose()


# --- documents ---------------------------------------------------------------------------------------------


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", default=None, help="Record the import as this user (default: the operator).")
def import_files(files: tuple[Path, ...], as_user: str | None) -> None:
    """Import AKN FILES as bills; prints each one's expression FRBR URI."""
    from server.services import bills
    from server.services.principal import SYSTEM

    database = _database()
    failures = 0
    try:
        principal: Principal = SYSTEM
        if as_user:
            principal = _principal_named(database, as_user)
        with click.progressbar(files, label="importing", file=sys.stderr) if len(files) > 3 else _plain(
            files
        ) as items:
            for path in items:
                try:
                    with database.write() as session:
                        imported = bills.import_bill(session, principal, path.read_bytes())
                        uri = imported.expression.expression_uri
                    click.echo(uri)
                except ParleyError as error:
                    failures += 1
                    click.echo(f"{path}: {error.message}", err=True)
    finally:
        database.dispose()
    sys.exit(1 if failures else 0)


class _plain:
    """A stand-in for a progress bar when there are too few files to need one."""

    def __init__(self, items: tuple[Path, ...]) -> None:
        self.items = items

    def __enter__(self) -> tuple[Path, ...]:
        return self.items

    def __exit__(self, *exc: object) -> None:
        return None


def _principal_named(database: Database, username: str) -> Principal:
    from server.services import accounts
    from server.store.models import User

    with database.read() as session:
        found = session.query(User).filter_by(username=username.lower()).one_or_none()
        if found is None:
            raise click.ClickException(f"there is no user {username!r}")
        return accounts.principal_of(found)


# --- projections and audit ---------------------------------------------------------------------------------


@main.group()
def projections() -> None:
    """Read models derived from the event log."""


@projections.command("rebuild")
def projections_rebuild() -> None:
    """Rebuild every read model from the event log."""
    from server.store import projections as store_projections

    database = _database()
    _app()  # registers every projector
    with database.write() as session:
        count = store_projections.rebuild(session)
    database.dispose()
    click.echo(f"rebuilt projections from {count} events")


@main.group()
def audit() -> None:
    """Tamper evidence."""


@audit.command("verify")
def audit_verify() -> None:
    """Walk the event hash chain; exit 1 naming the first broken or missing link."""
    from server.store import eventlog

    database = _database()
    with database.read() as session:
        report = eventlog.verify_chain(session)
    database.dispose()
    if report.ok:
        click.echo(f"chain intact: {report.checked} events verified")
        return
    click.echo(f"chain broken at event {report.first_bad_id}: {report.problem}", err=True)
    sys.exit(1)


# --- serving -----------------------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="5000")
@click.option("--demo", is_flag=True, help="Load the demo data once (users, a bill, ...).")
def serve(host: str, port: int, demo: bool) -> None:
    """Migrate the database, optionally load the demo, and serve."""
    from server.app import create_app

    config = load_config()
    migrate.upgrade(config.DATABASE_URL)
    if not os.environ.get("ALLOWED_ORIGINS"):
        # The pages this process serves open their sockets from its own origin, whatever port it was given.
        config.ALLOWED_ORIGINS = sorted({f"http://{host}:{port}", f"http://127.0.0.1:{port}", f"http://localhost:{port}"})
    app = create_app(config)
    if demo:
        from server.demo import load_demo

        with app.app_context():
            for line in load_demo(app.extensions["parley.db"]):
                click.echo(line)
    socketio = app.extensions["socketio"]
    click.echo(f"Parley is serving on http://{host}:{port}")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


def _mount_akn() -> None:
    try:
        from akn.cli import akn_group
    except ImportError:  # the command group is optional for a partial install
        return
    main.add_command(akn_group, "akn")


_mount_akn()


if __name__ == "__main__":
    main()
