"""What the public reads of a consultation: visible comments followed into the current version, per-provision
counts, unique comments against campaign signatures, and the open-data export (no personal data)."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain import consultation_clustering as clustering
from server.domain.consultation import CommentState, locate
from server.errors import NotFound
from server.services.bills import get_bill
from server.services.consultation import ConsultationSettings, expression_of, expression_text
from server.store.consultation_models import Comment, CommentAnswer, Consultation
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
    """Sizes and templates of the clusters the given comments belong to (counting visible members only)."""

    def __init__(self, session: Session, comments: Iterable[Comment], campaign_size: int) -> None:
        self.campaign_size = campaign_size
        self.sizes: Counter[int] = Counter(c.cluster_id for c in comments)
        ids = list(self.sizes)
        self.templates: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(chunk)))
            self.templates.update((row.id, row.body) for row in rows)

    def is_campaign(self, cluster_id: int) -> bool:
        return self.sizes[cluster_id] >= self.campaign_size

    def describe(self, comment: Comment) -> dict[str, Any]:
        campaign = self.is_campaign(comment.cluster_id)
        template = self.templates.get(comment.cluster_id)
        adds = None
        if campaign and template is not None and comment.id != comment.cluster_id:
            adds = clustering.additions(template, comment.body)
        return {"id": comment.cluster_id, "size": self.sizes[comment.cluster_id], "campaign": campaign,
                "template": comment.id == comment.cluster_id, "adds": adds}


def _author_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    names: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(chunk)))
        names.update((row.id, row.display_name) for row in rows)
    return names


def _answers(session: Session, bill_id: int) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    by_comment: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_cluster: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer in session.scalars(select(CommentAnswer).where(CommentAnswer.bill_id == bill_id)
                                  .order_by(CommentAnswer.id)):
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


def list_comments(
    session: Session, bill_id: int, *, eid: str | None, settings: ConsultationSettings
) -> list[dict[str, Any]]:
    """The bill's visible comments (optionally those on one provision of the current version), oldest first."""
    bill = get_bill(session, bill_id)
    comments = _visible(session, bill_id)
    texts = current_texts(session, bill)
    clusters = ClusterIndex(session, comments, settings.campaign_size)
    names = _author_names(session, (c.author_id for c in comments))
    by_comment, by_cluster = _answers(session, bill_id)
    consultations = session.scalars(select(Consultation).where(Consultation.bill_id == bill_id))
    uris = {c.id: c.expression_uri for c in consultations}
    result = []
    for comment in comments:
        anchor = locate(comment.wid, comment.quote, texts)
        current_eid = anchor.current_eid
        if eid is not None and (current_eid or comment.eid) != eid:
            continue
        result.append(
            {
                "id": comment.id,
                "eid": current_eid or comment.eid,
                "wid": comment.wid,
                "made_on": {"eid": comment.eid, "version": comment.version,
                            "expression_uri": uris.get(comment.consultation_id)},
                "outdated": anchor.outdated,
                "consultation_id": comment.consultation_id,
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


def hidden_notices(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """Where a comment was hidden, readers see that it was, and why ("hidden: harassment")."""
    rows = session.execute(
        select(Comment.id, Comment.eid, Comment.reply_to, Comment.state_reason)
        .where(Comment.bill_id == bill_id, Comment.state == CommentState.HIDDEN).order_by(Comment.id)
    )
    return [{"id": r.id, "eid": r.eid, "reply_to": r.reply_to, "reason": r.state_reason} for r in rows]


def provision_counts(session: Session, bill_id: int, settings: ConsultationSettings) -> dict[str, Any]:
    """Per provision of the current version: visible comments, unique ones, campaign signatures, endorsements."""
    bill = get_bill(session, bill_id)
    comments = _visible(session, bill_id)
    texts = current_texts(session, bill)
    clusters = ClusterIndex(session, comments, settings.campaign_size)
    per: dict[str, dict[str, Any]] = {}
    outdated = 0
    for comment in comments:
        anchor = locate(comment.wid, comment.quote, texts)
        outdated += anchor.outdated
        key = anchor.current_eid or comment.eid
        entry = per.setdefault(key, {"eid": key, "comments": 0, "unique_comments": 0, "campaign_signatures": 0,
                                     "endorsements": 0, "outdated": 0, "gone": anchor.current_eid is None})
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


def clusters_of(session: Session, bill_id: int, settings: ConsultationSettings) -> list[dict[str, Any]]:
    """The campaigns of a bill: each template once, its size, and what each signatory added to it."""
    get_bill(session, bill_id)
    comments = _visible(session, bill_id)
    clusters = ClusterIndex(session, comments, settings.campaign_size)
    members: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        if clusters.is_campaign(comment.cluster_id):
            members[comment.cluster_id].append(comment)
    return [
        {
            "id": cluster_id,
            "size": clusters.sizes[cluster_id],
            "template": clusters.templates.get(cluster_id, ""),
            "additions": [
                {"comment_id": c.id, "adds": clustering.additions(clusters.templates.get(cluster_id, ""), c.body)}
                for c in group if c.id != cluster_id
            ],
        }
        for cluster_id, group in sorted(members.items())
    ]


# --- open data ---------------------------------------------------------------------------------------------

EXPORT_FIELDS = ("id", "consultation_id", "version", "eid", "wid", "quote", "body", "reply_to", "created_at",
                 "edited_at", "endorsements", "cluster_id", "campaign", "fate")


def export_rows(session: Session, consultation_id: int, settings: ConsultationSettings) -> list[dict[str, Any]]:
    """Every visible comment of a consultation, without its author or anything else that identifies a person."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(f"there is no consultation {consultation_id}")
    comments = [c for c in _visible(session, consultation.bill_id) if c.consultation_id == consultation_id]
    clusters = ClusterIndex(session, comments, settings.campaign_size)
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
    # makes them show it as text.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def export_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _csv_cell(row[name]) for name in EXPORT_FIELDS})
    return out.getvalue()

