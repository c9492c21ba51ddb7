"""Orientation and deskew on hard, real-like pages (issue 16): a noisy 150-dpi ID card turned every
way, a multi-page TIFF whose first page (a table) lies on its side, and skew measured on pages of
known skew across degradations. Every page is made here; real Tesseract reads them.

Which way each case failed before the fix: the noisy card turned 270° came out 90° and turned 180°
came out 0° (the up/down vote read the central band of the card, where its text is not); the
table page turned 270° came out 0° with its text read, because Tesseract reads sideways blocks on
its own and a confident read was taken as proof of an upright page.

Tuned on: card seeds 1-2 with noise 18/28 and blur 0.8/1.2 (other dust than here), the card of
seed 3 turned 270° (it showed junk words turning a page) and the table page of seed 1. Held out
(no change was made after looking at them): the `HELD_OUT` cards (seed 4 turned 90°, seed 3
turned 180°, seed 5 with noise 22 and blur 1.0), the table of seed 4 at 200 dpi turned 90°, and
the skews of `test_skew_error_*`. On 24 cards (seeds 1-4, noise 18/28, turned
90/180/270) the old code got 7 wrong, this code none.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hoso.digitize import deskew
from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options, PageResult
from hoso.digitize.ocr.engine import OcrPage, OrientationGuess
from hoso.digitize.pipeline import digitize
from tests.engines import RealEngine
from tests.metrics import cer
from tests.synthetic import PLACES, PageSpec, degrade, find_font, person_name, render_page

CARD_LINES = [  # (style, text height in inches, text): the front of a citizen ID card
    ("bold", 0.075, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("bold", 0.075, "Độc lập - Tự do - Hạnh phúc"),
    ("bold", 0.11, "CĂN CƯỚC CÔNG DÂN"),
    ("serif", 0.08, "Số / No.: 079190012345"),
    ("serif", 0.08, "Họ và tên / Full name:"),
    ("bold", 0.09, "NGUYỄN THỊ HƯƠNG"),
    ("serif", 0.08, "Ngày sinh / Date of birth: 27/09/1961"),
    ("serif", 0.08, "Giới tính / Sex: Nữ  Quốc tịch / Nationality: Việt Nam"),
    ("serif", 0.08, "Quê quán / Place of origin: Huế"),
    ("serif", 0.08, "Có giá trị đến / Date of expiry: 27/09/2031"),
]
INK = (20, 20, 30)


def render_id_card(spec: PageSpec, specks: int = 150) -> tuple[Image.Image, str]:
    """An 85.6 × 54 mm card: centred headings, a photo, bilingual labels right of it, dust."""
    dpi = spec.dpi
    width, height = int(3.37 * dpi), int(2.13 * dpi)
    paper = (244, 234, 200) if spec.yellowed else (250, 250, 246)
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(spec.seed)
    left, top = int(0.06 * dpi), int(0.55 * dpi)
    photo = rng.normal(120, 40, (int(1.05 * dpi), int(0.8 * dpi), 3)).clip(0, 255)
    image.paste(
        Image.fromarray(photo.astype(np.uint8)).filter(ImageFilter.GaussianBlur(3)), (left, top)
    )
    y = int(0.05 * dpi)
    for i, (style, inches, text) in enumerate(CARD_LINES):
        font = ImageFont.truetype(find_font(style), max(6, round(inches * dpi)))
        x = (width - draw.textlength(text, font=font)) / 2 if i < 3 else left + 0.88 * dpi
        draw.text((x, y), text, fill=INK, font=font)
        y += int(font.size * 1.35)
    pixels = np.asarray(degrade(image, spec, paper)).copy()
    for _ in range(specks):  # dust: 1-3 px dark specks
        sy, sx = rng.integers(0, pixels.shape[0] - 3), rng.integers(0, pixels.shape[1] - 3)
        size = rng.integers(1, 4)
        pixels[sy : sy + size, sx : sx + size] = rng.integers(0, 80)
    return Image.fromarray(pixels), "\n".join(text for _, _, text in CARD_LINES)


TABLE_COLUMNS = [0.0, 0.5, 3.0, 4.6, 5.8, 6.9]  # inches from the table's left edge


def render_table_page(spec: PageSpec, rows: int = 12) -> tuple[Image.Image, str]:
    """A register page: two headings over a ruled table of short cells (names, dates, numbers)."""
    rng = random.Random(spec.seed)
    dpi = spec.dpi
    image = Image.new("RGB", (int(8.27 * dpi), int(11.69 * dpi)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    size = round(spec.font_pt * dpi / 72)
    plain = ImageFont.truetype(find_font(spec.font), size)
    bold = ImageFont.truetype(find_font("bold"), size)
    x0, y = int(0.7 * dpi), int(0.8 * dpi)
    truth = ["UỶ BAN NHÂN DÂN", "DANH SÁCH HỒ SƠ TIẾP NHẬN"]
    for heading in truth:
        draw.text((x0, y), heading, font=bold, fill=INK)
        y += int(size * 1.6)
    table_top = y
    for row in range(rows + 1):
        cells = ["TT", "Họ và tên", "Ngày sinh", "Số hồ sơ", "Nơi cư trú"]
        if row:
            born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2005)}"
            cells = [
                str(row),
                person_name(rng),
                born,
                f"{rng.randint(100, 999)}/HS",
                rng.choice(PLACES),
            ]
        for column, text in zip(TABLE_COLUMNS, cells, strict=False):
            at = (x0 + int(column * dpi) + 6, y + int(size * 0.3))
            draw.text(at, text, font=bold if row == 0 else plain, fill=INK)
        draw.line((x0, y, x0 + int(TABLE_COLUMNS[-1] * dpi), y), fill=INK, width=2)
        truth.append(" ".join(cells))
        y += int(size * 1.8)
    draw.line((x0, y, x0 + int(TABLE_COLUMNS[-1] * dpi), y), fill=INK, width=2)
    for column in TABLE_COLUMNS:
        x = x0 + int(column * dpi)
        draw.line((x, table_top, x, y), fill=INK, width=2)
    return degrade(image, spec, (255, 255, 255)), "\n".join(truth)


def noisy_card(seed: int, noise: float, blur: float, rotation: int, **more: float) -> PageSpec:
    return PageSpec(
        seed=seed,
        dpi=150,
        noise=noise,
        blur=blur,
        yellowed=True,
        jpeg_quality=60,
        rotation=rotation,
        **more,  # type: ignore[arg-type]
    )


def digitize_image(image: Image.Image, path: Path, dpi: int = 150) -> PageResult:
    image.save(path, dpi=(dpi, dpi))
    return digitize([path], Options(jobs=1)).pages[0]


# (seed, noise, blur, rotation): what each gave before the fix in the comment.
TUNED = [
    (2, 28.0, 0.8, 270),  # came out 90°: upside down
    (1, 28.0, 0.8, 180),  # came out 0°
    (2, 28.0, 0.8, 90),  # came out 270°
]
HELD_OUT = [
    (4, 28.0, 0.8, 90),  # came out 270°
    (3, 28.0, 0.8, 180),  # came out 0°
    # Read at 23 % confidence either way up: still kept at 0°, now with a warning (below).
    (5, 22.0, 1.0, 180),
]


@pytest.mark.parametrize(("seed", "noise", "blur", "rotation"), TUNED + HELD_OUT[:2])
def test_noisy_150_dpi_id_card_comes_out_upright(
    tmp_path: Path, seed: int, noise: float, blur: float, rotation: int
) -> None:
    image, _ = render_id_card(noisy_card(seed, noise, blur, rotation))
    page = digitize_image(image, tmp_path / "card.png")
    assert page.rotation == rotation
    assert page.width_px > page.height_px  # the archived card lies the way a card does
    # Reading such a card well is a recognition matter (0.02-0.6 of its words come out whole at
    # this noise); the text of upright pages is checked on the table page below.


def test_multipage_tiff_whose_first_page_lies_on_its_side(tmp_path: Path) -> None:
    # At 300 dpi Tesseract reads this page's sideways text confidently (before the fix: 0°).
    spec = PageSpec(seed=1, dpi=300, font_pt=11, rotation=270, noise=18.0)
    table, table_truth = render_table_page(spec, rows=18)
    letter = render_page(PageSpec(seed=2, dpi=300, body_lines=4))
    path = tmp_path / "dossier.tif"
    table.save(path, dpi=(300, 300), save_all=True, append_images=[letter.image])

    first, second = digitize([path], Options(jobs=1)).pages

    assert first.rotation == 270
    assert first.height_px > first.width_px  # the archived image stands upright too
    assert cer(table_truth, first.text) < 0.1
    assert second.rotation == 0
    assert cer(letter.text, second.text) < 0.02


def test_held_out_table_page_turned_90_at_200_dpi(tmp_path: Path) -> None:
    table, truth = render_table_page(PageSpec(seed=4, dpi=200, font_pt=11, rotation=90, noise=10.0))
    page = digitize_image(table, tmp_path / "table.png", dpi=200)
    assert page.rotation == 90
    assert cer(truth, page.text) < 0.1


def test_card_that_cannot_be_oriented_says_so(tmp_path: Path) -> None:
    """Held out, too noisy to read either way up: if not turned right, the page must say so."""
    image, _ = render_id_card(noisy_card(*HELD_OUT[2]))
    page = digitize_image(image, tmp_path / "card.png")
    assert page.rotation == HELD_OUT[2][3] or any("which way up" in w for w in page.warnings)
    assert any("low confidence" in w for w in page.warnings), page.warnings


def test_unreadable_card_says_so_in_warnings(tmp_path: Path) -> None:
    """Too noisy to read well: the page says so instead of passing silently."""
    image, _ = render_id_card(noisy_card(2, 28.0, 1.2, 180))
    page = digitize_image(image, tmp_path / "card.png")
    assert any("low confidence" in w for w in page.warnings), page.warnings


def test_clean_upright_page_has_no_doubts(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=7, dpi=200, body_lines=4))
    result = digitize_image(page.image, tmp_path / "page.png", dpi=200)
    assert result.rotation == 0
    assert result.warnings == []


SKEWS = [-2.7, -0.6, -0.3, 0.35, 1.3]


def measured_skew(kind: str, skew: float) -> float:
    spec = PageSpec(seed=3, dpi=150, noise=15.0, blur=0.8, skew_deg=skew, body_lines=6)
    if kind == "table":
        image, _ = render_table_page(spec, rows=8)
    elif kind == "card":
        image, _ = render_id_card(spec)
    else:
        image = render_page(spec).image
    return deskew.estimate_skew(find_glyphs(np.asarray(image))).angle_deg


@pytest.mark.parametrize("skew", SKEWS)
@pytest.mark.parametrize("kind", ["table", "letter"])
def test_skew_error_within_a_tenth_of_a_degree(kind: str, skew: float) -> None:
    assert abs(measured_skew(kind, skew) - skew) <= 0.1


@pytest.mark.parametrize("skew", SKEWS)
def test_skew_error_on_a_small_card(skew: float) -> None:
    # ~60 glyphs in eight short lines of mixed sizes: the projection alone measured up to 0.33°
    # off; refined on the glyphs' edges (deskew.refine_on_baselines), within 0.06°.
    assert abs(measured_skew("card", skew) - skew) <= 0.1


class CountingEngine(RealEngine):
    """Real recognition and orientation detection, counted: what a page cost the engine."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.read_sizes: list[tuple[int, int]] = []
        self.detections = 0

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        self.read_sizes.append(image.size)
        return super().recognize(image, dpi)

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        self.detections += 1
        return super().detect_orientation(image, dpi)


