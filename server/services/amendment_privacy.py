"""An amendment is its member's own until tabled: `server.domain.amendments.may_read` applied wherever amendments and
their events are read (the API, the pages, the AKN resolver, search, the event log, the live stream, feeds, webhooks
and mail), so that a draft another reader may not see is, for that reader, an amendment that does not exist.

Once tabled, an amendment is public, and so is every event of its history from its tabling on; what came before
(``amendment.drafted``, a co-sponsor added to the draft, a draft withdrawn) stays for those who could read the
draft. Lists of other amendments' ids (``conflicts_with``, ``defeats``) are cut to those the reader may know of.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from server.domain.amendments import (
    DRAFT_READERS,
    STEP_EVENTS,
    AmendmentEvent,
    Reader,
    amendment_stream,
    may_read,
    while_draft,
)
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import NotFound
from server.store.amendment_models import Amendment
from server.store.models import EventRecord, User

# The keys of an event's data that list other amendments by id.
_ID_LISTS = ("conflicts_with", "defeats")


def unknown_amendment(amendment_id: int) -> NotFound:
    """The refusal for an amendment that does not exist, or that the reader may not know of: the same answer."""
    return NotFound(wording("there is no amendment %(amendment)s", amendment=amendment_id))


def may_read_amendment(reader: Reader | None, amendment: Amendment) -> bool:
    """Whether ``reader`` may know of ``amendment`` as it stands (tabled once it has an order-paper number)."""
    return may_read(reader, amendment.proposer_id, amendment.cosponsor_ids or [], tabled=amendment.number is not None)


def readable(session: Session, reader: Reader | None, amendment_id: int) -> Amendment:
    """The amendment, when ``reader`` may know of it; else the same :class:`NotFound` as for an id never given."""
    amendment = session.get(Amendment, amendment_id)
    if amendment is None or not may_read_amendment(reader, amendment):
        raise unknown_amendment(amendment_id)
    return amendment


def unreadable_ids(session: Session, reader: Reader | None, bill_id: int | None = None) -> set[int]:
    """The drafts (of one bill, or of every bill) that ``reader`` may not know of."""
    query = select(Amendment.id, Amendment.proposer_id, Amendment.cosponsor_ids).where(Amendment.number.is_(None))
    if bill_id is not None:
        query = query.where(Amendment.bill_id == bill_id)
    return {row.id for row in session.execute(query)
            if not may_read(reader, row.proposer_id, row.cosponsor_ids or [], tabled=False)}


def readable_clause(session: Session, reader: Reader | None, bill_id: int | None = None) -> ColumnElement[bool]:
    """A condition on :class:`Amendment` rows that keeps those ``reader`` may know of (for lists cut in pages)."""
    return Amendment.id.not_in(sorted(unreadable_ids(session, reader, bill_id)))


def cut_ids(ids: Iterable[int], hidden: set[int]) -> list[int]:
    """``ids`` of other amendments, without those of ``hidden``."""
    return [i for i in ids if i not in hidden]


# --- events --------------------------------------------------------------------------------------------------


def _amendment_of(payload: dict[str, Any]) -> int | None:
    """The amendment an event (in wire form) is part of the history of, if any."""
    if payload["type"] not in STEP_EVENTS:
        return None
    try:
        return int(payload["data"]["amendment_id"])
    except (KeyError, TypeError, ValueError):
        return None


def concerns_amendments(payloads: Sequence[dict[str, Any]]) -> bool:
    """Whether any of the events (wire form) is a step of an amendment's history: only those can be private."""
    return any(payload["type"] in STEP_EVENTS for payload in payloads)


@dataclass(frozen=True)
class _Stand:
    """What decides who may read an event of one amendment's history."""

    proposer_id: int
    cosponsor_ids: list[int]
    tabled_by: int | None  # the id of the event that tabled it; None while it never was


def _stands(session: Session, amendment_ids: set[int]) -> dict[int, _Stand]:
    if not amendment_ids:
        return {}
    ids = sorted(amendment_ids)
    tabled = {stream: event_id for stream, event_id in session.execute(
        select(EventRecord.stream, EventRecord.id).where(
            EventRecord.stream.in_([amendment_stream(i) for i in ids]), EventRecord.type == AmendmentEvent.TABLED))}
    rows = session.execute(select(Amendment.id, Amendment.proposer_id, Amendment.cosponsor_ids)
                           .where(Amendment.id.in_(ids)))
    return {row.id: _Stand(row.proposer_id, list(row.cosponsor_ids or []), tabled.get(amendment_stream(row.id)))
            for row in rows}


