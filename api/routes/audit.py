"""The audit log for admins: who did what and who read which record.

Admins see no personal content, so the view holds references only: each event's id, time,
type, outcome, agent, desk, document id, object key, and from its `detail` only the keys of
`schemas.AUDIT_DETAIL_KEYS` (ids, counts, codes, kinds, verdicts). Search queries, citizen IDs,
names, field values and file names stay in the log itself for an investigation. A province's
admin sees its province's events only (`Records.recent_events`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hoso.api.auth import Role
from hoso.api.deps import MAX_ID, Caller, ServicesDep
from hoso.api.schemas import EventOut, audit_event_out

router = APIRouter(tags=["admin"])


@router.get("/audit")
def audit_log(
    who: Caller,
    services: ServicesDep,
    event_type: Annotated[str | None, Query(max_length=40)] = None,
    agent: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[EventOut]:
    """Who did what and who read which record, newest first."""
    who.require(Role.ADMIN)
    events = services.records.recent_events(
        limit, event_type, agent, before_id, province_code=who.province_code
    )
    return [audit_event_out(e) for e in events]
