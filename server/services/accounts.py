"""Accounts: registration, passwords, bearer tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from server import evented
from server.domain.display_names import display_name_problem, folded
from server.domain.events import EventDraft, EventType, user_stream
from server.domain.roles import Role
from server.domain.wording import Wording, wording
from server.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed, WrongPassword
from server.services.principal import Principal
from server.store import eventlog, projections
from server.store.consultation_models import ModerationAct
from server.store.models import ApiToken, BrowserSession, Credential, EventRecord, User

_hasher = PasswordHasher()


def configure_password_hashing(*, time_cost: int, memory_cost_kib: int) -> None:
    """Set the argon2 cost for this process (cheap settings keep the test suite fast; production keeps defaults).

    Existing hashes stay valid: argon2 reads the parameters from each hash, and rehashes on the next sign-in.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)


def _hash(password: str) -> str:
    # argon2 is memory-hard on purpose (tens of milliseconds): off the event loop, so sockets keep flowing.
    return evented.offload(_hasher.hash, password)


_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
MIN_PASSWORD_LENGTH = 8


MAX_PASSWORD_LENGTH = 1024
#: The least zxcvbn score a new password has: 3, "safely unguessable" (about 10^8 guesses and more).
MIN_PASSWORD_SCORE = 3
MAX_DISPLAY_NAME_LENGTH = 200


