"""Open data rules: which events are public and what of them may be published, webhook signatures and retry
timing, and which network addresses a delivery may be aimed at.

Pure: no Flask, no SQLAlchemy, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, NamedTuple

from server.domain.amendments import AmendmentEvent
from server.domain.citation import citation_of_eid
from server.domain.consultation import ConsultationEvent
from server.domain.events import EventType
from server.domain.wording import Wording, wording


class OpenDataEvent:
    """Events of the open-data features (private: they carry no ``bill_id`` and never reach a feed)."""

    WEBHOOK_REGISTERED: Final = "webhook.registered"
    WEBHOOK_REMOVED: Final = "webhook.removed"
    SUBSCRIPTION_CREATED: Final = "subscription.created"
    SUBSCRIPTION_CANCELLED: Final = "subscription.cancelled"


# Bill events anyone may see, with the data fields that may leave Parley. Comment events are left out: a comment
# can be held or hidden after it was posted, and a feed or a webhook cannot take back what it already sent.
PUBLIC_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    EventType.BILL_IMPORTED: ("title", "doctype", "country", "work_uri", "expression_uri", "expression_date"),
    EventType.VERSION_PUBLISHED: ("version", "expression_uri", "expression_date", "source"),
    EventType.PROVISION_EDITED: ("eid", "rev"),
    EventType.PROVISION_INSERTED: ("eid",),
    # A deletion leaves no provision behind: its ``eid`` is null, ``deleted_eid`` names the one taken out.
    EventType.PROVISION_DELETED: ("eid", "deleted_eid"),
    EventType.PROVISION_MOVED: ("eid",),
    EventType.PROVISION_RETITLED: ("eid",),
    AmendmentEvent.DRAFTED: ("amendment_id", "action", "eid", "citation", "instruction"),
    # A draft's own events are private (server.domain.amendments.may_read): its tabling says what it is.
    AmendmentEvent.TABLED: ("amendment_id", "number", "action", "eid", "citation", "instruction"),
    AmendmentEvent.WITHDRAWN: ("amendment_id",),
    AmendmentEvent.ADMITTED: ("amendment_id",),
    AmendmentEvent.RULED_INADMISSIBLE: ("amendment_id", "reason"),
    AmendmentEvent.ADOPTED: ("amendment_id", "votes"),
    AmendmentEvent.REJECTED: ("amendment_id", "votes"),
    AmendmentEvent.FELL: ("amendment_id",),
    AmendmentEvent.COSPONSOR_ADDED: ("amendment_id",),
    AmendmentEvent.CONSOLIDATED: ("version", "amendment_ids"),
    AmendmentEvent.WINDOW_OPENED: (),
    AmendmentEvent.WINDOW_CLOSED: (),
    ConsultationEvent.CONSULTATION_OPENED: ("consultation_id", "version", "opens_at", "closes_at"),
}

PUBLIC_EVENT_TYPES: Final = frozenset(PUBLIC_FIELDS)

# Events whose actor acts in a public capacity (a member proposing or backing an amendment), so following a
# member means following these.
MEMBER_EVENT_TYPES: Final = frozenset({AmendmentEvent.DRAFTED, AmendmentEvent.TABLED, AmendmentEvent.COSPONSOR_ADDED})

# What the Atom feeds list: public events, but not each edit of the working text. An edit is a keystroke's worth
# (one operation of the live editor) of a text that is not official until a version is published, and its entry
# would say no more than "provision edited": a short editing session would push every amendment and version out of
# a feed's latest entries. Versions and structural changes stay. Webhooks, mail and the live stream still carry
# edits: their subscribers choose what they follow.
FEED_EVENT_TYPES: Final = PUBLIC_EVENT_TYPES - {EventType.PROVISION_EDITED}

# Sentences: public_title puts the event's values into them.
_TITLES: Final[dict[str, Wording]] = {
    EventType.BILL_IMPORTED: wording("Bill introduced"),
    EventType.VERSION_PUBLISHED: wording("Version %(version)s published"),
    # %(provision)s is the provision cited as the bill cites it ("Section 4(2)"), from its eId.
    EventType.PROVISION_EDITED: wording("%(provision)s edited"),
    EventType.PROVISION_INSERTED: wording("%(provision)s inserted"),
    EventType.PROVISION_DELETED: wording("%(provision)s deleted"),
    EventType.PROVISION_MOVED: wording("%(provision)s moved"),
    EventType.PROVISION_RETITLED: wording("%(provision)s renumbered or retitled"),
    AmendmentEvent.CONSOLIDATED: wording("Amendments consolidated into version %(version)s"),
    AmendmentEvent.WINDOW_OPENED: wording("Amendments open"),
    AmendmentEvent.WINDOW_CLOSED: wording("Amendments closed"),
    ConsultationEvent.CONSULTATION_OPENED: wording("Public consultation opened"),
}

# Steps of one amendment's procedure: %(amendment)s is how the amendment was called then (see AmendmentName).
_STEP_TITLES: Final[dict[str, Wording]] = {
    AmendmentEvent.TABLED: wording("%(amendment)s tabled"),
    AmendmentEvent.WITHDRAWN: wording("%(amendment)s withdrawn"),
    AmendmentEvent.ADMITTED: wording("%(amendment)s admitted"),
    AmendmentEvent.RULED_INADMISSIBLE: wording("%(amendment)s ruled inadmissible"),
    AmendmentEvent.ADOPTED: wording("%(amendment)s adopted"),
    AmendmentEvent.REJECTED: wording("%(amendment)s rejected"),
    AmendmentEvent.FELL: wording("%(amendment)s fell"),
    AmendmentEvent.COSPONSOR_ADDED: wording("%(amendment)s gained a co-sponsor"),
}


@dataclass(frozen=True)
class AmendmentName:
    """How a public title names an amendment, as it stood when an event happened: by its order-paper number once
    it was tabled (never by its database id, which the order paper does not show), else by the provision it amends
    (its citation, "section 3(2)")."""

    number: int | None = None
    citation: str | None = None

    def spoken(self) -> Wording:
        """The name in a sentence: "Amendment 4 (section 3(2))", "Draft amendment to section 3(2)"."""
        if self.number is not None and self.citation:
            return wording("Amendment %(number)s (%(citation)s)", number=self.number, citation=self.citation)
        if self.number is not None:
            return wording("Amendment %(number)s", number=self.number)
        if self.citation:
            return wording("Draft amendment to %(citation)s", citation=self.citation)
        return wording("Amendment")


def amendment_named(event_type: str, data: dict[str, Any]) -> int | None:
    """The id of the amendment an event's title names, when the title needs more than the event says (its
    number, given by another event): the procedure's steps; ``amendment.drafted`` carries its citation."""
    if event_type not in _STEP_TITLES:
        return None
    try:
        return int(data["amendment_id"])
    except (KeyError, TypeError, ValueError):
        return None


