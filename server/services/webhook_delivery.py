"""The webhook delivery worker: schedule deliveries from the event log, POST them signed, retry with backoff.

Durability comes from the log, not from the process: each webhook keeps a cursor (``webhook_cursors``) into the
event log, and scheduling turns the public events after the cursor into ``webhook_deliveries`` rows and moves the
cursor in one transaction. A crash before that commit schedules the same events again; a crash after it leaves
pending rows that the next run sends. A delivery is claimed for ``lease`` seconds before its POST, so a worker
that dies mid-request is retried once the lease runs out (receivers may see a delivery twice: the
``Parley-Delivery`` header lets them drop repeats).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.events import canonical_json, wire_time
from server.domain.opendata import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    is_public,
    public_event,
    retry_delay,
    signature_header,
)
from server.errors import ValidationFailed, WebhookTargetRefused
from server.services import webhook_transport
from server.services.amendment_privacy import unreadable_event_ids
from server.services.webhooks import checked_addresses
from server.store import eventlog
from server.store.db import Database
from server.store.models import EventRecord
from server.store.opendata_models import Webhook, WebhookCursor, WebhookDelivery, WebhookSecret

log = logging.getLogger(__name__)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
# A name with many addresses that all time out would hold the sender for that many timeouts.
MAX_ADDRESSES_TRIED = 4


@dataclass(frozen=True)
class DeliverySettings:
    allow_private: bool = False
    first_retry_seconds: float = 30.0
    max_attempts: int = 8
    timeout_seconds: float = 10.0
    lease_seconds: float = 120.0
    batch: int = 500


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    event_id: int
    event_type: str
    url: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None


Post = Callable[[Outgoing, float], Outcome]


def schedule(session: Session, now: datetime, batch: int = 500) -> int:
    """Turn public events after each webhook's cursor into pending deliveries; returns how many were made."""
    eventlog.acquire_append_lock(session)
    made = 0
    for webhook in session.scalars(select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id)):
        cursor = session.get(WebhookCursor, webhook.id)
        if cursor is None:
            cursor = WebhookCursor(webhook_id=webhook.id, last_event_id=webhook.start_after)
            session.add(cursor)
        records = eventlog.events_after(session, cursor.last_event_id, bill_id=webhook.bill_id, limit=batch)
        wanted = set(webhook.event_types or [])
        private = unreadable_event_ids(session, records)
        for record in records:
            if (is_public(record.type, record.bill_id) and record.id not in private
                    and (not wanted or record.type in wanted)):
                session.add(WebhookDelivery(
                    webhook_id=webhook.id, event_id=record.id, event_type=record.type, state=PENDING, attempts=0,
                    next_attempt_at=now, created_at=now,
                ))
                made += 1
        if records:
            cursor.last_event_id = records[-1].id
    session.flush()
    return made


def claim_due(session: Session, now: datetime, settings: DeliverySettings) -> list[Outgoing]:
    """Pending deliveries whose time has come, leased to this worker, with their signed bodies' inputs."""
    eventlog.acquire_append_lock(session)
    rows = list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(settings.batch)
    ))
    outgoing: list[Outgoing] = []
    for delivery in rows:
        webhook = session.get(Webhook, delivery.webhook_id)
        secret = session.get(WebhookSecret, delivery.webhook_id)
        record = session.get(EventRecord, delivery.event_id)
        if webhook is None or not webhook.active or secret is None or record is None:
            delivery.state, delivery.last_error = FAILED, "the webhook was removed"
            continue
        delivery.next_attempt_at = now + timedelta(seconds=settings.lease_seconds)
        payload = public_event(record.id, record.type, record.bill_id, wire_time(record.occurred_at), record.data)
        outgoing.append(Outgoing(delivery.id, record.id, record.type, webhook.url, secret.secret,
                                 canonical_json(payload).encode("utf-8")))
    session.flush()
    return outgoing


