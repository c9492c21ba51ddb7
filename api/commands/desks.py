"""`hoso desk …`: the one-stop counters that tokens, accounts and `hoso ingest --desk` name."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.api.commands.common import add_command, open_archive

if TYPE_CHECKING:
    from hoso.storage.schema import Desk

AGENT = "cli"


def register(app: typer.Typer) -> None:
    desks = typer.Typer(help="Desks: one-stop counters of a province or commune.")
    add_command(desks, desk_create, "create", epilog=None)
    add_command(desks, desk_list, "list", epilog=None)
    app.add_typer(desks, name="desk")


def desk_create(
    name: Annotated[str, typer.Argument(help="The desk's name, as statistics show it.")],
    province: Annotated[str, typer.Option(help="2-digit province code.")],
    commune: Annotated[
        str | None, typer.Option(help="5-digit commune code, for a commune's desk.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a desk and print its id (what `--desk` takes)."""
    from hoso.storage.desks import Desks

    row = Desks(open_archive().index).create(province, name, commune, AGENT)
    if as_json:
        print(json.dumps(_desk_json(row)))
    else:
        print(row.id)


def desk_list(
    province: Annotated[
        str | None, typer.Option(help="Only this province's desks (2-digit code).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Desks by id, province, commune and name."""
    from hoso.storage.desks import Desks

    rows = Desks(open_archive().index).list(province)
    if as_json:
        print(json.dumps([_desk_json(r) for r in rows]))
        return
    for row in rows:
        print(f"{row.id}\t{row.province_code}\t{row.commune_code or '-'}\t{row.name}")


def _desk_json(row: Desk) -> dict[str, object]:
    return {"id": row.id, "province_code": row.province_code, "commune_code": row.commune_code,
            "name": row.name}  # fmt: skip
