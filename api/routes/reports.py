"""Reports over the archive: where fixity stands (archivists, admins) and the desks' reuse
scores for Decision 766/QĐ-TTg (officers, admins). Both answer for the caller's province only;
a global caller may pick one. Counts only, no personal content, so neither is an audit event.

Stats are for officers (the desk leads who report the scores) and admins; archivists keep the
archive, not the desks' figures, and stations only upload.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from hoso.api.auth import NotFoundError, Principal, Role
from hoso.api.deps import MAX_ID, Caller, ServicesDep
from hoso.api.schemas import (
    FixityCoverageOut,
    FixityProblemOut,
    FixityRoundOut,
    FixityStatusOut,
    StatsOut,
    desk_stats_out,
)
from hoso.storage.queries import FixityProblem, FixityRound
from hoso.storage.schema import Desk
from hoso.storage.stats import StatsQuery, asked_days
from hoso.storage.upkeep import FixityStatus

router = APIRouter(tags=["reports"])

ProvinceParam = Annotated[str | None, Query(pattern=r"^\d{2}$", description="Province code.")]


@router.get("/fixity")
def fixity_status(who: Caller, services: ServicesDep) -> FixityStatusOut:
    """The latest fixity round (scheduled sampling or `hoso fixity`), how much of the
    province's archive was checked within the period, and the objects whose latest check
    failed."""
    who.require(Role.ARCHIVIST, Role.ADMIN)
    status = services.upkeep.fixity_status(
        who.province_code,
        dt.timedelta(days=services.fixity_period_days),
        dt.datetime.now(dt.UTC),
    )
    return fixity_status_out(status)


@router.get("/stats")
def reuse_stats(
    who: Caller,
    services: ServicesDep,
    date_from: Annotated[
        dt.date | None,
        Query(alias="from", description="First day (Vietnam); the 1st of `to`'s month if absent."),
    ] = None,
    date_to: Annotated[
        dt.date | None, Query(alias="to", description="Last day, included; today if absent.")
    ] = None,
    province: ProvinceParam = None,
    desk: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> StatsOut:
    """Per province and desk for the days asked: dossiers digitized, papers reused instead of
    asked for again, results issued electronically, each with its count and denominator (a
    rate over nothing is null)."""
    who.require(Role.OFFICER, Role.ADMIN)
    date_from, date_to = asked_days(date_from, date_to, dt.datetime.now(dt.UTC))
    query = stats_query(who, services.records.desks(None), date_from, date_to, province, desk)
    rows = services.stats.report(query)
    return StatsOut(
        date_from=date_from, date_to=date_to, province_code=query.province_code,
        desk_id=desk, rows=[desk_stats_out(row) for row in rows],
    )  # fmt: skip


def stats_query(
    who: Principal,
    desks: list[Desk],
    date_from: dt.date,
    date_to: dt.date,
    province: str | None,
    desk: int | None,
) -> StatsQuery:
    """The caller's question in its province: another province (or its desk) answers 404,
    as if it did not exist."""
    if province is not None and not who.may_see(province):
        raise NotFoundError(f"there is no province {province}")
    province = who.province_code or province
    if desk is not None:
        found = next((d for d in desks if d.id == desk), None)
        if found is None or not who.may_see(found.province_code):
            raise NotFoundError(f"there is no desk {desk}")
        if province not in (None, found.province_code):
            raise NotFoundError(f"there is no desk {desk}")
    return StatsQuery.for_days(date_from, date_to, province, desk)


def problem_out(problem: FixityProblem) -> FixityProblemOut:
    check = problem.check
    return FixityProblemOut(
        object_key=check.object_key, outcome=str(check.detail.get("outcome", "")),
        checked_at=check.at, document_ids=problem.document_ids,
    )  # fmt: skip


def round_out(found: FixityRound) -> FixityRoundOut:
    started = found.started
    return FixityRoundOut(
        started_at=started.at, agent=started.agent,
        scheduled_at=started.detail.get("scheduled_at"),
        planned=found.planned, checked=found.checked,
        last_check_at=found.last_check_at, problems=[problem_out(p) for p in found.problems],
    )  # fmt: skip


def fixity_status_out(status: FixityStatus) -> FixityStatusOut:
    coverage = status.coverage
    return FixityStatusOut(
        latest_round=round_out(status.latest_round) if status.latest_round else None,
        coverage=FixityCoverageOut(
            period_days=coverage.period_days, checked=coverage.checked,
            total=coverage.total, rate=coverage.rate,
        ),
        open_problems=[problem_out(p) for p in status.open_problems],
    )  # fmt: skip
