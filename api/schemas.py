"""The shapes of the HTTP API's requests and answers (its OpenAPI contract), and the small
functions that turn index rows into them.

Kept apart from the routes so the contract can be read (and reviewed for personal data) in one
place: a change here is a change every client sees.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hoso.api.auth import Role
from hoso.storage.procedures import Procedure
from hoso.storage.records import RecordSheet
from hoso.storage.results import IssuedResult
from hoso.storage.reuse import PersonRecord
from hoso.storage.schema import (
    ApiToken,
    Batch,
    BatchFile,
    Desk,
    Document,
    Event,
    ExtractedField,
)
from hoso.storage.stats import DeskStats, Rate
from hoso.storage.vocabulary import BatchStatus, DocumentStatus

# --- requests ------------------------------------------------------------------------------


class RequestIn(BaseModel):
    """A request body: a field the server does not know is refused (422, naming it), never
    ignored. A misspelled `province` had been dropped, and the token request refused for a
    missing province (helper-76); a misspelled records field would have been left unset with
    success."""

    model_config = ConfigDict(extra="forbid")


class BatchIn(RequestIn):
    name: str = Field(min_length=1, max_length=200, examples=["Bàn 3 sáng 24/11"])


class ReviewIn(RequestIn):
    value: str | None = Field(default=None, max_length=500, description="Omit to accept as is.")


class TokenIn(RequestIn):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    desk_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class DeskIn(RequestIn):
    name: str = Field(min_length=1, max_length=200, examples=["Bộ phận một cửa phường Hải Châu"])
    province_code: str = Field(pattern=r"^\d{2}$")
    commune_code: str | None = Field(default=None, pattern=r"^\d{5}$")


# --- answers -------------------------------------------------------------------------------


class FileOut(BaseModel):
    id: int
    name: str
    position: int
    sha256: str
    size: int
    duplicate_of: int | None


class UploadOut(FileOut):
    created: bool


class RecordFieldOut(BaseModel):
    name: str
    label_vi: str = Field(description="Its name in Circular 05/2025/TT-BNV (or hoso's).")
    value: str | int | list[int] | None = Field(description="None: empty.")
    source: str = Field(
        description="`person`: only a person sets it (PUT …/records); else where hoso "
        "derived it: index, json, signature, batch, text."
    )


class RecordsOut(BaseModel):
    """Records metadata (docs/records-metadata.md): derived fields and a person's fields."""

    identifier: str = Field(description="The record's identifier, kept across archives.")
    fields: list[RecordFieldOut]
    missing: list[str] = Field(description="A person's fields still empty.")


class RecordsIn(RequestIn):
    """The fields a person sets; each given replaces the stored value ("" or null clears it),
    each left out is kept."""

    record_code: str | None = Field(default=None, max_length=60)
    title: str | None = Field(default=None, max_length=500)
    retention: str | None = Field(default=None, max_length=40, examples=["vĩnh viễn", "10 năm"])
    access_level: str | None = Field(default=None, max_length=40)
    keywords: str | None = Field(default=None, max_length=500)
    physical_state: str | None = Field(default=None, max_length=200)
    information_symbol: str | None = Field(default=None, max_length=60)
    reliability: str | None = Field(default=None, max_length=40)
    paper_original_code: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, max_length=1000)


class ExportIn(RequestIn):
    """One dossier, one batch, or the documents received in a span of days (Vietnam's)."""

    dossier_code: str | None = Field(default=None, min_length=1, max_length=40)
    batch_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    day_from: dt.date | None = None
    day_to: dt.date | None = None


class DocumentOut(BaseModel):
    id: int
    batch_id: int | None
    title: str
    doc_type: str | None
    status: str
    pages: int | None
    pages_done: int
    failure_code: str | None
    failure_reason: str | None
    dossier_id: int | None
    province_code: str | None
    warnings: list[str] = Field(
        default_factory=list, description='Per page, e.g. "page 2: …", when it finished.'
    )
    pages_below_200_dpi: list[int] = Field(
        default_factory=list, description="Pages under the legal 200 dpi: rescan them."
    )
    records: RecordsOut | None = Field(
        default=None, description="Records metadata (Circular 05/2025); in a document's own answer."
    )


