"""refused operations: op ids answered edit_conflict, so a late copy is not applied

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_operations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("op_id", sa.String(length=100), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_operations")),
        sa.UniqueConstraint("bill_id", "op_id", name="uq_refused_operations_bill_op"),
    )


def downgrade() -> None:
    op.drop_table("refused_operations")
