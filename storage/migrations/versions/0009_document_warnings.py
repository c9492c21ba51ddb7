"""Page warnings and pages under 200 dpi, kept with the document when it finishes, so the batch
status and `hoso upload` show them (they were only in the digitize JSON).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document") as table:
        table.add_column(sa.Column("warnings", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as table:
        table.drop_column("warnings")
