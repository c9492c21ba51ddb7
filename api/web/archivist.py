"""The archivist's screens: verify the signatures of an uploaded PDF or of a document's archived
copy, see where the archive's fixity stands, and read a document's history.

Verification calls the API's own routes (`verify_upload`, `verify_document`), so the page and
`POST /api/v1/verify` check, refuse and audit alike; without a signing configuration both say
so (the API with 503, the page in plain words before anyone uploads). A report is shown per
signature from the typed `VerificationReport`, "trust unknown" (INDETERMINATE: the signer or
the time could not be confirmed) apart from "invalid" (TOTAL-FAILED: changed, broken or
revoked), and the very report shown is offered as JSON to download (a `data:` link: what was
seen is what is kept, and nothing waits on the server for a second request).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hoso.api.deps import MAX_ID, RecordId, ServicesDep, visible_document
from hoso.api.limits import UploadRoute
from hoso.api.routes.documents import get_events
from hoso.api.routes.signatures import MAX_VERIFY_BYTES, verify_document, verify_upload
from hoso.api.web.i18n import N_
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import page_router
from hoso.api.web.session import ArchivistPerson, Person, ReadHere
from hoso.digitize.errors import InputTooLargeError
from hoso.signatures.verify import (
    REASONS_VI,
    VERDICTS_VI,
    ChangesAfter,
    Coverage,
    SignatureReport,
    Verdict,
    VerificationReport,
)

router = page_router()

UPLOAD_ROUTES = (
    UploadRoute("POST", re.compile(r"/archivist/verify"), MAX_VERIFY_BYTES, InputTooLargeError),
)

# What each verdict means for the archivist: "trust unknown" is not "invalid".
VERDICT_MEANINGS: dict[Verdict, str] = {
    Verdict.PASSED: N_("Valid: intact, signed by a trusted signer, not revoked."),
    Verdict.INDETERMINATE: N_(
        "Trust unknown: nothing shows the file was changed, but the signer, the time or the "
        "revocation status could not be confirmed. This is not the same as invalid."
    ),
    Verdict.FAILED: N_(
        "Invalid: the file was changed after signing, or the signature is broken, revoked or "
        "made outside its certificate's validity. Do not rely on it."
    ),
}
VERDICT_CLASSES = {
    Verdict.PASSED: "passed",
    Verdict.INDETERMINATE: "unknown",
    Verdict.FAILED: "failed",
}
COVERAGE_TEXTS: dict[Coverage, str] = {
    Coverage.ENTIRE_FILE: N_("The whole file"),
    Coverage.ENTIRE_REVISION: N_("The whole file as it was when signed (later additions apart)"),
    Coverage.PARTIAL: N_("Only part of the file"),
    Coverage.UNKNOWN: N_("Unknown: the signature could not be read"),
}
CHANGES_TEXTS: dict[ChangesAfter, str] = {
    ChangesAfter.NONE: N_("None"),
    ChangesAfter.LTA_UPDATES: N_("Only long-term validation data and timestamps (allowed)"),
    ChangesAfter.FORM_FILLING: N_("Only further signatures or form filling (allowed)"),
    ChangesAfter.ANNOTATIONS: N_("Annotations added (not allowed)"),
    ChangesAfter.OTHER: N_("Content changed (not allowed)"),
}
REVOCATION_TEXTS = {
    "good": N_("Not revoked"),
    "unknown": N_("Unknown: no revocation data could be checked"),
}
REVOKED = N_("Revoked")
FIXITY_TEXTS: dict[str, str] = {
    "ok": N_("Intact"),
    "changed": N_("Changed since it was archived"),
    "missing": N_("Missing from the storage"),
}


@dataclass(frozen=True)
class ReportView:
    """A verification report as the page shows it, and the same report as a JSON download."""

    report: VerificationReport
    document_id: int | None  # an archived copy's document; None for an uploaded file

    @property
    def verdict_text(self) -> str:
        return VERDICTS_VI[self.report.verdict]

    @property
    def download_name(self) -> str:
        return f"xac-minh-{self.report.sha256[:16]}.json"

    @property
    def download_href(self) -> str:
        body = json.dumps(self.report.to_dict(), ensure_ascii=False, indent=2).encode()
        return "data:application/json;base64," + base64.b64encode(body).decode()


def moment_of(iso: str | None) -> dt.datetime | None:
    """A time of the report (ISO 8601 text) as a datetime for the page's date filter."""
    return dt.datetime.fromisoformat(iso) if iso else None


def revocation_of(signature: SignatureReport) -> tuple[str, str]:
    """The revocation status as (source text, detail): "good" and "unknown" as words, a
    revocation as "Revoked" with its date and reason (`revoked <date> (<reason>)`)."""
    status, _, detail = signature.revocation.partition(" ")
    if status == "revoked":
        return REVOKED, detail
    return REVOCATION_TEXTS.get(status, REVOCATION_TEXTS["unknown"]), ""


def _report_context(view: ReportView) -> dict[str, object]:
    return {
        "view": view,
        "reasons_vi": REASONS_VI,
        "verdicts_vi": VERDICTS_VI,
        "verdict_meanings": VERDICT_MEANINGS,
        "verdict_classes": VERDICT_CLASSES,
        "coverage_texts": COVERAGE_TEXTS,
        "changes_texts": CHANGES_TEXTS,
        "revocation_of": revocation_of,
        "moment_of": moment_of,
    }


def _show_report(request: Request, who: Person, view: ReportView) -> Response:
    return pages_of(request).render(
        request, "archivist/report.html", _report_context(view), person=who
    )


@router.get("/archivist")
def home(request: Request, who: ArchivistPerson, services: ServicesDep) -> Response:
    """Verify a file, open a document by its number, and the latest fixity round."""
    context = {
        "fixity": services.records.fixity_round(who.principal.province_code),
        # failing now, from any round: a nightly sample checks only some objects
        "fixity_problems": services.upkeep.open_problems(who.principal.province_code),
        "fixity_texts": FIXITY_TEXTS,
        "max_mib": MAX_VERIFY_BYTES // 2**20,
    }
    return pages_of(request).render(request, "archivist/home.html", context, person=who)


@router.post("/archivist/verify")
def verify_file(
    request: Request,
    file: Annotated[UploadFile, File()],
    who: ArchivistPerson,
    services: ServicesDep,
) -> Response:
    report = verify_upload(file, who.principal, services)
    return _show_report(request, who, ReportView(report, None))


@router.get("/archivist/documents")
def open_document(who: ArchivistPerson, number: Annotated[int, Query(ge=1, le=MAX_ID)]) -> Response:
    """The "open a document" form: to the document's page (which checks the province)."""
    return RedirectResponse(f"/archivist/documents/{number}", status_code=303)


@router.get("/archivist/documents/{document_id}", dependencies=[ReadHere])
def document_page(
    request: Request, document_id: RecordId, who: ArchivistPerson, services: ServicesDep
) -> Response:
    """A document's history (read as the API reads it, so audited alike) and its objects'
    fixity; another province's document is the 404 page."""
    document = visible_document(services, document_id, who.principal)
    events = get_events(document_id, who.principal, services)
    context = {
        "document": document,
        "events": events,
        "objects": services.records.document_fixity(document_id),
        "fixity_texts": FIXITY_TEXTS,
    }
    return pages_of(request).render(request, "archivist/document.html", context, person=who)


@router.post("/archivist/documents/{document_id}/verify")
def verify_archived(
    request: Request, document_id: RecordId, who: ArchivistPerson, services: ServicesDep
) -> Response:
    report = verify_document(document_id, who.principal, services)
    return _show_report(request, who, ReportView(report, document_id))
