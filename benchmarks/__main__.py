"""`python -m benchmarks`: hoso vs OCRmyPDF vs raw Tesseract on the same files, in one run.

Throughput: each input set is one multi-page PDF (the same bytes for everyone) processed with
--jobs N. Latency: each page processed alone with one job, giving median and p95 seconds/page
(these include each program's start-up, as a desk's one-page upload would). Quality: CER/WER of
the text layer against ground truth; hoso's JSON gives rotation and skew, compared to the truth.
Legibility of the archived copy: the CER of what raw Tesseract reads off each output page as a
viewer draws it (benchmarks/legibility.py), so bytes/page compare at equal legibility.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from benchmarks.contenders import Hoso, OcrMyPdf, RawTesseract, combined_tessdata
from benchmarks.inputs import InputSet, corpus_set, synthetic_sets
from benchmarks.legibility import image_cer, reader
from benchmarks.report import write_report
from hoso.digitize.ocr.engine import OcrEngine
from tests.conftest import corpus_dir
from tests.metrics import cer, wer

REPO = Path(__file__).resolve().parent.parent
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def quality(truths: list[str | None], texts: list[str]) -> dict[str, float | None]:
    pairs = [(t, x) for t, x in zip(truths, texts, strict=False) if t is not None]
    if not pairs or len(texts) != len(truths):
        return {"cer": None, "wer": None}
    return {
        "cer": statistics.fmean(cer(t, x) for t, x in pairs),
        "wer": statistics.fmean(wer(t, x) for t, x in pairs),
    }


def summarize(
    name: str, pages: int, wall: float, latencies: list[float], rss: float, out: Path | None
) -> dict[str, Any]:
    size = out.stat().st_size if out is not None and out.is_file() else None
    return {
        "contender": name,
        "pages": pages,
        "wall_s": round(wall, 2),
        "pages_per_min": round(pages * 60.0 / wall, 1) if wall > 0 else None,
        "s_per_page_median": round(statistics.median(latencies), 2) if latencies else None,
        "s_per_page_p95": round(percentile(latencies, 0.95), 2) if latencies else None,
        "peak_rss_mb": round(rss, 1),
        "bytes_per_page": round(size / pages) if size else None,
    }


def bench_set(
    input_set: InputSet,
    hosos: list[Hoso],
    ocrmypdf: OcrMyPdf | None,
    tesseract: RawTesseract | None,
    work: Path,
    latency_pages: int,
    progress: Progress,
    engine: OcrEngine,
) -> dict[str, Any]:
    truths = [p.truth for p in input_set.pages]
    count = min(latency_pages, len(input_set.pages))
    singles = [_single_page_pdf(input_set, i, work) for i in range(count)]
    rows: list[dict[str, Any]] = []
    task = progress.add_task(input_set.name, total=3)

    for variant in hosos:
        label = "hoso" if variant is hosos[0] else f"hoso[{variant.model}]"
        out = work / f"{input_set.name}.{label}.pdf"
        run = variant.run(input_set.document, out)
        latencies = [
            variant.run(doc, doc.with_suffix(f".{label}.pdf"), jobs=1).wall_s for doc in singles
        ]
        row = summarize(label, len(truths), run.wall_s, latencies, run.peak_rss_mb, run.output)
        row |= quality(truths, run.texts) | geometry(input_set, run.output)
        row["image_cer"] = image_cer(run.output, truths, engine)
        rows.append(row)
    progress.advance(task)

    if ocrmypdf is not None:
        out = work / f"{input_set.name}.ocrmypdf.pdf"
        run = ocrmypdf.run(input_set.document, out)
        latencies = [
            ocrmypdf.run(doc, doc.with_suffix(".ocrmypdf.pdf"), jobs=1).wall_s for doc in singles
        ]
        row = summarize("ocrmypdf", len(truths), run.wall_s, latencies, run.peak_rss_mb, run.output)
        row |= quality(truths, run.texts) if run.returncode == 0 else {"error": run.stderr[-300:]}
        row["image_cer"] = image_cer(run.output, truths, engine)
        rows.append(row)
    progress.advance(task)

    straight = [p.straight for p in input_set.pages]
    if all(s is not None for s in straight):
        warm = hosos[0].warm(singles, [s for s in straight[:count] if s is not None])
        rows[0]["warm_s_per_page_median"] = round(statistics.median(warm["hoso"]), 2)
        floor_warm = round(statistics.median(warm["tesseract"]), 2)
    if tesseract is not None and all(s is not None for s in straight):
        images = [s for s in straight if s is not None]
        run, _ = tesseract.run_images(images, work / "tesseract")
        _, latencies = tesseract.run_images(images[:latency_pages], work / "tesseract-lat", jobs=1)
        row = summarize("tesseract", len(images), run.wall_s, latencies, run.peak_rss_mb, None)
        row["warm_s_per_page_median"] = floor_warm
        rows.append(row | quality(truths, run.texts))
    progress.advance(task)
    return {"set": input_set.name, "notes": input_set.notes, "results": rows}


def _single_page_pdf(input_set: InputSet, index: int, work: Path) -> Path:
    import pikepdf

    out = work / f"{input_set.name}-page{index}.pdf"
    with pikepdf.open(input_set.document) as pdf:
        single = pikepdf.new()
        single.pages.append(pdf.pages[index])
        single.save(out)
    return out


def geometry(input_set: InputSet, output: Path | None) -> dict[str, Any]:
    """Rotation accuracy and skew error of hoso, from the JSON its run wrote beside the PDF,
    against the generator's truth."""
    known = [p for p in input_set.pages if p.rotation is not None and p.skew_deg is not None]
    if not known or output is None:
        return {}
    pages = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))["pages"]
    rotations = [p["rotation"] == k.rotation for p, k in zip(pages, known, strict=True)]
    skews = [abs(p["skew_deg"] - (k.skew_deg or 0.0)) for p, k in zip(pages, known, strict=True)]
    return {
        "orientation_accuracy": round(sum(rotations) / len(rotations), 3),
        "skew_error_mean_deg": round(statistics.fmean(skews), 3),
        "skew_error_max_deg": round(max(skews), 3),
    }


