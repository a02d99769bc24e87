"""Full-text search over bills, provisions (working text and published versions), amendments and visible
comments: SQLite FTS5 or PostgreSQL ``tsvector`` with a GIN index, behind one function.

The entries are derived from the read models and the stored documents, and catch up with the event log through a
cursor (:func:`catch_up`): each event since the cursor refreshes only the entries it may have changed (an edit its
provision, a comment event its comment; an endorsement nothing). Nothing else has to remember
to update the index, a crash loses nothing (the cursor moves in the same transaction as the entries), and a
projection rebuild leaves the entries right because they derive from the same log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lxml import etree
from sqlalchemy import ColumnElement, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from akn import InvalidMarkupError
from akn.inline import from_markup
from akn.vocabulary import BLOCK_ELEMENTS
from server.domain.amendments import STATE_AFTER, AmendmentEvent
from server.domain.consultation import CommentState, ConsultationEvent
from server.domain.events import EventType
from server.domain.opendata import OpenDataEvent
from server.domain.wording import wording
from server.errors import BadRequest, ValidationFailed
from server.services import amendment_privacy
from server.services.bills import load_document
from server.services.principal import Principal
from server.store import eventlog
from server.store.amendment_models import Amendment
from server.store.consultation_models import Comment
from server.store.models import Bill, EventRecord, Expression, Provision
from server.store.opendata_models import SearchCursor, SearchEntry

# Must stay identical to the indexed expression in the opendata migration, or PostgreSQL cannot use the index.
PG_VECTOR = ("setweight(to_tsvector('simple', coalesce(e.title, '')), 'A') || "
             "setweight(to_tsvector('simple', coalesce(e.body, '')), 'B')")
# Title matches count four times a body match, on both databases.
SQLITE_WEIGHTS = "4.0, 1.0"
WORKING_TEXT = 0
# Equal scores are common (a provision unchanged since version 1 scores the same in every version). They are
# ordered by what each entry is, unique and kept across re-indexing, never by the row id, which re-indexing a bill
# renews: ordered by id, the next page could repeat a result of the previous one and skip another.
_TIE_BREAK = "e.bill_id, e.kind, e.ref, e.eid"
MAX_QUERY_WORDS = 32
_WORD = re.compile(r"\w+", re.UNICODE)
# Elements that end a line of the text a reader sees (their words must not run into the next ones).
_LINE_ENDS = BLOCK_ELEMENTS | {"li", "tr", "td", "th", "br", "eol", "eop"}


class Kind(StrEnum):
    BILL = "bill"
    PROVISION = "provision"
    AMENDMENT = "amendment"
    COMMENT = "comment"


@dataclass(frozen=True)
class SearchQuery:
    text: str
    kind: Kind | None = None
    bill_id: int | None = None
    limit: int = 20
    offset: int = 0


def words(query: str) -> list[str]:
    """The distinct words of a query (punctuation and search operators are not part of Parley's query language).

    Every word must match, so a query of more words than the cap is refused rather than cut short: a word left
    out would let through results that do not contain it.
    """
    found = list(dict.fromkeys(_WORD.findall(query.lower())))
    if not found:
        raise BadRequest(wording("the search query q must contain at least one word"))
    if len(found) > MAX_QUERY_WORDS:
        message = wording("q may hold at most %(most)d different words; found %(found)d", most=MAX_QUERY_WORDS,
                          found=len(found))
        raise ValidationFailed(wording("%(field)s: %(message)s", field="query.q", message=message),
                               fields=[{"field": "query.q", "message": message}])
    return found


# --- indexing ------------------------------------------------------------------------------------------------

# Events that change no searchable text: catching up with them writes nothing. (A citizen endorsing or flagging a
# comment, a clerk answering one, an amendment window opening or closing, a consultation opening.)
_NOTHING_SEARCHABLE = frozenset({
    ConsultationEvent.CONSULTATION_OPENED, ConsultationEvent.COMMENT_ENDORSED, ConsultationEvent.COMMENT_FLAGGED,
    ConsultationEvent.COMMENT_ANSWERED, AmendmentEvent.WINDOW_OPENED, AmendmentEvent.WINDOW_CLOSED,
    OpenDataEvent.SUBSCRIPTION_CREATED, OpenDataEvent.SUBSCRIPTION_CANCELLED, OpenDataEvent.WEBHOOK_REGISTERED,
    OpenDataEvent.WEBHOOK_REMOVED,
})
# Events that make or change (the visibility of) one comment, named by ``data["comment_id"]``.
_COMMENT_EVENTS = frozenset({
    ConsultationEvent.COMMENT_POSTED, ConsultationEvent.COMMENT_EDITED, ConsultationEvent.COMMENT_HELD,
    ConsultationEvent.COMMENT_DELETED, ConsultationEvent.COMMENT_DISOWNED, ConsultationEvent.COMMENT_HIDDEN,
    ConsultationEvent.COMMENT_RESTORED,
})
# Events about one amendment, named by ``data["amendment_id"]`` (the procedure's steps change none of the indexed
# fields today; refreshing the one entry costs a read and keeps that true if a step ever does).
_AMENDMENT_EVENTS = frozenset({AmendmentEvent.DRAFTED, AmendmentEvent.COSPONSOR_ADDED, *STATE_AFTER})
_STRUCTURE_EVENTS = frozenset({
    EventType.PROVISION_INSERTED, EventType.PROVISION_DELETED, EventType.PROVISION_MOVED,
    EventType.PROVISION_RETITLED,
})
# Past this many ids or eIds in one statement, a whole scope is cheaper (and stays under SQLite's variable cap).
_IN_LIST = 500
_EVENT_BATCH = 1000


@dataclass
class _Stale:
    """What the events of one bill since the cursor may have changed among its entries."""

    whole: bool = False  # a new bill, or an event type not known here: everything of the bill
    working_text: bool = False  # eIds were renamed or the rows rebuilt: every working-text entry
    prune: bool = False  # provisions were deleted: working-text entries of eIds that no longer exist
    # Working-text provisions by eId. An edit's eId renamed by a later event of the same catch-up is no concern:
    # renaming refreshes the whole working text.
    eids: set[str] = field(default_factory=set)
    versions: bool = False


@dataclass
class _Pending:
    bills: dict[int, _Stale] = field(default_factory=dict)
    amendments: set[int] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)  # bills with an event that may change an entry

    def note(self, bill_id: int, kind: str, data: dict[str, Any]) -> None:
        """Record what one event may have changed (read from the read models later, as they are now)."""
        if kind in _NOTHING_SEARCHABLE:
            return
        self.touched.add(bill_id)
        if kind in _COMMENT_EVENTS:
            self.comments.add(int(data["comment_id"]))
            return
        if kind in _AMENDMENT_EVENTS:
            self.amendments.add(int(data["amendment_id"]))
            return
        stale = self.bills.setdefault(bill_id, _Stale())
        if kind == EventType.PROVISION_EDITED:
            stale.eids.add(data["eid"])
        elif kind in _STRUCTURE_EVENTS:
            # Renumbering renames eIds (and rewrites references to them) anywhere in the bill; without renames
            # only the inserted or retitled provision changed, and a deletion removed a subtree.
            if data.get("renames"):
                stale.working_text = True
            if data.get("eid"):
                stale.eids.add(data["eid"])
            stale.prune = stale.prune or bool(data.get("removed_wids")) or kind == EventType.PROVISION_DELETED
        elif kind == EventType.VERSION_PUBLISHED:
            stale.versions = True
        elif kind == AmendmentEvent.CONSOLIDATED:
            # Appended with the version.published of a consolidation, it rebuilds the working text's rows.
            stale.working_text = True
        else:
            # bill.imported, and any event type this module does not know yet: correct before cheap.
            stale.whole = True


def behind(session: Session) -> bool:
    """Whether events were appended since the index last caught up (read-only: takes no lock)."""
    cursor = session.get(SearchCursor, 1)
    return eventlog.last_event_id(session) > (cursor.last_event_id if cursor else 0)


def catch_up(session: Session) -> int:
    """Bring the entries up to the log's head, each event updating only the entries it may have changed.

    Returns how many bills had events that may change their entries. The entries are read from the read models as
    they are now, so an entry refreshed once for several events is right for all of them; only differences are
    written.
    """
    eventlog.acquire_append_lock(session)
    cursor = session.get(SearchCursor, 1)
    after = cursor.last_event_id if cursor else 0
    head = eventlog.last_event_id(session)
    if head <= after:
        return 0
    pending = _Pending()
    # Events without a bill (accounts, webhooks, held comments) never change a public text. Read in batches: the
    # first catch-up of a large log must not hold every event's data at once.
    last = after
    while True:
        rows = session.execute(
            select(EventRecord.id, EventRecord.bill_id, EventRecord.type, EventRecord.data)
            .where(EventRecord.id > last, EventRecord.id <= head, EventRecord.bill_id.is_not(None))
            .order_by(EventRecord.id).limit(_EVENT_BATCH)
        ).all()
        for row in rows:
            pending.note(int(row.bill_id), row.type, row.data)
        if len(rows) < _EVENT_BATCH:
            break
        last = rows[-1].id
    for bill_id in sorted(pending.bills):
        _refresh_bill(session, bill_id, pending.bills[bill_id])
    _refresh_amendments(session, pending.amendments)
    _refresh_comments(session, pending.comments)
    if cursor is None:
        session.add(SearchCursor(id=1, last_event_id=head))
    else:
        cursor.last_event_id = head
    session.flush()
    return len(pending.touched)


def _refresh_bill(session: Session, bill_id: int, stale: _Stale) -> None:
    if stale.whole:
        reindex_bill(session, bill_id)
        return
    working = (SearchEntry.bill_id == bill_id) & (SearchEntry.kind == Kind.PROVISION) & (
        SearchEntry.ref == WORKING_TEXT)
    if stale.working_text or len(stale.eids) > _IN_LIST:
        _sync(session, working, _working_entries(session, bill_id, None))
    else:
        if stale.prune:
            session.execute(delete(SearchEntry).where(
                working, SearchEntry.eid.not_in(select(Provision.eid).where(Provision.bill_id == bill_id))
            ))
        if stale.eids:
            eids = sorted(stale.eids)
            _sync(session, working & SearchEntry.eid.in_(eids), _working_entries(session, bill_id, eids))
    if stale.versions:
        session.add_all(_new_versions(session, bill_id))
    session.flush()


def _refresh_amendments(session: Session, ids: set[int]) -> None:
    for chunk in _chunks(sorted(ids)):
        wanted = [_amendment_entry(a) for a in session.scalars(select(Amendment).where(Amendment.id.in_(chunk)))]
        _sync(session, (SearchEntry.kind == Kind.AMENDMENT) & SearchEntry.ref.in_(chunk), wanted)


def _refresh_comments(session: Session, ids: set[int]) -> None:
    for chunk in _chunks(sorted(ids)):
        visible = select(Comment).where(Comment.id.in_(chunk), Comment.state == CommentState.VISIBLE)
        wanted = [_comment_entry(c) for c in session.scalars(visible)]
        _sync(session, (SearchEntry.kind == Kind.COMMENT) & SearchEntry.ref.in_(chunk), wanted)


def _chunks(items: list[int]) -> list[list[int]]:
    return [items[i:i + _IN_LIST] for i in range(0, len(items), _IN_LIST)]


def reindex_bill(session: Session, bill_id: int) -> None:
    """Bring all of a bill's entries up to date; published versions are indexed once, as they never change."""
    bill = session.get(Bill, bill_id)
    wanted: list[SearchEntry] = []
    if bill is not None:
        wanted.append(SearchEntry(kind=Kind.BILL, bill_id=bill_id, ref=0, eid=None, title=bill.title, body=""))
        wanted += _working_entries(session, bill_id, None)
        wanted += [_amendment_entry(a) for a in session.scalars(select(Amendment).where(Amendment.bill_id == bill_id))]
        visible = select(Comment).where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE)
        wanted += [_comment_entry(c) for c in session.scalars(visible)]
    _sync(session, (SearchEntry.bill_id == bill_id) & (
        (SearchEntry.kind != Kind.PROVISION) | (SearchEntry.ref == WORKING_TEXT)), wanted)
    if bill is not None:
        session.add_all(_new_versions(session, bill_id))
    session.flush()


