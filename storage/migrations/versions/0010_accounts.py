"""People who log in to the desk UI: accounts (argon2 password hashes, role, province), their
server-side browser sessions, and the person who opened a batch in the UI (only they fill it
and close it, as a station token does its own batches).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(60), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code"), nullable=True),
        sa.Column("desk_id", sa.Integer, sa.ForeignKey("desk.id"), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("disabled_at", WHEN, nullable=True),
    )
    op.create_table(
        "web_session",
        sa.Column("secret_sha256", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen", WHEN, nullable=False),
    )
    op.create_index("ix_web_session_account_id", "web_session", ["account_id"])
    with op.batch_alter_table("batch") as table:
        table.add_column(sa.Column("station_account_id", sa.Integer, nullable=True))
        table.create_foreign_key(
            "fk_batch_station_account", "account", ["station_account_id"], ["id"]
        )
        table.create_index("ix_batch_station_account_id", ["station_account_id"])


def downgrade() -> None:
    with op.batch_alter_table("batch") as table:
        table.drop_index("ix_batch_station_account_id")
        table.drop_constraint("fk_batch_station_account", type_="foreignkey")
        table.drop_column("station_account_id")
    op.drop_index("ix_web_session_account_id", "web_session")
    op.drop_table("web_session")
    op.drop_table("account")
