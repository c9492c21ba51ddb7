"""A document's turn in the job queue (`Intake.take_turns`): stations take turns, so one that
sends two hundred documents does not hold back another's one. Documents queued before keep no
turn (the queue runs them first, as their priority was the default).

Revision ID: 0014_document_turn
Revises: 0013_event_batch
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_document_turn"
down_revision = "0013_event_batch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document", sa.Column("queue_turn", sa.Integer, nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE document DROP COLUMN queue_turn")
