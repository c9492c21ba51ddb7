"""The officer's screens: find a document with one search box, read it (the PDF in the
browser's own viewer, its text, fields, history and signatures), and see a person's papers with
a procedure's form prefilled from them.

Every screen calls what the API's routes call (`Records`, `Reuse`, the catalogue, the routes'
own functions for downloads) with the logged-in person's `Principal`, so the same role and
province rules hold: another province's document is the 404 page. Every read of personal data
is an audit event naming the person, with the API's event types.

The search form is a plain GET form: without script it reloads the page; with htmx it swaps
only the results (`hx-get`, `hx-push-url`), from the same route, which answers the fragment
when htmx asks.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from hoso.api.auth import NotFoundError, Role
from hoso.api.deps import MAX_ID, RecordId, Services, ServicesDep, audit, visible_document
from hoso.api.headers import embeddable_by_own_pages
from hoso.api.routes.documents import PDF, get_original, get_pdf
from hoso.api.routes.reuse import CitizenId
from hoso.api.web.i18n import TIMEZONE
from hoso.api.web.officer_texts import (
    DOC_TYPE_TEXTS,
    FIELD_STATUS_TEXTS,
    FIELD_TEXTS,
    SORT_TEXTS,
    marked,
    word,
)
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import page_router
from hoso.api.web.session import OfficerPerson, Person, ReadHere
from hoso.contract import DOC_TYPES
from hoso.desk_time import a_desk_day
from hoso.storage.queries import DocumentList, DocumentQuery, DocumentSort
from hoso.storage.vocabulary import DocumentStatus, EventType

router = page_router()

PAGE_SIZE = 20
Text = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class SearchForm:
    """The search form as sent (GET parameters: empty means any), and what it asks the index."""

    q: str = ""
    type: str = ""
    status: str = ""
    desk: str = ""
    since: str = ""  # dd/mm/yyyy (as a desk writes it; yyyy-mm-dd too), a day in Vietnam's time
    until: str = ""
    sort: str = ""
    page: int = 1

    @property
    def sorting(self) -> DocumentSort:
        """As asked; by default the best match for words, else the newest."""
        if self.sort in DocumentSort.__members__.values():
            return DocumentSort(self.sort)
        return DocumentSort.RELEVANCE if self.q.strip() else DocumentSort.NEWEST

    @property
    def chosen_sort(self) -> str:
        """The sort as the form's choice: "" for the default (best match for words, else the
        newest), so a search typed after a page without words is not stuck on the newest."""
        sorting = self.sorting
        return "" if sorting is DocumentSort.RELEVANCE or sorting.value != self.sort else self.sort

    def query(self, province_code: str | None) -> DocumentQuery:
        until = _day(self.until)
        return DocumentQuery(
            text=self.q.strip(),
            province_code=province_code,
            doc_type=self.type or None,
            status=self.status or None,
            desk_id=_desk(self.desk),
            created_from=_day(self.since),
            created_before=until + dt.timedelta(days=1) if until else None,
            sort=self.sorting,
            limit=PAGE_SIZE,
            offset=(self.page - 1) * PAGE_SIZE,
        )

    def link(self, **changed: Any) -> str:
        """This search's address with some parameters changed (a page, a sort)."""
        values = {**self.__dict__, **changed}
        return "/officer?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _desk(value: str) -> int | None:
    """A desk's number, or None for any desk (no number, or none a record could carry)."""
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


def _day(value: str) -> dt.datetime | None:
    """The start of a day at the desk, in Vietnam's time; None if not a day. Written
    dd/mm/yyyy as everywhere at a desk (a browser's date picker would show the browser's own
    format, often mm/dd/yyyy), or yyyy-mm-dd."""
    text = value.strip()
    try:
        day = dt.datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else None
        day = day or dt.date.fromisoformat(text)
    except ValueError:
        return None
    if not a_desk_day(day):
        return None
    return dt.datetime.combine(day, dt.time(), TIMEZONE)


