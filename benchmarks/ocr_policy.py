"""`python -m benchmarks.ocr_policy`: which OCR policy reads a page for the least CPU at best_int's
accuracy? best_int, fast, and fast-then-best (re-read unsure lines with best_int) at a few
confidence thresholds, on the exact images hoso's page step hands to the engine.

The images are captured once by running `process_page` with a recording engine (so deskew,
turning and cleanup are hoso's own), then every policy reads the same images. CPU seconds come from
getrusage, not the wall clock (the machine is shared); contenders are interleaved page by page in a
rotating order, several repeats, medians with the spread. CER is against the synthetic truth (the
tuning seeds, then held-out seeds nobody tuned on) and the real scans with a transcription.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from PIL import Image

from benchmarks.inputs import CORPUS_WITH_TRUTH
from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import OcrEngine, OcrPage, OrientationGuess, create_engine
from hoso.digitize.ocr.reread import FastThenBestEngine
from hoso.digitize.page import process_page, words_to_text
from hoso.digitize.triage import triage
from tests.conftest import corpus_dir
from tests.metrics import cer
from tests.synthetic import PageSpec, at_level, render_page

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
LEVELS = ["clean", "mild", "degraded", "bilevel200"]
TUNING_SEED, HELD_OUT_SEED = 1000, 7000
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@dataclass(frozen=True)
class OcrInput:
    """One image exactly as the page step handed it to the engine, with the page's truth."""

    name: str
    image: Image.Image
    dpi: int
    truth: str


class RecordingEngine:
    """Reads with best_int and keeps every image it was handed (a page may be tried twice)."""

    name = "tesserocr"

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine
        self.calls: list[tuple[Image.Image, int, OcrPage]] = []

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        page = self._engine.recognize(image, dpi)
        self.calls.append((image.copy(), dpi, page))
        return page

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        return self._engine.detect_orientation(image, dpi)


def policies(thresholds: list[float]) -> dict[str, Callable[[], OcrEngine]]:
    made: dict[str, Callable[[], OcrEngine]] = {
        "best_int": lambda: create_engine("tesserocr", "vie", "best_int"),
        "fast": lambda: create_engine("tesserocr", "vie", "fast"),
    }
    for t in thresholds:
        made[f"fast+best T={t:g}"] = lambda t=t: FastThenBestEngine("vie", threshold=t)  # type: ignore[misc]
    middle = thresholds[len(thresholds) // 2]
    made[f"fast+best T={middle:g} per line"] = lambda: FastThenBestEngine(
        "vie", threshold=middle, stacked=False
    )
    made[f"fast+best T={middle:g} trust best"] = lambda: FastThenBestEngine(
        "vie", threshold=middle, trust_best=True
    )
    return made


def capture(path: Path, truth: str, recorder: RecordingEngine, work: Path) -> OcrInput:
    """The image of the reading hoso kept: of the images it tried, the one best_int read best.
    Kept in `work` (lossless PNG) so a rerun times the same pixels without the page step."""
    saved, dpi_file = work / f"{path.name}.ocr.png", work / f"{path.name}.ocr.dpi"
    if not (saved.is_file() and dpi_file.is_file()):
        recorder.calls.clear()
        options = Options(lang="vie", model="best_int", jobs=1)
        process_page(triage([path], options)[0].tasks[0], options, recorder)
        image, dpi, _ = min(recorder.calls, key=lambda c: cer(truth, words_to_text(c[2].words)))
        image.save(saved)
        dpi_file.write_text(str(dpi))
    with Image.open(saved) as image:
        image.load()
        return OcrInput(name=path.name, image=image, dpi=int(dpi_file.read_text()), truth=truth)


def synthetic_inputs(
    level: str, first_seed: int, count: int, work: Path, recorder: RecordingEngine
) -> list[OcrInput]:
    rng = random.Random(f"ocr-policy-{level}-{first_seed}")
    inputs = []
    for i in range(count):
        spec = at_level(
            PageSpec(seed=first_seed + i, skew_deg=round(rng.gauss(0.0, 3.0), 2), body_lines=14),
            level,
        )
        page = render_page(spec)
        path = page.save(work / f"{level}-{spec.seed}.{'png' if spec.bilevel else 'jpg'}")
        inputs.append(capture(path, page.text, recorder, work))
    return inputs


def corpus_inputs(recorder: RecordingEngine, work: Path) -> list[OcrInput]:
    corpus = corpus_dir()
    return [
        capture(corpus / name, (corpus / truth).read_text(encoding="utf-8"), recorder, work)
        for name, truth in CORPUS_WITH_TRUTH.items()
        if (corpus / name).is_file()
    ]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    sets: dict[str, list[OcrInput]], engines: dict[str, OcrEngine], repeats: int
) -> dict[str, Any]:
    """Interleaved: every page is read by every policy before the next page, the policy order
    turning each repeat, so a burst of load on the shared machine falls on all of them alike."""
    names = list(engines)
    cpu: dict[tuple[str, str], list[float]] = {}
    text: dict[tuple[str, str, str], str] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    for rep in range(repeats):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for set_name, inputs in sets.items():
            for policy in order:
                cpu.setdefault((set_name, policy), []).append(0.0)
            for item in inputs:
                for policy in order:
                    engine = engines[policy]
                    before = _stats(engine)
                    start = cpu_seconds()
                    page = engine.recognize(item.image, item.dpi)
                    cpu[(set_name, policy)][-1] += cpu_seconds() - start
                    if rep == 0:
                        text[(set_name, policy, item.name)] = words_to_text(page.words)
                        after = _stats(engine)
                        total = counts.setdefault((set_name, policy), [0, 0, 0])
                        for i in range(3):
                            total[i] += after[i] - before[i]
    return {
        set_name: [
            _row(policy, inputs, cpu[(set_name, policy)], text, set_name, counts)
            for policy in names
        ]
        for set_name, inputs in sets.items()
    }


