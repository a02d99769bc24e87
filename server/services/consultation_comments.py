"""Comments: citizens post them on provisions (or reply in threads), endorse others', and change or withdraw
their own shortly after posting.

Each use case checks its rules under the log's append lock, then appends one event; the read models change only
in the projectors below. A new comment is placed in its campaign cluster when it is posted (see
``server.domain.consultation_clustering``), and held for a clerk when the abuse lexicon or the burst rule says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from server.domain import consultation_clustering as clustering
from server.domain.consultation import (
    HELD_FOR_BURST,
    CommentState,
    ConsultationEvent,
    RuleBroken,
    WindowState,
    abusive_language,
    check_body,
    check_quote,
    closed_window_message,
    comment_stream,
    window_state,
    within_edit_window,
)
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import (
    AlreadyDone,
    CommentAnswered,
    ConsultationClosed,
    EditWindowClosed,
    EmailNotVerified,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from server.services import publication, registration
from server.services.bills import provision_citation
from server.services.consultation import (
    ConsultationSettings,
    draft,
    expression_text,
    open_consultation_of,
    rule_error,
)
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.consultation_models import (
    CitizenSignup,
    Comment,
    CommentAnswer,
    CommentEndorsement,
    CommentKey,
    Consultation,
)
from server.store.models import Bill, EventRecord, Expression, User

# --- posting -----------------------------------------------------------------------------------------------


_users = cast(Table, User.__table__)
_signups = cast(Table, CitizenSignup.__table__)
# What a post needs of its author, in one statement: it is on the path of every comment.
_AUTHOR = (
    select(_users.c.created_at, _users.c.suspended, _signups.c.verified, _signups.c.email)
    .select_from(_users.outerjoin(_signups, _signups.c.user_id == _users.c.id))
    .where(_users.c.id == bindparam("user_id"))
)


# The statements of the post path, built once: every comment runs them, and building a statement costs more in
# Python than SQLite takes to run it.
_comments = cast(Table, Comment.__table__)
_keys = cast(Table, CommentKey.__table__)
_consultations = cast(Table, Consultation.__table__)
_expressions = cast(Table, Expression.__table__)
_bills = cast(Table, Bill.__table__)
# A comment is on the text the public reads: the latest published version, which is the one the consultation was
# opened on until a new version is published while it is open. Each comment keeps the version it was made on.
_WINDOWS = (
    select(_consultations.c.id, _bills.c.current_version.label("version"), _consultations.c.opens_at,
           _consultations.c.closes_at, _expressions.c.document_sha256)
    .select_from(_consultations
                 .join(_bills, _bills.c.id == _consultations.c.bill_id)
                 .join(_expressions, (_expressions.c.bill_id == _bills.c.id)
                       & (_expressions.c.version == _bills.c.current_version)))
    .where(_consultations.c.bill_id == bindparam("bill_id"))
    .order_by(_consultations.c.id)
)
_LAST_COMMENT_ID = select(func.max(_comments.c.id))
_RECENT_POSTS = select(func.count()).select_from(_comments).where(
    _comments.c.author_id == bindparam("author_id"), _comments.c.created_at >= bindparam("since"))
_shared = func.count().label("shared")
# Grouped by comment alone (a comment's keys all carry its cluster): grouped by (comment, cluster) as well,
# SQLite's planner preferred the cluster index, whose order suits that grouping, and walked every key of the
# consultation for each post, 7 ms at 800 comments and growing. Now it reads only the rows of the new keys.
_NEAREST = (
    select(_keys.c.comment_id, func.max(_keys.c.cluster_id).label("cluster_id"), _shared)
    .where(_keys.c.consultation_id == bindparam("consultation_id"),
           _keys.c.key.in_(bindparam("keys", expanding=True)))
    .group_by(_keys.c.comment_id)
    .order_by(_shared.desc(), _keys.c.comment_id)
    .limit(clustering.MAX_CANDIDATES)
)
_BODIES = select(_comments.c.id, _comments.c.body).where(_comments.c.id.in_(bindparam("ids", expanding=True)))
_INDEXED_MEMBERS = (
    select(_keys.c.comment_id)
    .where(_keys.c.consultation_id == bindparam("consultation_id"), _keys.c.cluster_id == bindparam("cluster_id"))
    .distinct().limit(clustering.MAX_INDEXED_PER_CLUSTER)
)
_INSERT_COMMENT = insert(_comments)
_answers = cast(Table, CommentAnswer.__table__)
# The fate the latest answer to a whole cluster gave it: a form letter that joins the campaign later shares it.
_CLUSTER_FATE = (
    select(_answers.c.fate)
    .where(_answers.c.consultation_id == bindparam("consultation_id"), _answers.c.cluster_id == bindparam("cluster_id"),
           _answers.c.comment_id.is_(None))
    .order_by(_answers.c.id.desc()).limit(1)
)
_INSERT_KEYS = insert(_keys)
# An answer to the comment, or to its whole cluster (cluster ids are comment ids, unique across consultations).
_ANSWERED = select(_answers.c.id).where(
    (_answers.c.comment_id == bindparam("comment_id"))
    | (_answers.c.comment_id.is_(None) & (_answers.c.cluster_id == bindparam("cluster_id")))
).limit(1)


def author_since(session: Session, actor: Principal) -> datetime:
    """When the citizen's account was made; refuses an unverified address or a suspended account."""
    row = session.connection().execute(_AUTHOR, {"user_id": actor.user_id}).first()
    if row is None or row.suspended:
        raise Forbidden(wording("this account is suspended; it can no longer make changes"))
    if row.verified is not None and not row.verified:
        if not row.email:
            # Its address's owner cancelled the sign-up: no confirmation mail can reach it, so none is offered.
            raise registration.disowned_refusal()
        raise EmailNotVerified(wording("confirm your email address first: follow the link in the message we sent "
                                       "you"))
    created_at: datetime = row.created_at
    return created_at


