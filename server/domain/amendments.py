"""Amendments: their procedure (a state machine), the events it records, when two amendments conflict, and how
adopted amendments are made to a text.

An amendment is drafted by a member, tabled while the bill's amendment window is open, ruled admissible or
inadmissible by the clerk, then adopted or rejected on a vote; its proposer may withdraw it before the vote.
Amendments that change the same words, insert at the same place, or amend a provision another leaves out
conflict; adopting one defeats the others, which the clerk then confirms as fallen.

An amendment is made to the published version it was proposed on. It stands on its provision's ``wId`` (which
renumbering never changes), and it can still be made to a later version only while that provision is there
and, for new words or an omission, still reads as it did (`standing_problem`).

Pure: no I/O, no Flask, no SQLAlchemy; documents are read and changed through `akn` only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from akn import AknDocument
from akn.inline import same_markup
from akn.provisions import child_provisions
from akn.vocabulary import AKN_NS, HIERARCHY_ELEMENTS
from server.domain.citation import citation_of_element
from server.domain.merge3 import merge3
from server.domain.roles import Role
from server.domain.wording import Wording, wording

__all__ = [
    "DRAFT_READERS",
    "OPEN_STATES",
    "SETTLING_ACTIONS",
    "STATE_AFTER",
    "STEP_EVENTS",
    "TERMINAL_STATES",
    "VOTE_KEYS",
    "AmendmentAction",
    "AmendmentEvent",
    "AmendmentState",
    "AppliedChanges",
    "BodyEmptied",
    "Change",
    "Footprint",
    "Mover",
    "Outdating",
    "Placed",
    "Reader",
    "StandingProblem",
    "amendment_stream",
    "apply_changes",
    "conflict_graph",
    "conflicts",
    "eids_by_wid",
    "event_for",
    "find_conflicts",
    "in_play",
    "is_legal",
    "legal_targets",
    "marshal",
    "may_read",
    "mover_of",
    "num_key",
    "numbered_sibling",
    "outdated_reason",
    "settled_by",
    "standing_problem",
    "vote_problem",
    "while_draft",
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


# Amendments voted on as words of their provision: new words for it, or its omission. Adopted and not yet
# consolidated, they settle those words (see settled_by).
SETTLING_ACTIONS: Final = (AmendmentAction.TEXT.value, AmendmentAction.DELETE.value)


def settled_by(text: str, settling: Sequence[tuple[int, str]]) -> list[int]:
    """The numbers of the adopted amendments (``settling``: number and the words voted on) that settle a provision
    reading ``text``: all of them while it reads as voted on, none once it reads otherwise (edited before the vote,
    it stays editable so that it can be put back)."""
    if not settling or any(not same_markup(base, text) for _, base in settling):
        return []
    return [number for number, _ in settling]


def in_play(state: str, consolidated_in: int | None) -> bool:
    """Whether an amendment in ``state`` can still change the bill: an open one, or one adopted and not yet
    consolidated, which still defeats what it conflicts with. One ruled inadmissible, withdrawn, rejected, fallen
    or consolidated will never be made again, so it neither has nor causes a conflict any more."""
    return AmendmentState(state) in OPEN_STATES or (state == AmendmentState.ADOPTED.value and consolidated_in is None)


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
#: The events of one amendment's own history (stream ``amendment/<id>``), each naming it by ``data["amendment_id"]``.
STEP_EVENTS: Final = frozenset({AmendmentEvent.DRAFTED, AmendmentEvent.COSPONSOR_ADDED, *STATE_AFTER})


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


# --- who may read a draft -----------------------------------------------------------------------------------


class Reader(Protocol):
    """Whoever reads: a signed-in account's id and role."""

    @property
    def user_id(self) -> int: ...

    @property
    def role(self) -> Role: ...


#: Who may read every draft: those who run the procedure.
DRAFT_READERS: Final = frozenset({Role.CLERK, Role.ADMIN})


def may_read(reader: Reader | None, proposer_id: int, cosponsor_ids: Iterable[int], *, tabled: bool) -> bool:
    """Whether ``reader`` (None: anonymous) may know of an amendment, or of one event of its history.

    An amendment is its member's own until it is tabled: until then it, and every event about it, is for its
    proposer, its co-sponsors and the clerks and admins who run the procedure only; to anyone else it does not
    exist. ``tabled`` is whether it had been tabled then: by now for the amendment itself, by the event's time for
    an event (see `while_draft`). Once tabled it is the House's, public; one withdrawn while a draft stays private.
    """
    if tabled:
        return True
    if reader is None:
        return False
    return reader.role in DRAFT_READERS or reader.user_id == proposer_id or reader.user_id in set(cosponsor_ids)