class BatchSummaryOut(BaseModel):
    id: int
    name: str
    status: str
    created_by: str | None
    done: bool  # split into documents, every one finished (done or failed)


class BatchOut(BaseModel):
    id: int
    name: str
    status: str
    province_code: str | None
    files: list[FileOut]
    documents: list[DocumentOut]
    pages: int
    pages_done: int
    done: bool


class SearchHitOut(BaseModel):
    document_id: int
    title: str
    snippet: str


class SearchOut(BaseModel):
    total: int
    limit: int
    offset: int
    hits: list[SearchHitOut]


class FieldOut(BaseModel):
    id: int
    name: str
    value: str
    confidence: float
    status: str
    source: str
    problems: list[str] | None
    page: int | None


class EventOut(BaseModel):
    id: int
    at: dt.datetime
    event_type: str
    outcome: str
    agent: str
    desk_id: int | None
    document_id: int | None
    object_key: str | None
    detail: dict[str, Any]


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    province_code: str | None
    revoked: bool


class DeskOut(BaseModel):
    id: int
    name: str
    province_code: str
    commune_code: str | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once; only its hash is kept.")


class SubmittedOut(BaseModel):
    batch_id: int
    status: str
    workflow_id: str


class RequeuedOut(BaseModel):
    """A failed document back in the queue: `attempt` counts its retries."""

    document_id: int
    status: str
    attempt: int
    workflow_id: str


class ReplacedOut(RequeuedOut):
    file: UploadOut = Field(description="The rescan, a new file of the document's batch.")


class FormFieldOut(BaseModel):
    name: str = Field(description="The e-form's field name.")
    field: str = Field(description="The person field its value is taken from.")
    required: bool


class ProcedureOut(BaseModel):
    """A procedure of the catalogue (`HOSO_PROCEDURES` extends the packaged one)."""

    key: str
    code: str | None = Field(description="National Procedure DB code (d.dddddd), where known.")
    name: str
    fields: list[FormFieldOut]


class ProcedureRefOut(BaseModel):
    key: str
    code: str | None
    name: str


class SourcedValueOut(BaseModel):
    value: str
    confidence: float
    source_document_id: int
    reviewed: bool = Field(description="An officer accepted or corrected it.")
    status: str = Field(description="`needs_review`: use it, but check it first.")


class PrefillFieldOut(BaseModel):
    field: str = Field(description="The person field it takes.")
    required: bool
    value: str | None = Field(description="None: no valid paper carries it.")
    confidence: float | None
    source_document_id: int | None
    reviewed: bool
    status: str | None


class PrefillOut(BaseModel):
    """A procedure's form filled from the person's valid papers."""

    procedure: ProcedureRefOut
    citizen_id: str
    fields: dict[str, PrefillFieldOut] = Field(description="By form field name, in form order.")
    missing: list[str] = Field(description="Required form fields no valid paper fills: ask.")
    reused_documents: list[int] = Field(description="The documents the values come from.")
    expired_documents: list[int] = Field(
        description="ID cards past their expiry date: their values were not used."
    )
    procedure_code: str = Field(deprecated=True, description="`procedure.code` (else its key).")
    applicant: dict[str, SourcedValueOut] = Field(
        deprecated=True, description="The filled values by person field: use `fields`."
    )


# --- rows → answers ------------------------------------------------------------------------


def file_out(row: BatchFile) -> FileOut:
    return FileOut(id=row.id, name=row.name, position=row.position, sha256=row.sha256,
                   size=row.size, duplicate_of=row.duplicate_of)  # fmt: skip


def batch_summary_out(b: Batch, done: bool) -> BatchSummaryOut:
    return BatchSummaryOut(
        id=b.id, name=b.name, status=b.status, created_by=b.created_by, done=done
    )


