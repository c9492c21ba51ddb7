"""`hoso records show|set`, `hoso export` and `hoso import`: the records metadata of Circular
05/2025 on the archive's documents, and the BagIt bags that hand them to the archives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoso.api.commands.common import (
    EXIT_CODES_HELP,
    add_command,
    counted,
    open_archive,
    progress_bar,
    stderr,
)
from hoso.errors import ExitCode

if TYPE_CHECKING:
    from hoso.storage.records import RecordSheet

BAG_EXIT = (
    " Export and import: 3 when the bag does not verify or is unsafe (each problem is named), "
    "2 when the selection names nothing the archive holds."
)


def register(app: typer.Typer) -> None:
    records = typer.Typer(help="Records metadata of a document (Circular 05/2025/TT-BNV).")
    add_command(records, records_show, "show")
    add_command(records, records_set, "set")
    app.add_typer(records, name="records")
    add_command(app, export, epilog=EXIT_CODES_HELP + BAG_EXIT)
    add_command(app, import_bag, "import", epilog=EXIT_CODES_HELP + BAG_EXIT)


def _print_sheet(sheet: RecordSheet, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"document_id": sheet.document_id, **sheet.as_json()},
                         ensure_ascii=False))  # fmt: skip
        return
    print(f"identifier\t{sheet.identifier}")
    for field in sheet.fields:
        shown = "(empty: to be set by a person)" if field.value is None else field.value
        if field.value is None and field.source != "person":
            shown = "(not known)"
        print(f"{field.name}\t{shown}\t[{field.source}] {field.label_vi}")


def records_show(
    document_id: Annotated[int, typer.Argument(min=1)],
    agent: Annotated[str, typer.Option(help="Who reads (recorded in the event log).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A document's records metadata: derived fields, and those a person sets (empty until
    set: never guessed). A read, so an event."""
    from hoso.storage.intake import DocumentNotFoundError
    from hoso.storage.queries import Records
    from hoso.storage.records import ArchivalRecords
    from hoso.storage.vocabulary import EventType

    archive = open_archive()
    try:
        sheet = ArchivalRecords(archive).show(document_id)
    except KeyError:
        raise DocumentNotFoundError(f"there is no document {document_id}") from None
    Records(archive).record_event(EventType.DOCUMENT_READ, agent, document_id,
                                  detail={"what": "records"})  # fmt: skip
    _print_sheet(sheet, as_json)