def while_draft(event_id: int, tabled_by: int | None) -> bool:
    """Whether event ``event_id`` of an amendment's history came while it was a draft: before the event that tabled
    it (``tabled_by``; None when it never was)."""
    return tabled_by is None or event_id < tabled_by


# --- conflicts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """Where an amendment touches the bill.

    ``spans`` are word ranges of the provision's text ``base`` (an insertion is an empty range at its place;
    ``anchored_after`` tells whether it follows the word before it, as ``after "x", insert`` does). ``wid`` is
    the provision's lasting identity: two amendments made on different versions may name it by different eIds.
    """

    amendment_id: int
    eid: str
    action: AmendmentAction
    base: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    wid: str | None = None

    @property
    def provision(self) -> str:
        """What tells this amendment's provision apart from others: its wId, else its eId."""
        return self.wid or self.eid

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
    if a.provision != b.provision or a.action is not b.action:
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
    by_provision: dict[str, list[Footprint]] = defaultdict(list)
    deletions: dict[str, list[Footprint]] = defaultdict(list)
    for footprint in footprints:
        by_provision[footprint.provision].append(footprint)
        if footprint.action is AmendmentAction.DELETE:
            deletions[footprint.eid].append(footprint)
    graph: dict[int, set[int]] = {f.amendment_id: set() for f in footprints}

    def link(a: Footprint, b: Footprint) -> None:
        if conflicts(a, b):
            graph[a.amendment_id].add(b.amendment_id)
            graph[b.amendment_id].add(a.amendment_id)

    for group in by_provision.values():
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
    # Where it is taken, in the bill's document order: its provision's place; for an insertion, the place of the
    # last provision the one it follows holds (see ``server.domain.marshalling``).
    ordinal: int
    action: AmendmentAction
    first_word: int = 0
    number: int | None = None
    # Its provision is no longer in the bill: its place in the version it was made on. ``ordinal`` is then the
    # place of the last provision before it that is still there, and it is taken after that one's amendments.
    gone_from: int | None = None
    # For an insertion, how deep the provision it follows is; for an amendment whose provision is gone, how deep
    # that provision was. Where several such places meet after one provision, the deeper comes first.
    depth: int = 0


def _place_key(item: Placed) -> tuple[int, int, int, int, int, int, int]:
    insertion = int(item.action is AmendmentAction.INSERT_AFTER)
    tiebreak = item.number if item.number is not None else item.amendment_id
    if item.gone_from is not None:
        # Where a provision of depth d was: after what was inserted after provisions of depth d or more (inside or
        # beside it), before what was inserted after those above it.
        return (item.ordinal, 1, 1 - 2 * item.depth, item.gone_from, insertion, item.first_word, tiebreak)
    if insertion:
        # An insertion after a provision comes after the amendments to the provision's own words.
        return (item.ordinal, 1, -2 * item.depth, 0, 0, item.first_word, tiebreak)
    return (item.ordinal, 0, 0, 0, 0, item.first_word, tiebreak)


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


def vote_problem(target: AmendmentState, votes: Mapping[str, object] | None) -> Wording | None:
    """What is wrong with the vote recorded for adopting or rejecting an amendment (None when it is sound)."""
    if votes is None:
        return wording("record the vote: {\"for\": <count>, \"against\": <count>, \"abstentions\": <count>}")
    counts: dict[str, int] = {}
    for key in VOTE_KEYS:
        value = votes.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return wording("vote counts are whole numbers of at least 0; %(key)r is %(value)r", key=key, value=value)
        counts[key] = value
    if not any(counts.values()):
        # The page's count fields start at 0: a click without counting recorded "rejected (0 to 0)".
        return wording("no votes were recorded; enter the division's counts")
    if target is AmendmentState.ADOPTED and counts["for"] <= counts["against"]:
        return wording("an amendment is adopted with more votes for than against; found %(ayes)d to %(noes)d",
                       ayes=counts["for"], noes=counts["against"])
    if target is AmendmentState.REJECTED and counts["for"] > counts["against"]:
        return wording("an amendment with more votes for than against is adopted, not rejected; found %(ayes)d to "
                       "%(noes)d", ayes=counts["for"], noes=counts["against"])
    return None


# --- making adopted amendments to a text --------------------------------------------------------------------

_PROVISION_TAGS: Final = frozenset(f"{{{AKN_NS}}}{name}" for name in HIERARCHY_ELEMENTS)
# What a number is written with around the number itself: "(2)", "2." and "2" are the same number.
_NUM_PUNCTUATION: Final = " \t\n\u00a0()[]."


@dataclass(frozen=True)
class Change:
    """An adopted amendment as it is made to one text.

    ``eid`` is its provision's eId in that text (the eId its wId has there: renumbering since the amendment
    was made may have changed it); for an insertion, the provision the new one follows.
    """

    amendment_id: int
    number: int | None
    action: AmendmentAction
    eid: str
    base_text: str = ""
    new_text: str = ""
    new_name: str | None = None
    new_num: str | None = None
    new_heading: str | None = None