def record_outcome(
    session: Session, delivery_id: int, outcome: Outcome, now: datetime, settings: DeliverySettings
) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = outcome.status, outcome.error
    if outcome.ok:
        delivery.state, delivery.delivered_at = DELIVERED, now
    elif delivery.attempts >= settings.max_attempts:
        delivery.state = FAILED
    else:
        delay = retry_delay(delivery.attempts, first=settings.first_retry_seconds)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    session.flush()


def http_post(item: Outgoing, timeout: float, *, allow_private: bool) -> Outcome:
    """POST one signed delivery; 2xx is success, anything else (or no answer) a failure to retry."""
    try:
        # Checked again at send time: the name may resolve elsewhere now than when it was registered. The POST
        # then goes to an address checked here, never to a fresh lookup of the name (which a hostile DNS server
        # could answer with an internal address), in the resolver's order of preference.
        addresses = checked_addresses(item.url, allow_private=allow_private)[:MAX_ADDRESSES_TRIED]
    except (WebhookTargetRefused, ValidationFailed) as refused:
        return Outcome(False, None, refused.message)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhooks/1",
        SIGNATURE_HEADER: signature_header(item.secret, int(time.time()), item.body),
        EVENT_HEADER: item.event_type,
        DELIVERY_HEADER: str(item.delivery_id),
    }
    failures: list[str] = []
    response: requests.Response | None = None
    for address in addresses:
        try:
            response = webhook_transport.post(item.url, address, data=item.body, headers=headers, timeout=timeout)
            break
        except requests.RequestException as error:
            failures.append(f"{type(error).__name__}: {str(error)[:300]} ({address})")
            # Only when nothing reached the receiver is the next address tried: a request that may have been
            # received is left to the retry schedule, like any other failure.
            if not webhook_transport.not_connected(error):
                break
    if response is None:
        return Outcome(False, None, "; ".join(failures))
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"the receiver answered {response.status_code}")


def run_once(
    database: Database, settings: DeliverySettings, *, now: Callable[[], datetime] = eventlog.utcnow,
    post: Post | None = None,
) -> int:
    """Schedule new deliveries and attempt every due one; returns the number of attempts made."""
    with database.write() as session:
        schedule(session, now(), settings.batch)
    claimed = now()
    with database.write() as session:
        outgoing = claim_due(session, claimed, settings)
    send = post or (lambda item, timeout: http_post(item, timeout, allow_private=settings.allow_private))
    # The batch is leased for lease_seconds; a send started later than this could outlast the lease, and another
    # worker would claim and send the same delivery meanwhile. What is left goes out once its lease has run out.
    last_start = claimed + timedelta(seconds=settings.lease_seconds - settings.timeout_seconds * MAX_ADDRESSES_TRIED)
    attempts = 0
    for item in outgoing:
        if attempts and now() > last_start:
            break
        attempts += 1
        # Network calls happen outside any transaction, so a slow receiver never holds the write lock.
        outcome = send(item, settings.timeout_seconds)
        if not outcome.ok:
            log.info("webhook delivery %d to %s failed: %s", item.delivery_id, urlsplit(item.url).hostname,
                     outcome.error)
        with database.write() as session:
            record_outcome(session, item.delivery_id, outcome, now(), settings)
    return attempts


def settings_from_config(config: dict[str, object]) -> DeliverySettings:
    return DeliverySettings(
        allow_private=bool(config.get("WEBHOOKS_ALLOW_PRIVATE", False)),
        first_retry_seconds=float(str(config.get("WEBHOOK_FIRST_RETRY_SECONDS", 30))),
        max_attempts=int(str(config.get("WEBHOOK_MAX_ATTEMPTS", 8))),
        timeout_seconds=float(str(config.get("WEBHOOK_TIMEOUT_SECONDS", 10))),
    )


def payload_of(body: bytes) -> dict[str, object]:
    """Parse a delivery body (for receivers written in Python, and tests)."""
    parsed: dict[str, object] = json.loads(body)
    return parsed
