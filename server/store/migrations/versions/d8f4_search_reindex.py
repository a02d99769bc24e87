"""search: empty the index so the next search rebuilds it without inline markup

Revision ID: d8f4
Revises: d8f3
Create Date: 2026-11-24 00:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = 'd8f4'
down_revision = 'd8f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries of published versions are written once and never refreshed, so those indexed before plain_text()
    # stripped inline markup would keep it for good. The index is a cache of the log: emptied along with its
    # cursor, it is rebuilt from the first event by the next search. (On SQLite the delete trigger empties the
    # FTS table in step.)
    op.execute('DELETE FROM search_entries')
    op.execute('DELETE FROM search_cursor')


def downgrade() -> None:
    # Nothing to put back: the older code refills the emptied index the same way.
    pass
