"""Resetting a forgotten password through a link mailed to the account's verified address.

As with email verification, the token travels only in the mail; the database keeps its SHA-256 beside the log,
never in it. Asking for a reset never tells whether an address has an account: the caller answers the same way
whatever :func:`request_reset` finds.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.domain.consultation_identity import MAX_EMAIL_LENGTH, normalise_email
from server.domain.events import EventDraft, EventType, user_stream
from server.domain.wording import wording
from server.errors import VerificationFailed
from server.services import accounts
from server.services.mail import Mail, MailSender
from server.store import eventlog, projections
from server.store.consultation_models import CitizenSignup
from server.store.models import PasswordReset, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResetLink:
    address: str
    username: str
    token: str  # to be mailed, never stored


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(session: Session, email: object, *, ttl_minutes: int = 60) -> list[ResetLink]:
    """A new reset link for each active account whose verified address is ``email`` (usually none or one).

    Only a verified address receives one: a citizen's unverified sign-up address may be someone else's, and a
    reset mailed there would hand them the account. Accounts made by an operator have no sign-up: their address
    is the one the operator set.
    """
    if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH:
        return []
    address = normalise_email(email)
    if not address:
        return []
    signed_up = select(CitizenSignup.user_id).where(CitizenSignup.user_id == User.id).exists()
    verified = select(CitizenSignup.user_id).where(CitizenSignup.verified_email == address).scalar_subquery()
    found = session.scalars(
        select(User).where(User.suspended.is_(False),
                           or_(User.id.in_(verified), (User.email == address) & ~signed_up)).order_by(User.id)
    ).all()
    now = eventlog.utcnow()
    links = []
    for user in found:
        token = secrets.token_urlsafe(32)
        session.add(PasswordReset(token_hash=_digest(token), user_id=user.id, created_at=now,
                                  expires_at=now + timedelta(minutes=ttl_minutes), used=False))
        links.append(ResetLink(address, user.username, token))
    return links


def reset_mail(link: ResetLink, public_url: str, ttl_minutes: int, language: str | None = None) -> Mail:
    """The mail with a reset link, in ``language`` (the one of the page or client that asked for it)."""
    url = f"{public_url.rstrip('/')}/password/reset?token={link.token}"
    return Mail(
        to=link.address,
        subject=wording("Reset your Parley password"),
        text=wording(
            "Someone (we hope you) asked to reset the password of the Parley account %(username)s.\n\n"
            "To choose a new password, open this link within %(minutes)d minutes:\n%(link)s\n\n"
            "It works once. If you did not ask, ignore this message: your password stays as it is.\n",
            username=link.username, minutes=ttl_minutes, link=url),
    ).in_language(language)


def send_in_background(sender: MailSender, mails: list[Mail]) -> None:
    """Send ``mails`` after the answer has gone: an SMTP exchange takes long enough that waiting for it would
    tell a stranger which addresses have an account."""

    def deliver() -> None:
        for message in mails:
            try:
                sender.send(message)
            except Exception:
                log.exception("could not send a password-reset mail")

    if mails:
        threading.Thread(target=deliver, name="password-reset-mail", daemon=True).start()


def _refused() -> VerificationFailed:
    return VerificationFailed(wording("this reset link is unknown, already used or expired; ask for a new one"))


def reset_password(session: Session, token: object, password: str) -> User:
    """Set the password of the account a reset token names; the token, and every other of that account, is spent.

    Every bearer token and browser session of the account ends: whoever had the old password may hold one.
    """
    if not isinstance(token, str) or not token or len(token) > 200:
        raise _refused()
    eventlog.acquire_append_lock(session)
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if row is None or row.used or row.expires_at < eventlog.utcnow():
        raise _refused()
    user = session.get(User, row.user_id)
    if user is None or user.suspended:
        raise _refused()
    accounts.check_password_strength(password, known=(user.username, user.display_name, user.email))
    for pending in session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id)):
        pending.used = True
    accounts.set_password(session, user.id, password)
    eventlog.append(
        session,
        EventDraft(stream=user_stream(user.id), type=EventType.PASSWORD_RESET, actor_id=None,
                   data={"user_id": user.id}),
        projector=projections.apply,
    )
    return user
