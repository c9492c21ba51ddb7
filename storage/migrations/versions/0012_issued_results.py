"""Results issued electronically (`storage/results.py`): the signed result of a dossier, its
object and who issued it, one row per dossier and uploaded file (a repeated issue of the same
upload answers the first row).

Revision ID: 0012_issued_results
Revises: 0011_records_metadata
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_issued_results"
down_revision = "0011_records_metadata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossier.id"), nullable=False),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code"), nullable=True),
        sa.Column("procedure_code", sa.String(40), nullable=False),
        sa.Column("applicant_id", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(250), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("issued_by", sa.String(120), nullable=False),
        sa.Column("desk_id", sa.Integer, sa.ForeignKey("desk.id"), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dossier_id", "source_sha256"),
    )
    op.create_index("ix_issued_result_dossier_id", "issued_result", ["dossier_id"])
    op.create_index("ix_issued_result_province_code", "issued_result", ["province_code"])


def downgrade() -> None:
    op.drop_index("ix_issued_result_province_code", table_name="issued_result")
    op.drop_index("ix_issued_result_dossier_id", table_name="issued_result")
    op.drop_table("issued_result")
