"""Signature verification for archivists: an uploaded PDF, or a document's archived PDF/A."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from hoso.api.auth import NotFoundError, Role
from hoso.api.deps import READERS, Caller, RecordId, ServicesDep, audit, visible_document
from hoso.digitize.errors import InputTooLargeError
from hoso.signatures.verify import VerificationReport
from hoso.storage.vocabulary import EventType

MAX_VERIFY_BYTES = 200 * 1024 * 1024  # a signed result or dossier; bigger uploads answer 413

router = APIRouter(tags=["signatures"])


@router.post("/verify")
def verify_upload(
    file: Annotated[UploadFile, File(description="A signed PDF")],
    who: Caller,
    services: ServicesDep,
) -> VerificationReport:
    """Verify the signatures of an uploaded PDF: a report per signature and an overall
    TOTAL-PASSED / INDETERMINATE / TOTAL-FAILED verdict with reasons."""
    who.require(*READERS)
    data = file.file.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        raise InputTooLargeError(f"files over {MAX_VERIFY_BYTES // 2**20} MiB are refused")
    report = services.verifier.verify_bytes(data, name=file.filename or "upload.pdf")
    audit(
        services, who, EventType.VERIFIED, None, sha256=report.sha256, verdict=report.verdict.value
    )
    return report


@router.post("/documents/{document_id}/verify")
def verify_document(
    document_id: RecordId, who: Caller, services: ServicesDep
) -> VerificationReport:
    """Verify the archived signed PDF of a document (its newest PDF/A)."""
    who.require(Role.ARCHIVIST)
    visible_document(services, document_id, who)
    derived = services.records.newest_derived(document_id, "pdfa")
    if derived is None:
        raise NotFoundError(f"document {document_id} has no PDF to verify yet")
    with services.archive.store.open(derived.key) as stream:
        data = stream.read()
    report = services.verifier.verify_bytes(data, name=f"document-{document_id}.pdf")
    audit(
        services,
        who,
        EventType.VERIFIED,
        document_id,
        key=derived.key,
        verdict=report.verdict.value,
    )
    return report
