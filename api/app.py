"""The HTTP API under /api/v1 (FastAPI; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

Handlers are thin: check the caller's role and province, call storage or the job queue, shape
the answer. Every read of a record's content (PDF, original, text, fields, a person) writes an
audit event with who, which desk and what (shared/domain, personal-data rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text

from hoso.api import problems
from hoso.api.auth import NotAuthenticatedError, NotFoundError, Principal, Role, Tokens
from hoso.digitize.errors import InputTooLargeError
from hoso.signatures.errors import SigningConfigError
from hoso.signatures.profiles import CONFIG_ENV
from hoso.signatures.verify import VerificationReport, Verifier
from hoso.storage.archive import Archive
from hoso.storage.intake import Intake
from hoso.storage.reuse import Reuse
from hoso.storage.schema import Batch, BatchFile, Document, DocumentText, Event, ExtractedField
from hoso.workflows.metrics import DOCUMENTS_BY_STATUS, QUEUE_DEPTH
from hoso.workflows.queue import JobQueue

READERS = (Role.OFFICER, Role.ARCHIVIST)
MAX_ID = 2**31 - 1  # the largest id either database stores; beyond it nothing can exist
RecordId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Scoped = TypeVar("Scoped", Batch, Document)
PDF = "application/pdf"
MAX_VERIFY_BYTES = 200 * 1024 * 1024  # a signed result or dossier; bigger uploads answer 413


@dataclass
class Services:
    archive: Archive
    queue: JobQueue
    verifier: Verifier | None = None  # None: no signing configuration, verification answers 503

    def __post_init__(self) -> None:
        self.intake = Intake(self.archive)
        self.reuse = Reuse(self.archive.index)
        self.tokens = Tokens(self.archive.index)


# --- response shapes (the OpenAPI contract) ---------------------------------------------------


class BatchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Bàn 3 sáng 24/11"])


class FileOut(BaseModel):
    id: int
    name: str
    position: int
    sha256: str
    size: int
    duplicate_of: int | None


class UploadOut(FileOut):
    created: bool


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


class BatchSummaryOut(BaseModel):
    id: int
    name: str
    status: str
    created_by: str | None


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


class ReviewIn(BaseModel):
    value: str | None = Field(default=None, max_length=500, description="Omit to accept as is.")


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    desk_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    province_code: str | None
    revoked: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once; only its hash is kept.")


class SubmittedOut(BaseModel):
    batch_id: int
    status: str
    workflow_id: str


# --- the app ---------------------------------------------------------------------------------


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="hoso",
        version="1",
        description="Scan-to-archive for one-stop-desk dossiers. Errors are RFC 9457 "
        "problem details with a stable `code`.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    problems.install(app)
    app.include_router(_system_routes(services))
    app.include_router(_routes(services), prefix="/api/v1")
    app.state.services = services
    return app


def _system_routes(services: Services) -> APIRouter:
    router = APIRouter(tags=["system"])

    @router.get("/api/v1/health")
    def health() -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "ok"}

    @router.get("/api/v1/ready", responses={503: {"description": "a dependency is down"}})
    def ready(response: Response) -> dict[str, Any]:
        """The database, object store and job queue answer (readiness)."""
        checks: dict[str, str] = {}
        try:
            with services.archive.index.sessions() as session:
                session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"down: {type(error).__name__}"
        try:
            services.archive.store.stat("originals/readiness-probe")
            checks["objects"] = "ok"
        except Exception as error:
            checks["objects"] = f"down: {type(error).__name__}"
        try:
            checks["queue"] = f"ok ({services.queue.waiting()} waiting)"
        except Exception as error:
            checks["queue"] = f"down: {type(error).__name__}"
        ok = all(value.startswith("ok") for value in checks.values())
        response.status_code = 200 if ok else 503
        return {"status": "ready" if ok else "not ready", "checks": checks}

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        _refresh_gauges(services)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


bearer = HTTPBearer(auto_error=False, description="An API token: `hoso token create`.")


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticatedError()
    services: Services = request.app.state.services
    return services.tokens.authenticate(credentials.credentials)


Caller = Annotated[Principal, Depends(_caller)]


def _routes(services: Services) -> APIRouter:
    router = APIRouter()

    def visible(model: type[Scoped], record_id: int, who: Principal) -> Scoped:
        """A batch or document the caller may see; another province's answers like none."""
        with services.archive.index.sessions() as session:
            row = session.get(model, record_id)
        if row is None or not who.may_see(row.province_code):
            raise NotFoundError(f"there is no {model.__tablename__} {record_id}")
        return row

    def visible_batch(batch_id: int, who: Principal) -> Batch:
        return visible(Batch, batch_id, who)

    def visible_document(document_id: int, who: Principal) -> Document:
        return visible(Document, document_id, who)

    def audit(who: Principal, event: str, document_id: int | None, **detail: Any) -> None:
        with services.archive.index.session() as session:
            services.archive.index.log_event(
                session, event, "success", who.agent, document_id=document_id,
                desk_id=who.desk_id, detail=detail,
            )  # fmt: skip

    def verifier() -> Verifier:
        if services.verifier is None:
            raise SigningConfigError(
                f"signature verification is not configured on this server (set {CONFIG_ENV})"
            )
        return services.verifier

    # --- archivists: signatures -------------------------------------------------------------

    @router.post("/verify", tags=["signatures"])
    def verify_upload(
        file: Annotated[UploadFile, File(description="A signed PDF")], who: Caller
    ) -> VerificationReport:
        """Verify the signatures of an uploaded PDF: a report per signature and an overall
        TOTAL-PASSED / INDETERMINATE / TOTAL-FAILED verdict with reasons."""
        who.require(*READERS)
        data = file.file.read(MAX_VERIFY_BYTES + 1)
        if len(data) > MAX_VERIFY_BYTES:
            raise InputTooLargeError(f"files over {MAX_VERIFY_BYTES // 2**20} MiB are refused")
        report = verifier().verify_bytes(data, name=file.filename or "upload.pdf")
        audit(who, "verified", None, sha256=report.sha256, verdict=report.verdict.value)
        return report

    @router.post("/documents/{document_id}/verify", tags=["signatures"])
    def verify_document(document_id: RecordId, who: Caller) -> VerificationReport:
        """Verify the archived signed PDF of a document (its newest PDF/A)."""
        who.require(Role.ARCHIVIST)
        visible_document(document_id, who)
        with services.archive.index.sessions() as session:
            derived = services.archive.newest_derived(session, document_id, "pdfa")
        if derived is None:
            raise NotFoundError(f"document {document_id} has no PDF to verify yet")
        with services.archive.store.open(derived.key) as stream:
            data = stream.read()
        report = verifier().verify_bytes(data, name=f"document-{document_id}.pdf")
        audit(who, "verified", document_id, key=derived.key, verdict=report.verdict.value)
        return report

    # --- stations ---------------------------------------------------------------------------

    @router.post("/batches", status_code=201, tags=["batches"])
    def create_batch(body: BatchIn, who: Caller) -> BatchOut:
        """Open a batch for a station's stack of papers."""
        who.require(Role.STATION)
        batch = services.intake.create_batch(body.name, who.province_code, who.agent, who.desk_id)
        return _batch_out(services, batch)

    @router.get("/batches", tags=["batches"])
    def list_batches(
        who: Caller,
        name: Annotated[str | None, Query(max_length=200)] = None,
        status: Annotated[str | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[BatchSummaryOut]:
        """Batches of the caller's province, newest first (a station finds its open batch)."""
        who.require(Role.STATION, *READERS)
        statement = select(Batch).order_by(Batch.id.desc()).limit(limit)
        if who.province_code is not None:
            statement = statement.where(Batch.province_code == who.province_code)
        if name is not None:
            statement = statement.where(Batch.name == name)
        if status is not None:
            statement = statement.where(Batch.status == status)
        with services.archive.index.sessions() as session:
            return [
                BatchSummaryOut(id=b.id, name=b.name, status=b.status, created_by=b.created_by)
                for b in session.scalars(statement)
            ]

    @router.post(
        "/batches/{batch_id}/files",
        status_code=201,
        tags=["batches"],
        responses={200: {"description": "these bytes were already in the batch (a retry)"}},
    )
    def upload_file(
        batch_id: RecordId,
        file: Annotated[UploadFile, File(description="PDF, TIFF, JPEG or PNG")],
        who: Caller,
        response: Response,
        position: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    ) -> UploadOut:
        """Add one file, streamed to the object store. Idempotent by SHA-256: sending the
        same bytes again answers 200 with the same file and stores nothing new."""
        who.require(Role.STATION)
        visible_batch(batch_id, who)
        receipt = services.intake.add_file(
            batch_id, file.file, file.filename or "upload", position, who.agent
        )
        if not receipt.created:
            response.status_code = 200
        with services.archive.index.sessions() as session:
            row = session.get(BatchFile, receipt.file_id)
        assert row is not None
        return UploadOut(**_file_out(row).model_dump(), created=receipt.created)

    @router.get("/batches/{batch_id}/files", tags=["batches"])
    def list_files(batch_id: RecordId, who: Caller) -> list[FileOut]:
        """What the server already has (a station resumes by SHA-256)."""
        who.require(Role.STATION, *READERS)
        visible_batch(batch_id, who)
        return [_file_out(f) for f in services.intake.files(batch_id)]

    @router.post("/batches/{batch_id}/close", status_code=202, tags=["batches"])
    def close_batch(batch_id: RecordId, who: Caller) -> SubmittedOut:
        """No more files: split the batch into documents and process them. Repeatable."""
        who.require(Role.STATION)
        visible_batch(batch_id, who)
        batch = services.intake.close(batch_id, who.agent)
        workflow_id = services.queue.submit_batch(batch_id)
        return SubmittedOut(batch_id=batch_id, status=batch.status, workflow_id=workflow_id)

    @router.get("/batches/{batch_id}", tags=["batches"])
    def get_batch(batch_id: RecordId, who: Caller) -> BatchOut:
        """Status of a batch and of each of its documents, with page progress."""
        who.require(Role.STATION, *READERS)
        return _batch_out(services, visible_batch(batch_id, who))

    # --- records ----------------------------------------------------------------------------

    @router.get("/documents", tags=["documents"])
    def search_documents(
        who: Caller,
        q: Annotated[str, Query(min_length=1, max_length=200)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> SearchOut:
        """Full-text search, diacritics and case ignored, in the caller's province."""
        who.require(*READERS)
        page = services.archive.index.search_text(q, limit=limit, offset=offset)
        # The index ranks across provinces; a province sees its own hits only.
        visible = {
            d.id
            for d in _documents(services, [h.document_id for h in page.hits])
            if who.may_see(d.province_code)
        }
        hits = [
            SearchHitOut(document_id=h.document_id, title=h.title, snippet=h.snippet)
            for h in page.hits
            if h.document_id in visible
        ]
        audit(who, "searched", None, query=q, results=[h.document_id for h in hits])
        return SearchOut(total=len(hits) if who.province_code else page.total, limit=limit,
                         offset=offset, hits=hits)  # fmt: skip

    @router.get("/documents/{document_id}", tags=["documents"])
    def get_document(document_id: RecordId, who: Caller) -> DocumentOut:
        who.require(*READERS)
        return _document_out(visible_document(document_id, who))

    @router.get(
        "/documents/{document_id}/pdf",
        tags=["documents"],
        response_class=Response,
        responses={200: {"content": {PDF: {}}}, 307: {"description": "presigned S3 URL"}},
    )
    def get_pdf(document_id: RecordId, who: Caller) -> Response:
        """The searchable PDF/A (from S3: a redirect to a short-lived presigned URL)."""
        who.require(*READERS)
        visible_document(document_id, who)
        with services.archive.index.sessions() as session:
            derived = services.archive.newest_derived(session, document_id, "pdfa")
        if derived is None:
            raise NotFoundError(f"document {document_id} has no searchable PDF yet")
        audit(who, "retrieved", document_id, key=derived.key, what="pdfa")
        return _object_response(services, derived.key, PDF, f"document-{document_id}.pdf")

    @router.get(
        "/documents/{document_id}/original",
        tags=["documents"],
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}},
    )
    def get_original(document_id: RecordId, who: Caller) -> Response:
        """The first original file the document comes from, bit-exact."""
        who.require(*READERS)
        document = visible_document(document_id, who)
        audit(who, "retrieved", document_id, key=document.original_key, what="original")
        return _object_response(
            services, document.original_key, "application/octet-stream", document.title
        )

    @router.get("/documents/{document_id}/text", tags=["documents"])
    def get_text(document_id: RecordId, who: Caller) -> dict[str, str]:
        who.require(*READERS)
        visible_document(document_id, who)
        with services.archive.index.sessions() as session:
            row = session.get(DocumentText, document_id)
        audit(who, "retrieved", document_id, what="text")
        return {"text": row.text if row else ""}

    @router.get("/documents/{document_id}/fields", tags=["documents"])
    def get_fields(document_id: RecordId, who: Caller) -> list[FieldOut]:
        who.require(*READERS)
        visible_document(document_id, who)
        with services.archive.index.sessions() as session:
            rows = session.scalars(
                select(ExtractedField)
                .where(ExtractedField.document_id == document_id)
                .order_by(ExtractedField.id)
            )
            fields = [_field_out(r) for r in rows]
        audit(who, "retrieved", document_id, what="fields")
        return fields

    @router.get("/documents/{document_id}/events", tags=["documents"])
    def get_events(document_id: RecordId, who: Caller) -> list[EventOut]:
        """The document's history (PREMIS-style events), oldest first."""
        who.require(*READERS)
        visible_document(document_id, who)
        return [_event_out(e) for e in services.archive.index.events(document_id=document_id)]

    # --- reuse ------------------------------------------------------------------------------

    @router.get("/persons/{citizen_id}", tags=["reuse"])
    def get_person(
        citizen_id: Annotated[str, PathParam(pattern=r"^\d{12}$")], who: Caller
    ) -> dict[str, Any]:
        """A person's reusable documents in the province and the best value of each field."""
        who.require(Role.OFFICER)
        record = services.reuse.person(citizen_id, who.agent, who.desk_id, who.province_code)
        if record is None:
            raise NotFoundError(f"no documents carry the ID number {citizen_id}")
        return {
            "citizen_id": record.citizen_id,
            "fields": {
                name: {
                    "value": b.value,
                    "confidence": round(b.confidence, 3),
                    "status": b.status,
                    "source_document_id": b.document_id,
                }
                for name, b in record.fields.items()
            },
            "documents": [
                {k: v for k, v in d.items() if k != "original_key"} for d in record.documents
            ],
        }

    @router.get("/persons/{citizen_id}/prefill", tags=["reuse"])
    def prefill(
        citizen_id: Annotated[str, PathParam(pattern=r"^\d{12}$")],
        procedure_code: Annotated[str, Query(min_length=1, max_length=40)],
        who: Caller,
    ) -> dict[str, Any]:
        """An e-form prefill for a procedure from the person's records, each value sourced."""
        who.require(Role.OFFICER)
        filled = services.reuse.prefill(
            citizen_id, procedure_code, who.agent, who.desk_id, who.province_code
        )
        if filled is None:
            raise NotFoundError(f"no documents carry the ID number {citizen_id}")
        return filled

    @router.get("/review", tags=["reuse"])
    def review_queue(
        who: Caller, limit: Annotated[int, Query(ge=1, le=200)] = 50
    ) -> list[FieldOut]:
        """Values waiting for an officer, least confident first."""
        who.require(Role.OFFICER)
        rows = services.reuse.review_queue(limit, who.province_code)
        audit(who, "retrieved", None, what="review_queue", fields=[r.id for r in rows])
        return [_field_out(r) for r in rows]

    @router.post("/review/{field_id}", tags=["reuse"])
    def review(field_id: RecordId, body: ReviewIn, who: Caller) -> FieldOut:
        """Accept a value (no `value`) or correct it; the decision is an event."""
        who.require(Role.OFFICER)
        with services.archive.index.sessions() as session:
            row = session.get(ExtractedField, field_id)
            province = None
            if row is not None:
                document = session.get(Document, row.document_id)
                province = document.province_code if document else None
        if row is None or not who.may_see(province):
            raise NotFoundError(f"there is no field {field_id}")
        return _field_out(services.reuse.review(field_id, who.agent, body.value))

    # --- administration ---------------------------------------------------------------------

    @router.post("/tokens", status_code=201, tags=["admin"])
    def create_token(body: TokenIn, who: Caller) -> NewTokenOut:
        who.require(Role.ADMIN)
        row, token = services.tokens.create(
            body.name, body.role, body.province_code, who.agent, body.desk_id
        )
        return NewTokenOut(**_token_out(row).model_dump(), token=token)

    @router.get("/tokens", tags=["admin"])
    def list_tokens(who: Caller) -> list[TokenOut]:
        who.require(Role.ADMIN)
        return [_token_out(t) for t in services.tokens.list()]

    @router.delete("/tokens/{token_id}", tags=["admin"])
    def revoke_token(token_id: RecordId, who: Caller) -> TokenOut:
        who.require(Role.ADMIN)
        return _token_out(services.tokens.revoke(token_id, who.agent))

    @router.get("/audit", tags=["admin"])
    def audit_log(
        who: Caller,
        event_type: Annotated[str | None, Query(max_length=40)] = None,
        agent: Annotated[str | None, Query(max_length=120)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[EventOut]:
        """Who did what and who read which record, newest first."""
        who.require(Role.ADMIN)
        statement = select(Event).order_by(Event.id.desc()).limit(limit)
        if event_type:
            statement = statement.where(Event.event_type == event_type)
        if agent:
            statement = statement.where(Event.agent == agent)
        if before_id:
            statement = statement.where(Event.id < before_id)
        with services.archive.index.sessions() as session:
            return [_event_out(e) for e in session.scalars(statement)]

    return router


# --- shaping ---------------------------------------------------------------------------------


def _documents(services: Services, ids: list[int]) -> list[Document]:
    with services.archive.index.sessions() as session:
        return list(session.scalars(select(Document).where(Document.id.in_(ids))))


def _file_out(row: BatchFile) -> FileOut:
    return FileOut(id=row.id, name=row.name, position=row.position, sha256=row.sha256,
                   size=row.size, duplicate_of=row.duplicate_of)  # fmt: skip


def _document_out(d: Document) -> DocumentOut:
    return DocumentOut(
        id=d.id, batch_id=d.batch_id, title=d.title, doc_type=d.doc_type, status=d.status,
        pages=d.pages, pages_done=d.pages_done or 0, failure_code=d.failure_code,
        failure_reason=d.failure_reason, dossier_id=d.dossier_id, province_code=d.province_code,
    )  # fmt: skip


def _batch_out(services: Services, batch: Batch) -> BatchOut:
    files = services.intake.files(batch.id)
    with services.archive.index.sessions() as session:
        documents = list(
            session.scalars(
                select(Document).where(Document.batch_id == batch.id).order_by(Document.id)
            )
        )
    finished = all(d.status in ("done", "failed") for d in documents)
    only_duplicates = bool(files) and all(f.duplicate_of is not None for f in files)
    return BatchOut(
        id=batch.id, name=batch.name, status=batch.status, province_code=batch.province_code,
        files=[_file_out(f) for f in files], documents=[_document_out(d) for d in documents],
        pages=sum(d.pages or 0 for d in documents),
        pages_done=sum(d.pages_done or 0 for d in documents),
        done=(batch.status == "planned" and finished) or (batch.status != "open"
                                                        and only_duplicates),
    )  # fmt: skip


def _field_out(r: ExtractedField) -> FieldOut:
    return FieldOut(id=r.id, name=r.name, value=r.value, confidence=r.confidence,
                    status=r.status, source=r.source, problems=r.problems, page=r.page)  # fmt: skip


def _event_out(e: Event) -> EventOut:
    return EventOut(id=e.id, at=e.at, event_type=e.event_type, outcome=e.outcome, agent=e.agent,
                    desk_id=e.desk_id, document_id=e.document_id, object_key=e.object_key,
                    detail=e.detail or {})  # fmt: skip


def _token_out(t: Any) -> TokenOut:
    return TokenOut(id=t.id, name=t.name, role=t.role, province_code=t.province_code,
                    revoked=t.revoked_at is not None)  # fmt: skip


def _object_response(services: Services, key: str, media_type: str, filename: str) -> Response:
    url = services.archive.store.url(key)
    if url.startswith("http"):
        return RedirectResponse(url, status_code=307)
    stream = services.archive.store.open(key)

    def chunks() -> Iterator[bytes]:
        with stream:
            while block := stream.read(1 << 20):
                yield block

    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return StreamingResponse(
        chunks(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe or "document"}"'},
    )


def _refresh_gauges(services: Services) -> None:
    with services.archive.index.sessions() as session:
        counts = dict(
            session.execute(select(Document.status, func.count()).group_by(Document.status)).all()
        )
    for status in ("queued", "processing", "done", "failed"):
        DOCUMENTS_BY_STATUS.labels(status).set(counts.get(status, 0))
    try:
        QUEUE_DEPTH.set(services.queue.waiting())
    except Exception:
        QUEUE_DEPTH.set(float("nan"))
