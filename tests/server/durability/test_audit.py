"""Tamper evidence: signed checkpoints catch a rewritten log, manifests prove a downloaded version offline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient
from sqlalchemy import select, update

from server.cli import main
from server.domain.events import canonical_json, event_hash
from server.errors import BadRequest
from server.services import audit
from server.store.audit_models import Checkpoint
from server.store.db import Database
from server.store.models import Document, EventRecord
from tests.server.conftest import Accounts
from tests.server.durability.scenario import run_scenario


def rewrite_history(db: Database, event_id: int) -> None:
    """What an intruder with database access does: alter one event and recompute every later hash."""
    with db.write() as session:
        events = list(session.scalars(select(EventRecord).where(EventRecord.id >= event_id).order_by(EventRecord.id)))
        previous = session.scalar(select(EventRecord.hash).where(EventRecord.id == event_id - 1))
        assert previous is not None
        events[0].data = {**events[0].data, "forged": True}
        for record in events:
            record.previous_hash = previous
            record.hash = event_hash(
                previous_hash=previous, event_id=record.id, stream=record.stream, version=record.version,
                type=record.type, actor_id=record.actor_id, bill_id=record.bill_id, data=record.data,
                occurred_at=record.occurred_at,
            )
            session.flush()
            previous = record.hash


@pytest.fixture
def scenario(client: FlaskClient, users: Accounts, db: Database) -> dict[str, object]:
    return run_scenario(client, users, db)


def test_an_untouched_log_verifies_with_its_checkpoint(db: Database, scenario: dict[str, object]) -> None:
    key = Ed25519PrivateKey.generate()
    with db.write() as session:
        point = audit.write_checkpoint(session, key)
    with db.read() as session:
        report = audit.verify_all(session, {audit.public_key_hex(key)})
    assert report.ok, report
    assert report.chain.checked == point.event_id
    assert (report.checkpoints, report.documents) == (1, report.documents)
    assert report.documents >= 3  # the imported bill and two published versions


def test_a_rewritten_history_passes_the_chain_but_not_the_checkpoint(
    db: Database, scenario: dict[str, object]
) -> None:
    key = Ed25519PrivateKey.generate()
    with db.write() as session:
        point = audit.write_checkpoint(session, key)
    rewrite_history(db, 3)
    with db.read() as session:
        report = audit.verify_all(session, {audit.public_key_hex(key)})
    assert report.chain.ok, "the intruder recomputed every hash, so the chain alone cannot tell"
    assert not report.ok
    assert report.problems == [
        f"checkpoint {point.id} (event {point.event_id}): the log was rewritten; "
        f"event {point.event_id} no longer has the signed hash"
    ]


def test_an_edited_event_breaks_the_chain(db: Database, scenario: dict[str, object]) -> None:
    with db.write() as session:
        session.execute(update(EventRecord).where(EventRecord.id == 4).values(data={"forged": True}))
    with db.read() as session:
        report = audit.verify_all(session)
    assert (report.ok, report.chain.first_bad_id) == (False, 4)


def test_checkpoints_signed_by_another_key_or_altered_are_refused(db: Database, scenario: dict[str, object]) -> None:
    ours, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with db.write() as session:
        audit.write_checkpoint(session, ours)
        audit.write_checkpoint(session, theirs)
        forged = audit.write_checkpoint(session, ours)
        forged.event_hash = "f" * 64  # an intruder making a checkpoint agree with a rewritten log
    with db.read() as session:
        _, problems = audit.verify_checkpoints(session, {audit.public_key_hex(ours)})
    assert len(problems) == 2
    assert "untrusted key" in problems[0]
    assert problems[1].endswith("has an invalid signature")


def test_an_altered_stored_document_is_caught(db: Database, scenario: dict[str, object]) -> None:
    with db.write() as session:
        digest = session.scalars(select(Document.sha256)).first()
        assert digest is not None
        session.execute(update(Document).where(Document.sha256 == digest).values(content=b"<akomaNtoso/>"))
    with db.read() as session:
        report = audit.verify_all(session)
    assert report.chain.ok and not report.ok
    assert report.problems == [f"document {digest[:16]}… was altered after it was stored"]


def test_a_broken_chain_is_never_signed(db: Database, scenario: dict[str, object]) -> None:
    with db.write() as session:
        session.execute(update(EventRecord).where(EventRecord.id == 2).values(type="user.forged"))
    with pytest.raises(BadRequest, match="refusing to sign a broken chain"), db.write() as session:
        audit.write_checkpoint(session, Ed25519PrivateKey.generate())
    with db.read() as session:
        assert session.scalars(select(Checkpoint)).all() == []


# --- the command line, as an operator and a citizen use it ---------------------------------------------------


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url, "PARLEY_ENV": "testing", "SECRET_KEY": "audit-tests",
        "PARLEY_INSTANCE_PATH": str(tmp_path / "instance"),
    }


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_downloaded_version_is_verified_offline_and_a_changed_byte_is_caught(
    client: FlaskClient, scenario: dict[str, object], cli_env: dict[str, str], tmp_path: Path
) -> None:
    uri = str(scenario["expression_uri"])
    downloaded = tmp_path / "bill.xml"
    response = client.get(uri + ".xml")
    assert response.status_code == 200
    downloaded.write_bytes(response.data)
    manifest, public_key = tmp_path / "manifest.json", tmp_path / "parliament.pem"

    code, out, _ = invoke(cli_env, "audit", "export-manifest", str(manifest))
    assert code == 0 and "published versions" in out
    code, pem, _ = invoke(cli_env, "audit", "public-key")
    public_key.write_text(pem)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    code, out, _ = invoke(cli_env, "audit", "verify-all")
    assert code == 0 and "1 signed checkpoints" in out

    offline = {"PARLEY_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": "sqlite:////nonexistent/none.db"}
    args = ["audit", "verify-version", str(downloaded), "--uri", uri, "--manifest", str(manifest),
            "--public-key", str(public_key)]
    code, out, err = invoke(offline, *args)
    assert code == 0, err
    assert out.startswith(f"verified: {uri} matches the published SHA-256")

    # A work URI stands for its latest published version.
    work_uri = uri.rsplit("/", 1)[0]
    assert invoke(offline, *[a if a != uri else work_uri for a in args])[0] == 0

    downloaded.write_bytes(response.data.replace(b"sixty", b"ninety", 1))
    code, _, err = invoke(offline, *args)
    assert code == 1 and "NOT VERIFIED: the file's SHA-256 is" in err


def test_a_doctored_manifest_or_a_foreign_key_is_refused(
    client: FlaskClient, scenario: dict[str, object], cli_env: dict[str, str], tmp_path: Path
) -> None:
    uri = str(scenario["expression_uri"])
    doctored_file = tmp_path / "doctored.xml"
    doctored_file.write_bytes(client.get(uri + ".xml").data.replace(b"sixty", b"ninety", 1))
    manifest = tmp_path / "manifest.json"
    assert invoke(cli_env, "audit", "export-manifest", str(manifest))[0] == 0
    public_key = tmp_path / "parliament.pem"
    public_key.write_text(invoke(cli_env, "audit", "public-key")[1])

    # The intruder puts the doctored file's hash into the manifest; the signature no longer matches.
    content = json.loads(manifest.read_text())
    for entry in content["versions"]:
        if entry["expression_uri"] == uri:
            entry["sha256"] = hashlib.sha256(doctored_file.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(content))
    args = ["audit", "verify-version", str(doctored_file), "--uri", uri, "--manifest", str(manifest)]
    code, _, err = invoke(cli_env, *args, "--public-key", str(public_key))
    assert code == 1 and "signature is invalid" in err

    # ...or re-signs the whole manifest with a key of their own: refused against the parliament's key.
    forger = Ed25519PrivateKey.generate()
    content["public_key"] = audit.public_key_hex(forger)
    content["signature"] = forger.sign(canonical_json(
        {k: v for k, v in content.items() if k != "signature"}).encode()).hex()
    manifest.write_text(json.dumps(content))
    code, _, err = invoke(cli_env, *args, "--public-key", str(public_key))
    assert code == 1 and "signed by a different key" in err
