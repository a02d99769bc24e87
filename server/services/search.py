"""Full-text search over bills, provisions (working text and published versions), amendments and visible
comments: SQLite FTS5 or PostgreSQL ``tsvector`` with a GIN index, behind one function.

The entries are derived from the read models and the stored documents, and catch up with the event log through a
cursor (:func:`catch_up`): every bill an event touched since the cursor is re-indexed. Nothing else has to remember
to update the index, a crash loses nothing (the cursor moves in the same transaction as the entries), and a
projection rebuild leaves the entries right because they derive from the same log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lxml import etree
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from akn import InvalidMarkupError
from akn.inline import from_markup
from akn.vocabulary import BLOCK_ELEMENTS
from server.domain.consultation import CommentState
from server.errors import BadRequest, ValidationFailed
from server.services.bills import load_document
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
        raise BadRequest("the search query q must contain at least one word")
    if len(found) > MAX_QUERY_WORDS:
        message = f"q may hold at most {MAX_QUERY_WORDS} different words; found {len(found)}"
        raise ValidationFailed(f"query.q: {message}", fields=[{"field": "query.q", "message": message}])
    return found


# --- indexing ------------------------------------------------------------------------------------------------


def behind(session: Session) -> bool:
    """Whether events were appended since the index last caught up (read-only: takes no lock)."""
    cursor = session.get(SearchCursor, 1)
    return eventlog.last_event_id(session) > (cursor.last_event_id if cursor else 0)


def catch_up(session: Session) -> int:
    """Re-index every bill an event touched since the cursor; returns how many bills were re-indexed."""
    eventlog.acquire_append_lock(session)
    cursor = session.get(SearchCursor, 1)
    after = cursor.last_event_id if cursor else 0
    head = eventlog.last_event_id(session)
    if head <= after:
        return 0
    touched = sorted(
        bill_id for bill_id in session.scalars(
            select(EventRecord.bill_id).where(EventRecord.id > after, EventRecord.bill_id.is_not(None)).distinct()
        ) if bill_id is not None
    )
    for bill_id in touched:
        reindex_bill(session, bill_id)
    if cursor is None:
        session.add(SearchCursor(id=1, last_event_id=head))
    else:
        cursor.last_event_id = head
    session.flush()
    return len(touched)


def reindex_bill(session: Session, bill_id: int) -> None:
    """Replace a bill's entries; published versions are indexed once, as they never change."""
    session.execute(
        delete(SearchEntry).where(
            SearchEntry.bill_id == bill_id,
            (SearchEntry.kind != Kind.PROVISION) | (SearchEntry.ref == WORKING_TEXT),
        )
    )
    bill = session.get(Bill, bill_id)
    if bill is None:
        return
    entries = [SearchEntry(kind=Kind.BILL, bill_id=bill_id, ref=0, eid=None, title=bill.title, body="")]
    for row in session.scalars(select(Provision).where(Provision.bill_id == bill_id).order_by(Provision.ordinal)):
        entries.append(_provision_entry(bill_id, WORKING_TEXT, row.eid, row.num, row.heading, row.text))
    for amendment in session.scalars(select(Amendment).where(Amendment.bill_id == bill_id)):
        entries.append(SearchEntry(
            kind=Kind.AMENDMENT, bill_id=bill_id, ref=amendment.id, eid=amendment.eid, title=amendment.instruction,
            body=f"{plain_text(amendment.new_text or '')}\n{amendment.justification or ''}",
        ))
    visible = select(Comment).where(Comment.bill_id == bill_id, Comment.state == CommentState.VISIBLE)
    for comment in session.scalars(visible):
        entries.append(SearchEntry(
            kind=Kind.COMMENT, bill_id=bill_id, ref=comment.id, eid=comment.eid, title=comment.quote or "",
            body=comment.body,
        ))
    entries += _new_versions(session, bill_id)
    session.add_all(entries)
    session.flush()


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


def search(session: Session, query: SearchQuery) -> list[dict[str, Any]]:
    """Entries matching every word of the query, best first, with the filters applied."""
    terms = words(query.text)
    filters = ""
    params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
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
    return [_result(row) for row in session.execute(text(sql), params).mappings()]


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
