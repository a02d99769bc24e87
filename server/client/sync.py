"""Live co-drafting, client side: the algorithm of ``frontend/src/sync/sync.js`` in Python.

Pure: no sockets, no threads, no clock. ``ProvisionSync`` keeps one provision's text in step with the
server; ``BillSync`` routes a bill's events, acks and join snapshots to its provisions. Every call
returns what to show and what to send; ``server.client.drafting`` does the sending. docs/sync.md
describes the algorithm.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from server.domain.events import EventType
from server.domain.merge3 import merge3
from server.domain.textpatch import TextPatchError, apply_exact, make_patch, map_position

__all__ = [
    "EDIT_CONFLICT",
    "PROVISION_EDITED",
    "STRUCTURE_EVENTS",
    "BillSync",
    "Outcome",
    "ProvisionSync",
    "Reaction",
    "op_ids",
]

EDIT_CONFLICT: Final = "edit_conflict"
RATE_LIMITED: Final = "rate_limited"
INTERNAL_ERROR: Final = "internal_error"
# Refusals that say who is asking is no longer signed in, not that the edit is wrong.
SIGNED_OUT_CODES: Final = frozenset({"signed_out", "unauthenticated"})
NOT_JOINED: Final = "not_joined"
# After the server failed on an op: 1, 2, 4... seconds before sending it again, at most this long.
MAX_FAILURE_WAIT: Final = 30.0
NOT_FOUND: Final = "not_found"
PROVISION_EDITED: Final = EventType.PROVISION_EDITED
# Events that rename, add or remove provisions; each carries ``renames`` (old eId -> new eId).
STRUCTURE_EVENTS: Final = frozenset(
    {
        EventType.PROVISION_INSERTED,
        EventType.PROVISION_DELETED,
        EventType.PROVISION_MOVED,
        EventType.PROVISION_RETITLED,
    }
)

Payload = dict[str, Any]
# When a ``rate_limited`` ack does not say how long to wait.
DEFAULT_RETRY_AFTER: Final = 0.1


def op_ids(prefix: str | None = None) -> Callable[[], str]:
    """A generator of op ids unique to this client: ``<prefix>-1``, ``<prefix>-2``..."""
    tag = prefix or uuid.uuid4().hex[:12]
    counter = itertools.count(1)
    return lambda: f"{tag}-{next(counter)}"


@dataclass
class Outcome:
    """What a ProvisionSync call asks of its caller."""

    text: str | None = None  # the new local text when it changed
    cursor: int | None = None  # the caller's cursor mapped into ``text``
    send: Payload | None = None  # an edit ``{eid, wid, rev, patch, op_id}`` to send now
    resync: bool = False  # the confirmed text diverged from the server's: join again for a snapshot
    error: Payload | None = None  # a refusal other than a conflict; the refused edits were undone
    retry_after: float | None = None  # rate limited: call ``retry`` after this many seconds


@dataclass
class _InFlight:
    op_id: str
    rev: int
    patch: str
    expected: str  # what the server should make of it, kept rebased over other drafters' edits


@dataclass
class _Snapshot:
    text: str
    rev: int


class ProvisionSync:
    """One provision: confirmed server text and revision, at most one op in flight, local edits.

    ``eid`` changes when a structure edit renumbers the provision; ``wid`` never does, and every edit
    carries it so that the server finds the provision even if the eId it was sent with is gone.
    """

    def __init__(
        self, eid: str, text: str, rev: int, *, wid: str | None = None, op_id: Callable[[], str] | None = None
    ) -> None:
        self.eid = eid
        self.wid = wid or eid
        self.confirmed = text
        self.rev = rev
        self.local = text
        self.inflight: _InFlight | None = None
        self.early: dict[int, Payload] = {}  # rev -> event data that arrived before its predecessors
        self.snapshot: _Snapshot | None = None  # newer server text held until the in-flight op's fate is known
        self.held = False  # rate limited (or the server failed): local edits wait for ``retry``
        self.failures = 0  # the server's failures on the op in flight, in a row
        self._op_id = op_id or op_ids()

    @property
    def text(self) -> str:
        """The text the drafter sees."""
        return self.local

    @property
    def settled(self) -> bool:
        """True when nothing is in flight, nothing local is unsent and no event is missing."""
        return self.inflight is None and self.snapshot is None and self.local == self.confirmed and not self.early

    @property
    def pending_send(self) -> Payload | None:
        """The in-flight edit, to send again after a reconnect (same op_id: never applied twice)."""
        if self.inflight is None:
            return None
        sent = self.inflight
        return {"eid": self.eid, "wid": self.wid, "rev": sent.rev, "patch": sent.patch, "op_id": sent.op_id}

    def local_change(self, new_text: str) -> Outcome:
        """The drafter typed: ``new_text`` is the whole new local text."""
        self.local = new_text
        return Outcome(send=self._flush())

    def on_event(self, data: Mapping[str, Any], cursor: int | None = None) -> Outcome:
        """The ``data`` of a ``provision.edited`` event for this provision."""
        if data["rev"] <= self.rev:
            return Outcome()
        before = self.local
        self.early[data["rev"]] = dict(data)
        return self._after(before, cursor)

    def on_ack(self, op_id: str, ack: Mapping[str, Any], cursor: int | None = None) -> Outcome:
        """The server's answer to the edit ``op_id``."""
        sent = self.inflight
        if sent is None or sent.op_id != op_id:
            return Outcome()
        before = self.local
        if ack.get("ok"):
            if ack.get("unchanged"):
                # The op changed nothing, so no event will confirm it; the text it was merged into stays ours.
                self._settled()
            else:
                self._accepted(int(ack["rev"]))
            return self._after(before, cursor)
        error = dict(ack.get("error") or {"code": "error", "message": "Refused."})
        if error.get("code") in (RATE_LIMITED, INTERNAL_ERROR):
            # Only this copy of the op was turned away, and nothing is wrong with it: a copy resent after a
            # reconnect may be applied at this very moment, and a server that failed may not fail again. The op
            # stays in flight and goes out again, same op_id, after the wait; what is typed meanwhile waits for
            # its fate. Sending it all as a new op would apply the op's insertions twice whenever another copy got
            # through; undoing it would lose what the drafter typed to a passing failure.
            self.held = True
            resync = self._drain()
            if error.get("code") == INTERNAL_ERROR:
                self.failures += 1
                retry_after = min(MAX_FAILURE_WAIT, 2.0 ** (self.failures - 1))
            else:
                wait = ack.get("retry_after")
                retry_after = float(wait) if isinstance(wait, (int, float)) and wait > 0 else DEFAULT_RETRY_AFTER
            return self._shown(before, cursor, Outcome(resync=resync, retry_after=retry_after))
        if error.get("code") == NOT_JOINED:
            # The server has no join of this connection (an edit it held while reconnecting arrived first): the op
            # stays in flight and the join, asked for here, sends it again.
            self.held = True
            return Outcome(resync=True)
        if error.get("code") in SIGNED_OUT_CODES:
            # The connection's sign-in ended: nothing is wrong with the edit, the drafter has to sign in again. It
            # stays in flight, what is typed meanwhile waits, and the join after reconnecting sends it again.
            self.held = True
            return Outcome(error=error)
        self._settled()
        if error.get("code") == EDIT_CONFLICT:
            # Nothing of the op was applied: merge all local edits onto the server's text, send anew.
            if not isinstance(ack.get("text"), str):
                self.snapshot = None
                return Outcome(resync=True)
            if int(ack["rev"]) > self.rev:
                self._adopt(str(ack["text"]), int(ack["rev"]))
            return self._after(before, cursor)
        # Refused for good (rights, closed bill...): undo what was refused so the drafter sees the truth. What was
        # typed meanwhile goes out as the next op, which the server accepts or refuses in its turn.
        self.local = merge3(sent.expected, self.local, self.confirmed)
        resync = self._drain()
        return self._shown(before, cursor, Outcome(resync=resync, error=error,
                                                   send=None if resync else self._flush()))

    def on_snapshot(self, text: str, rev: int, cursor: int | None = None) -> Outcome:
        """The provision's ``{text, rev}`` from a join, after the join's missed events went through."""
        if rev < self.rev or (rev == self.rev and text == self.confirmed):
            return Outcome()
        if self.inflight is not None:
            # The resent in-flight op's ack will tell whether ``text`` already contains it.
            self.snapshot = _Snapshot(text, rev)
            return Outcome()
        before = self.local
        self._adopt(text, rev)
        return self._after(before, cursor)

    def retry(self) -> Outcome:
        """The wait a rate limit asked for is over: the held op again (same op_id), else what was typed."""
        self.held = False
        return Outcome(send=self.pending_send or self._flush())

    def _after(self, before: str, cursor: int | None) -> Outcome:
        resync = self._drain()
        return self._shown(before, cursor, Outcome(resync=resync, send=None if resync else self._flush()))

    def _shown(self, before: str, cursor: int | None, outcome: Outcome) -> Outcome:
        if self.local != before:
            outcome.text = self.local
            outcome.cursor = None if cursor is None else map_position(before, self.local, cursor)
        return outcome

    def _flush(self) -> Payload | None:
        if self.inflight is not None or self.snapshot is not None or self.held or self.local == self.confirmed:
            return None
        patch = make_patch(self.confirmed, self.local)
        self.inflight = _InFlight(op_id=self._op_id(), rev=self.rev, patch=patch, expected=self.local)
        return self.pending_send

    def _adopt(self, text: str, rev: int) -> None:
        """Server text ``text`` at ``rev`` replaces the confirmed text; local edits are merged onto it."""
        if self.inflight is not None:
            # The local text is the in-flight op's expected text plus what was typed since: merged apart, the two
            # could order the op's insertion and the colleague's differently, and when the op's own event then
            # moves it, both sides would show the move and the words would be doubled. So the expected text
            # takes the colleague's edit, and the local text is that plus what was typed since.
            expected = merge3(self.confirmed, self.inflight.expected, text)
            if self.local != self.inflight.expected:
                self.local = merge3(self.inflight.expected, self.local, expected)
            else:
                self.local = expected
            self.inflight.expected = expected
        else:
            self.local = text if self.local == self.confirmed else merge3(self.confirmed, self.local, text)
        self.confirmed = text
        self.rev = rev
        self.early = {r: data for r, data in self.early.items() if r > rev}

    def _drain(self) -> bool:
        """Apply held-back events that now follow, and a held-back snapshot once placeable.

        True when an event did not apply (the confirmed text diverged from the server's).
        """
        while True:
            while self.rev + 1 in self.early:
                if not self._apply(self.early.pop(self.rev + 1)):
                    return True
            self.early = {r: data for r, data in self.early.items() if r > self.rev}
            rev = self.rev
            self._settle_snapshot()
            if self.rev == rev:
                return False

    def _settle_snapshot(self) -> None:
        # Stale once events reached its revision; safe to adopt once nothing is in flight.
        if self.snapshot is None:
            return
        if self.snapshot.rev <= self.rev:
            self.snapshot = None
        elif self.inflight is None:
            snapshot, self.snapshot = self.snapshot, None
            self._adopt(snapshot.text, snapshot.rev)

    def _apply(self, data: Mapping[str, Any]) -> bool:
        try:
            new = apply_exact(self.confirmed, str(data["patch"]))
        except TextPatchError:
            return False
        if self.inflight is not None and data.get("op_id") == self.inflight.op_id:
            self._confirm_own(new, int(data["rev"]))
        else:
            self._adopt(new, int(data["rev"]))
        return True

    def _confirm_own(self, new: str, rev: int) -> None:
        """Our op became ``rev`` with text ``new``; edits typed since are merged onto what the server made."""
        assert self.inflight is not None
        if new != self.inflight.expected:
            self.local = merge3(self.inflight.expected, self.local, new)
        self.confirmed = new
        self.rev = rev
        self._settled()

    def _settled(self) -> None:
        # The op in flight is decided (applied, refused): nothing holds back what was typed since, whatever made it
        # wait (a rate limit, a failure, a sign-in that ended) and however its fate became known (its ack, its
        # event, a join's snapshot).
        self.inflight = None
        self.held = False
        self.failures = 0

    def _accepted(self, ack_rev: int) -> None:
        sent, snapshot = self.inflight, self.snapshot
        assert sent is not None
        if snapshot is not None:
            self.snapshot = None
            if ack_rev <= snapshot.rev:
                self._confirm_own(snapshot.text, snapshot.rev)
                return
            self._adopt(snapshot.text, snapshot.rev)
        # Applied to the very text it was made from: the server made what we made, no need to wait for
        # the event. Otherwise the server rebased it and its provision.edited event says what it made.
        if ack_rev == self.rev + 1 and sent.rev == self.rev:
            self._confirm_own(sent.expected, ack_rev)