def _sync(session: Session, scope: ColumnElement[bool], wanted: list[SearchEntry]) -> None:
    """Make the entries in ``scope`` those ``wanted``, writing only the differences.

    Rewriting unchanged entries would cost as much as the first indexing (and on SQLite twice over, through the
    FTS triggers) for nothing.
    """
    have: dict[tuple[str, int, int, str | None], list[SearchEntry]] = {}
    for entry in session.scalars(select(SearchEntry).where(scope)):
        have.setdefault((entry.kind, entry.bill_id, entry.ref, entry.eid), []).append(entry)
    for entry in wanted:
        same = have.get((entry.kind, entry.bill_id, entry.ref, entry.eid))
        if not same:
            session.add(entry)
            continue
        old = same.pop()
        if (old.title, old.body) != (entry.title, entry.body):
            old.title, old.body = entry.title, entry.body
    for stale in have.values():
        for entry in stale:
            session.delete(entry)
    session.flush()


def _working_entries(session: Session, bill_id: int, eids: list[str] | None) -> list[SearchEntry]:
    """The working-text entries of a bill's provisions (only those of ``eids`` when given)."""
    query = select(Provision).where(Provision.bill_id == bill_id)
    if eids is not None:
        query = query.where(Provision.eid.in_(eids))
    return [_provision_entry(bill_id, WORKING_TEXT, row.eid, row.num, row.heading, row.text)
            for row in session.scalars(query.order_by(Provision.ordinal))]


