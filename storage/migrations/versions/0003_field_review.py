"""Extracted fields: where a value came from, why it is doubtful, and its review.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("extracted_field") as table:
        table.add_column(sa.Column("source", sa.String(20), nullable=False, server_default="label"))
        table.add_column(sa.Column("problems", sa.JSON, nullable=True))
        table.add_column(sa.Column("reviewed_by", sa.String(120), nullable=True))
        table.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        table.create_index("ix_extracted_field_status", ["status"])
        table.create_index("ix_extracted_field_name_value", ["name", "value"])


def downgrade() -> None:
    with op.batch_alter_table("extracted_field") as table:
        table.drop_index("ix_extracted_field_name_value")
        table.drop_index("ix_extracted_field_status")
        for column in ("reviewed_at", "reviewed_by", "problems", "source"):
            table.drop_column(column)
