"""Low resolution with noise (issue 16): 150-dpi pages with blur, yellowed paper, noise, dust and
JPEG must read at CER <= 0.10, and clean pages must lose nothing. Pages are made here
(benchmarks.degradations.make_page); real Tesseract reads them through the whole pipeline.

Tuned on: seeds 1-3 (benchmarks.degradations `tuning`), where noisy pages read at CER 0.21-0.28
before `cleanup.remove_dust` and 0.07 after. Held out: the benchmark pages of seeds 100-103 (skew
and turn as the benchmark draws them), measured once after the change: mean 0.083, max 0.096.
The held-out page of seed 100 skewed by 1.2° instead reads at 0.16: this level is at the edge.
Since the held-out pages are printed in sans 12 pt (benchmarks.degradations `SETS`), the test
of that target keeps the serif print its numbers were measured on.

Dust-proof glyph height and a once-per-page dust decision (`ink.find_glyphs`, `cleanup.plan_dust`):
tuned on the same tuning pages; held-out seeds 100-103 measured after: CER 0.105 → 0.091.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from benchmarks.degradations import (
    NOISY150_SPECKS,
    SETS,
    bench_page,
    dusty_page,
    field_document,
    make_page,
)
from hoso.digitize.cleanup import NO_DUST, plan_dust, remove_dust
from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options
from hoso.digitize.page_warnings import NOTHING_READ
from hoso.digitize.pipeline import digitize
from hoso.digitize.resolution import median_glyph_height
from tests.metrics import cer
from tests.synthetic import SyntheticPage, find_font
from tests.synthetic_documents import make_document


def _read(page: SyntheticPage, tmp_path: Path) -> str:
    path = page.save(tmp_path / f"page.{'png' if page.spec.bilevel else 'jpg'}")
    return digitize([path], Options(jobs=1)).pages[0].text


@pytest.mark.slow
def test_noisy_150_dpi_pages_read_within_a_tenth(tmp_path: Path) -> None:
    """Held-out seeds printed as the tuning pages are (serif 13 pt), one upright and one turned
    90° (before: CER 0.2 and more), at the issue's target. Seed 100 read at 0.103 until dust
    read as punctuation was taken out of the text (`ocr.specks`, built on other seeds: 200-207),
    0.085 after (seed 101: 0.067)."""
    pages = [bench_page("noisy150", seed, SETS["tuning"].print_spec) for seed in (100, 101)]
    rates = [cer(page.text, _read(page, tmp_path)) for page in pages]
    assert max(rates) <= 0.10, rates


@pytest.mark.slow
@pytest.mark.parametrize("level", ["clean", "bilevel200"])
def test_clean_pages_lose_nothing(level: str, tmp_path: Path) -> None:
    page = bench_page(level, 102)  # turned 180°
    assert cer(page.text, _read(page, tmp_path)) <= 0.005  # before and after: 0.000-0.002


def test_clean_page_is_left_untouched_and_dust_is_removed() -> None:
    """The decision is taken once per page from its glyphs: a clean page has a few isolated marks
    (dashes), not dust, and is read as it is; a dusty page loses its specks."""
    clean = np.asarray(make_page("clean", 3).image.convert("L"))
    assert plan_dust(find_glyphs(clean)) == NO_DUST
    dusty = np.asarray(make_page("noisy150", 3).image.convert("L"))
    plan = plan_dust(find_glyphs(dusty))
    assert plan.dusty
    cleaned = remove_dust(dusty, plan.letter_px)
    assert int((cleaned < 128).sum()) < int((dusty < 128).sum()) * 0.95


@pytest.mark.parametrize("seed", [1, 2, 100, 101])  # turned 90°, 180°, 0°, 90°
def test_dust_does_not_pull_the_glyph_height_or_resolution(seed: int) -> None:
    """Heavy dust (3000 specks on an A4 page at 150 dpi) gives the glyph height, and so the
    resolution, of the same page without dust. Before: 5 px (55 dpi) for 12-18 px letters."""
    page = bench_page("noisy150", seed)
    spec = replace(page.spec, jpeg_quality=None)
    estimates = [
        median_glyph_height(find_glyphs(np.asarray(dusty_page(spec, specks, 60).image)))
        for specks in (0, NOISY150_SPECKS)
    ]
    without, with_dust = (e or 0.0 for e in estimates)
    # within 20 %: dust beside letters (which nothing can tell from tone marks) stays. Seed 2
    # measured 16 px clean and 14 px dusty, then 17 and 14 once only letters in words count
    # (`Glyphs.in_words`, which keeps a dusty card's specks from measuring its letters).
    assert with_dust == pytest.approx(without, rel=0.2), estimates
    assert 10.0 <= with_dust <= 20.0  # 12-13 pt print at 150 dpi


@pytest.mark.slow
def test_dusty_page_reads_no_worse_than_before(tmp_path: Path) -> None:
    """Held out (seed 102, sans 12 pt, turned 180°): the same page without dust reads at 0.005;
    with 3000 specks it read at 0.070 before the glyph height was made dust-proof and the dust
    decision taken once per page, at 0.068 after (seed 103: 0.107 before, 0.097 after), 0.060
    once dust read as punctuation is taken out of the text."""
    page = bench_page("noisy150", 102)
    assert cer(page.text, _read(page, tmp_path)) <= 0.07


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["plain", "card_2024"])
def test_a_dusty_card_is_measured_by_its_letters_and_read_as_a_card(
    layout: str, tmp_path: Path
) -> None:
    """The benchmark's 3000 specks on a card-sized 150-dpi scan: dust eight times as dense as on
    an A4 page, close enough for specks to pair up. Before, pairs counted as letters "in a line"
    (7-8 px measured for 16-px print), the dust rule then kept the clumps and the specks around
    them, and the card read as junk lines, classified `other` with no field. Diagnostic seeds
    (204; 200-203 were looked at while building this), not the benchmark's tuning or held-out."""
    path = field_document("noisy150", "id_card", 204, layout, tmp_path)
    clean = make_document("id_card", 204, "clean", dpi=150, layout=layout).page.image
    heights = [
        median_glyph_height(find_glyphs(np.asarray(image.convert("RGB")))) or 0.0
        for image in (clean, Image.open(path))
    ]
    assert heights[1] >= 0.65 * heights[0], heights
    read = digitize([path], Options(jobs=1))
    assert read.fields is not None and read.fields.doc_type == "id_card", read.pages[0].text


