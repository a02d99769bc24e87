"""Display names looked up by their folded form (case, accents and spaces aside), so that sign-up can tell whether
another account is shown by a name without reading every name under the write lock.

Revision ID: c6a7
Revises: c6a6
Create Date: 2026-12-07 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.domain.display_names import folded

revision = "c6a7"
down_revision = "c6a6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name_key", sa.String(length=200), nullable=False, server_default=""))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("display_name", sa.String()),
                     sa.column("display_name_key", sa.String()))
    connection = op.get_bind()
    for user_id, name in connection.execute(sa.select(users.c.id, users.c.display_name)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(display_name_key=folded(name)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_display_name_key"), ["display_name_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_display_name_key"))
        batch_op.drop_column("display_name_key")
