"""Reuse for officers: a person's record, an e-form prefill from it, and the review queue of
values read with too little confidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from hoso.api.auth import NotFoundError, Role
from hoso.api.deps import Caller, RecordId, ServicesDep, audit, visible_field
from hoso.api.schemas import FieldOut, ReviewIn, field_out, person_out
from hoso.digitize.fields.extract import value_problems
from hoso.storage.vocabulary import EventType

CitizenId = Annotated[str, PathParam(pattern=r"^\d{12}$")]

router = APIRouter(tags=["reuse"])


@router.get("/persons/{citizen_id}")
def get_person(citizen_id: CitizenId, who: Caller, services: ServicesDep) -> dict[str, Any]:
    """A person's reusable documents in the province and the best value of each field."""
    who.require(Role.OFFICER)
    record = services.reuse.person(citizen_id, who.agent, who.desk_id, who.province_code)
    if record is None:
        raise NotFoundError(f"no documents carry the ID number {citizen_id}")
    return person_out(record)


@router.get("/persons/{citizen_id}/prefill")
def prefill(
    citizen_id: CitizenId,
    procedure_code: Annotated[str, Query(min_length=1, max_length=40)],
    who: Caller,
    services: ServicesDep,
) -> dict[str, Any]:
    """An e-form prefill for a procedure from the person's records, each value sourced."""
    who.require(Role.OFFICER)
    filled = services.reuse.prefill(
        citizen_id, procedure_code, who.agent, who.desk_id, who.province_code
    )
    if filled is None:
        raise NotFoundError(f"no documents carry the ID number {citizen_id}")
    return filled


@router.get("/review")
def review_queue(
    who: Caller, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[FieldOut]:
    """Values waiting for an officer, least confident first."""
    who.require(Role.OFFICER)
    rows = services.reuse.review_queue(limit, who.province_code)
    audit(
        services, who, EventType.RETRIEVED, None, what="review_queue", fields=[r.id for r in rows]
    )
    return [field_out(r) for r in rows]


@router.post("/review/{field_id}")
def review(field_id: RecordId, body: ReviewIn, who: Caller, services: ServicesDep) -> FieldOut:
    """Accept a value (no `value`) or correct it (checked like a reading: 422 with the reason
    if it fails); the decision is an event."""
    who.require(Role.OFFICER)
    visible_field(services, field_id, who)
    return field_out(services.reuse.review(field_id, who.agent, body.value, value_problems))
