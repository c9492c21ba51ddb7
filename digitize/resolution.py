"""Resolution: what the page's text size says about its scale, for pages that do not say it.

Phone photos and images without DPI metadata are common at desks. Body text of administrative
papers is 12–14 pt (Decree 30/2020: Times New Roman 13–14), whose median glyph height measured
6.5 pt on our synthetic pages across fonts and on real scans of known resolution (5.3–8.2 pt).
That fixes the effective DPI to about ±25 %: enough to flag a sub-200-dpi copy and size the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from hoso.digitize.ink import MIN_LETTERS, Glyphs

MEDIAN_GLYPH_PT = 6.5
# Tesseract's LSTM reads every text line scaled to its network's input height (36 px for the
# Vietnamese models), so pixels beyond that only cost thresholding and layout analysis (about a
# third of a 300-dpi page's recognition time). A median glyph of 20 px makes a line of Vietnamese
# (tone marks above, descenders below) about that tall: 13-pt print at 300 dpi (~27-px glyphs)
# is handed over at 0.75, for 10-15 % less CPU per page at the same CER (issue 18: clean, mild,
# degraded and 16-pt pages, 18 diagnostic seeds each, and the corpus scans; 16 px began to lose
# characters). Glyphs up to 5 % above the target are left alone: a resize that small buys
# nothing.
OCR_TARGET_GLYPH_PX = 20.0
DOWNSCALE_ABOVE_PX = OCR_TARGET_GLYPH_PX * 1.05
UPSCALE_BELOW_PX = 12.0  # upscale only very small text (~<130 dpi); 150-200 dpi scans get worse
MAX_UPSCALE = 2.0
MAX_UPSCALED_PIXELS = 2480 * 3508  # an A4 page at 300 dpi


def median_glyph_height(glyphs: Glyphs) -> float | None:
    """The median height of the page's letter-sized glyphs (`Glyphs.letters`), in source
    pixels. Dust beside the text pulls the plain median down (150 dpi, 3000 specks: 5 px for
    12-18 px letters); on clean pages this is the plain median (11 of 12 fonts and resolutions
    measured; the 12th 5 % higher), the figure MEDIAN_GLYPH_PT was calibrated on."""
    letters = glyphs.heights[glyphs.letters()]
    if letters.size < MIN_LETTERS:
        return None
    return float(np.median(letters)) / glyphs.scale


def estimate_dpi(glyphs: Glyphs) -> float | None:
    height = median_glyph_height(glyphs)
    if height is None:
        return None
    return height * 72.0 / MEDIAN_GLYPH_PT


# Paper a scan is made of: its sides in inches (ISO A3, A4, A5 share one shape; US Letter and
# Legal; ISO/IEC 7810 ID-1, the citizen-ID card's size, which a desk scans alone and crops to
# the card: its print is small, so the text's estimate runs 30-40 % low on cards, 111 dpi for a
# 150-dpi card scan that was archived 116 mm wide). A scanner that writes no resolution still
# scans the whole sheet: an image whose sides
# fit one within PAPER_FIT at one resolution is that sheet, far surer than the text's size
# (±25 %: an A4 page at exactly 200 dpi in Times 13 pt measured 188 and was flagged under the
# legal minimum).
PAPER_INCHES = {
    "A4": (8.27, 11.69),
    "A3": (11.69, 16.54),
    "A5": (5.83, 8.27),
    "Letter": (8.5, 11.0),
    "Legal": (8.5, 14.0),
    "ID-1": (2.125, 3.370),
}
PAPER_FIT = 0.005
# The text's estimate, where there is one, must be within this factor of the sheet's
# resolution: it runs up to 1.4x high, so a 30 % limit left an A5 sheet at 200 dpi in large
# sans print (estimated 266) to the estimate itself, archived at 111 × 158 mm (a reviewing
# helper's page). Further off, the image is no sheet (a card or a receipt cut to its shape).
PAPER_AGREES = 2.0
# A4 is the paper of administrative documents (Decree 30/2020), and an A4-shaped image is also
# an A5 sheet at √2 times the resolution or an A3 at 1/√2. The text's estimate runs up to 40 %
# high (at 150-200 dpi a letter's marks merge with it, and lines of capitals move the median
# glyph from the x-height's mode to the tall one: 199-277 dpi on an attacking helper's A4
# forms at 150 and 200 dpi, which were taken for A5 sheets and passed the legal minimum), as
# large as that step. So the text moves such a scan off A4 only when it is plainly another
# sheet's: its estimate outside this band of A4's resolution.
A4_TEXT_BAND = (0.7, 1.45)


@dataclass(frozen=True)
class SheetFit:
    """The sheet a scan's sides are, and its resolution as that sheet."""

    sheet: str
    dpi: float


def paper_dpi(width_px: int, height_px: int, estimated: float | None) -> SheetFit | None:
    """The sheet of paper (`PAPER_INCHES`) an image's sides are and its resolution: A4 (the
    first) unless the text's size plainly says another (`A4_TEXT_BAND`), then the sheet whose
    resolution the text's is nearest by ratio; None if it is no sheet's shape, or the text's
    size is more than `PAPER_AGREES` times off every sheet's."""
    short, long = sorted((width_px, height_px))
    sheets = [  # each sheet the image is, with its resolution as that sheet
        SheetFit(sheet, (short / w_in + long / h_in) / 2)
        for sheet, (w_in, h_in) in PAPER_INCHES.items()
        if abs(short / w_in - long / h_in) <= PAPER_FIT * long / h_in
    ]
    if not sheets or estimated is None:
        return sheets[0] if sheets else None
    first = sheets[0]
    if first.sheet == "A4" and A4_TEXT_BAND[0] <= estimated / first.dpi <= A4_TEXT_BAND[1]:
        return first
    near = min(sheets, key=lambda fit: abs(math.log(estimated / fit.dpi)))
    return near if abs(math.log(estimated / near.dpi)) <= math.log(PAPER_AGREES) else None


