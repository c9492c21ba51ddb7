"""`python -m benchmarks.degradations`: hoso's page reading per degradation level — CER, orientation
accuracy (pages turned 0/90/180/270), skew error against the known skew, pages/min (one job) and
field precision/recall on forms of known values — on synthetic pages: clean, mild, degraded
(300 dpi), noisy150 (150 dpi, blur, yellowed paper, noise, dust specks, JPEG), bilevel200 and
photo (a phone photo: desk border, perspective, uneven light, ~100 dpi, no DPI metadata).

Two sets, kept apart: `tuning` pages (seeds 1-3, serif 13 pt, the layouts the field extractor was
tuned on) are the ones the cleanup, deskew and extractor were measured on while changing them;
`held_out` pages (seeds 100-103, sans 12 pt, shorter body, the held-out form layouts) never
were. Writes benchmarks/results/degradations.{json,md}, with the targets of issue 16 beside the
numbers."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from PIL import Image, ImageDraw

from benchmarks.fields import Tally, read_document
from hoso.digitize.encode import page_pixels
from hoso.digitize.models import Options, PageResult
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import PageSpec, SyntheticPage, at_level, degrade, render_page
from tests.synthetic_documents import HELD_OUT_LAYOUTS, TUNING_LAYOUTS, make_document
from tests.test_photos import line_angles, photograph

REPO = Path(__file__).resolve().parent.parent
ROTATIONS = [0, 90, 180, 270]
NOISY150 = {"dpi": 150, "blur": 1.0, "noise": 18.0, "yellowed": True}
NOISY150_SPECKS, NOISY150_QUALITY = 3000, 60  # dust on an A4 page; JPEG quality
YELLOWED_PAPER = (244, 234, 200)
PHOTO_DPI = 200  # the page as printed before it is photographed (~100 dpi in the photo)
ALL_LEVELS = ["clean", "mild", "degraded", "noisy150", "bilevel200", "photo"]
FIELD_LEVELS = "clean,noisy150,photo"  # mild reads as clean does (F1 1.0 / 0.99 both)
# Issue 16's targets per level: CER ceiling (None: none set); orientation 100 %, skew error
# <= 0.1° and held-out field F1 >= 0.95 hold for every level.
CER_TARGET = {"clean": 0.01, "mild": 0.01, "noisy150": 0.10, "photo": 0.05}
SKEW_TARGET_DEG, F1_TARGET = 0.1, 0.95
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@dataclass(frozen=True)
class BenchSet:
    """Pages of one set: their seeds, how they are printed, and the form layouts read for fields."""

    seeds: range
    print_spec: dict[str, Any]
    layouts: dict[str, tuple[str, ...]]
    forms_per_layout: int  # at most; the held-out layouts are few, so each is read more often


SETS = {
    "tuning": BenchSet(
        range(1, 4), {"font": "serif", "font_pt": 13.0, "body_lines": 14}, TUNING_LAYOUTS, 1
    ),
    "held_out": BenchSet(
        range(100, 104), {"font": "sans", "font_pt": 12.0, "body_lines": 10}, HELD_OUT_LAYOUTS, 2
    ),
}


def set_of(seed: int) -> BenchSet:
    return next(s for s in SETS.values() if seed in s.seeds)


def add_dust(image: Image.Image, specks: int, seed: int) -> Image.Image:
    """What a dirty scanner glass adds: `specks` dark dots 1-4 px across (at 150 dpi, as small as
    tone marks)."""
    image = image.convert("RGB")
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed * 7919 + specks)
    for _ in range(specks):
        x, y, r = rng.uniform(0, image.width), rng.uniform(0, image.height), rng.uniform(0.6, 2.2)
        shade = rng.randint(20, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))
    return image


def dusty_page(spec: PageSpec, specks: int, quality: int) -> SyntheticPage:
    """A page as a dirty scanner glass sees it; dust is drawn after the skew and turn, then JPEG
    at `quality`."""
    page = render_page(replace(spec, jpeg_quality=None))
    image = add_dust(page.image, specks, spec.seed)
    return SyntheticPage(spec=replace(spec, jpeg_quality=quality), image=image, text=page.text)


def make_page(
    level: str,
    seed: int,
    skew_deg: float = 0.0,
    rotation: int = 0,
    print_spec: dict[str, Any] | None = None,
) -> SyntheticPage:
    """The page of `seed` at a scanner level (not `photo`), printed as `print_spec` says (by
    default, as the seed's set prints)."""
    printed = set_of(seed).print_spec if print_spec is None else print_spec
    spec = PageSpec(seed=seed, skew_deg=skew_deg, rotation=rotation, **printed)
    if level == "noisy150":
        return dusty_page(replace(spec, **NOISY150), NOISY150_SPECKS, NOISY150_QUALITY)  # type: ignore[arg-type]
    return render_page(at_level(spec, level))


@dataclass(frozen=True)
class Shot:
    """A phone photo of a page, turned by `rotation` as the phone held it."""

    image: Image.Image
    text: str
    rotation: int


def photo_of(page: SyntheticPage, seed: int, rotation: int) -> Shot:
    """The photo maker of tests/test_photos.py with tilt and keystone drawn from the seed."""
    rng = random.Random(f"photo-{seed}")
    tilt, keystone = rng.uniform(-4.0, 4.0), rng.uniform(0.04, 0.10)
    yaw = rng.choice([-1, 1]) * rng.uniform(0.03, 0.08)
    image = photograph(tilt, keystone, yaw, seed=seed, page=page).image
    return Shot(image.rotate(rotation, expand=True), page.text, rotation)


def save_photo(shot: Shot, path: Path) -> Path:
    shot.image.save(path, format="JPEG", quality=85)  # a phone writes no dpi for a page
    return path


@dataclass(frozen=True)
class Reading:
    cer: float
    rotation_ok: bool
    skew_error: float
    seconds: float


def _digitize(path: Path) -> tuple[PageResult, float]:
    started = time.perf_counter()
    result = digitize([path], Options(jobs=1)).pages[0]
    return result, time.perf_counter() - started


def read_page(page: SyntheticPage, work: Path, name: str) -> Reading:
    path = page.save(work / f"{name}.{'png' if page.spec.bilevel else 'jpg'}")
    result, seconds = _digitize(path)
    return Reading(
        cer=cer(page.text, result.text),
        rotation_ok=result.rotation == page.spec.rotation,
        skew_error=abs(result.skew_deg - page.spec.skew_deg),
        seconds=seconds,
    )


def read_photo(shot: Shot, work: Path, name: str) -> Reading:
    """The skew error of a photo is what is left in the archived page after flattening and
    deskew: the worse of its upper and lower halves, measured on the archived image (a photo has
    no single known skew once its perspective is corrected)."""
    result, seconds = _digitize(save_photo(shot, work / f"{name}.jpg"))
    archived = page_pixels(result)
    return Reading(
        cer=cer(shot.text, result.text),
        rotation_ok=result.rotation == shot.rotation,
        skew_error=max(abs(a) for a in line_angles(archived)),
        seconds=seconds,
    )


def bench_page(level: str, seed: int, print_spec: dict[str, Any] | None = None) -> SyntheticPage:
    """The benchmark's page of `seed`: skew within ±3°, turned by a quarter turn that the seed
    picks (so every level has pages at 0/90/180/270)."""
    rng = random.Random(f"degradations-{level}-{seed}")
    skew = round(rng.uniform(-3.0, 3.0), 2)
    return make_page(level, seed, skew, ROTATIONS[seed % len(ROTATIONS)], print_spec)


def bench_photo(seed: int) -> Shot:
    page = render_page(PageSpec(seed=seed, dpi=PHOTO_DPI, **set_of(seed).print_spec))
    return photo_of(page, seed, ROTATIONS[seed % len(ROTATIONS)])


def read_bench(level: str, seed: int, work: Path) -> Reading:
    if level == "photo":
        return read_photo(bench_photo(seed), work, f"photo-{seed}")
    return read_page(bench_page(level, seed), work, f"{level}-{seed}")


def field_document(level: str, doc_type: str, seed: int, layout: str, work: Path) -> Path:
    """A form of known field values at `level`, saved as a desk would receive it."""
    name = work / f"{level}-{doc_type}-{layout}-{seed}"
    if level == "photo":
        document = make_document(doc_type, seed, "clean", dpi=PHOTO_DPI, layout=layout)
        return save_photo(photo_of(document.page, seed, 0), name.with_suffix(".jpg"))
    if level == "noisy150":
        page = make_document(doc_type, seed, "clean", dpi=150, layout=layout).page
        tinted = np.asarray(page.image.convert("RGB"), np.float32) * np.array(YELLOWED_PAPER) / 255
        spec = replace(page.spec, **NOISY150)  # type: ignore[arg-type]
        image = degrade(Image.fromarray(tinted.astype(np.uint8)), spec, YELLOWED_PAPER)
        dusty = add_dust(image, NOISY150_SPECKS, seed)
        dirty = replace(page, spec=replace(spec, jpeg_quality=NOISY150_QUALITY), image=dusty)
        return dirty.save(name.with_suffix(".jpg"))
    document = make_document(doc_type, seed, level, layout=layout)
    return document.page.save(name.with_suffix(".png" if level == "bilevel200" else ".jpg"))


def field_truth(doc_type: str, seed: int, layout: str) -> dict[str, str]:
    return make_document(doc_type, seed, "clean", layout=layout).fields


def score_fields(bench: BenchSet, level: str, seeds: range, work: Path) -> Tally:
    """Field precision/recall over the set's layouts, scored by benchmarks/fields.py's Tally."""
    tally = Tally()
    for doc_type, layouts in bench.layouts.items():
        for layout in layouts:
            for seed in seeds:
                read = read_document(field_document(level, doc_type, seed, layout, work))
                tally.add(
                    field_truth(doc_type, seed, layout),
                    read.values,
                    read.doc_type == doc_type,
                    read.doubted,
                )
    return tally


def run_level(level: str, seeds: range, work: Path) -> dict[str, Any]:
    readings = [read_bench(level, s, work) for s in seeds]
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


def field_columns(tally: Tally | None) -> dict[str, Any]:
    if tally is None:
        return {
            "documents": 0,
            "field_precision": None,
            "field_recall": None,
            "field_f1": None,
            "to_review": None,
            "wrong_unreviewed": None,
        }
    row = tally.row()
    return {
        "documents": row["documents"],
        "field_precision": row["precision"],
        "field_recall": row["recall"],
        "field_f1": row["f1"],
        "to_review": row["to_review"],
        "wrong_unreviewed": row["wrong_unreviewed"],
    }


def _mark(value: float | None, target: float | None, at_most: bool = True) -> str:
    if value is None:
        return "–"
    if target is None:
        return str(value)
    met = value <= target if at_most else value >= target
    return f"{value} {'✓' if met else '✗'}"


def _or_dash(value: float | None) -> str:
    return "–" if value is None else str(value)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Degradation benchmark (hoso, one job)",
        "",
        "Targets (issue 16): orientation 100 %; skew error (max) ≤ 0.1°; CER ≤ 0.01 clean and "
        "mild, ≤ 0.10 noisy150, ≤ 0.05 photo; field F1 ≥ 0.95 on held-out layouts. ✓ met, ✗ "
        "missed. *tuning*: the pages the code was measured on while it was changed; *held_out*: "
        "other seeds, another font and size, the held-out form layouts — never tuned on. "
        "Photo skew: what is left on the archived page after flattening and deskew. "
        "*to review*: share of the values read that wait for an officer; *wrong unchecked*: "
        "share of the values read that are wrong and do not (what reuse would take unchecked).",
        "",
        f"Run: `{' '.join(['python -m benchmarks.degradations', report.get('settings', '')])}`",
        "",
        "| set | level | pages | CER | CER max | orient. | skew err ° | skew max ° | "
        "forms | field P | field R | field F1 | to review | wrong unchecked | pages/min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for split, levels in report["sets"].items():
        for level, row in levels.items():
            f1_target = F1_TARGET if split == "held_out" else None
            lines.append(
                f"| {split} | {level} | {row['pages']} | "
                f"{_mark(row['cer'], CER_TARGET.get(level))} | {row['cer_max']} | "
                f"{row['orientation_accuracy']:.0%} "
                f"{'✓' if row['orientation_accuracy'] == 1.0 else '✗'} | "
                f"{row['skew_error_deg']} | {_mark(row['skew_error_max_deg'], SKEW_TARGET_DEG)} | "
                f"{row['documents']} | {row['field_precision'] or '–'} | "
                f"{row['field_recall'] or '–'} | "
                f"{_mark(row['field_f1'], f1_target, at_most=False)} | "
                f"{_or_dash(row.get('to_review'))} | {_or_dash(row.get('wrong_unreviewed'))} | "
                f"{row['pages_per_min']} |"
            )
    return "\n".join(lines) + "\n"


def comparison(before: dict[str, Any], after: dict[str, Any]) -> str:
    """A before → after table of the headline figures, for the levels both reports have."""
    keys = ["cer", "cer_max", "orientation_accuracy", "skew_error_max_deg", "field_f1"]
    lines = [
        "## Before → after",
        "",
        "| set | level | " + " | ".join(keys) + " |",
        "|---|---|" + "---|" * len(keys),
    ]
    for split, levels in after["sets"].items():
        for level, row in levels.items():
            old = before.get("sets", {}).get(split, {}).get(level)
            if old is None:
                continue
            cells = [f"{old.get(k, '–')} → {row.get(k, '–')}" for k in keys]
            lines.append(f"| {split} | {level} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _known(chosen: list[str]) -> list[str]:
    unknown = [lv for lv in chosen if lv not in ALL_LEVELS]
    if unknown:
        raise typer.BadParameter(f"unknown levels: {', '.join(unknown)}")
    return chosen


@app.command()
def main(
    levels: Annotated[str, typer.Option(help="Comma-separated levels.")] = ",".join(ALL_LEVELS),
    pages: Annotated[int, typer.Option(help="Pages per level and set (at most 3 / 4).")] = 3,
    field_levels: Annotated[str, typer.Option(help="Levels whose forms are read.")] = FIELD_LEVELS,
    documents: Annotated[
        int,
        typer.Option(help="Forms per layout and level (at most --pages; tuning 1, held-out 2)."),
    ] = 2,
    results: Annotated[Path, typer.Option(help="Folder for degradations.{json,md}.")] = (
        REPO / "benchmarks" / "results"
    ),
    baseline: Annotated[
        Path | None, typer.Option(help="An earlier degradations.json to compare with.")
    ] = None,
) -> None:
    chosen = _known(levels.split(","))
    with_fields = set(_known(field_levels.split(",")) if field_levels else []) & set(chosen)
    settings = f"--levels {levels} --pages {pages} --field-levels {field_levels} "
    report: dict[str, Any] = {"settings": settings + f"--documents {documents}", "sets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for split, bench in SETS.items():
            seeds = bench.seeds[:pages]
            doc_seeds = bench.seeds[: min(documents, pages, bench.forms_per_layout)]
            report["sets"][split] = {
                lv: {
                    **run_level(lv, seeds, work),
                    **field_columns(
                        score_fields(bench, lv, doc_seeds, work) if lv in with_fields else None
                    ),
                }
                for lv in chosen
            }
    results.mkdir(parents=True, exist_ok=True)
    (results / "degradations.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    text = markdown(report)
    if baseline is not None:
        text += "\n" + comparison(json.loads(baseline.read_text(encoding="utf-8")), report)
    (results / "degradations.md").write_text(text, encoding="utf-8")
    typer.echo(text)


if __name__ == "__main__":
    app()