def _amendment_entry(amendment: Amendment) -> SearchEntry:
    return SearchEntry(
        kind=Kind.AMENDMENT, bill_id=amendment.bill_id, ref=amendment.id, eid=amendment.eid,
        title=amendment.instruction,
        body=f"{plain_text(amendment.new_text or '')}\n{amendment.justification or ''}",
    )


def _comment_entry(comment: Comment) -> SearchEntry:
    return SearchEntry(kind=Kind.COMMENT, bill_id=comment.bill_id, ref=comment.id, eid=comment.eid,
                       title=comment.quote or "", body=comment.body)


def _new_versions(session: Session, bill_id: int) -> list[SearchEntry]:
    indexed = set(session.scalars(
        select(SearchEntry.ref).where(SearchEntry.bill_id == bill_id, SearchEntry.kind == Kind.PROVISION,
                                      SearchEntry.ref != WORKING_TEXT).distinct()
    ))
    entries: list[SearchEntry] = []
    for expression in session.scalars(select(Expression).where(Expression.bill_id == bill_id)):
        if expression.version in indexed:
            continue
        document = load_document(session, expression.document_sha256)

        def walk(provisions: Any, version: int = expression.version) -> None:
            for provision in provisions:
                if provision.eid:
                    entries.append(_provision_entry(bill_id, version, provision.eid, provision.num,
                                                    provision.heading, provision.text or ""))
                walk(provision.children)

        walk(document.provisions())
    return entries


