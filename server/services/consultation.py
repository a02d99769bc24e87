"""Consultations and comments: a clerk opens a window on a published version, citizens comment on provisions.

Each use case checks its rules under the log's append lock, then appends one event; read models change only in
the projectors below. Comments are anchored by their provision's wId and their quote, and followed into later
versions when they are read (see :func:`anchor_map`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from lxml import etree
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server.domain import consultation_clustering as clustering
from server.domain.consultation import (
    BurstRule,
    CommentState,
    ConsultationEvent,
    RuleBroken,
    WindowState,
    check_body,
    check_questions,
    check_quote,
    check_window,
    closed_window_message,
    comment_stream,
    consultation_stream,
    window_state,
    windows_overlap,
    within_edit_window,
)
from server.domain.consultation_lexicon import Lexicon, build_lexicon
from server.domain.events import EventDraft
from server.domain.roles import Role
from server.errors import (
    AlreadyDone,
    ConsultationClosed,
    ConsultationOverlap,
    EditWindowClosed,
    EmailNotVerified,
    Forbidden,
    NotFound,
    ParleyError,
    PayloadTooLarge,
    QuoteNotFound,
    ValidationFailed,
)
from server.services.bills import get_bill, load_document
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.consultation_models import CitizenSignup, Comment, CommentEndorsement, CommentKey, Consultation
from server.store.models import EventRecord, Expression, User

_RULE_ERRORS: dict[str, type[ParleyError]] = {
    "invalid": ValidationFailed,
    "too_large": PayloadTooLarge,
    "quote_not_found": QuoteNotFound,
}


def draft(stream: str, type_: str, actor: Principal | None, bill_id: int | None, data: dict[str, Any]) -> EventDraft:
    return EventDraft(stream=stream, type=type_, data=data, actor_id=actor.actor_id if actor else None,
                      bill_id=bill_id)


def rule_error(error: RuleBroken) -> ParleyError:
    """The client-facing error of a broken domain rule."""
    return _RULE_ERRORS.get(error.kind, ValidationFailed)(error.message)


@dataclass(frozen=True)
class ConsultationSettings:
    """The configurable parts of the comment rules."""

    edit_window_seconds: int = 15 * 60
    burst: BurstRule = field(default_factory=lambda: BurstRule(24 * 3600, 10 * 60, 5))
    lexicon: Lexicon = field(default_factory=lambda: build_lexicon(["en", "fr"]))
    cluster_threshold: float = clustering.DEFAULT_THRESHOLD
    campaign_size: int = clustering.DEFAULT_CAMPAIGN_SIZE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ConsultationSettings:
        return _settings(
            int(config.get("COMMENT_EDIT_WINDOW_SECONDS", 900)),
            BurstRule(
                int(config.get("BURST_NEW_ACCOUNT_SECONDS", 86400)),
                int(config.get("BURST_WINDOW_SECONDS", 600)),
                int(config.get("BURST_MAX_POSTS", 5)),
            ),
            tuple(config.get("ABUSE_LEXICON_LANGUAGES", ("en", "fr"))),
            tuple(config.get("ABUSE_LEXICON_EXTRA", ())),
            float(config.get("CLUSTER_THRESHOLD", clustering.DEFAULT_THRESHOLD)),
            int(config.get("CAMPAIGN_MIN_SIZE", clustering.DEFAULT_CAMPAIGN_SIZE)),
        )


@lru_cache(maxsize=16)
def _settings(
    edit_window: int, burst: BurstRule, languages: tuple[str, ...], extra: tuple[str, ...], threshold: float,
    campaign_size: int,
) -> ConsultationSettings:
    # Building the lexicon folds every entry; do it once per configuration, not per request.
    return ConsultationSettings(edit_window, burst, build_lexicon(languages, extra), threshold, campaign_size)


# --- the text of a published version -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpressionText:
    """Each provision of one published document: ``by_eid[eid] = (wid, text)``, ``by_wid[wid] = (eid, text)``.

    ``text`` is everything a reader sees of the provision (num, heading, text and sub-provisions), as plain text.
    """

    by_eid: dict[str, tuple[str, str]]
    by_wid: dict[str, tuple[str, str]]


_TEXTS: OrderedDict[str, ExpressionText] = OrderedDict()
_TEXTS_LOCK = threading.Lock()
_TEXTS_KEPT = 16


def expression_text(session: Session, sha256: str) -> ExpressionText:
    """The provisions of a stored document; cached, since stored documents never change."""
    with _TEXTS_LOCK:
        cached = _TEXTS.get(sha256)
        if cached is not None:
            _TEXTS.move_to_end(sha256)
            return cached
    document = load_document(session, sha256)
    by_eid: dict[str, tuple[str, str]] = {}
    by_wid: dict[str, tuple[str, str]] = {}
    stack = list(reversed(document.provisions()))
    while stack:  # document order, which the per-provision counts keep
        provision = stack.pop()
        stack.extend(reversed(provision.children))
        if not provision.eid:
            continue
        element = document.provision_element(provision.eid)
        text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
        wid = provision.wid or provision.eid
        by_eid[provision.eid] = (wid, text)
        by_wid[wid] = (provision.eid, text)
    result = ExpressionText(by_eid, by_wid)
    with _TEXTS_LOCK:
        _TEXTS[sha256] = result
        while len(_TEXTS) > _TEXTS_KEPT:
            _TEXTS.popitem(last=False)
    return result


def expression_of(session: Session, bill_id: int, version: int) -> Expression:
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == version)
    )
    if expression is None:
        raise NotFound(f"bill {bill_id} has no version {version}")
    return expression


# --- consultations -----------------------------------------------------------------------------------------


def open_consultation(
    session: Session,
    principal: Principal | None,
    bill_id: int,
    *,
    opens_at: datetime,
    closes_at: datetime,
    questions: object = None,
) -> Consultation:
    """Open a comment window on the bill's current published version (clerks only)."""
    actor = require(principal, Role.CLERK, Role.ADMIN)
    try:
        check_window(opens_at, closes_at)
        guiding = check_questions(questions)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    for other in session.scalars(select(Consultation).where(Consultation.bill_id == bill_id)):
        if windows_overlap((opens_at, closes_at), (other.opens_at, other.closes_at)):
            raise ConsultationOverlap(
                f"consultation {other.id} of bill {bill_id} already runs from {other.opens_at.isoformat()}Z to "
                f"{other.closes_at.isoformat()}Z; windows of one bill may not overlap"
            )
    expression = expression_of(session, bill_id, bill.current_version)
    consultation_id = (session.scalar(select(func.max(Consultation.id))) or 0) + 1
    eventlog.append(
        session,
        draft(
            consultation_stream(consultation_id), ConsultationEvent.CONSULTATION_OPENED, actor, bill_id,
            {
                "consultation_id": consultation_id,
                "bill_id": bill_id,
                "version": expression.version,
                "expression_uri": expression.expression_uri,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
                "questions": guiding,
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    consultation = session.get(Consultation, consultation_id)
    assert consultation is not None  # the projector has just inserted it
    return consultation


def consultations_of(session: Session, bill_id: int) -> list[Consultation]:
    return list(session.scalars(select(Consultation).where(Consultation.bill_id == bill_id).order_by(Consultation.id)))


def open_consultation_of(session: Session, bill_id: int, now: datetime) -> Consultation:
    """The consultation of the bill that takes comments at ``now``, or a 409 that says when one does."""
    every = consultations_of(session, bill_id)
    for consultation in every:
        if window_state(consultation.opens_at, consultation.closes_at, now) is WindowState.OPEN:
            return consultation
    upcoming = [c for c in every if c.opens_at > now]
    if upcoming:
        first = upcoming[0]
        raise ConsultationClosed(closed_window_message(WindowState.UPCOMING, first.opens_at, first.closes_at))
    if every:
        last = every[-1]
        raise ConsultationClosed(closed_window_message(WindowState.CLOSED, last.opens_at, last.closes_at))
    raise ConsultationClosed(f"bill {bill_id} has no public consultation; comments are not open")


def consultation_dict(consultation: Consultation, now: datetime) -> dict[str, Any]:
    return {
        "id": consultation.id,
        "bill_id": consultation.bill_id,
        "version": consultation.version,
        "expression_uri": consultation.expression_uri,
        "opens_at": consultation.opens_at.isoformat() + "Z",
        "closes_at": consultation.closes_at.isoformat() + "Z",
        "questions": list(consultation.questions or []),
        "state": window_state(consultation.opens_at, consultation.closes_at, now).value,
    }


@projections.projects(ConsultationEvent.CONSULTATION_OPENED)
def _project_consultation_opened(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(
        Consultation(
            id=data["consultation_id"],
            bill_id=data["bill_id"],
            version=data["version"],
            expression_uri=data["expression_uri"],
            opens_at=datetime.fromisoformat(data["opens_at"]),
            closes_at=datetime.fromisoformat(data["closes_at"]),
            questions=list(data["questions"]),
            opened_by=record.actor_id,
            created_at=record.occurred_at,
        )
    )
    session.flush()


# --- posting -----------------------------------------------------------------------------------------------


def check_may_comment(session: Session, principal: Principal | None) -> Principal:
    """Citizens comment; those who signed up themselves only once their address is verified."""
    actor = require(principal, Role.CITIZEN)
    signup = session.get(CitizenSignup, actor.user_id)
    if signup is not None and not signup.verified:
        raise EmailNotVerified("confirm your email address first: follow the link in the message we sent you")
    return actor


def _hold_reason(
    session: Session, actor: Principal, body: str, settings: ConsultationSettings, now: datetime
) -> str | None:
    """Why a new comment waits for a clerk before it is published, if it must."""
    matched = settings.lexicon.matches(body)
    if matched:
        return "abusive language: " + ", ".join(sorted(set(matched)))
    user = session.get(User, actor.user_id)
    if user is None:
        return None
    since = now - timedelta(seconds=settings.burst.window_seconds)
    recent = session.scalar(
        select(func.count()).select_from(Comment).where(Comment.author_id == actor.user_id, Comment.created_at >= since)
    )
    if settings.burst.is_burst(user.created_at, int(recent or 0), now):
        return "many comments in a short time from a new account"
    return None


def _cluster_of(session: Session, consultation_id: int, keys: list[str], body: str, threshold: float
                ) -> tuple[int | None, bool]:
    """The cluster a new comment joins (None: it starts one), and whether its keys are worth indexing."""
    shared = func.count().label("shared")
    nearest = session.execute(
        select(CommentKey.comment_id, CommentKey.cluster_id, shared)
        .where(CommentKey.consultation_id == consultation_id, CommentKey.key.in_(keys))
        .group_by(CommentKey.comment_id, CommentKey.cluster_id)
        .order_by(shared.desc(), CommentKey.comment_id)
        .limit(clustering.MAX_CANDIDATES)
    ).all()
    if not nearest:
        return None, True
    bodies = session.execute(select(Comment.id, Comment.body).where(Comment.id.in_([r.comment_id for r in nearest])))
    texts = {row.id: row.body for row in bodies}
    candidates = [clustering.Candidate(row.comment_id, row.cluster_id, texts[row.comment_id]) for row in nearest]
    exact_copy = any(clustering.exact_key(body) == clustering.exact_key(c.text) for c in candidates)
    return clustering.choose_cluster(body, candidates, threshold), not exact_copy


def post_comment(
    session: Session,
    principal: Principal | None,
    bill_id: int,
    *,
    eid: object,
    body: object,
    quote: object = None,
    reply_to: object = None,
    settings: ConsultationSettings,
) -> Comment:
    """Post a citizen's comment, or a reply in a thread, on a provision of the consulted version."""
    eventlog.acquire_append_lock(session)
    actor = check_may_comment(session, principal)
    now = eventlog.utcnow()
    get_bill(session, bill_id)
    consultation = open_consultation_of(session, bill_id, now)
    try:
        text = check_body(body)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    parent: Comment | None = None
    if reply_to is not None:
        if not isinstance(reply_to, int) or isinstance(reply_to, bool):
            raise ValidationFailed(f"reply_to must be a comment id; found {reply_to!r}")
        parent = session.get(Comment, reply_to)
        if parent is None or parent.bill_id != bill_id or parent.state != CommentState.VISIBLE:
            raise NotFound(f"bill {bill_id} has no visible comment {reply_to} to reply to")
        if parent.consultation_id != consultation.id:
            raise ConsultationClosed(f"comment {reply_to} belongs to a consultation that has closed")
        if eid is None:
            eid = parent.eid
    if not isinstance(eid, str) or not eid:
        raise ValidationFailed("eid must name a provision of the bill, e.g. \"sec_1\"")
    if parent is not None and eid != parent.eid:
        raise ValidationFailed(f"a reply is about the provision of its comment ({parent.eid}), not {eid}")
    texts = expression_text(session, expression_of(session, bill_id, consultation.version).document_sha256)
    provision = texts.by_eid.get(eid)
    if provision is None:
        raise NotFound(f"version {consultation.version} of bill {bill_id} has no provision {eid}", eid=eid)
    wid, provision_text = provision
    try:
        checked_quote = check_quote(quote, provision_text, eid)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    held = _hold_reason(session, actor, text, settings, now)
    comment_id = (session.scalar(select(func.max(Comment.id))) or 0) + 1
    cluster, indexed = _cluster_of(session, consultation.id, clustering.band_keys(text), text,
                                   settings.cluster_threshold)
    state = CommentState.HELD if held else CommentState.VISIBLE
    eventlog.append(
        session,
        draft(
            comment_stream(comment_id), ConsultationEvent.COMMENT_POSTED, actor,
            # Held comments are not public: they stay out of the bill's room and feed until a clerk releases them.
            bill_id if state is CommentState.VISIBLE else None,
            {
                "comment_id": comment_id, "consultation_id": consultation.id, "bill_id": bill_id, "eid": eid,
                "wid": wid, "version": consultation.version, "quote": checked_quote, "body": text,
                "reply_to": parent.id if parent else None, "state": state.value, "held_because": held,
                "cluster_id": cluster if cluster is not None else comment_id, "indexed": indexed,
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    comment = session.get(Comment, comment_id)
    assert comment is not None  # the projector has just inserted it
    return comment


@projections.projects(ConsultationEvent.COMMENT_POSTED)
def _project_comment_posted(session: Session, record: EventRecord) -> None:
    data = record.data
    comment_id = data["comment_id"]
    session.add(
        Comment(
            id=comment_id, consultation_id=data["consultation_id"], bill_id=data["bill_id"], eid=data["eid"],
            wid=data["wid"], version=data["version"], quote=data["quote"], body=data["body"],
            author_id=record.actor_id or 0, reply_to=data["reply_to"], state=data["state"],
            state_reason=data["held_because"], created_at=record.occurred_at, edited_at=None, endorsements=0,
            flags=0, flags_pending=0, cluster_id=data["cluster_id"], fate=None, event_id=record.id,
        )
    )
    if data["indexed"]:
        session.execute(
            insert(CommentKey),
            [
                {"consultation_id": data["consultation_id"], "key": key, "comment_id": comment_id,
                 "cluster_id": data["cluster_id"]}
                for key in clustering.band_keys(data["body"])
            ],
        )
    session.flush()


# --- changing one's own comment ----------------------------------------------------------------------------


def _own_comment(session: Session, principal: Principal | None, comment_id: int, settings: ConsultationSettings,
                 now: datetime) -> tuple[Principal, Comment]:
    actor = require(principal)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.state == CommentState.DELETED:
        raise NotFound(f"there is no comment {comment_id}")
    if comment.author_id != actor.user_id:
        raise Forbidden("only its author may change a comment")
    if comment.state == CommentState.HIDDEN:
        raise Forbidden(f"comment {comment_id} was hidden by a moderator and cannot be changed")
    if not within_edit_window(comment.created_at, now, settings.edit_window_seconds):
        minutes = settings.edit_window_seconds // 60
        raise EditWindowClosed(f"a comment can be changed only in the {minutes} minutes after it was posted")
    return actor, comment


def edit_comment(
    session: Session, principal: Principal | None, comment_id: int, *, body: object, settings: ConsultationSettings
) -> Comment:
    """Replace the body of one's own comment, shortly after posting it; abusive edits are held."""
    eventlog.acquire_append_lock(session)
    now = eventlog.utcnow()
    actor, comment = _own_comment(session, principal, comment_id, settings, now)
    try:
        text = check_body(body)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    matched = settings.lexicon.matches(text)
    state = CommentState.HELD if matched or comment.state == CommentState.HELD else CommentState.VISIBLE
    reason = "abusive language: " + ", ".join(sorted(set(matched))) if matched else comment.state_reason
    # A visible comment that becomes held must leave the room: its removal is the public part of this event.
    public = comment.state == CommentState.VISIBLE and state is CommentState.VISIBLE
    eventlog.append(
        session,
        draft(
            comment_stream(comment_id), ConsultationEvent.COMMENT_EDITED, actor,
            comment.bill_id if public else None,
            {"comment_id": comment_id, "body": text if public else None, "private_body": None if public else text,
             "state": state.value, "held_because": reason if state is CommentState.HELD else None},
        ),
        projector=projections.apply,
    )
    return comment


@projections.projects(ConsultationEvent.COMMENT_EDITED)
def _project_comment_edited(session: Session, record: EventRecord) -> None:
    data = record.data
    comment = session.get(Comment, data["comment_id"])
    assert comment is not None
    comment.body = data["body"] if data["body"] is not None else data["private_body"]
    comment.state = data["state"]
    comment.state_reason = data["held_because"]
    comment.edited_at = record.occurred_at
    session.flush()


def delete_comment(
    session: Session, principal: Principal | None, comment_id: int, *, settings: ConsultationSettings
) -> None:
    """Withdraw one's own comment, shortly after posting it."""
    eventlog.acquire_append_lock(session)
    actor, comment = _own_comment(session, principal, comment_id, settings, eventlog.utcnow())
    eventlog.append(
        session,
        draft(comment_stream(comment_id), ConsultationEvent.COMMENT_DELETED, actor, comment.bill_id,
                       {"comment_id": comment_id}),
        projector=projections.apply,
    )


@projections.projects(ConsultationEvent.COMMENT_DELETED)
def _project_comment_deleted(session: Session, record: EventRecord) -> None:
    comment = session.get(Comment, record.data["comment_id"])
    assert comment is not None
    comment.state = CommentState.DELETED
    session.flush()


# --- endorsing ---------------------------------------------------------------------------------------------


def visible_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.state != CommentState.VISIBLE:
        raise NotFound(f"there is no visible comment {comment_id}")
    return comment


def endorse_comment(session: Session, principal: Principal | None, comment_id: int) -> Comment:
    """A citizen's endorsement of someone else's comment, once per citizen, while the consultation is open."""
    eventlog.acquire_append_lock(session)
    actor = check_may_comment(session, principal)
    comment = visible_comment(session, comment_id)
    if comment.author_id == actor.user_id:
        raise Forbidden("you cannot endorse your own comment")
    consultation = session.get(Consultation, comment.consultation_id)
    assert consultation is not None
    state = window_state(consultation.opens_at, consultation.closes_at, eventlog.utcnow())
    if state is not WindowState.OPEN:
        raise ConsultationClosed(closed_window_message(state, consultation.opens_at, consultation.closes_at))
    already = session.scalar(
        select(CommentEndorsement.id).where(
            CommentEndorsement.comment_id == comment_id, CommentEndorsement.user_id == actor.user_id
        )
    )
    if already is not None:
        raise AlreadyDone(f"you have already endorsed comment {comment_id}")
    eventlog.append(
        session,
        draft(comment_stream(comment_id), ConsultationEvent.COMMENT_ENDORSED, actor, comment.bill_id,
                       {"comment_id": comment_id}),
        projector=projections.apply,
    )
    return comment


@projections.projects(ConsultationEvent.COMMENT_ENDORSED)
def _project_comment_endorsed(session: Session, record: EventRecord) -> None:
    comment = session.get(Comment, record.data["comment_id"])
    assert comment is not None
    comment.endorsements += 1
    session.add(CommentEndorsement(comment_id=comment.id, user_id=record.actor_id or 0,
                                   created_at=record.occurred_at))
    session.flush()

