"""The officer's "issue the result electronically" form on a document's page: the result PDF
of the document's dossier, signed with its QR code and archived by the API's own function
(`hoso.api.routes.results.issue_upload`), so the page and `POST /api/v1/dossiers/{code}/results`
check, refuse and record alike. The page lists the dossier's issued results with a download.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import File, Form, Response, UploadFile
from fastapi.responses import RedirectResponse

from hoso.api.deps import RecordId, ServicesDep, visible_document
from hoso.api.limits import UploadRoute
from hoso.api.routes.results import MAX_RESULT_BYTES, issue_upload
from hoso.api.routes.results import get_result_pdf as api_result_pdf
from hoso.api.web.routing import page_router
from hoso.api.web.session import OfficerPerson, ReadHere
from hoso.digitize.errors import InputTooLargeError
from hoso.storage.results import DossierNotFoundError, ResultRecord

router = page_router()

UPLOAD_ROUTES = (
    UploadRoute(
        "POST", re.compile(r"/officer/documents/[^/]+/results"), MAX_RESULT_BYTES,
        InputTooLargeError,
    ),
)  # fmt: skip


@router.post("/officer/documents/{document_id}/results")
def issue_from_document(
    document_id: RecordId,
    file: Annotated[UploadFile, File()],
    procedure_code: Annotated[str, Form(min_length=1, max_length=40)],
    applicant_id: Annotated[str, Form(min_length=1, max_length=20)],
    title: Annotated[str, Form(min_length=1, max_length=300)],
    who: OfficerPerson,
    services: ServicesDep,
    validity: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Issue the result of the document's dossier, then back to the document's page."""
    code = _dossier_code(services, document_id, who)
    record = ResultRecord(procedure_code, applicant_id, title, validity or None)
    issued = issue_upload(services, who.principal, code, record, file, Response())
    return RedirectResponse(
        f"/officer/documents/{document_id}?issued={issued.id}#results", status_code=303
    )


@router.get("/officer/documents/{document_id}/results/{result_id}/pdf", dependencies=[ReadHere])
def result_pdf(
    document_id: RecordId, result_id: RecordId, who: OfficerPerson, services: ServicesDep
) -> Response:
    """An issued result of the document's dossier: the API's download (and its event)."""
    code = _dossier_code(services, document_id, who)
    return api_result_pdf(code, result_id, who.principal, services)


def _dossier_code(services: ServicesDep, document_id: int, who: OfficerPerson) -> str:
    document = visible_document(services, document_id, who.principal)
    dossier = services.results.dossier_of(document.dossier_id)
    if dossier is None or dossier.code is None:
        raise DossierNotFoundError(f"document {document_id} belongs to no dossier")
    return dossier.code
