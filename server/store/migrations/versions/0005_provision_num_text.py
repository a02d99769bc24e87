"""provisions: a number is kept whole, however long its markup (a UK act's numbers carry their footnotes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.alter_column("num", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.alter_column("num", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=True)
