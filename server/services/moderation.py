"""Moderation: flags, the clerk's queue, hiding and restoring comments with a public reason, suspending accounts.

Every act is an event. Flags and suspensions are private (no ``bill_id``, so they never reach a public room);
hiding and restoring are public, because readers must see that a comment went and why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from server.domain.consultation import (
    HELD_AS_DISOWNED,
    CommentState,
    ConsultationEvent,
    FlagReason,
    RuleBroken,
    check_reason,
    comment_stream,
    hold_reason,
)
from server.domain.events import user_stream
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import AlreadyDone, Conflict, Forbidden, NotFound, ValidationFailed
from server.services.bills import provision_citation
from server.services.commenters import commenter_recipients
from server.services.consultation import draft, rule_error
from server.services.consultation_comments import author_since
from server.services.mail import Mail
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.consultation_models import Comment, CommentFlag, ModerationAct
from server.store.models import Bill, EventRecord, User

MODERATORS = (Role.CLERK, Role.ADMIN)


class ModerationAction:
    HIDE = "hide"
    RESTORE = "restore"


def _reason(value: object, *, required: bool) -> str:
    try:
        return check_reason(value, required=required)
    except RuleBroken as broken:
        raise rule_error(broken) from broken


def _record_act(session: Session, record: EventRecord, action: str, *, comment_id: int | None = None,
                user_id: int | None = None, reason: str = "") -> None:
    session.add(ModerationAct(event_id=record.id, action=action, comment_id=comment_id, user_id=user_id,
                              reason=reason, actor_id=record.actor_id, created_at=record.occurred_at))


# --- flags -------------------------------------------------------------------------------------------------


def flag_comment(
    session: Session, principal: Principal | None, comment_id: int, *, reason: object, note: object = None
) -> CommentFlag:
    """Report a visible comment to the clerks, once per account and comment; a citizen who signed up only once
    their address is confirmed, as for commenting (each report reaches a clerk's queue)."""
    actor = require(principal)
    try:
        parsed = FlagReason(str(reason))
    except ValueError:
        raise ValidationFailed(wording("reason must be one of %(reasons)s; found %(found)r",
                                       reasons=", ".join(r.value for r in FlagReason), found=reason)) from None
    text = _reason(note, required=False)
    eventlog.acquire_append_lock(session)
    author_since(session, actor)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.state != CommentState.VISIBLE:
        raise NotFound(wording("there is no visible comment %(comment)d", comment=comment_id))
    if comment.author_id == actor.user_id:
        raise Forbidden(wording("you cannot flag your own comment; withdraw it or report it as not yours"))
    existing = session.scalar(
        select(CommentFlag).where(CommentFlag.comment_id == comment_id, CommentFlag.user_id == actor.user_id)
    )
    if existing is not None:
        raise AlreadyDone(wording("you have already flagged comment %(comment)d", comment=comment_id))
    eventlog.append(
        session,
        draft(comment_stream(comment_id), ConsultationEvent.COMMENT_FLAGGED, actor, None,
              {"comment_id": comment_id, "reason": parsed.value, "note": text}),
        projector=projections.apply,
    )
    flag = session.scalar(
        select(CommentFlag).where(CommentFlag.comment_id == comment_id, CommentFlag.user_id == actor.user_id)
    )
    assert flag is not None
    return flag


@projections.projects(ConsultationEvent.COMMENT_FLAGGED)
def _project_comment_flagged(session: Session, record: EventRecord) -> None:
    data = record.data
    comment = session.get(Comment, data["comment_id"])
    assert comment is not None
    comment.flags += 1
    comment.flags_pending += 1
    session.add(CommentFlag(comment_id=comment.id, user_id=record.actor_id or 0, reason=data["reason"],
                            note=data["note"], created_at=record.occurred_at))
    session.flush()


DISOWNED_REASON = str(HELD_AS_DISOWNED)


def disown_comment(session: Session, principal: Principal | None, comment_id: int, *, note: object = None) -> None:
    """"This was not me": the account holder says someone else wrote a comment in their name.

    The comment is withdrawn from view at once and goes to the clerks' queue, since the account is likely taken
    over; the account holder cannot be the one who decides it was genuine after all.
    """
    actor = require(principal)
    text = _reason(note, required=False)
    eventlog.acquire_append_lock(session)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.author_id != actor.user_id:
        raise NotFound(wording("you have no comment %(comment)d", comment=comment_id))
    if comment.state in {CommentState.DELETED, CommentState.HIDDEN}:
        raise Conflict(wording("comment %(comment)d is already out of view", comment=comment_id))
    if comment.state == CommentState.HELD and comment.state_reason == DISOWNED_REASON:
        # Each report would count again in the clerks' queue and log another act for the same fact.
        raise AlreadyDone(wording("comment %(comment)d is already reported as not yours and waits for a clerk",
                                  comment=comment_id))
    was_visible = comment.state == CommentState.VISIBLE
    # The note is for the clerks (it may name who took the account over): the report is not a bill event, which
    # anyone following the bill receives. The bill's room learns only that the comment left view.
    eventlog.append(
        session,
        draft(comment_stream(comment_id), ConsultationEvent.COMMENT_DISOWNED, actor, None,
              {"comment_id": comment_id, "note": text}),
        projector=projections.apply,
    )
    if was_visible:
        eventlog.append(
            session,
            draft(comment_stream(comment_id), ConsultationEvent.COMMENT_HELD, actor, comment.bill_id,
                  {"comment_id": comment_id}),
        )


@projections.projects(ConsultationEvent.COMMENT_DISOWNED)
def _project_comment_disowned(session: Session, record: EventRecord) -> None:
    data = record.data
    comment = session.get(Comment, data["comment_id"])
    assert comment is not None
    comment.state = CommentState.HELD
    comment.state_reason = DISOWNED_REASON
    comment.flags_pending += 1
    _record_act(session, record, "disowned", comment_id=comment.id, reason=data["note"])
    session.flush()


# --- the clerks' queue and decisions -----------------------------------------------------------------------


def _waiting() -> ColumnElement[bool]:
    """What the queue holds: held comments, and visible ones with flags not yet looked at."""
    return or_(Comment.state == CommentState.HELD,
               (Comment.state == CommentState.VISIBLE) & (Comment.flags_pending > 0))


@dataclass(frozen=True)
class Stretch:
    """Where one page of a list stands in the whole: how many items the list holds now, and how many come before
    the page (a keyset page knows only where it starts, not its rank)."""

    total: int
    before: int


def _stretch(session: Session, chosen: ColumnElement[bool], page: PageRequest, *, descending: bool = False
             ) -> Stretch:
    if page.after is None:
        total = session.scalar(select(func.count()).select_from(Comment).where(chosen)) or 0
        return Stretch(total, 0)
    # ``after`` is the key of the previous page's last item: it and all on its side come before.
    earlier = Comment.id >= page.after if descending else Comment.id <= page.after
    row = session.execute(select(func.count(), func.count(case((earlier, 1)))).select_from(Comment)
                          .where(chosen)).one()
    return Stretch(int(row[0]), int(row[1]))


def queue_stretch(session: Session, principal: Principal | None, page: PageRequest) -> Stretch:
    """How many comments wait for a clerk, and how many of them come before ``page`` of the queue."""
    require(principal, *MODERATORS)
    return _stretch(session, _waiting(), page)


def queue_page(session: Session, principal: Principal | None, page: PageRequest) -> Page[dict[str, Any]]:
    """One keyset page of the moderation queue, oldest first."""
    require(principal, *MODERATORS)
    found = keyset(session, select(Comment).where(_waiting()), Comment.id, page)
    return Page(_queued_items(session, found.items), found.next_after)


def queued_comments(session: Session, principal: Principal | None, ids: Collection[int]) -> list[dict[str, Any]]:
    """Those of comments ``ids`` that wait for a clerk now, oldest first, as :func:`queue_page` gives them: what the
    moderation page draws of the comments the moderation room says reached the queue while it was open."""
    require(principal, *MODERATORS)
    rows = session.scalars(select(Comment).where(_waiting(), Comment.id.in_(ids)).order_by(Comment.id))
    return _queued_items(session, list(rows))


def _queued_items(session: Session, rows: list[Comment]) -> list[dict[str, Any]]:
    """The queue's items for ``rows``: each comment with its reports, and what its holder said disowning it."""
    flags: dict[int, list[dict[str, Any]]] = {}
    disowned: dict[int, dict[str, Any]] = {}
    if rows:
        ids = [c.id for c in rows]
        for flag in session.scalars(select(CommentFlag).where(CommentFlag.comment_id.in_(ids))):
            flags.setdefault(flag.comment_id, []).append(
                {"reason": flag.reason, "note": flag.note, "by": flag.user_id,
                 "at": flag.created_at.isoformat() + "Z"}
            )
        # What the account holder said when reporting the comment as not theirs: the latest report.
        for act in session.scalars(select(ModerationAct).where(ModerationAct.comment_id.in_(ids),
                                                               ModerationAct.action == "disowned")
                                   .order_by(ModerationAct.event_id)):
            disowned[act.comment_id or 0] = {"note": act.reason or None, "at": act.created_at.isoformat() + "Z"}
    return [
        {
            "id": c.id, "bill_id": c.bill_id, "eid": c.eid, "body": c.body, "author": c.author_id,
            "state": c.state,
            # English in the API, as recorded; a page shows it in its reader's language.
            "held_because": (hold_reason(c.state_reason) if c.state == CommentState.HELD and c.state_reason is not None
                             else None),
            "flags": flags.get(c.id, []), "disowned": disowned.get(c.id) if c.state == CommentState.HELD else None,
            "created_at": c.created_at.isoformat() + "Z",
        }
        for c in rows
    ]


def hidden_stretch(session: Session, principal: Principal | None, page: PageRequest) -> Stretch:
    """How many comments are hidden, and how many of them come before ``page`` of :func:`hidden_page`."""
    require(principal, *MODERATORS)
    return _stretch(session, Comment.state == CommentState.HIDDEN, page, descending=True)


def hidden_page(session: Session, principal: Principal | None, page: PageRequest) -> Page[dict[str, Any]]:
    """The comments a moderator hid, the latest first, with their words, one keyset page: a hidden comment leaves
    the queue, and a clerk reviewing the decision, or undoing it, must read what is restored."""
    require(principal, *MODERATORS)
    found = keyset(session, select(Comment).where(Comment.state == CommentState.HIDDEN), Comment.id, page,
                   descending=True)
    return Page([_hidden_item(c) for c in found.items], found.next_after)


def hidden_comments(session: Session, principal: Principal | None, ids: Collection[int]) -> list[dict[str, Any]]:
    """Those of comments ``ids`` that are hidden now, the latest first, as :func:`hidden_page` gives them."""
    require(principal, *MODERATORS)
    rows = session.scalars(select(Comment).where(Comment.state == CommentState.HIDDEN, Comment.id.in_(ids))
                           .order_by(Comment.id.desc()))
    return [_hidden_item(c) for c in rows]


def _hidden_item(c: Comment) -> dict[str, Any]:
    return {"id": c.id, "bill_id": c.bill_id, "eid": c.eid, "body": c.body, "author": c.author_id,
            "reason": c.state_reason}


def moderate(
    session: Session, principal: Principal | None, comment_id: int, *, action: object, reason: object
) -> Comment:
    """Hide a comment with a public reason, or restore (publish) a hidden, held or flagged one."""
    actor = require(principal, *MODERATORS)
    if action not in {ModerationAction.HIDE, ModerationAction.RESTORE}:
        raise ValidationFailed(wording("action must be 'hide' or 'restore'; found %(found)r", found=action))
    text = _reason(reason, required=action == ModerationAction.HIDE)
    eventlog.acquire_append_lock(session)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.state == CommentState.DELETED:
        raise NotFound(wording("there is no comment %(comment)d", comment=comment_id))
    if action == ModerationAction.HIDE and comment.state == CommentState.HIDDEN:
        raise Conflict(wording("comment %(comment)d is already hidden", comment=comment_id))
    if action == ModerationAction.RESTORE and comment.state == CommentState.VISIBLE and not comment.flags_pending:
        raise Conflict(wording("comment %(comment)d is visible and waits for no decision", comment=comment_id))
    event_type = ConsultationEvent.COMMENT_HIDDEN if action == ModerationAction.HIDE else (
        ConsultationEvent.COMMENT_RESTORED
    )
    eventlog.append(
        session,
        draft(comment_stream(comment_id), event_type, actor, comment.bill_id,
              {"comment_id": comment_id, "reason": text, "eid": comment.eid}),
        projector=projections.apply,
    )
    return comment


def decision_mail(session: Session, comment: Comment, public_url: str) -> list[Mail]:
    """What tells a comment's author, in their language, that a moderator hid or published it, and why (the reason
    readers see, as the moderator wrote it)."""
    bill = session.get(Bill, comment.bill_id)
    assert bill is not None
    where = provision_citation(session, comment.bill_id, comment.eid)
    link = f"{public_url.rstrip('/')}/bills/{comment.bill_id}?eid={comment.eid}"
    if comment.state == CommentState.HIDDEN:
        subject = wording("Your comment on %(bill)s was hidden", bill=bill.title)
        text = wording("A moderator hid your comment on %(where)s of the %(bill)s. Readers see in its place: "
                       "\"hidden: %(reason)s\".\n\nYour words were:\n\n%(body)s\n\n"
                       "If you think this is a mistake, write to the clerks of the consultation.\n",
                       where=where, bill=bill.title, reason=comment.state_reason, body=comment.body)
    else:
        subject = wording("Your comment on %(bill)s is published", bill=bill.title)
        text = wording("A moderator published your comment on %(where)s of the %(bill)s.\n\n"
                       "Read it beside the bill: %(link)s\n", where=where, bill=bill.title, link=link)
    authors = select(Comment.author_id).where(Comment.id == comment.id)
    return [Mail(to=recipient.address, subject=subject, text=text).in_language(recipient.language)
            for recipient in commenter_recipients(session, authors)]


@projections.projects(ConsultationEvent.COMMENT_HIDDEN)
def _project_comment_hidden(session: Session, record: EventRecord) -> None:
    comment = session.get(Comment, record.data["comment_id"])
    assert comment is not None
    comment.state = CommentState.HIDDEN
    comment.state_reason = record.data["reason"]
    comment.flags_pending = 0
    _record_act(session, record, ModerationAction.HIDE, comment_id=comment.id, reason=record.data["reason"])
    session.flush()


@projections.projects(ConsultationEvent.COMMENT_RESTORED)
def _project_comment_restored(session: Session, record: EventRecord) -> None:
    comment = session.get(Comment, record.data["comment_id"])
    assert comment is not None
    comment.state = CommentState.VISIBLE
    comment.state_reason = None
    comment.flags_pending = 0
    _record_act(session, record, ModerationAction.RESTORE, comment_id=comment.id, reason=record.data["reason"])
    session.flush()


# --- accounts ----------------------------------------------------------------------------------------------


def set_suspended(
    session: Session, principal: Principal | None, user_id: int, *, suspended: bool, reason: object
) -> User:
    """Suspend an account (its tokens and session stop working at once) or reinstate it."""
    actor = require(principal, *MODERATORS)
    text = _reason(reason, required=suspended)
    eventlog.acquire_append_lock(session)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(wording("there is no user %(user)d", user=user_id))
    if user.id == actor.user_id:
        raise Forbidden(wording("you cannot suspend or reinstate your own account"))
    if user.role in {Role.CLERK.value, Role.ADMIN.value} and actor.role is not Role.ADMIN:
        raise Forbidden(wording("only an admin may suspend a clerk or an admin"))
    if user.suspended == suspended:
        raise Conflict(wording("user %(user)d is already suspended", user=user_id) if suspended
                       else wording("user %(user)d is already active", user=user_id))
    eventlog.append(
        session,
        draft(user_stream(user_id),
              ConsultationEvent.ACCOUNT_SUSPENDED if suspended else ConsultationEvent.ACCOUNT_REINSTATED,
              actor, None, {"user_id": user_id, "reason": text}),
        projector=projections.apply,
    )
    return user


@projections.projects(ConsultationEvent.ACCOUNT_SUSPENDED)
def _project_account_suspended(session: Session, record: EventRecord) -> None:
    user = session.get(User, record.data["user_id"])
    assert user is not None
    user.suspended = True
    _record_act(session, record, "suspend", user_id=user.id, reason=record.data["reason"])
    session.flush()


@projections.projects(ConsultationEvent.ACCOUNT_REINSTATED)
def _project_account_reinstated(session: Session, record: EventRecord) -> None:
    user = session.get(User, record.data["user_id"])
    assert user is not None
    user.suspended = False
    _record_act(session, record, "reinstate", user_id=user.id, reason=record.data["reason"])
    session.flush()


def history(session: Session, principal: Principal | None, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest moderation acts, newest first."""
    return history_page(session, principal, PageRequest(limit=limit)).items


def history_page(session: Session, principal: Principal | None, page: PageRequest) -> Page[dict[str, Any]]:
    """One keyset page of moderation acts, newest first (``after`` is the last event id seen)."""
    require(principal, *MODERATORS)
    found = keyset(session, select(ModerationAct), ModerationAct.event_id, page, descending=True)
    items = [
        {"event_id": a.event_id, "action": a.action, "comment_id": a.comment_id, "user_id": a.user_id,
         "reason": a.reason, "by": a.actor_id, "at": a.created_at.isoformat() + "Z"}
        for a in found.items
    ]
    return Page(items, found.next_after)
