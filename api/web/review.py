"""The reviewer's screen (an officer): the values read with too little confidence, each beside
the part of the page it was read from, decided from the keyboard.

Enter accepts the value as read; typing replaces it and Enter saves the correction; the arrow
keys or j/k move between values; `?` lists the shortcuts (`static/review.js`, a file of ours:
the UI's policy allows no inline script). Each value is a plain form, so without script Enter
still submits it and the page comes back with the next ones. A decision goes through
`Reuse.review` with the checks a reading gets, as the API's `POST /review/{id}` does, and is a
`reviewed` event naming the person.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from hoso.api.deps import RecordId, ServicesDep, audit, visible_field
from hoso.api.web.officer_texts import (
    CONFIDENCE_TEXTS,
    FIELD_STATUS_TEXTS,
    FIELD_TEXTS,
    confidence_band,
    word,
)
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import page_router
from hoso.api.web.session import OfficerPerson, ReadHere
from hoso.api.web.texts import code_text
from hoso.digitize.fields.extract import value_problems
from hoso.storage.reuse import REVIEW_BELOW, InvalidValueError
from hoso.storage.schema import ExtractedField
from hoso.storage.vocabulary import EventType

router = page_router()

QUEUE_SIZE = 50
PATH = "/review"


def _item(field: ExtractedField, error: str | None = None) -> dict[str, Any]:
    """What one value's part of the page shows."""
    band = confidence_band(field.confidence, REVIEW_BELOW)
    return {
        "field": field,
        "band": band,
        "band_text": CONFIDENCE_TEXTS[band],
        "name_text": word(FIELD_TEXTS, field.name),
        "status_text": word(FIELD_STATUS_TEXTS, field.status),
        "decided": field.reviewed_by is not None,
        "error": error,
    }


@router.get(PATH, dependencies=[ReadHere])
def queue(request: Request, who: OfficerPerson, services: ServicesDep) -> Response:
    """The province's queue, least confident first (a read of values: an event, as the API's)."""
    rows = services.reuse.review_queue(QUEUE_SIZE, who.principal.province_code)
    audit(
        services, who.principal, EventType.RETRIEVED, None, what="review_queue",
        fields=[r.id for r in rows],
    )  # fmt: skip
    context = {"items": [_item(r) for r in rows]}
    return pages_of(request).render(request, "review/queue.html", context, person=who)


@router.get(PATH + "/{field_id}/crop.png", dependencies=[ReadHere])
def crop(field_id: RecordId, who: OfficerPerson, services: ServicesDep) -> Response:
    """Where the value stands on its page (`Archive.field_crop`, itself a read event)."""
    visible_field(services, field_id, who.principal)
    image = services.archive.field_crop(field_id, who.principal.agent)
    out = io.BytesIO()
    image.save(out, "PNG")
    return Response(out.getvalue(), media_type="image/png")


@router.post(PATH + "/{field_id}")
def decide(
    request: Request,
    field_id: RecordId,
    who: OfficerPerson,
    services: ServicesDep,
    value: Annotated[str, Form(max_length=500)],
) -> Response:
    """Accept (the value as read) or correct (another value). htmx gets the decided value's
    part of the page back; a browser without script the queue again. A correction that fails
    its field's check is shown on the value, with the reason, and nothing is recorded."""
    field = visible_field(services, field_id, who.principal)
    pages = pages_of(request)
    htmx = request.headers.get("hx-request") == "true"
    try:
        decided = services.reuse.review(field_id, who.principal.agent, value, value_problems)
    except InvalidValueError as error:
        reasons = pages.field_problems(value_problems(field.name, value.strip()))
        context = _item(field, error=" ".join([pages.gettext(code_text(error.code)), *reasons]))
        if htmx:  # htmx swaps only successful answers; the message must reach the person
            return pages.render(request, "review/_item.html", {"item": context}, person=who)
        return pages.render(
            request, "review/queue.html", {"items": [context]}, person=who, status_code=422
        )
    if htmx:
        return pages.render(request, "review/_item.html", {"item": _item(decided)}, person=who)
    return RedirectResponse(PATH, status_code=303)
