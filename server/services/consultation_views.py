"""What the public reads of a consultation: visible comments followed into the current version, per-provision
counts, unique comments against campaign signatures, and the open-data export (no personal data)."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nh3
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from server.domain import consultation_clustering as clustering
from server.domain.consultation import HELD_AS_DISOWNED, CommentState, locate
from server.domain.wording import wording
from server.errors import Forbidden, NotFound
from server.services.bills import get_bill
from server.services.consultation import ConsultationSettings, expression_of, expression_text
from server.services.moderation import MODERATORS
from server.services.paging import Page, PageRequest, cut, keyset
from server.services.principal import Principal, require
from server.store.consultation_models import Comment, CommentAnswer, CommentEndorsement, CommentFlag, Consultation
from server.store.models import Bill, User

_PARAGRAPH_BREAK = "\n\n"


def body_html(body: str) -> str:
    """A comment body as HTML: escaped, paragraphs and line breaks kept, and cleaned by nh3 as a second guard."""
    paragraphs = [p for p in body.replace("\r\n", "\n").split(_PARAGRAPH_BREAK) if p.strip()]
    markup = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return nh3.clean(markup, tags={"p", "br"}, attributes={})


def current_texts(session: Session, bill: Bill) -> dict[str, tuple[str, str]]:
    """``wid → (eid, text)`` of the bill's latest published version, the text comments are followed into."""
    expression = expression_of(session, bill.id, bill.current_version)
    return expression_text(session, expression.document_sha256).by_wid


def _visible(session: Session, bill_id: int) -> list[Comment]:
    return list(
        session.scalars(
            select(Comment).where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE)
            .order_by(Comment.id)
        )
    )


class ClusterIndex:
    """Sizes and templates of clusters (sizes count visible members only).

    A cluster's public template is its first *visible* member: the comment that started it may since have been
    held, hidden or withdrawn, and its words must not come back through the campaign it started.
    """

    def __init__(self, session: Session, sizes: Counter[int], campaign_size: int) -> None:
        self.campaign_size = campaign_size
        self.sizes = sizes
        ids = list(self.sizes)
        self.template_ids: dict[int, int] = {}
        self.templates: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            firsts = session.execute(
                select(Comment.cluster_id, func.min(Comment.id))
                .where(Comment.cluster_id.in_(chunk), Comment.state == CommentState.VISIBLE)
                .group_by(Comment.cluster_id)
            ).all()
            self.template_ids.update((int(row[0]), int(row[1])) for row in firsts)
            by_id = {int(row[1]): int(row[0]) for row in firsts}
            rows = session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(list(by_id))))
            self.templates.update((by_id[row.id], row.body) for row in rows)

    @classmethod
    def of(cls, session: Session, comments: Iterable[Comment], campaign_size: int) -> ClusterIndex:
        """The clusters of ``comments``, counting only those comments (every visible one of a bill, say)."""
        return cls(session, Counter(c.cluster_id for c in comments), campaign_size)

    @classmethod
    def counted(cls, session: Session, bill_id: int, cluster_ids: Iterable[int], campaign_size: int
                ) -> ClusterIndex:
        """The given clusters, their sizes counted in the database over every visible comment of the bill."""
        wanted = sorted(set(cluster_ids))
        sizes: Counter[int] = Counter({cluster_id: 0 for cluster_id in wanted})
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(Comment.cluster_id, func.count())
                .where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE,
                       Comment.cluster_id.in_(wanted[start : start + 500]))
                .group_by(Comment.cluster_id)
            )
            sizes.update({row[0]: int(row[1]) for row in rows})
        return cls(session, sizes, campaign_size)

    def is_campaign(self, cluster_id: int) -> bool:
        return self.sizes[cluster_id] >= self.campaign_size

    def describe(self, comment: Comment) -> dict[str, Any]:
        campaign = self.is_campaign(comment.cluster_id)
        template = self.templates.get(comment.cluster_id)
        is_template = comment.id == self.template_ids.get(comment.cluster_id, comment.cluster_id)
        adds = None
        if campaign and template is not None and not is_template:
            adds = clustering.additions(template, comment.body)
        return {"id": comment.cluster_id, "size": self.sizes[comment.cluster_id], "campaign": campaign,
                "template": is_template, "adds": adds}


