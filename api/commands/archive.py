"""`hoso ingest` and `hoso fixity`: put originals into the archive, and check that what it
holds is still bit-exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hoso.api.commands.common import add_command, open_archive, progress_bar, shown, stderr
from hoso.errors import ExitCode


def register(app: typer.Typer) -> None:
    add_command(app, ingest)
    add_command(
        app, fixity, on_interrupt="hoso: fixity interrupted; continue with `hoso fixity --resume`"
    )


def ingest(
    inputs: Annotated[list[Path], typer.Argument(help="Files to archive (each is one document).")],
    digitize_too: Annotated[
        bool,
        typer.Option("--digitize/--no-digitize", help="Also make and archive the PDF/A + JSON."),
    ] = True,
    agent: Annotated[
        str, typer.Option(help="Who is archiving (recorded in the event log).")
    ] = "cli",
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per file on stdout.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    province: Annotated[
        str | None,
        typer.Option(
            help="Province code the documents belong to (only its officers read them); "
            "may be left out when the archive holds documents of one province only."
        ),
    ] = None,
    desk: Annotated[
        int | None, typer.Option(min=1, help="The desk (of that province) that received them.")
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(
            help="Who scanned the files: their copies are signed with this operator's own "
            "signer (\\[operators] in the signing configuration); required when operators are "
            "configured, and nothing is archived without it."
        ),
    ] = None,
) -> None:
    """Archive originals bit-exact (once per content and province) into the configured store and
    index, as documents of a province."""
    from dataclasses import asdict

    from hoso.digitize.pipeline import PageRunner
    from hoso.storage.intake import Intake
    from hoso.workflows.processing import Processor
    from hoso.workflows.settings import JobSettings

    settings = JobSettings.from_environment("cli")
    archive = open_archive(settings.archive)
    sign = None
    if digitize_too:  # pyHanko loads only when there is something to sign
        from hoso.signatures.sign import pipeline_signer

        sign = pipeline_signer()
    with (
        PageRunner(settings.options) as runner,
        progress_bar(quiet) as progress,
    ):
        processor = Processor(Intake(archive), runner, settings.options, agent, sign=sign)
        bar = progress.add_task("documents", total=len(inputs))
        for path in inputs:
            outcome = processor.ingest(path, digitize_too, province, desk, operator)
            if as_json:
                record = {"file": str(path)} | {
                    name: value for name, value in asdict(outcome).items() if value is not None
                }
                print(json.dumps(record, ensure_ascii=False))
            elif not quiet:
                note = " (already archived)" if outcome.duplicate else ""
                line = f"{shown(path)} → document {outcome.document_id}{note}"
                stderr.print(line, highlight=False)
            progress.advance(bar)


def fixity(
    sample: Annotated[
        int | None, typer.Option(min=1, help="Check this many objects picked at random, not all.")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue the last interrupted round instead of starting over.")
    ] = False,
    agent: Annotated[str, typer.Option(help="Recorded in the event log.")] = "fixity-cli",
    as_json: Annotated[bool, typer.Option("--json", help="Summary and problems as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Re-read stored objects, recompute SHA-256, record the outcome, report missing or changed."""
    import random

    archive = open_archive()
    keys = archive.fixity_keys(resume=resume)
    if sample is not None and sample < len(keys):
        keys = sorted(random.SystemRandom().sample(keys, sample))
    problems: list[dict[str, object]] = []
    checked = 0
    with progress_bar(quiet) as progress:
        bar = progress.add_task("objects", total=len(keys))
        for result in archive.check_fixity(keys, agent, start_new_round=not resume):
            checked += 1
            if not result.ok:
                problems.append(
                    {
                        "key": result.key,
                        "outcome": result.outcome,
                        "expected": result.expected_sha256,
                        "actual": result.actual_sha256,
                    }
                )
            progress.advance(bar)
    if as_json:
        print(json.dumps({"checked": checked, "problems": problems}, ensure_ascii=False))
    else:  # problems are shown even with --quiet: it hides the progress and the summary
        for problem in problems:
            stderr.print(
                f"[red]{problem['outcome']}[/]: {escape(str(problem['key']))}", highlight=False
            )
        if not quiet:
            noun = "problem" if len(problems) == 1 else "problems"
            stderr.print(f"{checked} objects checked, {len(problems)} {noun}", highlight=False)
    if problems:
        raise typer.Exit(int(ExitCode.FIXITY_FAILED))
