"""`hoso serve`, `hoso worker`, `hoso upload` and `hoso replace`: the service and the station
that feeds it."""

from __future__ import annotations

import json
import os
import sys
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
from hoso.errors import ExitCode, HosoError

if TYPE_CHECKING:
    from hoso.storage.archive import Archive

# What the commands that talk to a server share (`hoso upload`, `hoso replace`).
ServerOption = Annotated[str, typer.Option(envvar="HOSO_SERVER", help="The hoso server.")]
TokenOption = Annotated[
    str, typer.Option(envvar="HOSO_TOKEN", help="A station token (or HOSO_TOKEN).")
]
PatienceOption = Annotated[
    float, typer.Option(help="Seconds to keep retrying while the server does not answer.")
]


class PortInUseError(HosoError):
    """The address `hoso serve` was to listen on is taken (another hoso, another service):
    uvicorn said so in its own words and exited 3, which the exit codes call a corrupt input."""

    code = "port_in_use"
    exit_code = ExitCode.BAD_ARGUMENTS


def _port_free(host: str, port: int) -> None:
    """Raise `PortInUseError` if nothing may listen on `host`:`port` now (checked before the
    archive is opened, so a second start changes nothing)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortInUseError(
                f"cannot listen on {host}:{port} ({error.strerror}): something else uses it; "
                "stop it or choose another port with --port (make run PORT=8080)"
            ) from error


def register(app: typer.Typer) -> None:
    add_command(app, serve)
    add_command(app, worker_command, "worker")
    add_command(
        app,
        upload,
        epilog=EXIT_CODES_HELP + " Upload: 1 if a document failed or processing did not "
        "finish within --timeout, 10 if the server is gone.",
    )
    add_command(
        app,
        replace,
        epilog=EXIT_CODES_HELP + " Replace: 1 if the server refused (the document has not "
        "failed, or is not this station's), 10 if the server is gone.",
    )


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
    from hoso.api.limits import UploadLimits
    from hoso.settings import HosoSettings
    from hoso.signatures.sign import configured_result_signer
    from hoso.signatures.verify import configured_verifier
    from hoso.storage.accounts import SessionLimits
    from hoso.workflows.queue import JobQueue
    from hoso.workflows.settings import JobSettings
    from hoso.workflows.worker import Worker, clean_leftovers

    _port_free(host, port)
    configured = HosoSettings.from_environment()
    settings = JobSettings.from_settings(configured, "serve")
    archive = open_archive(settings.archive, may_create=True)
    clean_leftovers(archive)  # what a killed server left: half-spooled uploads, objects
    _bootstrap_admin(archive, settings.archive.data_dir)
    services = Services(
        archive, JobQueue(settings.jobs_database_url), configured_verifier(),
        result_signer=configured_result_signer(),
    )  # fmt: skip
    job_worker = Worker(settings, archive) if worker else None
    if job_worker is not None:
        job_worker.liveness.register()  # refuse a duplicate worker id before listening

    unfinished: list[int] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The job engine refuses to start from inside an event loop: give it a thread.
        if job_worker is not None:
            await asyncio.to_thread(job_worker.start)
        yield
        if job_worker is not None:  # SIGTERM: stop accepting, then drain
            unfinished.append(await asyncio.to_thread(job_worker.stop))

    application = create_app(
        services,
        metrics_token=configured.metrics_token,
        upload_limits=UploadLimits.from_settings(configured),
        session_limits=SessionLimits.from_settings(configured),
    )
    application.router.lifespan_context = lifespan
    stderr.print(
        f"hoso: serving the desk UI on http://{host}:{port}/ and the API on "
        f"http://{host}:{port}/api/v1/docs",
        highlight=False,
    )
    if not services.accounts.list():
        stderr.print(
            "hoso: nobody can log in to the desk UI yet: make the first admin with "
            f"`{_as_invoked()} user create NAME --role admin` (with the same "
            "HOSO_DATA_DIR/HOSO_DATABASE_URL)",
            highlight=False,
        )
    try:
        uvicorn.run(
            application, host=host, port=port, log_level="warning",
            proxy_headers=bool(configured.trusted_proxies),
            forwarded_allow_ips=list(configured.trusted_proxies) or None,
        )  # fmt: skip
    finally:
        if job_worker is not None and job_worker.running:
            # uvicorn skipped its lifespan's end (a second Ctrl-C): stop now, without a drain
            unfinished.append(job_worker.stop(drain_seconds=0))
        exit_leaving_unfinished_work(sum(unfinished))


def _as_invoked() -> str:
    """How to run hoso again from here: `hoso` where that is on the PATH and the same program,
    else the path this one was started by (`make run` starts `.venv/bin/hoso`, which a new
    shell does not find as `hoso`, helper-76)."""
    import shutil

    started = Path(sys.argv[0])
    found = shutil.which("hoso")
    if started.name != "hoso" or (found and Path(found).resolve() == started.resolve()):
        return "hoso"
    return str(started)


def exit_leaving_unfinished_work(jobs: int) -> None:
    """After the drain: if `jobs` are still running, say so and end the process now. Python
    would otherwise join the job engine's threads at exit and wait for them after all, past
    the drain and past a supervisor's patience; they resume on the next start (the page
    processes end with this one). Their scratch folders go now, not at a sweep a day later."""
    import logging

    from hoso.files import remove_own_scratch

    if not jobs:
        return
    stderr.print(
        f"hoso: {jobs} job(s) did not finish within the drain time (HOSO_DRAIN_SECONDS); "
        "their documents resume when a worker starts",
        highlight=False,
    )
    remove_own_scratch()  # their pages (personal data) would wait a day for the next sweep
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _bootstrap_admin(archive: Archive, data_dir: Path) -> None:
    """On the first start, make an admin token so that someone can make the others. The file
    is made owner-only (0600) every time: a file left from before keeps its mode through a
    plain rewrite, and it may have been readable by others."""
    from hoso.api.auth import Role, Tokens

    tokens = Tokens(archive.index)
    if tokens.has_admin():
        return
    _, token = tokens.create("bootstrap-admin", Role.ADMIN, None, "hoso-serve")
    path = data_dir / "admin.token"
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as out:
        os.fchmod(out.fileno(), 0o600)  # before the secret is written
        out.write(token + "\n")
    stderr.print(
        f"hoso: created the first admin token, kept in {path} (readable by you only); "
        "make station and officer tokens with `hoso token create`",
        highlight=False,
    )


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
    metrics_host: Annotated[
        str,
        typer.Option(
            help="Address the metrics listen on (loopback: a scraper on another machine needs "
            "this set, and a network that only it reaches)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Process jobs from the shared queue (more workers: more machines or processes)."""
    import signal
    import threading

    from hoso.workflows.settings import JobSettings
    from hoso.workflows.worker import Worker, clean_leftovers

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    settings = JobSettings.from_environment("worker", worker_id=worker_id)
    archive = open_archive(settings.archive, may_create=True)
    clean_leftovers(archive)  # what a killed process left: half-spooled uploads, objects
    job_worker = Worker(settings, archive)
    job_worker.start()
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    stderr.print(f"hoso: worker {job_worker.settings.executor_id} running", highlight=False)
    # Woken each second, not only by the signal: Python runs a handler in the main thread,
    # and a signal the kernel hands to another thread does not end a wait with no timeout.
    while not stop.wait(timeout=1.0):
        pass
    stderr.print("hoso: draining (finishing the documents in progress)…")
    exit_leaving_unfinished_work(job_worker.stop())


