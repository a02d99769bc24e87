"""Amendments: members propose them by editing a provision, clerks run the procedure on them.

Each step checks the rules (``check_*``), then appends one event on the amendment's stream ``amendment/<id>``
with the bill's id, so it reaches the bill's room after commit. Everything a projection needs (the new
id, the order-paper number, the conflicts found) is decided here under the append lock and carried in the
event, so a rebuild from the log reproduces the read models exactly.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from akn import AknDocument, AknError, ProvisionNotFoundError, parse_akn
from akn.amendment import AmendmentSpec, NewProvision, Proponent, Quote, amendment_uri, build_amendment
from akn.amendment_list import ListedAmendment, build_amendment_list
from akn.frbr import FrbrUri
from akn.inline import from_markup, inline_from_markup
from akn.provisions import Provision, child_provisions, is_component, to_provision
from akn.vocabulary import HIERARCHY_ELEMENTS
from server.domain.amendments import (
    OPEN_STATES,
    STATE_AFTER,
    AmendmentAction,
    AmendmentEvent,
    AmendmentState,
    AppliedChanges,
    BodyEmptied,
    Change,
    Footprint,
    Mover,
    StandingProblem,
    amendment_stream,
    apply_changes,
    eids_by_wid,
    event_for,
    find_conflicts,
    in_play,
    is_legal,
    marshal,
    mover_of,
    numbered_sibling,
    outdated_reason,
    standing_problem,
    vote_problem,
)
from server.domain.citation import Level, citation_of_element, cite, cited_unit, unnumbered_place
from server.domain.events import EventDraft, bill_stream
from server.domain.instruction_rules import formatting_problem, numbering_problem
from server.domain.instructions import (
    DraftingStyle,
    Instruction,
    Quoted,
    StyleName,
    TextPlace,
    insertion_instruction,
    omission_instruction,
    text_instruction,
)
from server.domain.marshalling import BillOrder, bill_order, placed
from server.domain.roles import Role
from server.domain.wording import Wording, word, wording
from server.errors import (
    AdoptedAmendmentsPending,
    AlreadyDone,
    AmendmentDefeated,
    AmendmentOutdated,
    AmendmentsIncompatible,
    AmendmentsLeaveOutTheBody,
    AmendmentWindowClosed,
    BadRequest,
    Forbidden,
    IllegalTransition,
    NotFound,
    ProvisionReadOnly,
    ValidationFailed,
    from_akn_error,
)
from server.services.amendment_privacy import (
    cut_ids,
    may_read_amendment,
    readable,
    readable_clause,
    unknown_amendment,
    unreadable_ids,
)
from server.services.bills import get_bill
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import documents, eventlog, projections
from server.store.amendment_models import Amendment, AmendmentConflict, AmendmentWindow
from server.store.models import Bill, EventRecord, Expression, User

PROPOSERS = (Role.MP,)
CLERKS = (Role.CLERK, Role.ADMIN)
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Proposal:
    """What a member asks for: a provision and what to do to it."""

    eid: str
    action: AmendmentAction = AmendmentAction.TEXT
    text: str = ""
    justification: str = ""
    name: str | None = None
    num: str | None = None
    heading: str | None = None
    style: StyleName = StyleName.WESTMINSTER


# --- reading ------------------------------------------------------------------------------------------------


def get_amendment(session: Session, amendment_id: int) -> Amendment:
    """The amendment, whoever may read it: for the procedure's own checks. What is shown to a reader is read with
    ``amendment_privacy.readable``."""
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise unknown_amendment(amendment_id)
    return amendment


def window_is_open(session: Session, bill_id: int) -> bool:
    window = session.get(AmendmentWindow, bill_id)
    return window is None or window.is_open


def conflicts_of(session: Session, amendment_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each amendment's conflicting amendments, ascending."""
    links: dict[int, list[int]] = {i: [] for i in amendment_ids}
    if not amendment_ids:
        return links
    rows = session.execute(
        select(AmendmentConflict.amendment_id, AmendmentConflict.other_id)
        .where(AmendmentConflict.amendment_id.in_(list(amendment_ids)))
        .order_by(AmendmentConflict.amendment_id, AmendmentConflict.other_id)
    )
    for amendment_id, other_id in rows:
        links[amendment_id].append(other_id)
    return links


@dataclass(frozen=True)
class ConflictLinks:
    """An amendment's conflicts: every amendment recorded as touching the same text (``ids``), and those of them
    that still matter (``live``: both sides still in play, see `in_play`)."""

    ids: list[int]
    live: list[int]


def conflict_links(session: Session, amendments: Sequence[Amendment], reader: Principal | None
                   ) -> dict[int, ConflictLinks]:
    """Each amendment's :class:`ConflictLinks`, ascending, naming only the amendments ``reader`` may know of."""
    if not amendments:
        return {}
    hidden = unreadable_ids(session, reader)
    other = aliased(Amendment)
    rows = session.execute(
        select(AmendmentConflict.amendment_id, AmendmentConflict.other_id, other.state, other.consolidated_in)
        .join(other, other.id == AmendmentConflict.other_id)
        .where(AmendmentConflict.amendment_id.in_([a.id for a in amendments]))
        .order_by(AmendmentConflict.amendment_id, AmendmentConflict.other_id)
    )
    playing = {a.id: in_play(a.state, a.consolidated_in) for a in amendments}
    links = {a.id: ConflictLinks([], []) for a in amendments}
    for amendment_id, other_id, state, consolidated_in in rows:
        if other_id in hidden:
            continue
        links[amendment_id].ids.append(other_id)
        if playing[amendment_id] and in_play(state, consolidated_in):
            links[amendment_id].live.append(other_id)
    return links


def to_dict(amendment: Amendment, conflicts: ConflictLinks, outdated: str | None = None) -> dict[str, Any]:
    """The public form of an amendment (contract: id, number, state, eid, instruction, conflicts_with...);
    ``outdated`` says why an open amendment can no longer be made to the latest version as worded."""
    return {
        "id": amendment.id,
        "bill_id": amendment.bill_id,
        "number": amendment.number,
        "state": amendment.state,
        "action": amendment.action,
        "eid": amendment.eid,
        "wid": amendment.wid,
        "citation": amendment.citation,
        "instruction": amendment.instruction,
        "text": amendment.new_text,
        "base_text": amendment.base_text,
        "base_version": amendment.base_version,
        "new_provision": (
            {"name": amendment.new_name, "num": amendment.new_num, "heading": amendment.new_heading}
            if amendment.action == AmendmentAction.INSERT_AFTER else None
        ),
        "justification": amendment.justification,
        "proposer_id": amendment.proposer_id,
        "cosponsor_ids": list(amendment.cosponsor_ids or []),
        "reason": reason_of(amendment),
        "votes": amendment.votes,
        "defeated_by": amendment.defeated_by,
        "consolidated_in": amendment.consolidated_in,
        "conflicts_with": list(conflicts.ids),
        "live_conflicts": list(conflicts.live),
        "outdated": outdated,
        "akn_uri": akn_uri(amendment),
        "created_at": amendment.created_at.isoformat() + "Z",
        "updated_at": amendment.updated_at.isoformat() + "Z",
    }


