"""Models of the open-data features: webhooks and their deliveries, mail subscriptions.

``webhooks`` and ``subscriptions`` are projections of ``webhook.*`` and ``subscription.*`` events. The other
tables hold what the log must not or need not hold: webhook signing secrets (secrets never enter the log) and
the progress of the delivery workers (cursors into the log, delivery attempts), which is bookkeeping about
sending, not a fact of the parliament.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import Base, BigId, projection


@projection
class Webhook(Base):
    """A URL that receives signed POSTs of the public events it asked for."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]] = mapped_column(default=list)
    # Only events of this bill, when set.
    bill_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    # The last event id when it was registered: deliveries start after it.
    start_after: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class WebhookSecret(Base):
    """The HMAC key of a webhook, shown to its owner once; kept out of the log."""

    __tablename__ = "webhook_secrets"

    webhook_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(128))


class WebhookCursor(Base):
    """How far into the log deliveries of a webhook have been scheduled: a crash never loses an event."""

    __tablename__ = "webhook_cursors"

    webhook_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigId)


class WebhookDelivery(Base):
    """One event to deliver to one webhook, with the outcome of its latest attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_webhook_event"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign key: a projection rebuild empties ``webhooks`` and must not take the delivery log with it.
    webhook_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(BigId)
    event_type: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


@projection
class Subscription(Base):
    """A user's wish to be mailed about a bill, one of its provisions, or a member."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    target: Mapped[str] = mapped_column(String(20))
    bill_id: Mapped[int | None] = mapped_column(Integer)
    eid: Mapped[str | None] = mapped_column(String(400))
    member_id: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    start_after: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class NotificationCursor(Base):
    """How far into the log a subscription has been mailed, and when its last mail left."""

    __tablename__ = "notification_cursors"

    subscription_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigId)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class SearchEntry(Base):
    """One searchable text (a bill's title, a provision of the working text or of a published version, an
    amendment, a visible comment), derived from the read models and documents by ``server.services.search``.

    A cache, not a projection: it catches up with the log through :class:`SearchCursor`, so it may be dropped
    and refilled at any time.
    """

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_bill_kind", "bill_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    bill_id: Mapped[int] = mapped_column(Integer)
    # The amendment or comment id; for provisions the published version (0: the working text).
    ref: Mapped[int] = mapped_column(Integer, default=0)
    eid: Mapped[str | None] = mapped_column(String(400))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class SearchCursor(Base):
    """The last event the search entries reflect (a single row, ``id`` 1)."""

    __tablename__ = "search_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigId)
