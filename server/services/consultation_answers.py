"""Answering ("you said, we did"): drafters and clerks answer a comment or a whole campaign cluster, say what
became of it, and link the version (or amendment) that took it up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.domain.amendments import AmendmentState
from server.domain.consultation import (
    MAX_BODY_CHARS,
    CommentState,
    ConsultationEvent,
    Fate,
    answer_stream,
    has_visible_text,
)
from server.domain.roles import Role
from server.domain.wording import Wording, word, wording
from server.errors import Conflict, NotFound, ValidationFailed
from server.services.amendment_privacy import may_read_amendment
from server.services.bills import provision_citation
from server.services.commenters import Recipient, commenter_recipients
from server.services.consultation import draft, expression_of
from server.services.mail import Mail
from server.services.principal import Principal, require
from server.services.translation import translated
from server.store import eventlog, projections
from server.store.amendment_models import Amendment
from server.store.consultation_models import Comment, CommentAnswer
from server.store.models import Bill, EventRecord

ANSWERERS = (Role.DRAFTER, Role.CLERK, Role.ADMIN)


@dataclass(frozen=True)
class Answered:
    answer: CommentAnswer
    # The commenters to tell; only verified addresses are ever written to.
    recipients: list[Recipient]
    bill_title: str
    eid: str  # the provision commented on (the campaign's template's, for a whole cluster)
    citation: str  # how the bill cites it ("regulation 2(1)"), as the provision tree does
    # The linked amendment as the order paper numbers it (its id, which no reader knows it by, until it has a number).
    amendment_name: str | None = None

    def mail_to(self, recipient: Recipient, public_url: str) -> Mail:
        """What tells a commenter that their comment has an answer, in their language: which bill and provision,
        what became of it, the answer's words (as written), and where to read it."""
        answer = self.answer
        link = f"{public_url.rstrip('/')}/bills/{answer.bill_id}?eid={self.eid}"

        def say(sentence: Wording) -> str:
            return translated(sentence, recipient.language)

        whose = (wording("your comment and others like it") if answer.cluster_id is not None
                 else wording("your comment"))
        taken_up = ""
        if answer.amendment_id is not None:
            taken_up += "\n" + say(wording("The answer links to amendment %(amendment)s.",
                                            amendment=self.amendment_name or answer.amendment_id))
        if answer.version is not None:
            taken_up += "\n" + say(wording("The answer links to version %(version)s of the bill.",
                                            version=answer.version))
        where = self.citation
        return Mail(
            to=recipient.address,
            subject=say(wording("Your comment on %(bill)s has an answer", bill=self.bill_title)),
            text=(say(wording("Parliament has answered %(whose)s on %(where)s of the %(bill)s.", whose=whose,
                              where=where, bill=self.bill_title)) + "\n\n"
                  + say(wording("What became of it: %(fate)s.", fate=_FATES[Fate(answer.fate)])) + taken_up
                  + f"\n\n{answer.body}\n\n" + say(wording("Read it beside the bill: %(link)s", link=link)) + "\n"),
        )


_FATES = {
    Fate.TAKEN_UP: wording("taken up"),
    Fate.PARTLY_TAKEN_UP: wording("partly taken up"),
    Fate.NOT_TAKEN_UP: wording("not taken up"),
    Fate.NOTED: wording("noted"),
}


def _optional_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationFailed(wording("%(name)s must be a positive integer; found %(found)r", name=name, found=value))
    return value


# An amendment that was voted down, withdrawn, ruled out of order or fell took nothing up.
_TOOK_NOTHING_UP = frozenset({AmendmentState.REJECTED, AmendmentState.WITHDRAWN, AmendmentState.INADMISSIBLE,
                              AmendmentState.FALLEN})


def _check_amendment_claim(fate: Fate, amendment: Amendment, version: int | None) -> None:
    """Refuse an answer whose link to an amendment would tell the public something untrue."""
    # By its order-paper number as people name it, and by the id the request gave (another amendment may have
    # that id for its number).
    name = f"{amendment.number} (id {amendment.id})" if amendment.number is not None else f"(id {amendment.id})"
    if fate in (Fate.TAKEN_UP, Fate.PARTLY_TAKEN_UP) and amendment.state in _TOOK_NOTHING_UP:
        raise Conflict(wording("amendment %(amendment)s is %(state)s: it took nothing up", amendment=name,
                               state=word(amendment.state)))
    # Linked together, the two say the amendment made that version.
    if version is not None and amendment.consolidated_in is None:
        raise Conflict(wording("amendment %(amendment)s is %(state)s and in no version yet; link version "
                               "%(version)d once it is made there", amendment=name, state=word(amendment.state),
                               version=version))
    # The version it was proposed to (its base) does not hold its words: the one it was consolidated into does.
    if version is not None and amendment.consolidated_in != version:
        raise Conflict(wording("amendment %(amendment)s was consolidated into version %(into)s, not version "
                               "%(version)d (it was proposed to version %(base)s): link version %(into)s, the one "
                               "that holds its words", amendment=name, into=amendment.consolidated_in,
                               version=version, base=amendment.base_version))