@pytest.mark.parametrize("blur", [0.0, 1.0])
def test_a_blank_page_of_scanner_noise_is_read_at_most_twice(blur: float, tmp_path: Path) -> None:
    """A duplex scan's empty back is scanner grain: its specks measured as tiny print had the
    page read enlarged, at every turn, with orientation detection (40 s for an A4 page that no
    turn makes readable). It is read at its own size, once in the direction its grain seemed to
    run and once as it came if that differs, and it stays as it came: no reading confirmed the
    geometry of its specks. The page says what to check."""
    rng = np.random.default_rng(6)
    grain = Image.fromarray(np.clip(245 + rng.normal(0, 6, (2480, 1748)), 0, 255).astype(np.uint8))
    path = tmp_path / "back.jpg"
    (grain.filter(ImageFilter.GaussianBlur(blur)) if blur else grain).save(
        path, quality=85, dpi=(300, 300)
    )
    engine = CountingEngine()
    page = digitize([path], Options(jobs=1), engine_factory=lambda _: engine).pages[0]
    assert engine.detections == 0
    full_reads = [size for size in engine.read_sizes if size[0] * size[1] > 1748 * 2480 / 4]
    assert 1 <= len(full_reads) <= 2, engine.read_sizes
    for width, height in full_reads:  # at the page's own size (either way round), margin added
        assert width * height <= (1748 + 2 * 24) * (2480 + 2 * 24), full_reads
    assert (page.rotation, page.skew_deg) == (0, 0.0)
    assert page.warnings  # nothing on it was read surely: a person looks


