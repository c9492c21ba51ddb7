"""The `hoso` command. Other tools call it: options, JSON and exit codes are a contract (README).

Every expected failure is a `HosoError` and leaves with its documented exit code and one readable
line on stderr; no traceback for a user error, no partial output file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hoso.api import cli_signing
from hoso.api.cli_common import EXIT_CODES_HELP, fail, progress_bar, stderr
from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import ENGINES
from hoso.errors import ExitCode, HosoError
from hoso.ocr_models import DEFAULT_QUALITY, QUALITIES

if TYPE_CHECKING:
    from hoso.storage.archive import Archive

app = typer.Typer(
    name="hoso",
    help="hoso: scan-to-archive for one-stop-desk dossiers. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """hoso: scan-to-archive for one-stop-desk dossiers."""


@app.command(epilog=EXIT_CODES_HELP)
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
        typer.Option("--json", help="Also write page results (text, rotation, skew, dpi) as JSON."),
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
    from hoso.digitize.pipeline import write_outputs

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    if model not in QUALITIES:
        raise typer.BadParameter(f"choose one of {', '.join(QUALITIES)}", param_hint="--model")
    options = Options(lang=lang, engine=engine, model=model, jobs=jobs)
    try:
        with progress_bar(quiet) as progress:
            bar = progress.add_task("pages", total=None)
            document = run_digitize(
                inputs,
                options,
                on_start=lambda total: progress.update(bar, total=total),
                on_page=lambda _page: progress.advance(bar),
            )
        write_outputs(document, output, json_path, title=inputs[0].name)
    except HosoError as error:
        raise fail(error) from None
    except KeyboardInterrupt:
        stderr.print("hoso: interrupted; nothing was written")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if not quiet:
        for warning in document.warnings:
            stderr.print(f"[yellow]warning:[/] {warning}", highlight=False)
        pages = len(document.pages)
        stderr.print(
            f"{pages} page{'s' if pages != 1 else ''} → {output}"
            + (f", {json_path}" if json_path else "")
        )


@app.command(epilog=EXIT_CODES_HELP)
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
) -> None:
    """Archive originals bit-exact (once per content) into the configured store and index."""
    import tempfile

    from hoso.digitize.pipeline import digitize as run_digitize
    from hoso.digitize.pipeline import write_outputs
    from hoso.storage.archive import Archive, ArchiveSettings
    from hoso.storage.reuse import Reuse

    try:
        archive = Archive.open(ArchiveSettings.from_environment())
        with progress_bar(quiet) as progress:
            bar = progress.add_task("documents", total=len(inputs))
            for path in inputs:
                result = archive.ingest(path, agent)
                record: dict[str, object] = {
                    "file": str(path), "document_id": result.document_id,
                    "key": result.original.key, "duplicate": result.duplicate,
                }  # fmt: skip
                if digitize_too and not result.duplicate:
                    document = run_digitize([path], Options())
                    with tempfile.TemporaryDirectory() as work:
                        pdf, data = Path(work) / "searchable.pdf", Path(work) / "result.json"
                        write_outputs(document, pdf, data, title=path.name)
                        text = "\f".join(p.text for p in document.pages)
                        stored = archive.add_derived(
                            result.document_id, "pdfa", pdf, agent, text=text
                        )
                        archive.add_derived(result.document_id, "json", data, agent)
                    if document.fields is not None:
                        Reuse(archive.index).record_fields(
                            result.document_id, document.fields, agent
                        )
                        record["doc_type"] = document.fields.doc_type
                    record["pdfa_key"] = stored.key
                    record["pages"] = len(document.pages)
                if as_json:
                    print(json.dumps(record, ensure_ascii=False))
                elif not quiet:
                    note = " (already archived)" if result.duplicate else ""
                    stderr.print(f"{path} → document {result.document_id}{note}", highlight=False)
                progress.advance(bar)
    except HosoError as error:
        raise fail(error, as_json) from None


@app.command(epilog=EXIT_CODES_HELP)
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

    from hoso.storage.archive import Archive, ArchiveSettings

    try:
        archive = Archive.open(ArchiveSettings.from_environment())
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
    except HosoError as error:
        raise fail(error, as_json) from None
    except KeyboardInterrupt:
        stderr.print("hoso: fixity interrupted; continue with `hoso fixity --resume`")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if as_json:
        print(json.dumps({"checked": checked, "problems": problems}, ensure_ascii=False))
    elif not quiet:
        for problem in problems:
            stderr.print(f"[red]{problem['outcome']}[/]: {problem['key']}", highlight=False)
        stderr.print(f"{checked} objects checked, {len(problems)} problems", highlight=False)
    if problems:
        raise typer.Exit(int(ExitCode.FIXITY_FAILED))


@app.command(epilog=EXIT_CODES_HELP)
def person(
    citizen_id: Annotated[str, typer.Argument(help="12-digit ID number (số định danh cá nhân).")],
    prefill: Annotated[
        str | None, typer.Option(help="Procedure code: print an e-form prefill for it.")
    ] = None,
    agent: Annotated[str, typer.Option(help="Who is reading (recorded: personal data).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A person's reusable records and the best current value of each field (the read is logged)."""
    from hoso.storage.archive import Archive, ArchiveSettings
    from hoso.storage.reuse import Reuse

    try:
        reuse = Reuse(Archive.open(ArchiveSettings.from_environment()).index)
        if prefill:
            form = reuse.prefill(citizen_id, prefill, agent)
            if form is None:
                stderr.print(f"no digitized papers carry ID number {citizen_id}")
                raise typer.Exit(1)
            print(json.dumps(form, ensure_ascii=False, indent=2))
            return
        record = reuse.person(citizen_id, agent)
    except HosoError as error:
        raise fail(error, as_json) from None
    if record is None:
        stderr.print(f"no digitized papers carry ID number {citizen_id}")
        raise typer.Exit(1)
    fields = {
        name: {
            "value": best.value,
            "confidence": round(best.confidence, 3),
            "status": best.status,
            "document_id": best.document_id,
        }
        for name, best in record.fields.items()
    }
    if as_json:
        data = {"citizen_id": record.citizen_id, "fields": fields, "documents": record.documents}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for name, best in record.fields.items():
        origin = f"{best.status} {best.confidence:.2f}, document {best.document_id}"
        print(f"{name:15s} {best.value}  [{origin}]")
    for document in record.documents:
        print(f"document {document['document_id']}: {document['doc_type']} — {document['title']}")


