"""`python -m benchmarks.service`: the service end to end on this machine, in processes as
deployed (`hoso serve`, `hoso upload`).

- intake (no OCR, no worker): the station's upload of N one-page scans into `hoso serve`, on the
  embedded defaults (SQLite, folder store) and on PostgreSQL + a real S3 server (SeaweedFS);
  one N-page PDF; and the whole `hoso upload` command (its process start included). Pages/s
  from the first request to the last answer, with the CPU seconds the server and the station
  spent, because the machine may be shared: CPU per page is the steadier figure;
- page pool schedule: one document of many small pages and one big page last, on 2 page
  processes, pages started in page order vs the largest first (`PageRunner`);
- end to end: the same scans into `hoso serve` with its worker (default OCR model, one page per
  core): upload until every document is done, pages/min;
- scaled out: the same on PostgreSQL (the machine's), `hoso serve --no-worker` plus N separate
  `hoso worker` processes sharing the cores, as several machines would run it.

How the end-to-end figure grows with cores is `benchmarks.scaling`'s (beside the bare engine).

`--no-ocr` runs the first two only and keeps the OCR figures of the previous run.
Writes benchmarks/results/service.{json,md}.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from PIL import Image

from hoso.api.uploader import StationClient, scan_files
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.digitize.triage import triage
from tests.cli import HOSO_COMMAND
from tests.databases import fresh_database, postgres_available
from tests.deployment import Deployment, station_token
from tests.s3server import running_weed, weed_binary
from tests.synthetic import PageSpec, at_level, render_page

REPO = Path(__file__).resolve().parent.parent
# Intake before issue 18 (commit b521a01: one file per request, a second copy and hash pass into
# the store, five sessions per file), measured with this file's `intake` method, 200 files,
# interleaved with runs of the new code on the same shared 2-core machine (load 5-7), two runs
# each: pages/s, server CPU ms/page, station CPU ms/page.
BEFORE = {
    "intake_sqlite_folder": ("14.8–23.6", "16.4–16.7", "4.4–4.6"),
    "intake_postgresql_s3": ("12.9–14.5", "21.2–22.7", "3.8–3.9"),
}
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def scans(folder: Path, pages: int) -> Path:
    """`pages` one-page JPEG scans, each different bytes (four rendered pages, saved at
    different JPEG qualities: rendering hundreds would take longer than the benchmark)."""
    rendered = [
        render_page(at_level(PageSpec(seed=100 + n, dpi=200, body_lines=12), "mild")).image
        for n in range(4)
    ]
    return variants(rendered, folder, pages)


def variants(rendered: list[Image.Image], folder: Path, pages: int) -> Path:
    """`pages` 200-dpi JPEG files made from a few rendered pages in turn, no two the same bytes:
    the archive marks a repeated file a duplicate and never digitizes it, so a benchmark of
    repeated files measures less OCR than it says. Each file carries its number as dark dots
    in the top left corner's margin (one per bit), and the quality varies too."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(pages):
        image = rendered[number % len(rendered)].convert("RGB")
        for bit in range(number.bit_length()):
            if number >> bit & 1:
                image.putpixel((2 + 2 * bit, 2), (0, 0, 0))
        image.save(folder / f"page-{number:04d}.jpg", quality=60 + number % 36, dpi=(200, 200))
    return folder


def one_pdf(folder: Path, source: Path) -> Path:
    """The scans as one multi-page PDF (a sheet-fed scanner's stack in one file)."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [Image.open(path) for path in sorted(source.iterdir())]
    pdf = folder / "stack.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=200)
    return folder


@dataclass(frozen=True)
class IntakeRun:
    pages: int
    seconds: float
    server_cpu_seconds: float
    station_cpu_seconds: float

    @property
    def pages_per_second(self) -> float:
        return round(self.pages / self.seconds, 1)

    def as_json(self) -> dict[str, Any]:
        per_page = 1000 / self.pages
        return {
            **asdict(self),
            "pages_per_second": self.pages_per_second,
            "server_cpu_ms_per_page": round(self.server_cpu_seconds * per_page, 2),
            "station_cpu_ms_per_page": round(self.station_cpu_seconds * per_page, 2),
        }


def proc_stat(pid: int) -> list[str]:
    """A process's /proc/PID/stat fields after its name (Linux): [2] is its process group,
    [11] and [12] its user and system CPU in clock ticks."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def intake(deployment: Deployment, folder: Path, pages: int, batch: str) -> IntakeRun:
    """Upload a folder with the station's client, timed from its first request to the last
    answer, into a server without a worker."""
    server = deployment.serve(worker=False, worker_id=f"bench-{batch}")
    client = StationClient(deployment.server, station_token(deployment))
    try:
        batch_id, _ = client.open_batch(batch)
        files = scan_files([folder])
        server_before, station_before = cpu_seconds(server.pid), time.process_time()
        started = time.monotonic()
        client.upload(batch_id, files)
        client.close_batch(batch_id)
        seconds = time.monotonic() - started
        return IntakeRun(
            pages, round(seconds, 3), round(cpu_seconds(server.pid) - server_before, 2),
            round(time.process_time() - station_before, 2),
        )  # fmt: skip
    finally:
        client.close()
        deployment.stop_all()


