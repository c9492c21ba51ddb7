"""PostgreSQL: keep the search vector in a stored generated column.

With only an expression index, ranking recomputed to_tsvector for every matching row: 436 ms
median, 1.2 s p95 over 100,000 documents. SQLite is unchanged (FTS5 stores its index).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE document_text ADD COLUMN search tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED"
    )
    op.execute("DROP INDEX IF EXISTS document_text_fts")
    op.execute("CREATE INDEX document_text_search ON document_text USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS document_text_search")
    op.execute("ALTER TABLE document_text DROP COLUMN search")
    op.execute(
        "CREATE INDEX document_text_fts ON document_text USING gin (to_tsvector('simple', folded))"
    )