def _author_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    names: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(chunk)))
        names.update((row.id, row.display_name) for row in rows)
    return names


def _answers(session: Session, comments: list[Comment]
             ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """The answers to these comments, and to their clusters."""
    by_comment: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_cluster: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not comments:
        return by_comment, by_cluster
    query = select(CommentAnswer).where(or_(CommentAnswer.comment_id.in_([c.id for c in comments]),
                                            CommentAnswer.cluster_id.in_(sorted({c.cluster_id for c in comments}))))
    for answer in session.scalars(query.order_by(CommentAnswer.id)):
        item = answer_dict(answer)
        if answer.comment_id is not None:
            by_comment[answer.comment_id].append(item)
        if answer.cluster_id is not None:
            by_cluster[answer.cluster_id].append(item)
    return by_comment, by_cluster


def answer_dict(answer: CommentAnswer) -> dict[str, Any]:
    return {"id": answer.id, "body": answer.body, "fate": answer.fate, "version": answer.version,
            "amendment_id": answer.amendment_id, "comment_id": answer.comment_id, "cluster_id": answer.cluster_id,
            "author": answer.author_id, "created_at": answer.created_at.isoformat() + "Z"}


@dataclass(frozen=True)
class CommentFilter:
    """Which comments of a bill to read: in one state, by one author, on one provision of the current version."""

    state: str = CommentState.VISIBLE
    author_id: int | None = None
    eid: str | None = None
    cluster_id: int | None = None
    # Each campaign's top-level signatures (among those chosen) stand for one: the first of them.
    campaigns_grouped: bool = False


def check_reader(principal: Principal | None, criteria: CommentFilter) -> None:
    """Visible comments are public; others are for the clerks, and for their author asking for their own."""
    if criteria.state == CommentState.VISIBLE:
        return
    actor = require(principal)
    if actor.role in MODERATORS or (criteria.author_id is not None and criteria.author_id == actor.user_id):
        return
    raise Forbidden(wording("only clerks read %(state)s comments, and authors their own (author=%(author)d)",
                            state=criteria.state, author=actor.user_id))


def _standing_at(session: Session, bill_id: int, eid: str, texts: dict[str, tuple[str, str]]) -> ColumnElement[bool]:
    """Comments that stand at ``eid`` now: those whose provision (by wId) is there in the current version, and
    those made on ``eid`` whose provision is gone."""
    here = [wid for wid, (current_eid, _text) in texts.items() if current_eid == eid]
    made_there = session.scalars(
        select(Comment.wid).distinct().where(Comment.bill_id == bill_id, Comment.eid == eid)
    )
    gone = [wid for wid in made_there if wid not in texts]
    return or_(Comment.wid.in_(here), and_(Comment.eid == eid, Comment.wid.in_(gone)))


def comment_page(
    session: Session, bill_id: int, criteria: CommentFilter, page: PageRequest, settings: ConsultationSettings,
    endorser_id: int | None = None, reader_id: int | None = None,
) -> Page[dict[str, Any]]:
    """A bill's comments, oldest first, as the public reads them (followed into the current version), filtered
    and cut into keyset pages in the database. Who may read comments that are not visible is the caller's
    business. With ``endorser_id`` (a signed-in citizen) each comment says whether that citizen endorsed it; with
    ``reader_id`` (any signed-in account) whether that account reported it, and until when its own may be changed."""
    bill = get_bill(session, bill_id)
    texts = current_texts(session, bill)
    query = select(Comment).where(Comment.bill_id == bill_id, Comment.state == criteria.state)
    if criteria.author_id is not None:
        query = query.where(Comment.author_id == criteria.author_id)
    if criteria.eid is not None:
        query = query.where(_standing_at(session, bill_id, criteria.eid, texts))
    if criteria.cluster_id is not None:
        query = query.where(Comment.cluster_id == criteria.cluster_id)
    stands_for: dict[int, int] = {}
    if criteria.campaigns_grouped and criteria.state == CommentState.VISIBLE:
        query, stands_for = _group_campaigns(session, bill_id, query, settings.campaign_size)
    found: Page[Comment] = keyset(session, query, Comment.id, page)
    described = _public_comments(session, bill_id, found.items, texts, settings)
    for item in described:
        if item["id"] in stands_for:
            item["cluster"]["grouped"] = stands_for[item["id"]]
    if endorser_id is not None:
        mine = endorsed_by(session, endorser_id, [c.id for c in found.items])
        for item in described:
            item["endorsed"] = item["id"] in mine
    if reader_id is not None:
        reported = flagged_by(session, reader_id, [c.id for c in found.items])
        window = timedelta(seconds=settings.edit_window_seconds)
        for comment, item in zip(found.items, described, strict=True):
            item["flagged"] = comment.id in reported
            if comment.author_id == reader_id:
                item["editable_until"] = (comment.created_at + window).isoformat() + "Z"
    return Page(described, found.next_after)


def _group_campaigns(
    session: Session, bill_id: int, query: Select[Any], campaign_size: int
) -> tuple[Select[Any], dict[int, int]]:
    """``query`` with each campaign's top-level comments among its rows reduced to the first of them, and how
    many each such first one stands for (itself included).

    A campaign of thousands of signatures on a provision then reads as one entry that says how many, and its
    signatures are read on demand (``cluster``). Replies stay: they belong to a conversation, not to a count.
    """
    campaigns = (
        select(Comment.cluster_id)
        .where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE)
        .group_by(Comment.cluster_id).having(func.count() >= campaign_size)
    )
    chosen = query.where(Comment.reply_to.is_(None), Comment.cluster_id.in_(campaigns)).subquery()
    rows = session.execute(
        select(chosen.c.cluster_id, func.min(chosen.c.id), func.count()).group_by(chosen.c.cluster_id)
    ).all()
    if not rows:
        return query, {}
    present = [int(row[0]) for row in rows]
    firsts = {int(row[1]): int(row[2]) for row in rows}
    grouped = query.where(or_(
        Comment.reply_to.is_not(None), Comment.cluster_id.not_in(present), Comment.id.in_(list(firsts)),
    ))
    return grouped, firsts


