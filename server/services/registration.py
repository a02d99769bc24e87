"""Citizen sign-up: an account whose email address must be verified before it may comment.

One account per verified address; disposable domains are refused. The verification token travels only in the
mail; the database keeps its SHA-256 beside the log, never in it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.consultation import ConsultationEvent
from server.domain.consultation_identity import AddressRefused, check_email
from server.domain.display_names import office_claimed
from server.domain.events import user_stream
from server.domain.wording import wording
from server.errors import (
    AlreadyVerified,
    EmailRefused,
    EmailTaken,
    SignUpDisowned,
    ValidationFailed,
    VerificationFailed,
)
from server.services import accounts
from server.services.consultation import draft
from server.services.mail import Mail
from server.services.principal import Principal
from server.store import eventlog, projections
from server.store.consultation_models import CitizenSignup, EmailVerification
from server.store.models import EventRecord, User


@dataclass(frozen=True)
class SignedUp:
    """What a sign-up did: made an account and the token that confirms its address, or, when another account has
    confirmed the address already, made nothing (``user`` and ``token`` None) and calls for a notice to that
    account's owner. Its callers answer both alike: whether an address has an account is for its owner to learn,
    not for whoever types it in (as with password resets)."""

    address: str
    user: User | None = None
    token: str | None = None  # to be mailed, never stored
    holder: str | None = None  # the username of the account that confirmed the address
    holder_language: str | None = None

    def mail(self, public_url: str, language: str | None) -> Mail:
        """The one mail the sign-up sends to its address: the confirmation link, in ``language`` (the one of the
        page or client signing up), or the notice to the address's owner, in the owner's language."""
        if self.token is not None:
            return verification_mail(self.address, self.token, public_url, language)
        return already_registered_mail(self.address, self.holder or "", public_url, self.holder_language)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _confirmed_by(session: Session, address: str) -> int | None:
    """The account that confirmed ``address``, if one did (one account per confirmed address)."""
    return session.scalar(select(CitizenSignup.user_id).where(CitizenSignup.verified_email == address))


def _check_address(session: Session, email: object) -> str:
    try:
        address = check_email(email)
    except AddressRefused as refused:
        raise EmailRefused(refused.message, reason=refused.kind, field="email") from refused
    return address


def sign_up(
    session: Session, *, username: str, email: object, password: str, display_name: str | None = None,
    ttl_hours: int = 48, language: str | None = None, reserved_words: Iterable[str] = (),
) -> SignedUp:
    """Create a citizen account that may comment once the address is verified; mail to it is in ``language``.

    Its display name (or, without one, its username) may hold none of ``reserved_words``: a citizen's name that
    claims an office ("Clerk of the National Assembly") would pass for the Parliament's in a thread.
    """
    shown = (display_name or "").strip() or username.strip()
    office = office_claimed(shown, reserved_words)
    if office is not None:
        raise ValidationFailed(wording("a citizen's display name cannot claim an office: %(office)r is kept for the "
                                       "Parliament and its staff; found %(found)r", office=office, found=shown),
                               field="display_name")
    eventlog.acquire_append_lock(session)
    address = _check_address(session, email)
    accounts.check_password_strength(password, known=(username, display_name, address))
    holder_id = _confirmed_by(session, address)
    if holder_id is not None:
        # One account per confirmed address: none is made, nothing is logged, and only the address's owner learns
        # of the try. Every other refusal is as for an address without an account.
        accounts.refuse_like_registering(session, username, "citizen", password, display_name=display_name)
        holder = session.get(User, holder_id)
        return SignedUp(address, holder=holder.username if holder else None,
                        holder_language=mail_language(session, holder_id))
    user = accounts.register_user(session, username, "citizen", password, display_name=display_name, email=address)
    eventlog.append(
        session,
        draft(user_stream(user.id), ConsultationEvent.CITIZEN_SIGNED_UP, None, None,
              {"user_id": user.id, "email": address, **({"language": language} if language else {})}),
        projector=projections.apply,
    )
    return SignedUp(address, user, _new_token(session, user.id, address, ttl_hours))


def _new_token(session: Session, user_id: int, address: str, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = eventlog.utcnow()
    session.add(EmailVerification(token_hash=_digest(token), user_id=user_id, email=address, created_at=now,
                                  expires_at=now + timedelta(hours=ttl_hours), used=False))
    return token


def resend(session: Session, principal: Principal, ttl_hours: int = 48) -> tuple[str, str]:
    """A new verification link for a signed-in citizen whose address is not confirmed: (address, token).

    The mail may never have come (a mail server that failed, a spam filter) or its link may have expired: without
    this the account could never comment. Earlier links stay valid until they expire; any of them confirms.
    """
    eventlog.acquire_append_lock(session)
    signup = session.get(CitizenSignup, principal.user_id)
    if signup is None or signup.verified:
        raise AlreadyVerified(wording("this account's email address is already confirmed; there is nothing to "
                                      "resend"))
    if not signup.email:
        raise disowned_refusal()
    if _confirmed_by(session, signup.email) is not None:
        # Another mail could never confirm it, and would go to someone else's inbox once more.
        raise EmailTaken(wording("another account has confirmed the address this account signed up with; one "
                                 "account per address: sign up again with an address of your own"))
    return signup.email, _new_token(session, principal.user_id, signup.email, ttl_hours)


def disowned_refusal() -> SignUpDisowned:
    """The refusal an account whose sign-up its address's owner disowned meets wherever it tries to go on: it has no
    address left, so neither another confirmation mail nor commenting can ever work for it."""
    return SignUpDisowned(wording("the owner of the address this account signed up with said the sign-up was not "
                                  "theirs; sign up again with your own address"))


def is_disowned(session: Session, user_id: int) -> bool:
    """Whether the address's owner cancelled this account's sign-up ("this was not me")."""
    signup = session.get(CitizenSignup, user_id)
    # Disowning empties the address; a confirmed sign-up can no longer be disowned.
    return signup is not None and not signup.verified and not signup.email


def mail_language(session: Session, user_id: int) -> str | None:
    """The language mail to this account is written in: the one its citizen signed up in (None: English)."""
    return session.scalar(select(CitizenSignup.language).where(CitizenSignup.user_id == user_id))


def verification_mail(address: str, token: str, public_url: str, language: str | None = None) -> Mail:
    """The mail that confirms ``address``, in ``language`` (the one its reader signed up in)."""
    base = public_url.rstrip("/")
    return Mail(
        to=address,
        subject=wording("Confirm your email address for Parley"),
        text=wording(
            "Someone (we hope you) signed up to comment on bills in Parley with this address.\n\n"
            "To confirm it, open this link:\n%(link)s\n\n"
            "or send this code to the verification page: %(token)s\n\n"
            "If you did not sign up, ignore this message (the account stays unusable), or tell us it was not you,\n"
            "which cancels that sign-up and frees your address for your own use:\n"
            "%(not_me)s\n",
            link=f"{base}/verify?token={token}", token=token, not_me=f"{base}/verify/not-me?token={token}"),
    ).in_language(language)


def already_registered_mail(address: str, username: str, public_url: str, language: str | None = None) -> Mail:
    """The mail that tells an address's owner someone tried to sign up with it, in ``language`` (the owner's):
    which account the address has, and how to sign in to it or set a new password. It confirms nothing."""
    base = public_url.rstrip("/")
    return Mail(
        to=address,
        subject=wording("Someone tried to sign up to Parley with your address"),
        text=wording(
            "Someone (perhaps you) tried to sign up to Parley with this address. It already has an account, "
            "%(username)s, so no other account was made.\n\n"
            "To sign in to it, open this link:\n%(sign_in)s\n\n"
            "If you have forgotten its password, choose a new one here:\n%(reset)s\n\n"
            "If it was not you, ignore this message: your account stays as it is.\n",
            username=username, sign_in=f"{base}/login", reset=f"{base}/password/forgotten"),
    ).in_language(language)


@projections.projects(ConsultationEvent.CITIZEN_SIGNED_UP)
def _project_citizen_signed_up(session: Session, record: EventRecord) -> None:
    session.add(CitizenSignup(user_id=record.data["user_id"], email=record.data["email"], verified_email=None,
                              verified=False, created_at=record.occurred_at, verified_at=None,
                              language=record.data.get("language")))
    session.flush()


def _refused() -> VerificationFailed:
    return VerificationFailed(wording("this verification link is unknown, already used or expired; sign in and "
                                      "ask for a new one"))


def _pending(session: Session, token: object) -> tuple[EmailVerification, CitizenSignup, User]:
    """The unexpired verification a token names, with its sign-up and account (used or not: callers decide)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise _refused()
    eventlog.acquire_append_lock(session)
    row = session.scalar(select(EmailVerification).where(EmailVerification.token_hash == _digest(token)))
    if row is None or row.expires_at < eventlog.utcnow():
        raise _refused()
    signup = session.get(CitizenSignup, row.user_id)
    user = session.get(User, row.user_id)
    if signup is None or user is None:
        raise _refused()
    return row, signup, user


