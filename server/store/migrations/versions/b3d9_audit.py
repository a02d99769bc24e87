"""Audit: signed checkpoints of the event chain head (not a projection; never rebuilt).

Revision ID: b3d9_audit
Revises: 0001
Create Date: 2026-11-22 00:32:12.635600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b3d9_audit'
down_revision = '0001'
branch_labels = ('audit',)
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_event_id'))

    op.drop_table('audit_checkpoints')