def check_password_rules(password: str, *, field: str = "password") -> None:
    """The rules every password meets, whoever sets it (an operator's command, the demo, a citizen); ``field``
    names the request's field that holds it."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(wording("a password has at most %(most)d characters", most=MAX_PASSWORD_LENGTH),
                               field=field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(wording("a password needs at least %(least)d characters", least=MIN_PASSWORD_LENGTH),
                               field=field)


def check_password_strength(password: str, *, known: Iterable[str | None] = (), field: str = "password") -> None:
    """What a password a person chooses for themselves (signing up, changing it, resetting it) also meets.

    Length alone let "password" and "12345678" in. The strength estimate also counts what is ``known`` of the
    account (its username, address, name): "amina6a1" for the user amina6a is guessed at once.
    """
    check_password_rules(password, field=field)
    # The estimator reads at most 72 characters; a passphrase longer than that is strong by its length.
    estimate = zxcvbn(password[:72], user_inputs=[value for value in known if value])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        warning = str(estimate["feedback"].get("warning") or "").rstrip(".")
        told = f"{warning[:1].lower()}{warning[1:]}"
        why = _STRENGTH_WARNINGS.get(told, told) if warning else _GUESSED_QUICKLY
        raise ValidationFailed(wording("this password is too easy to guess (%(why)s); a few unusual words together "
                                       "make a strong one", why=why), field=field)


_GUESSED_QUICKLY = wording("it would be guessed quickly")
# The estimator's warnings as they are put into the refusal (zxcvbn 4.5 words them in English only): worded here,
# they are translated with it. One it adds later is shown as it words it.
_STRENGTH_WARNINGS = {str(warning): warning for warning in (
    wording("straight rows of keys are easy to guess"),
    wording("short keyboard patterns are easy to guess"),
    wording('repeats like "aaa" are easy to guess'),
    wording('repeats like "abcabcabc" are only slightly harder to guess than "abc"'),
    wording('sequences like "abc" or "6543" are easy to guess'),
    wording("recent years are easy to guess"),
    wording("dates are often easy to guess"),
    wording("this is a top-10 common password"),
    wording("this is a top-100 common password"),
    wording("this is a very common password"),
    wording("this is similar to a commonly used password"),
    wording("a word by itself is easy to guess"),
    wording("names and surnames by themselves are easy to guess"),
    wording("common names and surnames are easy to guess"),
)}


def _check_registration(
    session: Session, username: str, role: str, password: str, display_name: str | None = None
) -> Role:
    # The same limits whichever way an account is made (API, sign-up form, command line).
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(wording("a password has at most %(most)d characters", most=MAX_PASSWORD_LENGTH),
                               field="password")
    if display_name is not None and len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        raise ValidationFailed(wording("a display name has at most %(most)d characters",
                                       most=MAX_DISPLAY_NAME_LENGTH), field="display_name")
    problem = display_name_problem(display_name) if display_name is not None else None
    if problem:
        raise ValidationFailed(wording("%(problem)s; found %(found)r", problem=problem, found=display_name),
                               field="display_name")
    if not _USERNAME.match(username):
        raise ValidationFailed(wording(
            "a username is 2 to 80 lower-case letters, digits, '.', '_' or '-', starting with a letter or "
            "digit; found %(found)r", found=username), field="username")
    try:
        parsed_role = Role(role)
    except ValueError:
        raise ValidationFailed(
            f"role must be one of {', '.join(r.value for r in Role)}; found {role!r}"
        ) from None
    check_password_rules(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(wording("the username %(username)r is taken", username=username))
    _check_name_is_own(session, display_name or username)
    return parsed_role


def _check_name_is_own(session: Session, shown: str) -> None:
    """Refuse a display name another account is shown by already, case, accents and spaces aside: a thread tells
    its authors apart by name alone, so a second "Wanjiku Njeri" could speak as the first."""
    name = session.scalar(select(User.display_name).where(User.display_name_key == folded(shown)).limit(1))
    if name is not None:
        raise Conflict(wording("another account is shown as %(name)r already; choose a display name of your own",
                               name=name))


def refuse_like_registering(
    session: Session, username: str, role: str, password: str, *, display_name: str | None = None
) -> None:
    """Refuse what :func:`register_user` would refuse, and take as long, where no account is made after all (a
    sign-up with an address another account has confirmed): the answer must tell no stranger so, by its words or
    by its time."""
    _check_registration(session, username.strip().lower(), role, password, (display_name or "").strip() or None)
    _hash(password)


def register_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create an account; the password hash is stored beside the log, never in it."""
    username = username.strip().lower()
    # A name left blank is no name: the username is shown instead.
    display_name = (display_name or "").strip() or None
    parsed_role = _check_registration(session, username, role, password, display_name)
    eventlog.acquire_append_lock(session)
    user_id = (session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    eventlog.append(
        session,
        EventDraft(
            stream=user_stream(user_id),
            type=EventType.USER_REGISTERED,
            actor_id=None,
            data={
                "user_id": user_id,
                "username": username,
                "role": parsed_role.value,
                "display_name": display_name or username,
                "email": email,
            },
        ),
        expected_version=0,
        projector=projections.apply,
    )
    session.add(Credential(user_id=user_id, password_hash=_hash(password), updated_at=eventlog.utcnow(),
                           session_generation=0))
    user = session.get(User, user_id)
    assert user is not None  # the projector has just inserted it
    return user


@projections.projects(EventType.USER_REGISTERED)
def _project_user_registered(session: Session, record: EventRecord) -> None:
    data = record.data
    session.add(
        User(
            id=data["user_id"],
            username=data["username"],
            display_name=data["display_name"],
            display_name_key=folded(data["display_name"]),
            role=data["role"],
            email=data.get("email"),
            suspended=False,
            created_at=record.occurred_at,
        )
    )
    session.flush()


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, Role(user.role), user.display_name)


