"""Batches from scanning stations: open one, stream files into it, close it for processing,
and follow its progress.

A batch belongs to the station (API token) that opened it: only that station sees, fills and
closes it; another station's batch answers 404 like a missing one. Officers and archivists of
the province read every batch of it. File names are often citizens' names, so each read of a
batch or of its file list is an audit event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import Field

from hoso.api.auth import NotFoundError, Principal, Role
from hoso.api.deps import READERS, Caller, RecordId, Services, ServicesDep, audit, visible_batch
from hoso.api.schemas import (
    BatchIn,
    BatchOut,
    BatchSummaryOut,
    FileOut,
    SubmittedOut,
    UploadOut,
    batch_out,
    batch_summary_out,
    file_out,
)
from hoso.errors import InputError
from hoso.storage.intake import MAX_BULK_FILES, Upload
from hoso.storage.schema import Batch
from hoso.storage.vocabulary import EventType

router = APIRouter(tags=["batches"])


class TooManyFilesError(InputError):
    code = "bad_file_list"


@router.post("/batches", status_code=201)
def create_batch(body: BatchIn, who: Caller, services: ServicesDep) -> BatchOut:
    """Open a batch for a station's stack of papers."""
    return _progress(services, open_batch(services, body.name, who))


@router.get("/batches")
def list_batches(
    who: Caller,
    services: ServicesDep,
    name: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[BatchSummaryOut]:
    """Newest first: a station's own batches (it finds its open batch), or every batch of a
    reader's province."""
    who.require(Role.STATION, *READERS)
    station = who.token_id if who.role is Role.STATION else None
    batches = services.records.recent_batches(limit, who.province_code, name, status, station)
    finished = services.records.finished_batches(batches)
    return [batch_summary_out(b, b.id in finished) for b in batches]


@router.post(
    "/batches/{batch_id}/files",
    status_code=201,
    responses={200: {"description": "these bytes were already in the batch (a retry)"}},
)
def upload_file(
    batch_id: RecordId,
    file: Annotated[UploadFile, File(description="PDF, TIFF, JPEG or PNG")],
    who: Caller,
    response: Response,
    services: ServicesDep,
    position: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
) -> UploadOut:
    """Add one file, streamed to the object store. Idempotent by SHA-256: sending the
    same bytes again answers 200 with the same file and stores nothing new."""
    received = receive_file(services, batch_id, file, position, who)
    if not received.created:
        response.status_code = 200
    return received


@router.post(
    "/batches/{batch_id}/files/bulk",
    status_code=201,
    responses={200: {"description": "every file's bytes were already in the batch (a retry)"}},
)
def upload_files(
    batch_id: RecordId,
    file: Annotated[
        list[UploadFile],
        File(description=f"PDF, TIFF, JPEG or PNG files, at most {MAX_BULK_FILES}"),
    ],
    who: Caller,
    response: Response,
    services: ServicesDep,
    position: Annotated[
        list[Annotated[int, Field(ge=0, le=1_000_000)]] | None,
        Form(description="Each file's place in the station's order; default 0, 1, 2…"),
    ] = None,
) -> list[UploadOut]:
    """Add several files in one request, recorded in one transaction: a station sends a stack
    of small scans this way, one request and one commit per group instead of per page. Each
    file is idempotent by SHA-256 as in `POST /batches/{batch_id}/files`."""
    received = receive_files(services, batch_id, file, position, who)
    if not any(answer.created for answer in received):
        response.status_code = 200
    return received


@router.get("/batches/{batch_id}/files")
def list_files(batch_id: RecordId, who: Caller, services: ServicesDep) -> list[FileOut]:
    """What the server already has (a station resumes by SHA-256)."""
    who.require(Role.STATION, *READERS)
    usable_batch(services, batch_id, who)
    files = [file_out(f) for f in services.intake.files(batch_id)]
    if who.role is not Role.STATION:  # see get_batch
        audit(services, who, EventType.BATCH_FILES_READ, None, batch_id=batch_id, files=len(files))
    return files


@router.post("/batches/{batch_id}/close", status_code=202)
def close_batch(batch_id: RecordId, who: Caller, services: ServicesDep) -> SubmittedOut:
    """No more files: split the batch into documents and process them. Repeatable."""
    return submit_batch(services, batch_id, who)


@router.get("/batches/{batch_id}")
def get_batch(batch_id: RecordId, who: Caller, services: ServicesDep) -> BatchOut:
    """Status of a batch and of each of its documents, with page progress."""
    who.require(Role.STATION, *READERS)
    progress = _progress(services, usable_batch(services, batch_id, who))
    # A station only ever reads its own batch, polling it about once a second while it
    # uploads and waits: those reads of its own upload are not logged. Everyone else's are.
    if who.role is not Role.STATION:
        audit(services, who, EventType.BATCH_READ, None, batch_id=batch_id)
    return progress


# What a station does, for this API and the desk UI alike (`hoso.api.web.station`).


def open_batch(services: Services, name: str, who: Principal) -> Batch:
    """A new batch owned by the station (token or person) that opens it."""
    who.require(Role.STATION)
    return services.intake.create_batch(
        name, who.province_code, who.agent, who.desk_id,
        station_token_id=who.token_id, station_account_id=who.account_id,
    )  # fmt: skip


def receive_file(
    services: Services, batch_id: int, file: UploadFile, position: int, who: Principal
) -> UploadOut:
    """One file into a batch the station opened (`created` False: the bytes were there)."""
    return receive_files(services, batch_id, [file], [position], who)[0]


def receive_files(
    services: Services,
    batch_id: int,
    files: list[UploadFile],
    positions: list[int] | None,
    who: Principal,
) -> list[UploadOut]:
    """Files into a batch the station opened, in one transaction."""
    who.require(Role.STATION)
    if len(files) > MAX_BULK_FILES:
        raise TooManyFilesError(f"at most {MAX_BULK_FILES} files in one request")
    if positions is not None and len(positions) != len(files):
        raise TooManyFilesError(
            f"{len(positions)} positions for {len(files)} files: give one per file, or none"
        )
    usable_batch(services, batch_id, who)
    uploads = [
        Upload(file.file, file.filename or "upload", place)
        for file, place in zip(files, positions or range(len(files)), strict=True)
    ]
    receipts = services.intake.add_files(batch_id, uploads, who.agent)
    return [
        UploadOut(**file_out(receipt.row).model_dump(), created=receipt.created)
        for receipt in receipts
    ]


def submit_batch(services: Services, batch_id: int, who: Principal) -> SubmittedOut:
    """Close a batch the station opened and queue it for processing (repeatable)."""
    who.require(Role.STATION)
    usable_batch(services, batch_id, who)
    batch = services.intake.close(batch_id, who.agent)
    workflow_id = services.queue.submit_batch(batch_id)
    return SubmittedOut(batch_id=batch_id, status=batch.status, workflow_id=workflow_id)


def usable_batch(services: Services, batch_id: int, who: Principal) -> Batch:
    """A batch the caller may use: a station only one it opened (another station's answers
    404 like a missing one), a reader any batch of its province."""
    batch = visible_batch(services, batch_id, who)
    if who.role is Role.STATION and not who.opened(batch):
        raise NotFoundError(f"there is no batch {batch_id}")
    return batch


def _progress(services: Services, batch: Batch) -> BatchOut:
    """A batch with its files and planned documents (a station polls this until done)."""
    files = services.intake.files(batch.id)
    return batch_out(batch, files, services.records.batch_documents(batch.id))