review_app = typer.Typer(help="The review queue: doubtful field values waiting for an officer.")
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fields below the confidence threshold or failing a check, least confident first."""
    from hoso.storage.archive import Archive, ArchiveSettings
    from hoso.storage.reuse import Reuse

    try:
        queue = Reuse(Archive.open(ArchiveSettings.from_environment()).index).review_queue(limit)
    except HosoError as error:
        raise fail(error, as_json) from None
    if as_json:
        rows = [
            {
                "field_id": f.id,
                "document_id": f.document_id,
                "name": f.name,
                "value": f.value,
                "confidence": round(f.confidence, 3),
                "problems": f.problems or [],
            }
            for f in queue
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for f in queue:
        why = "; ".join(f.problems) if f.problems else "low confidence"
        print(f"#{f.id} doc {f.document_id} {f.name} = {f.value!r} ({why})")


@review_app.command("crop")
def review_crop(
    field_id: Annotated[int, typer.Argument(help="From `hoso review list`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write.")],
    agent: Annotated[str, typer.Option(help="The reviewing officer (the read is logged).")] = "cli",
) -> None:
    """Write the part of the page where the field's value stands, to check it against the value."""
    from hoso.files import atomic_output
    from hoso.storage.archive import Archive, ArchiveSettings

    try:
        crop = Archive.open(ArchiveSettings.from_environment()).field_crop(field_id, agent)
        with atomic_output(output) as temp:
            crop.save(temp, format="PNG")
    except HosoError as error:
        raise fail(error) from None
    stderr.print(f"{output} ({crop.width}×{crop.height})", highlight=False)


