"""Desks (one-stop counters): admins make them, admins and officers list them.

A province admin makes and lists its own province's desks only; asking for a desk of another
province is refused with 403, as a token of another province is (`routes/tokens.py`). The
global admin makes and lists all. Officers see their province's desks (which counter a
colleague's batch came from).
"""

from __future__ import annotations

from fastapi import APIRouter

from hoso.api.auth import ForbiddenError, Role
from hoso.api.deps import Caller, ServicesDep
from hoso.api.schemas import DeskIn, DeskOut, desk_out

router = APIRouter(tags=["admin"])


@router.post("/desks", status_code=201)
def create_desk(body: DeskIn, who: Caller, services: ServicesDep) -> DeskOut:
    who.require(Role.ADMIN)
    if not who.may_see(body.province_code):
        raise ForbiddenError(
            f"an admin of province {who.province_code} makes desks of province "
            f"{who.province_code} only (asked: {body.province_code})"
        )
    row = services.desks.create(body.province_code, body.name, body.commune_code, who.agent)
    return desk_out(row)


@router.get("/desks")
def list_desks(who: Caller, services: ServicesDep) -> list[DeskOut]:
    """The caller's province's desks, or all for the global admin."""
    who.require(Role.ADMIN, Role.OFFICER)
    return [desk_out(d) for d in services.desks.list(who.province_code)]
