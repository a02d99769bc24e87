"""A bill's stage in Parley's procedure.

Pure: no Flask, no SQLAlchemy, no I/O.
"""

from __future__ import annotations

from enum import StrEnum


class BillStatus(StrEnum):
    """The stages a bill can be at: a filter on any other value could only ever find nothing."""

    DRAFTING = "drafting"