@dataclass
class Reaction:
    """What a BillSync call asks of its driver."""

    sends: list[Payload] = field(default_factory=list)  # edit payloads (with ``bill``) to emit
    changed: dict[str, str] = field(default_factory=dict)  # eid -> new local text to show
    cursors: dict[str, int] = field(default_factory=dict)  # eid -> mapped cursor
    errors: list[tuple[str, Payload]] = field(default_factory=list)  # refusals, by eid
    rejoin: bool = False  # join again (a provision needs a snapshot)
    retry_after: float | None = None  # call ``BillSync.retry`` after this many seconds

    def extend(self, other: Reaction) -> None:
        self.sends += other.sends
        self.changed.update(other.changed)
        self.cursors.update(other.cursors)
        self.errors += other.errors
        self.rejoin = self.rejoin or other.rejoin
        if other.retry_after is not None:
            self.retry_after = max(self.retry_after or 0.0, other.retry_after)


class BillSync:
    """One bill's live provisions; the driver sends what each call returns and feeds back the answers.

    Provisions are keyed by eId for the caller, and events and acks find them by wId, which survives
    renumbering. A structure edit renames eIds (its ``renames`` re-key what this side holds) and may add
    or remove provisions, which only a join snapshot tells: each structure event is followed by a join.
    """

    def __init__(self, bill: int, *, op_id: Callable[[], str] | None = None) -> None:
        self.bill = bill
        self.provisions: dict[str, ProvisionSync] = {}
        self.since: int | None = None  # last event id up to which nothing is missing
        self.joined = False
        self._by_wid: dict[str, ProvisionSync] = {}
        self._catching_up = False
        self._in_snapshot = False  # handling a join's own missed events, which its snapshot already contains
        self._backlog: list[Payload] = []  # events broadcast while a join is under way
        self._structure_seen: set[int] = set()  # ids of structure events already handled
        self._op_id = op_id or op_ids()

    def join_request(self) -> Payload:
        """The ``join`` payload; until its ack arrives, events wait and edits are held back."""
        self.joined = False
        return {"bill": self.bill, "since": self.since}

    def on_join_ack(self, ack: Mapping[str, Any], cursors: Mapping[str, int] | None = None) -> Reaction:
        """The ack of ``join``: missed events, then each provision's snapshot, then the backlog."""
        if not ack.get("ok"):
            error = dict(ack.get("error") or {"code": "error", "message": "join refused"})
            return Reaction(errors=[("", error)])
        reaction = Reaction()
        cursors = cursors or {}
        self._catching_up = True
        try:
            self._in_snapshot = True
            for event in ack.get("events") or []:
                reaction.extend(self.on_event(event, cursors))
            self._in_snapshot = False
            reaction.extend(self._adopt_snapshot(ack.get("provisions") or {}, cursors))
            self._advance(ack.get("last_event_id"))
            # More was missed than one answer holds: ask again from where this one stopped.
            reaction.rejoin = reaction.rejoin or bool(ack.get("more"))
            backlog, self._backlog = self._backlog, []
            for event in backlog:
                reaction.extend(self.on_event(event, cursors))
        finally:
            self._catching_up = self._in_snapshot = False
        self.joined = True
        for provision in self.provisions.values():
            resend = provision.pending_send
            if resend is not None:
                reaction.sends.append({"bill": self.bill, **resend})
            else:
                reaction.extend(self._react(provision, provision.local_change(provision.text)))
        return reaction

    def type(self, eid: str, new_text: str) -> Reaction:
        """The drafter changed provision ``eid`` to ``new_text``."""
        provision = self.provisions.get(eid)
        if provision is None:
            raise KeyError(f"Unknown provision {eid!r}; join the bill first.")
        return self._react(provision, provision.local_change(new_text))

    def on_event(self, event: Mapping[str, Any], cursors: Mapping[str, int] | None = None) -> Reaction:
        """An ``event`` broadcast to the bill's room."""
        if event.get("bill") not in (None, self.bill):
            return Reaction()
        if not self.joined and not self._catching_up:
            self._backlog.append(dict(event))
            return Reaction()
        reaction = Reaction()
        kind = event.get("type")
        if kind == PROVISION_EDITED:
            data = event["data"]
            provision = self._find(data.get("wid"), data["eid"])
            if provision is not None:
                reaction = self._react(provision, provision.on_event(data, (cursors or {}).get(provision.eid)))
        elif kind in STRUCTURE_EVENTS:
            reaction = self._on_structure(event)
        self._advance(event.get("id"))
        return reaction

    def on_edit_ack(self, payload: Mapping[str, Any], ack: Mapping[str, Any], cursor: int | None = None) -> Reaction:
        """The ack of the edit ``payload`` that the driver sent."""
        provision = self._find(payload.get("wid"), payload["eid"])
        if provision is None:
            return Reaction()
        return self._react(provision, provision.on_ack(payload["op_id"], ack, cursor))

    def retry(self) -> Reaction:
        """Send the edits a rate limit held back (the driver calls this ``retry_after`` seconds later)."""
        reaction = Reaction()
        for provision in self.provisions.values():
            if provision.held:
                reaction.extend(self._react(provision, provision.retry()))
        return reaction

    def text(self, eid: str) -> str | None:
        """The local text of provision ``eid``."""
        provision = self.provisions.get(eid)
        return None if provision is None else provision.text

    def eid_of(self, wid: str) -> str | None:
        """The eId this side currently knows the provision ``wid`` by."""
        provision = self._by_wid.get(wid)
        return None if provision is None else provision.eid

    @property
    def settled(self) -> bool:
        """True when every provision has its edits confirmed and nothing is waiting."""
        return self.joined and all(provision.settled for provision in self.provisions.values())

    def _find(self, wid: str | None, eid: str) -> ProvisionSync | None:
        # By wId when the message has one: after a renumbering the same eId may name another provision.
        return self._by_wid.get(wid) if wid else self.provisions.get(eid)

    def _on_structure(self, event: Mapping[str, Any]) -> Reaction:
        event_id = event.get("id")
        if isinstance(event_id, int):
            if event_id in self._structure_seen:
                return Reaction()
            self._structure_seen.add(event_id)
        if not self._catching_up:
            self._rename(dict((event.get("data") or {}).get("renames") or {}))
        # Inserted and deleted provisions, and the exact eIds, come with a join's snapshot; the join that
        # delivered this event as a missed one carries a snapshot taken after it.
        return Reaction(rejoin=not self._in_snapshot)

    def _rename(self, renames: Mapping[str, str]) -> None:
        """Re-key provisions after a structure edit, unless the renames would collide (the join re-keys)."""
        if not renames:
            return
        renamed: dict[str, ProvisionSync] = {}
        for eid, provision in self.provisions.items():
            new = str(renames.get(eid, eid))
            if new in renamed:
                return
            renamed[new] = provision
        for eid, provision in renamed.items():
            provision.eid = eid
        self.provisions = renamed

    def _adopt_snapshot(self, snapshot: Mapping[str, Mapping[str, Any]], cursors: Mapping[str, int]) -> Reaction:
        """Each provision's ``{text, rev, wid}`` from a join, keyed by its current eId."""
        reaction = Reaction()
        held = {provision.wid: provision for provision in self.provisions.values()}
        current: dict[str, ProvisionSync] = {}
        for eid, state in snapshot.items():
            wid = str(state.get("wid") or eid)
            provision = held.pop(wid, None)
            if provision is None:
                current[eid] = ProvisionSync(eid, state["text"], state["rev"], wid=wid, op_id=self._op_id)
                continue
            cursor = cursors.get(provision.eid)
            provision.eid = eid
            current[eid] = provision
            reaction.extend(self._react(provision, provision.on_snapshot(state["text"], state["rev"], cursor)))
        for gone in held.values():
            if not gone.settled:
                message = f"provision {gone.eid} was deleted; the edits made to it since were not applied"
                reaction.errors.append((gone.eid, {"code": NOT_FOUND, "message": message}))
        self.provisions = current
        self._by_wid = {provision.wid: provision for provision in current.values()}
        return reaction

    def _advance(self, event_id: int | None) -> None:
        gaps = any(provision.early for provision in self.provisions.values())
        if not gaps and event_id is not None and (self.since is None or event_id > self.since):
            self.since = event_id

    def _react(self, provision: ProvisionSync, outcome: Outcome) -> Reaction:
        reaction = Reaction(rejoin=outcome.resync)
        if outcome.text is not None:
            reaction.changed[provision.eid] = outcome.text
            if outcome.cursor is not None:
                reaction.cursors[provision.eid] = outcome.cursor
        if outcome.error is not None:
            reaction.errors.append((provision.eid, outcome.error))
        if outcome.send is not None and self.joined:
            reaction.sends.append({"bill": self.bill, **outcome.send})
        reaction.retry_after = outcome.retry_after
        return reaction