def reason_of(amendment: Amendment) -> str | None:
    """Why the amendment was ruled out or fell: the clerk's words, as written; or, when Parley wrote it (an
    outdated amendment recorded as fallen without a reason of the clerk's), a :class:`Wording` made again from its
    parts, which reads as the stored English text and is shown in each reader's language."""
    if amendment.reason_parts:
        try:
            return outdated_reason(amendment.reason_parts)
        except (KeyError, TypeError, ValueError):
            pass  # parts this version cannot read: the English text they were written as
    return amendment.reason


def akn_uri(amendment: Amendment) -> str:
    """The amendment document's expression URI (its FRBR number is the amendment's id, never reused)."""
    # The bill's place, locality included: an amendment to a `gb-sct` act is `/akn/gb-sct/amendment/...`.
    place = FrbrUri.parse(amendment.base_expression_uri).place
    return amendment_uri(place, amendment.created_at.date(), str(amendment.id)).expression_uri


def describe(session: Session, amendment: Amendment, reader: Principal | None) -> dict[str, Any]:
    """The public form of an amendment as ``reader`` reads it (conflicts with drafts they may not see left out)."""
    return to_dict(amendment, conflict_links(session, [amendment], reader)[amendment.id],
                   outdated_problems(session, [amendment]).get(amendment.id))


def outdated_problems(session: Session, amendments: Sequence[Amendment]) -> dict[int, Wording]:
    """Why each open amendment made on an earlier version can no longer be made to the latest one as worded, by id,
    as a sentence (see `standing_problems`)."""
    return {amendment_id: problem.wording() for amendment_id, problem in standing_problems(session, amendments).items()}


def standing_problems(session: Session, amendments: Sequence[Amendment]) -> dict[int, StandingProblem]:
    """Why each open amendment made on an earlier version can no longer be made to the latest one as worded (its
    words changed, its provision is gone...), by id: the clerk sees it before putting it to a vote, and may record
    it as fallen. Those made on the latest version, and those that still stand, are left out.

    An amendment's words never change, nor does a published version: each answer is kept by version and amendment,
    so that the lists, read at every step of the procedure, do not parse the bill again."""
    stale = [a for a in amendments if AmendmentState(a.state) in OPEN_STATES]
    if not stale:
        return {}
    bill = get_bill(session, stale[0].bill_id)
    stale = [a for a in stale if a.base_version != bill.current_version]
    if not stale:
        return {}
    sha = _published(session, bill.id, bill.current_version).document_sha256
    with _outdated_lock:
        known = {a.id: _OUTDATED[(sha, a.id)] for a in stale if (sha, a.id) in _OUTDATED}
    missing = [a for a in stale if a.id not in known]
    if missing:
        document = AknDocument(parse_akn(documents.get(session, sha)))
        wids = eids_by_wid(document)
        found = {a.id: standing_problem(document, wids.get(a.wid), AmendmentAction(a.action), a.base_text, a.new_num)
                 for a in missing}
        with _outdated_lock:
            for amendment_id, problem in found.items():
                _OUTDATED[(sha, amendment_id)] = problem
            while len(_OUTDATED) > _OUTDATED_KEPT:
                _OUTDATED.popitem(last=False)
        known.update(found)
    return {amendment_id: problem for amendment_id, problem in known.items() if problem is not None}


_OUTDATED: OrderedDict[tuple[str, int], StandingProblem | None] = OrderedDict()
_OUTDATED_KEPT = 20_000
_outdated_lock = threading.Lock()


def list_for_bill(session: Session, bill_id: int, reader: Principal | None, state: str | None = None
                  ) -> list[Amendment]:
    """A bill's amendments that ``reader`` may know of, in id order."""
    get_bill(session, bill_id)
    query = select(Amendment).where(Amendment.bill_id == bill_id, readable_clause(session, reader, bill_id))
    if state:
        query = query.where(Amendment.state == state)
    return list(session.scalars(query.order_by(Amendment.id)))


@dataclass(frozen=True)
class AmendmentFilter:
    """What a reader of a bill's amendments may narrow them to; None leaves a criterion out."""

    state: str | None = None
    proposer_id: int | None = None
    eid: str | None = None  # the provision amended (or the one a new provision is inserted after)


def page_for_bill(session: Session, bill_id: int, criteria: AmendmentFilter, page: PageRequest,
                  reader: Principal | None) -> Page[Amendment]:
    """A bill's amendments that ``reader`` may know of, in id order, filtered in the query and cut into keyset
    pages."""
    get_bill(session, bill_id)
    query = select(Amendment).where(Amendment.bill_id == bill_id, readable_clause(session, reader, bill_id))
    if criteria.state is not None:
        query = query.where(Amendment.state == criteria.state)
    if criteria.proposer_id is not None:
        query = query.where(Amendment.proposer_id == criteria.proposer_id)
    if criteria.eid is not None:
        query = query.where(Amendment.eid == criteria.eid)
    return keyset(session, query, Amendment.id, page)


# --- proposing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedProvision:
    """The provision an amendment is made to, as the latest published version has it."""

    provision: Provision  # without its children
    levels: list[Level]  # from the top of the bill down to it, for the citation ("section 5(2)")
    ordinal: int  # its place in that version, for the marshalled list
    holds_provisions: bool  # its text is an intro to subdivisions, not its whole content
    place: TextPlace | None = None  # for such an intro: its words, named by the first subdivision


def _published(session: Session, bill_id: int, version: int) -> Expression:
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == version)
    )
    assert expression is not None  # every bill has its current version
    return expression


def published_version(session: Session, bill: Bill) -> Expression:
    """The bill's latest published version: the text amendments amend (never the unpublished working text)."""
    return _published(session, bill.id, bill.current_version)


def published_document(session: Session, bill: Bill) -> tuple[Expression, AknDocument]:
    """The bill's latest published version and its document (a fresh copy, free to change)."""
    expression = published_version(session, bill)
    # Parsed only: it was strictly validated when it was stored, and validating it again would cost seconds
    # on a large bill at every proposal and adoption.
    return expression, AknDocument(parse_akn(documents.get(session, expression.document_sha256)))


def _is_tree_node(element: etree._Element) -> bool:
    return bool(element.get("eId")) and (etree.QName(element).localname in HIERARCHY_ELEMENTS
                                         or is_component(element))


