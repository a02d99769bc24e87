"""Amendments: their procedure (a state machine), the events it records, and when two amendments conflict.

An amendment is drafted by a member, tabled while the bill's amendment window is open, ruled admissible or
inadmissible by the clerk, then adopted or rejected on a vote; its proposer may withdraw it before the vote.
Amendments that change the same words, insert at the same place, or amend a provision another leaves out
conflict; adopting one defeats the others, which the clerk then confirms as fallen.

Pure: no I/O, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "OPEN_STATES",
    "STATE_AFTER",
    "TERMINAL_STATES",
    "VOTE_KEYS",
    "AmendmentAction",
    "AmendmentEvent",
    "AmendmentState",
    "Footprint",
    "Mover",
    "Placed",
    "amendment_stream",
    "conflict_graph",
    "conflicts",
    "event_for",
    "find_conflicts",
    "is_legal",
    "legal_targets",
    "marshal",
    "mover_of",
    "vote_problem",
]


class AmendmentState(StrEnum):
    DRAFT = "draft"
    TABLED = "tabled"
    ADMISSIBLE = "admissible"
    INADMISSIBLE = "inadmissible"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    FALLEN = "fallen"


class AmendmentAction(StrEnum):
    """What an amendment does to its provision."""

    TEXT = "text"  # replaces words of the provision's text
    INSERT_AFTER = "insert_after"  # inserts a new provision after it
    DELETE = "delete"  # leaves the provision out


class AmendmentEvent:
    """Every event type of the amendment procedure (stream ``amendment/<id>``, or ``bill/<id>`` for windows)."""

    DRAFTED: Final = "amendment.drafted"
    TABLED: Final = "amendment.tabled"
    WITHDRAWN: Final = "amendment.withdrawn"
    ADMITTED: Final = "amendment.admitted"
    RULED_INADMISSIBLE: Final = "amendment.ruled_inadmissible"
    ADOPTED: Final = "amendment.adopted"
    REJECTED: Final = "amendment.rejected"
    FELL: Final = "amendment.fell"
    COSPONSOR_ADDED: Final = "amendment.cosponsor_added"
    CONSOLIDATED: Final = "amendments.consolidated"
    WINDOW_OPENED: Final = "amendment_window.opened"
    WINDOW_CLOSED: Final = "amendment_window.closed"


class Mover(StrEnum):
    """Who may take a step: the amendment's proposer, or the clerk running the procedure."""

    PROPOSER = "proposer"
    CLERK = "clerk"


TERMINAL_STATES: Final = frozenset(
    {AmendmentState.INADMISSIBLE, AmendmentState.ADOPTED, AmendmentState.REJECTED, AmendmentState.WITHDRAWN,
     AmendmentState.FALLEN}
)
# States in which an amendment is still alive: it can conflict, be defeated, or be voted on.
OPEN_STATES: Final = frozenset({AmendmentState.DRAFT, AmendmentState.TABLED, AmendmentState.ADMISSIBLE})

_S = AmendmentState
_TRANSITIONS: Final[Mapping[AmendmentState, frozenset[AmendmentState]]] = {
    _S.DRAFT: frozenset({_S.TABLED, _S.WITHDRAWN}),
    _S.TABLED: frozenset({_S.ADMISSIBLE, _S.INADMISSIBLE, _S.WITHDRAWN, _S.FALLEN}),
    _S.ADMISSIBLE: frozenset({_S.ADOPTED, _S.REJECTED, _S.WITHDRAWN, _S.FALLEN}),
}
_EVENTS: Final = {
    _S.TABLED: AmendmentEvent.TABLED,
    _S.WITHDRAWN: AmendmentEvent.WITHDRAWN,
    _S.ADMISSIBLE: AmendmentEvent.ADMITTED,
    _S.INADMISSIBLE: AmendmentEvent.RULED_INADMISSIBLE,
    _S.ADOPTED: AmendmentEvent.ADOPTED,
    _S.REJECTED: AmendmentEvent.REJECTED,
    _S.FALLEN: AmendmentEvent.FELL,
}
STATE_AFTER: Final = {event: state for state, event in _EVENTS.items()}


def amendment_stream(amendment_id: int) -> str:
    """The stream that holds the history of one amendment."""
    return f"amendment/{amendment_id}"


def legal_targets(current: AmendmentState) -> frozenset[AmendmentState]:
    """The states an amendment in ``current`` may move to."""
    return _TRANSITIONS.get(current, frozenset())


def is_legal(current: AmendmentState, target: AmendmentState) -> bool:
    return target in legal_targets(current)


def event_for(target: AmendmentState) -> str:
    """The event type that records a move to ``target``."""
    return _EVENTS[target]


def mover_of(target: AmendmentState) -> Mover:
    """Tabling and withdrawing are the proposer's; every ruling and vote is the clerk's."""
    return Mover.PROPOSER if target in {_S.TABLED, _S.WITHDRAWN} else Mover.CLERK


# --- conflicts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """Where an amendment touches the bill.

    ``spans`` are word ranges of the provision's text ``base`` (an insertion is an empty range at its place;
    ``anchored_after`` tells whether it follows the word before it, as ``after "x", insert`` does).
    """

    amendment_id: int
    eid: str
    action: AmendmentAction
    base: str = ""
    spans: tuple[tuple[int, int], ...] = ()

    def within(self, eid: str) -> bool:
        """True when this amendment's provision is ``eid`` or inside it."""
        return self.eid == eid or self.eid.startswith(eid + "__")


