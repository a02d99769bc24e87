"""provision revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:16:01.789659
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = ("revisions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provision_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("wid", sa.String(length=400), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_provision_revisions_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provision_revisions")),
        sa.UniqueConstraint("bill_id", "wid", "rev", name="uq_provision_revisions_bill_wid_rev"),
    )


def downgrade() -> None:
    op.drop_table("provision_revisions")
