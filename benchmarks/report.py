"""Benchmark results as JSON (for machines), a Markdown table (for the README) and a PNG plot."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

COLUMNS = [
    ("contender", "contender"),
    ("pages/min", "pages_per_min"),
    ("s/page median", "s_per_page_median"),
    ("s/page p95", "s_per_page_p95"),
    ("warm s/page", "warm_s_per_page_median"),
    ("CER", "cer"),
    ("WER", "wer"),
    ("orientation", "orientation_accuracy"),
    ("skew err mean/max °", "skew_error"),
    ("bytes/page", "bytes_per_page"),
    ("image CER", "image_cer"),
    ("peak MB", "peak_rss_mb"),
]


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    by_name = {row["contender"]: row for row in rows}
    hoso = by_name.get("hoso", {})
    out: dict[str, float] = {}
    for other in ("ocrmypdf", "tesseract"):
        row = by_name.get(other)
        if not row or not hoso:
            continue
        for key in (
            "pages_per_min",
            "s_per_page_median",
            "warm_s_per_page_median",
            "bytes_per_page",
            "cer",
            "image_cer",
        ):
            mine, theirs = hoso.get(key), row.get(key)
            if isinstance(mine, int | float) and isinstance(theirs, int | float) and theirs:
                out[f"hoso/{other} {key}"] = round(mine / theirs, 2)
    return out


def _cell(row: dict[str, Any], key: str) -> str:
    if key == "skew_error":
        mean, worst = row.get("skew_error_mean_deg"), row.get("skew_error_max_deg")
        return "–" if mean is None else f"{mean:.3f} / {worst:.3f}"
    value = row.get(key)
    if value is None:
        return "–"
    if key in ("cer", "wer", "image_cer"):
        return f"{100 * value:.2f} %"
    if key == "orientation_accuracy":
        return f"{100 * value:.0f} %"
    return str(value)


def markdown(report: list[dict[str, Any]], env: dict[str, Any]) -> str:
    lines = [f"# hoso benchmark — {env['date']}", ""]
    for block in report:
        lines += [f"## {block['set']}", ""]
        lines.append("| " + " | ".join(title for title, _ in COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        for row in block["results"]:
            lines.append("| " + " | ".join(_cell(row, key) for _, key in COLUMNS) + " |")
        lines.append("")
        for name, value in block.get("ratios", {}).items():
            lines.append(f"- {name}: **{value}**")
        for note in block.get("notes", []):
            lines.append(f"- note: {note}")
        lines.append("")
    lines += ["## How these numbers were obtained", ""]
    lines += [f"- {key}: {value}" for key, value in env.items()]
    lines += [
        "- throughput: one multi-page PDF per set (the same file for every contender), `--jobs`;",
        "  latency: single pages with one job each (includes program start-up);",
        "  raw Tesseract reads the straight, unrotated originals (the OCR-only floor);",
        "- CER/WER: Levenshtein over NFC text with whitespace folded (tests/metrics.py);",
        "- image CER: the archived copy's legibility, what Tesseract (best_int) reads off each",
        "  output page drawn by PDFium at 300 dpi, text layer ignored (benchmarks/legibility.py);",
        "- reproduce: `make bench` (or `.venv/bin/python -m benchmarks --help`).",
        "",
    ]
    return "\n".join(lines)


def plot(report: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = [block["set"] for block in report]
    contenders = ["hoso", "ocrmypdf", "tesseract"]
    figure, (speed, accuracy) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.27
    for i, name in enumerate(contenders):
        seconds, errors = [], []
        for block in report:
            row: dict[str, Any] = next((r for r in block["results"] if r["contender"] == name), {})
            ppm = row.get("pages_per_min")
            seconds.append(60.0 / ppm if ppm else 0.0)
            errors.append(100 * row["cer"] if row.get("cer") is not None else 0.0)
        positions = [x + (i - 1) * width for x in range(len(sets))]
        speed.bar(positions, seconds, width, label=name)
        accuracy.bar(positions, errors, width, label=name)
    for axis, title in (
        (speed, "seconds per page (throughput, lower is better)"),
        (accuracy, "CER % (lower is better)"),
    ):
        axis.set_xticks(range(len(sets)), sets, rotation=20, ha="right", fontsize=8)
        axis.set_title(title, fontsize=10)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(report: list[dict[str, Any]], env: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    env = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), **env}
    for block in report:
        block["ratios"] = ratios(block["results"])
    (folder / "latest.json").write_text(
        json.dumps({"environment": env, "sets": report}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    (folder / "latest.md").write_text(markdown(report, env), encoding="utf-8")
    with contextlib.suppress(ImportError):  # matplotlib comes with `make bench`
        plot(report, folder / "latest.png")
