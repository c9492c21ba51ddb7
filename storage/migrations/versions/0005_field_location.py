"""Where an extracted value stands on its page, so a reviewer sees that part of the scan.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("extracted_field") as table:
        table.add_column(sa.Column("page", sa.Integer, nullable=True))
        table.add_column(sa.Column("box", sa.JSON, nullable=True))  # [left, top, right, bottom] px


def downgrade() -> None:
    with op.batch_alter_table("extracted_field") as table:
        table.drop_column("box")
        table.drop_column("page")