def upload_command(
    deployment: Deployment, folder: Path, token: str, batch: str, wait: bool
) -> float:
    """Seconds of the whole `hoso upload` command, its process start included."""
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


def sqlite_plant(root: Path, **kwargs: Any) -> Deployment:
    plant = Deployment(root, f"sqlite:///{root / 'var' / 'index.sqlite'}", **kwargs)
    plant.folder.mkdir()
    return plant


def intake_runs(root: Path, folder: Path, pdf: Path, pages: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["intake_sqlite_folder"] = intake(
        sqlite_plant(root / "i1"), folder, pages, "i1"
    ).as_json()
    results["intake_one_pdf"] = intake(sqlite_plant(root / "i2"), pdf, pages, "i2").as_json()
    command = sqlite_plant(root / "i3")
    try:
        command.serve(worker=False, worker_id="bench-command")
        seconds = upload_command(command, folder, station_token(command), "i3", wait=False)
        results["intake_command_seconds"] = round(seconds, 2)
        results["intake_command_pages_per_second"] = round(pages / seconds, 1)
    finally:
        command.stop_all()
    if postgres_available() and weed_binary() is not None:
        (root / "weed").mkdir()
        with running_weed(root / "weed") as s3, fresh_database("postgresql", root) as url:
            plant = Deployment(root / "i4", url, extra_env={
                "HOSO_S3_ENDPOINT": s3.endpoint, "HOSO_S3_ACCESS_KEY": s3.access_key,
                "HOSO_S3_SECRET_KEY": s3.secret_key, "HOSO_S3_BUCKET": "bench"})  # fmt: skip
            plant.folder.mkdir()
            results["intake_postgresql_s3"] = intake(plant, folder, pages, "i4").as_json()
    return results


def schedule(root: Path, small_pages: int) -> dict[str, Any]:
    """Seconds for one document on 2 page processes (fast model): `small_pages` A4 pages at
    200 dpi and one A3 page at 300 dpi last, started in page order, then the largest first.
    Each pool is warm (engines loaded) before it is timed; the two orders alternate, twice,
    and the faster run of each counts (the machine may be shared)."""
    root.mkdir()
    paths = [
        render_page(PageSpec(seed=n, dpi=200, body_lines=12)).save(root / f"{n:02d}.png")
        for n in range(small_pages)
    ]
    big = PageSpec(seed=99, dpi=300, width_in=11.69, height_in=16.54, body_lines=40)
    paths.append(render_page(big).save(root / "big.png"))
    options = Options(jobs=2, model="fast")
    tasks = [task for item in triage(paths, options) for task in item.tasks]
    runs: dict[str, list[float]] = {"page_order_seconds": [], "largest_first_seconds": []}
    for _ in range(2):
        for name, largest_first in (("page_order_seconds", False), ("largest_first_seconds", True)):
            with PageRunner(options, keep_pool=True, largest_first=largest_first) as runner:
                runner.run(tasks[:2])  # start the pool and its engines
                started = time.monotonic()
                runner.run(tasks)
                runs[name].append(round(time.monotonic() - started, 2))
    return {"small_pages": small_pages, "big_pages": 1, "runs": runs,
            **{name: min(seconds) for name, seconds in runs.items()}}  # fmt: skip


def ocr_runs(root: Path, folder: Path, pages: int, workers: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    full = sqlite_plant(root / "full", ocr_model="best_int")
    try:
        full.serve(worker_id="bench-serve")
        seconds = upload_command(full, folder, station_token(full), "full", wait=True)
    finally:
        full.stop_all()
    results["end_to_end_seconds"] = round(seconds, 2)
    results["end_to_end_pages_per_minute"] = round(pages / seconds * 60, 1)
    if postgres_available():
        seconds = scaled_out(root / "scaled", folder, workers)
        results["workers"] = workers
        results["scaled_out_pages_per_minute"] = round(pages / seconds * 60, 1)
    return results


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
            return upload_command(plant, folder, station_token(plant), "scaled", wait=True)
        finally:
            plant.stop_all()


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min) when it finished"


@app.command()
def main(
    pages: Annotated[int, typer.Option(help="One-page scans in the intake runs.")] = 1000,
    ocr_pages: Annotated[int, typer.Option(help="One-page scans in the OCR runs.")] = 60,
    workers: Annotated[int, typer.Option(help="Worker processes in the scaled-out run.")] = 2,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="Run the OCR parts too.")] = True,
    out: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results" / "service",
) -> None:
    previous = (
        json.loads(out.with_suffix(".json").read_text())
        if out.with_suffix(".json").exists()
        else {}
    )
    with tempfile.TemporaryDirectory(prefix="hoso-bench-service-") as work:
        root = Path(work)
        folder = scans(root / "scans", pages)
        results: dict[str, Any] = {"pages": pages}
        results |= intake_runs(root, folder, one_pdf(root / "pdf", folder), pages)
        results["schedule"] = schedule(root / "schedule", small_pages=6)
        if ocr:
            ocr_folder = scans(root / "ocr-scans", ocr_pages)
            results |= {"ocr_pages": ocr_pages, **ocr_runs(root, ocr_folder, ocr_pages, workers)}
        else:
            kept = ("ocr_pages", "end_to_end_seconds", "end_to_end_pages_per_minute", "workers",
                    "scaled_out_pages_per_minute")  # fmt: skip
            results |= {key: previous[key] for key in kept if key in previous}
            results.setdefault("ocr_pages", previous.get("pages"))
        results["machine"] = machine()
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(report(results, measured_ocr=ocr))
    print(json.dumps(results))