def records_set(
    document_id: Annotated[int, typer.Argument(min=1)],
    record_code: Annotated[str | None, typer.Option(help="Mã hồ sơ.")] = None,
    title: Annotated[str | None, typer.Option(help="Tiêu đề hồ sơ (else the document's).")] = None,
    retention: Annotated[
        str | None, typer.Option(help='Thời hạn lưu trữ: "vĩnh viễn" or e.g. "10 năm".')
    ] = None,
    access_level: Annotated[str | None, typer.Option(help="Mức độ tiếp cận.")] = None,
    keywords: Annotated[str | None, typer.Option(help="Từ khóa.")] = None,
    physical_state: Annotated[str | None, typer.Option(help="Tình trạng vật lý.")] = None,
    information_symbol: Annotated[str | None, typer.Option(help="Ký hiệu thông tin.")] = None,
    reliability: Annotated[str | None, typer.Option(help="Mức độ tin cậy.")] = None,
    paper_original_code: Annotated[str | None, typer.Option(help="Mã hồ sơ gốc giấy.")] = None,
    notes: Annotated[str | None, typer.Option(help="Ghi chú.")] = None,
    agent: Annotated[str, typer.Option(help="Who sets them (recorded in the event log).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Set the records fields only a person can decide; an empty value ("") clears one.
    The change (before and after) is an event."""
    from hoso.storage.intake import DocumentNotFoundError
    from hoso.storage.records import ArchivalRecords

    given = {
        "record_code": record_code, "title": title, "retention": retention,
        "access_level": access_level, "keywords": keywords, "physical_state": physical_state,
        "information_symbol": information_symbol, "reliability": reliability,
        "paper_original_code": paper_original_code, "notes": notes,
    }  # fmt: skip
    changes: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    try:
        sheet = ArchivalRecords(open_archive()).set(document_id, changes, agent, None)
    except KeyError:
        raise DocumentNotFoundError(f"there is no document {document_id}") from None
    _print_sheet(sheet, as_json)


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} takes a day as YYYY-MM-DD") from None


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The bag's folder (new or empty).")
    ] = None,
    dossier: Annotated[str | None, typer.Option(help="A dossier's code (mã hồ sơ).")] = None,
    batch: Annotated[int | None, typer.Option(min=1, help="A batch's id.")] = None,
    day_from: Annotated[
        str | None, typer.Option("--from", help="First day received (YYYY-MM-DD, Vietnam).")
    ] = None,
    day_to: Annotated[
        str | None, typer.Option("--to", help="Last day received, included (YYYY-MM-DD).")
    ] = None,
    province: Annotated[
        str | None, typer.Option(help="Only this province's documents (2-digit code).")
    ] = None,
    verify: Annotated[
        Path | None,
        typer.Option("--verify", help="Check this bag (a folder or a zip) instead of exporting."),
    ] = None,
    agent: Annotated[str, typer.Option(help="Recorded in the event log.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="The result as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Export a dossier, a batch or the documents received in a span of days as a BagIt bag
    (originals, PDF/A, JSON, METS with PREMIS events); or, with --verify, check a bag."""
    if verify is not None:
        _verify(verify, as_json, quiet)
        return
    from hoso.storage.bags.package import Exporter, Selection

    if output is None:
        raise typer.BadParameter("say where the bag goes: -o DIR (or --verify BAG)")
    selection = Selection(dossier, batch, _day(day_from, "--from"), _day(day_to, "--to"), province)
    exporter = Exporter(open_archive())
    plan = exporter.plan(selection)
    with progress_bar(quiet) as progress:
        bar = progress.add_task("objects", total=plan.objects)
        result = exporter.export(plan, output, agent, on_object=lambda: progress.advance(bar))
    summary = {
        "bag": str(result.path), "bag_id": result.bag_id, "documents": result.documents,
        "objects": result.objects, "events": result.events, "bytes": result.bytes,
    }  # fmt: skip
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    elif not quiet:
        stderr.print(
            f"{result.path}: {counted(result.documents, 'document')}, "
            f"{counted(result.objects, 'object')}, "
            f"{result.events} events, {result.bytes} bytes (bag {result.bag_id})",
            highlight=False,
        )


def _verify(bag: Path, as_json: bool, quiet: bool) -> None:
    from hoso.storage.bags.check import opened_bag, verify_bag

    with opened_bag(bag) as folder:
        report = verify_bag(folder)
    if as_json:
        answer: dict[str, Any] = {"bag": str(bag), "valid": report.ok, "problems": report.problems}
        print(json.dumps(answer, ensure_ascii=False))
    elif not quiet:
        for problem in report.problems:
            stderr.print(f"[red]problem[/]: {problem}", highlight=False)
        verdict = "valid" if report.ok else f"INVALID ({len(report.problems)} problems)"
        stderr.print(f"{bag}: {verdict}", highlight=False)
    if not report.ok:
        raise typer.Exit(int(ExitCode.UNREADABLE_INPUT))


def import_bag(
    bag: Annotated[
        Path,
        typer.Argument(help="A bag made by `hoso export` (its folder) or `POST /exports` (a zip)."),
    ],
    agent: Annotated[str, typer.Option(help="Recorded in the event log.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a bag into this archive: objects under the same SHA-256, documents and their
    events recreated. Documents the archive already holds are left as they are, so importing
    twice changes nothing. A bag that does not verify, or is unsafe, is refused whole, before
    the archive is opened (so a refused bag creates nothing)."""
    from hoso.storage.bags.check import opened_bag
    from hoso.storage.bags.receive import Importer, read_bag

    with opened_bag(bag) as folder:
        contents = read_bag(folder)
        result = Importer(open_archive()).receive(contents, agent)
    summary = {"bag_id": result.bag_id, "imported": result.imported,
               "already_held": result.already_held, "objects": result.objects,
               "events": result.events}  # fmt: skip
    if as_json:
        print(json.dumps(summary))
    else:
        stderr.print(
            f"{counted(len(result.imported), 'document')} imported, "
            f"{result.already_held} already held, "
            f"{result.objects} objects, {result.events} events",
            highlight=False,
        )
