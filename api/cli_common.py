"""What every `hoso` subcommand shares: the exit-code contract, the error line, progress bars."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hoso.errors import HosoError, exit_codes_help

EXIT_CODES_HELP = exit_codes_help()

stderr = Console(stderr=True, soft_wrap=True)


def fail(error: HosoError, as_json: bool = False) -> typer.Exit:
    if as_json:
        print(
            json.dumps({"error": {"code": error.code, "message": str(error)}}, ensure_ascii=False)
        )
    stderr.print(f"[bold red]hoso: error:[/] {error} [dim]({error.code})[/]", highlight=False)
    return typer.Exit(int(error.exit_code))


def progress_bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )
