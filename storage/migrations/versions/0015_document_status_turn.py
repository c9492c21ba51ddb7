"""An index on a document's status and queue turn: each batch planned asks for the head of the
job queue (the lowest turn among queued documents), which without it scanned the whole
document table, and status counts (dashboards, the station's progress) read it too.

Revision ID: 0015_document_status_turn
Revises: 0014_document_turn
"""

from __future__ import annotations

from alembic import op

revision = "0015_document_status_turn"
down_revision = "0014_document_turn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_document_status_turn", "document", ["status", "queue_turn"])


def downgrade() -> None:
    op.drop_index("ix_document_status_turn", table_name="document")