def endorsed_by(session: Session, user_id: int, comment_ids: list[int]) -> set[int]:
    """Which of ``comment_ids`` the account endorsed: one query for a page (its unique index on
    (comment_id, user_id) answers it), so that a citizen's client need not offer an endorsement that the API
    would refuse as already done."""
    if not comment_ids:
        return set()
    rows = session.scalars(select(CommentEndorsement.comment_id).where(
        CommentEndorsement.user_id == user_id, CommentEndorsement.comment_id.in_(comment_ids)))
    return set(rows)


def flagged_by(session: Session, user_id: int, comment_ids: list[int]) -> set[int]:
    """Which of ``comment_ids`` the account reported (once per account and comment, so its client need not offer
    a second report)."""
    if not comment_ids:
        return set()
    return set(session.scalars(select(CommentFlag.comment_id).where(
        CommentFlag.user_id == user_id, CommentFlag.comment_id.in_(comment_ids))))


def _public_comments(session: Session, bill_id: int, comments: list[Comment], texts: dict[str, tuple[str, str]],
                     settings: ConsultationSettings) -> list[dict[str, Any]]:
    clusters = ClusterIndex.counted(session, bill_id, (c.cluster_id for c in comments), settings.campaign_size)
    names = _author_names(session, (c.author_id for c in comments))
    by_comment, by_cluster = _answers(session, comments)
    consultations = session.scalars(select(Consultation).where(Consultation.bill_id == bill_id))
    uris = {c.id: c.expression_uri for c in consultations}
    result = []
    for comment in comments:
        anchor = locate(comment.wid, comment.quote, texts)
        result.append(
            {
                "id": comment.id,
                "eid": anchor.current_eid or comment.eid,
                "wid": comment.wid,
                "made_on": {"eid": comment.eid, "version": comment.version,
                            "expression_uri": uris.get(comment.consultation_id)},
                "outdated": anchor.outdated,
                "consultation_id": comment.consultation_id,
                "state": comment.state,
                # Listed for clerks (state=held): why it waits, as its author was told when posting it.
                "held_because": comment.state_reason if comment.state == "held" else None,
                "body": comment.body,
                "body_html": body_html(comment.body),
                "quote": comment.quote,
                "reply_to": comment.reply_to,
                "author": {"id": comment.author_id, "name": names.get(comment.author_id, "")},
                "created_at": comment.created_at.isoformat() + "Z",
                "edited_at": comment.edited_at.isoformat() + "Z" if comment.edited_at else None,
                "endorsements": comment.endorsements,
                "cluster": clusters.describe(comment),
                "fate": comment.fate,
                "answers": by_comment.get(comment.id, []) + by_cluster.get(comment.cluster_id, []),
            }
        )
    return result