def check_may_comment(session: Session, principal: Principal | None) -> Principal:
    """Citizens comment; those who signed up themselves only once their address is verified."""
    actor = require(principal, Role.CITIZEN)
    author_since(session, actor)
    return actor


def _hold_reason(
    session: Session, actor: Principal, account_since: datetime, body: str, settings: ConsultationSettings,
    now: datetime,
) -> str | None:
    """Why a new comment waits for a clerk before it is published, if it must."""
    matched = settings.lexicon.matches(body)
    if matched:
        return abusive_language(matched)
    if now - account_since >= timedelta(seconds=settings.burst.new_account_seconds):
        return None  # established accounts are not counted
    since = now - timedelta(seconds=settings.burst.window_seconds)
    recent = session.connection().scalar(_RECENT_POSTS, {"author_id": actor.user_id, "since": since})
    if settings.burst.is_burst(account_since, int(recent or 0), now):
        return str(HELD_FOR_BURST)
    return None


def _cluster_of(session: Session, consultation_id: int, keys: list[str], body: str, threshold: float
                ) -> tuple[int | None, bool]:
    """The cluster a new comment joins (None: it starts one), and whether its keys are worth indexing."""
    connection = session.connection()
    nearest = connection.execute(_NEAREST, {"consultation_id": consultation_id, "keys": keys}).all()
    if not nearest:
        return None, True
    texts = {row.id: row.body for row in connection.execute(_BODIES, {"ids": [row.comment_id for row in nearest]})}
    candidates = [clustering.Candidate(row.comment_id, row.cluster_id, texts[row.comment_id]) for row in nearest]
    exact_copy = any(clustering.exact_key(body) == clustering.exact_key(c.text) for c in candidates)
    cluster = clustering.choose_cluster(body, candidates, threshold)
    if exact_copy or cluster is None:
        return cluster, not exact_copy
    indexed_members = connection.execute(
        _INDEXED_MEMBERS, {"consultation_id": consultation_id, "cluster_id": cluster}).all()
    return cluster, len(indexed_members) < clustering.MAX_INDEXED_PER_CLUSTER


