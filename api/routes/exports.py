"""Handing records to the archives: an archivist's BagIt bag of a dossier, a batch or a span of
days, of the archivist's province only, as one zip download. Each exported document gets an
`exported` event (`storage.bags.package`)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from hoso.api.auth import NotFoundError, Role
from hoso.api.deps import Caller, ServicesDep
from hoso.api.schemas import ExportIn
from hoso.errors import ExitCode, HosoError
from hoso.storage.archive import EXPORT_PREFIX
from hoso.storage.bags.package import Exporter, NothingToExportError, Selection, zip_bag

ZIP = "application/zip"
# A bag is built in the spool, whole, inside the request: an unbounded span of days would hold
# a server thread for hours and fill the spool's disk. Larger handovers are `hoso export`'s.
MAX_DOCUMENTS = 2_000
AT_ONCE = 2  # bags built at the same time by one server
RETRY_AFTER_S = 60
_building = threading.BoundedSemaphore(AT_ONCE)


class ExportTooLargeError(HosoError):
    code = "export_too_large"
    exit_code = ExitCode.INPUT_TOO_LARGE
    http_status = 413


class ExportsBusyError(HosoError):
    """Other bags are being built: 429 and when to retry (`Retry-After`)."""

    code = "exports_busy"
    http_status = 429

    def __init__(self) -> None:
        super().__init__(f"{AT_ONCE} bags are being built; retry in {RETRY_AFTER_S} s")
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


router = APIRouter(tags=["exports"])


@router.post(
    "/exports",
    response_class=FileResponse,
    responses={200: {"content": {ZIP: {}}, "description": "The bag, zipped."}},
)
def export_bag(wanted: ExportIn, who: Caller, services: ServicesDep) -> FileResponse:
    """A BagIt bag (originals, PDF/A, JSON, METS with PREMIS events) of the documents asked
    for in the caller's province, zipped. A dossier or batch of another province answers 404
    like one that does not exist."""
    who.require(Role.ARCHIVIST)
    selection = Selection(
        wanted.dossier_code, wanted.batch_id, wanted.day_from, wanted.day_to, who.province_code
    )
    exporter = Exporter(services.archive)
    try:
        plan = exporter.plan(selection)
    except NothingToExportError as error:
        raise NotFoundError(error.message) from None
    if len(plan.document_ids) > MAX_DOCUMENTS:
        raise ExportTooLargeError(
            f"{len(plan.document_ids)} documents: the API hands over at most {MAX_DOCUMENTS} "
            "in one bag; ask for fewer days, or use `hoso export` on the server"
        )
    if not _building.acquire(blocking=False):
        raise ExportsBusyError()
    folder = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX, dir=services.archive.spool_dir()))
    try:
        result = exporter.export(plan, folder / "bag", who.agent, who.desk_id)
        zipped = folder / f"hoso-{result.bag_id}.zip"
        zip_bag(result.path, zipped)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        _building.release()
    return BagResponse(zipped, folder)


class BagResponse(FileResponse):
    """The zipped bag, whose folder goes once the answer ends, sent whole or not: a background
    task runs only after a send that did not raise, and an ASGI 2.4 server's send raises for
    a client gone, which left a copy of every original in the spool. (A server killed
    meanwhile leaves it to `clean_spool`.)"""

    def __init__(self, zipped: Path, folder: Path) -> None:
        super().__init__(zipped, media_type=ZIP, filename=zipped.name)
        self.folder = folder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await run_in_threadpool(shutil.rmtree, self.folder, ignore_errors=True)
