"""index provisions by (bill_id, wid)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_provisions_bill_wid", "provisions", ["bill_id", "wid"])


def downgrade() -> None:
    op.drop_index("ix_provisions_bill_wid", table_name="provisions")
