"""The station's screens: open a batch, send scans into it (drag and drop or the file picker,
each file with its own progress), follow its processing live, retry or replace a failed
document, close the batch.

Every action calls the same functions as the API's routes (`open_batch`, `receive_file`,
`submit_batch`, `retry_failed`, `replace_failed`), so a person at a station obeys the rules a
station token does: it sees, fills and closes only the batches it opened (another's is the
404 page), and a file is streamed to the object store under the same size and stall limits
(`UPLOAD_ROUTES`, enforced by `hoso.api.limits` before the body is read).

The status fragment is polled by htmx every 2 s; once the batch is done it answers 286, which
tells htmx to stop polling.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hoso.api.deps import RecordId, Services, ServicesDep, visible_document
from hoso.api.limits import UploadRoute
from hoso.api.routes.batches import open_batch, receive_file, submit_batch, usable_batch
from hoso.api.routes.documents import replace_failed, retry_failed
from hoso.api.schemas import batch_out
from hoso.api.web.i18n import N_, format_moment
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import page_router
from hoso.api.web.session import Person, StationPerson
from hoso.storage.intake import MAX_UPLOAD_BYTES, UploadTooLargeError
from hoso.storage.schema import Batch, BatchFile, Document
from hoso.storage.vocabulary import DocumentStatus

router = page_router()

RECENT_BATCHES = 30
POLL_DONE = 286  # htmx: stop polling
BATCH_NAME = N_("Batch of %(moment)s")

UPLOAD_ROUTES = (
    UploadRoute(
        "POST", re.compile(r"/station/batches/[^/]+/files"), MAX_UPLOAD_BYTES, UploadTooLargeError
    ),
    UploadRoute(
        "POST",
        re.compile(r"/station/documents/[^/]+/replace"),
        MAX_UPLOAD_BYTES,
        UploadTooLargeError,
    ),
)


@dataclass(frozen=True)
class BatchView:
    """A batch as its page shows it; `done` and the page counts are the API's (`batch_out`)."""

    batch: Batch
    files: list[BatchFile]
    documents: list[Document]
    pages: int
    pages_done: int
    done: bool

    @property
    def failed(self) -> int:
        return sum(d.status == DocumentStatus.FAILED for d in self.documents)


def batch_view(services: Services, batch: Batch) -> BatchView:
    files = services.intake.files(batch.id)
    documents = services.records.batch_documents(batch.id)
    progress = batch_out(batch, files, documents)
    return BatchView(batch, files, documents, progress.pages, progress.pages_done, progress.done)


def batch_path(batch_id: int | None) -> str:
    return f"/station/batches/{batch_id}" if batch_id else "/station"


@router.get("/station")
def home(request: Request, who: StationPerson, services: ServicesDep) -> Response:
    """The station's own recent batches and a form to open one."""
    principal = who.principal
    batches = services.records.recent_batches(
        RECENT_BATCHES, principal.province_code, station_account_id=principal.account_id
    )
    pages = pages_of(request)
    name = pages.gettext(BATCH_NAME) % {"moment": format_moment(dt.datetime.now(dt.UTC))}
    finished = services.records.finished_batches(batches)
    context = {"batches": batches, "finished": finished, "suggested_name": name}
    return pages.render(request, "station/home.html", context, person=who)


@router.post("/station/batches")
def open_new(
    who: StationPerson,
    services: ServicesDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    batch = open_batch(services, name.strip() or name, who.principal)
    return RedirectResponse(batch_path(batch.id), status_code=303)


@router.get("/station/batches/{batch_id}")
def batch_page(
    request: Request, batch_id: RecordId, who: StationPerson, services: ServicesDep
) -> Response:
    view = batch_view(services, usable_batch(services, batch_id, who.principal))
    return pages_of(request).render(request, "station/batch.html", {"view": view}, person=who)


@router.get("/station/batches/{batch_id}/status")
def batch_status(
    request: Request, batch_id: RecordId, who: StationPerson, services: ServicesDep
) -> Response:
    """The live part of the batch page (htmx polls it until the batch is done)."""
    view = batch_view(services, usable_batch(services, batch_id, who.principal))
    status = POLL_DONE if view.done else 200
    return pages_of(request).render(
        request, "station/_status.html", {"view": view}, person=who, status_code=status
    )


@router.post("/station/batches/{batch_id}/files")
def upload(
    batch_id: RecordId,
    file: Annotated[UploadFile, File()],
    who: StationPerson,
    services: ServicesDep,
    position: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
) -> Response:
    """One file from the page's upload script (JSON: the script shows each file's state)."""
    received = receive_file(services, batch_id, file, position, who.principal)
    return JSONResponse(received.model_dump(), status_code=201 if received.created else 200)


@router.post("/station/batches/{batch_id}/close")
def close(batch_id: RecordId, who: StationPerson, services: ServicesDep) -> Response:
    submit_batch(services, batch_id, who.principal)
    return RedirectResponse(batch_path(batch_id), status_code=303)


@router.post("/station/documents/{document_id}/retry")
def retry(document_id: RecordId, who: StationPerson, services: ServicesDep) -> Response:
    retry_failed(services, document_id, who.principal)
    return RedirectResponse(_batch_of(services, document_id, who), status_code=303)


@router.post("/station/documents/{document_id}/replace")
def replace(
    document_id: RecordId,
    file: Annotated[UploadFile, File()],
    who: StationPerson,
    services: ServicesDep,
) -> Response:
    replace_failed(services, document_id, file, who.principal)
    return RedirectResponse(_batch_of(services, document_id, who), status_code=303)


def _batch_of(services: Services, document_id: int, who: Person) -> str:
    """The page of the document's batch, to go back to after acting on the document."""
    return batch_path(visible_document(services, document_id, who.principal).batch_id)
