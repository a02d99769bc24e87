"""Finding published documents by their FRBR URIs, and comparing versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn import AknDocument, ProvisionNotFoundError
from akn.portion import portion_element
from akn.redline import redline, redline_html
from server.domain.wording import wording
from server.errors import BadRequest, NotFound
from server.services.bills import get_bill, load_document, versions
from server.store import documents
from server.store.kept import KeptByDigest
from server.store.models import Bill, Expression

MANIFESTATION_FORMATS = {"xml": "xml", "akn": "xml", "html": "html", "pdf": "pdf"}


@dataclass(frozen=True)
class ResolvedUri:
    bill: Bill
    expression: Expression
    format: str | None  # None: the client did not name one (content negotiation decides)


def split_manifestation(uri: str) -> tuple[str, str | None]:
    """``/akn/.../eng@2026-11-21.xml`` → (the expression or work URI, "xml")."""
    path = uri.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        stem, _, extension = last.rpartition(".")
        if extension in MANIFESTATION_FORMATS and stem:
            return path[: -len(extension) - 1], MANIFESTATION_FORMATS[extension]
    return path, None


def resolve(session: Session, uri: str) -> ResolvedUri:
    """The expression a Work, Expression or Manifestation URI names (a Work gives its latest expression)."""
    if not uri.startswith("/akn/"):
        uri = "/akn/" + uri.lstrip("/")
    base, fmt = split_manifestation(uri)
    base = base.removesuffix("/!main")
    if "@" in base.rsplit("/", 1)[-1]:
        expression = session.scalar(select(Expression).where(Expression.expression_uri == base))
        if expression is None:
            raise NotFound(wording("no published expression has the URI %(uri)s", uri=base))
        return ResolvedUri(get_bill(session, expression.bill_id), expression, fmt)
    bill = session.scalar(select(Bill).where(Bill.work_uri == base))
    if bill is None:
        raise NotFound(wording("no work has the URI %(uri)s", uri=base))
    latest = session.scalar(
        select(Expression).where(Expression.bill_id == bill.id).order_by(Expression.version.desc()).limit(1)
    )
    assert latest is not None  # every bill has its first expression
    return ResolvedUri(bill, latest, fmt)


@dataclass(frozen=True)
class FormerPortion:
    """A provision an earlier expression had under an eId the expression asked for no longer has."""

    last: Expression  # the latest earlier expression with a provision of that eId
    eid: str | None  # the same provision's eId in the expression asked for; None when it has it no more


# The eIds of each published document and the identity (wId, else eId) of what each names, by document digest:
# a request for an eId no earlier version had (a made-up link, a crawler's guess) is answered from these without
# parsing every earlier version again.
_identities: KeptByDigest[Mapping[str, str]] = KeptByDigest(64)


def _identities_of(session: Session, sha: str) -> Mapping[str, str]:
    def make() -> Mapping[str, str]:
        return {eid: element.get("wId") or eid for element in load_document(session, sha).root.iter()
                if isinstance(element.tag, str) and (eid := element.get("eId"))}

    return _identities.get(sha, make)


def former_portion(session: Session, expression: Expression, document: AknDocument, eid: str) -> FormerPortion | None:
    """Where the provision ``eid`` of an earlier expression of the work went in ``expression`` (``document``), which
    has no provision ``eid``; None when no earlier expression had one.

    A provision keeps its wId when Parley renames eIds (the eId it had first, when it had no wId), so the wId that
    the latest earlier expression's provision had names the same provision in ``document``.
    """
    earlier = [e for e in versions(session, expression.bill_id) if e.version < expression.version]
    for previous in reversed(earlier):
        if eid not in _identities_of(session, previous.document_sha256):
            continue
        try:
            element = portion_element(load_document(session, previous.document_sha256), eid)
        except ProvisionNotFoundError:
            continue
        identity = element.get("wId") or eid
        for node in document.tree_nodes():
            current = node.get("eId")
            if current and (node.get("wId") or current) == identity:
                try:
                    portion_element(document, current)
                except ProvisionNotFoundError:
                    break  # it became a component or lost its eId to another provision: no portion names it
                return FormerPortion(previous, current)
        return FormerPortion(previous, None)
    return None


def expression_bytes(session: Session, expression: Expression) -> bytes:
    return documents.get(session, expression.document_sha256)


def version_of(session: Session, bill_id: int, version: int) -> Expression:
    expression = session.scalar(
        select(Expression).where(Expression.bill_id == bill_id, Expression.version == version)
    )
    if expression is None:
        raise NotFound(wording("bill %(bill)s has no version %(version)s", bill=bill_id, version=version))
    return expression


def compare(session: Session, bill_id: int, old_version: int, new_version: int) -> dict[str, Any]:
    """The redline between two published versions: JSON changes and the HTML with ins/del marks."""
    get_bill(session, bill_id)
    if old_version == new_version:
        raise BadRequest(wording("compare two different versions"))
    old = load_document(session, version_of(session, bill_id, old_version).document_sha256)
    new = load_document(session, version_of(session, bill_id, new_version).document_sha256)
    result: dict[str, Any] = dict(redline(old.root, new.root))
    result["html"] = redline_html(old.root, new.root)
    result["from"] = old_version
    result["to"] = new_version
    return result
