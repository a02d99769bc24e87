"""Read models of the amendment procedure: amendments, their conflicts and each bill's amendment window.

All three are projections of the ``amendment.*`` and ``amendment_window.*`` events (``server.services.amendments``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import Base, projection


@projection
class Amendment(Base):
    """One amendment to a bill, as it stands in the procedure."""

    __tablename__ = "amendments"
    __table_args__ = (
        UniqueConstraint("bill_id", "number", name="uq_amendments_bill_number"),
        Index("ix_amendments_bill_state", "bill_id", "state"),
        Index("ix_amendments_proposer", "proposer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    # The order-paper number, given when the amendment is tabled.
    number: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    eid: Mapped[str] = mapped_column(String(400))
    wid: Mapped[str] = mapped_column(String(400))
    # The provision's place in the version the amendment was made on. The marshalled list places amendments by
    # their wId in the latest version (server.domain.marshalling); this orders those whose provision is gone.
    ordinal: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int] = mapped_column(Integer)
    base_expression_uri: Mapped[str] = mapped_column(String(400))
    base_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    new_name: Mapped[str | None] = mapped_column(String(40))
    new_num: Mapped[str | None] = mapped_column(Text)
    new_heading: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str] = mapped_column(Text)
    instruction_parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)
    justification: Mapped[str] = mapped_column(Text, default="")
    proposer_id: Mapped[int] = mapped_column(Integer)
    cosponsor_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    # What a reason Parley wrote is written from (the version that outdated the amendment, and why), so that it is
    # shown in the reader's language; None for a clerk's own words, and for reasons recorded before it was kept.
    reason_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    votes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when an adopted amendment defeats this one; the clerk then confirms it as fallen.
    defeated_by: Mapped[int | None] = mapped_column(Integer)
    consolidated_in: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


@projection
class AmendmentConflict(Base):
    """A conflict between two amendments, stored once in each direction."""

    __tablename__ = "amendment_conflicts"

    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


@projection
class AmendmentWindow(Base):
    """Whether a bill takes amendments; a bill without a row is open (bills are open when introduced)."""

    __tablename__ = "amendment_windows"

    bill_id: Mapped[int] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    is_open: Mapped[bool] = mapped_column(default=True)
    changed_by: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
