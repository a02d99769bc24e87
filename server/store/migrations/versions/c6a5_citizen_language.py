"""The language a citizen signed up in, so that mail to them is written in it.

Revision ID: c6a5
Revises: c6a4
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c6a5"
down_revision = "c6a4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Citizens who signed up before read English, as they did.
    with op.batch_alter_table("citizen_signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("citizen_signups", schema=None) as batch_op:
        batch_op.drop_column("language")
