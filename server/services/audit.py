"""Tamper evidence: signed checkpoints of the chain head, stored documents, and offline-verifiable manifests.

The hash chain (``server.store.eventlog``) shows that no event was altered or removed *relative to the head*;
a checkpoint signed with the parliament's Ed25519 key pins the head itself, so a log rewritten from some event
onwards (with every later hash recomputed) no longer matches a checkpoint signed before the rewrite. A
manifest lists the SHA-256 of every published version together with the signed head, so anyone holding the
public key can check a downloaded AKN file without access to the server.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.events import canonical_json
from server.errors import BadRequest, NotFound
from server.store import eventlog
from server.store.audit_models import Checkpoint
from server.store.models import Bill, Document, EventRecord, Expression

MANIFEST_FORMAT = "parley-manifest/1"
CHECKPOINT_PURPOSE = "parley-checkpoint/1"


# --- keys ----------------------------------------------------------------------------------------------------


def load_signing_key(key: str | None, path: Path) -> Ed25519PrivateKey:
    """The signing key given as PEM or hex seed in ``key``, else read from ``path`` (created once, mode 0600)."""
    if key:
        return _parse_private_key(key.strip().encode("ascii"))
    if path.exists():
        return _parse_private_key(path.read_bytes())
    created = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = created.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: two processes starting together must not each write a key and sign with different ones.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return created


def _parse_private_key(data: bytes) -> Ed25519PrivateKey:
    if data.lstrip().startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_private_key(data, password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise BadRequest("the audit key must be an Ed25519 private key")
        return loaded
    try:
        seed = bytes.fromhex(data.decode("ascii").strip())
    except ValueError:
        raise BadRequest("the audit key must be PEM or the hex of a 32-byte Ed25519 seed") from None
    if len(seed) != 32:
        raise BadRequest(f"an Ed25519 seed is 32 bytes; found {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def parse_public_key(data: str) -> Ed25519PublicKey:
    """A public key as PEM or as the hex of its 32 raw bytes."""
    text = data.strip()
    if text.startswith("-----BEGIN"):
        loaded = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(loaded, Ed25519PublicKey):
            raise BadRequest("the public key must be an Ed25519 key")
        return loaded
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError:
        raise BadRequest("the public key must be PEM or the hex of 32 raw bytes") from None


def _verify(public_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- checkpoints ---------------------------------------------------------------------------------------------


def checkpoint_message(event_id: int, event_hash: str, signed_at: datetime) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return canonical_json(
        {
            "purpose": CHECKPOINT_PURPOSE,
            "event_id": event_id,
            "hash": event_hash,
            "signed_at": signed_at.isoformat(timespec="microseconds"),
        }
    ).encode("utf-8")


def write_checkpoint(session: Session, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the current chain head and store the checkpoint (the chain is verified first: never sign a bad log)."""
    eventlog.acquire_append_lock(session)
    report = eventlog.verify_chain(session)
    if not report.ok:
        raise BadRequest(f"refusing to sign a broken chain: {report.problem}")
    top = eventlog.head(session)
    if top is None:
        raise NotFound("the event log is empty; there is nothing to checkpoint")
    signed_at = eventlog.utcnow()
    checkpoint = Checkpoint(
        event_id=top.id,
        event_hash=top.hash,
        signed_at=signed_at,
        public_key=public_key_hex(key),
        signature=key.sign(checkpoint_message(top.id, top.hash, signed_at)).hex(),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


@dataclass
class AuditReport:
    """The outcome of `parley audit verify-all`: the chain, the checkpoints and the stored documents."""

    chain: eventlog.ChainReport
    checkpoints: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def verify_checkpoints(session: Session, trusted_keys: set[str] | None = None) -> tuple[int, list[str]]:
    """Check each checkpoint's signature and that the log still has the signed hash at the signed id.

    ``trusted_keys`` (hex) are the keys a checkpoint must be signed with; a checkpoint signed by any other key
    is reported, since whoever can rewrite the table could also sign with a key of their own.
    """
    problems: list[str] = []
    count = 0
    for checkpoint in session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        count += 1
        label = f"checkpoint {checkpoint.id} (event {checkpoint.event_id})"
        if trusted_keys is not None and checkpoint.public_key not in trusted_keys:
            problems.append(f"{label} is signed by an untrusted key {checkpoint.public_key[:16]}…")
            continue
        message = checkpoint_message(checkpoint.event_id, checkpoint.event_hash, checkpoint.signed_at)
        if not _verify(checkpoint.public_key, checkpoint.signature, message):
            problems.append(f"{label} has an invalid signature")
            continue
        event = session.get(EventRecord, checkpoint.event_id)
        if event is None:
            problems.append(f"{label}: the signed event is missing from the log")
        elif event.hash != checkpoint.event_hash:
            problems.append(f"{label}: the log was rewritten; event {event.id} no longer has the signed hash")
    return count, problems


def verify_documents(session: Session) -> tuple[int, list[str]]:
    """Every stored document still hashes to the SHA-256 it is filed under."""
    problems: list[str] = []
    count = 0
    for digest in list(session.scalars(select(Document.sha256))):
        row = session.get(Document, digest)
        assert row is not None
        count += 1
        if hashlib.sha256(row.content).hexdigest() != digest:
            problems.append(f"document {digest[:16]}… was altered after it was stored")
        session.expunge(row)
    return count, problems


def verify_all(session: Session, trusted_keys: set[str] | None = None) -> AuditReport:
    """The chain, then the checkpoints against it, then the documents the published versions name."""
    report = AuditReport(chain=eventlog.verify_chain(session))
    report.checkpoints, checkpoint_problems = verify_checkpoints(session, trusted_keys)
    report.documents, document_problems = verify_documents(session)
    report.problems = checkpoint_problems + document_problems
    return report


# --- manifests -----------------------------------------------------------------------------------------------


def build_manifest(session: Session, key: Ed25519PrivateKey) -> dict[str, Any]:
    """A signed list of every published version's SHA-256, pinned to a fresh checkpoint of the chain head."""
    checkpoint = write_checkpoint(session, key)
    rows = session.execute(
        select(Expression, Bill.work_uri).join(Bill, Bill.id == Expression.bill_id).order_by(
            Expression.bill_id, Expression.version
        )
    ).all()
    body: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "checkpoint": {
            "event_id": checkpoint.event_id,
            "hash": checkpoint.event_hash,
            "signed_at": checkpoint.signed_at.isoformat(timespec="microseconds"),
            "signature": checkpoint.signature,
        },
        "public_key": checkpoint.public_key,
        "versions": [
            {
                "bill_id": expression.bill_id,
                "version": expression.version,
                "work_uri": work_uri,
                "expression_uri": expression.expression_uri,
                "sha256": expression.document_sha256,
                "event_id": expression.event_id,
            }
            for expression, work_uri in rows
        ],
    }
    body["signature"] = key.sign(canonical_json(body).encode("utf-8")).hex()
    return body