def answer(
    session: Session,
    principal: Principal | None,
    *,
    comment_id: int | None = None,
    cluster_id: int | None = None,
    body: object,
    fate: object,
    version: object = None,
    amendment_id: object = None,
) -> Answered:
    """Answer one comment, or every comment of the cluster whose template is ``cluster_id``."""
    actor = require(principal, *ANSWERERS)
    if (comment_id is None) == (cluster_id is None):
        raise ValidationFailed(wording("answer either one comment or one cluster"))
    if not isinstance(body, str) or not has_visible_text(body) or len(body) > MAX_BODY_CHARS:
        raise ValidationFailed(wording("body must be a non-empty string of at most %(most)d characters",
                                       most=MAX_BODY_CHARS))
    try:
        parsed_fate = Fate(str(fate))
    except ValueError:
        raise ValidationFailed(wording("fate must be one of %(fates)s; found %(found)r",
                                       fates=", ".join(f.value for f in Fate), found=fate)) from None
    linked_version = _optional_int(version, "version")
    linked_amendment = _optional_int(amendment_id, "amendment_id")
    eventlog.acquire_append_lock(session)
    target = session.get(Comment, comment_id if comment_id is not None else cluster_id)
    if target is None or (cluster_id is not None and target.cluster_id != cluster_id):
        raise NotFound(wording("there is no comment %(comment)d", comment=comment_id) if comment_id is not None
                       else wording("there is no cluster %(cluster)d", cluster=cluster_id))
    if comment_id is not None and target.state != CommentState.VISIBLE.value:
        # An answer is public: one to a held, hidden or withdrawn comment would tell the bill's history about it.
        raise Conflict(wording("comment %(comment)d is not public (%(state)s); only a visible comment is answered",
                                comment=comment_id, state=target.state))
    if linked_version is not None:
        expression_of(session, target.bill_id, linked_version)
    if linked_amendment is not None:
        # The fate page links it: an amendment of another bill, or none at all, would be a false "we did".
        amendment = session.get(Amendment, linked_amendment)
        if amendment is None or amendment.bill_id != target.bill_id or not may_read_amendment(actor, amendment):
            raise NotFound(wording("bill %(bill)d has no amendment %(amendment)d", bill=target.bill_id,
                                   amendment=linked_amendment))
        if amendment.number is None:
            # An answer is public: linked, a draft would be known to all before its member tables it.
            raise Conflict(wording("amendment (id %(amendment)d) is a draft its member has not tabled; an answer is "
                                   "public and links only amendments tabled in the House", amendment=amendment.id))
        _check_amendment_claim(parsed_fate, amendment, linked_version)
    answer_id = (session.scalar(select(func.max(CommentAnswer.id))) or 0) + 1
    eventlog.append(
        session,
        draft(answer_stream(answer_id), ConsultationEvent.COMMENT_ANSWERED, actor, target.bill_id,
              {"answer_id": answer_id, "bill_id": target.bill_id, "consultation_id": target.consultation_id,
               "comment_id": comment_id, "cluster_id": cluster_id, "body": body, "fate": parsed_fate.value,
               "version": linked_version, "amendment_id": linked_amendment}),
        expected_version=0,
        projector=projections.apply,
    )
    row = session.get(CommentAnswer, answer_id)
    bill = session.get(Bill, target.bill_id)
    assert row is not None and bill is not None
    linked = session.get(Amendment, linked_amendment) if linked_amendment is not None else None
    return Answered(row, _recipients(session, target, cluster_id is not None), bill.title, target.eid,
                    provision_citation(session, target.bill_id, target.eid),
                    None if linked is None or linked.number is None else str(linked.number))


def _recipients(session: Session, target: Comment, whole_cluster: bool) -> list[Recipient]:
    authors = select(Comment.author_id).where(Comment.state == "visible")
    authors = (authors.where(Comment.consultation_id == target.consultation_id,
                             Comment.cluster_id == target.cluster_id)
               if whole_cluster else authors.where(Comment.id == target.id))
    return commenter_recipients(session, authors)


@projections.projects(ConsultationEvent.COMMENT_ANSWERED)
def _project_comment_answered(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(
        CommentAnswer(
            id=data["answer_id"], bill_id=data["bill_id"], consultation_id=data["consultation_id"],
            comment_id=data["comment_id"], cluster_id=data["cluster_id"], body=data["body"], fate=data["fate"],
            version=data["version"], amendment_id=data["amendment_id"], author_id=record.actor_id,
            created_at=record.occurred_at,
        )
    )
    targets = (Comment.id == data["comment_id"]) if data["comment_id"] is not None else (
        (Comment.consultation_id == data["consultation_id"]) & (Comment.cluster_id == data["cluster_id"])
    )
    session.execute(update(Comment).where(targets).values(fate=data["fate"]))
    session.flush()
