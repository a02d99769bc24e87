"""Signed checkpoints of the event chain head.

Not a projection: a checkpoint attests the log from outside it, so it is written once by `parley audit
checkpoint` and never rebuilt (a rebuild that re-signed the head would attest whatever the log had become).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import Base, BigId


class Checkpoint(Base):
    """The hash of event ``event_id`` at the time it was signed, with the Ed25519 signature over it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, index=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # Raw 32-byte Ed25519 public key and 64-byte signature, hex-encoded.
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
