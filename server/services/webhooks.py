"""Webhooks: registering a URL for public events, removing it, reading its delivery log.

Delivery itself is :mod:`server.services.webhook_delivery`. A webhook's signing secret is returned once, at
registration, and kept in ``webhook_secrets``, never in the log.
"""

from __future__ import annotations

import secrets
import socket
from typing import Any
from urllib.parse import SplitResult, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.events import EventDraft
from server.domain.opendata import PUBLIC_EVENT_TYPES, OpenDataEvent, is_public_address
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import Forbidden, NotFound, ValidationFailed, WebhookTargetRefused
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.models import EventRecord
from server.store.opendata_models import Webhook, WebhookCursor, WebhookDelivery, WebhookSecret

MAX_URL_LENGTH = 2000


def webhook_stream(webhook_id: int) -> str:
    return f"webhook/{webhook_id}"


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), and (unless allowed) hosts that resolve to non-public addresses."""
    if allow_private:
        _split(url)
    else:
        checked_addresses(url, allow_private=False)


def checked_addresses(url: str, *, allow_private: bool) -> list[str]:
    """Check a URL, resolve its host once and refuse (unless allowed) any non-public address; returns the addresses.

    A caller that connects must connect to one of these, not resolve the name again: a hostile DNS server may answer
    a public address to this lookup and an internal one to the next (DNS rebinding).
    """
    parts = _split(url)
    host = parts.hostname
    assert host is not None  # _split refuses URLs without one
    addresses = resolve(host, parts.port)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise WebhookTargetRefused(wording(
                    "%(host)s resolves to %(address)s, an internal address; webhooks may only call public hosts",
                    host=host, address=address,
                ), field="url")
    return addresses


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(wording("url must be a string of at most %(most)d characters", most=MAX_URL_LENGTH),
                               field="url")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise ValidationFailed(wording("url has an invalid port; found %(found)r", found=url), field="url") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationFailed(wording("url must be an absolute http:// or https:// URL; found %(found)r", found=url),
                               field="url")
    return parts


def resolve(host: str, port: int | None) -> list[str]:
    """Every address a host name resolves to, in the resolver's order of preference (an unresolvable host is
    refused)."""
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        infos = []
    if not infos:
        raise WebhookTargetRefused(wording("the host %(host)r does not resolve", host=host), field="url")
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_event_types(event_types: Any) -> list[str]:
    if event_types is None or event_types == []:
        return []
    if not isinstance(event_types, list) or not all(isinstance(t, str) for t in event_types):
        raise ValidationFailed(wording("event_types must be a list of event type names"), field="event_types")
    unknown = sorted(set(event_types) - PUBLIC_EVENT_TYPES)
    if unknown:
        raise ValidationFailed(wording("these are not public event types: %(types)s", types=", ".join(unknown)),
                               field="event_types", allowed=sorted(PUBLIC_EVENT_TYPES))
    return sorted(set(event_types))


def register(
    session: Session, principal: Principal | None, url: str, event_types: Any, bill_id: int | None,
    *, allow_private: bool,
) -> tuple[Webhook, str]:
    """Register a webhook for the signed-in user; returns it and its signing secret (shown only now)."""
    actor = require(principal)
    types = check_event_types(event_types)
    check_url(url, allow_private=allow_private)
    eventlog.acquire_append_lock(session)
    webhook_id = int(session.scalar(select(func.max(Webhook.id))) or 0) + 1
    start_after = eventlog.last_event_id(session)
    eventlog.append(
        session,
        EventDraft(
            stream=webhook_stream(webhook_id), type=OpenDataEvent.WEBHOOK_REGISTERED, actor_id=actor.actor_id,
            data={"webhook_id": webhook_id, "owner_id": actor.user_id, "url": url, "event_types": types,
                  "bill_id": bill_id, "start_after": start_after},
        ),
        expected_version=0,
        projector=projections.apply,
    )
    secret = secrets.token_hex(32)
    session.add(WebhookSecret(webhook_id=webhook_id, secret=secret))
    session.add(WebhookCursor(webhook_id=webhook_id, last_event_id=start_after))
    session.flush()
    webhook = session.get(Webhook, webhook_id)
    assert webhook is not None  # projected just now
    return webhook, secret


def get_own(session: Session, principal: Principal | None, webhook_id: int) -> Webhook:
    actor = require(principal)
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or not webhook.active:
        raise NotFound(wording("there is no webhook %(id)d", id=webhook_id))
    if webhook.owner_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden(wording("only the owner of a webhook may see or remove it"))
    return webhook


def remove(session: Session, principal: Principal | None, webhook_id: int) -> None:
    eventlog.acquire_append_lock(session)
    webhook = get_own(session, principal, webhook_id)
    actor = require(principal)
    eventlog.append(
        session,
        EventDraft(stream=webhook_stream(webhook.id), type=OpenDataEvent.WEBHOOK_REMOVED, actor_id=actor.actor_id,
                   data={"webhook_id": webhook.id}),
        projector=projections.apply,
    )


def list_own(session: Session, principal: Principal | None) -> list[Webhook]:
    actor = require(principal)
    return list(session.scalars(
        select(Webhook).where(Webhook.owner_id == actor.user_id, Webhook.active.is_(True)).order_by(Webhook.id)
    ))


def page_own(session: Session, principal: Principal | None, page: PageRequest) -> Page[Webhook]:
    """The caller's active webhooks in id order, one keyset page."""
    actor = require(principal)
    query = select(Webhook).where(Webhook.owner_id == actor.user_id, Webhook.active.is_(True))
    return keyset(session, query, Webhook.id, page)


def deliveries(session: Session, webhook: Webhook, limit: int = 100) -> list[WebhookDelivery]:
    return page_of_deliveries(session, webhook, PageRequest(limit=limit)).items


def page_of_deliveries(
    session: Session, webhook: Webhook, page: PageRequest, *, state: str | None = None
) -> Page[WebhookDelivery]:
    """A webhook's deliveries, newest first (optionally only those in one state), one keyset page."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    return keyset(session, query, WebhookDelivery.id, page, descending=True)


def to_dict(webhook: Webhook) -> dict[str, Any]:
    return {"id": webhook.id, "url": webhook.url, "event_types": list(webhook.event_types or []),
            "bill_id": webhook.bill_id, "created_at": webhook.created_at.isoformat() + "Z"}


def delivery_dict(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id, "event_id": delivery.event_id, "event_type": delivery.event_type,
        "state": delivery.state, "attempts": delivery.attempts, "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at.isoformat() + "Z",
        "delivered_at": delivery.delivered_at.isoformat() + "Z" if delivery.delivered_at else None,
    }


@projections.projects(OpenDataEvent.WEBHOOK_REGISTERED)
def _project_registered(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(Webhook(
        id=int(data["webhook_id"]), owner_id=int(data["owner_id"]), url=data["url"],
        event_types=list(data["event_types"]), bill_id=data.get("bill_id"), active=True,
        start_after=int(data["start_after"]), created_at=record.occurred_at,
    ))
    session.flush()


@projections.projects(OpenDataEvent.WEBHOOK_REMOVED)
def _project_removed(session: Session, record: EventRecord) -> None:
    webhook = session.get(Webhook, int(record.data["webhook_id"]))
    if webhook is not None:
        webhook.active = False
        session.flush()
