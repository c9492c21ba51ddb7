"""The record index schema (SQLAlchemy 2). How it maps to the dossier concepts of
shared/domain/vietnam-dossiers.md:

- `province`, `desk`: the organisation after the 2025 merger (34 provinces, 2-digit codes;
  communes 5-digit); a desk is a one-stop counter of a province or commune.
- `batch`: what a scanning station uploads in one go (a stack of papers).
- `dossier`: a hồ sơ — its receipt code (mã hồ sơ), procedure code, applicant's citizen ID.
- `document`: one paper of a dossier (type, pages), its bit-exact original object and status.
- `derived_object`: results made from an original (searchable PDF/A, JSON, signed PDF),
  each a separate immutable object linked to its document.
- `document_text`: OCR/born-digital text, with a diacritic-folded copy for search.
- `extracted_field`: typed values with confidence, source and problems; below the review
  threshold a value waits in the review queue (`status`), and an officer's decision is recorded.
- `person`: a citizen by 12-digit ID number, with a folded name for search.
- `event`: append-only log in the spirit of PREMIS (who did what to which object, when, with
  what outcome); the database refuses UPDATE and DELETE on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hoso.storage.vocabulary import BatchStatus, DocumentStatus, FieldStatus


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware moment in UTC; a naive one is taken as UTC (how the index stores time)."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment stored in UTC and read back aware on every database. SQLite keeps no time
    zone: without this, its rows come back naive (printed without an offset, and refusing to
    compare with aware times) while PostgreSQL's come back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return None if value is None else as_utc(value)


class Province(Base):
    __tablename__ = "province"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Desk(Base):
    __tablename__ = "desk"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))


class Batch(Base):
    __tablename__ = "batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(120))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # The station (its API token) that opened the batch: only it may see, fill and close it.
    station_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), index=True)
    # Or the person who opened it in the desk UI (migration 0010): only they may fill and close it.
    station_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)


class BatchFile(Base):
    """One file a station uploaded into a batch, in the station's order. The same bytes twice in
    one batch are one row (a retried upload); bytes already archived in the province point to
    the earlier file (`duplicate_of`) and are not processed again."""

    __tablename__ = "batch_file"
    __table_args__ = (UniqueConstraint("batch_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("batch_file.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Dossier(Base):
    __tablename__ = "dossier"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)  # mã hồ sơ
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    applicant_citizen_id: Mapped[str | None] = mapped_column(String(12), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Document(Base):
    __tablename__ = "document"
    # The head of the job queue (the lowest turn still waiting) and counts by status, on every
    # batch planned (`_turns_after`), read from the index, not a scan (migration 0015)
    __table_args__ = (Index("ix_document_status_turn", "status", "queue_turn"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    doc_type: Mapped[str | None] = mapped_column(String(40))
    pages: Mapped[int | None] = mapped_column(Integer)
    original_key: Mapped[str] = mapped_column(String(200))
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.RECEIVED)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    # Where the pages come from when a batch was split: [{"file_id", "pages": [0-based index]}]
    sources: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    # What people must know about the pages when it finished (migration 0009):
    # [{"page": n, "warnings": [...], "below_200_dpi": bool}], only pages with something to say
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Its turn in the job queue among all stations' documents (migration 0014): the queue's
    # priority, lowest first (`Intake.take_turns`)
    queue_turn: Mapped[int | None] = mapped_column(Integer)


class DerivedObject(Base):
    __tablename__ = "derived_object"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # pdfa | json | signed
    key: Mapped[str] = mapped_column(String(250), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DocumentText(Base):
    __tablename__ = "document_text"
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)  # storage.textfold.fold(text)


class ExtractedField(Base):
    __tablename__ = "extracted_field"
    # Which documents carry a value (an ID number's papers), migration 0003
    __table_args__ = (Index("ix_extracted_field_name_value", "name", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=FieldStatus.EXTRACTED, index=True)
    source: Mapped[str] = mapped_column(
        String(20), default="label"
    )  # qr | label | layout | officer
    problems: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    page: Mapped[int | None] = mapped_column(Integer)  # where the value stands, for review
    box: Mapped[list[int] | None] = mapped_column(JSON)  # left, top, right, bottom in page pixels


class Person(Base):
    """A citizen as one province's desks know them. Keyed by province + ID number, so a desk's
    correction never renames another province's record; no province: an archive ingested before
    provinces were recorded (migration 0007)."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("province_code", "citizen_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), index=True)
    citizen_id: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str] = mapped_column(String(120))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    object_key: Mapped[str | None] = mapped_column(String(250), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    # the batch an event of a batch is about (opened, closed, split): a document's history
    # shows its batch's by this, not by reading every event's detail
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiToken(Base):
    """An API credential. Only the SHA-256 of the token is kept: tokens are 256-bit random
    strings, so a fast hash is as safe as a slow one and lets every request be checked cheaply."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # station | officer | archivist | admin
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WorkerHeartbeat(Base):
    """Liveness of job workers: each writes `last_seen` every few seconds; a worker silent for
    too long is dead and a survivor takes over its unfinished documents (`recovered_at`)."""

    __tablename__ = "worker_heartbeat"
    executor_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recovered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class Account(Base):
    """A person who logs in to the desk UI (migration 0010): a username, an argon2 hash of the
    password (never the password), a role and a province like an API token's. A disabled
    account keeps its row, so the event log's `person:NAME` always names someone."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # station | officer | archivist | admin
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desk.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A logged-in browser. The cookie holds a random secret; only its SHA-256 is kept (a
    leaked table opens no session). The CSRF token is per session and is no secret on its own:
    every page carries it, and it is useless without the cookie."""

    __tablename__ = "web_session"
    secret_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
