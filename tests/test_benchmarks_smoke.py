"""The benchmark harness runs end to end (hoso only, one tiny set). No timing is asserted here:
benchmarks report numbers, tests assert behaviour."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from benchmarks.inputs import images_to_pdf
from benchmarks.service import variants
from tests.synthetic import PageSpec, render_page

REPO = Path(__file__).resolve().parent.parent


def test_images_are_wrapped_losslessly(tmp_path: Path) -> None:
    jpeg = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.jpg")
    bilevel = render_page(PageSpec(seed=2, dpi=100, body_lines=1, bilevel=True)).save(
        tmp_path / "b.png"
    )
    images_to_pdf([jpeg, bilevel], tmp_path / "set.pdf")
    with pikepdf.open(tmp_path / "set.pdf") as pdf:
        first = pdf.pages[0].Resources.XObject.Im0
        assert first.read_raw_bytes() == jpeg.read_bytes()  # the JPEG itself, not a re-encode
        assert pdf.pages[1].Resources.XObject.Im0.BitsPerComponent == 1
        assert float(pdf.pages[0].mediabox[2]) == pytest.approx(8.27 * 72, abs=1)


def test_throughput_scans_are_all_different_files(tmp_path: Path) -> None:
    """The archive never digitizes a repeated file, so a throughput benchmark built from a few
    rendered pages must still hand it as many different files as it counts pages (it once made
    36 different files of 160, and the 16-core figures measured a quarter of the OCR)."""
    pages = [render_page(PageSpec(seed=n, dpi=100, body_lines=2)).image for n in range(2)]
    folder = variants(pages, tmp_path / "scans", 150)
    contents = {path.read_bytes() for path in folder.iterdir()}
    assert len(contents) == 150


@pytest.mark.slow
def test_harness_writes_json_markdown_and_ratios(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "benchmarks", "--levels", "clean", "--pages", "1",
        "--latency-pages", "1", "--contenders", "hoso", "--no-corpus",
        "--work", str(tmp_path / "work"), "--results", str(tmp_path / "results"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "results" / "latest.json").read_text(encoding="utf-8"))
    (row,) = report["sets"][0]["results"]
    assert row["contender"] == "hoso" and row["pages"] == 1
    assert row["cer"] is not None and row["orientation_accuracy"] is not None
    assert "| hoso |" in (tmp_path / "results" / "latest.md").read_text(encoding="utf-8")


def test_ui_speed_reports_the_officer_pages(tmp_path: Path) -> None:
    """`benchmarks.ui_speed` seeds a small index (SQLite) and reports each page's timings."""
    command = [
        sys.executable, "-m", "benchmarks.ui_speed", "--documents", "200", "--repeats", "1",
        "--results", str(tmp_path),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "ui_speed.json").read_text(encoding="utf-8"))
    assert report["documents"] == 200 and "search: a name" in report["pages"]
    assert "| list: newest first |" in (tmp_path / "ui_speed.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_degradations_reports_every_level_and_split(tmp_path: Path) -> None:
    """`benchmarks.degradations` on one clean page per split writes both reports."""
    command = [
        sys.executable, "-m", "benchmarks.degradations", "--levels", "clean", "--pages", "1",
        "--results", str(tmp_path),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "degradations.json").read_text(encoding="utf-8"))
    for split in ("tuning", "held_out"):
        row = report["sets"][split]["clean"]
        assert row["pages"] == 1 and row["cer"] is not None and row["orientation_accuracy"] == 1.0
    assert "| held_out | clean |" in (tmp_path / "degradations.md").read_text(encoding="utf-8")
