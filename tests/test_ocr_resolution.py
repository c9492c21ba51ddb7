"""The size at which a page is handed to Tesseract (issue 18: less recognition work at the same
accuracy). Tesseract's LSTM reads every line scaled to 36 px, so large print is handed over with
its glyphs at about 20 px (`resolution.OCR_TARGET_GLYPH_PX`); print already near that size is left
alone. Real Tesseract reads the pages through the whole pipeline; the engine only records what
it was given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hoso.digitize import resolution
from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options
from hoso.digitize.ocr.engine import OcrEngine, OcrPage
from hoso.digitize.pipeline import digitize
from hoso.digitize.resolution import median_glyph_height
from tests.engines import RealEngine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page


class RecordingEngine(RealEngine):
    """Real best_int recognition that keeps every image it is handed."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.images: list[Image.Image] = []

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        self.images.append(image.copy())
        return super().recognize(image, dpi)


def _read(spec: PageSpec, tmp_path: Path) -> tuple[float, float, float]:
    """CER of the page, its glyph height as printed and as handed to the engine (px)."""
    page = render_page(spec)
    engine = RecordingEngine()

    def factory(_: Options) -> OcrEngine:
        return engine

    result = digitize([page.save(tmp_path / "page.png")], Options(jobs=1), engine_factory=factory)
    printed = median_glyph_height(find_glyphs(np.asarray(page.image.convert("L"))))
    handed = median_glyph_height(find_glyphs(np.asarray(engine.images[0])))
    assert printed is not None and handed is not None
    return cer(page.text, result.pages[0].text), printed, handed


@pytest.mark.parametrize("font_pt", [13.0, 18.0])
def test_large_print_is_read_smaller_and_loses_nothing(font_pt: float, tmp_path: Path) -> None:
    error, printed, handed = _read(
        PageSpec(seed=41, dpi=300, font_pt=font_pt, body_lines=6, skew_deg=1.1), tmp_path
    )
    assert printed > 25, printed
    assert handed == pytest.approx(20.0, abs=2.5), handed
    assert error <= 0.005, error


def test_print_near_the_target_size_is_not_resized(tmp_path: Path) -> None:
    error, printed, handed = _read(PageSpec(seed=42, dpi=200, body_lines=6), tmp_path)
    assert printed < 20.5, printed
    assert handed == pytest.approx(printed, abs=0.5), (printed, handed)
    assert error <= 0.005, error


def test_enlarging_is_for_small_images_of_small_print() -> None:
    """10-px print is enlarged on a phone photo's 1100 x 1500 px, but a page already as large
    as an A4 scan at 300 dpi is not: there such "letters" are a halftone's dots or grain; nor
    is a page whose glyphs are not in words (scanner grain measured as print)."""
    photo = resolution.ocr_scale(10.0, bilevel=False, pixels=1100 * 1500, in_words=True)
    assert photo == pytest.approx(1.6)
    assert resolution.ocr_scale(10.0, bilevel=False, pixels=2480 * 3508, in_words=True) == 1.0
    between = resolution.ocr_scale(10.0, bilevel=False, pixels=2000 * 2800, in_words=True)
    assert 1.0 < between < 1.6 and (2000 * 2800) * between**2 <= 2480 * 3508 + 1
    assert resolution.ocr_scale(10.0, bilevel=False, pixels=1100 * 1500, in_words=False) == 1.0
    shrunk = resolution.ocr_scale(30.0, bilevel=False, pixels=4960 * 7016, in_words=True)
    assert shrunk < 1.0  # shrinking stays
