"""Mail subscriptions: following a bill, one of its provisions, or a member; unsubscribing by a signed link.

Sending is :mod:`server.services.notification_delivery`. A subscription is a projection of
``subscription.*`` events (no ``bill_id``: they are private and never broadcast); how far each subscription has
been mailed is kept in ``notification_cursors``, outside the log.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.events import EventDraft
from server.domain.opendata import Frequency, OpenDataEvent, SubscriptionTarget
from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import Conflict, Forbidden, NoEmailAddress, NotFound, UnsubscribeFailed, ValidationFailed
from server.services.paging import Page, PageRequest, keyset
from server.services.principal import Principal, require
from server.store import eventlog, projections
from server.store.consultation_models import CitizenSignup
from server.store.models import Bill, EventRecord, Provision, User
from server.store.opendata_models import NotificationCursor, Subscription

_UNSUBSCRIBE_SALT = "parley.notifications.unsubscribe"


def subscription_stream(subscription_id: int) -> str:
    return f"subscription/{subscription_id}"


def mail_address(session: Session, user_id: int) -> str | None:
    """Where a user's notifications go: a citizen who signed up needs a verified address; others their account's."""
    signup = session.get(CitizenSignup, user_id)
    if signup is not None:
        return signup.verified_email if signup.verified else None
    user = session.get(User, user_id)
    return user.email if user is not None and user.email else None


def _check_choice(value: Any, kind: type[SubscriptionTarget] | type[Frequency], field: str) -> str:
    allowed = [item.value for item in kind]
    if value not in allowed:
        raise ValidationFailed(wording("%(name)s must be one of %(allowed)s; found %(found)r", name=field,
                                       allowed=", ".join(allowed), found=value), field=field)
    return str(value)


def _check_id(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationFailed(wording("%(name)s must be a positive integer; found %(found)r", name=field,
                                       found=value), field=field)
    return value


def check_target(session: Session, target: SubscriptionTarget, body: dict[str, Any]) -> dict[str, Any]:
    """The subscription's object, checked to exist: ``bill_id``, ``eid`` and ``member_id`` (unused ones None)."""
    chosen: dict[str, Any] = {"bill_id": None, "eid": None, "member_id": None}
    if target is SubscriptionTarget.MEMBER:
        member_id = _check_id(body.get("member_id"), "member_id")
        member = session.get(User, member_id)
        if member is None or member.role != Role.MP.value:
            raise NotFound(wording("there is no member (an account with the role mp) %(id)d", id=member_id))
        chosen["member_id"] = member_id
        return chosen
    bill_id = _check_id(body.get("bill_id"), "bill_id")
    if session.get(Bill, bill_id) is None:
        raise NotFound(wording("there is no bill %(bill)d", bill=bill_id))
    chosen["bill_id"] = bill_id
    if target is SubscriptionTarget.PROVISION:
        eid = body.get("eid")
        if not isinstance(eid, str) or not eid:
            raise ValidationFailed(wording("a provision subscription needs the provision's \"eid\""), field="eid")
        found = session.scalar(select(Provision.id).where(Provision.bill_id == bill_id, Provision.eid == eid))
        if found is None:
            raise NotFound(wording("bill %(bill)d has no provision %(eid)r", bill=bill_id, eid=eid))
        chosen["eid"] = eid
    return chosen


def subscribe(session: Session, principal: Principal | None, body: dict[str, Any]) -> Subscription:
    """Subscribe the signed-in user (who must have a mail address) to a bill, a provision or a member."""
    actor = require(principal)
    target = SubscriptionTarget(_check_choice(body.get("target"), SubscriptionTarget, "target"))
    frequency = _check_choice(body.get("frequency", Frequency.IMMEDIATE.value), Frequency, "frequency")
    eventlog.acquire_append_lock(session)
    if mail_address(session, actor.user_id) is None:
        raise NoEmailAddress(wording("notifications need a (verified) email address on your account; add one first"))
    chosen = check_target(session, target, body)
    existing = session.scalar(select(Subscription.id).where(
        Subscription.user_id == actor.user_id, Subscription.active.is_(True), Subscription.target == target.value,
        Subscription.bill_id.is_(None) if chosen["bill_id"] is None else Subscription.bill_id == chosen["bill_id"],
        Subscription.eid.is_(None) if chosen["eid"] is None else Subscription.eid == chosen["eid"],
        Subscription.member_id.is_(None) if chosen["member_id"] is None
        else Subscription.member_id == chosen["member_id"],
    ))
    if existing is not None:
        raise Conflict(wording("you already follow this as subscription %(id)d", id=existing),
                       subscription_id=existing)
    subscription_id = int(session.scalar(select(func.max(Subscription.id))) or 0) + 1
    start_after = eventlog.last_event_id(session)
    eventlog.append(
        session,
        EventDraft(
            stream=subscription_stream(subscription_id), type=OpenDataEvent.SUBSCRIPTION_CREATED,
            actor_id=actor.actor_id,
            data={"subscription_id": subscription_id, "user_id": actor.user_id, "target": target.value,
                  **chosen, "frequency": frequency, "start_after": start_after},
        ),
        expected_version=0,
        projector=projections.apply,
    )
    session.add(NotificationCursor(subscription_id=subscription_id, last_event_id=start_after, last_sent_at=None))
    session.flush()
    subscription = session.get(Subscription, subscription_id)
    assert subscription is not None  # projected just now
    return subscription


