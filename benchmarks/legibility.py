"""How legible a contender's archived page images are: the text raw Tesseract reads off them.

Output size is only comparable at equal legibility (issue 18): a copy can always be made smaller
by throwing the letters' edges away. Each page of a contender's PDF is drawn by PDFium (as a
viewer shows it: placed, turned, over its paper) at 300 dpi and read by the same engine and
model, with Tesseract's own layout analysis; the text layer is not looked at. CER against the
truth is that copy's legibility.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pypdfium2 as pdfium

from hoso.digitize.ocr.engine import OcrEngine, create_engine
from tests.metrics import cer

RENDER_DPI = 300


def image_cer(pdf_path: Path | None, truths: list[str | None], engine: OcrEngine) -> float | None:
    """Mean CER of what the engine reads off each drawn page that has a truth."""
    if pdf_path is None or not pdf_path.is_file():
        return None
    document = pdfium.PdfDocument(pdf_path)
    try:
        if len(document) != len(truths):
            return None
        errors = []
        for index, truth in enumerate(truths):
            if truth is None:
                continue
            image = document[index].render(scale=RENDER_DPI / 72).to_pil().convert("L")
            text = " ".join(word.text for word in engine.recognize(image, RENDER_DPI).words)
            errors.append(cer(truth, text))
    finally:
        document.close()
    return statistics.fmean(errors) if errors else None


def reader() -> OcrEngine:
    return create_engine("tesserocr", "vie", "best_int")
