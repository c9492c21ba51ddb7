"""Alembic environment: hoso runs migrations programmatically (storage.index.RecordIndex.migrate)
with the engine's own connection, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context

from hoso.storage.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
