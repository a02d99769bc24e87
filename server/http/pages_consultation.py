"""The clerks' moderation queue (and the items of it the page's script draws live) and the pages of members of
parliament."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.paging import encode_cursor
from server.domain.wording import wording
from server.errors import ParleyError
from server.http.context import current_principal, database, page_request, query_error, str_arg
from server.http.pages_common import page, page_error, require_page_role
from server.services import amendments, bills, moderation
from server.services.paging import Page, PageRequest
from server.services.principal import require
from server.store.models import User

consultation_pages = Blueprint("consultation_pages", __name__)
consultation_pages.register_error_handler(ParleyError, page_error)
#: What the moderation page's script fetches: pieces of the page, whose refusals are JSON, as the API's (a script
#: asks, not a person following a link).
moderation_rows_blueprint = Blueprint("moderation_rows", __name__)


#: How many comments one page of the queue, and of those hidden lately, shows (as the API's queue pages).
QUEUE_PAGE = 200
HIDDEN_PAGE = 50
#: The query parameters of the hidden comments' pages (``hidden_cursor``, ``hidden_limit``); the queue's are the API's.
HIDDEN_PREFIX = "hidden_"
#: The most comments one ask of ``/moderation/rows`` names: a campaign held by the hundred is drawn in one ask.
MAX_ROWS = QUEUE_PAGE
_COMMENT_ID = re.compile("[0-9]{1,18}")


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
    #: The key of the last item shown when a next page follows (None: this page reaches the list's end): the script
    #: draws a comment that reaches the list while the page is open only if it falls between ``after`` and this.
    until: int | None


def _here(**changes: str | None) -> str:
    """This page with some query parameters changed (None: dropped), the others (language, the other list's page)
    kept."""
    args: dict[str, Any] = {name: value for name, value in request.args.items() if name not in changes}
    args.update((name, value) for name, value in changes.items() if value is not None)
    return url_for("consultation_pages.moderation_queue", **args)


def _span(tally: moderation.Stretch, found: Page[Any], page: PageRequest, prefix: str = "") -> Span:
    shown = len(found.items)
    following = min(page.limit, tally.total - tally.before - shown)
    until = found.next_after if following > 0 else None
    return Span(
        total=tally.total, first=tally.before + 1 if shown else 0, last=tally.before + shown, following=following,
        next_url=_here(**{f"{prefix}cursor": encode_cursor(until)}) if until is not None else None,
        first_url=_here(**{f"{prefix}cursor": None}) if page.after is not None else None,
        before=tally.before, after=page.after, until=until,
    )


def _drawn_with(session: Session, queue: Sequence[dict[str, Any]], hidden: Sequence[dict[str, Any]]
                ) -> dict[str, Any]:
    """What the items of both lists are drawn with: the bills' titles, the queued comments' authors and the
    provisions' citations."""
    titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    # The authors' names and whether they are suspended, for the suspension controls (one query).
    authors = {row.id: row for row in session.execute(
        select(User.id, User.display_name, User.username, User.suspended)
        .where(User.id.in_({c["author"] for c in queue})))}
    # Clerks read "section 11(2)", or "regulation 2(1)" of an imported bill, as the provision tree cites
    # provisions, rather than the eId: one query for both lists.
    citations = bills.provision_citations(session, ((c["bill_id"], c["eid"]) for c in [*queue, *hidden]))
    return {"titles": titles, "authors": authors, "citations": citations}


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
        drawn_with = _drawn_with(session, waiting.items, hidden.items)
    return page("moderation.html", queue=waiting.items, hidden=hidden.items, **drawn_with,
                queue_span=_span(waiting_tally, waiting, queue_request),
                hidden_span=_span(hidden_tally, hidden, hidden_request, HIDDEN_PREFIX))


def _comment_ids(raw: str | None) -> list[int]:
    """``?comments=3,7``: the comments asked for, each once."""
    parts = (raw or "").split(",")
    if not all(_COMMENT_ID.fullmatch(part) for part in parts):
        raise query_error("comments", wording("comment ids separated by commas, such as 3,7, were expected; found "
                                              "%(found)r", found=raw or ""))
    ids = list(dict.fromkeys(int(part) for part in parts))
    if len(ids) > MAX_ROWS:
        raise query_error("comments", wording("at most %(most)d comments may be asked for at once; found %(found)d",
                                              most=MAX_ROWS, found=len(ids)))
    return ids


@moderation_rows_blueprint.get("/moderation/rows")
def moderation_rows() -> Response:
    """Clerks and admins: the items of the moderation page for the comments ``?comments=3,7`` that wait for a clerk
    or are hidden now, each in its list, drawn as the page draws them. The moderation room names comments, never
    their words: the page's script asks here for what to draw."""
    principal = require(current_principal(), *moderation.MODERATORS)
    ids = _comment_ids(str_arg("comments"))
    with database().read() as session:
        queued = moderation.queued_comments(session, principal, ids)
        hidden = moderation.hidden_comments(session, principal, ids)
        drawn_with = _drawn_with(session, queued, hidden)
    html, status = page("moderation_rows.html", queue=queued, hidden=hidden, **drawn_with)
    response = Response(html, status=status, mimetype="text/html")
    # What waits changes with every act: a stored copy would draw a comment as it was.
    response.headers["Cache-Control"] = "no-store"
    return response


@consultation_pages.get("/mps/<int:user_id>")
def member(user_id: int) -> ResponseReturnValue:
    with database().read() as session:
        record = amendments.member_record(session, user_id, current_principal())
        titles = {bill.id: bill.title for bill in bills.list_bills(session)}
    return page("member.html", member=record, titles=titles)