def _spans_meet(a: tuple[int, int], b: tuple[int, int]) -> bool:
    (s1, e1), (s2, e2) = a, b
    if s1 < e1 and s2 < e2:
        # Touching counts: two changes to consecutive words have no unchanged word between them to hold each
        # in place, and merged they would run into each other ("leave out 'publication in'" beside "leave
        # out 'the Gazette'").
        return s1 <= e2 and s2 <= e1
    if s1 == e1 and s2 == e2:
        return s1 == s2  # two insertions at the same place
    point, (start, end) = (s1, b) if s1 == e1 else (s2, a)
    # "after "x", insert" needs the word x (the one before the point) to survive the other change; and an
    # insertion just before the words another change leaves out touches it (which comes first is not said).
    return start <= point <= end


def conflicts(a: Footprint, b: Footprint) -> bool:
    """True when ``a`` and ``b`` cannot both be made as worded."""
    if a.amendment_id == b.amendment_id:
        return False
    for first, second in ((a, b), (b, a)):
        if first.action is AmendmentAction.DELETE and second.within(first.eid):
            return True
    if a.eid != b.eid or a.action is not b.action:
        return False
    if a.action is AmendmentAction.INSERT_AFTER:
        return True
    if a.base != b.base:
        return True  # made against different texts: their words cannot be compared, so the clerk decides
    return any(_spans_meet(x, y) for x in a.spans for y in b.spans)


def _ancestors(eid: str) -> Iterable[str]:
    parts = eid.split("__")
    for k in range(1, len(parts)):
        yield "__".join(parts[:k])


def conflict_graph(footprints: Sequence[Footprint]) -> dict[int, set[int]]:
    """Every amendment's conflicting amendments (links both ways); compares only amendments that can meet."""
    by_eid: dict[str, list[Footprint]] = defaultdict(list)
    deletions: dict[str, list[Footprint]] = defaultdict(list)
    for footprint in footprints:
        by_eid[footprint.eid].append(footprint)
        if footprint.action is AmendmentAction.DELETE:
            deletions[footprint.eid].append(footprint)
    graph: dict[int, set[int]] = {f.amendment_id: set() for f in footprints}

    def link(a: Footprint, b: Footprint) -> None:
        if conflicts(a, b):
            graph[a.amendment_id].add(b.amendment_id)
            graph[b.amendment_id].add(a.amendment_id)

    for group in by_eid.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                link(a, b)
    for footprint in footprints:
        for ancestor in _ancestors(footprint.eid):
            for deletion in deletions.get(ancestor, ()):
                link(deletion, footprint)
    return graph


def find_conflicts(new: Footprint, others: Iterable[Footprint]) -> list[int]:
    """The ids among ``others`` that conflict with ``new``, ascending."""
    return sorted(other.amendment_id for other in others if conflicts(new, other))


# --- the marshalled list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """An amendment's place in the bill, for the marshalled list."""

    amendment_id: int
    ordinal: int  # the provision's position in the bill's document order
    action: AmendmentAction
    first_word: int = 0
    number: int | None = None


def _place_key(item: Placed) -> tuple[int, int, int, int]:
    # An insertion after a provision comes after the amendments to the provision's own words.
    rank = 1 if item.action is AmendmentAction.INSERT_AFTER else 0
    return (item.ordinal, rank, item.first_word, item.number if item.number is not None else item.amendment_id)


def marshal(items: Sequence[Placed], graph: Mapping[int, Iterable[int]]) -> list[list[int]]:
    """Amendments in the order they are taken: by place in the bill, each conflicting set kept together.

    A group of conflicting amendments (a connected set in ``graph``) is taken where its first member falls,
    its members in bill order.
    """
    ordered = sorted(items, key=_place_key)
    present = {item.amendment_id for item in ordered}
    seen: set[int] = set()
    groups: list[list[int]] = []
    rank = {item.amendment_id: k for k, item in enumerate(ordered)}
    for item in ordered:
        if item.amendment_id in seen:
            continue
        group: list[int] = []
        stack = [item.amendment_id]
        seen.add(item.amendment_id)
        while stack:
            current = stack.pop()
            group.append(current)
            for other in graph.get(current, ()):
                if other in present and other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group, key=rank.__getitem__))
    return groups


# --- votes --------------------------------------------------------------------------------------------------

VOTE_KEYS: Final = ("for", "against", "abstentions")


def vote_problem(target: AmendmentState, votes: Mapping[str, object] | None) -> str | None:
    """What is wrong with the vote recorded for adopting or rejecting an amendment (None when it is sound)."""
    if votes is None:
        return "record the vote: {\"for\": <count>, \"against\": <count>, \"abstentions\": <count>}"
    counts: dict[str, int] = {}
    for key in VOTE_KEYS:
        value = votes.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"vote counts are whole numbers of at least 0; {key!r} is {value!r}"
        counts[key] = value
    if target is AmendmentState.ADOPTED and counts["for"] <= counts["against"]:
        return f"an amendment is adopted with more votes for than against; found {counts['for']} to " \
               f"{counts['against']}"
    if target is AmendmentState.REJECTED and counts["for"] > counts["against"]:
        return f"an amendment with more votes for than against is adopted, not rejected; found " \
               f"{counts['for']} to {counts['against']}"
    return None