def cited_provision(document: AknDocument, bill: Bill, eid: str) -> CitedProvision:
    """Provision ``eid`` of the bill's latest published version (``document``), or 404."""
    try:
        element = document.provision_element(eid)
    except ProvisionNotFoundError:
        raise NotFound(wording("version %(version)s of bill %(bill)s has no provision %(eid)s: amendments are made "
                               "to the latest published version", version=bill.current_version, bill=bill.id, eid=eid),
                       eid=eid) from None
    chain = [element, *(a for a in element.iterancestors() if _is_tree_node(a))]
    provisions = [to_provision(e, recursive=False) for e in reversed(chain)]
    children = child_provisions(element)
    place = None
    if children:
        first = to_provision(children[0], recursive=False)
        place = TextPlace("intro", Level(first.unit or first.name, first.num))
    # A provision without a number is cited by where it stands ("the unnumbered section after section 4").
    levels = [Level(cited_unit(e), p.num, unnumbered_place(e))
              for p, e in zip(provisions, reversed(chain), strict=True)]
    return CitedProvision(provisions[-1], levels, document.eids().index(eid), bool(children), place)


def _instruction(cited: CitedProvision, proposal: Proposal) -> Instruction:
    style = DraftingStyle(name=proposal.style)
    base = cited.provision.text
    if proposal.action is AmendmentAction.TEXT:
        instruction = text_instruction(cited.levels, base, proposal.text, style, cited.place)
        if not instruction.changes:
            raise ValidationFailed(wording("the proposed text of %(provision)s is the same as the bill's; change "
                                           "some words", provision=cite(cited.levels)))
        problem = formatting_problem(cite(cited.levels), instruction.changes)
        if problem is not None:
            raise ValidationFailed(problem, field="text")
        return instruction
    if proposal.action is AmendmentAction.DELETE:
        return omission_instruction(cited.levels, style, text=base)
    return insertion_instruction(
        cited.levels, proposal.name or cited.provision.name, proposal.num, proposal.heading, proposal.text, style
    )


def check_may_propose(principal: Principal | None, session: Session, bill_id: int) -> Principal:
    actor = require(principal, *PROPOSERS)
    if not window_is_open(session, bill_id):
        raise AmendmentWindowClosed(wording("bill %(bill)s does not take amendments now: its amendment window is "
                                            "closed", bill=bill_id))
    return actor


def _footprint(amendment: Amendment) -> Footprint:
    return Footprint(
        amendment.id, amendment.eid, AmendmentAction(amendment.action), amendment.base_text,
        tuple((int(s), int(e)) for s, e in amendment.spans or []), amendment.wid,
    )


def _check_markup(proposal: Proposal) -> None:
    """Markup that could not become AKN is refused now, not when the adopted amendment is consolidated."""
    if proposal.action is AmendmentAction.DELETE:
        return
    try:
        from_markup(proposal.text, "content", None)
        for name, value in (("num", proposal.num), ("heading", proposal.heading)):
            if value:
                inline_from_markup(value, name, None)
    except AknError as refused:
        raise from_akn_error(refused) from refused


def _reads_blank(markup: str) -> bool:
    """True when the text has no word to read (only spaces, empty paragraphs or empty markup)."""
    return not "".join(str(t) for t in from_markup(markup, "content", None).itertext()).strip()


def _check_new_words(proposal: Proposal, cited: CitedProvision) -> None:
    """A text amendment gives its provision new words, and nothing else."""
    provision = cited.provision
    if not cited.holds_provisions and _reads_blank(proposal.text):
        # Leaving out every word would leave an empty provision in the bill, not take it out (an intro may go:
        # the subdivisions it led in to stay).
        raise ValidationFailed(wording("the proposed text of %(provision)s is blank: to leave out the whole "
                                       "provision, propose to leave it out instead",
                                       provision=cite(cited.levels)), field="text")
    for field, asked, has in (("heading", proposal.heading, provision.heading),
                              ("num", proposal.num, provision.num)):
        if asked is not None and asked.strip() != (has or "").strip():
            # A text amendment's instruction and its consolidation change the words only: a new heading or
            # number sent with them would be stored and then silently dropped.
            if has:
                refusal = wording("a text amendment changes the words of %(eid)s only: its %(field)s (%(has)s) "
                                  "cannot be amended with the text; leave %(left_out)r out",
                                  eid=provision.eid, field=field, has=has, left_out=field)
            else:
                refusal = wording("a text amendment changes the words of %(eid)s only: its %(field)s (none) cannot "
                                  "be amended with the text; leave %(left_out)r out", eid=provision.eid, field=field,
                                  left_out=field)
            raise ValidationFailed(refusal, field=field)


def _check_new_provision(proposal: Proposal, cited: CitedProvision, document: AknDocument, bill: Bill) -> None:
    """A new provision has text, an element that is a provision, and a number no neighbour has."""
    if not proposal.text.strip():
        raise ValidationFailed(wording("a new provision needs its text"), field="text")
    if proposal.name is not None and proposal.name not in HIERARCHY_ELEMENTS:
        # Checked now: an adopted amendment whose provision cannot be made would stop every consolidation.
        raise ValidationFailed(wording("name must be a provision element (%(names)s); found %(found)r",
                                       names=", ".join(sorted(HIERARCHY_ELEMENTS)), found=proposal.name),
                               field="name")
    problem = numbering_problem(proposal.name or cited.provision.name, proposal.num)
    if problem is not None:
        raise ValidationFailed(problem, field="num")
    anchor = cited.provision.eid
    assert anchor  # cited by its eId
    name = proposal.name or cited.provision.name
    parent = document.provision_element(anchor).getparent()
    neighbours = {etree.QName(e).localname for e in child_provisions(parent)} if parent is not None else {name}
    if name not in neighbours:
        # A subsection straight in a Part, a Part inside a section: schema-valid, but cited as nothing a reader knows
        # ("Part 3(9)"), and made into the bill for good once adopted.
        raise ValidationFailed(wording("a provision inserted after %(provision)s stands beside it, among provisions of "
                                       "the kinds %(kinds)s; found %(found)r", provision=cite(cited.levels),
                                       kinds=", ".join(sorted(neighbours)), found=name), field="name")
    taken = numbered_sibling(document, anchor, proposal.num) if proposal.num else None
    if taken is not None:
        # Two provisions with one number cannot be cited apart, and the newcomer would take the other's eId.
        raise ValidationFailed(wording("%(taken)s is numbered %(num)s already in version %(version)s of bill "
                                       "%(bill)s: give the new provision a number of its own",
                                       taken=taken if isinstance(taken, Wording)
                                       else citation_of_element(document.provision_element(taken)),
                                       num=proposal.num,
                                       version=bill.current_version, bill=bill.id), field="num")


def _check_proposal(proposal: Proposal, cited: CitedProvision, document: AknDocument, bill: Bill) -> None:
    read_only = document.read_only_type(proposal.eid)
    if read_only is not None:
        # Consolidation edits bills and acts only: refused now, rather than adopted and never made.
        raise ProvisionReadOnly(wording("provision %(eid)s is in a %(doctype)s, which is read-only: amendments are "
                                        "made to the provisions of bills and acts", eid=proposal.eid,
                                        doctype=word(read_only)), eid=proposal.eid)
    _check_markup(proposal)
    if proposal.action is AmendmentAction.TEXT:
        _check_new_words(proposal, cited)
    elif proposal.action is AmendmentAction.INSERT_AFTER:
        _check_new_provision(proposal, cited, document, bill)


