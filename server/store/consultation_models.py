"""Read models of citizen consultation (projections of ``consultation.*``, ``comment.*``, ``citizen.*``) and
the store of email verification secrets, which the log never holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import Base, BigId, projection


@projection
class Consultation(Base):
    """A window during which citizens comment on one published version of a bill."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    expression_uri: Mapped[str] = mapped_column(String(400))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    opened_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class Comment(Base):
    """A citizen's comment on a provision, anchored by the provision's wId and the version it was made on."""

    __tablename__ = "comments"
    __table_args__ = (
        # Also what grouping a bill's campaigns counts by (visible comments per cluster).
        Index("ix_comments_bill_state_cluster", "bill_id", "state", "cluster_id"),
        Index("ix_comments_author_created", "author_id", "created_at"),
        Index("ix_comments_consultation_cluster", "consultation_id", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    bill_id: Mapped[int] = mapped_column(Integer)
    eid: Mapped[str] = mapped_column(String(400))
    wid: Mapped[str] = mapped_column(String(400))
    version: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(Integer)
    reply_to: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    # The public reason of a hide, or why a comment was held for review.
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    endorsements: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    # Flags a clerk has not looked at yet; a moderation act clears them.
    flags_pending: Mapped[int] = mapped_column(Integer, default=0)
    cluster_id: Mapped[int] = mapped_column(Integer)
    fate: Mapped[str | None] = mapped_column(String(30))
    event_id: Mapped[int] = mapped_column(BigId)


@projection
class CommentKey(Base):
    """Locality-sensitive keys of each distinct comment text, to find the cluster a new comment belongs to."""

    __tablename__ = "comment_keys"
    __table_args__ = (
        Index("ix_comment_keys_lookup", "consultation_id", "key"),
        # How many members of a cluster are indexed (at most MAX_INDEXED_PER_CLUSTER are) without a scan.
        Index("ix_comment_keys_cluster", "consultation_id", "cluster_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    comment_id: Mapped[int] = mapped_column(Integer)
    cluster_id: Mapped[int] = mapped_column(Integer)


@projection
class CommentEndorsement(Base):
    __tablename__ = "comment_endorsements"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_endorsements_comment_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class CommentFlag(Base):
    """A report that a comment breaks the rules (or, for ``impersonation``, that its author did not write it)."""

    __tablename__ = "comment_flags"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_flags_comment_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class CommentAnswer(Base):
    """A drafter's or clerk's answer to a comment or to a whole cluster, and the version that took it up."""

    __tablename__ = "comment_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bill_id: Mapped[int] = mapped_column(Integer, index=True)
    consultation_id: Mapped[int] = mapped_column(Integer)
    comment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    fate: Mapped[str] = mapped_column(String(30))
    version: Mapped[int | None] = mapped_column(Integer)
    amendment_id: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class ModerationAct(Base):
    """Every moderation decision, for the clerk's history (each is also an event in the log)."""

    __tablename__ = "moderation_acts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, unique=True)
    action: Mapped[str] = mapped_column(String(40))
    comment_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class CitizenSignup(Base):
    """A citizen who signed up with an email address; ``verified_email`` is unique across accounts."""

    __tablename__ = "citizen_signups"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    email: Mapped[str] = mapped_column(String(254), index=True)
    verified_email: Mapped[str | None] = mapped_column(String(254), unique=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # The interface language the citizen signed up in (None: English); mail to them is written in it.
    language: Mapped[str | None] = mapped_column(String(8))


class EmailVerification(Base):
    """A pending verification link; only its SHA-256 is stored, and never in the log."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    used: Mapped[bool] = mapped_column(Boolean, default=False)
