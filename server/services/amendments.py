"""Amendments: members propose them by editing a provision, clerks run the procedure on them.

Each step checks the rules (``check_*``), then appends one event on the amendment's stream ``amendment/<id>``
with the bill's id, so it reaches the bill's room after commit. Everything a projection needs (the new
id, the order-paper number, the conflicts found) is decided here under the append lock and carried in the
event, so a rebuild from the log reproduces the read models exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from akn import AknError
from akn.amendment import AmendmentSpec, NewProvision, Proponent, Quote, amendment_uri, build_amendment
from akn.amendment_list import ListedAmendment, build_amendment_list
from akn.frbr import FrbrUri
from akn.inline import from_markup, inline_from_markup
from akn.vocabulary import HIERARCHY_ELEMENTS
from server.domain.amendments import (
    OPEN_STATES,
    STATE_AFTER,
    AmendmentAction,
    AmendmentEvent,
    AmendmentState,
    Footprint,
    Mover,
    Placed,
    amendment_stream,
    event_for,
    find_conflicts,
    is_legal,
    marshal,
    mover_of,
    vote_problem,
)
from server.domain.citation import Level
from server.domain.events import EventDraft, bill_stream
from server.domain.instructions import (
    DraftingStyle,
    Instruction,
    Quoted,
    StyleName,
    insertion_instruction,
    omission_instruction,
    text_instruction,
)
from server.domain.roles import Role
from server.errors import (
    AmendmentDefeated,
    AmendmentWindowClosed,
    BadRequest,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
    from_akn_error,
)
from server.services.bills import get_bill, load_document
from server.services.drafting import find_provision
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.amendment_models import Amendment, AmendmentConflict, AmendmentWindow
from server.store.models import EventRecord, Expression, Provision, User

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
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(f"there is no amendment {amendment_id}")
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


def to_dict(amendment: Amendment, conflicts_with: Sequence[int]) -> dict[str, Any]:
    """The public form of an amendment (contract: id, number, state, eid, instruction, conflicts_with...)."""
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
        "reason": amendment.reason,
        "votes": amendment.votes,
        "defeated_by": amendment.defeated_by,
        "consolidated_in": amendment.consolidated_in,
        "conflicts_with": list(conflicts_with),
        "akn_uri": akn_uri(amendment),
        "created_at": amendment.created_at.isoformat() + "Z",
        "updated_at": amendment.updated_at.isoformat() + "Z",
    }


def akn_uri(amendment: Amendment) -> str:
    """The amendment document's expression URI (its FRBR number is the amendment's id, never reused)."""
    country = FrbrUri.parse(amendment.base_expression_uri).country
    return amendment_uri(country, amendment.created_at.date(), str(amendment.id)).expression_uri


def describe(session: Session, amendment: Amendment) -> dict[str, Any]:
    return to_dict(amendment, conflicts_of(session, [amendment.id])[amendment.id])


def list_for_bill(session: Session, bill_id: int, state: str | None = None) -> list[Amendment]:
    get_bill(session, bill_id)
    query = select(Amendment).where(Amendment.bill_id == bill_id)
    if state:
        query = query.where(Amendment.state == state)
    return list(session.scalars(query.order_by(Amendment.id)))


@dataclass(frozen=True)
class AmendmentFilter:
    """What a reader of a bill's amendments may narrow them to; None leaves a criterion out."""

    state: str | None = None
    proposer_id: int | None = None
    eid: str | None = None  # the provision amended (or the one a new provision is inserted after)


def page_for_bill(session: Session, bill_id: int, criteria: AmendmentFilter, page: PageRequest) -> Page[Amendment]:
    """A bill's amendments in id order, filtered in the query and cut into keyset pages."""
    get_bill(session, bill_id)
    query = select(Amendment).where(Amendment.bill_id == bill_id)
    if criteria.state is not None:
        query = query.where(Amendment.state == criteria.state)
    if criteria.proposer_id is not None:
        query = query.where(Amendment.proposer_id == criteria.proposer_id)
    if criteria.eid is not None:
        query = query.where(Amendment.eid == criteria.eid)
    return keyset(session, query, Amendment.id, page)


# --- proposing ----------------------------------------------------------------------------------------------


def _levels(session: Session, bill_id: int, row: Provision) -> list[Level]:
    chain = [row]
    while chain[-1].parent_eid:
        chain.append(find_provision(session, bill_id, chain[-1].parent_eid))
    return [Level(p.name, p.num) for p in reversed(chain)]


def _published(session: Session, bill_id: int, version: int) -> Expression:
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == version)
    )
    assert expression is not None  # every bill has its current version
    return expression


def _base_text(session: Session, row: Provision, digest: str) -> str:
    """The provision's text in the published version (amendments amend what members can cite)."""
    if not row.edited:
        return row.text
    return load_document(session, digest).provision_text(row.eid)


