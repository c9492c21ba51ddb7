"""The `hoso digitize` contract: outputs, JSON shape, exit codes, no traceback, no partial files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hoso.api.commands.common import counted, shown
from hoso.errors import ExitCode
from tests.cli import run_hoso
from tests.synthetic import PageSpec, render_page


def test_help_lists_exit_codes() -> None:
    result = run_hoso("digitize", "--help")
    assert "--json" in result.stdout and "--jobs" in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.slow
def test_counts_are_written_as_people_write_them() -> None:
    """`hoso upload` said "sent 1 files" (a new deployer's report)."""
    assert [counted(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]


def test_digitize_writes_pdf_and_json_contract(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=61, dpi=150, body_lines=3, skew_deg=2.0, rotation=270))
    source = page.save(tmp_path / "scan.jpg")
    out_pdf, out_json = tmp_path / "out" / "doc.pdf", tmp_path / "doc.json"
    result = run_hoso("digitize", source, "-o", out_pdf, "--json", out_json, "--quiet")
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
        (b"", "empty.pdf", ExitCode.UNREADABLE_INPUT, "empty"),
        (b"just some notes\n", "notes.pdf", ExitCode.UNSUPPORTED_INPUT, "not a PDF"),
        (b"%PDF-1.4\n%%EOF\n", "broken.pdf", ExitCode.UNREADABLE_INPUT, "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cut.png", ExitCode.UNREADABLE_INPUT, "damaged"),
    ],
)
def test_bad_input_gives_its_exit_code_and_no_output(
    tmp_path: Path, content: bytes, name: str, code: ExitCode, words: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.pdf"
    result = run_hoso("digitize", source, "-o", out, expect=code)
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no partial or temporary file left behind


def test_missing_file_and_bad_option() -> None:
    run_hoso(
        "digitize", "/nonexistent/scan.pdf", "-o", "/tmp/x.pdf", expect=ExitCode.UNREADABLE_INPUT
    )
    bad = run_hoso(
        "digitize", "x.pdf", "-o", "y.pdf", "--engine", "nope", expect=ExitCode.BAD_ARGUMENTS
    )
    assert "Traceback" not in bad.stderr
    run_hoso("digitize", "x.pdf", expect=ExitCode.BAD_ARGUMENTS)  # -o is required


def test_unknown_language_is_a_clear_ocr_error(tmp_path: Path) -> None:
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    result = run_hoso(
        "digitize", source, "-o", tmp_path / "o.pdf", "--lang", "xyz", expect=ExitCode.OCR_FAILED
    )
    assert "no OCR model for language xyz" in result.stderr


def test_a_command_says_where_it_made_a_new_archive_once(tmp_path: Path) -> None:
    """A data folder named by HOSO_DATA_DIR is made when missing, and the first command there
    says where (later ones stay quiet). Without it, see `test_web_foundation`'s command run
    away from the archive: refused, not made."""
    env = {"PATH": "/usr/bin:/bin", "HOSO_DATA_DIR": str(tmp_path / "archive")}
    first = run_hoso("stats", "--json", env=env, cwd=tmp_path)
    assert f"new data folder at {tmp_path / 'archive'}" in first.stderr
    assert (tmp_path / "archive" / "hoso.sqlite").is_file()
    again = run_hoso("stats", "--json", env=env, cwd=tmp_path)
    assert "new data folder" not in again.stderr


@pytest.mark.parametrize("output_is", ["the input", "a link to the input"])
def test_an_output_never_overwrites_an_input(tmp_path: Path, output_is: str) -> None:
    """`-o` naming the scan itself destroyed the original, a signed PDF included (an attacking
    helper's finding): refused before any work, the original byte for byte as it was."""
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    before = source.read_bytes()
    target = source
    if output_is == "a link to the input":
        target = tmp_path / "b.png"
        target.symlink_to(source)
    result = run_hoso("digitize", source, "-o", target, expect=ExitCode.BAD_ARGUMENTS)
    assert "is an input" in result.stderr
    json_too = run_hoso("digitize", source, "-o", tmp_path / "o.pdf", "--json", source,
                        expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "is an input" in json_too.stderr
    assert source.read_bytes() == before
    assert not (tmp_path / "o.pdf").exists()


def test_the_json_and_the_pdf_need_two_names(tmp_path: Path) -> None:
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    out = tmp_path / "o.pdf"
    result = run_hoso("digitize", source, "-o", out, "--json", out, expect=ExitCode.BAD_ARGUMENTS)
    assert "two names" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("lang", ["vie+", "", "+eng", "vie eng"])
def test_a_malformed_language_list_is_a_bad_argument(tmp_path: Path, lang: str) -> None:
    """`--lang vie+` exited 6, "no OCR model for language  in …": it is the argument's fault."""
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    result = run_hoso("digitize", source, "-o", tmp_path / "o.pdf", "--lang", lang,
                      expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert "--lang" in result.stderr


def test_a_long_output_name_the_file_system_takes_is_written(tmp_path: Path) -> None:
    """A 253-byte name (83 Vietnamese letters) is legal, but its temporary twin, ~15 bytes
    longer, was not: the run failed "File name too long" on the user's valid name."""
    source = render_page(PageSpec(seed=1, dpi=100, body_lines=1)).save(tmp_path / "a.png")
    out = tmp_path / ("ả" * 83 + ".pdf")
    assert len(out.name.encode()) == 253
    run_hoso("digitize", source, "-o", out, "-q")
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.png", out.name])


@pytest.mark.slow
def test_digitize_prints_its_json_on_stdout_when_told_dash(tmp_path: Path) -> None:
    """`--json -` wrote a file named "-" (a new user's finding); it now means stdout."""
    source = render_page(PageSpec(seed=62, dpi=150, body_lines=2)).save(tmp_path / "scan.jpg")
    result = run_hoso("digitize", source, "-o", tmp_path / "doc.pdf", "--json", "-", "-q",
                      cwd=tmp_path)  # fmt: skip
    assert json.loads(result.stdout)["pages"][0]["number"] == 1
    assert not (tmp_path / "-").exists()


def test_the_command_line_starts_without_loading_the_service() -> None:
    """Every `hoso` command (a station's `hoso upload` too) pays the start of the command line:
    the index, the API's schemas, the store client and the image stack load only when a
    command runs that needs them (they cost ~0.6 s of a 0.7 s start before)."""
    heavy = ["sqlalchemy", "pydantic", "fastapi", "minio", "cv2", "numpy", "pikepdf", "dbos"]
    probe = f"import sys, hoso.api.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert loaded.stdout.strip() == "[]"


def test_a_file_names_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    """A name holding a newline and an escape sequence ("\\x1b[31m": red) came out raw in the
    warnings: one warning read as two lines, and the terminal was recoloured (a helper's
    file). Control characters are shown as their codes, markup as text."""
    page = render_page(PageSpec(seed=77, dpi=150, body_lines=3))
    hostile = tmp_path / "scan\n\x1b[31m[bold]RED\x07.png"
    page.image.save(hostile, dpi=(150, 150))
    result = run_hoso("digitize", hostile, hostile, "-o", tmp_path / "out.pdf")
    said = [line for line in result.stderr.splitlines() if "given twice" in line]
    assert len(said) == 1, result.stderr  # the warning naming it stays one line
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[31m[bold]RED\\x07.png" in said[0]


def test_a_direction_mark_in_a_name_is_shown_as_its_code() -> None:
    """U+202E turns what follows ("report\\u202egnp.exe" shows as "reportexe.png")."""
    assert shown("report\u202egnp.exe") == "report\\x202egnp.exe"
    assert shown("[red]x") == "\\[red]x"  # markup as text


def test_serve_on_a_taken_port_says_so_and_changes_nothing(tmp_path: Path) -> None:
    """A second `hoso serve` on a port in use: uvicorn had said it in its own words and exited
    3, "unreadable or corrupt input" (a new user's finding). Now: bad arguments, what to do,
    and no data folder made."""
    import os
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
        result = run_hoso("serve", "--port", str(port), env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "--port" in result.stderr and "port_in_use" in result.stderr
    assert not (tmp_path / "var").exists()


def test_the_first_start_hint_names_hoso_as_it_was_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` starts `.venv/bin/hoso`; the hint said `hoso user create …`, which a new shell
    does not find (helper-76)."""
    from hoso.api.commands.service import _as_invoked

    venv_hoso = tmp_path / ".venv" / "bin" / "hoso"
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setattr("sys.argv", [str(venv_hoso), "serve"])
    assert _as_invoked() == str(venv_hoso)
    monkeypatch.setattr("sys.argv", [str(tmp_path / "hoso" / "__main__.py"), "serve"])
    assert _as_invoked() == "hoso"