def test_a_page_of_few_words_still_has_a_glyph_height() -> None:
    """Only letters in words give the glyph height, but a page with fewer than 20 of them (a
    title, rows of single digits, a name) measures all its letters as before: it measured
    none, and lost its resolution estimate and its OCR scale (found by a reviewing helper)."""
    font = ImageFont.truetype(find_font("serif"), 25)
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    rows = ["Tờ khai", *["1  2  3  4  5  6  7  8  9"] * 4, "Lê Văn An"]
    for number, row in enumerate(rows):
        draw.text((60, 60 + number * 45), row, font=font, fill=0)
    glyphs = find_glyphs(np.asarray(image))
    assert glyphs.in_words is not None and int(glyphs.in_words.sum()) < 20
    assert median_glyph_height(glyphs) == pytest.approx(16.0, abs=2.0)


def _with_grain(page: SyntheticPage, share: float, seed: int) -> SyntheticPage:
    """The page with sensor grain: `share` of its pixels black, each softened to a speck of a
    pixel or two (smaller than any tone mark), and noise: what a dusty 200-dpi scan shows."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(page.image.convert("L"), np.float64)
    pixels = pixels + rng.normal(0.0, 15.0, pixels.shape)
    pixels[rng.random(pixels.shape) < share] = 0.0
    grainy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.6)
    )
    return replace(page, image=grainy, spec=replace(page.spec, jpeg_quality=None))


@pytest.mark.slow
def test_grain_smaller_than_tone_marks_takes_none_of_them(tmp_path: Path) -> None:
    """A 200-dpi page with pixel-sized grain is dusty (more specks than glyphs), and the
    marks of short words standing in no run of letters ("số", "có", "tổ") had gone with the
    grain: CER 0.03, nearly all tone marks, "có" read "co" (a helper's page). Where the page's
    sure dust is smaller than tone marks, a mark beside any letter stays."""
    page = _with_grain(bench_page("clean", 104, {"dpi": 200, "body_lines": 12}), 0.002, 104)
    assert plan_dust(find_glyphs(np.asarray(page.image.convert("L")))).dusty
    rate = cer(page.text, _read(page, tmp_path))
    assert rate <= 0.01, rate


_CARD_LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CĂN CƯỚC CÔNG DÂN", "Số / No.: 048085001234",
    "Họ và tên / Full name:", "NGUYỄN THỊ ÁNH TUYẾT", "Ngày sinh: 05/07/1985  Giới tính: Nữ",
    "Quê quán: Hòa Khánh Bắc, Liên Chiểu", "Nơi thường trú: tổ 12, Đà Nẵng",
]  # fmt: skip


def _worn_card(seed: int) -> Image.Image:
    """A card scanned alone at 150 dpi on its grey stock, its photo a grey box, grainy twice
    over (the card's print, then the scanner: noise, black grains, softened), 1.5° askew."""
    dpi = 150
    card = Image.new("L", (round(85.6 / 25.4 * dpi), round(54 / 25.4 * dpi)), 225)
    draw = ImageDraw.Draw(card)
    draw.rectangle((20, 100, 140, 260), fill=140)
    font = ImageFont.truetype(find_font("serif"), 15)
    for row, line in enumerate(_CARD_LINES):
        draw.text((120 if row < 3 else 160, 12 + 22 * row), line, font=font, fill=0)
    card = card.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=225)
    rng = np.random.default_rng(seed)
    for sigma, grains in ((12.0, 0.001), (30.0, 0.002)):
        pixels = np.asarray(card, np.float64) + rng.normal(0.0, sigma, (card.height, card.width))
        pixels[rng.random(pixels.shape) < grains] = 0.0
        card = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        card = card.filter(ImageFilter.GaussianBlur(0.6))
    return card


@pytest.mark.slow
def test_a_card_read_to_nothing_through_the_prepared_image_is_read_as_received(
    tmp_path: Path,
) -> None:
    """On a grainy 150-dpi card the white margin and flattened paper of the recognition image
    made Tesseract's layout analysis take the whole card for a picture: not a word, and "no
    text could be read" (a helper's card, which raw Tesseract read). A page read to nothing is
    read once more as received: CER 0.15-0.2 here, where it was 1.0."""
    _worn_card(1).save(tmp_path / "card.png", dpi=(150, 150))
    (page,) = digitize([tmp_path / "card.png"], Options(jobs=1)).pages
    assert NOTHING_READ not in page.warnings
    assert cer("\n".join(_CARD_LINES), page.text) < 0.4
