"""PDF manifestations: stored PDFs of published expressions (a cache; not a projection, never rebuilt).

Revision ID: e4b7
Revises: 0001
Create Date: 2026-11-22 03:02:10.522305
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e4b7'
down_revision = '0001'
branch_labels = ('pdf',)
depends_on = None


def upgrade() -> None:
    op.create_table('pdf_manifestations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('expression_uri', sa.String(length=400), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('layout_version', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pdf_manifestations')),
    sa.UniqueConstraint('expression_uri', 'document_sha256', 'layout_version', name='uq_pdf_manifestations_key')
    )


def downgrade() -> None:
    op.drop_table('pdf_manifestations')