def _stats(engine: OcrEngine) -> tuple[int, int, int]:
    stats = getattr(engine, "stats", None)
    return (stats.lines, stats.reread, stats.replaced) if stats is not None else (0, 0, 0)


def _row(
    policy: str,
    inputs: list[OcrInput],
    cpu: list[float],
    text: dict[tuple[str, str, str], str],
    set_name: str,
    counts: dict[tuple[str, str], list[int]],
) -> dict[str, Any]:
    per_page = [c / len(inputs) for c in cpu]
    chars = sum(len(i.truth) for i in inputs)
    errors = sum(cer(i.truth, text[(set_name, policy, i.name)]) * len(i.truth) for i in inputs)
    lines, reread, replaced = counts.get((set_name, policy), [0, 0, 0])
    return {
        "policy": policy,
        "cpu_s_per_page": round(statistics.median(per_page), 3),
        "cpu_min": round(min(per_page), 3),
        "cpu_max": round(max(per_page), 3),
        "cer": round(errors / max(1, chars), 5),
        "page_cer": [round(cer(i.truth, text[(set_name, policy, i.name)]), 5) for i in inputs],
        "lines_reread_pct": round(100 * reread / lines, 1) if lines else None,
        "lines_replaced_pct": round(100 * replaced / lines, 1) if lines else None,
    }


def markdown(report: dict[str, Any]) -> str:
    out = [
        "# OCR policy: fast first, best_int where unsure",
        "",
        "Generated by `python -m benchmarks.ocr_policy`. " + report["machine"],
        "CPU s/page: the engine's `recognize` only (getrusage user+system), median of "
        f"{report['repeats']} interleaved repeats [min-max]. CER: all characters of the set "
        "against the truth (deterministic across repeats). Lines re-read: share of the fast read's "
        "text lines re-read with best_int (and, after the slash, whose words best_int's replaced).",
        "",
    ]
    for set_name, rows in report["sets"].items():
        out += [
            f"## {set_name} ({report['pages'][set_name]} pages)",
            "",
            "| policy | CPU s/page | CER | lines re-read / replaced |",
            "|---|---|---|---|",
        ]
        for row in rows:
            reread = (
                ""
                if row["lines_reread_pct"] is None
                else f"{row['lines_reread_pct']} % / {row['lines_replaced_pct']} %"
            )
            out.append(
                f"| {row['policy']} | {row['cpu_s_per_page']:.2f} "
                f"[{row['cpu_min']:.2f}-{row['cpu_max']:.2f}] | {100 * row['cer']:.3f} % "
                f"| {reread} |"
            )
        out.append("")
    return "\n".join(out + report.get("notes", [])) + "\n"


@app.command()
def main(
    pages: Annotated[int, typer.Option(help="Synthetic pages per level and per seed set.")] = 2,
    repeats: Annotated[int, typer.Option(help="Interleaved timing repeats.")] = 3,
    thresholds: Annotated[str, typer.Option(help="Comma-separated T values.")] = "0.6,0.75,0.9",
    only: Annotated[str, typer.Option(help="Measure only the sets whose name has this.")] = "",
    work: Annotated[Path, typer.Option(help="Scratch folder for the rendered pages.")] = Path(
        "/tmp/hoso-ocr-policy"
    ),
    out: Annotated[Path, typer.Option(help="Results stem (.md and .json).")] = RESULTS
    / "ocr_policy",
) -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    work.mkdir(parents=True, exist_ok=True)
    recorder = RecordingEngine(create_engine("tesserocr", "vie", "best_int"))
    sets: dict[str, list[OcrInput]] = {}
    for label, seed in (("tuning", TUNING_SEED), ("held-out", HELD_OUT_SEED)):
        for level in LEVELS:
            sets[f"{label} {level}"] = synthetic_inputs(level, seed, pages, work, recorder)
    real = corpus_inputs(recorder, work)
    if real:
        sets["real scans"] = real
    sets = {name: items for name, items in sets.items() if only in name}
    chosen = [float(t) for t in thresholds.split(",")]
    engines = {name: make() for name, make in policies(chosen).items()}
    report: dict[str, Any] = {
        "machine": f"{platform.node()}, {os.cpu_count()} cores, load average at start "
        f"{os.getloadavg()[0]:.1f}",
        "repeats": repeats,
        "pages": {name: len(items) for name, items in sets.items()},
        "sets": measure(sets, engines, repeats),
    }
    report["machine"] += f", at end {os.getloadavg()[0]:.1f}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    typer.echo(markdown(report))


if __name__ == "__main__":
    app()
