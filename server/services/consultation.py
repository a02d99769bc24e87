"""Consultations: a clerk opens a comment window on a published version of a bill.

Also what the other consultation services share: the configurable rules, the text of a published version (where
comments are anchored by wId and quote), and the translation of broken domain rules into client errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain import consultation_clustering as clustering
from server.domain.consultation import (
    BurstRule,
    ConsultationEvent,
    RuleBroken,
    WindowState,
    check_questions,
    check_window,
    closed_window_message,
    consultation_stream,
    utc_minute,
    window_state,
    windows_overlap,
)
from server.domain.consultation_lexicon import Lexicon, build_lexicon
from server.domain.events import EventDraft
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import (
    ConsultationClosed,
    ConsultationOverlap,
    NotFound,
    NothingToCommentOn,
    ParleyError,
    PayloadTooLarge,
    QuoteNotFound,
    ValidationFailed,
)
from server.services.bills import get_bill, load_document
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.consultation_models import Consultation
from server.store.kept import KeptByDigest
from server.store.models import EventRecord, Expression

_RULE_ERRORS: dict[str, type[ParleyError]] = {
    "invalid": ValidationFailed,
    "too_large": PayloadTooLarge,
    "quote_not_found": QuoteNotFound,
}


def draft(stream: str, type_: str, actor: Principal | None, bill_id: int | None, data: dict[str, Any]) -> EventDraft:
    """An event of the consultation feature; ``bill_id`` None keeps it out of the bill's public room and history."""
    return EventDraft(stream=stream, type=type_, data=data, actor_id=actor.actor_id if actor else None,
                      bill_id=bill_id)


def rule_error(error: RuleBroken) -> ParleyError:
    """The client-facing error of a broken domain rule, naming the field to fix when the rule does."""
    details = {"field": error.field} if error.field else {}
    return _RULE_ERRORS.get(error.kind, ValidationFailed)(error.message, **details)


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


_TEXTS: KeptByDigest[ExpressionText] = KeptByDigest(16)


def expression_text(session: Session, sha256: str) -> ExpressionText:
    """The provisions of a stored document; kept, since stored documents never change."""
    return _TEXTS.get(sha256, lambda: _expression_text(session, sha256))


def _expression_text(session: Session, sha256: str) -> ExpressionText:
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
    return ExpressionText(by_eid, by_wid)


def expression_of(session: Session, bill_id: int, version: int) -> Expression:
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == version)
    )
    if expression is None:
        raise NotFound(wording("bill %(bill)d has no version %(version)d", bill=bill_id, version=version))
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
    """Open a comment window on the bill's current published version (clerks only); it must close in the future."""
    actor = require(principal, Role.CLERK, Role.ADMIN)
    try:
        check_window(opens_at, closes_at, eventlog.utcnow())
        guiding = check_questions(questions)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    eventlog.acquire_append_lock(session)
    bill = get_bill(session, bill_id)
    for other in session.scalars(select(Consultation).where(Consultation.bill_id == bill_id)):
        if windows_overlap((opens_at, closes_at), (other.opens_at, other.closes_at)):
            raise ConsultationOverlap(wording(
                "this bill already has a consultation from %(opens)s to %(closes)s, and a bill's consultations may "
                "not overlap: open this one after it closes", opens=utc_minute(other.opens_at),
                closes=utc_minute(other.closes_at)), consultation_id=other.id)
    expression = expression_of(session, bill_id, bill.current_version)
    if not expression_text(session, expression.document_sha256).by_eid:
        # Comments are about provisions: a window on a text without any (articles named by `xml:id` alone, no
        # eId) would say it is open and take none.
        raise NothingToCommentOn(wording(
            "version %(version)d of bill %(bill)d has no provision a comment could be about (none has an eId): a "
            "consultation on it could take no comments",
            version=expression.version, bill=bill_id))
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
                # Published in feeds and webhooks: UTC says so, as every other time of the API.
                "opens_at": opens_at.isoformat() + "Z",
                "closes_at": closes_at.isoformat() + "Z",
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
    get_bill(session, bill_id)  # a bill that does not exist is not found, rather than closed
    raise ConsultationClosed(wording("bill %(bill)d has no public consultation; comments are not open", bill=bill_id))


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


def _naive_utc(written: str) -> datetime:
    """A time of an event's data as the database keeps times (naive UTC); earlier events wrote it without a Z."""
    moment = datetime.fromisoformat(written)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@projections.projects(ConsultationEvent.CONSULTATION_OPENED)
def _project_consultation_opened(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(
        Consultation(
            id=data["consultation_id"],
            bill_id=data["bill_id"],
            version=data["version"],
            expression_uri=data["expression_uri"],
            opens_at=_naive_utc(data["opens_at"]),
            closes_at=_naive_utc(data["closes_at"]),
            questions=list(data["questions"]),
            opened_by=record.actor_id,
            created_at=record.occurred_at,
        )
    )
    session.flush()
