"""The `hoso digitize` contract: outputs, JSON shape, exit codes, no traceback, no partial files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.synthetic import PageSpec, render_page

REPO = Path(__file__).resolve().parent.parent


def hoso(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hoso", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=300,
    )


def test_help_lists_exit_codes() -> None:
    result = hoso("digitize", "--help")
    assert result.returncode == 0
    assert "--json" in result.stdout and "--jobs" in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.slow
def test_digitize_writes_pdf_and_json_contract(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=61, dpi=150, body_lines=3, skew_deg=2.0, rotation=270))
    source = page.save(tmp_path / "scan.jpg")
    out_pdf, out_json = tmp_path / "out" / "doc.pdf", tmp_path / "doc.json"
    result = hoso("digitize", source, "-o", out_pdf, "--json", out_json, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert out_pdf.read_bytes().startswith(b"%PDF-1.7")
    data = json.loads(out_json.read_text(encoding="utf-8"))
    import hashlib

    assert data["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    (only,) = data["pages"]
    assert set(only) >= {
        "number",
        "rotation",
        "skew_deg",
        "dpi",
        "text_source",
        "mean_confidence",
        "text",
    }
    assert only["number"] == 1 and only["rotation"] == 270 and only["text_source"] == "ocr"
    assert abs(only["skew_deg"] - 2.0) <= 0.1
    assert only["dpi"] == 150
    assert "Độc lập - Tự do - Hạnh phúc" in only["text"]


@pytest.mark.parametrize(
    ("content", "name", "code", "words"),
    [
        (b"", "empty.pdf", 3, "empty"),
        (b"just some notes\n", "notes.pdf", 7, "not a PDF"),
        (b"%PDF-1.4\n%%EOF\n", "broken.pdf", 3, "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cut.png", 3, "damaged"),
    ],
)
def test_bad_input_gives_its_exit_code_and_no_output(
    tmp_path: Path, content: bytes, name: str, code: int, words: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.pdf"
    result = hoso("digitize", source, "-o", out)
    assert result.returncode == code, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no partial or temporary file left behind


def test_missing_file_and_bad_option() -> None:
    assert hoso("digitize", "/nonexistent/scan.pdf", "-o", "/tmp/x.pdf").returncode == 3
    bad = hoso("digitize", "x.pdf", "-o", "y.pdf", "--engine", "nope")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert hoso("digitize", "x.pdf").returncode == 2  # -o is required


def test_unknown_language_is_a_clear_ocr_error(tmp_path: Path) -> None:
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    result = hoso("digitize", source, "-o", tmp_path / "o.pdf", "--lang", "xyz")
    assert result.returncode == 6
    assert "no OCR model for language xyz" in result.stderr
