"""The default Socket.IO namespace: connect with a token, join a bill, edit its provisions."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import Namespace, join_room, leave_room

from server.errors import BadRequest
from server.http.context import database
from server.realtime.acks import Ack, ok, socket_handler
from server.realtime.broadcast import bill_room
from server.services import accounts, bills
from server.services.principal import Principal
from server.store import eventlog
from server.store.models import Provision

MAX_EVENTS_ON_JOIN = 5000


def _int_field(data: dict[str, Any], name: str, *, optional: bool = False) -> int | None:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name} must be an integer; found {value!r}")
    return value


class ParleyNamespace(Namespace):
    """State kept per connection: who it is and which bill it follows."""

    def __init__(self, namespace: str = "/") -> None:
        super().__init__(namespace)
        self.principals: dict[str, Principal | None] = {}
        self.bills: dict[str, int] = {}

    def principal(self) -> Principal | None:
        return self.principals.get(request.sid)  # type: ignore[attr-defined]

    def on_connect(self, auth: Any = None) -> bool:
        token = auth.get("token") if isinstance(auth, dict) else None
        principal: Principal | None = None
        if token:
            with database().read() as session:
                principal = accounts.principal_for_token(session, str(token))
            if principal is None:
                # A wrong token is refused rather than silently downgraded to anonymous reading.
                raise ConnectionRefusedError("the token is unknown, expired or revoked")
        self.principals[request.sid] = principal  # type: ignore[attr-defined]
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        sid = request.sid  # type: ignore[attr-defined]
        self.principals.pop(sid, None)
        self.bills.pop(sid, None)

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
            leave_room(bill_room(previous))
        # Join before reading, so an event committed meanwhile is either in the answer or broadcast to us
        # (or both: clients drop what they already have by event id).
        join_room(bill_room(bill_id))
        self.bills[sid] = bill_id
        with database().read() as session:
            records = (
                bills.events_for_bill(session, bill_id, since, MAX_EVENTS_ON_JOIN) if since is not None else []
            )
            rows = session.query(Provision.eid, Provision.text, Provision.rev).filter(
                Provision.bill_id == bill_id
            )
            provisions = {row.eid: {"text": row.text, "rev": row.rev} for row in rows}
            last = eventlog.last_event_id(session)
        return ok(
            bill=bill_id,
            last_event_id=last,
            events=[eventlog.event_to_dict(r) for r in records],
            provisions=provisions,
        )

    @socket_handler
    def on_leave(self, data: dict[str, Any]) -> Ack:
        sid = request.sid  # type: ignore[attr-defined]
        bill_id = self.bills.pop(sid, None)
        if bill_id is not None:
            leave_room(bill_room(bill_id))
        return ok()
