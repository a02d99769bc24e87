"""The clerks' moderation queue and the pages of members of parliament."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from server.errors import ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error, require_page_role
from server.services import amendments, bills, moderation

consultation_pages = Blueprint("consultation_pages", __name__)
consultation_pages.register_error_handler(ParleyError, page_error)


@consultation_pages.get("/moderation")
def moderation_queue() -> ResponseReturnValue:
    principal = require_page_role(current_principal(), "clerk", "admin")
    with database().read() as session:
        waiting = moderation.queue(session, principal)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    return page("moderation.html", queue=waiting, titles=titles)


@consultation_pages.get("/mps/<int:user_id>")
def member(user_id: int) -> ResponseReturnValue:
    with database().read() as session:
        record = amendments.member_record(session, user_id)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    return page("member.html", member=record, titles=titles)