def upload(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Scans, or folders of scans (PDF/TIFF/JPEG/PNG, in name order).", exists=True
        ),
    ],
    batch: Annotated[str, typer.Option(help="Batch name; an open batch of that name resumes.")],
    server: ServerOption = "http://127.0.0.1:8000",
    token: TokenOption = "",
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow processing until the batch is done.")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to follow processing.")] = 3600,
    patience: PatienceOption = 300,
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
    client = StationClient(
        server, token, patience_seconds=patience, on_wait=None if quiet else _say_waiting
    )
    try:
        with progress_bar(quiet) as progress:
            batch_id, still_open = client.open_batch(batch)
            if still_open:
                bar = progress.add_task("uploading", total=len(files))
                report = client.upload(batch_id, files, on_file=lambda *_: progress.advance(bar))
            else:
                report = client.check_complete(batch_id, batch, files)
            client.close_batch(batch_id)
            report = client.duplicates(report)
            if wait:
                pages = progress.add_task("processing pages", total=None)

                def show(state: dict[str, Any]) -> None:
                    total = state["pages"] or None
                    progress.update(pages, total=total, completed=state["pages_done"])

                report = client.follow(report, timeout, on_status=show)
    finally:
        client.close()
    if as_json:
        print(json.dumps({"batch_id": report.batch_id, "sent": report.sent,
                          "already_there": report.already_there, "finished": report.finished,
                          "documents": report.documents, "duplicates": report.duplicates},
                         ensure_ascii=False))  # fmt: skip
    elif not quiet:
        stderr.print(
            f"batch {report.batch_id}: sent {counted(len(report.sent), 'file')}, "
            f"{len(report.already_there)} already on the server",
            highlight=False,
        )
        for document in report.documents:
            for line in _document_lines(document):
                stderr.print(line, highlight=False)
        for duplicate in report.duplicates:
            stderr.print(
                f"  {duplicate['name']}: already in the archive (the same file was uploaded "
                f"before, file {duplicate['duplicate_of_file']}); not processed again",
                highlight=False,
                markup=False,
            )
        if not wait:
            stderr.print(f"follow it with: GET {server}/api/v1/batches/{report.batch_id}")
    if report.failed:
        raise typer.Exit(int(ExitCode.FAILURE))
    if wait and not report.finished:
        stderr.print(
            f"hoso: batch {report.batch_id} has not finished processing after {timeout:.0f} s; "
            "nothing is lost: follow it later with the same command or "
            f"GET {server}/api/v1/batches/{report.batch_id}",
            highlight=False,
        )
        raise typer.Exit(int(ExitCode.FAILURE))


