"""Amendments: the parts of a reason Parley wrote (an outdated amendment that fell), to show it in each language.

Revision ID: a7e3
Revises: a7e2_amendments
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7e3'
down_revision = 'a7e2_amendments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reasons recorded before keep no parts: they are shown as the English text they were written as.
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_parts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('reason_parts')
