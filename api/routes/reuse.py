"""Reuse for officers: a person's record, a procedure's form prefilled from it, the procedure
catalogue, and the review queue of values read with too little confidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from hoso.api.auth import NotFoundError, Role
from hoso.api.deps import Caller, RecordId, ServicesDep, audit, visible_field
from hoso.api.schemas import (
    FieldOut,
    PrefillOut,
    ProcedureOut,
    ReviewIn,
    field_out,
    person_out,
    procedure_out,
)
from hoso.digitize.fields.extract import value_problems
from hoso.storage.procedures import UnknownProcedureError
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
    who: Caller,
    services: ServicesDep,
    procedure: Annotated[
        str | None,
        Query(min_length=1, max_length=60, description="Catalogue key or procedure code."),
    ] = None,
    procedure_code: Annotated[
        str | None, Query(min_length=1, max_length=60, deprecated=True, description="`procedure`.")
    ] = None,
) -> PrefillOut:
    """The procedure's form filled from the person's valid papers, each value sourced, and the
    required fields none fills (`missing`). An unknown procedure is 422 `unknown_procedure`
    (its detail lists the catalogue), checked before any record is read."""
    who.require(Role.OFFICER)
    wanted = procedure or procedure_code
    if wanted is None:
        raise UnknownProcedureError("say which procedure: ?procedure=KEY or CODE (GET /procedures)")
    form = services.procedures.find(wanted)
    filled = services.reuse.prefill(citizen_id, form, who.agent, who.desk_id, who.province_code)
    if filled is None:
        raise NotFoundError(f"no documents carry the ID number {citizen_id}")
    return PrefillOut.model_validate(filled)


@router.get("/procedures")
def procedures(who: Caller, services: ServicesDep) -> list[ProcedureOut]:
    """The procedures a prefill knows, with the person fields each form takes."""
    who.require(Role.OFFICER)
    return [procedure_out(p) for p in services.procedures]


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
