"""Event types and the canonical form that the hash chain signs.

Event names are past-tense facts, defined here once; every other module refers to these constants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

GENESIS_HASH: Final = "0" * 64


class EventType:
    """Every event type Parley records."""

    USER_REGISTERED: Final = "user.registered"
    # Private (no bill): that the password changed, and how; never a hash or a password.
    PASSWORD_CHANGED: Final = "account.password_changed"  # noqa: S105 - an event name, not a secret
    PASSWORD_RESET: Final = "account.password_reset"  # noqa: S105 - an event name, not a secret
    # Private too: a browser session was signed out (which one is not recorded).
    SIGNED_OUT: Final = "account.signed_out"
    BILL_IMPORTED: Final = "bill.imported"
    VERSION_PUBLISHED: Final = "version.published"
    PROVISION_EDITED: Final = "provision.edited"
    PROVISION_INSERTED: Final = "provision.inserted"
    PROVISION_DELETED: Final = "provision.deleted"
    PROVISION_MOVED: Final = "provision.moved"
    PROVISION_RETITLED: Final = "provision.retitled"


def bill_stream(bill_id: int) -> str:
    """The stream that holds the history of one bill."""
    return f"bill/{bill_id}"


def user_stream(user_id: int) -> str:
    return f"user/{user_id}"


@dataclass(frozen=True)
class EventDraft:
    """An event about to be appended: what happened, to which stream, by whom."""

    stream: str
    type: str
    data: dict[str, Any]
    actor_id: int | None = None
    bill_id: int | None = None


def wire_time(moment: datetime) -> str:
    """When an event happened, as every public form of it says: ISO 8601 UTC to the microsecond, with a Z."""
    return moment.isoformat(timespec="microseconds") + "Z"


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace, so equal values hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    *,
    previous_hash: str,
    event_id: int,
    stream: str,
    version: int,
    type: str,
    actor_id: int | None,
    bill_id: int | None,
    data: dict[str, Any],
    occurred_at: datetime,
) -> str:
    """SHA-256 over the previous hash and the canonical event."""
    body = canonical_json(
        {
            "id": event_id,
            "stream": stream,
            "version": version,
            "type": type,
            "actor": actor_id,
            "bill": bill_id,
            "data": data,
            "at": occurred_at.isoformat(timespec="microseconds"),
        }
    )
    return hashlib.sha256((previous_hash + body).encode("utf-8")).hexdigest()
