"""The fast-then-best OCR policy (digitize/ocr/reread.py) with real Tesseract models: it re-reads
only the lines the fast model doubts, takes best_int's words there, and keeps page coordinates."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageFilter

from hoso.digitize.models import Word
from hoso.digitize.ocr.reread import FastThenBestEngine
from hoso.digitize.ocr.tesserocr_engine import TesserocrEngine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page

DPI = 300
LINES = [
    ("serif", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("serif", "Độc lập - Tự do - Hạnh phúc"),
    ("serif", "Ông Nguyễn Văn Tuấn, sinh ngày 12 tháng 3 năm 1985 tại Đà Nẵng"),
    ("serif", "Nơi thường trú: số 17 đường Lê Duẩn, quận Hải Châu"),
]
SPOILED = 2  # the line blurred and speckled on purpose
# Where render_page prints line k: from 0.8 in down, one line every 1.45 x the 13-pt size.
SIZE_PX = round(13 * DPI / 72)
PITCH = int(SIZE_PX * 1.45)
TOP = int(0.8 * DPI)


@pytest.fixture(scope="module")
def policy() -> Iterator[FastThenBestEngine]:
    engine = FastThenBestEngine("vie", threshold=0.75)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def fast() -> Iterator[TesserocrEngine]:
    engine = TesserocrEngine(lang="vie", model="fast")
    yield engine
    engine.close()


def clean_page() -> Image.Image:
    return render_page(PageSpec(seed=3, height_in=2.6), LINES).image.convert("L")


def band(k: int) -> tuple[int, int]:
    return TOP + k * PITCH - 8, TOP + (k + 1) * PITCH - 8


def spoiled_page() -> Image.Image:
    """One line as a bad copy leaves it: blurred to mush and speckled; the others stay crisp."""
    page = clean_page()
    top, bottom = band(SPOILED)
    region = page.crop((0, top, page.width, bottom)).filter(ImageFilter.GaussianBlur(4.0))
    noise = np.random.default_rng(1).normal(0, 30, (region.height, region.width))
    pixels = np.clip(np.asarray(region, np.float32) + noise, 0, 255).astype(np.uint8)
    page.paste(Image.fromarray(pixels), (0, top))
    return page


def in_band(words: list[Word], k: int) -> list[Word]:
    top, bottom = band(k)
    return [w for w in words if top <= (w.top + w.bottom) / 2 < bottom]


def text_of(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def test_a_clean_page_is_read_once_with_the_fast_model(
    policy: FastThenBestEngine, fast: TesserocrEngine
) -> None:
    page = clean_page()
    before = policy.stats.reread
    read = policy.recognize(page, DPI)
    assert policy.stats.reread == before
    assert read.words == fast.recognize(page, DPI).words
    assert cer("\n".join(text for _, text in LINES), text_of(read.words)) < 0.01


def test_an_unsure_line_is_reread_with_best_int_and_keeps_page_coordinates(
    policy: FastThenBestEngine, fast: TesserocrEngine
) -> None:
    page = spoiled_page()
    truth = LINES[SPOILED][1]
    first = fast.recognize(page, DPI).words
    before_reread, before_replaced = policy.stats.reread, policy.stats.replaced
    words = policy.recognize(page, DPI).words

    assert min(w.confidence for w in in_band(first, SPOILED)) < policy.threshold
    assert policy.stats.reread > before_reread
    assert policy.stats.replaced > before_replaced
    assert cer(truth, text_of(in_band(words, SPOILED))) < cer(
        truth, text_of(in_band(first, SPOILED))
    )
    # The crisp lines are the fast model's words, untouched.
    for k in (0, 1, 3):
        assert in_band(words, k) == in_band(first, k)
    # Words read in the strip of cut-out lines come back where the line is on the page.
    top, bottom = band(SPOILED)
    for word in in_band(words, SPOILED):
        assert top - PITCH // 2 <= word.top < word.bottom <= bottom + PITCH // 2
        assert 0 < word.left < word.right < page.width
    lines = {w.line for w in in_band(words, SPOILED)}
    assert all(w.line not in lines for k in (0, 1, 3) for w in in_band(words, k))
