"""Archived records: full-text search, a document's metadata, PDF/A, original, text, fields
and history. Every read of content is an audit event. A failed document can be retried or
replaced by a rescan, by the station that sent it or an officer of its province."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse

from hoso.api.auth import NotFoundError, Principal, Role
from hoso.api.deps import READERS, Caller, RecordId, Services, ServicesDep, audit, visible_document
from hoso.api.schemas import (
    DocumentOut,
    EventOut,
    FieldOut,
    RecordsIn,
    RecordsOut,
    ReplacedOut,
    RequeuedOut,
    SearchHitOut,
    SearchOut,
    UploadOut,
    document_out,
    event_out,
    field_out,
    file_out,
    records_out,
)
from hoso.storage.vocabulary import DocumentStatus, EventType
from hoso.workflows.queue import requeue

PDF = "application/pdf"
RETRIERS = (Role.STATION, Role.OFFICER)

router = APIRouter(tags=["documents"])


@router.get("/documents")
def search_documents(
    who: Caller,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SearchOut:
    """Full-text search, diacritics and case ignored, in the caller's province (filtered in
    the index's query, so `total` and the pages count the caller's documents only)."""
    who.require(*READERS)
    page = services.archive.index.search_text(
        q, limit=limit, offset=offset, province_code=who.province_code
    )
    hits = [
        SearchHitOut(document_id=h.document_id, title=h.title, snippet=h.snippet) for h in page.hits
    ]
    audit(services, who, EventType.SEARCHED, None, query=q, results=[h.document_id for h in hits])
    return SearchOut(total=page.total, limit=limit, offset=offset, hits=hits)


@router.get("/documents/{document_id}")
def get_document(document_id: RecordId, who: Caller, services: ServicesDep) -> DocumentOut:
    """A document's metadata (its title is often a citizen's name), with its records
    metadata (Circular 05/2025: derived fields, and a person's fields, empty until set): a
    read, so an event."""
    who.require(*READERS)
    document = visible_document(services, document_id, who)
    answer = document_out(document)
    answer.records = records_out(services.archival.show(document_id))
    audit(services, who, EventType.DOCUMENT_READ, document_id, what="metadata")
    return answer


@router.put("/documents/{document_id}/records")
def set_records(
    document_id: RecordId, changes: RecordsIn, who: Caller, services: ServicesDep
) -> RecordsOut:
    """Set the records fields only a person decides (record code, retention, access level,
    …) of a document of the archivist's province; the change, before and after, is an
    event."""
    who.require(Role.ARCHIVIST)
    visible_document(services, document_id, who)
    given = changes.model_dump(exclude_unset=True)
    return records_out(services.archival.set(document_id, given, who.agent, who.desk_id))


@router.get(
    "/documents/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}, 307: {"description": "presigned S3 URL"}},
)
def get_pdf(document_id: RecordId, who: Caller, services: ServicesDep) -> Response:
    """The searchable PDF/A (from S3: a redirect to a short-lived presigned URL)."""
    who.require(*READERS)
    visible_document(services, document_id, who)
    derived = services.records.newest_derived(document_id, "pdfa")
    if derived is None:
        raise NotFoundError(f"document {document_id} has no searchable PDF yet")
    audit(services, who, EventType.RETRIEVED, document_id, key=derived.key, what="pdfa")
    return object_response(services, derived.key, PDF, f"document-{document_id}.pdf")


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_original(document_id: RecordId, who: Caller, services: ServicesDep) -> Response:
    """The first original file the document comes from, bit-exact."""
    who.require(*READERS)
    document = visible_document(services, document_id, who)
    audit(
        services, who, EventType.RETRIEVED, document_id, key=document.original_key, what="original"
    )
    return object_response(
        services, document.original_key, "application/octet-stream", document.title
    )


@router.get("/documents/{document_id}/text")
def get_text(document_id: RecordId, who: Caller, services: ServicesDep) -> dict[str, str]:
    who.require(*READERS)
    visible_document(services, document_id, who)
    body = services.records.document_text(document_id)
    audit(services, who, EventType.RETRIEVED, document_id, what="text")
    return {"text": body}


@router.get("/documents/{document_id}/fields")
def get_fields(document_id: RecordId, who: Caller, services: ServicesDep) -> list[FieldOut]:
    who.require(*READERS)
    visible_document(services, document_id, who)
    fields = [field_out(r) for r in services.records.fields_of(document_id)]
    audit(services, who, EventType.RETRIEVED, document_id, what="fields")
    return fields


@router.get("/documents/{document_id}/events")
def get_events(document_id: RecordId, who: Caller, services: ServicesDep) -> list[EventOut]:
    """The document's history (PREMIS-style events), oldest first."""
    who.require(*READERS)
    visible_document(services, document_id, who)
    events = [event_out(e) for e in services.archive.index.document_history(document_id)]
    audit(services, who, EventType.DOCUMENT_READ, document_id, what="events")
    return events


@router.post("/documents/{document_id}/retry", status_code=202)
def retry_document(document_id: RecordId, who: Caller, services: ServicesDep) -> RequeuedOut:
    """Put a failed document back in the queue once the cause of its failure is fixed; the
    failure stays in its history. Anything but a failed document answers 409."""
    return retry_failed(services, document_id, who)


@router.post("/documents/{document_id}/replace", status_code=202)
def replace_document(
    document_id: RecordId,
    file: Annotated[UploadFile, File(description="The rescan: PDF, TIFF, JPEG or PNG")],
    who: Caller,
    services: ServicesDep,
) -> ReplacedOut:
    """Replace a failed document's original by a rescan (streamed, stored bit-exact; the old
    original stays archived) and process it again."""
    return replace_failed(services, document_id, file, who)


# Retry and replace, for this API and the desk UI alike (`hoso.api.web.station`).


def retry_failed(services: Services, document_id: int, who: Principal) -> RequeuedOut:
    """A failed document the caller may retry, back in the queue."""
    who.require(*RETRIERS)
    retryable_document(services, document_id, who)
    attempt = services.intake.retry(document_id, who.agent, who.desk_id)
    return _requeued(services, document_id, attempt, who)


def replace_failed(
    services: Services, document_id: int, file: UploadFile, who: Principal
) -> ReplacedOut:
    """A failed document the caller may replace, with the rescan as its original, queued."""
    who.require(*RETRIERS)
    retryable_document(services, document_id, who)
    replaced = services.intake.replace(
        document_id, file.file, file.filename or "upload", who.agent, who.desk_id
    )
    row = services.records.batch_file(replaced.file.file_id)
    assert row is not None  # just recorded
    queued = _requeued(services, document_id, replaced.attempt, who)
    shown = UploadOut(**file_out(row).model_dump(), created=replaced.file.created)
    return ReplacedOut(**queued.model_dump(), file=shown)


def retryable_document(services: Services, document_id: int, who: Principal) -> None:
    """A document the caller may retry or replace: an officer any of the province, a station
    only one of a batch it opened (any other answers 404 like a missing one)."""
    document = visible_document(services, document_id, who)
    if who.role is not Role.STATION:
        return
    batch = services.records.batch(document.batch_id) if document.batch_id else None
    if batch is None or not who.opened(batch):
        raise NotFoundError(f"there is no document {document_id}")


def _requeued(services: Services, document_id: int, attempt: int, who: Principal) -> RequeuedOut:
    workflow_id = requeue(services.queue, services.intake, document_id, attempt, who.agent)
    return RequeuedOut(
        document_id=document_id, status=DocumentStatus.QUEUED, attempt=attempt,
        workflow_id=workflow_id,
    )  # fmt: skip


def object_response(services: Services, key: str, media_type: str, filename: str) -> Response:
    """An object as a download: a redirect where the store can presign a URL (S3), so the
    bytes do not pass through the API; otherwise streamed in 1 MiB blocks."""
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