def _among(session: Session, bill_id: int, *, eid: str | None, after: int | None, up_to: int | None
           ) -> list[ColumnElement[bool]]:
    """What keeps a bill's comments to those of one provision and of the ids in ``(after, up_to]``, where a page
    of comments stands."""
    conditions: list[ColumnElement[bool]] = []
    if eid is not None:
        # Where the comments themselves stand now (followed by wId into the current version), not where they
        # were made: after a renumbering a notice stays beside the comments it sat among.
        conditions.append(_standing_at(session, bill_id, eid, current_texts(session, get_bill(session, bill_id))))
    if after is not None:
        conditions.append(Comment.id > after)
    if up_to is not None:
        conditions.append(Comment.id <= up_to)
    return conditions


def hidden_notices(
    session: Session, bill_id: int, *, eid: str | None = None, after: int | None = None, up_to: int | None = None,
    reader_id: int | None = None,
) -> list[dict[str, Any]]:
    """Where a comment was hidden, readers see that it was, and why ("hidden: harassment"): the notices of one
    provision (as the comment was made), and of the comment ids in ``(after, up_to]``, where a page of comments
    stands. Its author (``reader_id``) also sees that it was theirs, and its words."""
    query = (select(Comment.id, Comment.eid, Comment.reply_to, Comment.state_reason, Comment.author_id, Comment.body)
             .where(Comment.bill_id == bill_id, Comment.state == CommentState.HIDDEN))
    rows = session.execute(query.where(*_among(session, bill_id, eid=eid, after=after, up_to=up_to))
                           .order_by(Comment.id))
    notices: list[dict[str, Any]] = []
    for r in rows:
        notice = {"id": r.id, "eid": r.eid, "reply_to": r.reply_to, "reason": r.state_reason}
        if reader_id is not None and r.author_id == reader_id:
            notice.update(yours=True, body=r.body)
        notices.append(notice)
    return notices


def withdrawn_notices(
    session: Session, bill_id: int, *, eid: str | None = None, after: int | None = None, up_to: int | None = None,
) -> list[dict[str, Any]]:
    """Where a comment its author withdrew had replies, its thread keeps a place for it, so that the replies stay
    under what they answered: the placeholders among the ids in ``(after, up_to]`` as for :func:`hidden_notices`.
    A placeholder says only where the comment stood (``{id, eid, reply_to}``): no words, no author, no time. A
    withdrawn comment with no public reply below it (visible or hidden, however deep) leaves nothing."""
    query = (select(Comment.id, Comment.eid, Comment.reply_to)
             .where(Comment.bill_id == bill_id, Comment.state == CommentState.DELETED))
    rows = session.execute(query.where(*_among(session, bill_id, eid=eid, after=after, up_to=up_to))
                           .order_by(Comment.id)).all()
    standing = _with_public_replies(session, {r.id for r in rows})
    return [{"id": r.id, "eid": r.eid, "reply_to": r.reply_to} for r in rows if r.id in standing]


