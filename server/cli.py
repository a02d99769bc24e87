"""The ``parley`` command: serve, migrate, manage users, import, rebuild and audit."""

from __future__ import annotations

import sys

from server import evented

# Before any other import: a serving process runs on gevent's loop, whose locks and sockets must be the only ones.
evented.patch_for_serving(sys.argv)

import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402
from flask import Flask  # noqa: E402

from config import load_config  # noqa: E402
from server.errors import ParleyError  # noqa: E402
from server.services.principal import Principal  # noqa: E402
from server.store import migrate  # noqa: E402
from server.store.db import Database  # noqa: E402


def _database() -> Database:
    database = Database(load_config().DATABASE_URL)
    try:
        migrate.require_up_to_date(database.engine)
    except ParleyError as error:
        database.dispose()
        _fail(error)
    return database


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
    if not os.environ.get("PUBLIC_URL"):
        # Links in mail (a sign-up's confirmation, an answer to a comment) lead back to this process.
        every_interface = host in {"0.0.0.0", "::"}  # noqa: S104 (recognised, not bound: links name loopback)
        config.PUBLIC_URL = f"http://{'127.0.0.1' if every_interface else host}:{port}"
    app = create_app(config)
    if demo:
        from server.demo import load_demo

        with app.app_context():
            for line in load_demo(app.extensions["parley.db"], app.config):
                click.echo(line)
    from server.realtime import transport

    evented.settle_startup_heap()
    click.echo(f"Parley is serving on http://{host}:{port} ({evented.async_mode()})")
    if evented.is_evented():
        transport.serve_evented(app, host, port)
        return
    app.extensions["socketio"].run(
        app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
        request_handler=transport.NoDelayRequestHandler,
    )


# --- tamper evidence, backups ------------------------------------------------------------------------------


def _audit_key_source() -> tuple[str | None, Path]:
    """The configured key (PEM or hex seed) and the file that holds it otherwise."""
    config = load_config()
    configured_path = getattr(config, "AUDIT_KEY_PATH", None)
    return getattr(config, "AUDIT_KEY", None), Path(configured_path or config.INSTANCE_PATH / "audit_ed25519.pem")


def _audit_key() -> Any:
    from server.services import audit as audit_service

    key, key_path = _audit_key_source()
    try:
        return audit_service.load_signing_key(key, key_path)
    except ParleyError as error:
        _fail(error)


def _trusted_keys(paths: tuple[Path, ...]) -> set[str] | None:
    """The keys named on the command line, else the operator's own signing key (if one is configured)."""
    from server.services import audit as audit_service

    if paths:
        return {audit_service.public_key_hex(audit_service.parse_public_key(p.read_text())) for p in paths}
    key, key_path = _audit_key_source()
    if key or key_path.exists():
        return {audit_service.public_key_hex(_audit_key())}
    return None


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the current chain head with the audit key and store the checkpoint."""
    from server.services import audit as audit_service

    key = _audit_key()
    database = _database()
    try:
        with database.write() as session:
            point = audit_service.write_checkpoint(session, key)
            click.echo(f"checkpoint {point.id}: event {point.event_id} hash {point.event_hash}")
            click.echo(f"signed by {point.public_key}")
    except ParleyError as error:
        _fail(error)
    finally:
        database.dispose()


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the audit public key (PEM) for publication; verifiers pass it to `verify-version --public-key`."""
    from server.services import audit as audit_service

    click.echo(audit_service.public_key_pem(_audit_key()), nl=False)


