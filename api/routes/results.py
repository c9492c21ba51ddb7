"""Results issued electronically (Decision 766/QĐ-TTg): an officer hands back a dossier's
result as a signed PDF carrying the result QR code, kept in the archive; officers and
archivists of the province list and download them. A dossier of another province answers 404
like one that does not exist; a station never issues."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi import Path as PathParam

from hoso.api.auth import Principal, Role
from hoso.api.deps import READERS, Caller, RecordId, Services, ServicesDep, audit
from hoso.api.routes.documents import PDF, object_response
from hoso.api.schemas import IssuedResultOut, issued_result_out
from hoso.digitize.errors import InputTooLargeError
from hoso.storage.results import ResultRecord
from hoso.storage.vocabulary import EventType
from hoso.workflows.results import Issuer

MAX_RESULT_BYTES = 100 * 1024 * 1024  # a decision or certificate; bigger uploads answer 413

router = APIRouter(tags=["results"])

DossierCode = Annotated[
    str, PathParam(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")
]


@router.post("/dossiers/{dossier_code}/results", status_code=201)
def issue_result(
    dossier_code: DossierCode,
    file: Annotated[UploadFile, File(description="The result PDF the procedure system made")],
    procedure_code: Annotated[str, Form(min_length=1, max_length=40)],
    applicant_id: Annotated[str, Form(min_length=1, max_length=20)],
    title: Annotated[str, Form(min_length=1, max_length=300)],
    who: Caller,
    services: ServicesDep,
    response: Response,
    validity: Annotated[str | None, Form(max_length=200)] = None,
) -> IssuedResultOut:
    """Issue the dossier's result: its QR code (dossier, procedure, applicant, title) drawn on
    page 1, signed with the agency's result profile, archived, a `result_issued` event. The
    same file issued again for the dossier answers the first record (200, `created` false)."""
    who.require(Role.OFFICER)
    record = ResultRecord(procedure_code, applicant_id, title, validity)
    return issue_upload(services, who, dossier_code, record, file, response)


@router.get("/dossiers/{dossier_code}/results")
def list_results(
    dossier_code: DossierCode, who: Caller, services: ServicesDep
) -> list[IssuedResultOut]:
    """The results issued for the dossier, oldest first."""
    who.require(*READERS)
    dossier = services.results.dossier(dossier_code, who.province_code)
    rows = services.results.of_dossier(dossier.id)
    return [issued_result_out(row, dossier.code or dossier_code) for row in rows]


@router.get(
    "/dossiers/{dossier_code}/results/{result_id}/pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}, 307: {"description": "presigned S3 URL"}},
)
def get_result_pdf(
    dossier_code: DossierCode, result_id: RecordId, who: Caller, services: ServicesDep
) -> Response:
    """The signed result PDF as issued (a read of personal content: an event)."""
    who.require(*READERS)
    dossier = services.results.dossier(dossier_code, who.province_code)
    row = services.results.one(dossier.id, result_id)
    audit(services, who, EventType.RETRIEVED, None, key=row.object_key, what="result",
          dossier=dossier.code)  # fmt: skip
    return object_response(services, row.object_key, PDF, f"result-{dossier.code}-{row.id}.pdf")


def issue_upload(
    services: Services,
    who: Principal,
    dossier_code: str,
    record: ResultRecord,
    file: UploadFile,
    response: Response,
) -> IssuedResultOut:
    """Spool the upload (at most `MAX_RESULT_BYTES`), then issue it; for this API and the desk
    UI alike."""
    services.results.dossier(dossier_code, who.province_code)  # 404 before anything else
    issuer = services.result_issuer()  # 503 before reading a byte when nothing can sign
    with services.archive.work_folder() as folder:
        source = Path(folder) / "upload.pdf"
        _spool(file, source)
        issued = issuer.issue(
            dossier_code, record, source, Issuer(who.agent, who.desk_id, who.province_code)
        )
    if not issued.created:
        response.status_code = 200
    return issued_result_out(issued.result, dossier_code.strip(), issued.created)


def _spool(file: UploadFile, target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
        if out.tell() > MAX_RESULT_BYTES:
            raise InputTooLargeError(f"files over {MAX_RESULT_BYTES // 2**20} MiB are refused")
