"""How a PDF page draws its scan (issue 16, found by a reviewing helper with PDFs it made): a
scanner may store the image's rows bottom-up or sideways and turn it upright with the matrix it
draws the image with, write its page in larger units (/UserUnit), or hide part of the scan
outside the CropBox. hoso reads the page as a viewer shows it: the lifted image laid as drawn,
the resolution in real inches, and what the crop hides left out (PDFium draws such a page)."""

from __future__ import annotations

import io
import math
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from hoso.digitize.models import Options, PageResult
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import PageSpec, find_font, render_page

DPI = 150
MAX_CER = 0.03


def _scan_pdf(
    path: Path,
    stored: np.ndarray,
    matrix: str,
    size_pt: tuple[float, float],
    crop: list[float] | None = None,
    unit: float | None = None,
    clip: str = "",
    rotate: int | None = None,
    jpeg: bytes | None = None,
) -> Path:
    """A page that draws one grey image, stored as `stored` (or as the JPEG `jpeg`), with the
    matrix `matrix`, after the clip `clip` (content operators, e.g. "0 0 10 10 re W n")."""
    pdf = pikepdf.new()
    data = jpeg if jpeg is not None else zlib.compress(np.ascontiguousarray(stored).tobytes())
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = stored.shape[1], stored.shape[0]
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.DCTDecode if jpeg is not None else pikepdf.Name.FlateDecode
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([0, 0, *size_pt]),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Scan=image)),
        Contents=pikepdf.Stream(pdf, f"q {clip} q {matrix} cm /Scan Do Q Q".encode()),
    )
    if crop is not None:
        page.CropBox = pikepdf.Array(crop)
    if unit is not None:
        page.UserUnit = unit
    if rotate is not None:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def _upright() -> tuple[np.ndarray, str]:
    page = render_page(PageSpec(seed=4401, dpi=DPI, body_lines=4))
    return np.asarray(page.image.convert("L"), dtype=np.uint8), page.text


def _read(path: Path) -> PageResult:
    (page,) = digitize([path], Options(jobs=1)).pages
    return page


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stored_as", "matrix"),
    [
        # rows bottom-up (a DIB's row order), drawn with y flipped
        ("bottom_up", "{w} 0 0 -{h} 0 {h}"),
        ("mirrored", "-{w} 0 0 {h} {w} 0"),
        # stored turned a quarter counter-clockwise, drawn turned back
        ("sideways", "0 -{h} {w} 0 0 {h}"),
    ],
)
def test_an_image_laid_upright_by_its_drawing_matrix_is_read_as_shown(
    tmp_path: Path, stored_as: str, matrix: str
) -> None:
    """Before: the mirrored pages were read as stored (CER 0.91), the sideways one stretched
    across a landscape page (CER 0.24, 286 dpi)."""
    pixels, text = _upright()
    stored = {"bottom_up": pixels[::-1], "mirrored": pixels[:, ::-1], "sideways": np.rot90(pixels)}[
        stored_as
    ]
    w, h = pixels.shape[1] * 72 / DPI, pixels.shape[0] * 72 / DPI
    path = _scan_pdf(tmp_path / "scan.pdf", stored, matrix.format(w=w, h=h), (w, h))
    page = _read(path)
    assert page.rotation == 0
    assert page.dpi == pytest.approx(DPI, abs=1)
    assert cer(text, page.text) <= MAX_CER