@review_app.command("decide")
def review_decide(
    field_id: Annotated[int, typer.Argument(help="From `hoso review list`.")],
    value: Annotated[
        str | None, typer.Option(help="The correct value; without it the value is accepted.")
    ] = None,
    agent: Annotated[str, typer.Option(help="The reviewing officer.")] = "cli",
) -> None:
    """Accept a field value, or correct it with --value. Recorded as an event."""
    from hoso.storage.archive import Archive, ArchiveSettings
    from hoso.storage.reuse import Reuse

    try:
        reuse = Reuse(Archive.open(ArchiveSettings.from_environment()).index)
        row = reuse.review(field_id, agent, value)
    except KeyError:
        stderr.print(f"no field #{field_id}")
        raise typer.Exit(1) from None
    except HosoError as error:
        raise fail(error) from None
    stderr.print(f"#{row.id} {row.name} = {row.value!r}: {row.status}", highlight=False)


# --- the service ------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Also process jobs in this process.")
    ] = True,
) -> None:
    """Run the HTTP API (and, by default, a job worker) on the configured archive.

    With nothing configured: SQLite and a folder under ./var, one worker in this process.
    The first start creates an admin token and prints where it is kept."""
    import asyncio
    import contextlib
    from collections.abc import AsyncIterator

    import uvicorn
    from fastapi import FastAPI

    from hoso.api.app import Services, create_app
    from hoso.signatures.verify import configured_verifier
    from hoso.storage.archive import Archive
    from hoso.workflows.queue import JobQueue
    from hoso.workflows.settings import JobSettings
    from hoso.workflows.worker import Worker

    try:
        settings = JobSettings.from_environment("serve")
        archive = Archive.open(settings.archive)
        _bootstrap_admin(archive, settings.archive.data_dir)
        services = Services(archive, JobQueue(settings.jobs_database_url), configured_verifier())
        job_worker = Worker(settings, archive) if worker else None
        if job_worker is not None:
            job_worker.liveness.register()  # refuse a duplicate worker id before listening
    except HosoError as error:
        raise fail(error) from None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The job engine refuses to start from inside an event loop: give it a thread.
        if job_worker is not None:
            await asyncio.to_thread(job_worker.start)
        yield
        if job_worker is not None:
            await asyncio.to_thread(job_worker.stop)  # SIGTERM: stop accepting, then drain

    application = create_app(services)
    application.router.lifespan_context = lifespan
    stderr.print(f"hoso: serving on http://{host}:{port}/api/v1/docs", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _bootstrap_admin(archive: Archive, data_dir: Path) -> None:
    from hoso.api.auth import Role, Tokens

    tokens = Tokens(archive.index)
    if tokens.has_admin():
        return
    _, token = tokens.create("bootstrap-admin", Role.ADMIN, None, "hoso-serve")
    path = data_dir / "admin.token"
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    stderr.print(
        f"hoso: created the first admin token, kept in {path} (readable by you only); "
        "make station and officer tokens with `hoso token create`",
        highlight=False,
    )


@app.command("worker", epilog=EXIT_CODES_HELP)
def worker_command(
    worker_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Stable, unique name of this worker (default HOSO_WORKER_ID or <host>-worker). "
            "Restart a worker with the same id to resume its documents.",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Process jobs from the shared queue (more workers: more machines or processes)."""
    import os
    import signal
    import threading

    from hoso.workflows.settings import JobSettings
    from hoso.workflows.worker import Worker

    if worker_id:
        os.environ["HOSO_WORKER_ID"] = worker_id
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        job_worker = Worker(JobSettings.from_environment("worker"))
        job_worker.start()
    except HosoError as error:
        raise fail(error) from None
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    stderr.print(f"hoso: worker {job_worker.settings.executor_id} running", highlight=False)
    stop.wait()
    stderr.print("hoso: draining (finishing the documents in progress)…")
    job_worker.stop()


@app.command(epilog=EXIT_CODES_HELP + " Upload: 1 if a document failed, 10 if the server is gone.")
def upload(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Scans, or folders of scans (PDF/TIFF/JPEG/PNG, in name order).", exists=True
        ),
    ],
    batch: Annotated[str, typer.Option(help="Batch name; an open batch of that name resumes.")],
    server: Annotated[
        str, typer.Option(envvar="HOSO_SERVER", help="The hoso server.")
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str, typer.Option(envvar="HOSO_TOKEN", help="A station token (or HOSO_TOKEN).")
    ] = "",
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow processing until the batch is done.")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to follow processing.")] = 3600,
    patience: Annotated[
        float, typer.Option(help="Seconds to keep retrying while the server does not answer.")
    ] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON report on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Send a station's scans to the server, close the batch and follow its processing.
    Run it again after a network error or restart: what the server has is not sent again."""
    from hoso.api.uploader import StationClient, scan_files

    files = scan_files(inputs)
    if not files:
        raise typer.BadParameter("no PDF, TIFF, JPEG or PNG files found", param_hint="INPUTS")
    if not token:
        raise typer.BadParameter("a station token is needed (--token or HOSO_TOKEN)")
    client = StationClient(server, token, patience_seconds=patience)
    try:
        with progress_bar(quiet) as progress:
            batch_id, still_open = client.open_batch(batch)
            if still_open:
                bar = progress.add_task("uploading", total=len(files))
                report = client.upload(batch_id, files, on_file=lambda *_: progress.advance(bar))
            else:
                report = client.check_complete(batch_id, batch, files)
            client.close_batch(batch_id)
            if wait:
                pages = progress.add_task("processing pages", total=None)

                def show(state: dict[str, Any]) -> None:
                    total = state["pages"] or None
                    progress.update(pages, total=total, completed=state["pages_done"])

                report = client.follow(report, timeout, on_status=show)
    except HosoError as error:
        raise fail(error, as_json) from None
    finally:
        client.close()
    if as_json:
        print(json.dumps({"batch_id": report.batch_id, "sent": report.sent,
                          "already_there": report.already_there, "finished": report.finished,
                          "documents": report.documents}, ensure_ascii=False))  # fmt: skip
    elif not quiet:
        stderr.print(
            f"batch {report.batch_id}: sent {len(report.sent)} files, "
            f"{len(report.already_there)} already on the server",
            highlight=False,
        )
        for document in report.documents:
            reason = f": {document['failure_reason']}" if document["status"] == "failed" else ""
            stderr.print(f"  document {document['id']} {document['title']}: "
                         f"{document['status']}{reason}", highlight=False)  # fmt: skip
        if not wait:
            stderr.print(f"follow it with: GET {server}/api/v1/batches/{report.batch_id}")
    if report.failed:
        raise typer.Exit(int(ExitCode.FAILURE))


token_app = typer.Typer(help="API tokens (stored hashed; a token is shown once).")
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what uses it, e.g. 'desk-3-scanner'.")],
    role: Annotated[str, typer.Option(help="station, officer, archivist or admin.")],
    province: Annotated[
        str | None, typer.Option(help="2-digit province code (all but admin need one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a token on the configured archive and print it (once)."""
    from hoso.api.auth import Role, Tokens
    from hoso.storage.archive import Archive, ArchiveSettings

    try:
        chosen = Role(role)
    except ValueError:
        raise typer.BadParameter("choose station, officer, archivist or admin") from None
    try:
        archive = Archive.open(ArchiveSettings.from_environment())
        row, secret = Tokens(archive.index).create(name, chosen, province, "cli")
    except HosoError as error:
        raise fail(error, as_json) from None
    if as_json:
        print(json.dumps({"id": row.id, "name": name, "role": role, "token": secret}))
    else:
        print(secret)


@token_app.command("list")
def token_list() -> None:
    """Tokens by id, name, role and province (never the secrets)."""
    from hoso.api.auth import Tokens
    from hoso.storage.archive import Archive, ArchiveSettings

    try:
        archive = Archive.open(ArchiveSettings.from_environment())
    except HosoError as error:
        raise fail(error) from None
    for row in Tokens(archive.index).list():
        state = "revoked" if row.revoked_at else "active"
        print(f"{row.id}\t{row.name}\t{row.role}\t{row.province_code or '*'}\t{state}")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke a token; requests with it are refused from now on."""
    from hoso.api.auth import Tokens
    from hoso.storage.archive import Archive, ArchiveSettings

    try:
        archive = Archive.open(ArchiveSettings.from_environment())
        Tokens(archive.index).revoke(token_id, "cli")
    except HosoError as error:
        raise fail(error) from None


app.command(epilog=EXIT_CODES_HELP)(cli_signing.sign)
app.command(epilog=EXIT_CODES_HELP)(cli_signing.verify)
app.add_typer(cli_signing.archive_app, name="archive")
