"""Resolution: what the page's text size says about its scale, for pages that do not say it.

Phone photos and images without DPI metadata are common at desks. Body text of administrative
papers is 12–14 pt (Decree 30/2020: Times New Roman 13–14), whose median glyph height measured
6.5 pt on our synthetic pages across fonts and on real scans of known resolution (5.3–8.2 pt).
That fixes the effective DPI to about ±25 %: enough to flag a sub-200-dpi copy and size the page.
"""

from __future__ import annotations

import math

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
# Legal). A scanner that writes no resolution still scans the whole sheet: an image whose sides
# fit one within PAPER_FIT at one resolution is that sheet, far surer than the text's size
# (±25 %: an A4 page at exactly 200 dpi in Times 13 pt measured 188 and was flagged under the
# legal minimum).
PAPER_INCHES = ((8.27, 11.69), (11.69, 16.54), (5.83, 8.27), (8.5, 11.0), (8.5, 14.0))
PAPER_FIT = 0.005
PAPER_AGREES = 0.3  # the text's estimate, where there is one, must be this close


def paper_dpi(width_px: int, height_px: int, estimated: float | None) -> float | None:
    """The resolution of an image whose sides are those of a sheet of paper (`PAPER_INCHES`),
    the first sheet listed, A4, unless the text's size says another sheet is nearer; None if
    it is no sheet's shape, or the text's size says no sheet's resolution (a card or a receipt
    cut to A4's shape)."""
    short, long = sorted((width_px, height_px))
    fits = [
        (short / w_in + long / h_in) / 2
        for w_in, h_in in PAPER_INCHES
        if abs(short / w_in - long / h_in) <= PAPER_FIT * long / h_in
    ]
    if estimated is not None:
        fits = [dpi for dpi in fits if abs(estimated - dpi) <= PAPER_AGREES * dpi]
        fits.sort(key=lambda dpi: abs(estimated - dpi))
    return fits[0] if fits else None


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
