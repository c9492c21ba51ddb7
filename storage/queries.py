"""The reads the HTTP API makes of the record index, one named method each.

The route modules of `hoso.api.routes` hold no SQL: what they need to know about batches,
documents, fields and events is asked here, so the ordering, limits and filters of each answer
live beside the schema they read, and a reader finds every query of the service in one place.
Each method opens its own short session; rows come back detached (the index's sessions do not
expire on commit), ready to be shaped into a response.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, text

from hoso.storage.archive import Archive
from hoso.storage.schema import (
    Batch,
    BatchFile,
    DerivedObject,
    Desk,
    Document,
    DocumentText,
    Event,
    ExtractedField,
)
from hoso.storage.vocabulary import EventType, Outcome


class Records:
    """Named queries over an archive's record index (and one audit write the API makes)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    # --- health -------------------------------------------------------------------------

    def ping(self) -> None:
        """Ask the database the cheapest question there is; raises if it does not answer."""
        with self.index.sessions() as session:
            session.execute(text("SELECT 1"))

    def documents_by_status(self) -> dict[str, int]:
        """How many documents are in each status (the metrics gauges)."""
        with self.index.sessions() as session:
            rows = session.execute(
                select(Document.status, func.count()).group_by(Document.status)
            ).all()
        return {status: count for status, count in rows}

    # --- batches ------------------------------------------------------------------------

    def batch(self, batch_id: int) -> Batch | None:
        with self.index.sessions() as session:
            return session.get(Batch, batch_id)

    def recent_batches(
        self,
        limit: int,
        province_code: str | None = None,
        name: str | None = None,
        status: str | None = None,
        station_token_id: int | None = None,
    ) -> list[Batch]:
        """Newest first; each filter given narrows the list (None: any). A station passes its
        token id: it sees only the batches it opened."""
        statement = select(Batch).order_by(Batch.id.desc()).limit(limit)
        if station_token_id is not None:
            statement = statement.where(Batch.station_token_id == station_token_id)
        if province_code is not None:
            statement = statement.where(Batch.province_code == province_code)
        if name is not None:
            statement = statement.where(Batch.name == name)
        if status is not None:
            statement = statement.where(Batch.status == status)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def batch_file(self, file_id: int) -> BatchFile | None:
        with self.index.sessions() as session:
            return session.get(BatchFile, file_id)

    def batch_documents(self, batch_id: int) -> list[Document]:
        """The documents planned from a batch, in the order they were planned."""
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(Document).where(Document.batch_id == batch_id).order_by(Document.id)
                )
            )

    # --- documents ----------------------------------------------------------------------

    def document(self, document_id: int) -> Document | None:
        with self.index.sessions() as session:
            return session.get(Document, document_id)

    def newest_derived(self, document_id: int, kind: str) -> DerivedObject | None:
        """The latest derivative of a kind ("pdfa", …), as `Archive.newest_derived` picks it."""
        with self.index.sessions() as session:
            return self.archive.newest_derived(session, document_id, kind)

    def document_text(self, document_id: int) -> str:
        """The document's text; empty when it has none (not processed yet, or no text)."""
        with self.index.sessions() as session:
            row = session.get(DocumentText, document_id)
        return row.text if row else ""

    # --- fields -------------------------------------------------------------------------

    def fields_of(self, document_id: int) -> list[ExtractedField]:
        """A document's extracted fields, in the order they were recorded."""
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(ExtractedField)
                    .where(ExtractedField.document_id == document_id)
                    .order_by(ExtractedField.id)
                )
            )

    def field_with_province(self, field_id: int) -> tuple[ExtractedField, str | None] | None:
        """A field and the province of its document (None: no such field), so a caller can
        be refused a field of another province as if it did not exist."""
        with self.index.sessions() as session:
            row = session.get(ExtractedField, field_id)
            if row is None:
                return None
            document = session.get(Document, row.document_id)
            return row, document.province_code if document else None

    # --- events -------------------------------------------------------------------------

    def recent_events(
        self,
        limit: int,
        event_type: str | None = None,
        agent: str | None = None,
        before_id: int | None = None,
        province_code: str | None = None,
    ) -> list[Event]:
        """The event log newest first, for paging back: `before_id` is the last id seen.
        Empty filters count as none. A province keeps the events that belong to it: of its
        documents, of its desks, or naming it (`detail.province`: API reads and tokens)."""
        statement = select(Event).order_by(Event.id.desc()).limit(limit)
        if province_code is not None:
            statement = (
                statement.outerjoin(Document, Document.id == Event.document_id)
                .outerjoin(Desk, Desk.id == Event.desk_id)
                .where(
                    or_(
                        Document.province_code == province_code,
                        Desk.province_code == province_code,
                        Event.detail["province"].as_string() == province_code,
                    )
                )
            )
        if event_type:
            statement = statement.where(Event.event_type == event_type)
        if agent:
            statement = statement.where(Event.agent == agent)
        if before_id:
            statement = statement.where(Event.id < before_id)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def record_event(
        self,
        event_type: EventType,
        agent: str,
        document_id: int | None = None,
        desk_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one successful event in its own transaction (a read the API audits)."""
        with self.index.session() as session:
            self.index.log_event(
                session, event_type, Outcome.SUCCESS, agent, document_id=document_id,
                desk_id=desk_id, detail=detail,
            )  # fmt: skip