class Tabling(NamedTuple):
    """When an amendment was tabled (the id of the ``amendment.tabled`` event) and the number it was given."""

    event_id: int
    number: int


def amendment_name(event_id: int, citation: str | None, tabling: Tabling | None) -> AmendmentName:
    """What event ``event_id`` calls an amendment with this citation and tabling (None: never tabled): its number
    only from its tabling on, so that an entry reads the same whenever it is fetched (a draft's co-sponsor came
    before there was a number)."""
    if tabling is not None and tabling.event_id <= event_id:
        return AmendmentName(tabling.number, citation)
    return AmendmentName(None, citation)


def is_public(event_type: str, bill_id: int | None) -> bool:
    """Whether an event may be published: a bill event of a public type."""
    return bill_id is not None and event_type in PUBLIC_EVENT_TYPES


def public_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of an event's data that may leave Parley (empty for private events)."""
    return {key: data[key] for key in PUBLIC_FIELDS.get(event_type, ()) if key in data}


def public_title(event_type: str, data: dict[str, Any], amendment: AmendmentName | None = None,
                 citation: str | None = None) -> str:
    """A one-line description of a public event, for feed entries and mail subjects: English, and a
    :class:`Wording` that is shown translated where the reader's language is known.

    An amendment is named by its order-paper number: ``amendment.tabled`` gives it, and for the later steps the
    caller looks it up (``amendment``, see :func:`amendment_named` and :func:`amendment_name`); without it a step
    says "Amendment admitted", never the amendment's database id. The provision it names (:func:`provision_named`) is
    cited by ``citation``, as the bill cites it ("regulation 2(1)"), else by what its eId spells."""
    if event_type == AmendmentEvent.DRAFTED:
        return wording("Amendment proposed to %(citation)s", citation=data.get("citation") or data.get("eid", "?"))
    step = _STEP_TITLES.get(event_type)
    if step is not None:
        name = amendment or AmendmentName()
        if event_type == AmendmentEvent.TABLED and "number" in data:
            name = AmendmentName(data["number"], name.citation)
        return Wording(step.template, {"amendment": name.spoken()})
    sentence = _TITLES.get(event_type)
    if sentence is None:
        return event_type
    eid = provision_named(event_type, data)
    provision = citation or (citation_of_eid(eid) if eid else "?")
    return Wording(sentence.template, {"version": data.get("version") or "?",
                                       "provision": provision[:1].upper() + provision[1:]})


