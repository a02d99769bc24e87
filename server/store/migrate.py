"""Apply and check Alembic migrations programmatically (``parley db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from server.errors import DatabaseNotMigrated

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision``."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def head_revisions(url: str) -> set[str]:
    """The newest revision of each migration branch (features may add branches of their own)."""
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions(engine.url.render_as_string(hide_password=False))


def require_up_to_date(engine: Engine) -> None:
    """Refuse a database whose schema is behind the code: servers of an older release may still be using it, so
    only an operator's explicit ``parley db upgrade`` (or ``parley serve``) moves it on."""
    if not is_up_to_date(engine):
        raise DatabaseNotMigrated(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not migrated to the current "
            "schema; run `parley db upgrade` first"
        )