@dataclass(frozen=True)
class Results:
    form: SearchForm
    found: DocumentList

    @property
    def pages(self) -> int:
        return max(1, -(-self.found.total // PAGE_SIZE))


def _words() -> dict[str, Any]:
    """What the officer templates use to name the archive's words (translated there)."""
    return {
        "doc_type_text": lambda t: word(DOC_TYPE_TEXTS, t),
        "field_text": lambda n: word(FIELD_TEXTS, n),
        "field_status_text": lambda s: word(FIELD_STATUS_TEXTS, s),
        "marked": marked,
    }


@router.get("/officer", dependencies=[ReadHere])
def search(
    request: Request,
    who: OfficerPerson,
    services: ServicesDep,
    q: Text = "",
    type: Text = "",
    status: Text = "",
    desk: Text = "",
    since: Text = "",
    until: Text = "",
    sort: Text = "",
    page: Annotated[int, Query(ge=1, le=5000)] = 1,
) -> Response:
    """The officer's home: one search box, filters, sorting and pages; every list shown is a
    `searched` event with the ids it showed (titles are often citizens' names)."""
    form = SearchForm(q, type, status, desk, since, until, sort, page)
    principal = who.principal
    found = services.records.find_documents(form.query(principal.province_code))
    audit(
        services, principal, EventType.SEARCHED, None, query=form.q,
        results=[row.document.id for row in found.rows],
    )  # fmt: skip
    context = {"results": Results(form, found), **_words()}
    pages = pages_of(request)
    if _fragment_wanted(request):
        return pages.render(request, "officer/_results.html", context, person=who)
    context |= {
        "doc_types": DOC_TYPES,
        "statuses": list(DocumentStatus),
        "desks": services.records.desks(principal.province_code),
        "sorts": SORT_TEXTS,
    }
    return pages.render(request, "officer/search.html", context, person=who)


@router.get("/officer/documents/{document_id}", dependencies=[ReadHere])
def document_page(
    request: Request, document_id: RecordId, who: OfficerPerson, services: ServicesDep
) -> Response:
    """A document: its PDF, text, fields, history and signatures (one read event)."""
    document = visible_document(services, document_id, who.principal)
    fields = services.records.fields_of(document_id)
    events = services.archive.index.document_history(document_id)
    audit(services, who.principal, EventType.DOCUMENT_READ, document_id, what="page")
    dossier = services.results.dossier_of(document.dossier_id)  # its result is issued here
    context = {
        "document": document,
        "dossier": dossier,
        "issued_results": services.results.of_dossier(dossier.id) if dossier else [],
        "can_issue": services.result_signer is not None,
        "has_pdf": services.records.newest_derived(document_id, "pdfa") is not None,
        "text": services.records.document_text(document_id),
        "fields": fields,
        "events": events,
        "signatures": [e.detail["signed_by"] for e in events if e.detail.get("signed_by")],
        **_words(),
    }
    return pages_of(request).render(request, "officer/document.html", context, person=who)


@router.get("/officer/documents/{document_id}/view.pdf", dependencies=[ReadHere])
def document_pdf(document_id: RecordId, who: OfficerPerson, services: ServicesDep) -> Response:
    """The PDF/A for the browser's own viewer inside the document page: always streamed from
    this server (a presigned S3 address would be another origin, which the page may not
    frame), shown inline, and framable by this site's pages only."""
    visible_document(services, document_id, who.principal)
    derived = services.records.newest_derived(document_id, "pdfa")
    if derived is None:
        raise NotFoundError(f"document {document_id} has no searchable PDF yet")
    audit(services, who.principal, EventType.RETRIEVED, document_id, key=derived.key, what="pdfa")
    stream = services.archive.store.open(derived.key)
    response = StreamingResponse(
        _blocks(stream),
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="document-{document_id}.pdf"'},
    )
    embeddable_by_own_pages(response.headers)
    return response


def _blocks(stream: Any) -> Any:
    with stream:
        while block := stream.read(1 << 20):
            yield block


@router.get("/officer/documents/{document_id}/download/{what}", dependencies=[ReadHere])
def download(
    document_id: RecordId, what: str, who: OfficerPerson, services: ServicesDep
) -> Response:
    """The PDF/A or the original as a download: the API's own answers (and events)."""
    if what == "pdf":
        return get_pdf(document_id, who.principal, services)
    if what == "original":
        return get_original(document_id, who.principal, services)
    raise NotFoundError(f"there is no download {what!r}")


@router.get("/officer/persons")
def find_person(
    who: OfficerPerson, citizen_id: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """The person form's target: off to the person's page."""
    wanted = "".join(citizen_id.split())
    if not (len(wanted) == 12 and wanted.isdigit()):
        raise NotFoundError(f"not a 12-digit ID number: {citizen_id!r}")
    return RedirectResponse(f"/officer/persons/{wanted}", status_code=303)


@router.get("/officer/persons/{citizen_id}", dependencies=[ReadHere])
def person_page(
    request: Request,
    citizen_id: CitizenId,
    who: OfficerPerson,
    services: ServicesDep,
    procedure: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    """Every paper of the person in the province with its fields and the best value of each;
    with `procedure`, that form prefilled (a `prefilled` event: reuse is counted)."""
    principal = who.principal
    record = services.reuse.person(
        citizen_id, principal.agent, principal.desk_id, principal.province_code
    )
    if record is None:
        raise NotFoundError(f"no documents carry the ID number {citizen_id}")
    prefill = _prefill(services, who, citizen_id, procedure) if procedure else None
    papers = [(d, services.records.fields_of(d["document_id"])) for d in record.documents]
    context = {
        "record": record,
        "expired": set(record.expired),
        "papers": papers,
        "procedures": list(services.procedures),
        "procedure": procedure,
        "prefill": prefill,
        "prefill_json": json.dumps(prefill, ensure_ascii=False, indent=2) if prefill else "",
        **_words(),
    }
    return pages_of(request).render(request, "officer/person.html", context, person=who)


def _prefill(
    services: Services, who: Person, citizen_id: str, procedure: str
) -> dict[str, Any] | None:
    principal = who.principal
    principal.require(Role.OFFICER)
    form = services.procedures.find(procedure)
    return services.reuse.prefill(
        citizen_id, form, principal.agent, principal.desk_id, principal.province_code
    )


def _fragment_wanted(request: Request) -> bool:
    """htmx asks for the results only; not when it restores a page from history (it then
    wants the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers
