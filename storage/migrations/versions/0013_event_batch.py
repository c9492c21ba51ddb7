"""The batch an event is about, as a column: a document's history shows its batch being
opened, closed and split (who, when) without reading every batch event's JSON detail. Events
logged before keep it in their detail only: the event log is append-only (a trigger refuses
updates on PostgreSQL), and the audit trail is not rewritten for a convenience.

Revision ID: 0013_event_batch
Revises: 0012_issued_results
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_event_batch"
down_revision = "0012_issued_results"
branch_labels = None
depends_on = None


# A plain ADD COLUMN on both engines, never a batch copy of the table: on SQLite that copy
# would drop the triggers that keep the event log append-only (and Alembic adds no foreign key
# to an SQLite table but by that copy, so SQLite is told directly).
def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE event ADD COLUMN batch_id INTEGER REFERENCES batch (id)")
    else:
        op.add_column(
            "event", sa.Column("batch_id", sa.Integer, sa.ForeignKey("batch.id"), nullable=True)
        )
    op.create_index("ix_event_batch_id", "event", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_event_batch_id", table_name="event")
    op.execute("ALTER TABLE event DROP COLUMN batch_id")