@dataclass(frozen=True)
class AppliedChanges:
    """What making the changes did, beyond the text itself. eIds are those before renumbering unless said."""

    renames: dict[str, str]  # eIds renamed by renumbering (old → new)
    placed: dict[int, str]  # each change's provision (for an insertion, the one it follows)
    # Each deletion's provision as it left the text: its own eId, or that of the container it emptied.
    left_out: dict[int, str]
    removed_by: dict[int, frozenset[str]]  # every eId each deletion took out (descendants included)
    inserted: dict[int, str]  # each insertion's new provision

    @property
    def removed(self) -> frozenset[str]:
        """Every eId the deletions took out."""
        return frozenset().union(*self.removed_by.values())

    def renamed(self, eid: str) -> str:
        """``eid`` after renumbering."""
        return self.renames.get(eid, eid)


class BodyEmptied(Exception):
    """Deletions that together would leave out every provision of a body (the bill's, or a component's)."""

    def __init__(self, deletions: Sequence[Change], holder: str) -> None:
        super().__init__(f"deletions {[d.amendment_id for d in deletions]} leave out every provision of a {holder}")
        self.deletions = list(deletions)
        self.holder = holder


def apply_changes(document: AknDocument, changes: Sequence[Change]) -> AppliedChanges:
    """Make ``changes``, in the order they were taken, to ``document`` in place; see `AppliedChanges`.

    New words first (several changes to one provision, all made against the text it has, are merged word by
    word), then new provisions, then omissions; then eIds are regenerated from the nums, wIds kept. Leaving out
    the last subdivision of a provision leaves out the provision too (see `_outermost_emptied`). Raises
    `BodyEmptied`, and `akn.AknError` for a change the document refuses.
    """
    _reword(document, [c for c in changes if c.action is AmendmentAction.TEXT])
    inserted = {
        change.amendment_id: _insert(document, change)
        for change in changes if change.action is AmendmentAction.INSERT_AFTER
    }
    left_out, removed_by = _leave_out(document, [c for c in changes if c.action is AmendmentAction.DELETE])
    placed = {change.amendment_id: change.eid for change in changes}
    return AppliedChanges(document.renumber(), placed, left_out, removed_by, inserted)


def _reword(document: AknDocument, changes: Sequence[Change]) -> None:
    texts: dict[str, str] = {}
    for change in changes:
        current = texts.get(change.eid)
        if current is None:
            current = document.provision_text(change.eid)
        # Every change was made against the text the provision has here (`standing_problem` sees to it), so
        # merging it into what earlier changes made of that text keeps both. Words stored by an earlier form of
        # the markup writer (a backslash before each line break of the layout) differ from it in layout only,
        # which merges as the text here has it.
        texts[change.eid] = merge3(change.base_text, change.new_text, current)
    for eid, text in texts.items():
        document.set_provision_text(eid, text)


def _insert(document: AknDocument, change: Change) -> str:
    inserted = document.insert_provision(change.eid, "after", change.new_name or "section", change.new_num,
                                         change.new_heading, change.new_text)
    assert inserted.eid  # a new provision is always named
    return inserted.eid


def _leave_out(
    document: AknDocument, deletions: Sequence[Change]
) -> tuple[dict[int, str], dict[int, frozenset[str]]]:
    left_out: dict[int, str] = {}
    removed_by: dict[int, frozenset[str]] = {}
    # Where each deletion took place (the body or component body above it), to name those that emptied one.
    holders: dict[int, str] = {}
    for deletion in deletions:
        holders[deletion.amendment_id], holder = _holder(document, deletion.eid)
        target = _outermost_emptied(document, deletion.eid)
        if target is None:
            raise BodyEmptied([d for d in deletions if holders.get(d.amendment_id) == holders[deletion.amendment_id]],
                              holder)
        removed_by[deletion.amendment_id] = frozenset(document.delete_provision(target))
        left_out[deletion.amendment_id] = target
    return left_out, removed_by


def _holder(document: AknDocument, eid: str) -> tuple[str, str]:
    """Where the provision tree ``eid`` is in is held (a ``<body>``, or a component's): its path and its name."""
    for ancestor in document.provision_element(eid).iterancestors():
        if ancestor.tag not in _PROVISION_TAGS:
            return ancestor.getroottree().getpath(ancestor), str(ancestor.tag).rpartition("}")[2]
    raise AssertionError(f"{eid} is in no body")  # a provision always sits in a body


