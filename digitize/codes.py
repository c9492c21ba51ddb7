"""Barcodes and QR codes on a page (zxing-cpp): chip-ID QR codes carry the holder's data, and
separator sheets carry dossier codes. Decoded from the straightened page in the grey OCR reads
(a page whose red seals were painted out is searched in its own grey, laid the same way)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import zxingcpp
from PIL import Image

from hoso.digitize.ink import Pixels, to_gray, u8

# What Vietnamese papers carry: QR codes (chip-ID cards, one-stop receipts and separator
# sheets, issued results, e-documents), linear barcodes (receipts, dossier codes), PDF417 and
# Data Matrix (older cards and labels). Aztec, MaxiCode and the rest are left out: on a noisy
# A4 page they doubled the search (0.20 s -> 0.16 s with these alone, issue 18).
PAPER_FORMATS = ("QRCode", "MicroQRCode", "AllLinear", "PDF417", "DataMatrix")


# Below this resolution a chip-ID card's QR code has modules of 2-3 pixels, too few for zxing's
# finder on a dusty copy: such a page is searched again enlarged (a 150-dpi photocopy's QR read
# in 4 of 6 noisy cards at twice the size, none at its own, issue 16).
# Every page under the legal 200 dpi is (a 180-dpi noisy card's QR read only so); a 200-dpi
# page whose measured resolution falls a hair under it is not (70 ms a page for nothing).
SMALL_MODULES_BELOW_DPI = 195.0
ENLARGE_SMALL_MODULES = 2.0


def _paper_formats() -> zxingcpp.BarcodeFormats:
    """Made for each search: a `BarcodeFormats` kept in a module global outlives zxing's
    bindings at exit and nanobind reports it as a leak on stderr (seen in the worker's log)."""
    return zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, n) for n in PAPER_FORMATS])


@dataclass(frozen=True)
class Code:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in page pixels


def find_codes(pixels: Pixels, *, upright: bool = False, dpi: float | None = None) -> list[Code]:
    """`upright`: the page's lines already run across (straightened), so linear barcodes need
    not be searched at 90°; QR codes read at any angle anyway. Halves the time on a page. Codes
    are printed dark on light: the search runs on grey (a colour page cost a quarter more) and
    never on the page's negative (a third of the search on a noisy 300-dpi page: 132 -> 91 ms;
    a light code on a dark print is a poster's design, not a paper's). A page of under
    `SMALL_MODULES_BELOW_DPI` where nothing was found is searched once more, enlarged."""
    gray = to_gray(pixels)
    codes = _search(gray, upright, 1.0)
    if not codes and dpi is not None and dpi < SMALL_MODULES_BELOW_DPI:
        factor = ENLARGE_SMALL_MODULES
        enlarged = u8(cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC))
        codes = _search(enlarged, upright, factor)
    return codes


def _search(gray: Pixels, upright: bool, factor: float) -> list[Code]:
    """Codes in `gray`, their boxes in the pixels of the page `gray` was enlarged from by
    `factor`."""
    try:
        results = zxingcpp.read_barcodes(
            Image.fromarray(gray),
            formats=_paper_formats(),
            try_rotate=not upright,
            try_invert=False,
        )
    except (RuntimeError, ValueError):
        return []  # a code we cannot read is no reason to fail the page
    codes = []
    for result in results:
        if not result.text:
            continue
        corners = [
            result.position.top_left,
            result.position.top_right,
            result.position.bottom_left,
            result.position.bottom_right,
        ]
        xs = [round(p.x / factor) for p in corners]
        ys = [round(p.y / factor) for p in corners]
        codes.append(Code(result.text, (min(xs), min(ys), max(xs), max(ys))))
    return codes


def read_codes(pixels: Pixels, *, upright: bool = False, dpi: float | None = None) -> list[str]:
    return [code.text for code in find_codes(pixels, upright=upright, dpi=dpi)]
