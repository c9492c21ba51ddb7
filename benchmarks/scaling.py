"""`python -m benchmarks.scaling`: how throughput grows with cores, hoso end to end beside the bare
OCR engine, on the same scans and the same cores.

- hoso: the whole plant (`hoso serve` with its worker, SQLite + folder store, best_int, one page
  process per core, and the station's `hoso upload --wait`) held to the first n cores by CPU
  affinity; upload until every document is done. For each run it also says where the CPU went:
  the server's own process (HTTP, the job engine, every document step but OCR, under one GIL)
  and its page processes, each as a share of the run's wall time, so a plant limited by its one
  Python process shows it (the main process near 1.0 while the cores wait).
- raw engine: libtesseract through tesserocr (the library hoso's default engine is built on),
  the best_int `vie` model, each scan read whole with its own layout analysis in one process per
  core: the floor hoso's pages/min is measured against (issue 18), with no process start per
  page as the `tesseract` program would add.

Efficiency is pages/min per core over the same at the fewest cores measured. Written for the
lent 16-core machine (`--bases` takes pages rendered elsewhere, since that machine may lack the
synthetic generator's fonts), and runs anywhere: `make bench` calls it through
`benchmarks.service`. Writes benchmarks/results/scaling.{json,md} unless `--out` says otherwise.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from PIL import Image

from benchmarks.service import (
    cpu_seconds,
    proc_stat,
    scans,
    sqlite_plant,
    upload_command,
    variants,
)
from tests.deployment import station_token

REPO = Path(__file__).resolve().parent.parent
BEST_INT = REPO / "ocr_models" / "best_int"
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def core_counts() -> list[int]:
    """1, 2, 4, … cores, up to every core this process may use."""
    usable = len(os.sched_getaffinity(0))
    return [n for n in (1, 2, 4, 8, 16, 32, 64) if n < usable] + [usable]


def group_cpu_seconds(group: int) -> dict[int, float]:
    """User + system CPU so far of each live process of one process group (Linux /proc): the
    server is started in its own group, so this is the server and its page processes."""
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(proc_stat(int(entry.name))[2]) == group:
                seconds[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return seconds


def hoso_run(root: Path, folder: Path, pages: int, cores: int) -> dict[str, Any]:
    """One end-to-end run on the first `cores` cores this process may use."""
    plant = sqlite_plant(
        root / f"cores-{cores}", ocr_model="best_int",
        extra_env={"HOSO_PAGE_PROCESSES": str(cores)},
    )  # fmt: skip
    try:
        server = plant.serve(worker_id=f"bench-cores-{cores}")
        token = station_token(plant)
        before = group_cpu_seconds(server.pid)
        started = time.monotonic()
        seconds = upload_command(plant, folder, token, f"cores-{cores}", wait=True)
        wall = time.monotonic() - started
        after = group_cpu_seconds(server.pid)
    finally:
        plant.stop_all()
    spent = {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}
    main = spent.pop(server.pid, 0.0)
    return {
        "cores": cores,
        "seconds": round(seconds, 2),
        "pages_per_minute": round(pages / seconds * 60, 1),
        # CPU seconds per wall second: 1.0 is one core kept busy the whole run.
        "server_process_busy": round(main / wall, 2),
        "page_processes_busy": round(sum(spent.values()) / wall, 2),
        "page_processes": len(spent),
    }


_engine: Any = None


def _start_engine() -> None:
    import tesserocr

    global _engine
    _engine = tesserocr.PyTessBaseAPI(path=str(BEST_INT), lang="vie")


def _read(path: Path) -> int:
    with Image.open(path) as image:
        _engine.SetImage(image)
        return len(_engine.GetUTF8Text())


def raw_run(images: list[Path], cores: int) -> dict[str, Any]:
    """The bare engine on the same scans, one process per core; the pool's start (loading the
    model) is not counted. Spawned, not forked from a server process: a fork server started
    under an earlier run's affinity would hand that affinity to every later pool."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(cores, initializer=_start_engine) as pool:
        pool.map(_read, images[:cores])  # every process has loaded its model
        started = time.monotonic()
        characters = sum(pool.map(_read, images, chunksize=1))
        seconds = time.monotonic() - started
    return {
        "cores": cores,
        "seconds": round(seconds, 2),
        "pages_per_minute": round(len(images) / seconds * 60, 1),
        "characters": characters,
    }


def with_efficiency(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's efficiency against the row of fewest cores; rows in order of cores."""
    rows = sorted(rows, key=lambda row: row["cores"])
    if not rows:
        return rows
    per_core = rows[0]["pages_per_minute"] / rows[0]["cores"]
    return [row | {"efficiency": round(row["pages_per_minute"] / row["cores"] / per_core, 3)}
            for row in rows]  # fmt: skip


def on_cores(cores: int) -> None:
    usable = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, usable[:cores])


