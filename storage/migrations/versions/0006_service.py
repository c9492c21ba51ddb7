"""The service: batches with their uploaded files, documents split from them with progress and
province, API tokens (hashed) and worker heartbeats.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("batch") as table:
        table.add_column(sa.Column("province_code", sa.String(2), nullable=True))
        table.add_column(sa.Column("created_by", sa.String(120), nullable=True))
        table.add_column(sa.Column("closed_at", WHEN, nullable=True))
        table.create_foreign_key("fk_batch_province", "province", ["province_code"], ["code"])
        table.create_index("ix_batch_province_code", ["province_code"])
    op.create_table(
        "batch_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batch.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("original_key", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("batch_file.id"), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("batch_id", "sha256"),
    )
    with op.batch_alter_table("document") as table:
        table.add_column(sa.Column("province_code", sa.String(2), nullable=True))
        table.add_column(sa.Column("sources", sa.JSON, nullable=True))
        table.add_column(sa.Column("pages_done", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("failure_code", sa.String(40), nullable=True))
        table.add_column(sa.Column("updated_at", WHEN, nullable=True))
        table.create_foreign_key("fk_document_province", "province", ["province_code"], ["code"])
        table.create_index("ix_document_province_code", ["province_code"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code"), nullable=True),
        sa.Column("desk_id", sa.Integer, sa.ForeignKey("desk.id"), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
    )
    op.create_table(
        "worker_heartbeat",
        sa.Column("executor_id", sa.String(120), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_seen", WHEN, nullable=False),
        sa.Column("recovered_at", WHEN, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeat")
    op.drop_table("api_token")
    with op.batch_alter_table("document") as table:
        table.drop_index("ix_document_province_code")
        table.drop_constraint("fk_document_province", type_="foreignkey")
        for column in ("updated_at", "failure_code", "pages_done", "sources", "province_code"):
            table.drop_column(column)
    op.drop_table("batch_file")
    with op.batch_alter_table("batch") as table:
        table.drop_index("ix_batch_province_code")
        table.drop_constraint("fk_batch_province", type_="foreignkey")
        for column in ("closed_at", "created_by", "province_code"):
            table.drop_column(column)
