"""The XML attack corpus through every entry point that takes XML: the API, `parley import`, `parley akn validate`.

Each attack must be refused without expanding entities, reading local files or reaching the network, and
nothing may be stored.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from server.cli import main
from server.store.db import Database
from server.store.models import Bill, EventRecord
from tests.server.conftest import Accounts

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
SECRET_FILE_MARKER = "root:x:0:0"


class Listener:
    """A TCP port that records whether anyone connected: an XXE that fetches a URL would show up here."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.1)
        self.port = int(self.socket.getsockname()[1])
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.hits += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


def attacks(port: int) -> dict[str, bytes]:
    lol = "".join(f'<!ENTITY l{i + 1} "{"".join(f"&l{i};" for _ in range(10))}">' for i in range(9))
    return {
        "billion-laughs": f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY l0 "lol">{lol}]>'
                          f'<akomaNtoso xmlns="{AKN}">&l9;</akomaNtoso>'.encode(),
        "quadratic-blowup": (f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "{"A" * 50_000}">]>'
                             f'<akomaNtoso xmlns="{AKN}">{"&x;" * 5_000}</akomaNtoso>').encode(),
        "external-file": f'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                         f'<akomaNtoso xmlns="{AKN}"><bill name="bill">&x;</bill></akomaNtoso>'.encode(),
        "external-http": f'<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>'
                         f'<akomaNtoso xmlns="{AKN}"><bill name="bill">&x;</bill></akomaNtoso>'.encode(),
        "external-dtd": f'<!DOCTYPE akomaNtoso SYSTEM "http://127.0.0.1:{port}/akn.dtd">'
                        f'<akomaNtoso xmlns="{AKN}"/>'.encode(),
        "parameter-entity": f'<!DOCTYPE a [<!ENTITY % r SYSTEM "http://127.0.0.1:{port}/p.dtd"> %r;]>'
                            f'<akomaNtoso xmlns="{AKN}"/>'.encode(),
        "xinclude": f'<akomaNtoso xmlns="{AKN}" xmlns:xi="http://www.w3.org/2001/XInclude"><bill name="bill">'
                    f'<xi:include href="file:///etc/passwd" parse="text"/></bill></akomaNtoso>'.encode(),
        "xinclude-http": f'<akomaNtoso xmlns="{AKN}" xmlns:xi="http://www.w3.org/2001/XInclude"><bill name="b">'
                         f'<xi:include href="http://127.0.0.1:{port}/x" parse="text"/></bill></akomaNtoso>'.encode(),
        "schema-location": f'<akomaNtoso xmlns="{AKN}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                           f'xsi:schemaLocation="{AKN} http://127.0.0.1:{port}/akn.xsd"/>'.encode(),
        "utf16-doctype": f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x SYSTEM '
                         f'"file:///etc/passwd">]><akomaNtoso xmlns="{AKN}">&x;</akomaNtoso>'.encode("utf-16"),
        "deep-nesting": (f'<akomaNtoso xmlns="{AKN}">' + "<b>" * 100_000 + "</b>" * 100_000
                         + "</akomaNtoso>").encode(),
        "not-xml": b"\x00\x01\x02 this is not XML at all",
    }


NAMES = sorted(attacks(9))


@pytest.mark.parametrize("name", NAMES)
def test_api_refuses_the_attack_and_stores_nothing(
    name: str, client: FlaskClient, users: Accounts, db: Database, listener: Listener
) -> None:
    payload = attacks(listener.port)[name]
    started = time.perf_counter()
    response = client.post("/api/bills", data=payload, content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert time.perf_counter() - started < 5
    assert response.status_code in {400, 413, 422}, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"]
    assert SECRET_FILE_MARKER not in response.get_data(as_text=True)
    assert listener.hits == 0, "the parser reached the network"
    with db.read() as session:
        assert session.query(Bill).count() == 0
        assert session.query(EventRecord).filter(EventRecord.type == "bill.imported").count() == 0


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": sqlite_url, "PARLEY_ENV": "testing", "SECRET_KEY": "xml",
            "PARLEY_INSTANCE_PATH": str(tmp_path / "instance")}


@pytest.mark.parametrize("command", [["import"], ["akn", "validate"]], ids=["import", "akn-validate"])
def test_commands_refuse_every_attack(
    command: list[str], cli_env: dict[str, str], tmp_path: Path, listener: Listener, db: Database
) -> None:
    files = []
    for name, payload in attacks(listener.port).items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(payload)
        files.append(str(path))
    result = CliRunner().invoke(main, [*command, *files], env=cli_env)
    assert result.exit_code == 1, result.output
    assert SECRET_FILE_MARKER not in result.output
    assert listener.hits == 0
    assert not isinstance(result.exception, RecursionError | MemoryError)
    if command == ["import"]:
        assert result.stdout.strip() == "", "no attack was imported"