def _password_matches(password_hash: str, password: str) -> bool:
    # An answer rather than an exception: on the event loop this runs in gevent's thread pool, which prints the
    # traceback of whatever its work raises, one for every wrong password.
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> Principal:
    """The principal for these credentials, or :class:`Unauthenticated` (same message either way)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    credential = session.get(Credential, user.id) if user else None
    refused = Unauthenticated(wording("the username or password is wrong"))
    if user is None or credential is None:
        # Hash anyway so the answer takes as long as for a real account.
        _hash(password)
        raise refused
    if not evented.offload(_password_matches, credential.password_hash, password):
        raise refused
    if user.suspended:
        # The right password: its owner is told why, in the clerk's words, as the clerk had to give them.
        raise Unauthenticated(_suspension(session, user.id), suspended=True)
    if _hasher.check_needs_rehash(credential.password_hash):
        credential.password_hash = _hash(password)
    return principal_of(user)


def _suspension(session: Session, user_id: int) -> Wording:
    """What the owner of a suspended account is told: the reason the clerk gave, when there is one."""
    reason = session.scalar(
        select(ModerationAct.reason).where(ModerationAct.user_id == user_id, ModerationAct.action == "suspend")
        .order_by(ModerationAct.id.desc()).limit(1)
    )
    if reason:
        return wording("this account was suspended by a clerk: %(reason)s", reason=reason)
    return wording("this account is suspended")


def why_signed_out(session: Session, user_id: int) -> Wording:
    """Why a browser session of ``user_id`` that no longer signs anyone in has ended."""
    user = session.get(User, user_id)
    if user is not None and user.suspended:
        return _suspension(session, user_id)
    return wording("your sign-in has ended (the password was changed, or you signed out): sign in again")


def change_password(
    session: Session, principal: Principal, current: str, new: str, *, keep_token: str | None = None
) -> int:
    """Replace the password of ``principal``'s account, who proves it with the current one.

    Every bearer token but ``keep_token`` (the one asking, if any) is revoked and every browser session ends;
    returns the new session generation, for the session asking to carry on under.
    """
    eventlog.acquire_append_lock(session)
    credential = session.get(Credential, principal.user_id)
    if credential is None:
        raise Unauthenticated(wording("this account has no password"))
    if not evented.offload(_password_matches, credential.password_hash, current):
        raise WrongPassword(wording("the current password is wrong"))
    check_password_strength(new, known=(principal.username, principal.display_name, current), field="new_password")
    generation = set_password(session, principal.user_id, new, keep_token=keep_token)
    eventlog.append(
        session,
        EventDraft(stream=user_stream(principal.user_id), type=EventType.PASSWORD_CHANGED,
                   actor_id=principal.actor_id, data={"user_id": principal.user_id}),
        projector=projections.apply,
    )
    return generation


def set_password(session: Session, user_id: int, password: str, *, keep_token: str | None = None) -> int:
    """Store a new hash, revoke the account's bearer tokens (but ``keep_token``) and end its browser sessions.

    Whoever may have learnt the old password may also hold a token or a session made with it: both go with it.
    Returns the new session generation. The caller checks the password rules and records the event.
    """
    credential = session.get(Credential, user_id)
    assert credential is not None
    credential.password_hash = _hash(password)
    credential.updated_at = eventlog.utcnow()
    credential.session_generation += 1
    revoke = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
    if keep_token is not None:
        revoke = revoke.where(ApiToken.token_hash != token_digest(keep_token))
    session.execute(revoke.values(revoked=True))
    session.flush()
    return credential.session_generation


def session_generation(session: Session, user_id: int) -> int:
    """The generation a browser session signed in now carries (see :class:`Credential`)."""
    credential = session.get(Credential, user_id)
    return credential.session_generation if credential is not None else 0


def begin_browser_session(session: Session, user_id: int) -> str:
    """A new browser session for ``user_id``: the key its cookie carries (only the key's digest is stored)."""
    key = secrets.token_urlsafe(32)
    session.add(BrowserSession(key_hash=token_digest(key), user_id=user_id, created_at=eventlog.utcnow()))
    return key


def end_browser_session(session: Session, user_id: int, key: str | None) -> None:
    """Sign out: the session whose cookie carries ``key`` ends, on this browser and any copy of its cookie, and
    ``account.signed_out`` is recorded so that the sockets it opened are closed once that has committed."""
    if key is None:
        return
    ended = session.execute(
        update(BrowserSession)
        .where(BrowserSession.key_hash == token_digest(key), BrowserSession.user_id == user_id,
               BrowserSession.ended_at.is_(None))
        .values(ended_at=eventlog.utcnow())
    )
    if getattr(ended, "rowcount", 0):
        eventlog.append(
            session,
            EventDraft(stream=user_stream(user_id), type=EventType.SIGNED_OUT, actor_id=user_id,
                       data={"user_id": user_id}),
            projector=projections.apply,
        )


def principal_for_session(session: Session, user_id: int, generation: int, key: str | None) -> Principal | None:
    """A browser session's principal, or None when the session was signed out, or the account is gone, suspended
    or its password changed since."""
    if key is None or session_generation(session, user_id) != generation:
        return None
    open_session = session.scalar(
        select(BrowserSession.id).where(BrowserSession.key_hash == token_digest(key),
                                        BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None))
    )
    if open_session is None:
        return None
    return principal_for_user_id(session, user_id)