@dataclass(frozen=True)
class VersionCheck:
    """The outcome of checking one downloaded file against a manifest."""

    ok: bool
    message: str
    expression_uri: str | None = None


def verify_version(
    content: bytes, uri: str, manifest: dict[str, Any], trusted_key: Ed25519PublicKey | None = None
) -> VersionCheck:
    """Is ``content`` the published version ``uri`` (an expression URI, or a work URI for its latest version)?

    Works offline: it needs the file, the manifest and the public key only. Without ``trusted_key`` the key
    embedded in the manifest is used, which proves integrity but not origin; pass the parliament's key.
    """
    if manifest.get("format") != MANIFEST_FORMAT:
        return VersionCheck(False, f"not a {MANIFEST_FORMAT} manifest")
    body = {k: v for k, v in manifest.items() if k != "signature"}
    embedded = str(manifest.get("public_key", ""))
    key_hex = public_key_hex(trusted_key) if trusted_key is not None else embedded
    if trusted_key is not None and embedded != key_hex:
        return VersionCheck(False, "the manifest is signed by a different key than the one trusted")
    if not _verify(key_hex, str(manifest.get("signature", "")), canonical_json(body).encode("utf-8")):
        return VersionCheck(False, "the manifest's signature is invalid: it was altered or forged")
    point = manifest["checkpoint"]
    signed_at = datetime.fromisoformat(point["signed_at"])
    if not _verify(key_hex, point["signature"], checkpoint_message(point["event_id"], point["hash"], signed_at)):
        return VersionCheck(False, "the manifest's checkpoint signature is invalid")
    wanted = "/akn/" + uri.strip().removeprefix("/akn/").lstrip("/")
    wanted = wanted.removesuffix(".xml").removesuffix(".akn").rstrip("/")
    by_expression = [v for v in manifest["versions"] if v["expression_uri"] == wanted]
    by_work = sorted((v for v in manifest["versions"] if v["work_uri"] == wanted), key=lambda v: v["version"])
    entry = by_expression[0] if by_expression else (by_work[-1] if by_work else None)
    if entry is None:
        return VersionCheck(False, f"the manifest lists no published version {wanted}")
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry["sha256"]:
        return VersionCheck(
            False,
            f"the file's SHA-256 is {digest}; version {entry['version']} was published as {entry['sha256']}",
            entry["expression_uri"],
        )
    return VersionCheck(
        True,
        f"{entry['expression_uri']} matches the published SHA-256 {digest} "
        f"(checkpoint at event {point['event_id']}, key {key_hex[:16]}…)",
        entry["expression_uri"],
    )


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BadRequest(f"cannot read the manifest {path}: {error}") from None
    if not isinstance(loaded, dict):
        raise BadRequest(f"the manifest {path} is not a JSON object")
    return loaded