def document_out(d: Document) -> DocumentOut:
    notes = d.warnings or []
    return DocumentOut(
        id=d.id, batch_id=d.batch_id, title=d.title, doc_type=d.doc_type, status=d.status,
        pages=d.pages, pages_done=d.pages_done or 0, failure_code=d.failure_code,
        failure_reason=d.failure_reason, dossier_id=d.dossier_id, province_code=d.province_code,
        warnings=[f"page {n['page']}: {w}" for n in notes for w in n["warnings"]],
        pages_below_200_dpi=[n["page"] for n in notes if n["below_200_dpi"]],
    )  # fmt: skip


def records_out(sheet: RecordSheet) -> RecordsOut:
    return RecordsOut(
        identifier=sheet.identifier,
        fields=[RecordFieldOut(**vars(field)) for field in sheet.fields],
        missing=sheet.missing,
    )


def batch_out(batch: Batch, files: list[BatchFile], documents: list[Document]) -> BatchOut:
    """A batch with its progress. It is done when every planned document is finished, or
    when it was closed holding only files the province already had (nothing to process)."""
    finished = all(DocumentStatus(d.status).finished for d in documents)
    only_duplicates = bool(files) and all(f.duplicate_of is not None for f in files)
    return BatchOut(
        id=batch.id, name=batch.name, status=batch.status, province_code=batch.province_code,
        files=[file_out(f) for f in files], documents=[document_out(d) for d in documents],
        pages=sum(d.pages or 0 for d in documents),
        pages_done=sum(d.pages_done or 0 for d in documents),
        done=(batch.status == BatchStatus.PLANNED and finished)
        or (batch.status != BatchStatus.OPEN and only_duplicates),
    )  # fmt: skip


def field_out(r: ExtractedField) -> FieldOut:
    return FieldOut(id=r.id, name=r.name, value=r.value, confidence=r.confidence,
                    status=r.status, source=r.source, problems=r.problems, page=r.page)  # fmt: skip


def event_out(e: Event) -> EventOut:
    return EventOut(id=e.id, at=e.at, event_type=e.event_type, outcome=e.outcome, agent=e.agent,
                    desk_id=e.desk_id, document_id=e.document_id, object_key=e.object_key,
                    detail=e.detail or {})  # fmt: skip


# The keys of an event's `detail` the audit view shows: references, counts, codes, kinds and
# verdicts. Everything else (search queries, citizen IDs, names, field values before and after
# a review, file and batch names, failure reasons, cross-check problems) stays in the log for
# an investigation but is not shown to admins, who see no personal content.
AUDIT_DETAIL_KEYS = frozenset({
    "actual", "attempt", "batch_id", "client", "code", "doc_type", "document_id", "documents",
    "dossier_id", "field", "field_id", "fields", "file_id", "key", "kind", "objects", "outcome",
    "pages", "procedure", "province", "purpose", "replaced_files", "replaced_key", "results",
    "role", "sha256", "size", "token_id", "verdict", "what",
    # the scheduled care's counts (workflows/scheduled.py)
    "checked", "due", "failed", "renewed", "scheduled_at", "total",
})  # fmt: skip


def audit_event_out(e: Event) -> EventOut:
    """An event as the audit view shows it: references only (`AUDIT_DETAIL_KEYS`)."""
    shown = event_out(e)
    shown.detail = {k: v for k, v in shown.detail.items() if k in AUDIT_DETAIL_KEYS}
    return shown


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(id=t.id, name=t.name, role=t.role, province_code=t.province_code,
                    revoked=t.revoked_at is not None)  # fmt: skip


def desk_out(d: Desk) -> DeskOut:
    return DeskOut(id=d.id, name=d.name, province_code=d.province_code,
                   commune_code=d.commune_code)  # fmt: skip


