"""The `hoso` command. Other tools call it: options, JSON and exit codes are a contract (README).

This is only the root: it builds the typer app and registers the command groups of
`hoso.api.commands`, in the order `hoso --help` lists them. Every expected failure is a
`HosoError` and leaves through the one handler in `hoso.api.commands.common` with its documented
exit code and one readable line on stderr; no traceback for a user error, no partial output file.
`hoso.api.cli:app` is the installed entry point.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hoso.api.commands import (
    accounts,
    archive,
    config,
    desks,
    digitize,
    documents,
    records,
    reports,
    results,
    reuse,
    service,
    signing,
    tokens,
)
from hoso.api.commands.common import EXIT_CODES_HELP

app = typer.Typer(
    name="hoso",
    help="hoso: scan-to-archive for one-stop-desk dossiers. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    """`hoso --version`: the installed distribution's version (the image's test reads it)."""
    if asked:
        from importlib.metadata import version

        typer.echo(f"hoso {version('hoso')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """hoso: scan-to-archive for one-stop-desk dossiers."""


for group in (
    digitize, archive, reuse, documents, service, tokens, accounts, signing, config, reports,
    records, results, desks,
):  # fmt: skip
    group.register(app)
