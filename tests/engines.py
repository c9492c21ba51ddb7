"""Fault injection at the OCR engine seam: a real engine (best_int unless told) with one thing
changed by a subclass's `recognize`, which reads through `super().recognize`."""

from __future__ import annotations

from PIL import Image

from hoso.digitize.ocr.engine import OcrPage, OrientationGuess, create_engine


class RealEngine:
    name = "tesserocr"

    def __init__(self, lang: str = "vie", model: str = "best_int") -> None:
        self._real = create_engine("tesserocr", lang, model)

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        return self._real.recognize(image, dpi)

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        return self._real.detect_orientation(image, dpi)