def _outermost_emptied(document: AknDocument, eid: str) -> str | None:
    """What leaving out ``eid`` takes out of the text: ``eid``, or the outermost container that would be left
    without any provision (a container holds no content of its own, and its intro or wrap-up only leads in to
    or closes the subdivisions left out: a parliament leaves the whole provision out). None when that would be
    every provision of the body.
    """
    element = document.provision_element(eid)
    parent = element.getparent()
    while parent is not None and len(child_provisions(parent)) == 1:
        if parent.tag not in _PROVISION_TAGS:
            return None
        element, parent = parent, parent.getparent()
    target = element.get("eId")
    assert target  # every provision of an editable document is named
    return target


def eids_by_wid(document: AknDocument) -> dict[str, str]:
    """Where each provision is in ``document``: its eId, by its wId (its eId while it has never been renumbered).

    Components' provisions included (a schedule's, a collection's bill's); a wId that a document beside the main
    one repeats stands for the main document's provision, as `AknDocument.provision_element` reads an eId."""
    found: dict[str, str] = {}
    for element in document.tree_nodes():
        eid = element.get("eId")
        if eid:
            found.setdefault(element.get("wId") or eid, eid)
    return found


def num_key(num: str) -> str:
    """A provision number as numbers are compared: "(2)", "2." and "2" are one number, "2A" another."""
    return num.strip(_NUM_PUNCTUATION).casefold()


def numbered_sibling(document: AknDocument, eid: str, num: str, *, other_than: str | None = None) -> str | None:
    """The eId of a provision beside ``eid`` (``eid`` itself included, ``other_than`` not) numbered ``num``."""
    parent = document.provision_element(eid).getparent()
    if parent is None or not num_key(num):
        return None
    for sibling in child_provisions(parent):
        sibling_eid = sibling.get("eId")
        mark = sibling.find(f"{{{AKN_NS}}}num")
        if sibling_eid != other_than and mark is not None \
                and num_key("".join(str(t) for t in mark.itertext())) == num_key(num):
            return sibling_eid or wording("an unnamed provision")
    return None


class Outdating(StrEnum):
    """Why an amendment can no longer be made to a later version as worded (see `StandingProblem`)."""

    PROVISION_GONE = "provision_gone"  # no provision of the version has its wId
    TEXT_CHANGED = "text_changed"  # values: provision (its citation)
    NUMBER_TAKEN = "number_taken"  # values: taken (the eId numbered so, or None: unnamed), num


@dataclass(frozen=True)
class StandingProblem:
    """Why an amendment can no longer be made as worded: a code and its values, plain JSON that the event of its
    fall keeps (`as_data`), so that the sentence (`wording`) is written in each reader's language when shown."""

    code: Outdating
    values: Mapping[str, str | None]

    def wording(self) -> Wording:
        if self.code is Outdating.PROVISION_GONE:
            return wording("its provision is no longer in the bill")
        if self.code is Outdating.TEXT_CHANGED:
            return wording("the text of %(provision)s has changed since", provision=self.values["provision"])
        return wording("%(taken)s is numbered %(num)s already",
                       taken=self.values.get("taken") or wording("an unnamed provision"), num=self.values["num"])

    def as_data(self) -> dict[str, Any]:
        return {"problem": self.code.value, "values": dict(self.values)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> StandingProblem:
        return cls(Outdating(data["problem"]), dict(data.get("values") or {}))


def standing_problem(document: AknDocument, eid: str | None, action: AmendmentAction, base_text: str,
                     new_num: str | None = None) -> StandingProblem | None:
    """Why an amendment can no longer be made to ``document`` as worded, or None when it can.

    ``eid`` is the eId its provision's wId has in ``document`` (None: no provision has it any more). New
    words and omissions were worded against ``base_text``: once the provision reads otherwise, they would be
    merged into words they were never meant for (or leave out words the House never saw).
    """
    if eid is None:
        return StandingProblem(Outdating.PROVISION_GONE, {})
    # Text stored by an earlier form of the markup writer is the same text: only a change of words outdates.
    if action is not AmendmentAction.INSERT_AFTER and not document.has_provision_text(eid, base_text):
        provision = citation_of_element(document.provision_element(eid))
        return StandingProblem(Outdating.TEXT_CHANGED, {"provision": provision})
    if action is AmendmentAction.INSERT_AFTER and new_num:
        taken = numbered_sibling(document, eid, new_num)
        if taken is not None:
            # An unnamed provision is named by a sentence, written in the reader's language when shown.
            return StandingProblem(Outdating.NUMBER_TAKEN,
                                   {"taken": None if isinstance(taken, Wording) else taken, "num": new_num})
    return None


def outdated_reason(parts: Mapping[str, Any]) -> Wording:
    """Why an amendment fell, when the latest version had outdated it and the clerk gave no reason of their own:
    from the parts its ``amendment.fell`` event keeps (``reason_parts``: the version, and its `StandingProblem`)."""
    return wording("outdated by version %(version)s: %(problem)s",
                   version=parts["version"], problem=StandingProblem.from_data(parts).wording())
