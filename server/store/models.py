"""Typed SQLAlchemy models.

The ``events`` table is the source of truth. ``documents`` (content-addressed AKN bytes), ``credentials`` and
``api_tokens`` are stores the log refers to but does not contain (secrets never enter the log). Every other
table is a projection: it can be dropped and rebuilt from the log (``parley projections rebuild``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


ModelT = TypeVar("ModelT", bound=type[Base])


def projection(model: ModelT) -> ModelT:
    """Mark a model's table as a projection: emptied and refilled from the log by a rebuild."""
    model.__table__.info["projection"] = True  # type: ignore[attr-defined]
    return model


def projection_tables() -> list[Table]:
    """Every projection table, children before parents (the order to empty them in)."""
    return [t for t in reversed(Base.metadata.sorted_tables) if t.info.get("projection")]


class EventRecord(Base):
    """One appended event. Rows are never updated or deleted."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("stream", "version", name="uq_events_stream_version"),
        Index("ix_events_bill_id_id", "bill_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    bill_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Document(Base):
    """AKN bytes addressed by their SHA-256; immutable."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class Credential(Base):
    """A user's password hash, kept out of the event log."""

    __tablename__ = "credentials"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # Browser sessions carry the generation they were signed in under; a new password moves it on, and a session
    # cookie of an older generation no longer loads its user (cookies cannot be revoked one by one).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class BrowserSession(Base):
    """A signed-in browser session; only the SHA-256 of the key its cookie carries is stored.

    A session cookie is signed, not stored: without this row, one copied before its owner signed out would stay
    good until the password changed. Signing out ends the row, and with it that cookie and its sockets.
    """

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False), nullable=True)


class PasswordReset(Base):
    """A pending password-reset link; only its SHA-256 is stored, and never in the log."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    used: Mapped[bool] = mapped_column(Boolean, default=False)


# --- projections -------------------------------------------------------------------------------------------


@projection
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # The display name folded as readers would take it for the same (server.domain.display_names.folded).
    display_name_key: Mapped[str] = mapped_column(String(200), index=True, server_default="")
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class Bill(Base):
    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(Text)
    doctype: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(40))
    work_uri: Mapped[str] = mapped_column(String(400), unique=True)
    status: Mapped[str] = mapped_column(String(40))
    current_version: Mapped[int] = mapped_column(Integer)
    # The document the working text was last rebuilt from; provision rows overlay their edited text on it.
    working_sha256: Mapped[str] = mapped_column(String(64))
    drafter_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class Expression(Base):
    """A published version of a bill."""

    __tablename__ = "expressions"
    __table_args__ = (UniqueConstraint("bill_id", "version", name="uq_expressions_bill_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    expression_uri: Mapped[str] = mapped_column(String(400), unique=True)
    expression_date: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(3))
    document_sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    event_id: Mapped[int] = mapped_column(BigId)


@projection
class Provision(Base):
    """A provision of a bill's working text, with the revision of its text."""

    __tablename__ = "provisions"
    __table_args__ = (
        UniqueConstraint("bill_id", "eid", name="uq_provisions_bill_eid"),
        Index("ix_provisions_bill_ordinal", "bill_id", "ordinal"),
        # Drafting clients address provisions by wId (it survives renumbering); without it a lookup scans the bill.
        Index("ix_provisions_bill_wid", "bill_id", "wid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    eid: Mapped[str] = mapped_column(String(400))
    wid: Mapped[str] = mapped_column(String(400))
    parent_eid: Mapped[str | None] = mapped_column(String(400))
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    # The unit an hcontainer stands for by its name ("regulation", "schedule"), which `name` does not say: a
    # citation names it so. None for other provisions.
    unit: Mapped[str | None] = mapped_column(String(40))
    num: Mapped[str | None] = mapped_column(Text)
    heading: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    # True once the text differs from the working document, so a publish knows what to splice in.
    edited: Mapped[bool] = mapped_column(Boolean, default=False)


@projection
class AppliedOperation(Base):
    """Client operation ids already applied, so a resent edit is answered, not applied twice."""

    __tablename__ = "applied_operations"
    __table_args__ = (UniqueConstraint("bill_id", "op_id", name="uq_applied_operations_bill_op"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    op_id: Mapped[str] = mapped_column(String(100))
    eid: Mapped[str] = mapped_column(String(400))
    rev: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(BigId)


class RefusedOperation(Base):
    """Client operation ids answered with ``edit_conflict``: a copy of one arriving later is refused again.

    A client that gets a conflict merges the op's changes into a new op; a copy of the old op still on the wire
    (resent on another connection after a reconnect) must not then be applied as well. Not a projection: a
    refusal is not an event and leaves nothing to rebuild.
    """

    __tablename__ = "refused_operations"
    __table_args__ = (UniqueConstraint("bill_id", "op_id", name="uq_refused_operations_bill_op"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(Integer)
    op_id: Mapped[str] = mapped_column(String(100))
    refused_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class ProvisionRevision(Base):
    """Recent texts of a provision by revision, so an edit based on an older revision is merged from its base."""

    __tablename__ = "provision_revisions"
    __table_args__ = (UniqueConstraint("bill_id", "wid", "rev", name="uq_provision_revisions_bill_wid_rev"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    wid: Mapped[str] = mapped_column(String(400))
    rev: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
