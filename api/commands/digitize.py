"""`hoso digitize`: scanned pages in, one upright, searchable PDF/A (and JSON) out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from hoso.api.commands.common import add_command, counted, progress_bar, shown, stderr
from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import ENGINES
from hoso.ocr_models import DEFAULT_QUALITY, QUALITIES

LANGUAGES = re.compile(r"[A-Za-z_]+(?:\+[A-Za-z_]+)*")


def register(app: typer.Typer) -> None:
    add_command(app, digitize, on_interrupt="hoso: interrupted; nothing was written")


def digitize(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="PDF, TIFF, JPEG or PNG files; several files are one document's pages, in order."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Searchable PDF/A-2b to write.")],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Also write page results (text, rotation, skew, dpi, fields) as JSON; "
            "'-' prints it on stdout.",
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Tesseract languages, e.g. vie or vie+eng.")] = "vie",
    jobs: Annotated[
        int, typer.Option(min=0, help="Pages processed in parallel; 0 = one per CPU core.")
    ] = 0,
    engine: Annotated[str, typer.Option(help=f"OCR engine: {' or '.join(ENGINES)}.")] = "tesserocr",
    model: Annotated[
        str, typer.Option(help=f"OCR model quality: {' or '.join(QUALITIES)}.")
    ] = DEFAULT_QUALITY,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")
    ] = False,
) -> None:
    """Turn scanned pages into one upright, searchable PDF/A (and optionally JSON)."""
    from hoso.digitize.pipeline import digitize as run_digitize
    from hoso.digitize.pipeline import document_json, write_outputs

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    if model not in QUALITIES:
        raise typer.BadParameter(f"choose one of {', '.join(QUALITIES)}", param_hint="--model")
    if not LANGUAGES.fullmatch(lang):
        raise typer.BadParameter(
            "Tesseract language names joined by '+', e.g. vie or vie+eng", param_hint="--lang"
        )
    _refuse_overwriting(inputs, output, "--output")
    if json_path is not None and json_path != Path("-"):
        _refuse_overwriting(inputs, json_path, "--json")
        if _same_file(output, json_path):
            raise typer.BadParameter("the JSON and the PDF need two names", param_hint="--json")
    options = Options(lang=lang, engine=engine, model=model, jobs=jobs)
    with progress_bar(quiet) as progress:
        bar = progress.add_task("pages", total=None)
        document = run_digitize(
            inputs,
            options,
            on_start=lambda total: progress.update(bar, total=total),
            on_page=lambda _page: progress.advance(bar),
        )
    to_stdout = json_path == Path("-")
    write_outputs(document, output, None if to_stdout else json_path, title=inputs[0].name)
    if to_stdout:
        print(json.dumps(document_json(document), ensure_ascii=False, indent=2))
    if not quiet:
        for warning in document.warnings:
            stderr.print(f"[yellow]warning:[/] {shown(warning)}", highlight=False)
        pages = len(document.pages)
        stderr.print(
            f"{counted(pages, 'page')} → {shown(output)}"
            + (f", {shown(json_path)}" if json_path and not to_stdout else "")
        )


def _refuse_overwriting(kept: list[Path], written: Path, option: str) -> None:
    """An output may never replace an input: the original scan, perhaps a signed PDF, is the
    archive's evidence and is kept bit-exact. Refused before any work."""
    for path in kept:
        if _same_file(path, written):
            raise typer.BadParameter(
                f"{written} is an input: writing it would destroy the original, which is kept "
                "unchanged; choose another name",
                param_hint=option,
            )


def _same_file(a: Path, b: Path) -> bool:
    """One file under two names: the same path once resolved, or a link to it."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.samefile(b)
    except OSError:
        return False  # one of them does not exist yet
