"""provisions: the unit an hcontainer stands for ("regulation", "schedule"), for citations read from the rows

Rows written before it have none: `parley projections rebuild` writes it for them (a regulation imported in an
hcontainer is cited by its Part until then).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.drop_column("unit")