def provision_named(event_type: str, data: dict[str, Any]) -> str | None:
    """The eId of the provision an event's public title names, if it names one."""
    if event_type not in _TITLES:
        return None
    # A deletion leaves no provision: its eid is null and deleted_eid names the one taken out.
    eid = data.get("eid") or data.get("deleted_eid")
    return eid if isinstance(eid, str) and eid else None


def public_event(
    event_id: int, event_type: str, bill_id: int | None, at: str, data: dict[str, Any]
) -> dict[str, Any]:
    """The wire form of a public event, as feeds, webhooks and mail send it: no actor, only public fields."""
    return {"id": event_id, "type": event_type, "bill": bill_id, "at": at, "data": public_data(event_type, data)}


# --- webhooks ------------------------------------------------------------------------------------------------

SIGNATURE_HEADER: Final = "Parley-Signature"
EVENT_HEADER: Final = "Parley-Event"
DELIVERY_HEADER: Final = "Parley-Delivery"
MAX_ATTEMPTS: Final = 8
FIRST_RETRY_SECONDS: Final = 30.0
MAX_RETRY_SECONDS: Final = 6 * 3600.0


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``"<timestamp>." + body``, hex; the timestamp in the signed text stops replays."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER`: ``t=<unix seconds>,v1=<hex HMAC>``."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: check the HMAC in constant time and refuse stale timestamps."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))


def retry_delay(attempt: int, first: float = FIRST_RETRY_SECONDS, cap: float = MAX_RETRY_SECONDS) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): doubling, capped."""
    return float(min(first * 2 ** max(attempt - 1, 0), cap))


# IPv6 addresses that stand for the IPv4 address in their last 32 bits: a NAT64 gateway (RFC 6052's well-known
# prefix) or a host's own stack (IPv4-compatible, deprecated but still routed by some) connects to that IPv4 address,
# so they are exactly as public as it is. ``ipaddress`` calls every address of these prefixes global whatever they
# embed, so ``64:ff9b::7f00:1`` (127.0.0.1 behind a NAT64 gateway) would otherwise pass.
_NAT64_WELL_KNOWN: Final = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")
# The local-use NAT64 prefix (RFC 8215) is chosen per network and may embed the IPv4 address at any of RFC 6052's
# positions, so what it reaches cannot be read from the address; IANA lists it as not globally reachable.
_NAT64_LOCAL_USE: Final = ipaddress.IPv6Network("64:ff9b:1::/48")


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local, reserved …).

    An IPv6 address that embeds an IPv4 address (IPv4-mapped, NAT64, IPv4-compatible, 6to4, Teredo) is public only
    if the IPv4 address it leads to is public too.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL_USE:
            return False
        if ip.ipv4_mapped is not None:
            return _is_public(ip.ipv4_mapped)
        if ip in _NAT64_WELL_KNOWN or ip in _IPV4_COMPATIBLE:
            return _is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        # Tunnel addresses are routed as IPv6 but end at the embedded IPv4 address (6to4's relay, Teredo's server
        # and client), so both must be public.
        tunnelled = [ip.sixtofour] if ip.sixtofour is not None else list(ip.teredo or ())
        if not all(_is_public(endpoint) for endpoint in tunnelled):
            return False
    return _is_public(ip)


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return bool(ip.is_global) and not ip.is_multicast


# --- notifications -------------------------------------------------------------------------------------------


class SubscriptionTarget(StrEnum):
    BILL = "bill"
    PROVISION = "provision"
    MEMBER = "mp"


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


def concerns(
    target: SubscriptionTarget, bill_id: int | None, eid: str | None, member_id: int | None,
    event_type: str, event_bill: int | None, actor_id: int | None, data: dict[str, Any],
) -> bool:
    """Whether a public event is news for a subscription to a bill, one of its provisions, or a member."""
    if not is_public(event_type, event_bill):
        return False
    if target is SubscriptionTarget.BILL:
        return event_bill == bill_id
    if target is SubscriptionTarget.PROVISION:
        return event_bill == bill_id and data.get("eid") == eid
    return actor_id == member_id and event_type in MEMBER_EVENT_TYPES
