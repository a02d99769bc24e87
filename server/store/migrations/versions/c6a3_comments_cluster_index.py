"""index a bill's comments by state and cluster

Revision ID: c6a3
Revises: c6a2
Create Date: 2026-12-06 13:45:00
"""

from __future__ import annotations

from alembic import op

revision = "c6a3"
down_revision = "c6a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Grouping a bill's campaigns counts its visible comments by cluster; the wider index serves that and
    # everything the (bill_id, state) one served.
    op.create_index("ix_comments_bill_state_cluster", "comments", ["bill_id", "state", "cluster_id"])
    op.drop_index("ix_comments_bill_state", table_name="comments")


def downgrade() -> None:
    op.create_index("ix_comments_bill_state", "comments", ["bill_id", "state"])
    op.drop_index("ix_comments_bill_state_cluster", table_name="comments")
