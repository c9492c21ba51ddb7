"""The OCR engine seam. The pipeline talks to `OcrEngine` only; which Tesseract binding sits behind
it is a constructor argument, so tests and benchmarks can swap engines or inject failing ones."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from hoso.digitize.errors import OcrError, OcrModelMissingError, OcrTooSlowError
from hoso.digitize.models import Word
from hoso.ocr_models import osd_dir, tessdata_dir

ENGINES = ("tesserocr", "pytesseract")
# One recognition may run this long; past it Tesseract is stopped and the page fails with a
# reason (`OcrTooSlowError`): a page of pure noise or a huge image could otherwise hold a page
# process, and with it other stations' documents, for as long as it liked (a reviewing
# helper's concern). A dense A4 page at 300 dpi reads in 1-5 s.
OCR_TIME_LIMIT_S = 300.0


def too_slow(limit_s: float) -> OcrTooSlowError:
    return OcrTooSlowError(
        f"reading the page took over {limit_s:g} s and was stopped: it may be mostly noise or "
        "far larger than a paper; rescan it"
    )


@dataclass(frozen=True)
class OcrPage:
    words: list[Word]

    @property
    def characters(self) -> int:
        return sum(len(w.text) for w in self.words)

    @property
    def mean_confidence(self) -> float:
        """Character-weighted, so a page of long confident words is not dragged down by specks."""
        total = self.characters
        if total == 0:
            return 0.0
        return sum(w.confidence * len(w.text) for w in self.words) / total


@dataclass(frozen=True)
class OrientationGuess:
    rotation: int  # counter-clockwise turn of the received page from upright: 0, 90, 180, 270
    confidence: float  # Tesseract OSD orientation confidence (roughly 0-30; > ~5 is trustworthy)


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage: ...

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None: ...


def check_languages(lang: str, model: str) -> None:
    folder = tessdata_dir(model)
    missing = [code for code in lang.split("+") if not (folder / f"{code}.traineddata").is_file()]
    if missing:
        have = ", ".join(sorted(p.stem for p in folder.glob("*.traineddata")))
        raise OcrModelMissingError(
            f"no OCR model for language {', '.join(missing)} in {folder}; available: {have}"
        )
    if not (osd_dir() / "osd.traineddata").is_file():
        raise OcrModelMissingError(f"the orientation model is missing from {osd_dir()}")


def osd_to_rotation(orient_deg: int) -> int:
    """Tesseract OSD reports the page's turn measured clockwise (a page turned 90° counter-clockwise
    comes back as 270, checked on phototest-rotated-L); we report it counter-clockwise."""
    return (360 - int(orient_deg)) % 360


def make_word(
    text: str, box: tuple[int, int, int, int], confidence: float, line: int
) -> Word | None:
    clean = unicodedata.normalize("NFC", text).strip()
    if not clean:
        return None
    left, top, right, bottom = box
    return Word(
        text=clean,
        left=int(left),
        top=int(top),
        right=int(right),
        bottom=int(bottom),
        confidence=max(0.0, min(1.0, float(confidence) / 100.0)),
        line=line,
    )


def check_engine_options(name: str, lang: str, model: str) -> None:
    """Refuse an unknown engine or missing model before any page is touched."""
    if name not in ENGINES:
        raise OcrError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")
    check_languages(lang, model)


def create_engine(name: str, lang: str, model: str) -> OcrEngine:
    check_engine_options(name, lang, model)
    if name == "tesserocr":
        from hoso.digitize.ocr.tesserocr_engine import TesserocrEngine

        return TesserocrEngine(lang=lang, model=model)
    if name == "pytesseract":
        from hoso.digitize.ocr.pytesseract_engine import PytesseractEngine

        return PytesseractEngine(lang=lang, model=model)
    raise OcrError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")