def _with_public_replies(session: Session, withdrawn: set[int]) -> set[int]:
    """Which of the ``withdrawn`` comments have a public reply somewhere down their thread: each level down is one
    query, through the replies that were withdrawn too."""
    above: dict[int, set[int]] = {comment_id: {comment_id} for comment_id in withdrawn}
    found: set[int] = set()
    level = set(withdrawn)
    while level:
        below: dict[int, set[int]] = defaultdict(set)
        for reply in session.execute(select(Comment.id, Comment.reply_to, Comment.state)
                                     .where(Comment.reply_to.in_(sorted(level)))):
            if reply.state in (CommentState.VISIBLE, CommentState.HIDDEN):
                found |= above[reply.reply_to]
            elif reply.state == CommentState.DELETED:
                below[reply.id] |= above[reply.reply_to]
        above, level = dict(below), {comment_id for comment_id, tops in below.items() if tops - found}
    return found


def held_notices(
    session: Session, bill_id: int, reader_id: int | None, settings: ConsultationSettings, *, eid: str | None = None,
    after: int | None = None, up_to: int | None = None,
) -> list[dict[str, Any]]:
    """The reader's own comments that wait for a clerk, among the ids in ``(after, up_to]`` as for
    :func:`hidden_notices`: their author was told so when posting, and must find them again where they were
    posted, with their words and until when they may be withdrawn. To anyone else a held comment is not there at
    all (not even as a notice): its words, or its mere existence, may be what a clerk will keep out of view."""
    if reader_id is None:
        return []
    query = select(Comment).where(Comment.bill_id == bill_id, Comment.state == CommentState.HELD,
                                  Comment.author_id == reader_id)
    window = timedelta(seconds=settings.edit_window_seconds)
    return [
        {"id": c.id, "eid": c.eid, "reply_to": c.reply_to, "quote": c.quote, "body": c.body,
         "created_at": c.created_at.isoformat() + "Z",
         "edited_at": c.edited_at.isoformat() + "Z" if c.edited_at else None,
         "editable_until": (c.created_at + window).isoformat() + "Z",
         # Reported by its author as written by someone else: it waits for a clerk, but not to be published.
         "disowned": c.state_reason == str(HELD_AS_DISOWNED)}
        for c in session.scalars(query.where(*_among(session, bill_id, eid=eid, after=after, up_to=up_to))
                                 .order_by(Comment.id))
    ]


def provision_counts(session: Session, bill_id: int, settings: ConsultationSettings) -> dict[str, Any]:
    """Per provision of the current version: visible comments, unique ones, campaign signatures, endorsements."""
    bill = get_bill(session, bill_id)
    comments = _visible(session, bill_id)
    texts = current_texts(session, bill)
    clusters = ClusterIndex.of(session, comments, settings.campaign_size)
    per: dict[str, dict[str, Any]] = {}
    outdated = 0
    current = {current_eid for current_eid, _text in texts.values()}
    for comment in comments:
        anchor = locate(comment.wid, comment.quote, texts)
        outdated += anchor.outdated
        key = anchor.current_eid or comment.eid
        # A provision that was deleted may have left its eId to another one since: not gone then.
        entry = per.setdefault(key, {"eid": key, "comments": 0, "unique_comments": 0, "campaign_signatures": 0,
                                     "endorsements": 0, "outdated": 0, "gone": key not in current})
        entry["comments"] += 1
        entry["endorsements"] += comment.endorsements
        entry["outdated"] += anchor.outdated
        if clusters.is_campaign(comment.cluster_id):
            entry["campaign_signatures"] += 1
        else:
            entry["unique_comments"] += 1
    order = {eid: position for position, eid in enumerate(wid_eid[0] for wid_eid in texts.values())}
    provisions = sorted(per.values(), key=lambda e: (order.get(e["eid"], len(order)), e["eid"]))
    return {"provisions": provisions, "totals": summary(comments, clusters) | {"outdated": outdated}}


