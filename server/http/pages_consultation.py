"""The clerks' moderation queue and the pages of members of parliament."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from server.domain.citation import citation_of_eid
from server.errors import ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error, require_page_role
from server.services import amendments, bills, moderation
from server.store.models import User

consultation_pages = Blueprint("consultation_pages", __name__)
consultation_pages.register_error_handler(ParleyError, page_error)


@consultation_pages.get("/moderation")
def moderation_queue() -> ResponseReturnValue:
    principal = require_page_role(current_principal(), "clerk", "admin")
    with database().read() as session:
        waiting = moderation.queue(session, principal)
        hidden = moderation.hidden_lately(session, principal)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
        # The authors' names and whether they are suspended, for the suspension controls (one query).
        authors = {row.id: row for row in session.execute(
            select(User.id, User.display_name, User.username, User.suspended)
            .where(User.id.in_({c["author"] for c in waiting})))}
    # Clerks read "section 11(2)", as amendments cite provisions, rather than the eId.
    citations = {c["eid"]: citation_of_eid(c["eid"]) for c in [*waiting, *hidden]}
    return page("moderation.html", queue=waiting, hidden=hidden, titles=titles, authors=authors,
                citations=citations)


@consultation_pages.get("/mps/<int:user_id>")
def member(user_id: int) -> ResponseReturnValue:
    with database().read() as session:
        record = amendments.member_record(session, user_id)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    return page("member.html", member=record, titles=titles)
