"""Stored PDF manifestations of published expressions.

A cache, not a projection: no event writes it and ``parley projections rebuild`` leaves it alone. Each row is a
pure function of its key (the expression's URI, the SHA-256 of its canonical AKN, and the version of the print
layout), and a published expression never changes, so a row is never stale while its key matches; dropping any
or all rows is safe, since the next request for that PDF lays it out again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.store.models import Base, BigId


class PdfManifestation(Base):
    """The PDF bytes of one expression, as laid out by one version of the print layout."""

    __tablename__ = "pdf_manifestations"
    __table_args__ = (
        UniqueConstraint(
            "expression_uri", "document_sha256", "layout_version", name="uq_pdf_manifestations_key"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The URI, not the expression's row id: a projection rebuild renumbers rows but keeps URIs.
    expression_uri: Mapped[str] = mapped_column(String(400))
    document_sha256: Mapped[str] = mapped_column(String(64))
    layout_version: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