def token_digest(token: str) -> str:
    """What is stored of a bearer token (and what a socket keeps of the one it connected with)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, principal: Principal, ttl_days: int = 30) -> str:
    """A new bearer token for ``principal``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    now = eventlog.utcnow()
    session.add(
        ApiToken(
            token_hash=token_digest(token),
            user_id=principal.user_id,
            created_at=now,
            expires_at=now + timedelta(days=ttl_days),
            revoked=False,
        )
    )
    return token


_tokens = cast(Table, ApiToken.__table__)
_account = cast(Table, User.__table__)
# Every API call made with a token starts here: one statement on the connection, not two entity loads.
_TOKEN_HOLDER = (
    select(_account.c.id, _account.c.username, _account.c.role, _account.c.display_name, _account.c.suspended,
           _tokens.c.revoked, _tokens.c.expires_at)
    .select_from(_tokens.join(_account, _account.c.id == _tokens.c.user_id))
    .where(_tokens.c.token_hash == bindparam("digest"))
)


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None when it is unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    return _principal_for_digest(session, token_digest(token))


def _principal_for_digest(session: Session, digest: str) -> Principal | None:
    row = session.connection().execute(_TOKEN_HOLDER, {"digest": digest}).first()
    if row is None or row.revoked or row.expires_at < eventlog.utcnow() or row.suspended:
        return None
    return Principal(row.id, row.username, Role(row.role), row.display_name)


_users = cast(Table, User.__table__)
_STANDING = select(_users.c.role, _users.c.suspended).where(_users.c.id == bindparam("user_id"))


def standing(session: Session, principal: Principal | None) -> Principal | None:
    """``principal`` as the account stands now, read in the caller's transaction.

    A socket keeps who connected for as long as it stays open; a write through it must still see a suspension
    or a change of role made since, at once.
    """
    if principal is None or not principal.user_id:
        return principal
    row = session.connection().execute(_STANDING, {"user_id": principal.user_id}).first()
    if row is None or row.suspended:
        raise Forbidden(wording("this account is suspended; it can no longer make changes"))
    if row.role != principal.role.value:
        return Principal(principal.user_id, principal.username, Role(row.role), principal.display_name)
    return principal


def connection_principal(
    session: Session, user_id: int, *, digest: str | None, generation: int | None, browser_key: str | None = None
) -> Principal | None:
    """The principal a socket's sign-in still stands for, or None once it has ended.

    A socket keeps the credential it connected with (the digest of its bearer token, or its browser session's
    generation and key) for as long as it stays open; a password change or reset revokes the one and moves the
    other on, and signing out ends the browser session. None as well when the account is gone or suspended.
    """
    if digest is not None:
        found = _principal_for_digest(session, digest)
        return found if found is not None and found.user_id == user_id else None
    if generation is not None:
        return principal_for_session(session, user_id, generation, browser_key)
    return None


def principal_for_user_id(session: Session, user_id: int) -> Principal | None:
    user = session.get(User, user_id)
    if user is None or user.suspended:
        return None
    return principal_of(user)
