"""`hoso stats`: the desks' reuse scores (Decision 766/QĐ-TTg) for a period, as a table or the
JSON `GET /api/v1/stats` answers (`storage/stats.py` says how each rate is counted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from hoso.api.commands.common import add_command, open_archive

if TYPE_CHECKING:  # the schemas pull in pydantic and the index: not for every command's start
    from hoso.api.schemas import RateOut


def register(app: typer.Typer) -> None:
    add_command(app, stats)


def stats(
    date_from: Annotated[
        datetime | None,
        typer.Option(
            "--from",
            formats=["%Y-%m-%d"],
            help="First day [default: the 1st of the last day's month].",
        ),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included [default: today]."),
    ] = None,
    province: Annotated[str | None, typer.Option(help="Only this province (code).")] = None,
    desk: Annotated[int | None, typer.Option(min=1, help="Only this desk (id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON on stdout.")] = False,
) -> None:
    """Per province and desk: % dossiers digitized, % papers reused instead of asked for again,
    % results issued electronically, each with its counts (days in Vietnam's time; a rate over
    nothing is shown as -, never 0 %)."""
    from hoso.api.schemas import desk_stats_out
    from hoso.storage.stats import Stats, StatsQuery, asked_days

    first, last = asked_days(
        date_from.date() if date_from else None, date_to.date() if date_to else None,
        datetime.now(UTC),
    )  # fmt: skip
    archive = open_archive()
    rows = [
        desk_stats_out(row)
        for row in Stats(archive.index).report(StatsQuery.for_days(first, last, province, desk))
    ]
    if as_json:
        answer = {"date_from": first.isoformat(), "date_to": last.isoformat(),
                  "province_code": province, "desk_id": desk,
                  "rows": [row.model_dump() for row in rows]}  # fmt: skip
        print(json.dumps(answer, ensure_ascii=False))
        return
    table = Table(title=f"{first.isoformat()} – {last.isoformat()}")
    for heading in ("province", "desk", "dossiers digitized", "papers reused", "e-results"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row.province_code or "all",
            row.desk_name or ("-" if row.desk_id is None else str(row.desk_id)),
            _shown(row.dossiers_digitized),
            _shown(row.papers_reused),
            _shown(row.results_issued_electronically),
        )
    Console(soft_wrap=True).print(table)


def _shown(rate: RateOut) -> str:
    share = "-" if rate.rate is None else f"{rate.rate:.1%}"
    return f"{share} ({rate.count}/{rate.of})"
