"""Person records per province: keyed by province + ID number, so one province's correction never
renames another province's citizen. Existing rows are kept: each goes to every province whose
documents carry the ID number, or, with none, stays without a province.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD = "person_global"
TO_PROVINCES = f"""
INSERT INTO person (province_code, citizen_id, name, name_folded)
SELECT DISTINCT d.province_code, p.citizen_id, p.name, p.name_folded
FROM {OLD} p
JOIN extracted_field f ON f.name = 'id_number' AND f.value = p.citizen_id
JOIN document d ON d.id = f.document_id
WHERE d.province_code IS NOT NULL
"""
WITHOUT_PROVINCE = f"""
INSERT INTO person (province_code, citizen_id, name, name_folded)
SELECT NULL, p.citizen_id, p.name, p.name_folded
FROM {OLD} p
WHERE NOT EXISTS (SELECT 1 FROM person n WHERE n.citizen_id = p.citizen_id)
"""


def upgrade() -> None:
    op.drop_index("ix_person_name_folded", table_name="person")
    op.rename_table("person", OLD)
    op.create_table(
        "person",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code"), nullable=True,
                  index=True),
        sa.Column("citizen_id", sa.String(12), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.String(200), nullable=False, index=True),
        sa.UniqueConstraint("province_code", "citizen_id"),
    )  # fmt: skip
    op.execute(TO_PROVINCES)
    op.execute(WITHOUT_PROVINCE)
    op.drop_table(OLD)


def downgrade() -> None:
    """Back to one record per ID number: the name of the lowest-numbered row wins."""
    op.rename_table("person", OLD)
    for column in ("name_folded", "citizen_id", "province_code"):
        op.drop_index(f"ix_person_{column}", table_name=OLD)
    op.create_table(
        "person",
        sa.Column("citizen_id", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.String(200), nullable=False, index=True),
    )
    op.execute(
        f"INSERT INTO person (citizen_id, name, name_folded) SELECT p.citizen_id, p.name, "
        f"p.name_folded FROM {OLD} p WHERE p.id = (SELECT MIN(q.id) FROM {OLD} q "
        "WHERE q.citizen_id = p.citizen_id)"
    )
    op.drop_table(OLD)
