"""Codes on a page (`digitize/codes.py`): every kind Vietnamese papers carry is read, on a
colour scan of yellowed paper as on a grey one; kinds no paper here carries are not searched
for (issue 18: they doubled the search on a noisy page)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image

from hoso.digitize.codes import find_codes, read_codes
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from tests.synthetic import PageSpec, render_page

DOSSIER = "000.00.48.H17-250301-0042"
F = zxingcpp.BarcodeFormat


def _page_with(code_format: zxingcpp.BarcodeFormat, colour: bool) -> np.ndarray:
    drawn = np.asarray(zxingcpp.create_barcode(DOSSIER, code_format).to_image(scale=4))
    page = np.full((1600, 1600), 255, np.uint8)
    page[200 : 200 + drawn.shape[0], 150 : 150 + drawn.shape[1]] = drawn
    if not colour:
        return page
    paper = np.array([244, 234, 200], np.float32) / 255  # yellowed
    return (page[..., None] * paper).astype(np.uint8)


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("code_format", [F.QRCode, F.Code128, F.PDF417, F.DataMatrix])
def test_the_codes_papers_carry_are_read(code_format: zxingcpp.BarcodeFormat, colour: bool) -> None:
    assert read_codes(_page_with(code_format, colour)) == [DOSSIER]


def test_a_kind_no_paper_carries_is_not_searched_for() -> None:
    assert read_codes(_page_with(F.Aztec, colour=False)) == []


def test_a_light_code_on_dark_print_is_not_searched_for() -> None:
    """Papers print codes dark on light; the negative's search was a third of a page's."""
    assert read_codes(255 - _page_with(F.QRCode, colour=False)) == []


@pytest.mark.parametrize("ink", [(0, 0, 0), (200, 30, 30), (30, 40, 200)])
def test_a_code_in_any_ink_is_read_on_a_skewed_colour_scan(
    ink: tuple[int, int, int], tmp_path: Path
) -> None:
    """Pages are read in a grey with red seals painted out; a code printed in red must not go
    with them (a reviewing helper's finding)."""
    page = np.array(render_page(PageSpec(seed=75, dpi=200, body_lines=4)).image.convert("RGB"))
    drawn = np.asarray(zxingcpp.create_barcode(DOSSIER, F.QRCode).to_image(scale=5))
    height, width = drawn.shape
    page[1500 : 1500 + height, 1200 : 1200 + width][drawn < 128] = ink
    tilted = Image.fromarray(page).rotate(1.5, expand=True, fillcolor=(255, 255, 255))
    tilted.save(tmp_path / "page.png", dpi=(200, 200))
    result = digitize([tmp_path / "page.png"], Options(jobs=1))
    assert result.pages[0].codes == [DOSSIER]


CHIP_ID = (
    "001190615363|123456789|Nguyễn Xuân Hà|15011990|Nữ|"
    "Số 12 đường Lê Lợi, phường Bến Nghé, Cà Mau|20022021"
)


def _low_resolution_copy_of_a_card_qr() -> np.ndarray:
    """A chip-ID card's QR photocopied and scanned at 150 dpi: modules of 1.5 px, edges soft."""
    drawn = np.asarray(zxingcpp.create_barcode(CHIP_ID, F.QRCode).to_image(scale=3))
    page = np.full((2000, 1600), 255, np.uint8)
    page[300 : 300 + drawn.shape[0], 200 : 200 + drawn.shape[1]] = drawn
    soft = cv2.GaussianBlur(page, (0, 0), 1.1)
    return cv2.resize(soft, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def test_a_small_qr_on_a_low_resolution_scan_is_read(tmp_path: Path) -> None:
    """Issue 16: zxing finds no QR of such small modules at the page's own size; a page below
    195 dpi is searched again enlarged, and the code's box is in the page's own pixels."""
    page = _low_resolution_copy_of_a_card_qr()
    assert read_codes(page, dpi=300) == []  # what the search at the page's own size finds
    [code] = find_codes(page, dpi=150)
    assert code.text == CHIP_ID
    left, top, right, bottom = code.box  # the symbol drawn at (100, 150), 73.5 px across
    assert abs((left + right) / 2 - 136.75) <= 3 and abs((top + bottom) / 2 - 186.75) <= 3
    assert 55 <= right - left <= 66
    Image.fromarray(page).save(tmp_path / "card.png", dpi=(150, 150))
    assert digitize([tmp_path / "card.png"], Options(jobs=1)).pages[0].codes == [CHIP_ID]