# What a profile of the server (py-spy, GIL samples, 200 files, after the changes) showed; the
# target of issue 18 is 200 pages/s. Kept here so the table is read with it.
WHERE_THE_TIME_GOES = """\
Where the server's time went before the last two changes (py-spy on `hoso serve`, samples
holding the GIL, 200 files in groups of 32, SQLite + folder store): Python's HTTP and form
handling, not hoso's intake: the multipart parser writing each part into Starlette's temporary
file 24 %, the asyncio event loop 20 %, h11 reading the body 16 %, hand-offs between the event
loop and the request thread pool 13 %; the index (SQLAlchemy + SQLite, one transaction per
group) 12 %, the object writes 5 %, authentication 3 %, hashing while spooling 3 %. Since then
uvicorn runs on `httptools` (C HTTP parser) and `uvloop` (libuv event loop), both now
dependencies: in alternating runs here the server's CPU per page fell ~10–20 % and PostgreSQL
+ S3 intake doubled (145–158 -> 284–328 pages/s at 200 files). And `hoso upload` starts in
0.1 s instead of 0.7 s (the reports command had loaded the API's schemas and the whole index
at import). Before issue 18, per file: two sessions to find the batch, one for a retry's
earlier copy, a transaction with its own fsync, one read back of the row, and a second copy +
hash pass into the store (fsync each): 16–23 ms of server CPU. The first 200 pages/s figures of
this change (91 and 77) were taken at load 5–7 on these 2 cores, beside other test runs.
"""


def report(results: dict[str, Any], measured_ocr: bool) -> str:
    pages = results["pages"]
    lines = [
        "# Service throughput",
        "",
        f"Machine: {results['machine']}. Intake: {pages} one-page scans (200 dpi JPEG, synthetic "
        "'mild' level) sent by the station's client over HTTP on loopback into `hoso serve "
        "--no-worker`, timed from the first request to the batch's close; CPU is the server's "
        "and the station's, per page.",
        "",
        "| intake (no OCR) | pages/s | server CPU ms/page | station CPU ms/page |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("intake_sqlite_folder", f"{pages} JPEG files, SQLite + folder store"),
        ("intake_postgresql_s3", f"{pages} JPEG files, PostgreSQL + S3 (SeaweedFS)"),
        ("intake_one_pdf", f"one {pages}-page PDF, SQLite + folder store"),
    ):
        if key in results:
            run = results[key]
            cpu = f"{run['server_cpu_ms_per_page']} | {run['station_cpu_ms_per_page']}"
            lines.append(f"| {label} | {run['pages_per_second']} | {cpu} |")
        if key in BEFORE:
            lines.append(f"| … before issue 18 (b521a01) | {' | '.join(BEFORE[key])} |")
    lines += [
        f"| the whole `hoso upload --no-wait` command, {pages} JPEG files (process start "
        f"included) | {results['intake_command_pages_per_second']} | | |",
        "",
    ]
    lines += [WHERE_THE_TIME_GOES]
    plan = results["schedule"]
    lines += [
        f"Page pool schedule: one document of {plan['small_pages']} A4 pages at 200 dpi and one "
        "A3 page at 300 dpi last, 2 page processes (fast model, warm pool): "
        f"{plan['page_order_seconds']} s started in page order, "
        f"{plan['largest_first_seconds']} s started largest first (the faster of two "
        "alternating runs each). Alone, a small page takes 1.6 s of CPU and the big one 4.7 s: "
        "on 2 idle cores that is about 9.5 s in page order (the big page runs alone at the end) "
        "and 6.4 s largest first, by arithmetic; a loaded machine narrows the difference.",
        "",
    ]
    if "end_to_end_pages_per_minute" in results:
        note = "" if measured_ocr else " (from the previous run; `--no-ocr` left them as they were)"
        lines += [
            f"OCR runs{note}: {results.get('ocr_pages')} one-page scans.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| end to end (upload → every document done, best_int, 2 page processes) | "
            f"{results['end_to_end_pages_per_minute']} pages/min |",
        ]
        if "scaled_out_pages_per_minute" in results:
            lines.append(
                f"| scaled out: PostgreSQL, API + {results['workers']} worker processes sharing "
                f"the cores | {results['scaled_out_pages_per_minute']} pages/min |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app()