def environment(jobs: int, bench_venv: Path) -> dict[str, Any]:
    import subprocess

    def version(command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
            return (result.stdout or result.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not available"

    import tesserocr

    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": sys.version.split()[0],
        "jobs": jobs,
        "OMP_THREAD_LIMIT": "1 (every contender)",
        "hoso_tesseract": tesserocr.tesseract_version().splitlines()[0]
        + " (tesserocr, in-process)",
        "tesseract_cli": version(["tesseract", "--version"]),
        "ocrmypdf": version([str(bench_venv / "bin" / "ocrmypdf"), "--version"]),
        "ghostscript": version(["gs", "--version"]),
        "model": "ocr_models/best_int/vie.traineddata for every contender (+ osd for rotation)",
    }


@app.command()
def main(
    levels: Annotated[str, typer.Option(help="Synthetic degradation levels, comma-separated.")] = (
        "clean,mild,degraded,bilevel200"
    ),
    pages: Annotated[int, typer.Option(min=1, help="Synthetic pages per level.")] = 6,
    latency_pages: Annotated[int, typer.Option(min=1, help="Pages timed one by one per set.")] = 3,
    jobs: Annotated[int, typer.Option(min=1, help="Parallel jobs for every contender.")] = 2,
    contenders: Annotated[str, typer.Option(help="Which to run: hoso,ocrmypdf,tesseract.")] = (
        "hoso,ocrmypdf,tesseract"
    ),
    models: Annotated[
        str, typer.Option(help="hoso OCR models to compare, the default first: best_int,fast.")
    ] = "best_int",
    corpus: Annotated[bool, typer.Option(help="Include the real-scan corpus set.")] = True,
    bench_venv: Annotated[Path, typer.Option(help="Environment holding OCRmyPDF.")] = REPO
    / ".venv-bench",
    work: Annotated[Path, typer.Option(help="Scratch folder.")] = REPO / "benchmarks" / "work",
    results: Annotated[Path, typer.Option(help="Where JSON, Markdown and PNG go.")] = (
        REPO / "benchmarks" / "results"
    ),
) -> None:
    """Run the benchmark and write results/latest.{json,md,png}."""
    chosen = set(contenders.split(","))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tessdata = combined_tessdata(work / "tessdata")
    hosos = [Hoso(Path(sys.executable), jobs, model) for model in models.split(",")]
    ocrmypdf_exe = bench_venv / "bin" / "ocrmypdf"
    ocrmypdf = OcrMyPdf(ocrmypdf_exe, tessdata, jobs) if "ocrmypdf" in chosen else None
    if ocrmypdf is not None and not OcrMyPdf.available(ocrmypdf_exe):
        console.print(
            f"[yellow]OCRmyPDF ({ocrmypdf_exe}) or Ghostscript missing: skipped;"
            " `make bench` installs both[/]"
        )
        ocrmypdf = None
    tesseract = (
        RawTesseract(tessdata, jobs) if "tesseract" in chosen and RawTesseract.available() else None
    )

    (work / "inputs").mkdir()
    sets = synthetic_sets(work / "inputs", levels.split(","), pages) if levels else []
    real = corpus_set(corpus_dir(), work / "inputs") if corpus else None
    if real is not None:
        sets.append(real)
    engine = reader()
    with Progress(console=console, transient=True) as progress:
        report = [
            bench_set(s, hosos, ocrmypdf, tesseract, work, latency_pages, progress, engine)
            for s in sets
        ]
    write_report(report, environment(jobs, bench_venv), results)
    console.print(f"results: {results / 'latest.md'}")


if __name__ == "__main__":
    app()
