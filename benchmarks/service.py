"""`python -m benchmarks.service`: the service end to end on this machine, in processes as
deployed (`hoso serve`, `hoso upload`), on the embedded defaults (SQLite, folder store).

- intake: `hoso upload` of N one-page scans into a server without a worker: pages/s stored
  (streamed, hashed, indexed; no OCR);
- end to end: the same scans into `hoso serve` with its worker (default OCR model, one page per
  core): upload until every document is done, pages/min;
- scaled out: the same on PostgreSQL (the machine's), `hoso serve --no-worker` plus N separate
  `hoso worker` processes sharing the cores, as several machines would run it.

Writes benchmarks/results/service.{json,md}.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from tests.cli import HOSO_COMMAND
from tests.databases import fresh_database, postgres_available
from tests.deployment import Deployment, station_token
from tests.synthetic import PageSpec, at_level, render_page

REPO = Path(__file__).resolve().parent.parent
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def scans(folder: Path, pages: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(pages):
        spec = at_level(PageSpec(seed=100 + number, dpi=200, body_lines=12), "mild")
        render_page(spec).save(folder / f"page-{number:03d}.jpg")
    return folder


def run_upload(deployment: Deployment, folder: Path, token: str, batch: str, wait: bool) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [*HOSO_COMMAND, "upload", str(folder), "--batch", batch, "--server", deployment.server,
         "--token", token, "--json", "--wait" if wait else "--no-wait"],
        capture_output=True, check=False, timeout=3600,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    report = json.loads(done.stdout)
    if wait and not all(d["status"] == "done" for d in report["documents"]):
        raise SystemExit(f"not every document finished: {report['documents']}")
    return elapsed


def scaled_out(root: Path, folder: Path, workers: int) -> float:
    """Upload-to-done seconds with an API process and `workers` worker processes on PostgreSQL,
    the cores split between them."""
    root.mkdir()
    page_processes = str(max(1, (os.cpu_count() or 2) // workers))
    with fresh_database("postgresql", root) as url:
        plant = Deployment(root, url, ocr_model="best_int")
        try:
            plant.serve(worker=False, worker_id="bench-api")
            for number in range(workers):
                plant.start(
                    ["worker"], f"bench-worker-{number}", HOSO_PAGE_PROCESSES=page_processes
                )
            return run_upload(plant, folder, station_token(plant), "scaled", wait=True)
        finally:
            plant.stop_all()


@app.command()
def main(
    pages: Annotated[int, typer.Option(help="One-page scans per run.")] = 24,
    workers: Annotated[int, typer.Option(help="Worker processes in the scaled-out run.")] = 2,
    out: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results" / "service",
) -> None:
    with tempfile.TemporaryDirectory(prefix="hoso-bench-service-") as work:
        root = Path(work)
        folder = scans(root / "scans", pages)
        results: dict[str, Any] = {"pages": pages}

        intake = Deployment(root / "intake", f"sqlite:///{root / 'intake' / 'var' / 'i.sqlite'}")
        intake.folder.mkdir()
        try:
            intake.serve(worker=False, worker_id="bench-intake")
            seconds = run_upload(intake, folder, station_token(intake), "intake", wait=False)
        finally:
            intake.stop_all()
        results["intake_seconds"] = round(seconds, 2)
        results["intake_pages_per_second"] = round(pages / seconds, 1)

        full = Deployment(
            root / "full", f"sqlite:///{root / 'full' / 'var' / 'f.sqlite'}", ocr_model="best_int"
        )
        full.folder.mkdir()
        try:
            full.serve(worker_id="bench-serve")
            seconds = run_upload(full, folder, station_token(full), "full", wait=True)
        finally:
            full.stop_all()
        results["end_to_end_seconds"] = round(seconds, 2)
        results["end_to_end_pages_per_minute"] = round(pages / seconds * 60, 1)

        if postgres_available():
            seconds = scaled_out(root / "scaled", folder, workers)
            results["workers"] = workers
            results["scaled_out_pages_per_minute"] = round(pages / seconds * 60, 1)

    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(
        "# Service throughput (2 cores, embedded defaults: SQLite + folder store)\n\n"
        f"{pages} one-page scans (200 dpi JPEG, synthetic 'mild' level), `hoso upload` over HTTP "
        "on loopback.\n\n"
        "| measure | value |\n|---|---|\n"
        f"| intake (upload, hash, store, index; no OCR) | {results['intake_pages_per_second']} "
        "pages/s |\n"
        f"| end to end (upload → every document done, best_int, 2 page processes) | "
        f"{results['end_to_end_pages_per_minute']} pages/min |\n"
        + (
            f"| scaled out: PostgreSQL, API + {results['workers']} worker processes sharing the "
            f"2 cores | {results['scaled_out_pages_per_minute']} pages/min |\n"
            if "workers" in results
            else ""
        )
    )
    print(json.dumps(results))


if __name__ == "__main__":
    app()
