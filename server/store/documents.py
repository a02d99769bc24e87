"""Content-addressed storage of AKN documents."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from server.store.eventlog import utcnow
from server.store.models import Document

AKN_MEDIA_TYPE = "application/akn+xml"


def put(session: Session, content: bytes, media_type: str = AKN_MEDIA_TYPE) -> str:
    """Store ``content`` once and return its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    if session.get(Document, digest) is None:
        session.add(
            Document(sha256=digest, media_type=media_type, size=len(content), content=content, created_at=utcnow())
        )
        session.flush()
    return digest


def get(session: Session, digest: str) -> bytes:
    row = session.get(Document, digest)
    if row is None:
        raise LookupError(f"no document with SHA-256 {digest}")
    return row.content
