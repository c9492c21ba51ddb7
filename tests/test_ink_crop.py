"""Tesseract reads only the part of a page that has ink (issue 18): the same words, in the same
places of the whole page, for fewer pixels of thresholding and layout analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.degradations import field_document
from hoso.digitize import cleanup
from hoso.digitize.models import Options, Word
from hoso.digitize.ocr.engine import create_engine
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page


def _recognition_image(spec: PageSpec) -> tuple[Image.Image, str]:
    page = render_page(spec)
    gray = np.asarray(page.image.convert("L"))
    return cleanup.prepare_for_ocr(gray, 1.0, bilevel=False), page.text


def test_a_page_printed_on_its_upper_part_is_read_cut_with_the_same_words_in_place() -> None:
    image, text = _recognition_image(PageSpec(seed=811, dpi=200, body_lines=5))
    cut = cleanup.ink_crop(image)
    assert cut.image.height < 0.7 * image.height and cut.top > 0  # the blank lower part is gone
    engine = create_engine("tesserocr", "vie", "best_int")
    whole = engine.recognize(image, 200).words
    placed = cut.to_whole(engine.recognize(cut.image, 200).words)
    assert cer(text, " ".join(w.text for w in placed)) <= cer(text, " ".join(w.text for w in whole))
    matched = [
        word
        for word in placed
        if any(w.text == word.text and _near(_box(w), _box(word)) for w in whole)
    ]
    assert len(matched) >= 0.9 * len(placed) > 20


def _box(word: Word) -> tuple[int, int, int, int]:
    return word.left, word.top, word.right, word.bottom


def _near(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 3


def test_a_page_without_ink_or_inked_to_its_edges_is_read_whole() -> None:
    blank = Image.new("L", (800, 1000), 255)
    assert cleanup.ink_crop(blank).image is blank
    framed = np.full((1000, 800), 255, np.uint8)
    framed[:4, :] = framed[-4:, :] = 0  # a scanner's dark edges, top and bottom
    framed[300:320, 100:700] = 0
    image = Image.fromarray(framed)
    cut = cleanup.ink_crop(image)
    assert cut.image is image and (cut.left, cut.top) == (0, 0)


def test_a_small_print_photo_keeps_each_line_s_first_word(tmp_path: Path) -> None:
    """A phone photo of a form at ~100 dpi, read cut with only the 24-px margin, lost the "Giới"
    of "Giới tính: Nữ" (and the form its sex field); the cut keeps twice that."""
    photo = field_document("photo", "application", 1, "plain", tmp_path)
    text = digitize([photo], Options(jobs=1)).pages[0].text
    assert "Giới tính: Nữ" in text
