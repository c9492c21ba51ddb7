"""Tesseract models shipped with hoso. Data only: nothing here is downloaded at run time.

Layout: one tessdata folder per model quality (`best_int/`, `fast/`), each holding the recognition
languages, and `osd/` for orientation detection, which is a separate API object. See PROVENANCE.md.
"""

from __future__ import annotations

from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
QUALITIES = ("best_int", "fast")
# Chosen by benchmark (benchmarks/results/models.md): best_int made half the errors of fast on
# degraded and bilevel pages (CER 0.22 % vs 0.48 %, 0.16 % vs 0.31 %) at 13-30 % lower speed.
DEFAULT_QUALITY = "best_int"


def tessdata_dir(quality: str = DEFAULT_QUALITY) -> Path:
    if quality not in QUALITIES:
        raise ValueError(f"unknown model quality {quality!r}; choose one of {', '.join(QUALITIES)}")
    return MODELS_DIR / quality


def osd_dir() -> Path:
    return MODELS_DIR / "osd"


def languages(quality: str = DEFAULT_QUALITY) -> list[str]:
    return sorted(p.stem for p in tessdata_dir(quality).glob("*.traineddata"))
