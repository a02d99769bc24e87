"""The notification worker: turn the public events after each subscription's cursor into one mail, send it, then
move the cursor.

Durability comes from the log: a subscription's cursor (``notification_cursors``) moves only after its mail was
handed to the mail server, in its own transaction, and only from the position the mail was composed from. A crash
before the send loses nothing (the same events are composed again); a crash between the send and the commit
sends those events once more (at least once, never lost). Run one worker per database: two would each mail a
subscription's news before either moved its cursor.

Immediate subscriptions get one mail per pass that found news for them (a burst of edits becomes one mail);
daily ones get a digest when the pass is a digest pass and their last digest left ``digest_hours`` ago or more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.events import EventType
from server.domain.opendata import Frequency, SubscriptionTarget, concerns
from server.services import notifications
from server.services.amendment_privacy import unreadable_event_ids
from server.services.feeds import public_titles
from server.services.mail import Mail, MailSender, one_line
from server.store import eventlog
from server.store.amendment_models import Amendment
from server.store.db import Database
from server.store.models import Bill, EventRecord
from server.store.opendata_models import NotificationCursor, Subscription

log = logging.getLogger(__name__)

MAX_LINES = 60


@dataclass(frozen=True)
class NotificationSettings:
    public_url: str
    secret_key: str
    digest_hours: float = 20.0
    batch: int = 1000


@dataclass(frozen=True)
class Notice:
    """One mail to send, and the cursor move it stands for."""

    subscription_id: int
    mail: Mail
    from_event_id: int
    through_event_id: int
    events: int


@dataclass
class PassReport:
    mails_sent: int = 0
    events_mailed: int = 0
    failures: int = 0


def _is_due(subscription: Subscription, cursor: NotificationCursor, now: datetime, digest: bool,
            settings: NotificationSettings) -> bool:
    if subscription.frequency == Frequency.IMMEDIATE.value:
        return not digest
    if not digest:
        return False
    return cursor.last_sent_at is None or now - cursor.last_sent_at >= timedelta(hours=settings.digest_hours)


def _matching_data(session: Session, record: EventRecord, cache: dict[int, str | None]) -> dict[str, Any]:
    """The event's data, with the provision an amendment event is about (only the first names it)."""
    data = dict(record.data)
    amendment_id = data.get("amendment_id")
    if "eid" not in data and isinstance(amendment_id, int):
        if amendment_id not in cache:
            amendment = session.get(Amendment, amendment_id)
            cache[amendment_id] = amendment.eid if amendment is not None else None
        data["eid"] = cache[amendment_id]
    return data


def news_for(session: Session, subscription: Subscription, after: int, batch: int) -> tuple[list[EventRecord], int]:
    """The public events after ``after`` that concern a subscription, and the last event id looked at."""
    target = SubscriptionTarget(subscription.target)
    bill_filter = None if target is SubscriptionTarget.MEMBER else subscription.bill_id
    found: list[EventRecord] = []
    cache: dict[int, str | None] = {}
    last = after
    while True:
        records = eventlog.events_after(session, last, bill_id=bill_filter, limit=batch)
        private = unreadable_event_ids(session, records)
        for record in records:
            if record.id in private:
                continue  # a draft's history is not the public's
            if concerns(target, subscription.bill_id, subscription.eid, subscription.member_id, record.type,
                        record.bill_id, record.actor_id, _matching_data(session, record, cache)):
                found.append(record)
        if len(records) < batch:
            # Nothing after this: the cursor may stand at the log's head (filtered reads stop short of it).
            return found, max(last, records[-1].id if records else last, eventlog.last_event_id(session))
        last = records[-1].id


def _lines(session: Session, records: list[EventRecord], with_bill: bool) -> list[str]:
    """One line per event; consecutive edits of one provision are folded into one line."""
    entries: list[tuple[EventRecord, int]] = []
    for record in records:
        if (record.type == EventType.PROVISION_EDITED and entries
                and entries[-1][0].type == EventType.PROVISION_EDITED
                and entries[-1][0].bill_id == record.bill_id
                and entries[-1][0].data.get("eid") == record.data.get("eid")):
            entries[-1] = (entries[-1][0], entries[-1][1] + 1)
        else:
            entries.append((record, 1))
    titles: dict[int, str] = {}
    # Amendments named by their order-paper numbers, looked up once for the whole mail.
    events = public_titles(session, [record for record, _count in entries[:MAX_LINES]])
    lines: list[str] = []
    for record, count in entries[:MAX_LINES]:
        line = f"{record.occurred_at:%Y-%m-%d %H:%M} UTC  {one_line(events[record.id])}"
        if count > 1:
            line += f" ({count} edits)"
        if with_bill and record.bill_id is not None:
            if record.bill_id not in titles:
                bill = session.get(Bill, record.bill_id)
                titles[record.bill_id] = one_line(bill.title) if bill is not None else f"bill {record.bill_id}"
            line += f" — {titles[record.bill_id]}"
        lines.append(line)
    if len(entries) > MAX_LINES:
        lines.append(f"… and {len(entries) - MAX_LINES} more")
    return lines


