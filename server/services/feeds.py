"""Atom feeds of public events, site-wide and per bill (feedgen); no actor and no personal data in them.

A feed is written in its reader's language: the titles Parley makes are translated, the bills' titles (data) are not.
It is paged (RFC 5005, section 3): each document holds up to ``limit`` entries, newest first, and links to the
next, older, page through the same event-id keyset as the API's lists, so a reader that missed many entries can
walk back to the last one it saw without skipping any (the log only grows at the top).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from urllib.parse import urlencode, urlsplit

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.amendments import AmendmentEvent, amendment_stream
from server.domain.events import EventType, canonical_json, wire_time
from server.domain.opendata import (
    FEED_EVENT_TYPES,
    Tabling,
    amendment_name,
    amendment_named,
    provision_named,
    public_event,
    public_title,
)
from server.domain.paging import encode_cursor
from server.domain.wording import wording
from server.services.amendment_privacy import unreadable_event_ids
from server.services.bills import get_bill, provision_citations
from server.services.paging import Page, PageRequest, cut, keyset
from server.services.translation import DEFAULT_LANGUAGE, translated
from server.store.amendment_models import Amendment
from server.store.models import Bill, EventRecord


def feed_events(session: Session, bill_id: int | None, page: PageRequest) -> Page[EventRecord]:
    """A page of the public events feeds list (``FEED_EVENT_TYPES`` of any bill, or of one), newest first;
    ``page.after`` is the id of the last event of the previous (newer) page."""
    query = select(EventRecord).where(EventRecord.type.in_(sorted(FEED_EVENT_TYPES)),
                                      EventRecord.bill_id.is_not(None))
    if bill_id is not None:
        query = query.where(EventRecord.bill_id == bill_id)
    # A draft's history is not the public's: read on past it until the page is full (or the log ends).
    found: list[EventRecord] = []
    after = page.after
    while True:
        batch: Page[EventRecord] = keyset(session, query, EventRecord.id, PageRequest(limit=page.limit, after=after),
                                          descending=True)
        private = unreadable_event_ids(session, batch.items)
        found += [record for record in batch.items if record.id not in private]
        if len(found) > page.limit or batch.next_after is None:
            return cut(found, page.limit, lambda record: record.id)
        after = batch.next_after


def public_titles(session: Session, records: Sequence[EventRecord]) -> dict[int, str]:
    """The public title of each event, by event id, naming amendments by their order-paper numbers (as they stood
    when the event happened), and provisions as the bill cites them ("regulation 2(1)"): three reads for the whole
    batch, whatever its size. Mail can use it as feeds do."""
    named = {record.id: amendment_named(record.type, record.data) for record in records}
    ids = sorted({amendment_id for amendment_id in named.values() if amendment_id is not None})
    citations: dict[int, str] = {}
    tablings: dict[int, Tabling] = {}
    if ids:
        citations = {amendment_id: citation for amendment_id, citation in session.execute(
            select(Amendment.id, Amendment.citation).where(Amendment.id.in_(ids)))}
        tabled = session.execute(select(EventRecord.id, EventRecord.data).where(
            EventRecord.stream.in_([amendment_stream(amendment_id) for amendment_id in ids]),
            EventRecord.type == AmendmentEvent.TABLED))
        # An amendment is tabled once (a draft only), so one event per amendment at most.
        tablings = {int(data["amendment_id"]): Tabling(event_id, int(data["number"])) for event_id, data in tabled}
    provisions = {record.id: (record.bill_id, eid) for record in records
                  if record.bill_id is not None and (eid := provision_named(record.type, record.data))}
    cited = provision_citations(session, provisions.values())
    titles: dict[int, str] = {}
    for record in records:
        amendment_id = named[record.id]
        name = None if amendment_id is None else amendment_name(record.id, citations.get(amendment_id),
                                                                  tablings.get(amendment_id))
        provision = provisions.get(record.id)
        titles[record.id] = public_title(record.type, record.data, name,
                                         cited.get(provision) if provision is not None else None)
    return titles


def _tag(public_url: str, path: str) -> str:
    # A tag URI (RFC 4151) stays the same whatever address the feed is fetched from.
    return f"tag:{urlsplit(public_url).hostname or 'parley.invalid'},2026:{path}"


def _entry_path(record: EventRecord) -> str:
    """Where a feed entry's link goes: the amendment's page, the version published, else the bill."""
    data = record.data or {}
    if isinstance(data.get("amendment_id"), int):
        return f"/amendments/{data['amendment_id']}"
    if record.type in (EventType.VERSION_PUBLISHED, AmendmentEvent.CONSOLIDATED) and isinstance(
        data.get("version"), int
    ):
        return f"/bills/{record.bill_id}?version={data['version']}"
    return f"/bills/{record.bill_id}"


def _href(url: str, after: int | None, language: str) -> str:
    """The address of one page of a feed, in ``language`` (a page links to pages in its own language)."""
    query = {"cursor": encode_cursor(after)} if after is not None else {}
    if language != DEFAULT_LANGUAGE:
        query["lang"] = language
    return f"{url}?{urlencode(query)}" if query else url


def atom_feed(session: Session, public_url: str, *, bill_id: int | None = None, limit: int = 50,
              after: int | None = None, language: str = DEFAULT_LANGUAGE) -> bytes:
    """One page of the Atom feed of the site's (or one bill's) public events, in ``language``: the latest
    ``limit``, or, with ``after``, the ``limit`` before event ``after`` (the page its ``next`` link names)."""
    base = public_url.rstrip("/")
    bill = get_bill(session, bill_id) if bill_id is not None else None
    page = feed_events(session, bill_id, PageRequest(limit=limit, after=after))
    records = page.items
    titles = {b.id: b.title for b in session.scalars(
        select(Bill).where(Bill.id.in_({r.bill_id for r in records if r.bill_id is not None})))}
    events = public_titles(session, records)
    feed = FeedGenerator()
    if bill is None:
        url = f"{base}/feed.atom"
        feed.id(_tag(base, "events"))
        feed.title(translated(wording("Parley: public activity"), language))
        feed.link(href=_href(url, after, language), rel="self")
        feed.link(href=f"{base}/", rel="alternate")
    else:
        url = f"{base}/api/bills/{bill.id}/feed.atom"
        feed.id(_tag(base, f"bill/{bill.id}/events"))
        feed.title(translated(wording("Parley: %(bill)s", bill=bill.title), language))
        feed.link(href=_href(url, after, language), rel="self")
        feed.link(href=f"{base}/bills/{bill.id}", rel="alternate")
    # Paged feed links (RFC 5005): the first page holds the latest entries, "next" the older ones.
    feed.link(href=_href(url, None, language), rel="first")
    if page.next_after is not None:
        feed.link(href=_href(url, page.next_after, language), rel="next")
    feed.author({"name": "Parley"})
    feed.language(language)
    if records:
        feed.updated(records[0].occurred_at.replace(tzinfo=UTC))
    for record in reversed(records):
        # feedgen prepends each added entry, so adding oldest first leaves the newest on top.
        entry = feed.add_entry()
        entry.id(_tag(base, f"event/{record.id}"))
        entry.title(translated(wording("%(bill)s: %(event)s", bill=titles.get(record.bill_id or 0, ""),
                                       event=events[record.id]), language))
        entry.updated(record.occurred_at.replace(tzinfo=UTC))
        entry.published(record.occurred_at.replace(tzinfo=UTC))
        entry.link(href=base + _entry_path(record), rel="alternate")
        entry.category(term=record.type)
        # The same wire form as the webhooks and the room's public stream send.
        entry.content(canonical_json(public_event(record.id, record.type, record.bill_id,
                                                  wire_time(record.occurred_at), record.data)), type="text")
    return bytes(feed.atom_str(pretty=True))