@dataclass(frozen=True)
class Prepared:
    """An amendment as it would be drafted now: checked, its instruction written and its conflicts found."""

    actor: Principal
    bill: Bill
    expression: Expression
    cited: CitedProvision
    instruction: Instruction
    conflicts_with: list[int]
    # The first adopted amendment, not yet consolidated, that it conflicts with: it is defeated from the start.
    defeated_by: int | None


def _prepare(session: Session, principal: Principal | None, bill_id: int, proposal: Proposal,
             amendment_id: int) -> Prepared:
    if len(proposal.text) > MAX_TEXT or len(proposal.justification) > MAX_TEXT:
        raise ValidationFailed(wording("the text and the justification hold at most %(most)d characters each",
                                       most=MAX_TEXT))
    bill = get_bill(session, bill_id)
    actor = check_may_propose(principal, session, bill_id)
    expression, document = published_document(session, bill)
    cited = cited_provision(document, bill, proposal.eid)
    _check_proposal(proposal, cited, document, bill)
    instruction = _instruction(cited, proposal)
    provision = cited.provision
    assert provision.eid and provision.wid  # cited by its eId; the wId falls back on it
    spans = tuple((start, end) for start, end in (change.span() for change in instruction.changes))
    footprint = Footprint(amendment_id, provision.eid, proposal.action, provision.text, spans, provision.wid)
    # Adopted amendments not yet consolidated still stand between the version and the next: a new amendment
    # that conflicts with one of them is defeated by it from the start.
    others = list(session.scalars(
        select(Amendment).where(
            Amendment.bill_id == bill_id,
            Amendment.state.in_([s.value for s in OPEN_STATES])
            | ((Amendment.state == AmendmentState.ADOPTED.value) & Amendment.consolidated_in.is_(None)),
        )
    ))
    conflicts_with = find_conflicts(footprint, (_footprint(a) for a in others))
    adopted = sorted(a.id for a in others if a.id in conflicts_with and a.state == AmendmentState.ADOPTED.value)
    return Prepared(actor, bill, expression, cited, instruction, conflicts_with, adopted[0] if adopted else None)


def preview(session: Session, principal: Principal | None, bill_id: int, proposal: Proposal) -> dict[str, Any]:
    """What ``propose`` would draft from ``proposal`` now, with the same checks and refusals, storing nothing:
    the composer shows the formal wording before the member decides to keep it."""
    prepared = _prepare(session, principal, bill_id, proposal, amendment_id=0)
    return {
        "bill_id": bill_id,
        "action": proposal.action.value,
        "eid": prepared.cited.provision.eid,
        "citation": prepared.instruction.citation,
        "instruction": prepared.instruction.text,
        "base_version": prepared.bill.current_version,
        "base_expression_uri": prepared.expression.expression_uri,
        # Drafts of others it would conflict with are not named: to the member they do not exist.
        "conflicts_with": cut_ids(prepared.conflicts_with, unreadable_ids(session, principal, bill_id)),
        "defeated_by": prepared.defeated_by,
    }