def _say_waiting(message: str) -> None:
    stderr.print(f"hoso: {message}", highlight=False, markup=False)


def _document_lines(document: dict[str, Any]) -> list[str]:
    """A document of the upload report, then the pages to rescan (under the legal 200 dpi) and
    every page warning, so the station acts on them now (an older server sends neither)."""
    reason = f": {document['failure_reason']}" if document["status"] == "failed" else ""
    lines = [f"  document {document['id']} {document['title']}: {document['status']}{reason}"]
    lines += [
        f"    page {page}: below 200 dpi, rescan needed"
        for page in document.get("pages_below_200_dpi", [])
    ]
    lines += [f"    {warning}" for warning in document.get("warnings", [])]
    return lines


def replace(
    document_id: Annotated[int, typer.Argument(min=1, help="The failed document.")],
    file: Annotated[
        Path, typer.Argument(help="The rescan (PDF/TIFF/JPEG/PNG).", exists=True, dir_okay=False)
    ],
    server: ServerOption = "http://127.0.0.1:8000",
    token: TokenOption = "",
    patience: PatienceOption = 300,
    as_json: Annotated[bool, typer.Option("--json", help="The server's answer on stdout.")] = False,
) -> None:
    """Send a rescan for a failed document: the server keeps both originals and processes the
    document again from the rescan. Follow it in its batch (`hoso upload` or GET /batches)."""
    from hoso.api.uploader import StationClient

    if not token:
        raise typer.BadParameter("a station token is needed (--token or HOSO_TOKEN)")
    client = StationClient(server, token, patience_seconds=patience, on_wait=_say_waiting)
    try:
        answer = client.replace(document_id, file)
    finally:
        client.close()
    if as_json:
        print(json.dumps(answer, ensure_ascii=False))
        return
    stderr.print(
        f"document {document_id}: rescan {file.name} received, queued again "
        f"(attempt {answer['attempt']})",
        highlight=False,
    )