def verify(session: Session, token: object) -> User:
    """Confirm the address a verification token was sent to."""
    row, signup, user = _pending(session, token)
    # A link confirms only the address its sign-up still claims: a disowned sign-up claims none.
    if row.used or signup.email != row.email:
        raise _refused()
    taken = _confirmed_by(session, row.email)
    if taken is not None and taken != row.user_id:
        raise EmailTaken(wording("another account verified this email address first; one account per address"))
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


def disown(session: Session, token: object) -> User:
    """Cancel the pending sign-up a verification mail was about, at its recipient's word ("this wasn't me").

    Someone may sign up with another person's address; its owner, holding the mailed token, takes the address
    back: every verification link of that sign-up is spent, the account keeps no address (so it can never be
    verified, and never comment), and the address stays free for its owner to sign up with. Pressing twice
    changes nothing; a link that already confirmed the address cannot disown it (409 ``already_verified``).
    """
    row, signup, user = _pending(session, token)
    if signup.verified:
        raise AlreadyVerified(wording("this link has already confirmed the address; it can no longer cancel the "
                                      "sign-up"))
    if row.used:
        if signup.email != row.email:
            return user  # disowned already: a second press (or the API after the page) changes nothing
        raise _refused()
    # The tokens live beside the log, not in a projection of it: every one of this sign-up is spent here.
    for pending in session.scalars(select(EmailVerification).where(EmailVerification.user_id == user.id)):
        pending.used = True
    eventlog.append(
        session,
        draft(user_stream(user.id), ConsultationEvent.CITIZEN_SIGN_UP_DISOWNED, None, None, {"user_id": user.id}),
        projector=projections.apply,
    )
    return user


@projections.projects(ConsultationEvent.CITIZEN_SIGN_UP_DISOWNED)
def _project_citizen_sign_up_disowned(session: Session, record: EventRecord) -> None:
    signup = session.get(CitizenSignup, record.data["user_id"])
    user = session.get(User, record.data["user_id"])
    assert signup is not None and user is not None
    # The account keeps no trace of the address in its rows (the log keeps the sign-up, under its hash chain);
    # an empty address is one no verification link matches, so the account can never be verified.
    signup.email = ""
    user.email = None
    session.flush()