def render_amounts_register(dpi: int = 200) -> Image.Image:
    """A dense ruled register: 60 rows of a household number and six amounts, each cell short.
    Its digits stand in columns, sharper down the page than its rows across it."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_font("sans"), round(8 * dpi / 72))
    cell_w, cell_h, left, top = (width - 160) // 7, round(0.175 * dpi), 80, 120
    for row in range(60):
        for column in range(7):
            x, y = left + column * cell_w, top + row * cell_h
            draw.rectangle((x, y, x + cell_w, y + cell_h), outline=0, width=1)
            amount = f"{(row * 7 + column) * 1357 % 99991:,} đ"
            draw.text((x + 6, y + 4), amount if column else f"Hộ số {row + 1}", fill=0, font=font)
    return image


@pytest.mark.parametrize("turned", [0, 90])
def test_a_dense_register_is_read_the_way_its_words_run(turned: int, tmp_path: Path) -> None:
    """The words of a register run along its rows, though its columns of digits make a sharper
    profile down the page: it is first read with its rows across (a profile-only guess read it
    sideways first, then twice more), and it comes out upright."""
    path = tmp_path / "register.png"
    render_amounts_register().rotate(turned, expand=True).save(path, dpi=(200, 200))
    engine = CountingEngine()
    page = digitize([path], Options(jobs=1), engine_factory=lambda _: engine).pages[0]
    width, height = engine.read_sizes[0]
    assert height > width, engine.read_sizes  # rows across: the page read upright or upside down
    assert page.rotation == turned
    assert "Hộ số 1" in page.text
