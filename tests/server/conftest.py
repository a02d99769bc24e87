"""Fixtures: a migrated database on SQLite and on PostgreSQL, an application, clients and accounts."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import BaseWSGIServer, make_server

from config import TestingConfig
from server.app import create_app
from server.domain.amendments import AmendmentEvent, amendment_stream
from server.domain.events import EventDraft
from server.services import accounts
from server.store import eventlog, migrate, projections
from server.store.db import Database
from server.store.models import Base

POSTGRES_URL = os.environ.get("PARLEY_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def postgres_available() -> bool:
    if os.environ.get("PARLEY_TEST_POSTGRES", "").lower() in {"0", "false", "no"}:
        return False
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("CI") == "true" and os.environ.get("PARLEY_TEST_POSTGRES", "") != "0":
        pytest.fail("PostgreSQL must answer on 127.0.0.1:5432 in CI")
    pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema for this test process, so parallel runs on one server do not meet."""
    _require_postgres()
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "parley.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_schema_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database, for tests whose subject does not depend on the dialect."""
    target = tmp_path / "parley.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def make_config(url: str, tmp_path: Path, **overrides: Any) -> TestingConfig:
    config = TestingConfig()
    config.DATABASE_URL = url
    config.INSTANCE_PATH = tmp_path / "instance"
    config.RATELIMIT_ENABLED = False
    for name, value in overrides.items():
        setattr(config, name, value)
    return config


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_config(database_url, tmp_path))
    yield application
    application.extensions["parley.db"].dispose()


@pytest.fixture
def db(app: Flask) -> Database:
    database: Database = app.extensions["parley.db"]
    return database


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Accounts:
    """Creates users and their bearer tokens through the real services."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def add(self, username: str, role: str, password: str = "correct-horse") -> str:
        with self.database.write() as session:
            user = accounts.register_user(session, username, role, password)
            token = accounts.issue_token(session, accounts.principal_of(user))
            self.ids[username] = user.id
        self.tokens[username] = token
        return token

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def users(db: Database) -> Accounts:
    registry = Accounts(db)
    for username, role in (
        ("drafter", "drafter"), ("drafter2", "drafter"), ("mp", "mp"), ("clerk", "clerk"),
        ("citizen", "citizen"), ("admin", "admin"),
    ):
        registry.add(username, role)
    return registry


class LiveServer:
    """The application served over loopback by a real threaded HTTP/WebSocket server."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # The port is only known now; allow this server's own origin, as ALLOWED_ORIGINS would in a deployment.
        app.extensions["socketio"].server.eio.cors_allowed_origins = [self.url]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def cosponsor_draft(db: Database, bill_id: int, amendment_id: int, user_id: int) -> None:
    """Put a member's name to a draft, as the log may hold from before drafts were private (the service now lets
    no one else read a draft to put their name to it)."""
    with db.write() as session:
        eventlog.append(session, EventDraft(amendment_stream(amendment_id), AmendmentEvent.COSPONSOR_ADDED,
                                            {"amendment_id": amendment_id, "user_id": user_id}, user_id, bill_id),
                        projector=projections.apply)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


SMALL_BILL_TEXT = """\
PART 1 - Preliminary

  SEC 1. - Short title

    This Act may be cited as the Test Act, 2026.

  SEC 2. - Interpretation

    In this Act—

    PARA (a)

      "{{def{refersTo #term-clerk} clerk}}" means the Clerk of the {{>/akn/ke/act/2010/constitution Assembly}};

    PARA (b)

      "register" means the register kept under section 3.

PART 2 - Consultations

  SEC 3. - Duty to consult

    SUBSEC (1)

      The {{term{refersTo #term-clerk} clerk}} shall open a consultation within thirty days.

    SUBSEC (2)

      A consultation shall remain open for **not less than** thirty days.

  SEC 4. - Register

    The clerk shall keep a register of consultations.
"""


def small_bill_xml(number: str = "7", title: str = "Test Bill, 2026") -> bytes:
    """A short bill in AKN made from text, with parts, sections, subsections, paragraphs, a ref and terms."""
    from akn.plaintext import parse_bill_text

    return parse_bill_text(SMALL_BILL_TEXT, country="ke", number=number, date="2026-11-02", title=title)


@pytest.fixture
def bill_id(db: Database, users: Accounts) -> int:
    """The id of a small bill in drafting, imported by the drafter."""
    from server.services import bills

    with db.write() as session:
        principal = accounts.principal_for_user_id(session, users.ids["drafter"])
        return bills.import_bill(session, principal, small_bill_xml()).bill.id
