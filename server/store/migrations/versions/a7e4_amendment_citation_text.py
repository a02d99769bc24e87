"""amendments: a citation and a new provision's number are kept whole, however long the numbers they quote

Revision ID: a7e4
Revises: a7e3
Create Date: 2026-12-07 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a7e4"
down_revision = "a7e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("amendments", schema=None) as batch_op:
        batch_op.alter_column("citation", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column("new_num", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("amendments", schema=None) as batch_op:
        batch_op.alter_column("new_num", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=True)
        batch_op.alter_column("citation", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False)
