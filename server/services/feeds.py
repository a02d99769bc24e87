"""Atom feeds of public events, site-wide and per bill (feedgen); no actor and no personal data in them.

A feed is written in its reader's language: the titles Parley makes are translated, the bills' titles (data) are not.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.events import canonical_json, wire_time
from server.domain.opendata import PUBLIC_EVENT_TYPES, public_event, public_title
from server.domain.wording import wording
from server.services.bills import get_bill
from server.services.translation import DEFAULT_LANGUAGE, translated
from server.store.models import Bill, EventRecord


def public_events(session: Session, bill_id: int | None, limit: int) -> list[EventRecord]:
    """The latest public events, newest first."""
    query = select(EventRecord).where(EventRecord.type.in_(sorted(PUBLIC_EVENT_TYPES)),
                                      EventRecord.bill_id.is_not(None))
    if bill_id is not None:
        query = query.where(EventRecord.bill_id == bill_id)
    return list(session.scalars(query.order_by(EventRecord.id.desc()).limit(limit)))


def _tag(public_url: str, path: str) -> str:
    # A tag URI (RFC 4151) stays the same whatever address the feed is fetched from.
    return f"tag:{urlsplit(public_url).hostname or 'parley.invalid'},2026:{path}"


def atom_feed(session: Session, public_url: str, *, bill_id: int | None = None, limit: int = 50,
              language: str = DEFAULT_LANGUAGE) -> bytes:
    """The Atom document of the site's (or one bill's) latest public events, in ``language``."""
    base = public_url.rstrip("/")
    bill = get_bill(session, bill_id) if bill_id is not None else None
    records = public_events(session, bill_id, limit)
    titles = {b.id: b.title for b in session.scalars(
        select(Bill).where(Bill.id.in_({r.bill_id for r in records if r.bill_id is not None})))}
    feed = FeedGenerator()
    if bill is None:
        feed.id(_tag(base, "events"))
        feed.title(translated(wording("Parley: public activity"), language))
        feed.link(href=f"{base}/feed.atom", rel="self")
        feed.link(href=f"{base}/", rel="alternate")
    else:
        feed.id(_tag(base, f"bill/{bill.id}/events"))
        feed.title(translated(wording("Parley: %(bill)s", bill=bill.title), language))
        feed.link(href=f"{base}/api/bills/{bill.id}/feed.atom", rel="self")
        feed.link(href=f"{base}/bills/{bill.id}", rel="alternate")
    feed.author({"name": "Parley"})
    feed.language(language)
    if records:
        feed.updated(records[0].occurred_at.replace(tzinfo=UTC))
    for record in reversed(records):
        # feedgen prepends each added entry, so adding oldest first leaves the newest on top.
        entry = feed.add_entry()
        entry.id(_tag(base, f"event/{record.id}"))
        entry.title(translated(wording("%(bill)s: %(event)s", bill=titles.get(record.bill_id or 0, ""),
                                       event=public_title(record.type, record.data)), language))
        entry.updated(record.occurred_at.replace(tzinfo=UTC))
        entry.published(record.occurred_at.replace(tzinfo=UTC))
        entry.link(href=f"{base}/bills/{record.bill_id}", rel="alternate")
        entry.category(term=record.type)
        # The same wire form as the webhooks and the room's public stream send.
        entry.content(canonical_json(public_event(record.id, record.type, record.bill_id,
                                                  wire_time(record.occurred_at), record.data)), type="text")
    return bytes(feed.atom_str(pretty=True))
