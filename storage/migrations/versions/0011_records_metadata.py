"""Records metadata (Circular 05/2025/TT-BNV): what a person decides about a record (record
code, title, retention, access level, …), the record's stable identifier across archives (a
bag's documents are recognised by it when imported), and what hoso derived about its
digitization once it finished (cached: a finished document's copy never changes).

Revision ID: 0011_records_metadata
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_records_metadata"
down_revision = "0010"
branch_labels = None
depends_on = None

TEXT_FIELDS = (
    ("record_code", 60),
    ("title", 500),
    ("retention", 40),
    ("access_level", 40),
    ("keywords", 500),
    ("physical_state", 200),
    ("information_symbol", 60),
    ("reliability", 40),
    ("paper_original_code", 60),
    ("notes", 1000),
)


def upgrade() -> None:
    op.create_table(
        "record_metadata",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), primary_key=True),
        sa.Column("identifier", sa.String(36), nullable=False, unique=True),
        *(sa.Column(name, sa.String(size), nullable=True) for name, size in TEXT_FIELDS),
        sa.Column("digitization", sa.JSON, nullable=True),
        sa.Column("updated_by", sa.String(120), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("record_metadata")