# A card scanned alone but not cropped to its edge: the scanner's white lid around it. Its sides
# are no sheet's and its small print put the text's estimate 30-40 % low (a helper's 200-dpi
# card with a margin was estimated at 111 dpi and told to be rescanned). A citizen card's stock
# is tinted, so it stands out from the lid as one solid, card-shaped region: its sides then
# give the resolution as the sheet's do.
CARD_SHAPE = PAPER_INCHES["ID-1"][1] / PAPER_INCHES["ID-1"][0]  # 1.586
CARD_SHAPE_FIT = 0.03  # rounded corners, a blurred edge, a card a little askew
CARD_SOLID = 0.93  # tinted all through its rectangle (a frame or a table encloses white)
CARD_SHARE = (0.15, 0.95)  # of the image: a card with a margin, not a speck nor the whole image
LID_STEP = 14  # grey levels darker than the lid: tinted stock, not the lid's own grain
_CARD_WORK_PX = 800  # the outline is found on a copy this long: a card's edge is large
_CARD_LEAST_PX = 64


def card_outline_dpi(pixels: NDArray[Any], estimated: float | None) -> SheetFit | None:
    """The resolution of an image holding one citizen-ID card with a margin of lid around it,
    from the card's outline (`CARD_SHAPE`); None where there is no such card, or the text's
    size is more than `PAPER_AGREES` times off it."""
    gray = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    if min(gray.shape[:2]) < _CARD_LEAST_PX:
        return None  # a strip or a thumbnail: no card with a margin to measure
    factor = min(1.0, _CARD_WORK_PX / max(gray.shape))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    lid = float(np.percentile(small, 99))
    closing = max(3, round(max(small.shape) * 0.02)) | 1
    mask = cv2.morphologyEx(
        (small < lid - LID_STEP).astype(np.uint8),
        cv2.MORPH_CLOSE,
        np.ones((closing, closing), np.uint8),
    )
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(outline)
    short, long = sorted((side_a, side_b))
    x, y, w, h = cv2.boundingRect(outline)
    image_h, image_w = small.shape
    touches = x <= 1 or y <= 1 or x + w >= image_w - 1 or y + h >= image_h - 1
    share = short * long / (image_h * image_w)
    if (
        touches
        or short <= 0
        or abs(long / short / CARD_SHAPE - 1) > CARD_SHAPE_FIT
        or not CARD_SHARE[0] <= share <= CARD_SHARE[1]
        or _inked_inside(mask, outline) < CARD_SOLID * short * long
    ):
        return None
    dpi = (short / PAPER_INCHES["ID-1"][0] + long / PAPER_INCHES["ID-1"][1]) / 2 / factor
    if estimated is not None and abs(math.log(estimated / dpi)) > math.log(PAPER_AGREES):
        return None
    return SheetFit("ID-1", dpi)


def _inked_inside(mask: NDArray[Any], outline: NDArray[Any]) -> int:
    """Pixels of `mask` within `outline`: a table's or a frame's border encloses white paper,
    a card's tinted stock is dark all through."""
    inside = np.zeros_like(mask)
    cv2.drawContours(inside, [outline], -1, 1, thickness=cv2.FILLED)
    return int(np.count_nonzero(mask & inside))


def ocr_scale(glyph_height_px: float | None, bilevel: bool, pixels: int, in_words: bool) -> float:
    """Factor to resize the page of `pixels` by before OCR; 1.0 leaves it alone. Enlarging is
    for small images of small print (a phone photo at 70-100 dpi): only where the glyphs stand
    in words (`Glyphs.mostly_in_words`; a noisy blank page measured its grain as 13-px print
    and was read at 1.4x, 11 s a read), and never past `MAX_UPSCALED_PIXELS`: an A4 page at
    300 dpi whose "letters" measure under 12 px is a halftone or scanner grain, not print
    (enlarged 2x, a halftone page was 35 megapixels a read)."""
    if glyph_height_px is None:
        return 1.0
    if glyph_height_px > DOWNSCALE_ABOVE_PX:
        return OCR_TARGET_GLYPH_PX / glyph_height_px
    if glyph_height_px < UPSCALE_BELOW_PX and not bilevel and in_words:
        return enlargement_within_budget(min(MAX_UPSCALE, 16.0 / glyph_height_px), pixels)
    return 1.0


def enlargement_within_budget(scale: float, pixels: int) -> float:
    """`scale`, or less where it would enlarge an image of `pixels` past `MAX_UPSCALED_PIXELS`
    (never below 1: what is already larger is not shrunk for it)."""
    if scale <= 1.0:
        return scale
    return max(1.0, min(scale, math.sqrt(MAX_UPSCALED_PIXELS / max(pixels, 1))))


def recognition_dpi(glyph_height_px: float | None, scale: float, dpi: float) -> int:
    """The resolution to tell Tesseract for the image it is given. Its size heuristics (noise,
    line finding) are in points, so what matters is how large the glyphs it sees are: 45-px
    glyphs in a file claiming 96 dpi read as 34-pt text and were misread (confidence 0)."""
    if glyph_height_px is None:
        return max(70, round(dpi * scale))
    return max(70, round(glyph_height_px * scale * 72.0 / MEDIAN_GLYPH_PT))
