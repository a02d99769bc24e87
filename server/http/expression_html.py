"""A published expression's whole HTML for the resolver's ``.html``, made once per document.

An expression never changes once published (its document is stored by digest), and rendering a long bill whole
takes seconds of one process's CPU (12,000 sections: ~2.6 s for the body and ~1.3 s for its contents): every
request for it would hold the process that long. The last few are kept by digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from akn.render import TocEntry, render, toc
from server.services.bills import load_document
from server.store.kept import KeptByDigest

# A 12,000-section bill's body is ~16 MB of HTML: a handful kept is what open-data readers ask for in turn.
KEPT = 4


@dataclass(frozen=True)
class ExpressionHtml:
    body: str
    contents: list[TocEntry]


_KEPT: KeptByDigest[ExpressionHtml] = KeptByDigest(KEPT)


def expression_html(session: Session, sha256: str) -> ExpressionHtml:
    """The body and contents of stored document ``sha256`` as HTML."""

    def make() -> ExpressionHtml:
        root = load_document(session, sha256).root
        return ExpressionHtml(render(root), toc(root))

    return _KEPT.get(sha256, make)
