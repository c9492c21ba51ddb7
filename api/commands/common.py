"""What every `hoso` subcommand shares: the exit-code contract, the one error handler, the way
to open the archive, progress bars.

Every expected failure is a `HosoError`; `reporting` is the only place that turns one into the
error line on stderr (plus the JSON error object under `--json`) and its documented exit code,
and Ctrl-C into exit 130. Commands are registered with `add_command`, which wraps each in it, so
no command repeats the try/except and none can forget it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hoso.errors import ExitCode, HosoError, exit_codes_help

if TYPE_CHECKING:  # the archive pulls in SQLAlchemy and pikepdf: only commands that use it pay
    from hoso.storage.archive import Archive, ArchiveSettings

EXIT_CODES_HELP = exit_codes_help()
INTERRUPTED = "hoso: interrupted"

stderr = Console(stderr=True, soft_wrap=True)


# Control characters, and the marks that turn text's direction (a name showing "gnp.exe" as
# "exe.png")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def counted(number: int, noun: str) -> str:
    """ "1 file", "2 files": a count and its noun as a person writes them (the plural by "s")."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def shown(text: object) -> str:
    """`text` for the terminal: rich markup escaped (messages name tables, "[operators]", and
    files, "[red]scan.png"), and control characters written as their codes, so a file name's
    newline or escape sequence neither splits a message in two nor recolours the terminal, nor
    a direction mark reverses what follows."""
    return escape(_CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(text)))


def _error_exit(error: HosoError, as_json: bool = False) -> typer.Exit:
    """Say what failed (one line; the JSON error object on stdout too when asked) and return
    the exit carrying the error's code."""
    if as_json:
        print(
            json.dumps({"error": {"code": error.code, "message": str(error)}}, ensure_ascii=False)
        )
    stderr.print(f"[bold red]hoso: error:[/] {shown(error)} [dim]({error.code})[/]",
                 highlight=False)  # fmt: skip
    return typer.Exit(int(error.exit_code))


@contextmanager
def reporting(as_json: bool = False, on_interrupt: str = INTERRUPTED) -> Iterator[None]:
    """The one error handler: a `HosoError` leaves through `_error_exit`, Ctrl-C with
    `on_interrupt` and exit 130; no traceback for either."""
    try:
        yield
    except HosoError as error:
        raise _error_exit(error, as_json) from None
    except KeyboardInterrupt:
        stderr.print(on_interrupt)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def add_command(
    group: typer.Typer,
    function: Callable[..., None],
    name: str | None = None,
    *,
    epilog: str | None = EXIT_CODES_HELP,
    on_interrupt: str = INTERRUPTED,
) -> None:
    """Register `function` as a subcommand of `group`, run inside `reporting`. A command with
    an `as_json` parameter (its `--json` flag) gets the JSON error object when it is set."""

    @functools.wraps(function)  # typer reads the options from the wrapped signature
    def run(*args: Any, **kwargs: Any) -> None:
        with reporting(bool(kwargs.get("as_json", False)), on_interrupt):
            function(*args, **kwargs)

    group.command(name, epilog=epilog)(run)


def open_archive(settings: ArchiveSettings | None = None, *, may_create: bool = False) -> Archive:
    """The configured archive (store + index, migrated), from the environment unless the
    caller already read the settings. Every command opens the archive through here. Only the
    commands that start one (`serve`, `worker`, `config migrate`) may make a new one in the
    default data folder: `var` is relative, so any other command run from another folder would
    work in a second, empty archive. A data folder named by HOSO_DATA_DIR is made when missing."""
    from hoso.settings import NoArchiveHereError
    from hoso.storage.archive import Archive, ArchiveSettings

    settings = settings or ArchiveSettings.from_environment()
    new = not settings.data_dir.exists() and settings.database_url.startswith("sqlite")
    if new and not may_create and not os.environ.get("HOSO_DATA_DIR"):
        raise NoArchiveHereError(
            f"no archive in {settings.data_dir.resolve()}: run hoso from the folder the service "
            "runs in (where its var/ folder is), or set HOSO_DATA_DIR to that var/ folder; "
            "`hoso serve` or `hoso config migrate` starts a new archive here"
        )
    archive = Archive.open(settings)
    if new:  # ./var is relative: run from another folder, a command would start a second archive
        stderr.print(
            f"hoso: made a new data folder at {settings.data_dir.resolve()} "
            "(HOSO_DATA_DIR says where; run commands from one folder or set it)",
            highlight=False,
        )
    return archive


def progress_bar(quiet: bool) -> Progress:
    """A bar on stderr, shown only on a terminal and without --quiet; gone when done."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )
