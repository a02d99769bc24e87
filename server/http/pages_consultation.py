"""The clerks' moderation queue and the pages of members of parliament."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from server.domain.paging import encode_cursor
from server.errors import ParleyError
from server.http.context import current_principal, database, page_request
from server.http.pages_common import page, page_error, require_page_role
from server.services import amendments, bills, moderation
from server.services.paging import Page, PageRequest
from server.store.models import User

consultation_pages = Blueprint("consultation_pages", __name__)
consultation_pages.register_error_handler(ParleyError, page_error)


#: How many comments one page of the queue, and of those hidden lately, shows (as the API's queue pages).
QUEUE_PAGE = 200
HIDDEN_PAGE = 50
#: The query parameters of the hidden comments' pages (``hidden_cursor``, ``hidden_limit``); the queue's are the API's.
HIDDEN_PREFIX = "hidden_"


@dataclass(frozen=True)
class Span:
    """What the page says of one of its lists: how many there are, which of them it shows, and where the next and
    the first pages are."""

    total: int
    first: int
    last: int
    following: int
    next_url: str | None
    first_url: str | None
    #: How many come before this page, and the key it starts after (None: the first page), with which the page's
    #: script asks for the counts again as clerks decide.
    before: int
    after: int | None


def _here(**changes: str | None) -> str:
    """This page with some query parameters changed (None: dropped), the others (language, the other list's page)
    kept."""
    args: dict[str, Any] = {name: value for name, value in request.args.items() if name not in changes}
    args.update((name, value) for name, value in changes.items() if value is not None)
    return url_for("consultation_pages.moderation_queue", **args)


def _span(tally: moderation.Stretch, found: Page[Any], page: PageRequest, prefix: str = "") -> Span:
    shown = len(found.items)
    following = min(page.limit, tally.total - tally.before - shown)
    return Span(
        total=tally.total, first=tally.before + 1 if shown else 0, last=tally.before + shown, following=following,
        next_url=_here(**{f"{prefix}cursor": encode_cursor(found.next_after)})
        if found.next_after is not None and following > 0 else None,
        first_url=_here(**{f"{prefix}cursor": None}) if page.after is not None else None,
        before=tally.before, after=page.after,
    )


@consultation_pages.get("/moderation")
def moderation_queue() -> ResponseReturnValue:
    principal = require_page_role(current_principal(), "clerk", "admin")
    # Both lists page as the API's queue does (``?cursor=``): nothing waiting is out of a clerk's reach.
    queue_request = page_request(default=QUEUE_PAGE)
    hidden_request = page_request(default=HIDDEN_PAGE, prefix=HIDDEN_PREFIX)
    with database().read() as session:
        waiting = moderation.queue_page(session, principal, queue_request)
        waiting_tally = moderation.queue_stretch(session, principal, queue_request)
        hidden = moderation.hidden_page(session, principal, hidden_request)
        hidden_tally = moderation.hidden_stretch(session, principal, hidden_request)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
        # The authors' names and whether they are suspended, for the suspension controls (one query).
        authors = {row.id: row for row in session.execute(
            select(User.id, User.display_name, User.username, User.suspended)
            .where(User.id.in_({c["author"] for c in waiting.items})))}
        # Clerks read "section 11(2)", or "regulation 2(1)" of an imported bill, as the provision tree cites
        # provisions, rather than the eId: one query for both lists.
        citations = bills.provision_citations(session, ((c["bill_id"], c["eid"]) for c in [*waiting.items,
                                                                                           *hidden.items]))
    return page("moderation.html", queue=waiting.items, hidden=hidden.items, titles=titles, authors=authors,
                citations=citations, queue_span=_span(waiting_tally, waiting, queue_request),
                hidden_span=_span(hidden_tally, hidden, hidden_request, HIDDEN_PREFIX))


@consultation_pages.get("/mps/<int:user_id>")
def member(user_id: int) -> ResponseReturnValue:
    with database().read() as session:
        record = amendments.member_record(session, user_id)
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    return page("member.html", member=record, titles=titles)
