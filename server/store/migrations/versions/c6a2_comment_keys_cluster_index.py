"""index comment keys by cluster

Revision ID: c6a2
Revises: c6a1
Create Date: 2026-11-22 03:55:00
"""

from __future__ import annotations

from alembic import op

revision = "c6a2"
down_revision = "c6a1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comment_keys_cluster", "comment_keys", ["consultation_id", "cluster_id", "comment_id"])


def downgrade() -> None:
    op.drop_index("ix_comment_keys_cluster", table_name="comment_keys")