def compose(session: Session, subscription: Subscription, records: list[EventRecord], address: str,
            settings: NotificationSettings) -> Mail:
    """The plain-text mail for a subscription's news: public titles only, links, and the unsubscribe link."""
    # Titles and names are others' words: each stays inside its own line of the body (see mail.one_line).
    about = one_line(notifications.describe(session, subscription))
    daily = subscription.frequency == Frequency.DAILY.value
    member = subscription.target == SubscriptionTarget.MEMBER.value
    base = settings.public_url.rstrip("/")
    if daily:
        subject = f"Parley daily digest: {len(records)} update{'s' if len(records) != 1 else ''} on {about}"
    elif len(records) == 1:
        subject = f"Parley: {public_titles(session, records[:1])[records[0].id]} ({about})"
    else:
        subject = f"Parley: {len(records)} updates on {about}"
    body = [f"News on {about}:", "", *_lines(session, records, member), ""]
    bills = sorted({r.bill_id for r in records if r.bill_id is not None})
    body += [f"Read it: {base}/bills/{bill_id}" for bill_id in bills]
    token = notifications.unsubscribe_token(settings.secret_key, subscription.id)
    unsubscribe = f"{base}/api/unsubscribe?token={token}"
    body += [
        "",
        f"You receive this because you follow {about} ({'a daily digest' if daily else 'as it happens'}).",
        f"Stop these mails: {unsubscribe}",
    ]
    headers: tuple[tuple[str, str], ...] = ()
    if base.startswith(("https://", "http://")):  # mail clients need an absolute link (RFC 2369)
        # One-Click (RFC 8058): the mail provider POSTs "List-Unsubscribe=One-Click" to the link, with no
        # cookie and no CSRF token; POST /api/unsubscribe cancels by the signed token in the query alone.
        headers = (("List-Unsubscribe", f"<{unsubscribe}>"),
                   ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    return Mail(to=address, subject=subject[:200], text="\n".join(body) + "\n", headers=headers)


def due_notices(session: Session, now: datetime, settings: NotificationSettings, *, digest: bool) -> list[Notice]:
    """Compose the mails this pass owes; cursors of subscriptions with nothing to say move on at once."""
    # Taken first, so no event below the log's head is still uncommitted while the cursors move past it.
    eventlog.acquire_append_lock(session)
    notices: list[Notice] = []
    for subscription in session.scalars(
        select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)
    ):
        cursor = session.get(NotificationCursor, subscription.id)
        if cursor is None:
            cursor = NotificationCursor(subscription_id=subscription.id, last_event_id=subscription.start_after,
                                        last_sent_at=None)
            session.add(cursor)
        if not _is_due(subscription, cursor, now, digest, settings):
            continue
        records, through = news_for(session, subscription, cursor.last_event_id, settings.batch)
        address = notifications.mail_address(session, subscription.user_id)
        if not records or address is None:
            cursor.last_event_id = through
            continue
        mail = compose(session, subscription, records, address, settings)
        notices.append(Notice(subscription.id, mail, cursor.last_event_id, through, len(records)))
    session.flush()
    return notices


def mark_sent(session: Session, notice: Notice, now: datetime) -> bool:
    """Move the cursor past a sent mail, unless it moved meanwhile (then the mail was a repeat; keep the later)."""
    cursor = session.get(NotificationCursor, notice.subscription_id)
    if cursor is None or cursor.last_event_id != notice.from_event_id:
        return False
    cursor.last_event_id, cursor.last_sent_at = notice.through_event_id, now
    session.flush()
    return True


def run_once(
    database: Database, sender: MailSender, settings: NotificationSettings, *, digest: bool = False,
    now: Callable[[], datetime] = eventlog.utcnow,
) -> PassReport:
    """One pass: compose what is owed, send each mail outside any transaction, then move its cursor."""
    report = PassReport()
    with database.write() as session:
        notices = due_notices(session, now(), settings, digest=digest)
    for notice in notices:
        try:
            sender.send(notice.mail)
        except (OSError, ValueError) as error:  # smtplib's errors are OSErrors; the cursor stays for a retry
            report.failures += 1
            log.warning("notification for subscription %d not sent: %s", notice.subscription_id, error)
            continue
        with database.write() as session:
            mark_sent(session, notice, now())
        report.mails_sent += 1
        report.events_mailed += notice.events
    return report


def settings_from_config(config: dict[str, Any]) -> NotificationSettings:
    return NotificationSettings(
        public_url=str(config.get("PUBLIC_URL", "")),
        secret_key=str(config["SECRET_KEY"]),
        digest_hours=float(str(config.get("NOTIFICATION_DIGEST_HOURS", 20))),
    )
