"""Resolution: what the page's text size says about its scale, for pages that do not say it.

Phone photos and images without DPI metadata are common at desks. Body text of administrative
papers is 12–14 pt (Decree 30/2020: Times New Roman 13–14), whose median glyph height measured
6.5 pt on our synthetic pages across fonts and on real scans of known resolution (5.3–8.2 pt).
That fixes the effective DPI to about ±25 %: enough to flag a sub-200-dpi copy and size the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
