"""The 34 provinces after the 2025 merger (Resolution 202/2025/QH15; Decision 19/2025/QĐ-TTg),
with their 2-digit codes (shared/domain/vietnam-dossiers.md, section 5).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PROVINCES = [
    ("01", "Hà Nội"), ("04", "Cao Bằng"), ("08", "Tuyên Quang"), ("11", "Điện Biên"),
    ("12", "Lai Châu"), ("14", "Sơn La"), ("15", "Lào Cai"), ("19", "Thái Nguyên"),
    ("20", "Lạng Sơn"), ("22", "Quảng Ninh"), ("24", "Bắc Ninh"), ("25", "Phú Thọ"),
    ("31", "Hải Phòng"), ("33", "Hưng Yên"), ("37", "Ninh Bình"), ("38", "Thanh Hóa"),
    ("40", "Nghệ An"), ("42", "Hà Tĩnh"), ("44", "Quảng Trị"), ("46", "Huế"),
    ("48", "Đà Nẵng"), ("51", "Quảng Ngãi"), ("52", "Gia Lai"), ("56", "Khánh Hòa"),
    ("66", "Đắk Lắk"), ("68", "Lâm Đồng"), ("75", "Đồng Nai"), ("79", "Thành phố Hồ Chí Minh"),
    ("80", "Tây Ninh"), ("82", "Đồng Tháp"), ("86", "Vĩnh Long"), ("91", "An Giang"),
    ("92", "Cần Thơ"), ("96", "Cà Mau"),
]  # fmt: skip


def upgrade() -> None:
    table = sa.table("province", sa.column("code", sa.String), sa.column("name", sa.String))
    existing = {row[0] for row in op.get_bind().execute(sa.text("SELECT code FROM province"))}
    rows = [{"code": c, "name": n} for c, n in PROVINCES if c not in existing]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    codes = ", ".join(f"'{code}'" for code, _ in PROVINCES)
    op.execute(f"DELETE FROM province WHERE code IN ({codes}) AND code NOT IN "
               "(SELECT province_code FROM desk) AND code NOT IN "
               "(SELECT province_code FROM dossier WHERE province_code IS NOT NULL)")  # fmt: skip
