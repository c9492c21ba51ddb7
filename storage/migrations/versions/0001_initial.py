"""Initial record index: organisation, batches, dossiers, documents, derived objects, text with
full-text search, fields, persons and the append-only event log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "province",
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "desk",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "province_code",
            sa.String(2),
            sa.ForeignKey("province.code"),
            nullable=False,
            index=True,
        ),
        sa.Column("commune_code", sa.String(5)),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("desk_id", sa.Integer, sa.ForeignKey("desk.id"), index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "dossier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), unique=True),
        sa.Column("procedure_code", sa.String(40)),
        sa.Column("applicant_citizen_id", sa.String(12), index=True),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code"), index=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossier.id"), index=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batch.id"), index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("doc_type", sa.String(40)),
        sa.Column("pages", sa.Integer),
        sa.Column("original_key", sa.String(200), nullable=False),
        sa.Column("original_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("failure_reason", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "derived_object",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey("document.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(250), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "document_text",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
    )
    op.create_table(
        "extracted_field",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey("document.id"), nullable=False, index=True
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "person",
        sa.Column("citizen_id", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.String(200), nullable=False, index=True),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False, index=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(120), nullable=False),
        sa.Column("desk_id", sa.Integer, sa.ForeignKey("desk.id")),
        sa.Column("object_key", sa.String(250), index=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), index=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX document_text_fts ON document_text "
            "USING gin (to_tsvector('simple', folded))"
        )
        op.execute(
            "CREATE FUNCTION hoso_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
            "FOR EACH ROW EXECUTE FUNCTION hoso_event_append_only()"
        )
    else:
        # A contentless FTS5 table keyed by document id; the index writes both rows together.
        op.execute(
            "CREATE VIRTUAL TABLE document_fts USING fts5(folded, content='', tokenize='unicode61')"
        )
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_append_only ON event")
        op.execute("DROP FUNCTION IF EXISTS hoso_event_append_only()")
    else:
        op.execute("DROP TABLE IF EXISTS document_fts")
    for table in (
        "event", "person", "extracted_field", "document_text", "derived_object",
        "document", "dossier", "batch", "desk", "province",
    ):  # fmt: skip
        op.drop_table(table)
