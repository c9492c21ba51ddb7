"""What every `hoso` subcommand shares: the exit-code contract, the error line, progress bars."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from digitize.errors import HosoError

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 other failure; 2 bad arguments; "
    "3 unreadable or corrupt input (also empty); 4 password-protected input; "
    "5 input too large (decompression bomb); 6 OCR failure; "
    "7 unsupported input (not PDF/TIFF/JPEG/PNG, dynamic XFA form); 8 cannot write output; "
    "9 fixity check found missing or changed objects; 10 storage unavailable; "
    "11 signing failed (key, token or TSA); 12 signature INDETERMINATE; 13 signature TOTAL-FAILED; "
    "130 interrupted."
)

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
