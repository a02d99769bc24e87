"""The default Socket.IO namespace: connect with a token, join a bill, edit its provisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request
from flask import session as flask_session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as ConnectionRefused
from flask_socketio import Namespace, emit, join_room, leave_room
from sqlalchemy.orm import Session

from server.domain.roles import Role
from server.domain.wording import wording
from server.errors import BadRequest, NotJoined, PayloadTooLarge, RateLimited, SignedOut
from server.http.context import BROWSER_SESSION, SESSION_GENERATION, database
from server.http.i18n import localized
from server.realtime.acks import Ack, ok, refused, socket_handler
from server.realtime.broadcast import MODERATION_ROOM, SITE_ROOM, bill_room, drafting_room, reader_room
from server.realtime.limits import TokenBucket
from server.realtime.revocation import SIGNED_OUT
from server.services import accounts, bills, drafting, history, moderation, structure
from server.services.paging import PageRequest
from server.services.principal import Principal, require
from server.store import eventlog
from server.store.models import Provision

MAX_EVENTS_ON_JOIN = 5000
PRESENCE = "presence"
_MAX_INT = 2**63


_SURROGATE = re.compile("[\ud800-\udfff]")


def _str_field(data: dict[str, Any], name: str, max_length: int) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise BadRequest(wording("%(name)s must be a string; found %(found)s", name=name,
                                 found=type(value).__name__))
    if len(value) > max_length:
        raise PayloadTooLarge(wording("%(name)s is %(length)d characters long; the limit is %(limit)d", name=name,
                                      length=len(value), limit=max_length))
    lone = _SURROGATE.search(value)
    if lone is not None:
        # Half of a UTF-16 pair is no character: no database or encoder takes it, and a client told the server
        # failed would send it again for ever.
        raise BadRequest(wording("%(name)s must not contain the lone surrogate %(code)s", name=name,
                                 code=f"U+{ord(lone.group()):04X}"))
    return value


def _int_field(data: dict[str, Any], name: str, *, optional: bool = False) -> int | None:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(wording("%(name)s must be an integer; found %(found)r", name=name, found=value))
    if not -_MAX_INT <= value < _MAX_INT:
        # Beyond 64 bits no database column can hold it: a clear refusal, not a driver's overflow.
        raise BadRequest(wording("%(name)s must be an integer below 2**63; found one of %(bits)d bits", name=name,
                                 bits=value.bit_length()))
    return value


def _offset(value: object) -> bool:
    """A cursor offset: a non-negative integer a text can have (not a boolean, not a 100-digit number)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_INT


@dataclass(frozen=True)
class SignIn:
    """What a socket connected with: the digest of its bearer token, or its browser session's generation and key."""

    user_id: int
    digest: str | None
    generation: int | None
    browser_key: str | None = None


class ParleyNamespace(Namespace):  # type: ignore[misc]
    """State kept per connection: who it is, what it signed in with and which bill it follows."""

    def __init__(self, namespace: str = "/", *, edit_rate: float = 20) -> None:
        super().__init__(namespace)
        self.principals: dict[str, Principal | None] = {}
        self.sign_ins: dict[str, SignIn] = {}
        self.bills: dict[str, int] = {}
        self.edit_bucket = TokenBucket(edit_rate, burst=edit_rate)
        self.presence_bucket = TokenBucket(10, burst=10)

    def principal(self) -> Principal | None:
        return self.principals.get(request.sid)  # type: ignore[attr-defined]

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch to ``on_<event>``; an event there is no handler for is refused in its ack, where Flask-SocketIO
        would answer nothing and leave a client that waits for the ack waiting until it times out."""
        if hasattr(self, "on_" + (event or "")):
            return super().trigger_event(event, *args)
        known = ", ".join(sorted(name[3:] for name in dir(self)
                                 if name.startswith("on_") and name not in ("on_connect", "on_disconnect")))

        def unknown(*data: Any) -> Ack:
            return refused(BadRequest(wording("there is no event %(event)r; expected one of %(known)s",
                                              event=str(event)[:60], known=known)))

        # As the base class dispatches: in the connection's request context, so the refusal is in its language.
        return self.socketio._handle_event(unknown, event, self.namespace, *args)

    def on_connect(self, auth: Any = None) -> bool:
        token = auth.get("token") if isinstance(auth, dict) else None
        principal: Principal | None = None
        sid = request.sid  # type: ignore[attr-defined]
        if token:
            with database().read() as session:
                principal = accounts.principal_for_token(session, str(token))
            if principal is None:
                # A wrong token is refused rather than silently downgraded to anonymous reading, in the language
                # the handshake asks for (its ?lang=, the session's, its Accept-Language), as an ack would be.
                # python-socketio's exception, not the builtin one: that reaches the client as "Connection refused
                # by server", without the reason.
                raise ConnectionRefused(localized(wording("the token is unknown, expired or revoked")))
            self.sign_ins[sid] = SignIn(principal.user_id, accounts.token_digest(str(token)), None)
        elif current_user.is_authenticated:
            # A signed-in browser connects with its session cookie, as the same user as its pages.
            principal = current_user.principal
            self.sign_ins[sid] = SignIn(principal.user_id, None, int(flask_session.get(SESSION_GENERATION, 0)),
                                        flask_session.get(BROWSER_SESSION))
        self.principals[sid] = principal
        return True

    def _still_signed_in(self, session: Session, principal: Principal | None) -> None:
        """Refuse a write once the token or browser session this socket connected with has ended.

        Run in the write's own transaction, like ``accounts.standing``: a password change or reset that committed
        before it is seen even if this socket's disconnect has not happened yet.
        """
        held = self.sign_ins.get(request.sid)  # type: ignore[attr-defined]
        if held is None:
            return
        if accounts.connection_principal(session, held.user_id, digest=held.digest, generation=held.generation,
                                         browser_key=held.browser_key) is None:
            accounts.standing(session, principal)  # a suspension is refused as such (forbidden), as before
            raise SignedOut(wording("this connection's sign-in has ended (signed out, the password was changed or "
                                    "reset, or the token revoked); sign in again and reconnect"))

    def sign_out_ended(self, app: Flask, user_id: int, reason: str) -> None:
        """Disconnect this process's sockets of ``user_id`` whose sign-in no longer holds.

        Called (see ``revocation``) after the password change, reset or suspension has committed, in every process;
        a socket whose token was kept by a password change, or that reconnected since, stays.
        """
        held = [(sid, sign_in) for sid, sign_in in list(self.sign_ins.items()) if sign_in.user_id == user_id]
        if not held:
            return
        with app.app_context(), database().read() as session:
            ended = [sid for sid, sign_in in held
                     if accounts.connection_principal(session, user_id, digest=sign_in.digest,
                                                      generation=sign_in.generation,
                                                      browser_key=sign_in.browser_key) is None]
        for sid in ended:
            # Tell the client why first: a server-side disconnect alone looks like any other to most clients.
            self.socketio.server.emit(SIGNED_OUT, {"reason": reason}, to=sid, namespace=self.namespace,
                                      ignore_queue=True)
            self.socketio.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)

    def on_disconnect(self, reason: Any = None) -> None:
        sid = request.sid  # type: ignore[attr-defined]
        principal = self.principals.pop(sid, None)
        self.sign_ins.pop(sid, None)
        self.presence_bucket.forget(sid)
        bill_id = self.bills.pop(sid, None)
        if bill_id is not None:
            self._left(bill_id, principal, sid)

    @staticmethod
    def _left(bill_id: int, principal: Principal | None, sid: str) -> None:
        """Tell the bill's drafters that this connection is no longer there (its cursor goes at once)."""
        if principal is not None and principal.role is Role.DRAFTER:
            emit(PRESENCE, {"sid": sid, "bill": bill_id, "user": principal.user_id, "left": True},
                 to=drafting_room(bill_id), include_self=False)

    @socket_handler
    def on_join(self, data: dict[str, Any]) -> Ack:
        bill_id = _int_field(data, "bill")
        since = _int_field(data, "since", optional=True)
        assert bill_id is not None
        sid = request.sid  # type: ignore[attr-defined]
        with database().read() as session:
            bills.get_bill(session, bill_id)
        previous = self.bills.get(sid)
        if previous is not None and previous != bill_id:
            self._leave_rooms(previous, self.principal())
            self._left(previous, self.principal(), sid)
        # Join before reading, so an event committed meanwhile is either in the answer or broadcast to us
        # (or both: clients drop what they already have by event id).
        join_room(bill_room(bill_id))
        principal = self.principal()
        if principal is not None and principal.role is Role.DRAFTER:
            join_room(drafting_room(bill_id))
        if principal is not None:
            # Where the events of drafts this account may read come (a draft's are not for the whole room).
            join_room(reader_room(bill_id, principal.user_id))
        self.bills[sid] = bill_id
        with database().read() as session:
            records = (
                bills.events_for_bill(session, bill_id, since, MAX_EVENTS_ON_JOIN) if since is not None else []
            )
            provisions: dict[str, dict[str, Any]] = {}
            # Readers that only follow events ask for no texts (megabytes for a long bill).
            if data.get("provisions", True) is not False:
                rows = session.query(Provision.eid, Provision.wid, Provision.text, Provision.rev).filter(
                    Provision.bill_id == bill_id
                )
                provisions = {row.eid: {"text": row.text, "rev": row.rev, "wid": row.wid} for row in rows}
            last = eventlog.last_event_id(session)
            more = len(records) >= MAX_EVENTS_ON_JOIN
            if more:
                # Not everything missed fits in one answer: say so, and up to where it goes, so the client
                # asks again from there instead of taking the snapshot's id and never seeing the rest.
                last = records[-1].id
            events = history.public_events(session, records, principal)
        config = current_app.config
        # What one edit may carry and a provision hold here, so a client splits a paste to fit (docs/protocol.md).
        limits = {"patch_chars": int(config["MAX_SOCKET_MESSAGE_BYTES"]),
                  "provision_chars": int(config["MAX_PROVISION_CHARS"])}
        return ok(bill=bill_id, last_event_id=last, events=events, provisions=provisions, more=more, limits=limits)

    @socket_handler
    def on_follow_public(self, data: dict[str, Any]) -> Ack:
        """Follow every public event of every bill (the live counterpart of ``/feed.atom``); open to anyone."""
        join_room(SITE_ROOM)
        with database().read() as session:
            return ok(last_event_id=eventlog.last_event_id(session))

    @socket_handler
    def on_follow_moderation(self, data: dict[str, Any]) -> Ack:
        """Clerks and admins: follow the moderation acts and what reaches the queue (``moderation`` messages), and
        learn how many comments wait and are hidden now, and how many of them come before the page shown (its
        ``queue_after`` and ``hidden_after``, the keys its cursors stand for). Asking again only refreshes them."""
        queue_after = _int_field(data, "queue_after", optional=True)
        hidden_after = _int_field(data, "hidden_after", optional=True)
        principal = require(self.principal(), *moderation.MODERATORS)
        # Join before counting, as for a bill: an act committed meanwhile is counted, or told, or both.
        join_room(MODERATION_ROOM)
        with database().read() as session:
            waiting = moderation.queue_stretch(session, principal, PageRequest(after=queue_after))
            hidden = moderation.hidden_stretch(session, principal, PageRequest(after=hidden_after))
            last = eventlog.last_event_id(session)
        return ok(last_event_id=last, waiting={"total": waiting.total, "before": waiting.before},
                  hidden={"total": hidden.total, "before": hidden.before})

    @socket_handler
    def on_leave(self, data: dict[str, Any]) -> Ack:
        sid = request.sid  # type: ignore[attr-defined]
        bill_id = self.bills.pop(sid, None)
        if bill_id is not None:
            self._leave_rooms(bill_id, self.principal())
            self._left(bill_id, self.principal(), sid)
        return ok()

    @staticmethod
    def _leave_rooms(bill_id: int, principal: Principal | None) -> None:
        leave_room(bill_room(bill_id))
        leave_room(drafting_room(bill_id))
        if principal is not None:
            leave_room(reader_room(bill_id, principal.user_id))

    def _joined_bill(self, data: dict[str, Any]) -> int:
        """The bill named in the message, which must be the one this connection joined."""
        bill_id = _int_field(data, "bill")
        assert bill_id is not None
        if self.bills.get(request.sid) != bill_id:  # type: ignore[attr-defined]
            raise NotJoined(wording("join bill %(bill)d before sending changes to it", bill=bill_id))
        return bill_id

    @socket_handler
    def on_edit(self, data: dict[str, Any]) -> Ack:
        """Apply a drafter's patch; the ack comes after the commit."""
        principal = self.principal()
        bill_id = self._joined_bill(data)
        limit = int(current_app.config["MAX_SOCKET_MESSAGE_BYTES"])
        eid = _str_field(data, "eid", 400)
        patch = _str_field(data, "patch", limit)
        op_id = _str_field(data, "op_id", drafting.MAX_OP_ID_LENGTH)
        wid = _str_field(data, "wid", 400) if data.get("wid") is not None else None
        rev = _int_field(data, "rev")
        assert rev is not None
        if principal is not None and not self.edit_bucket.allow(principal.user_id):
            # Nothing is applied: the client keeps the edit and sends it again after ``retry_after`` seconds.
            raise RateLimited(
                wording("more than %(rate)s edits a second; slow down and resend",
                        rate=current_app.config["EDIT_RATE_PER_SECOND"]),
                retry_after=max(0.001, round(self.edit_bucket.retry_after(principal.user_id), 3)),
            )
        with database().write() as session:
            self._still_signed_in(session, principal)
            outcome = drafting.apply_edit(
                session, principal, bill_id=bill_id, eid=eid, rev=rev, patch=patch, op_id=op_id,
                max_chars=int(current_app.config["MAX_PROVISION_CHARS"]), wid=wid,
            )
        if outcome.refused is not None:
            # Raised once the refusal is committed: a late copy of this op will be refused too.
            raise outcome.refused
        if outcome.unchanged:
            # Clients settle the op on this flag: no provision.edited event will carry its op_id.
            return ok(rev=outcome.rev, event_id=outcome.event_id, duplicate=False, unchanged=True)
        return ok(rev=outcome.rev, event_id=outcome.event_id, duplicate=outcome.duplicate)

    @socket_handler
    def on_structure(self, data: dict[str, Any]) -> Ack:
        """Insert, delete, move or retitle a provision: ``{bill, action, eid, ...}``."""
        principal = self.principal()
        bill_id = self._joined_bill(data)
        action = data.get("action")
        eid = _str_field(data, "eid", 400)
        if principal is not None and not self.edit_bucket.allow(principal.user_id):
            raise RateLimited(
                wording("too many changes a second; slow down and resend"),
                retry_after=max(0.001, round(self.edit_bucket.retry_after(principal.user_id), 3)),
            )

        def optional(name: str, limit: int) -> str | None:
            return _str_field(data, name, limit) if data.get(name) is not None else None

        config = current_app.config
        # The wId names the provision its sender saw even after a renumbering it had not yet heard of.
        wid, ref_wid = optional("wid", 400), optional("ref_wid", 400)
        with database().write() as session:
            self._still_signed_in(session, principal)
            if action == "insert":
                outcome = structure.insert_provision(
                    session, principal, bill_id, ref_eid=eid, position=str(data.get("position", "after")),
                    name=optional("name", 40) or "section", num=optional("num", 100),
                    heading=optional("heading", 1000),
                    text=optional("text", int(config["MAX_SOCKET_MESSAGE_BYTES"])) or "",
                    ref_wid=wid, max_chars=int(config["MAX_PROVISION_CHARS"]),
                )
            elif action == "delete":
                outcome = structure.delete_provision(session, principal, bill_id, eid=eid, wid=wid)
            elif action == "move":
                outcome = structure.move_provision(
                    session, principal, bill_id, eid=eid, ref_eid=_str_field(data, "ref_eid", 400),
                    position=str(data.get("position", "after")), wid=wid, ref_wid=ref_wid,
                )
            elif action == "retitle":
                outcome = structure.retitle_provision(
                    session, principal, bill_id, eid=eid, num=optional("num", 100), heading=optional("heading", 1000),
                    wid=wid,
                )
            else:
                raise BadRequest(wording("action must be insert, delete, move or retitle; found %(found)r",
                                         found=action))
        if outcome.unchanged:
            return ok(event_id=outcome.event_id, eid=outcome.eid, renames=outcome.renames, unchanged=True)
        return ok(event_id=outcome.event_id, eid=outcome.eid, renames=outcome.renames)

    @socket_handler
    def on_presence(self, data: dict[str, Any]) -> Ack:
        """Relay where a drafter is and what they select to the bill's other drafters; ephemeral, never logged."""
        # Only those who may edit have a place in the text: a reader's cursor would show as someone editing.
        principal = require(self.principal(), Role.DRAFTER)
        bill_id = self._joined_bill(data)
        if not self.presence_bucket.allow(request.sid):  # type: ignore[attr-defined]
            raise RateLimited(wording("presence updates are limited to ten a second"))
        eid = data.get("eid")
        cursor = data.get("cursor")
        if eid is not None and (not isinstance(eid, str) or len(eid) > 400):
            raise BadRequest(wording("eid must be a string of at most 400 characters or null"))
        if eid is not None:
            _str_field(data, "eid", 400)  # no lone surrogate passed on to the other drafters
        if cursor is not None and not (
            isinstance(cursor, dict) and all(_offset(cursor.get(k)) for k in ("anchor", "head"))
        ):
            raise BadRequest(wording("cursor must be {\"anchor\": int, \"head\": int} or null"))
        emit(
            PRESENCE,
            {
                "sid": request.sid,  # type: ignore[attr-defined]
                "bill": bill_id,
                "user": principal.user_id,
                "name": principal.display_name,
                "role": principal.role.value,
                "eid": eid,
                "cursor": {"anchor": cursor["anchor"], "head": cursor["head"]} if cursor else None,
            },
            to=drafting_room(bill_id),
            include_self=False,
        )
        return ok()