def _provision_entry(
    bill_id: int, version: int, eid: str, num: str | None, heading: str | None, body: str
) -> SearchEntry:
    title = " ".join(plain_text(part) for part in (num, heading) if part)
    return SearchEntry(kind=Kind.PROVISION, bill_id=bill_id, ref=version, eid=eid, title=title,
                       body=plain_text(body))


def plain_text(markup: str) -> str:
    """The words a reader sees in a provision's markup: ``{{term{refersTo #term-clerk} clerk}}`` is "clerk".

    Indexed as written, the markup's element names, attributes and references would match queries (every
    provision using a defined term would match "refersto") and show in excerpts.
    """
    if not any(mark in markup for mark in "*/_{}\\"):
        return markup
    try:
        root = from_markup(markup)
    except InvalidMarkupError:
        return markup
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in _LINE_ENDS:
            element.tail = "\n" + (element.tail or "")
    text_ = etree.tostring(root, method="text", encoding="unicode", with_tail=False)
    return "\n".join(line.strip() for line in text_.splitlines() if line.strip())


# --- querying ------------------------------------------------------------------------------------------------


def search(session: Session, query: SearchQuery, reader: Principal | None) -> list[dict[str, Any]]:
    """Entries matching every word of the query, best first, with the filters applied; no draft ``reader`` may not
    know of (drafts are indexed: their proposers and the clerks find them)."""
    terms = words(query.text)
    filters = ""
    params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
    hidden = amendment_privacy.unreadable_ids(session, reader, query.bill_id)
    if hidden:
        filters += f" AND NOT (e.kind = '{Kind.AMENDMENT.value}' AND e.ref IN :hidden)"
        params["hidden"] = sorted(hidden)
    if query.kind is not None:
        filters += " AND e.kind = :kind"
        params["kind"] = query.kind.value
    if query.bill_id is not None:
        filters += " AND e.bill_id = :bill_id"
        params["bill_id"] = query.bill_id
    if session.get_bind().dialect.name == "postgresql":
        params["q"] = " ".join(terms)
        sql = (
            # Only constants are formatted in; the query's words travel as bound parameters.
            f"SELECT e.id, e.kind, e.bill_id, e.ref, e.eid, e.title, e.body, ts_rank_cd({PG_VECTOR}, q) AS score "  # noqa: S608
            f"FROM search_entries e, plainto_tsquery('simple', :q) q WHERE ({PG_VECTOR}) @@ q{filters} "
            f"ORDER BY score DESC, {_TIE_BREAK} LIMIT :limit OFFSET :offset"
        )
    else:
        # Each word quoted: FTS5 then reads it as a plain token, never as an operator or a column filter.
        params["q"] = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
        sql = (
            f"SELECT e.id, e.kind, e.bill_id, e.ref, e.eid, e.title, e.body, "  # noqa: S608
            f"-bm25(search_fts, {SQLITE_WEIGHTS}) AS score "
            "FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid "
            f"WHERE search_fts MATCH :q{filters} ORDER BY score DESC, {_TIE_BREAK} LIMIT :limit OFFSET :offset"
        )
    statement = text(sql).bindparams(bindparam("hidden", expanding=True)) if hidden else text(sql)
    return [_result(row) for row in session.execute(statement, params).mappings()]


def _result(row: Any) -> dict[str, Any]:
    kind = Kind(row["kind"])
    result: dict[str, Any] = {
        "kind": kind.value, "bill_id": row["bill_id"], "eid": row["eid"], "title": row["title"],
        "excerpt": _excerpt(row["body"]), "score": round(float(row["score"]), 6),
    }
    if kind is Kind.PROVISION:
        result["version"] = row["ref"] or None
    elif kind in (Kind.AMENDMENT, Kind.COMMENT):
        result["id"] = row["ref"]
    return result


def _excerpt(body: str, size: int = 240) -> str:
    return body if len(body) <= size else body[: size - 1].rstrip() + "…"


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchEntry)) or 0)
