"""Damaged copies of real files: cut short or with bytes flipped. Whatever happens, the outcome is
a result or one of hoso's typed errors (a clear message and exit code) — never a stray exception,
and a page decoded from damaged image data says so."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from hoso.errors import HosoError

pytestmark = pytest.mark.corpus

SOURCES = [
    "epson.pdf", "francais.pdf", "palette.pdf", "3small.pdf", "scotus-transcript-p1.pdf",
    "vn-congvan-1906-p1.jpg", "phototest.tif", "g4-multi.tiff", "baiona_alpha.png",
]  # fmt: skip


def damaged_copies(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    copies = [data[: len(data) // 2], data[: int(len(data) * 0.97)]]
    for _ in range(2):
        flipped = bytearray(data)
        for _ in range(20):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        copies.append(bytes(flipped))
    return copies


@pytest.mark.slow
@pytest.mark.parametrize("name", SOURCES)
def test_damaged_files_fail_cleanly_or_are_processed(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    for number, data in enumerate(damaged_copies((corpus / name).read_bytes(), seed=len(name))):
        path = tmp_path / f"{number}-{name}"
        path.write_bytes(data)
        try:
            document = digitize([path], Options(jobs=1))
        except HosoError as error:
            assert error.exit_code in (3, 5, 7), (path.name, error)
            continue
        assert document.pages, path.name