def get_own(session: Session, principal: Principal | None, subscription_id: int) -> Subscription:
    actor = require(principal)
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or not subscription.active:
        raise NotFound(wording("there is no subscription %(id)d", id=subscription_id))
    if subscription.user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden(wording("only the subscriber may see or cancel a subscription"))
    return subscription


def list_own(session: Session, principal: Principal | None) -> list[Subscription]:
    actor = require(principal)
    return list(session.scalars(
        select(Subscription).where(Subscription.user_id == actor.user_id, Subscription.active.is_(True))
        .order_by(Subscription.id)
    ))


def page_own(
    session: Session, principal: Principal | None, page: PageRequest, *, target: str | None = None,
    bill_id: int | None = None,
) -> Page[Subscription]:
    """The caller's active subscriptions in id order (optionally of one kind, or about one bill), one page."""
    actor = require(principal)
    query = select(Subscription).where(Subscription.user_id == actor.user_id, Subscription.active.is_(True))
    if target is not None:
        query = query.where(Subscription.target == target)
    if bill_id is not None:
        query = query.where(Subscription.bill_id == bill_id)
    return keyset(session, query, Subscription.id, page)


def _cancel(session: Session, subscription: Subscription, actor_id: int | None, via: str) -> None:
    eventlog.append(
        session,
        EventDraft(stream=subscription_stream(subscription.id), type=OpenDataEvent.SUBSCRIPTION_CANCELLED,
                   actor_id=actor_id, data={"subscription_id": subscription.id, "via": via}),
        projector=projections.apply,
    )


def cancel(session: Session, principal: Principal | None, subscription_id: int) -> None:
    """Cancel a subscription (its subscriber, or an admin)."""
    eventlog.acquire_append_lock(session)
    subscription = get_own(session, principal, subscription_id)
    _cancel(session, subscription, require(principal).actor_id, "account")


def unsubscribe_token(secret_key: str, subscription_id: int) -> str:
    """The signed token of an unsubscribe link; it never expires, so links in old mails keep working."""
    return str(URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT).dumps({"s": subscription_id}))


def subscription_of_token(session: Session, secret_key: str, token: Any) -> Subscription:
    """The subscription an unsubscribe token was signed for, or :class:`UnsubscribeFailed`."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise UnsubscribeFailed(wording("the unsubscribe link carries no token"))
    try:
        payload = URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        raise UnsubscribeFailed(wording("this unsubscribe link was not issued by this Parley, or was "
                                        "altered")) from None
    subscription_id = payload.get("s") if isinstance(payload, dict) else None
    subscription = session.get(Subscription, subscription_id) if isinstance(subscription_id, int) else None
    if subscription is None:
        raise UnsubscribeFailed(wording("this unsubscribe link names no subscription"))
    return subscription


def unsubscribe(session: Session, secret_key: str, token: Any) -> Subscription:
    """Cancel the subscription a signed link names, without signing in; a second click changes nothing."""
    eventlog.acquire_append_lock(session)
    subscription = subscription_of_token(session, secret_key, token)
    if subscription.active:
        _cancel(session, subscription, None, "link")
    return subscription


def describe(session: Session, subscription: Subscription) -> str:
    """A short English name of what a subscription follows, for mails and pages."""
    if subscription.target == SubscriptionTarget.MEMBER.value:
        member = session.get(User, subscription.member_id)
        return f"member {member.display_name if member else subscription.member_id}"
    bill = session.get(Bill, subscription.bill_id)
    title = bill.title if bill is not None else f"bill {subscription.bill_id}"
    if subscription.target == SubscriptionTarget.PROVISION.value:
        return f"{subscription.eid} of {title}"
    return title


def to_dict(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id, "target": subscription.target, "bill_id": subscription.bill_id,
        "eid": subscription.eid, "member_id": subscription.member_id, "frequency": subscription.frequency,
        "active": subscription.active, "created_at": subscription.created_at.isoformat() + "Z",
    }


@projections.projects(OpenDataEvent.SUBSCRIPTION_CREATED)
def _project_created(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(Subscription(
        id=int(data["subscription_id"]), user_id=int(data["user_id"]), target=data["target"],
        bill_id=data.get("bill_id"), eid=data.get("eid"), member_id=data.get("member_id"),
        frequency=data["frequency"], active=True, start_after=int(data["start_after"]),
        created_at=record.occurred_at,
    ))
    session.flush()


@projections.projects(OpenDataEvent.SUBSCRIPTION_CANCELLED)
def _project_cancelled(session: Session, record: EventRecord) -> None:
    subscription = session.get(Subscription, int(record.data["subscription_id"]))
    if subscription is not None:
        subscription.active = False
        session.flush()
