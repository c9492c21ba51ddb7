"""`hoso config …`: check a deployment before it serves, and prepare its archive.

`check` runs every check of `hoso.workflows.checks` and prints one row each (or JSON); any
problem exits `CONFIG_PROBLEMS`, so an install script or a container's start can stop on it.
`migrate` creates or upgrades the archive (`open_archive`, the one way every command opens it):
the fix `check` names for a database behind the newest migration or a missing bucket.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hoso.api.commands.common import add_command, open_archive, stderr
from hoso.checks import CheckResult, CheckStatus
from hoso.errors import ExitCode

_STYLES = {CheckStatus.OK: "green", CheckStatus.PROBLEM: "bold red", CheckStatus.SKIPPED: "dim"}


def register(app: typer.Typer) -> None:
    config = typer.Typer(help="Check a deployment's configuration; prepare its archive.")
    add_command(config, check, "check")
    add_command(config, migrate, "migrate", epilog=None)
    app.add_typer(config, name="config")


def check(
    as_json: Annotated[
        bool, typer.Option("--json", help="The checks as JSON instead of a table.")
    ] = False,
) -> None:
    """Check the deployment the environment describes: database reachable and migrated,
    objects writable (S3: versioning on), job database, procedures, OCR models, signer keys
    and PINs, time-stamping authority. Changes nothing but a probe object, written and
    deleted. Exit 14 when anything is wrong."""
    from hoso.workflows.checks import check_environment

    results = check_environment()
    problems = [result for result in results if result.status is CheckStatus.PROBLEM]
    if as_json:
        checks = [asdict(result) for result in results]
        print(json.dumps({"ok": not problems, "checks": checks}, ensure_ascii=False))
    else:
        Console().print(_table(results))
        noun = "problem" if len(problems) == 1 else "problems"
        summary = f"{len(problems)} {noun}" if problems else "no problems"
        stderr.print(f"{len(results)} checks, {summary}", highlight=False)
    if problems:
        raise typer.Exit(int(ExitCode.CONFIG_PROBLEMS))


def migrate() -> None:
    """Create or upgrade the archive: data folder, bucket (versioning on), database tables at
    the newest migration. Safe to run again; keeps every record."""
    open_archive(may_create=True)
    stderr.print("archive ready: database at the newest migration", highlight=False)


def _table(results: list[CheckResult]) -> Table:
    table = Table()
    for heading in ("check", "result", "what was found", "what to do"):
        table.add_column(heading, overflow="fold")  # a path cut short cannot be acted on
    for result in results:
        status = f"[{_STYLES[result.status]}]{result.status}[/]"
        table.add_row(result.name, status, result.message, result.fix)
    return table