def person_out(record: PersonRecord) -> dict[str, Any]:
    """A person's best values with their sources; the documents without their object keys
    (where a record is stored is not the caller's business)."""
    return {
        "citizen_id": record.citizen_id,
        "fields": {
            name: {
                "value": b.value,
                "confidence": round(b.confidence, 3),
                "status": b.status,
                "source_document_id": b.document_id,
                "contradicts_id": b.contradicts_id,
            }
            for name, b in record.fields.items()
        },
        "documents": [
            {k: v for k, v in d.items() if k != "original_key"} for d in record.documents
        ],
    }


def procedure_out(procedure: Procedure) -> ProcedureOut:
    return ProcedureOut(
        key=procedure.key, code=procedure.code, name=procedure.name,
        fields=[FormFieldOut(name=f.name, field=f.takes, required=f.required)
                for f in procedure.fields],
    )  # fmt: skip


# --- the archive's care and the desks' scores (GET /fixity, GET /stats) ------------------------


class RateOut(BaseModel):
    """A rate with what it is made of; `rate` is null over nothing (`of` 0), never 0."""

    count: int
    of: int
    rate: float | None


class DeskStatsOut(BaseModel):
    province_code: str | None  # null: every province
    desk_id: int | None  # null: the whole province
    desk_name: str | None
    dossiers_digitized: RateOut
    documents_digitized: RateOut
    papers_reused: RateOut  # of the papers reused plus those scanned
    results_issued_electronically: RateOut  # dossiers with a result issued through hoso


class StatsOut(BaseModel):
    date_from: dt.date
    date_to: dt.date  # inclusive, days in Vietnam's time
    province_code: str | None
    desk_id: int | None
    rows: list[DeskStatsOut]


class FixityProblemOut(BaseModel):
    object_key: str | None
    outcome: str  # missing | changed
    checked_at: dt.datetime
    document_ids: list[int]


class FixityRoundOut(BaseModel):
    started_at: dt.datetime
    agent: str
    scheduled_at: str | None  # the schedule's time; null for a `hoso fixity` round
    planned: int | None
    checked: int
    last_check_at: dt.datetime | None
    problems: list[FixityProblemOut]


class FixityCoverageOut(BaseModel):
    period_days: int
    checked: int  # objects with a fixity check within the period
    total: int
    rate: float | None


class FixityStatusOut(BaseModel):
    latest_round: FixityRoundOut | None
    coverage: FixityCoverageOut
    open_problems: list[FixityProblemOut]  # objects whose latest check failed, any round


def rate_out(rate: Rate) -> RateOut:
    return RateOut(count=rate.count, of=rate.of, rate=rate.rate)


def desk_stats_out(row: DeskStats) -> DeskStatsOut:
    return DeskStatsOut(
        province_code=row.province_code, desk_id=row.desk_id, desk_name=row.desk_name,
        dossiers_digitized=rate_out(row.dossiers_digitized),
        documents_digitized=rate_out(row.documents_digitized),
        papers_reused=rate_out(row.papers_reused),
        results_issued_electronically=rate_out(row.results_electronic),
    )  # fmt: skip


class IssuedResultOut(BaseModel):
    """A result issued electronically for a dossier: the signed PDF with its QR code."""

    id: int
    dossier_code: str
    procedure_code: str
    applicant_id: str
    title: str
    sha256: str  # of the signed PDF as archived
    size: int
    signer: str  # the certificate's subject
    issued_by: str
    issued_at: dt.datetime
    created: bool = Field(
        default=False, description="False: these bytes were issued before; the first record."
    )


def issued_result_out(
    row: IssuedResult, dossier_code: str, created: bool = False
) -> IssuedResultOut:
    return IssuedResultOut(
        id=row.id, dossier_code=dossier_code, procedure_code=row.procedure_code,
        applicant_id=row.applicant_id, title=row.title, sha256=row.sha256, size=row.size,
        signer=row.signer, issued_by=row.issued_by, issued_at=row.issued_at, created=created,
    )  # fmt: skip
