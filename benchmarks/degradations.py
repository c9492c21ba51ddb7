"""`python -m benchmarks.degradations`: hoso's page reading per degradation level — CER, orientation
accuracy (pages turned 0/90/180/270), skew error against the known skew, pages/min (one job) —
on synthetic pages: clean, mild, degraded (300 dpi), noisy150 (150 dpi, blur, yellowed paper,
noise, dust specks, JPEG) and bilevel200. Seeds are split: `tuning` pages are the ones the
cleanup was measured on; `held_out` pages never were. Writes benchmarks/results/degradations.*."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from PIL import ImageDraw

from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import LEVELS, PageSpec, SyntheticPage, at_level, render_page

REPO = Path(__file__).resolve().parent.parent
ROTATIONS = [0, 90, 180, 270]
SEEDS = {"tuning": range(1, 4), "held_out": range(100, 104)}
NOISY150 = {"dpi": 150, "blur": 1.0, "noise": 18.0, "yellowed": True}
NOISY150_SPECKS, NOISY150_QUALITY = 3000, 60  # dust on an A4 page; JPEG quality
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def dusty_page(spec: PageSpec, specks: int, quality: int) -> SyntheticPage:
    """A page as a dirty scanner glass sees it: `specks` dark dots 1-4 px across (at 150 dpi, as
    small as tone marks), then JPEG at `quality`. Dust is drawn after the skew and turn."""
    page = render_page(replace(spec, jpeg_quality=None))
    image = page.image.convert("RGB")
    draw = ImageDraw.Draw(image)
    rng = random.Random(spec.seed * 7919 + specks)
    for _ in range(specks):
        x, y, r = rng.uniform(0, image.width), rng.uniform(0, image.height), rng.uniform(0.6, 2.2)
        shade = rng.randint(20, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))
    return SyntheticPage(spec=replace(spec, jpeg_quality=quality), image=image, text=page.text)


def make_page(level: str, seed: int, skew_deg: float = 0.0, rotation: int = 0) -> SyntheticPage:
    spec = PageSpec(seed=seed, body_lines=14, skew_deg=skew_deg, rotation=rotation)
    if level == "noisy150":
        return dusty_page(replace(spec, **NOISY150), NOISY150_SPECKS, NOISY150_QUALITY)  # type: ignore[arg-type]
    return render_page(at_level(spec, level))


@dataclass(frozen=True)
class Reading:
    cer: float
    rotation_ok: bool
    skew_error: float
    seconds: float


def read_page(page: SyntheticPage, work: Path, name: str) -> Reading:
    path = page.save(work / f"{name}.{'png' if page.spec.bilevel else 'jpg'}")
    started = time.perf_counter()
    result = digitize([path], Options(jobs=1)).pages[0]
    seconds = time.perf_counter() - started
    return Reading(
        cer=cer(page.text, result.text),
        rotation_ok=result.rotation == page.spec.rotation,
        skew_error=abs(result.skew_deg - page.spec.skew_deg),
        seconds=seconds,
    )


def bench_page(level: str, seed: int) -> SyntheticPage:
    """The benchmark's page of `seed`: skew within ±3°, turned by a quarter turn that the seed
    picks (so every level has pages at 0/90/180/270)."""
    rng = random.Random(f"degradations-{level}-{seed}")
    skew = round(rng.uniform(-3.0, 3.0), 2)
    return make_page(level, seed, skew, ROTATIONS[seed % len(ROTATIONS)])


def run_level(level: str, seeds: range, work: Path) -> dict[str, Any]:
    readings = [read_page(bench_page(level, s), work, f"{level}-{s}") for s in seeds]
    seconds = sum(r.seconds for r in readings)
    return {
        "pages": len(readings),
        "cer": round(statistics.fmean(r.cer for r in readings), 4),
        "cer_max": round(max(r.cer for r in readings), 4),
        "orientation_accuracy": round(statistics.fmean(r.rotation_ok for r in readings), 3),
        "skew_error_deg": round(statistics.fmean(r.skew_error for r in readings), 3),
        "skew_error_max_deg": round(max(r.skew_error for r in readings), 3),
        "pages_per_min": round(60.0 * len(readings) / seconds, 1),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Degradation benchmark (hoso, one job)",
        "",
        "| set | level | pages | CER | CER max | orient. | skew err ° | skew max ° | pages/min |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for split, levels in report["sets"].items():
        for level, row in levels.items():
            lines.append(
                f"| {split} | {level} | {row['pages']} | {row['cer']} | {row['cer_max']} | "
                f"{row['orientation_accuracy']:.0%} | {row['skew_error_deg']} | "
                f"{row['skew_error_max_deg']} | {row['pages_per_min']} |"
            )
    return "\n".join(lines) + "\n"


@app.command()
def main(
    levels: Annotated[str, typer.Option(help="Comma-separated levels.")] = (
        "clean,mild,degraded,noisy150,bilevel200"
    ),
    pages: Annotated[int, typer.Option(help="Pages per level and set (at most 3 / 4).")] = 4,
    results: Annotated[Path, typer.Option(help="Folder for degradations.{json,md}.")] = (
        REPO / "benchmarks" / "results"
    ),
) -> None:
    chosen = levels.split(",")
    unknown = [lv for lv in chosen if lv not in LEVELS and lv != "noisy150"]
    if unknown:
        raise typer.BadParameter(f"unknown levels: {', '.join(unknown)}")
    report: dict[str, Any] = {"sets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for split, seeds in SEEDS.items():
            subset = seeds[:pages]
            report["sets"][split] = {lv: run_level(lv, subset, Path(tmp)) for lv in chosen}
    results.mkdir(parents=True, exist_ok=True)
    (results / "degradations.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (results / "degradations.md").write_text(markdown(report), encoding="utf-8")
    typer.echo(markdown(report))


if __name__ == "__main__":
    app()