def measure(
    root: Path, folder: Path, pages: int, counts: list[int], raw_counts: list[int]
) -> dict[str, Any]:
    """hoso and the raw engine on each count of cores; the affinity set here is inherited by
    every process a run starts."""
    usable = sorted(os.sched_getaffinity(0))
    images = sorted(folder.iterdir())
    hoso_rows, raw_rows = [], []
    try:
        for cores in counts:
            on_cores(cores)
            hoso_rows.append(hoso_run(root, folder, pages, cores))
            print(json.dumps({"hoso": hoso_rows[-1]}), flush=True)
            if cores in raw_counts:
                raw_rows.append(raw_run(images, cores))
                print(json.dumps({"raw": raw_rows[-1]}), flush=True)
            os.sched_setaffinity(0, usable)
    finally:
        os.sched_setaffinity(0, usable)
    return {"hoso": with_efficiency(hoso_rows), "raw_engine": with_efficiency(raw_rows)}


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    siblings = Path("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")
    return {
        "cpus": os.cpu_count(),
        "usable": len(os.sched_getaffinity(0)),
        "model": model,
        "cpu0_thread_siblings": siblings.read_text().strip() if siblings.exists() else None,
        "python": platform.python_version(),
        "load_average_at_end": [round(v, 1) for v in os.getloadavg()],
    }


def table(results: dict[str, Any]) -> str:
    raw = {row["cores"]: row for row in results["raw_engine"]}
    lines = [
        "| cores | hoso s | hoso pages/min | efficiency | server process busy | page processes "
        "busy | raw engine pages/min | efficiency | hoso / raw |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["hoso"]:
        other = raw.get(row["cores"])
        efficiency = f"{other['efficiency']:.0%}" if other and len(raw) > 1 else ""
        raw_cells = (
            f"{other['pages_per_minute']} | {efficiency} | "
            f"{row['pages_per_minute'] / other['pages_per_minute']:.2f}"
            if other else " | | "
        )  # fmt: skip
        lines.append(
            f"| {row['cores']} | {row['seconds']} | {row['pages_per_minute']} | "
            f"{row['efficiency']:.0%} | {row['server_process_busy']} | "
            f"{row['page_processes_busy']} | {raw_cells} |"
        )
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    host = results["machine"]
    return "\n".join([
        "# Scaling with cores",
        "",
        f"Machine: {results['label']}: {host['cpus']} logical CPUs ({host['model']}; cpu0's "
        f"hyper-thread siblings: {host['cpu0_thread_siblings']}), Python {host['python']}. "
        f"{results['pages']} one-page 200-dpi JPEG scans (synthetic 'mild' pages), the same files "
        "for both. hoso: upload → every document done, best_int, SQLite + folder store, the "
        "whole plant held to the first n CPUs, one page process per CPU. 'busy' is CPU seconds "
        "per wall second (1.0 = one CPU the whole run). Raw engine: libtesseract (tesserocr), "
        "best_int `vie`, each scan read whole, one process per CPU, model loading not counted. "
        "Efficiency: pages/min per CPU over the same at the fewest CPUs measured.",
        "",
        table(results),
        "",
    ])  # fmt: skip


def numbers(text: str) -> list[int]:
    return [int(word) for word in text.split(",") if word.strip()]


@app.command()
def main(
    pages: Annotated[int, typer.Option(help="One-page scans in each run.")] = 60,
    cores: Annotated[
        str, typer.Option(help="Core counts, e.g. 2,4,8,16 (default 1, 2, 4 … all).")
    ] = "",
    raw_cores: Annotated[
        str, typer.Option(help="Core counts for the raw engine (default: all).")
    ] = "",
    bases: Annotated[
        Path | None, typer.Option(help="Rendered pages to make the scans from.")
    ] = None,
    label: Annotated[str, typer.Option(help="Which machine, for the report.")] = "this machine",
    out: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results" / "scaling",
) -> None:
    counts = numbers(cores) or core_counts()
    raw_counts = numbers(raw_cores) or counts
    with tempfile.TemporaryDirectory(prefix="hoso-bench-scaling-") as work:
        root = Path(work)
        folder = root / "scans"
        if bases is None:
            scans(folder, pages)
        else:
            variants([Image.open(path) for path in sorted(bases.iterdir())], folder, pages)
        results: dict[str, Any] = {"label": label, "pages": pages}
        results |= measure(root, folder, pages, counts, raw_counts)
        results["machine"] = machine()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    app()