@pytest.mark.slow
@pytest.mark.parametrize("margin", [0.0, 40.0])
def test_a_page_in_larger_units_has_its_real_resolution(tmp_path: Path, margin: float) -> None:
    """/UserUnit 2: a unit is 1/36 inch, so the page is twice as large as its numbers say and
    the scan half the resolution (before: 300 dpi, and no legal-minimum warning). With a
    margin around the scan, the page is drawn by PDFium rather than lifted: the same holds."""
    pixels, _ = _upright()
    w, h = pixels.shape[1] * 36 / DPI, pixels.shape[0] * 36 / DPI
    path = _scan_pdf(
        tmp_path / "units.pdf",
        pixels,
        f"{w} 0 0 {h} {margin} {margin}",
        (w + 2 * margin, h + 2 * margin),
        unit=2.0,
    )
    page = _read(path)
    assert page.dpi == pytest.approx(DPI, abs=1)
    assert any("below the legal minimum" in warning for warning in page.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("rotate", [45, -30])
def test_a_rotate_that_is_no_quarter_turn_leaves_the_page_as_viewers_show_it(
    tmp_path: Path, rotate: int
) -> None:
    """/Rotate must be a multiple of 90; viewers show a page that says 45 unturned. It was
    turned 45° here, onto a larger canvas, and no text was read (an attacking helper's file)."""
    pixels, text = _upright()
    w, h = pixels.shape[1] * 72 / DPI, pixels.shape[0] * 72 / DPI
    path = _scan_pdf(tmp_path / "r.pdf", pixels, f"{w} 0 0 {h} 0 0", (w, h), rotate=rotate)
    page = _read(path)
    assert page.dpi == pytest.approx(DPI, abs=1)
    assert cer(text, page.text) <= MAX_CER


def _with_note_at_the_foot(pixels: np.ndarray) -> np.ndarray:
    """The page with an internal note printed in its last 120 rows (90 rows from its foot)."""
    sheet = Image.fromarray(pixels.copy())
    font = ImageFont.truetype(find_font("sans"), 30)
    ImageDraw.Draw(sheet).text(
        (60, pixels.shape[0] - 90), "GHI CHÚ NỘI BỘ KHÔNG CÔNG BỐ", fill=0, font=font
    )
    return np.asarray(sheet)


@pytest.mark.slow
def test_what_the_crop_box_hides_stays_hidden(tmp_path: Path) -> None:
    """A viewer shows the CropBox: a note printed below it is not part of the page (before, the
    whole stored image was archived and the note indexed)."""
    pixels, text = _upright()
    sheet = _with_note_at_the_foot(pixels)
    w, h = pixels.shape[1] * 72 / DPI, pixels.shape[0] * 72 / DPI
    hidden_pt = 120 * 72 / DPI
    path = _scan_pdf(
        tmp_path / "crop.pdf",
        sheet,
        f"{w} 0 0 {h} 0 0",
        (w, h),
        crop=[0, hidden_pt, w, h],
    )
    page = _read(path)
    assert "NỘI BỘ" not in page.text and "CÔNG BỐ" not in page.text
    assert cer(text, page.text) <= MAX_CER
    assert page.height_px == pytest.approx(pixels.shape[0] - 120, abs=3)


def _jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=70)
    return out.getvalue()


@pytest.mark.slow
def test_a_clip_smaller_than_the_page_hides_what_it_hides(tmp_path: Path) -> None:
    """A note below a clip path was archived and indexed although no viewer shows it."""
    pixels, text = _upright()
    sheet = _with_note_at_the_foot(pixels)
    w, h = pixels.shape[1] * 72 / DPI, pixels.shape[0] * 72 / DPI
    shown = 120 * 72 / DPI
    path = _scan_pdf(
        tmp_path / "clip.pdf", sheet, f"{w} 0 0 {h} 0 0", (w, h),
        clip=f"0 {shown} {w} {h - shown} re W n",
    )  # fmt: skip
    page = _read(path)
    assert "NỘI BỘ" not in page.text
    assert cer(text, page.text) <= MAX_CER


@pytest.mark.slow
def test_a_clip_to_the_page_itself_keeps_the_scan_as_it_is(tmp_path: Path) -> None:
    """Many scanners clip to the page's rectangle before drawing: the scan is still lifted,
    its JPEG archived byte for byte."""
    pixels, _ = _upright()
    jpeg = _jpeg(pixels)
    w, h = pixels.shape[1] * 72 / DPI, pixels.shape[0] * 72 / DPI
    path = _scan_pdf(
        tmp_path / "clip.pdf", pixels, f"{w} 0 0 {h} 0 0", (w, h),
        clip=f"0 0 {w} {h} re W n", jpeg=jpeg,
    )  # fmt: skip
    assert _read(path).image_bytes == jpeg


@pytest.mark.slow
def test_a_scan_drawn_at_an_angle_keeps_its_resolution(tmp_path: Path) -> None:
    """Drawn 3° askew by its matrix, a scan's bounding box is wider than the scan:
    measured by the box a 200-dpi scan read as 186 dpi, "below the legal minimum"."""
    scan = render_page(PageSpec(seed=4402, dpi=200, body_lines=4))
    pixels, text = np.asarray(scan.image.convert("L"), dtype=np.uint8), scan.text
    w, h = pixels.shape[1] * 72 / 200, pixels.shape[0] * 72 / 200
    turn = math.radians(3.0)
    cos, sin = math.cos(turn), math.sin(turn)
    size = (w * cos + h * sin, w * sin + h * cos)
    matrix = f"{w * cos} {w * sin} {-h * sin} {h * cos} {h * sin} 0"
    page = _read(_scan_pdf(tmp_path / "tilted.pdf", pixels, matrix, size))
    assert page.dpi == pytest.approx(200, abs=2)
    assert not page.below_legal_minimum
    assert cer(text, page.text) <= MAX_CER
