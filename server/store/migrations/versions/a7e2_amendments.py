"""Amendments: the amendments, their conflicts and each bill's amendment window (projections).

Revision ID: a7e2_amendments
Revises: 0001
Create Date: 2026-11-22 00:00:52.637057
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7e2_amendments'
down_revision = '0001'
branch_labels = ('amendments',)
depends_on = None


def upgrade() -> None:
    op.create_table('amendment_windows',
    sa.Column('bill_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_amendment_windows_bill_id_bills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bill_id', name=op.f('pk_amendment_windows')),
    info={'projection': True}
    )
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('eid', sa.String(length=400), nullable=False),
    sa.Column('wid', sa.String(length=400), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('citation', sa.String(length=200), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('base_expression_uri', sa.String(length=400), nullable=False),
    sa.Column('base_text', sa.Text(), nullable=False),
    sa.Column('new_text', sa.Text(), nullable=False),
    sa.Column('new_name', sa.String(length=40), nullable=True),
    sa.Column('new_num', sa.String(length=100), nullable=True),
    sa.Column('new_heading', sa.Text(), nullable=True),
    sa.Column('instruction', sa.Text(), nullable=False),
    sa.Column('instruction_parts', sa.JSON(), nullable=False),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('cosponsor_ids', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('votes', sa.JSON(), nullable=True),
    sa.Column('defeated_by', sa.Integer(), nullable=True),
    sa.Column('consolidated_in', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_amendments_bill_id_bills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments')),
    sa.UniqueConstraint('bill_id', 'number', name='uq_amendments_bill_number'),
    info={'projection': True}
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index('ix_amendments_bill_state', ['bill_id', 'state'], unique=False)
        batch_op.create_index('ix_amendments_proposer', ['proposer_id'], unique=False)

    op.create_table('amendment_conflicts',
    sa.Column('amendment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('other_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_amendment_conflicts_amendment_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['amendments.id'], name=op.f('fk_amendment_conflicts_other_id_amendments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('amendment_id', 'other_id', name=op.f('pk_amendment_conflicts')),
    info={'projection': True}
    )


def downgrade() -> None:
    op.drop_table('amendment_conflicts')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_index('ix_amendments_proposer')
        batch_op.drop_index('ix_amendments_bill_state')

    op.drop_table('amendments')
    op.drop_table('amendment_windows')
