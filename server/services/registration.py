"""Citizen sign-up: an account whose email address must be verified before it may comment.

One account per verified address; disposable domains are refused. The verification token travels only in the
mail; the database keeps its SHA-256 beside the log, never in it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.consultation import ConsultationEvent
from server.domain.consultation_identity import AddressRefused, check_email
from server.domain.events import user_stream
from server.errors import EmailRefused, EmailTaken, VerificationFailed
from server.services import accounts
from server.services.consultation import draft
from server.services.mail import Mail
from server.store import eventlog, projections
from server.store.consultation_models import CitizenSignup, EmailVerification
from server.store.models import EventRecord, User


@dataclass(frozen=True)
class SignedUp:
    user: User
    token: str  # to be mailed, never stored


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_address(session: Session, email: object) -> str:
    try:
        address = check_email(email)
    except AddressRefused as refused:
        raise EmailRefused(refused.message, reason=refused.kind) from refused
    if session.scalar(select(CitizenSignup.user_id).where(CitizenSignup.verified_email == address)) is not None:
        raise EmailTaken("an account with this email address exists already; sign in to it instead")
    return address


def sign_up(
    session: Session, *, username: str, email: object, password: str, display_name: str | None = None,
    ttl_hours: int = 48,
) -> SignedUp:
    """Create a citizen account that may comment once the address is verified."""
    eventlog.acquire_append_lock(session)
    address = _check_address(session, email)
    user = accounts.register_user(session, username, "citizen", password, display_name=display_name, email=address)
    eventlog.append(
        session,
        draft(user_stream(user.id), ConsultationEvent.CITIZEN_SIGNED_UP, None, None,
              {"user_id": user.id, "email": address}),
        projector=projections.apply,
    )
    return SignedUp(user, _new_token(session, user.id, address, ttl_hours))


def _new_token(session: Session, user_id: int, address: str, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = eventlog.utcnow()
    session.add(EmailVerification(token_hash=_digest(token), user_id=user_id, email=address, created_at=now,
                                  expires_at=now + timedelta(hours=ttl_hours), used=False))
    return token


def verification_mail(address: str, token: str, public_url: str) -> Mail:
    link = f"{public_url.rstrip('/')}/verify?token={token}"
    return Mail(
        to=address,
        subject="Confirm your email address for Parley",
        text=(
            "Someone (we hope you) signed up to comment on bills in Parley with this address.\n\n"
            f"To confirm it, open this link:\n{link}\n\n"
            f"or send this code to the verification page: {token}\n\n"
            "If you did not sign up, ignore this message; the account stays unusable.\n"
        ),
    )


@projections.projects(ConsultationEvent.CITIZEN_SIGNED_UP)
def _project_citizen_signed_up(session: Session, record: EventRecord) -> None:
    session.add(CitizenSignup(user_id=record.data["user_id"], email=record.data["email"], verified_email=None,
                              verified=False, created_at=record.occurred_at, verified_at=None))
    session.flush()


def verify(session: Session, token: object) -> User:
    """Confirm the address a verification token was sent to."""
    refused = VerificationFailed("this verification link is unknown, already used or expired; sign up again")
    if not isinstance(token, str) or not token or len(token) > 200:
        raise refused
    eventlog.acquire_append_lock(session)
    row = session.scalar(select(EmailVerification).where(EmailVerification.token_hash == _digest(token)))
    if row is None or row.used or row.expires_at < eventlog.utcnow():
        raise refused
    signup = session.get(CitizenSignup, row.user_id)
    user = session.get(User, row.user_id)
    if signup is None or user is None:
        raise refused
    taken = session.scalar(select(CitizenSignup.user_id).where(CitizenSignup.verified_email == row.email))
    if taken is not None and taken != row.user_id:
        raise EmailTaken("another account verified this email address first; one account per address")
    row.used = True
    if not signup.verified:
        eventlog.append(
            session,
            draft(user_stream(user.id), ConsultationEvent.CITIZEN_EMAIL_VERIFIED, None, None,
                  {"user_id": user.id, "email": row.email}),
            projector=projections.apply,
        )
    return user


@projections.projects(ConsultationEvent.CITIZEN_EMAIL_VERIFIED)
def _project_citizen_email_verified(session: Session, record: EventRecord) -> None:
    signup = session.get(CitizenSignup, record.data["user_id"])
    assert signup is not None
    signup.verified = True
    signup.verified_email = record.data["email"]
    signup.verified_at = record.occurred_at
    session.flush()