def _instruction(session: Session, bill_id: int, row: Provision, base: str, proposal: Proposal) -> Instruction:
    levels = _levels(session, bill_id, row)
    style = DraftingStyle(name=proposal.style)
    if proposal.action is AmendmentAction.TEXT:
        instruction = text_instruction(levels, base, proposal.text, style)
        if not instruction.changes:
            raise ValidationFailed(f"the proposed text of {row.eid} is the same as the bill's; change some words")
        return instruction
    if proposal.action is AmendmentAction.DELETE:
        return omission_instruction(levels, style, text=base)
    return insertion_instruction(
        levels, proposal.name or row.name, proposal.num, proposal.heading, proposal.text, style
    )


def check_may_propose(principal: Principal | None, session: Session, bill_id: int) -> Principal:
    actor = require(principal, *PROPOSERS)
    if not window_is_open(session, bill_id):
        raise AmendmentWindowClosed(f"bill {bill_id} does not take amendments now: its amendment window is closed")
    return actor


def _footprint(amendment: Amendment) -> Footprint:
    return Footprint(
        amendment.id, amendment.eid, AmendmentAction(amendment.action), amendment.base_text,
        tuple((int(s), int(e)) for s, e in amendment.spans or []),
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


def propose(session: Session, principal: Principal | None, bill_id: int, proposal: Proposal) -> Amendment:
    """Draft an amendment from the provision as the member would have it; the instruction is generated."""
    if len(proposal.text) > MAX_TEXT or len(proposal.justification) > MAX_TEXT:
        raise ValidationFailed(f"the text and the justification hold at most {MAX_TEXT} characters each")
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    actor = check_may_propose(principal, session, bill_id)
    row = find_provision(session, bill_id, proposal.eid)
    expression = _published(session, bill_id, bill.current_version)
    base = _base_text(session, row, expression.document_sha256)
    instruction = _instruction(session, bill_id, row, base, proposal)
    if proposal.action is AmendmentAction.INSERT_AFTER and not proposal.text.strip():
        raise ValidationFailed("a new provision needs its text")
    _check_markup(proposal)
    if proposal.action is AmendmentAction.INSERT_AFTER and proposal.name is not None \
            and proposal.name not in HIERARCHY_ELEMENTS:
        # Checked now: an adopted amendment whose provision cannot be made would stop every consolidation.
        raise ValidationFailed(f"name must be a provision element ({', '.join(sorted(HIERARCHY_ELEMENTS))}); "
                               f"found {proposal.name!r}")
    amendment_id = (session.scalar(select(func.max(Amendment.id))) or 0) + 1
    spans = [list(change.span()) for change in instruction.changes]
    footprint = Footprint(amendment_id, row.eid, proposal.action, base, tuple((s, e) for s, e in spans))
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
    new_text = proposal.text if proposal.action is not AmendmentAction.DELETE else ""
    eventlog.append(
        session,
        EventDraft(
            stream=amendment_stream(amendment_id),
            type=AmendmentEvent.DRAFTED,
            actor_id=actor.actor_id,
            bill_id=bill_id,
            data={
                "amendment_id": amendment_id,
                "action": proposal.action.value,
                "eid": row.eid,
                "wid": row.wid,
                "ordinal": row.ordinal,
                "citation": instruction.citation,
                "base_version": bill.current_version,
                "base_expression_uri": expression.expression_uri,
                "base_text": base,
                "new_text": new_text,
                "new_name": (proposal.name or row.name) if proposal.action is AmendmentAction.INSERT_AFTER else None,
                "new_num": proposal.num,
                "new_heading": proposal.heading,
                "instruction": instruction.text,
                "instruction_parts": [
                    ["quote", p.text] if isinstance(p, Quoted) else ["text", p] for p in instruction.parts
                ],
                "spans": spans,
                "justification": proposal.justification,
                "conflicts_with": conflicts_with,
                "defeated_by": adopted[0] if adopted else None,
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
            raise Forbidden(f"only the proposer of amendment {amendment.id} may move it to {target.value}")
    else:
        actor = require(principal, *CLERKS)
    if not is_legal(current, target):
        raise IllegalTransition(
            f"amendment {amendment.id} is {current.value}; it cannot become {target.value}",
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
        raise BadRequest(f"'to' must be one of {', '.join(s.value for s in AmendmentState)}; found {target!r}") \
            from None
    eventlog.acquire_append_lock(session)
    amendment = get_amendment(session, amendment_id)
    actor = check_transition(principal, amendment, state)
    data: dict[str, Any] = {"amendment_id": amendment.id, "from": amendment.state, "to": state.value}
    if amendment.defeated_by is not None and state not in (AmendmentState.FALLEN, AmendmentState.WITHDRAWN):
        # Once a conflicting amendment is adopted, this one can only fall (or be withdrawn by its proposer).
        raise AmendmentDefeated(f"amendment {amendment.id} is defeated by adopted amendment "
                                f"{amendment.defeated_by}; it cannot become {state.value}")
    if state is AmendmentState.TABLED:
        if not window_is_open(session, amendment.bill_id):
            raise AmendmentWindowClosed(f"bill {amendment.bill_id}'s amendment window is closed")
        number = session.scalar(select(func.max(Amendment.number)).where(Amendment.bill_id == amendment.bill_id))
        data["number"] = (number or 0) + 1
    elif state is AmendmentState.INADMISSIBLE:
        if not reason or not reason.strip():
            raise ValidationFailed("say why the amendment is inadmissible: send a 'reason'")
        data["reason"] = reason.strip()
    elif state in (AmendmentState.ADOPTED, AmendmentState.REJECTED):
        problem = vote_problem(state, votes)
        if problem is not None:
            raise ValidationFailed(problem)
        assert votes is not None
        data["votes"] = {k: int(votes.get(k, 0)) for k in ("for", "against", "abstentions")}
        if state is AmendmentState.ADOPTED:
            data["defeats"] = _defeated(session, amendment)
    elif state is AmendmentState.FALLEN:
        if amendment.defeated_by is None:
            raise IllegalTransition(f"amendment {amendment.id} is not defeated by any adopted amendment")
        data["defeated_by"] = amendment.defeated_by
    if reason and "reason" not in data:
        data["reason"] = reason.strip()
    eventlog.append(
        session,
        EventDraft(amendment_stream(amendment.id), event_for(state), data, actor.actor_id, amendment.bill_id),
        projector=projections.apply,
    )
    return amendment


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
    amendment = get_amendment(session, amendment_id)
    if AmendmentState(amendment.state) not in OPEN_STATES:
        raise IllegalTransition(f"amendment {amendment.id} is {amendment.state}: it takes no more co-sponsors")
    if actor.user_id == amendment.proposer_id or actor.user_id in (amendment.cosponsor_ids or []):
        return amendment
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
        country=uri.country,
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


def by_uri(session: Session, uri: str) -> Amendment:
    """The amendment an FRBR URI names (work, expression or manifestation)."""
    try:
        parsed = FrbrUri.parse(uri)
    except AknError:
        raise NotFound(f"{uri} is not an amendment URI") from None
    if parsed.format not in (None, "xml", "akn"):
        # An amendment is published as AKN XML only: an .html or .pdf URI names nothing (not the XML).
        raise NotFound(f"amendment documents are published as AKN XML (.xml, .akn); {uri} names none")
    # ASCII digits of a 64-bit id only: "²".isdigit() is true, and a 25-digit number overflows the column.
    if not re.fullmatch(r"[0-9]{1,18}", parsed.number):
        raise NotFound(f"no amendment has the URI {uri}")
    amendment = get_amendment(session, int(parsed.number))
    own = FrbrUri.parse(akn_uri(amendment))
    if own.work_uri != parsed.work_uri or (parsed.language is not None and (
            parsed.language, parsed.expression_date) != (own.language, own.expression_date)):
        # An amendment has one expression: another language or date names nothing.
        raise NotFound(f"no amendment has the URI {uri}")
    return amendment


def marshalled_order(session: Session, rows: Sequence[Amendment]) -> list[Amendment]:
    """``rows`` in the order they are taken."""
    return [a for group in _marshal(session, rows) for a in group]


def marshalled_groups(session: Session, bill_id: int) -> list[list[Amendment]]:
    """The bill's live amendments (tabled or admissible) in the order they are taken, conflicting ones together."""
    rows = [a for a in list_for_bill(session, bill_id)
            if a.state in (AmendmentState.TABLED.value, AmendmentState.ADMISSIBLE.value)]
    return _marshal(session, rows)


def _marshal(session: Session, rows: Sequence[Amendment]) -> list[list[Amendment]]:
    by_id = {a.id: a for a in rows}
    graph = conflicts_of(session, list(by_id))
    placed = [
        Placed(a.id, a.ordinal, AmendmentAction(a.action), int(a.spans[0][0]) if a.spans else 0, a.number)
        for a in rows
    ]
    return [[by_id[i] for i in group] for group in marshal(placed, graph)]


def marshalled_list(session: Session, bill_id: int) -> list[list[dict[str, Any]]]:
    groups = marshalled_groups(session, bill_id)
    links = conflicts_of(session, [a.id for group in groups for a in group])
    return [[to_dict(a, links[a.id]) for a in group] for group in groups]


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
        country=uri.country, when=eventlog.utcnow().date(), number=uri.number,
        bill_expression_uri=expression.expression_uri, bill_title=bill.title, groups=groups,
        language=uri.language or "eng",
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def member_record(session: Session, user_id: int) -> dict[str, Any]:
    """An MP's amendments, co-sponsorships and their outcomes."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.MP.value:
        raise NotFound(f"there is no member of parliament {user_id}")
    proposed = list(session.scalars(select(Amendment).where(Amendment.proposer_id == user_id)
                                    .order_by(Amendment.id)))
    supported = [
        a for a in session.scalars(select(Amendment).order_by(Amendment.id))
        if user_id in (a.cosponsor_ids or [])
    ]
    links = conflicts_of(session, [a.id for a in proposed + supported])
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
