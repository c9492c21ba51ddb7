"""A batch belongs to the station (API token) that opened it. Existing batches go to the
station token whose name they were created under, when exactly one has it (so a batch left open
across the upgrade can still be finished); the others stay readable by officers only.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MATCHES = "FROM api_token t WHERE t.role = 'station' AND 'station:' || t.name = batch.created_by"
TO_STATIONS = f"""
UPDATE batch SET station_token_id = (SELECT t.id {MATCHES})
WHERE (SELECT count(*) {MATCHES}) = 1
"""


def upgrade() -> None:
    with op.batch_alter_table("batch") as table:
        table.add_column(sa.Column("station_token_id", sa.Integer, nullable=True))
        table.create_foreign_key(
            "fk_batch_station_token", "api_token", ["station_token_id"], ["id"]
        )
        table.create_index("ix_batch_station_token_id", ["station_token_id"])
    op.execute(TO_STATIONS)


def downgrade() -> None:
    with op.batch_alter_table("batch") as table:
        table.drop_index("ix_batch_station_token_id")
        table.drop_constraint("fk_batch_station_token", type_="foreignkey")
        table.drop_column("station_token_id")