def propose(session: Session, principal: Principal | None, bill_id: int, proposal: Proposal) -> Amendment:
    """Draft an amendment to the latest published version from the provision as the member would have it; the
    instruction is generated."""
    eventlog.acquire_append_lock(session)
    amendment_id = (session.scalar(select(func.max(Amendment.id))) or 0) + 1
    prepared = _prepare(session, principal, bill_id, proposal, amendment_id)
    bill, cited, instruction = prepared.bill, prepared.cited, prepared.instruction
    provision, base = cited.provision, cited.provision.text
    inserts = proposal.action is AmendmentAction.INSERT_AFTER
    eventlog.append(
        session,
        EventDraft(
            stream=amendment_stream(amendment_id),
            type=AmendmentEvent.DRAFTED,
            actor_id=prepared.actor.actor_id,
            bill_id=bill_id,
            data={
                "amendment_id": amendment_id,
                "action": proposal.action.value,
                "eid": provision.eid,
                "wid": provision.wid,
                "ordinal": cited.ordinal,
                "citation": instruction.citation,
                "base_version": bill.current_version,
                "base_expression_uri": prepared.expression.expression_uri,
                "base_text": base,
                "new_text": proposal.text if proposal.action is not AmendmentAction.DELETE else "",
                "new_name": (proposal.name or provision.name) if inserts else None,
                # Only a new provision is given a number and a heading (see _check_new_words).
                "new_num": proposal.num if inserts else None,
                "new_heading": proposal.heading if inserts else None,
                "instruction": instruction.text,
                "instruction_parts": [
                    ["quote", p.text] if isinstance(p, Quoted) else ["text", p] for p in instruction.parts
                ],
                "spans": [list(change.span()) for change in instruction.changes],
                "justification": proposal.justification,
                "conflicts_with": prepared.conflicts_with,
                "defeated_by": prepared.defeated_by,
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    return get_amendment(session, amendment_id)


# --- the procedure ------------------------------------------------------------------------------------------


def check_transition(principal: Principal | None, amendment: Amendment, target: AmendmentState) -> Principal:
    """Who may take the step, and whether the amendment is in a state that allows it."""
    current = AmendmentState(amendment.state)
    if mover_of(target) is Mover.PROPOSER:
        actor = require(principal)
        if actor.user_id != amendment.proposer_id:
            raise Forbidden(wording("only the proposer of amendment %(amendment)s may move it to %(state)s",
                                    amendment=amendment.id, state=word(target.value)))
    else:
        actor = require(principal, *CLERKS)
    if not is_legal(current, target):
        raise IllegalTransition(
            wording("amendment %(amendment)s is %(state)s; it cannot become %(target)s",
                    amendment=amendment.id, state=word(current.value), target=word(target.value)),
            state=current.value,
        )
    return actor


def transition(
    session: Session,
    principal: Principal | None,
    amendment_id: int,
    target: str,
    *,
    reason: str | None = None,
    votes: dict[str, Any] | None = None,
) -> Amendment:
    """Take one step of the procedure (tabled, withdrawn, admissible, inadmissible, adopted, rejected, fallen)."""
    try:
        state = AmendmentState(target)
    except ValueError:
        raise BadRequest(wording("'to' must be one of %(states)s; found %(found)r",
                                 states=", ".join(s.value for s in AmendmentState), found=target)) from None
    # Who could never take this step is refused whatever the amendment (so the refusal tells nothing of a draft);
    # to a member who may not read it, another's draft does not exist.
    require(principal, *(PROPOSERS if mover_of(state) is Mover.PROPOSER else CLERKS))
    eventlog.acquire_append_lock(session)
    amendment = readable(session, principal, amendment_id)
    actor = check_transition(principal, amendment, state)
    data: dict[str, Any] = {"amendment_id": amendment.id, "from": amendment.state, "to": state.value}
    if amendment.defeated_by is not None and state not in (AmendmentState.FALLEN, AmendmentState.WITHDRAWN):
        # Once a conflicting amendment is adopted, this one can only fall (or be withdrawn by its proposer).
        raise AmendmentDefeated(wording("amendment %(amendment)s is defeated by adopted amendment %(adopted)s; it "
                                        "cannot become %(state)s", amendment=amendment.id,
                                        adopted=amendment.defeated_by, state=word(state.value)))
    if state is AmendmentState.TABLED:
        if not window_is_open(session, amendment.bill_id):
            raise AmendmentWindowClosed(wording("bill %(bill)s's amendment window is closed",
                                                bill=amendment.bill_id))
        number = session.scalar(select(func.max(Amendment.number)).where(Amendment.bill_id == amendment.bill_id))
        data["number"] = (number or 0) + 1
        data.update(_tabled_content(amendment))
    elif state is AmendmentState.INADMISSIBLE:
        if not reason or not reason.strip():
            raise ValidationFailed(wording("say why the amendment is inadmissible: send a 'reason'"), field="reason")
        data["reason"] = reason.strip()
    elif state in (AmendmentState.ADOPTED, AmendmentState.REJECTED):
        problem = vote_problem(state, votes)
        if problem is not None:
            raise ValidationFailed(problem, field="votes")
        assert votes is not None
        data["votes"] = {k: int(votes.get(k, 0)) for k in ("for", "against", "abstentions")}
        if state is AmendmentState.ADOPTED:
            check_adoptable(session, amendment)
            data["defeats"] = _defeated(session, amendment)
    elif state is AmendmentState.FALLEN:
        if amendment.defeated_by is not None:
            data["defeated_by"] = amendment.defeated_by
        else:
            # An amendment the latest version has outdated falls too: it could be neither adopted nor, once admitted,
            # ruled out, and a "rejected" vote would record a decision the House never took.
            outdated = standing_problems(session, [amendment]).get(amendment.id)
            if outdated is None:
                raise IllegalTransition(wording("amendment %(amendment)s is not defeated by any adopted amendment, and "
                                                "can still be made to the latest version as worded",
                                                amendment=amendment.id))
            bill = get_bill(session, amendment.bill_id)
            data["outdated"] = {"version": bill.current_version, "problem": str(outdated.wording())}
            if not reason or not reason.strip():
                # Kept as English text (older readers of the log, API clients) and as the parts it is written
                # from, so that each reader reads it in their language.
                parts = {"version": bill.current_version, **outdated.as_data()}
                data["reason"] = str(outdated_reason(parts))
                data["reason_parts"] = parts
    if reason and "reason" not in data:
        data["reason"] = reason.strip()
    eventlog.append(
        session,
        EventDraft(amendment_stream(amendment.id), event_for(state), data, actor.actor_id, amendment.bill_id),
        projector=projections.apply,
    )
    return amendment


def _tabled_content(amendment: Amendment) -> dict[str, Any]:
    """What the amendment says, carried by the event that tables it: the events of its draft stay with those who could
    read the draft, so this is the first the public hears of it, and it must learn the amendment from it."""
    return {
        "action": amendment.action, "eid": amendment.eid, "wid": amendment.wid, "citation": amendment.citation,
        "instruction": amendment.instruction, "base_version": amendment.base_version,
        "new_text": amendment.new_text, "new_name": amendment.new_name, "new_num": amendment.new_num,
        "new_heading": amendment.new_heading, "justification": amendment.justification,
        "proposer_id": amendment.proposer_id, "cosponsor_ids": list(amendment.cosponsor_ids or []),
    }


def _defeated(session: Session, amendment: Amendment) -> list[int]:
    """The open amendments that conflict with ``amendment``: adopting it defeats them."""
    others = conflicts_of(session, [amendment.id])[amendment.id]
    if not others:
        return []
    return sorted(session.scalars(
        select(Amendment.id).where(
            Amendment.id.in_(others), Amendment.state.in_([s.value for s in OPEN_STATES])
        )
    ))


def add_cosponsor(session: Session, principal: Principal | None, amendment_id: int) -> Amendment:
    """A member puts their name to an amendment before the vote."""
    actor = require(principal, *PROPOSERS)
    eventlog.acquire_append_lock(session)
    # Only by those who may read it: to another member a draft does not exist, and putting one's name to it must
    # not be a way to read it.
    amendment = readable(session, actor, amendment_id)
    if AmendmentState(amendment.state) not in OPEN_STATES:
        raise IllegalTransition(wording("amendment %(amendment)s is %(state)s: it takes no more co-sponsors",
                                        amendment=amendment.id, state=amendment.state))
    if actor.user_id == amendment.proposer_id:
        # A 200 that changed nothing would let the proposer believe their name now stands twice on it.
        raise AlreadyDone(wording("you proposed amendment %(amendment)s: your name stands on it as its proposer",
                                  amendment=amendment.id))
    if actor.user_id in (amendment.cosponsor_ids or []):
        return amendment  # pressed twice: named once
    eventlog.append(
        session,
        EventDraft(amendment_stream(amendment.id), AmendmentEvent.COSPONSOR_ADDED,
                   {"amendment_id": amendment.id, "user_id": actor.user_id}, actor.actor_id, amendment.bill_id),
        projector=projections.apply,
    )
    return amendment


def set_window(session: Session, principal: Principal | None, bill_id: int, *, is_open: bool) -> bool:
    """Open or close a bill's amendment window (clerks)."""
    actor = require(principal, *CLERKS)
    eventlog.acquire_append_lock(session)
    get_bill(session, bill_id)
    if window_is_open(session, bill_id) == is_open:
        return is_open
    eventlog.append(
        session,
        EventDraft(bill_stream(bill_id),
                   AmendmentEvent.WINDOW_OPENED if is_open else AmendmentEvent.WINDOW_CLOSED,
                   {"bill_id": bill_id}, actor.actor_id, bill_id),
        projector=projections.apply,
    )
    return is_open


# --- making adopted amendments ------------------------------------------------------------------------------


def adopted_pending(session: Session, bill_id: int, document: AknDocument | None = None) -> list[Amendment]:
    """Adopted amendments not yet in a published version, in the order they were taken (``document``: the bill's
    latest published version, when at hand)."""
    rows = list(session.scalars(
        select(Amendment).where(
            Amendment.bill_id == bill_id,
            Amendment.state == AmendmentState.ADOPTED.value,
            Amendment.consolidated_in.is_(None),
        )
    ))
    return marshalled_order(session, rows, document)


def _several(numbers: Sequence[int | None]) -> dict[str, str]:
    """The order-paper numbers of two or more amendments, for ``Amendments %(numbers)s and %(last)s``
    (``Amendments 3, 4 and 7``)."""
    names = [str(n) for n in numbers]
    return {"numbers": ", ".join(names[:-1]), "last": names[-1]}


def change_at(amendment: Amendment, eid: str) -> Change:
    """``amendment`` as a change to a text in which its provision is ``eid``."""
    return Change(amendment.id, amendment.number, AmendmentAction(amendment.action), eid, amendment.base_text,
                  amendment.new_text, amendment.new_name, amendment.new_num, amendment.new_heading)


@dataclass(frozen=True)
class Occasion:
    """Why adopted amendments are being made to a text, for what a refusal says."""

    bill_id: int
    version: int | None  # the version the text is (or is to be); None: the working text, not yet published
    refused: Wording  # what the refusal means: "so nothing was consolidated"...


def _placed(document: AknDocument, wids: dict[str, str], amendment: Amendment, occasion: Occasion) -> Change:
    """``amendment`` made where its provision is in ``document``, or 409 when it no longer stands there."""
    eid = wids.get(amendment.wid)
    problem = standing_problem(document, eid, AmendmentAction(amendment.action), amendment.base_text,
                               amendment.new_num)
    if problem is None:
        assert eid is not None
        return change_at(amendment, eid)
    values = {"number": amendment.number, "citation": amendment.citation, "base": amendment.base_version,
              "bill": occasion.bill_id, "problem": problem.wording(), "refused": occasion.refused}
    if occasion.version is None:
        refusal = wording("Amendment %(number)s (%(citation)s) was made on version %(base)s of bill %(bill)s, and in "
                          "the working text %(problem)s: it cannot be made as worded, %(refused)s.", **values)
    else:
        refusal = wording("Amendment %(number)s (%(citation)s) was made on version %(base)s of bill %(bill)s, and in "
                          "version %(version)s %(problem)s: it cannot be made as worded, %(refused)s. Its proposer "
                          "may propose it again on version %(version)s.", version=occasion.version, **values)
    raise AmendmentOutdated(
        refusal, amendment_id=amendment.id, base_version=amendment.base_version, version=occasion.version,
    )


def make_adopted(document: AknDocument, amendments: Sequence[Amendment], occasion: Occasion) -> AppliedChanges:
    """Make adopted ``amendments`` (in the order they were taken) to ``document`` in place.

    Each is made where its provision's wId is in ``document``, and only while it still stands there (never
    merged into a text it was not made on); together they may neither take out a provision one of them
    amends or inserts, nor leave a body empty. Refused with 409 otherwise, nothing made.
    """
    wids = eids_by_wid(document)
    changes = [_placed(document, wids, amendment, occasion) for amendment in amendments]
    try:
        applied = apply_changes(document, changes)
    except BodyEmptied as emptied:
        numbers = [d.number for d in emptied.deletions]
        if len(numbers) == 1:
            refusal = wording("Amendment %(number)s together leave out every provision of the bill's %(holder)s; a "
                              "version cannot be empty, %(refused)s", number=numbers[0], holder=emptied.holder,
                              refused=occasion.refused)
        else:
            refusal = wording("Amendments %(numbers)s and %(last)s together leave out every provision of the bill's "
                              "%(holder)s; a version cannot be empty, %(refused)s", **_several(numbers),
                              holder=emptied.holder, refused=occasion.refused)
        raise AmendmentsLeaveOutTheBody(
            refusal, amendment_ids=[d.amendment_id for d in emptied.deletions],
        ) from None
    except AknError as error:
        raise from_akn_error(error) from error
    _check_none_taken_out(changes, applied, occasion)
    _check_new_numbers(document, changes, applied, occasion)
    return applied


def _check_none_taken_out(changes: Sequence[Change], applied: AppliedChanges, occasion: Occasion) -> None:
    """A deletion that empties a container takes it out, and with it whatever another amendment gave it (new
    words for its intro, say): that amendment would be lost without a word, so the two cannot both be made."""
    deletions = [c for c in changes if c.action is AmendmentAction.DELETE]
    removed = applied.removed
    for change in changes:
        subject = applied.inserted.get(change.amendment_id, change.eid)
        if change.action is AmendmentAction.DELETE or subject not in removed:
            continue
        container = next(applied.left_out[d.amendment_id] for d in deletions
                         if subject in applied.removed_by[d.amendment_id])
        takers = [d for d in deletions if applied.left_out[d.amendment_id] == container
                  or applied.left_out[d.amendment_id].startswith(container + "__")]
        raise AmendmentsIncompatible(
            _taken_out(change, [d.number for d in takers], container, occasion),
            amendment_ids=[change.amendment_id, *(d.amendment_id for d in takers)],
        )


def _taken_out(change: Change, takers: Sequence[int | None], container: str, occasion: Occasion) -> Wording:
    """Why ``change`` cannot be made with the deletions (by number, ``takers``) that take ``container`` out."""
    values = {"number": change.number, "eid": change.eid, "container": container, "refused": occasion.refused}
    if change.action is AmendmentAction.TEXT:
        if len(takers) == 1:
            return wording("Amendment %(number)s gives new words to %(eid)s, and Amendment %(taker)s leaves out every "
                           "provision %(container)s holds, which takes %(container)s out of the bill: they cannot "
                           "all be made, %(refused)s", taker=takers[0], **values)
        return wording("Amendment %(number)s gives new words to %(eid)s, and Amendments %(numbers)s and %(last)s "
                       "leave out every provision %(container)s holds, which takes %(container)s out of the bill: "
                       "they cannot all be made, %(refused)s", **_several(takers), **values)
    if len(takers) == 1:
        return wording("Amendment %(number)s inserts a provision after %(eid)s, and Amendment %(taker)s leaves out "
                       "every provision %(container)s holds, which takes %(container)s out of the bill: they cannot "
                       "all be made, %(refused)s", taker=takers[0], **values)
    return wording("Amendment %(number)s inserts a provision after %(eid)s, and Amendments %(numbers)s and %(last)s "
                   "leave out every provision %(container)s holds, which takes %(container)s out of the bill: they "
                   "cannot all be made, %(refused)s", **_several(takers), **values)


def _check_new_numbers(document: AknDocument, changes: Sequence[Change], applied: AppliedChanges,
                       occasion: Occasion) -> None:
    """Two adopted amendments may not insert provisions with one number side by side (each was checked against
    the provisions already there when it was proposed)."""
    by_id = {c.amendment_id: c for c in changes}
    removed = applied.removed
    new = {applied.renamed(eid): by_id[i] for i, eid in applied.inserted.items() if eid not in removed}
    for eid, change in new.items():
        twin = numbered_sibling(document, eid, change.new_num, other_than=eid) if change.new_num else None
        if twin in new:
            pair = sorted((change, new[twin]), key=lambda c: c.amendment_id)
            raise AmendmentsIncompatible(
                wording("Amendments %(first)s and %(second)s insert two provisions numbered %(num)s side by side: "
                        "they cannot both be made, %(refused)s", first=pair[0].number, second=pair[1].number,
                        num=change.new_num, refused=occasion.refused),
                amendment_ids=[c.amendment_id for c in pair],
            )


def check_adoptable(session: Session, amendment: Amendment) -> None:
    """Adopting ``amendment`` must leave every adopted amendment awaiting consolidation makeable, together, on the
    latest published version; refused (409) otherwise, so a consolidation never meets what it cannot make."""
    bill = get_bill(session, amendment.bill_id)
    _expression, document = published_document(session, bill)
    # Ordered before they are made: making them changes ``document``.
    pending = marshalled_order(session, [*adopted_pending(session, bill.id, document), amendment], document)
    make_adopted(document, pending, Occasion(bill.id, bill.current_version,
                                             wording("so Amendment %(number)s cannot be adopted",
                                                     number=amendment.number)))


def check_publishable(session: Session, bill: Bill, document: AknDocument) -> None:
    """Publishing ``document`` (the working text) must leave every adopted amendment awaiting consolidation
    makeable on it: they were voted on as worded against the version they were made on. ``document`` is
    spent on the check (the amendments are made to it)."""
    pending = adopted_pending(session, bill.id)
    if not pending:
        return
    try:
        make_adopted(document, pending, Occasion(bill.id, None, wording("so the working text cannot be published")))
    except (AmendmentOutdated, AmendmentsIncompatible, AmendmentsLeaveOutTheBody) as refusal:
        ids = refusal.details.get("amendment_ids") or [refusal.details["amendment_id"]]
        if refusal.message.endswith("."):
            pending_refusal = wording("%(refusal)s Adopted amendments await consolidation: give the provisions they "
                                      "amend back the text of version %(version)s, publish, then consolidate them.",
                                      refusal=refusal.message, version=bill.current_version)
        else:
            pending_refusal = wording("%(refusal)s. Adopted amendments await consolidation: give the provisions they "
                                      "amend back the text of version %(version)s, publish, then consolidate them.",
                                      refusal=refusal.message, version=bill.current_version)
        raise AdoptedAmendmentsPending(pending_refusal, amendment_ids=ids) from refusal


# --- projections --------------------------------------------------------------------------------------------


@projections.projects(AmendmentEvent.DRAFTED)
def _project_drafted(session: Session, record: EventRecord) -> None:
    data = record.data
    amendment_id = int(data["amendment_id"])
    session.add(Amendment(
        id=amendment_id, bill_id=record.bill_id, number=None, state=AmendmentState.DRAFT.value,
        action=data["action"], eid=data["eid"], wid=data["wid"], ordinal=data["ordinal"],
        citation=data["citation"], base_version=data["base_version"],
        base_expression_uri=data["base_expression_uri"], base_text=data["base_text"], new_text=data["new_text"],
        new_name=data["new_name"], new_num=data["new_num"], new_heading=data["new_heading"],
        instruction=data["instruction"], instruction_parts=data["instruction_parts"], spans=data["spans"],
        justification=data["justification"], proposer_id=record.actor_id, cosponsor_ids=[],
        created_at=record.occurred_at, updated_at=record.occurred_at, defeated_by=data.get("defeated_by"),
    ))
    session.flush()
    for other in data["conflicts_with"]:
        session.add(AmendmentConflict(amendment_id=amendment_id, other_id=other))
        session.add(AmendmentConflict(amendment_id=other, other_id=amendment_id))
    session.flush()


def _project_step(session: Session, record: EventRecord) -> None:
    data = record.data
    amendment = session.get(Amendment, int(data["amendment_id"]))
    if amendment is None:
        raise RuntimeError(f"event {record.id} moves an unknown amendment {data['amendment_id']}")
    amendment.state = STATE_AFTER[record.type].value
    amendment.updated_at = record.occurred_at
    if "number" in data:
        amendment.number = data["number"]
    if "reason" in data:
        amendment.reason = data["reason"]
        amendment.reason_parts = data.get("reason_parts")
    if "votes" in data:
        amendment.votes = data["votes"]
    for defeated_id in data.get("defeats", []):
        defeated = session.get(Amendment, int(defeated_id))
        if defeated is not None:
            defeated.defeated_by = amendment.id
    session.flush()


for _event_type in STATE_AFTER:
    projections.projects(_event_type)(_project_step)


@projections.projects(AmendmentEvent.COSPONSOR_ADDED)
def _project_cosponsor(session: Session, record: EventRecord) -> None:
    amendment = session.get(Amendment, int(record.data["amendment_id"]))
    if amendment is None:
        raise RuntimeError(f"event {record.id} names an unknown amendment")
    amendment.cosponsor_ids = [*(amendment.cosponsor_ids or []), int(record.data["user_id"])]
    amendment.updated_at = record.occurred_at
    session.flush()


def _project_window(session: Session, record: EventRecord) -> None:
    bill_id = int(record.data["bill_id"])
    window = session.get(AmendmentWindow, bill_id)
    is_open = record.type == AmendmentEvent.WINDOW_OPENED
    if window is None:
        session.add(AmendmentWindow(bill_id=bill_id, is_open=is_open, changed_by=record.actor_id,
                                    changed_at=record.occurred_at))
    else:
        window.is_open = is_open
        window.changed_by = record.actor_id
        window.changed_at = record.occurred_at
    session.flush()


projections.projects(AmendmentEvent.WINDOW_OPENED)(_project_window)
projections.projects(AmendmentEvent.WINDOW_CLOSED)(_project_window)


# --- documents and lists ------------------------------------------------------------------------------------


def _person(session: Session, user_id: int) -> Proponent:
    user = session.get(User, user_id)
    name = user.display_name if user is not None else f"Member {user_id}"
    return Proponent(f"mp_{user_id}", name, f"/ontology/person/parley/{user_id}")


def amendment_spec(session: Session, amendment: Amendment) -> AmendmentSpec:
    """What the amendment's AKN document says, from its read model."""
    bill = get_bill(session, amendment.bill_id)
    uri = FrbrUri.parse(amendment.base_expression_uri)
    action = AmendmentAction(amendment.action)
    parts: list[str | Quote] = [
        Quote(text) if kind == "quote" else text for kind, text in amendment.instruction_parts or []
    ]
    new_provision = None
    if action is AmendmentAction.INSERT_AFTER:
        new_provision = NewProvision(amendment.new_name or "section", amendment.new_num, amendment.new_heading,
                                     amendment.new_text)
        # The quoted structure carries the new provision: the instruction keeps only its lead-in.
        parts = [p for p in parts if not isinstance(p, Quote)]
    modification = {AmendmentAction.TEXT: "substitution", AmendmentAction.INSERT_AFTER: "insertion",
                    AmendmentAction.DELETE: "repeal"}[action]
    return AmendmentSpec(
        country=uri.place,
        number=str(amendment.id),
        date=amendment.created_at.date(),
        bill_expression_uri=amendment.base_expression_uri,
        bill_title=bill.title,
        provision_eid=amendment.eid,
        citation=amendment.citation,
        instruction=parts,
        proponent=_person(session, amendment.proposer_id),
        modification=modification,  # type: ignore[arg-type]
        cosponsors=[_person(session, i) for i in amendment.cosponsor_ids or []],
        justification=amendment.justification,
        new_provision=new_provision,
        language=uri.language or "eng",
        order_number=str(amendment.number) if amendment.number is not None else None,
    )


def amendment_document(session: Session, amendment: Amendment) -> bytes:
    """The amendment as a strictly valid AKN `<amendment>` document."""
    root = build_amendment(amendment_spec(session, amendment))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def by_uri(session: Session, uri: str, reader: Principal | None) -> Amendment:
    """The amendment an FRBR URI names (work, expression or manifestation), when ``reader`` may know of it."""
    try:
        parsed = FrbrUri.parse(uri)
    except AknError:
        raise NotFound(wording("%(uri)s is not an amendment URI", uri=uri)) from None
    if parsed.format not in (None, "xml", "akn"):
        # An amendment is published as AKN XML only: an .html or .pdf URI names nothing (not the XML).
        raise NotFound(wording("amendment documents are published as AKN XML (.xml, .akn); %(uri)s names none",
                               uri=uri))
    # ASCII digits of a 64-bit id only: "²".isdigit() is true, and a 25-digit number overflows the column.
    if not re.fullmatch(r"[0-9]{1,18}", parsed.number):
        raise NotFound(wording("no amendment has the URI %(uri)s", uri=uri))
    amendment = readable(session, reader, int(parsed.number))
    own = FrbrUri.parse(akn_uri(amendment))
    if own.work_uri != parsed.work_uri or (parsed.language is not None and (
            parsed.language, parsed.expression_date) != (own.language, own.expression_date)):
        # An amendment has one expression: another language or date names nothing.
        raise NotFound(wording("no amendment has the URI %(uri)s", uri=uri))
    return amendment


def marshalled_order(session: Session, rows: Sequence[Amendment], document: AknDocument | None = None
                     ) -> list[Amendment]:
    """``rows`` (amendments to one bill) in the order they are taken; ``document``: the bill's latest published
    version when the caller has it at hand (read otherwise)."""
    return [a for group in _marshal(session, rows, document) for a in group]


def marshalled_groups(session: Session, bill_id: int) -> list[list[Amendment]]:
    """The bill's live amendments (tabled or admissible) in the order they are taken, conflicting ones together."""
    rows = [a for a in list_for_bill(session, bill_id, None)
            if a.state in (AmendmentState.TABLED.value, AmendmentState.ADMISSIBLE.value)]
    return _marshal(session, rows)


# Where the provisions of recently read versions stand, by document SHA-256 (a stored document never changes):
# reading a large bill takes a good part of a second, and the marshalled list is read far more often than a
# version is published.
_ORDERS: OrderedDict[str, BillOrder] = OrderedDict()
_ORDERS_KEPT = 8
_orders_lock = threading.Lock()


def _version_order(session: Session, bill_id: int, version: int) -> BillOrder:
    sha = _published(session, bill_id, version).document_sha256
    with _orders_lock:
        order = _ORDERS.get(sha)
        if order is not None:
            _ORDERS.move_to_end(sha)
            return order
    # Parsed only, as in published_document: it was strictly validated when it was stored.
    order = bill_order(AknDocument(parse_akn(documents.get(session, sha))))
    with _orders_lock:
        _ORDERS[sha] = order
        while len(_ORDERS) > _ORDERS_KEPT:
            _ORDERS.popitem(last=False)
    return order


def _marshal(session: Session, rows: Sequence[Amendment], document: AknDocument | None = None
             ) -> list[list[Amendment]]:
    """Amendments to one bill by where their provisions stand in its latest published version (found by wId,
    whatever version each was made on: ``server.domain.marshalling``), conflicting ones together."""
    if not rows:
        return []
    bill = get_bill(session, rows[0].bill_id)
    current = bill_order(document) if document is not None else _version_order(session, bill.id,
                                                                               bill.current_version)
    # The versions some amendments' provisions have left since: each read once, to find where those stood.
    made_on = {version: _version_order(session, bill.id, version)
               for version in sorted({a.base_version for a in rows if a.wid not in current.index})}
    by_id = {a.id: a for a in rows}
    graph = conflicts_of(session, list(by_id))
    items = [
        placed(current, amendment_id=a.id, wid=a.wid, action=AmendmentAction(a.action),
               first_word=int(a.spans[0][0]) if a.spans else 0, number=a.number,
               made_on=made_on.get(a.base_version), ordinal=a.ordinal)
        for a in rows
    ]
    return [[by_id[i] for i in group] for group in marshal(items, graph)]


def marshalled_list(session: Session, bill_id: int) -> list[list[dict[str, Any]]]:
    groups = marshalled_groups(session, bill_id)
    listed = [a for group in groups for a in group]
    links = conflict_links(session, listed, None)
    outdated = outdated_problems(session, listed)
    return [[to_dict(a, links[a.id], outdated.get(a.id)) for a in group] for group in groups]


def amendment_list_document(session: Session, bill_id: int) -> bytes:
    """The marshalled list as a strictly valid AKN `<amendmentList>`."""
    bill = get_bill(session, bill_id)
    expression = _published(session, bill_id, bill.current_version)
    uri = FrbrUri.parse(expression.expression_uri)
    groups = [
        [ListedAmendment(akn_uri(a), f"Amendment {a.number}", a.state) for a in group]
        for group in marshalled_groups(session, bill_id)
    ]
    root = build_amendment_list(
        country=uri.place, when=eventlog.utcnow().date(), number=uri.number,
        bill_expression_uri=expression.expression_uri, bill_title=bill.title, groups=groups,
        language=uri.language or "eng",
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def member_record(session: Session, user_id: int, reader: Principal | None) -> dict[str, Any]:
    """An MP's amendments, co-sponsorships and their outcomes, as far as ``reader`` may know of them."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.MP.value:
        raise NotFound(wording("there is no member of parliament %(user)s", user=user_id))
    proposed = [a for a in session.scalars(select(Amendment).where(Amendment.proposer_id == user_id)
                                           .order_by(Amendment.id)) if may_read_amendment(reader, a)]
    supported = [
        a for a in session.scalars(select(Amendment).order_by(Amendment.id))
        if user_id in (a.cosponsor_ids or []) and may_read_amendment(reader, a)
    ]
    links = conflict_links(session, proposed + supported, reader)
    outcomes: dict[str, int] = {}
    for amendment in proposed:
        outcomes[amendment.state] = outcomes.get(amendment.state, 0) + 1
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "amendments": [to_dict(a, links[a.id]) for a in proposed],
        "cosponsorships": [to_dict(a, links[a.id]) for a in supported],
        "outcomes": outcomes,
    }