def _may_read_event(reader: Reader | None, payload: dict[str, Any], stands: dict[int, _Stand]) -> bool:
    amendment_id = _amendment_of(payload)
    if amendment_id is None:
        return True
    stand = stands.get(amendment_id)
    if stand is None:
        return False  # an amendment with no read model: nothing to show of it
    return may_read(reader, stand.proposer_id, stand.cosponsor_ids,
                    tabled=not while_draft(int(payload["id"]), stand.tabled_by))


def _cut(payload: dict[str, Any], hidden: set[int]) -> dict[str, Any]:
    data = payload["data"]
    if not hidden or not any(isinstance(data.get(key), list) for key in _ID_LISTS):
        return payload
    cut = {key: cut_ids(data[key], hidden) for key in _ID_LISTS if isinstance(data.get(key), list)}
    return {**payload, "data": {**data, **cut}}


def readable_events(session: Session, reader: Reader | None, payloads: Sequence[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The events (wire form, in order) that ``reader`` may read, their lists of other amendments cut to those the
    reader may know of. Without a step of an amendment's history among them, they are all readable as they are."""
    if not concerns_amendments(payloads):
        return list(payloads)
    stands = _stands(session, {i for p in payloads if (i := _amendment_of(p)) is not None})
    hidden = unreadable_ids(session, reader)
    return [_cut(p, hidden) for p in payloads if _may_read_event(reader, p, stands)]


def unreadable_event_ids(session: Session, records: Sequence[EventRecord]) -> set[int]:
    """The ids of those of ``records`` the public may not read (feeds, webhooks and mail serve the public)."""
    payloads: list[dict[str, Any]] = [{"id": r.id, "type": r.type, "data": r.data} for r in records]
    if not concerns_amendments(payloads):
        return set()
    stands = _stands(session, {i for p in payloads if (i := _amendment_of(p)) is not None})
    return {int(p["id"]) for p in payloads if not _may_read_event(None, p, stands)}


@dataclass(frozen=True)
class _Account:
    user_id: int
    role: Role


@dataclass(frozen=True)
class Delivery:
    """An event as one audience may read it: everyone (``user_id`` None), or one account only."""

    payload: dict[str, Any]
    user_id: int | None = None


def deliveries(session: Session, payloads: Sequence[dict[str, Any]]) -> list[Delivery]:
    """Who each event (wire form) goes to live: an event anyone may read, to everyone, as the public reads it; one
    of a draft's history, to each account that may read it (its proposer, its co-sponsors, every clerk and admin),
    as that account reads it."""
    if not concerns_amendments(payloads):
        return [Delivery(p) for p in payloads]
    stands = _stands(session, {i for p in payloads if (i := _amendment_of(p)) is not None})
    hidden = unreadable_ids(session, None)
    out: list[Delivery] = []
    accounts: list[_Account] | None = None
    hidden_from: dict[_Account, set[int]] = {}
    for payload in payloads:
        if _may_read_event(None, payload, stands):
            out.append(Delivery(_cut(payload, hidden)))
            continue
        stand = stands.get(_amendment_of(payload) or 0)
        if stand is None:
            continue
        if accounts is None:
            accounts = [_Account(row.id, Role(row.role)) for row in session.execute(
                select(User.id, User.role).where(User.role.in_(sorted(DRAFT_READERS))))]
        named = {stand.proposer_id, *stand.cosponsor_ids}
        rows = session.execute(select(User.id, User.role).where(User.id.in_(sorted(named))))
        for account in sorted({*accounts, *(_Account(row.id, Role(row.role)) for row in rows)},
                              key=lambda a: a.user_id):
            if _may_read_event(account, payload, stands):
                if account not in hidden_from:
                    hidden_from[account] = unreadable_ids(session, account)
                out.append(Delivery(_cut(payload, hidden_from[account]), account.user_id))
    return out