def summary(comments: list[Comment], clusters: ClusterIndex) -> dict[str, int]:
    """Unique comments against campaign signatures, as published."""
    campaign_ids = {c.cluster_id for c in comments if clusters.is_campaign(c.cluster_id)}
    signatures = sum(1 for c in comments if c.cluster_id in campaign_ids)
    return {"comments": len(comments), "unique_comments": len(comments) - signatures,
            "campaigns": len(campaign_ids), "campaign_signatures": signatures}


def cluster_page(
    session: Session, bill_id: int, settings: ConsultationSettings, page: PageRequest
) -> Page[dict[str, Any]]:
    """A bill's campaigns in cluster id order, found by counting in the database, one keyset page: each
    template once, its size, and what each signatory added to it."""
    get_bill(session, bill_id)
    size = func.count().label("size")
    query = (select(Comment.cluster_id, size)
             .where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE)
             .group_by(Comment.cluster_id).having(func.count() >= settings.campaign_size))
    if page.after is not None:
        query = query.where(Comment.cluster_id > page.after)
    counted = session.execute(query.order_by(Comment.cluster_id).limit(page.limit + 1)).all()
    found = cut([(int(row[0]), int(row[1])) for row in counted], page.limit, lambda row: row[0])
    clusters = ClusterIndex(session, Counter(dict(found.items)), settings.campaign_size)
    members: dict[int, list[Comment]] = defaultdict(list)
    if found.items:
        for comment in session.scalars(
            select(Comment).where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE,
                                  Comment.cluster_id.in_(list(clusters.sizes)))
            .order_by(Comment.id)
        ):
            members[comment.cluster_id].append(comment)
    items = [
        {
            "id": cluster_id,
            "size": clusters.sizes[cluster_id],
            "template": clusters.templates.get(cluster_id, ""),
            "additions": [
                {"comment_id": c.id, "adds": clustering.additions(clusters.templates.get(cluster_id, ""), c.body)}
                for c in members[cluster_id] if c.id != clusters.template_ids.get(cluster_id)
            ],
        }
        for cluster_id, _size in found.items
    ]
    return Page(items, found.next_after)


def consultation_page(session: Session, bill_id: int, page: PageRequest) -> Page[Consultation]:
    """A bill's consultations in id order, one keyset page."""
    get_bill(session, bill_id)
    return keyset(session, select(Consultation).where(Consultation.bill_id == bill_id), Consultation.id, page)


# --- open data ---------------------------------------------------------------------------------------------

EXPORT_FIELDS = ("id", "consultation_id", "version", "eid", "wid", "quote", "body", "reply_to", "created_at",
                 "edited_at", "endorsements", "cluster_id", "campaign", "fate")


def export_rows(session: Session, consultation_id: int, settings: ConsultationSettings) -> list[dict[str, Any]]:
    """Every visible comment of a consultation, without its author or anything else that identifies a person."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(wording("there is no consultation %(consultation)d", consultation=consultation_id))
    comments = [c for c in _visible(session, consultation.bill_id) if c.consultation_id == consultation_id]
    clusters = ClusterIndex.of(session, comments, settings.campaign_size)
    return [
        {
            "id": c.id, "consultation_id": c.consultation_id, "version": c.version, "eid": c.eid, "wid": c.wid,
            "quote": c.quote, "body": c.body, "reply_to": c.reply_to, "created_at": c.created_at.isoformat() + "Z",
            "edited_at": c.edited_at.isoformat() + "Z" if c.edited_at else None, "endorsements": c.endorsements,
            "cluster_id": c.cluster_id, "campaign": clusters.is_campaign(c.cluster_id), "fate": c.fate,
        }
        for c in comments
    ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    # A cell starting like a formula runs as one in spreadsheet programs (CSV injection); a leading apostrophe
    # makes them show it as text. Spaces and line breaks before it count too: importers may trim them.
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START)):
        return "'" + value
    return "" if value is None else value


def export_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_cell(row[name]) for name in EXPORT_FIELDS})
    return out.getvalue()