@audit.command("verify-all")
@click.option("--public-key", "public_keys", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Trust checkpoints signed with this key (PEM or hex); default: the configured audit key.")
def audit_verify_all(public_keys: tuple[Path, ...]) -> None:
    """Verify the chain, every signed checkpoint against it, and every stored document's SHA-256."""
    from server.services import audit as audit_service

    trusted = _trusted_keys(public_keys)
    database = _database()
    with database.read() as session:
        report = audit_service.verify_all(session, trusted)
    database.dispose()
    if not report.chain.ok:
        click.echo(f"chain broken at event {report.chain.first_bad_id}: {report.chain.problem}", err=True)
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(
        f"chain intact: {report.chain.checked} events, {report.checkpoints} signed checkpoints, "
        f"{report.documents} documents verified"
    )


@audit.command("export-manifest")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def audit_export_manifest(target: Path) -> None:
    """Write a signed manifest of every published version's SHA-256 (checkpointing the head first)."""
    from server.domain.events import canonical_json
    from server.services import audit as audit_service

    key = _audit_key()
    database = _database()
    try:
        with database.write() as session:
            manifest = audit_service.build_manifest(session, key)
    except ParleyError as error:
        _fail(error)
    finally:
        database.dispose()
    target.write_text(canonical_json(manifest) + "\n", encoding="utf-8")
    click.echo(f"{len(manifest['versions'])} published versions at event {manifest['checkpoint']['event_id']}")


@audit.command("verify-version")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--uri", required=True, help="The expression (or work) FRBR URI the file claims to be.")
@click.option("--manifest", "manifest_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, path_type=Path),
              help="The parliament's published audit key; without it the manifest's own key is used.")
def audit_verify_version(file: Path, uri: str, manifest_path: Path, public_key: Path | None) -> None:
    """Offline: is FILE exactly the published version URI, as the signed manifest records it?"""
    from server.services import audit as audit_service

    try:
        trusted = audit_service.parse_public_key(public_key.read_text()) if public_key else None
        check = audit_service.verify_version(
            file.read_bytes(), uri, audit_service.load_manifest(manifest_path), trusted
        )
    except ParleyError as error:
        _fail(error)
        return
    if not check.ok:
        click.echo(f"NOT VERIFIED: {check.message}", err=True)
        sys.exit(1)
    if public_key is None:
        click.echo("note: checked against the manifest's own key; pass --public-key to check its origin", err=True)
    click.echo(f"verified: {check.message}")


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write a consistent snapshot of the database to TARGET while the server keeps running."""
    from server.services import backup as backups

    try:
        result = backups.backup(load_config().DATABASE_URL, target)
    except ParleyError as error:
        _fail(error)
        return
    click.echo(f"{result.dialect} backup written to {result.path} ({result.size} bytes)")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with the backup SOURCE (stop every server first), then verify the chain."""
    from server.services import backup as backups
    from server.store import eventlog

    url = load_config().DATABASE_URL
    if not yes:
        click.confirm("This replaces the whole database. Are the servers stopped?", abort=True)
    try:
        backups.restore(url, source)
    except ParleyError as error:
        _fail(error)
    migrate.upgrade(url)
    database = _database()
    with database.read() as session:
        report = eventlog.verify_chain(session)
        last = eventlog.last_event_id(session)
    database.dispose()
    if not report.ok:
        click.echo(f"restored, but the chain is broken at event {report.first_bad_id}: {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"restored {source}: {report.checked} events, last event id {last}; chain intact")


# --- open data ---------------------------------------------------------------------------------------------


@main.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_all(directory: Path) -> None:
    """Write every public document and dataset into DIRECTORY (see docs/api-opendata.md for the layout)."""
    from server.services import export
    from server.services.consultation import ConsultationSettings

    config = load_config()
    settings = ConsultationSettings.from_config(config.as_dict())
    database = _database()
    written = 0
    try:
        with database.read() as session:
            export.write_file(directory, export.index_file(session))
            written += 1
            ids = export.bill_ids(session)
            with click.progressbar(ids, label="exporting bills", file=sys.stderr) as bar:
                for bill_id in bar:
                    for item in export.bill_files(session, bill_id, settings):
                        export.write_file(directory, item)
                        written += 1
    finally:
        database.dispose()
    click.echo(f"exported {len(ids)} bills ({written} files) to {directory}")


@main.group()
def webhooks() -> None:
    """Webhook deliveries."""


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, polling every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True)
def webhooks_deliver(loop: bool, interval: float) -> None:
    """Schedule and send due webhook deliveries (once, or continuously with --loop)."""
    import time

    from server.services import webhook_delivery

    _app()  # registers every projector
    config = load_config()
    settings = webhook_delivery.settings_from_config(config.as_dict())
    database = _database()
    try:
        while True:
            attempts = webhook_delivery.run_once(database, settings)
            click.echo(f"{attempts} delivery attempts")
            if not loop:
                return
            time.sleep(interval)
    finally:
        database.dispose()


@main.group()
def notifications() -> None:
    """Mail notifications to subscribers."""


@notifications.command("send")
@click.option("--digest", is_flag=True, help="Send the daily digests instead of the immediate mails.")
@click.option("--loop", is_flag=True, help="Keep running, polling every --interval seconds.")
@click.option("--interval", default=60.0, show_default=True)
def notifications_send(digest: bool, loop: bool, interval: float) -> None:
    """Mail each subscriber the public events they follow (once, or continuously with --loop).

    Run `send` often (or with --loop) for immediate subscriptions and `send --digest` once a day for digests.
    """
    import time

    from server.services import mail, notification_delivery

    _app()  # registers every projector
    config = load_config().as_dict()
    settings = notification_delivery.settings_from_config(config)
    sender = mail.sender_from_config(config)
    database = _database()
    try:
        while True:
            report = notification_delivery.run_once(database, sender, settings, digest=digest)
            click.echo(f"{report.mails_sent} mails sent ({report.events_mailed} events), {report.failures} failed")
            if not loop:
                sys.exit(1 if report.failures else 0)
            time.sleep(interval)
    finally:
        database.dispose()


def _mount_akn() -> None:
    try:
        from akn.cli import akn_group
    except ImportError:  # the command group is optional for a partial install
        return
    main.add_command(akn_group, "akn")


_mount_akn()


if __name__ == "__main__":
    main()