def _open_window(session: Session, bill_id: int, now: datetime) -> Row[int, int, datetime, datetime, str]:
    """The open consultation of the bill, with the version comments are made on now (the latest published) and its
    document; else the 409 that says when one opens."""
    for window in session.connection().execute(_WINDOWS, {"bill_id": bill_id}):
        if window_state(window.opens_at, window.closes_at, now) is WindowState.OPEN:
            return window
    open_consultation_of(session, bill_id, now)  # raises the error that says when comments are taken
    raise AssertionError("a consultation open now was not found by its window")


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
    """Post a citizen's comment, or a reply in a thread, on a provision of the latest published version."""
    eventlog.acquire_append_lock(session)
    actor = require(principal, Role.CITIZEN)
    account_since = author_since(session, actor)
    now = eventlog.utcnow()
    consultation = _open_window(session, bill_id, now)
    try:
        text = check_body(body)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    parent: Comment | None = None
    if reply_to is not None:
        if not isinstance(reply_to, int) or isinstance(reply_to, bool):
            raise ValidationFailed(wording("reply_to must be a comment id; found %(found)r", found=reply_to),
                                   field="reply_to")
        parent = session.get(Comment, reply_to)
        if parent is None or parent.bill_id != bill_id or parent.state != CommentState.VISIBLE:
            raise NotFound(wording("bill %(bill)d has no visible comment %(comment)d to reply to", bill=bill_id,
                                       comment=reply_to))
        if parent.consultation_id != consultation.id:
            raise ConsultationClosed(wording("comment %(comment)d belongs to a consultation that has closed",
                                             comment=reply_to))
        if eid is None:
            eid = parent.eid
    if not isinstance(eid, str) or not eid:
        raise ValidationFailed(wording("eid must name a provision of the bill, e.g. \"sec_1\""), field="eid")
    texts = expression_text(session, consultation.document_sha256)
    version = consultation.version
    if parent is not None:
        # A reply is made where its comment was made, and follows it into later versions with it; its client may
        # name that provision as it was then or as it stands in the version published since.
        standing = texts.by_wid.get(parent.wid)
        if eid != parent.eid and (standing is None or eid != standing[0]):
            raise ValidationFailed(wording("a reply is about the provision of its comment (%(parent)s), not %(eid)s",
                                           parent=parent.eid if standing is None else standing[0], eid=eid),
                                   field="eid")
        eid, version = parent.eid, parent.version
        if version != consultation.version:
            texts = expression_text(session, publication.version_of(session, bill_id, version).document_sha256)
    provision = texts.by_eid.get(eid)
    if provision is None:
        raise NotFound(wording("version %(version)d of bill %(bill)d has no provision %(eid)s",
                               version=version, bill=bill_id, eid=eid), eid=eid)
    wid, provision_text = provision
    try:
        checked_quote = check_quote(quote, provision_text, lambda: provision_citation(session, bill_id, eid))
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    held = _hold_reason(session, actor, account_since, text, settings, now)
    comment_id = (session.connection().scalar(_LAST_COMMENT_ID) or 0) + 1
    cluster, indexed = _cluster_of(session, consultation.id, clustering.band_keys(text), text,
                                   settings.cluster_threshold)
    state = CommentState.HELD if held else CommentState.VISIBLE
    fate = None if cluster is None else session.connection().scalar(
        _CLUSTER_FATE, {"consultation_id": consultation.id, "cluster_id": cluster})
    record = eventlog.append(
        session,
        draft(
            comment_stream(comment_id), ConsultationEvent.COMMENT_POSTED, actor,
            # Held comments are not public: they stay out of the bill's room and feed until a clerk releases them.
            bill_id if state is CommentState.VISIBLE else None,
            {
                "comment_id": comment_id, "consultation_id": consultation.id, "bill_id": bill_id, "eid": eid,
                "wid": wid, "version": version, "quote": checked_quote, "body": text,
                "reply_to": parent.id if parent else None, "state": state.value, "held_because": held,
                "cluster_id": cluster if cluster is not None else comment_id, "indexed": indexed,
                **({"fate": fate} if fate is not None else {}),
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    # The row as the projector wrote it, without reading it back.
    return Comment(**_comment_row(record))


def _comment_row(record: EventRecord) -> dict[str, Any]:
    """The ``comments`` row a ``comment.posted`` event makes."""
    data = record.data
    return {
        "id": data["comment_id"], "consultation_id": data["consultation_id"], "bill_id": data["bill_id"],
        "eid": data["eid"], "wid": data["wid"], "version": data["version"], "quote": data["quote"],
        "body": data["body"], "author_id": record.actor_id or 0, "reply_to": data["reply_to"],
        "state": data["state"], "state_reason": data["held_because"], "created_at": record.occurred_at,
        "edited_at": None, "endorsements": 0, "flags": 0, "flags_pending": 0, "cluster_id": data["cluster_id"],
        "fate": data.get("fate"), "event_id": record.id,
    }


@projections.projects(ConsultationEvent.COMMENT_POSTED)
def _project_comment_posted(session: Session, record: EventRecord) -> None:
    # Through the connection, not the unit of work: on the path of every post, the ORM's bookkeeping for one new
    # row costs more than the insert. Later reads in this transaction find the row in the table.
    data = record.data
    connection = session.connection()
    connection.execute(_INSERT_COMMENT, _comment_row(record))
    if data["indexed"]:
        connection.execute(
            _INSERT_KEYS,
            [
                {"consultation_id": data["consultation_id"], "key": key, "comment_id": data["comment_id"],
                 "cluster_id": data["cluster_id"]}
                for key in clustering.band_keys(data["body"])
            ],
        )


# --- changing one's own comment ----------------------------------------------------------------------------


def _own_comment(session: Session, principal: Principal | None, comment_id: int, settings: ConsultationSettings,
                 now: datetime) -> tuple[Principal, Comment]:
    actor = require(principal)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.state == CommentState.DELETED:
        raise NotFound(wording("there is no comment %(comment)d", comment=comment_id))
    if comment.author_id != actor.user_id:
        raise Forbidden(wording("only its author may change a comment"))
    if comment.state == CommentState.HIDDEN:
        raise Forbidden(wording("comment %(comment)d was hidden by a moderator and cannot be changed",
                                comment=comment_id))
    if not within_edit_window(comment.created_at, now, settings.edit_window_seconds):
        minutes = settings.edit_window_seconds // 60
        raise EditWindowClosed(wording("a comment can be changed only in the %(minutes)d minutes after it was posted",
                                       minutes=minutes))
    return actor, comment


def edit_comment(
    session: Session, principal: Principal | None, comment_id: int, *, body: object, settings: ConsultationSettings,
    quote: object = None,
) -> Comment:
    """Replace the body of one's own comment, shortly after posting it, unless Parliament has answered it (or its
    campaign); abusive edits are held. ``quote``, when
    sent, must be the comment's own: what a comment quotes anchors it to its words, and changed it would be
    another comment on other words (the same quote sent back with the new body changes nothing)."""
    eventlog.acquire_append_lock(session)
    quoted = session.get(Comment, comment_id)
    if quote is not None and quoted is not None and quote != quoted.quote:
        raise ValidationFailed(wording("a comment's quote cannot be changed, only its body: withdraw the comment and "
                                       "post it again to quote other words"), field="quote")
    now = eventlog.utcnow()
    actor, comment = _own_comment(session, principal, comment_id, settings, now)
    if _answered(session, comment):
        # The answer responds to these words: changed, it would read as answering what nobody said.
        raise CommentAnswered(wording("comment %(comment)d has been answered; an answered comment stays on the "
                                      "record as it was answered and can no longer be edited", comment=comment_id))
    # What the consultation received is fixed when it closes; withdrawing one's comment stays possible.
    consultation = session.get(Consultation, comment.consultation_id)
    if consultation is not None:
        window = window_state(consultation.opens_at, consultation.closes_at, now)
        if window is not WindowState.OPEN:
            raise ConsultationClosed(closed_window_message(window, consultation.opens_at, consultation.closes_at,
                                                           changing=True))
    try:
        text = check_body(body)
    except RuleBroken as broken:
        raise rule_error(broken) from broken
    matched = settings.lexicon.matches(text)
    state = CommentState.HELD if matched or comment.state == CommentState.HELD else CommentState.VISIBLE
    reason = abusive_language(matched) if matched else comment.state_reason
    was_visible = comment.state == CommentState.VISIBLE
    public = was_visible and state is CommentState.VISIBLE
    eventlog.append(
        session,
        draft(
            comment_stream(comment_id), ConsultationEvent.COMMENT_EDITED, actor, comment.bill_id if public else None,
            {"comment_id": comment_id, "body": text if public else None, "private_body": None if public else text,
             "state": state.value, "held_because": reason if state is CommentState.HELD else None},
        ),
        projector=projections.apply,
    )
    if was_visible and state is CommentState.HELD:
        # It must leave the room, the search index and every reader's page: this event says so publicly,
        # while the words that put it on hold stay in the private edit above.
        eventlog.append(
            session,
            draft(comment_stream(comment_id), ConsultationEvent.COMMENT_HELD, actor, comment.bill_id,
                  {"comment_id": comment_id}),
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
    """Withdraw one's own comment, shortly after posting it, unless Parliament has answered it (or its campaign):
    the answer would be left answering nothing on the bill's record. A withdrawn comment that has replies keeps
    its place in the thread as a placeholder (``consultation_views.withdrawn_notices``)."""
    eventlog.acquire_append_lock(session)
    actor, comment = _own_comment(session, principal, comment_id, settings, eventlog.utcnow())
    if _answered(session, comment):
        raise CommentAnswered(wording("comment %(comment)d has been answered; an answered comment stays on the "
                                      "record and can no longer be withdrawn", comment=comment_id))
    # A comment that was never public (held) leaves no trace in the bill's public history either.
    eventlog.append(
        session,
        draft(comment_stream(comment_id), ConsultationEvent.COMMENT_DELETED, actor,
              comment.bill_id if comment.state == CommentState.VISIBLE else None, {"comment_id": comment_id}),
        projector=projections.apply,
    )


def _answered(session: Session, comment: Comment) -> bool:
    """Whether Parliament has answered the comment, or its campaign."""
    return session.scalar(_ANSWERED, {"comment_id": comment.id, "cluster_id": comment.cluster_id}) is not None


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
        raise NotFound(wording("there is no visible comment %(comment)d", comment=comment_id))
    return comment


def endorse_comment(session: Session, principal: Principal | None, comment_id: int) -> Comment:
    """A citizen's endorsement of someone else's comment, once per citizen, while the consultation is open."""
    eventlog.acquire_append_lock(session)
    actor = check_may_comment(session, principal)
    comment = visible_comment(session, comment_id)
    if comment.author_id == actor.user_id:
        raise Forbidden(wording("you cannot endorse your own comment"))
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
        raise AlreadyDone(wording("you have already endorsed comment %(comment)d", comment=comment_id))
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

