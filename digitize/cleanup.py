"""Cleanup for recognition only. The archival image is the straightened page as scanned; what we
do here (grey conversion, seal removal, background flattening, scaling) feeds Tesseract and is
thrown away."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from hoso.digitize.ink import Pixels, flatten_background, u8

OCR_MARGIN_PX = 24  # white border added around the recognition image; word boxes shift by this

SEAL_RED_FRACTION = 0.0001  # ~900 px of an A4 page at 300 dpi: a seal ring is ~10x that

# Dust: ink specks smaller than half a letter and farther than 0.8 letter heights from any letter.
# Vietnamese tone marks and dots are as small as dust at 150 dpi but always sit next to a letter.
DUST_SIZE = 0.5  # of the letter height: a component below this is a speck (or a mark)
DUST_REACH = 0.8  # of the letter height: a mark this close to a letter belongs to it
# Only a dusty page is cleaned: a clean page has a few isolated marks (dashes, stray dots) whose
# removal cost 0.2-0.5 % CER on clean 300-dpi and bilevel 200-dpi pages; dust comes by hundreds.
DUST_MIN_SHARE = 0.1  # isolated specks per letter-sized component
MIN_COMPONENTS = 20


def recognition_gray(pixels: Pixels) -> Pixels:
    """Grey for OCR. Where red seals are present, the red channel is used and red-dominant pixels
    are painted paper-white: the seal disappears while black print, even under it, stays dark
    (seals often sit over the signer's name and would otherwise be read as text)."""
    if pixels.ndim == 2:
        return pixels
    r = pixels[:, :, 0].astype(np.int16)
    g = pixels[:, :, 1].astype(np.int16)
    b = pixels[:, :, 2].astype(np.int16)
    red = (r - np.maximum(g, b) > 50) & (r > 110)
    if float(np.mean(red)) > SEAL_RED_FRACTION:
        gray = pixels[:, :, 0].copy()
        gray[red] = 255  # black print under a seal is not red-dominant, so it survives this
        return gray
    return u8(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY))


def prepare_for_ocr(pixels: Pixels, scale: float, bilevel: bool) -> Image.Image:
    gray = recognition_gray(pixels)
    if abs(scale - 1.0) > 0.01:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        gray = u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation))
    if not bilevel:
        gray = flatten_background(gray)
    gray = remove_dust(gray)
    # Tesseract misreads text that touches the image edge (a tight 88-px crop of one line came back
    # unspaced with confidence 0; with a margin, 93 %).
    margin = OCR_MARGIN_PX
    padded = cv2.copyMakeBorder(
        gray, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255
    )
    return Image.fromarray(u8(padded))


def remove_dust(gray: Pixels) -> Pixels:
    """Paint isolated specks paper-white on a dusty page. At 150 dpi with dust, Tesseract read
    specks as letters and tone marks (CER 0.12-0.49 on our noisy pages; 0.03-0.16 without them).
    The letter height is measured here, on the large components only: dust drags the page's
    median glyph height to 4-5 px at 150 dpi, far below the 13 px of its letters."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(u8(ink), connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    if heights.size < MIN_COMPONENTS:
        return gray
    letter = float(np.median(heights[heights >= np.percentile(heights, 90) / 2]))
    small = np.concatenate([[False], np.maximum(heights, widths) < letter * DUST_SIZE])
    letters = u8((labels > 0) & ~small[labels])
    reach = max(3, int(letter * DUST_REACH) | 1)
    near = cv2.dilate(letters, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    beside_letter = np.zeros(count, dtype=bool)
    beside_letter[np.unique(labels[near > 0])] = True
    dust = small & ~beside_letter
    if int(dust.sum()) < DUST_MIN_SHARE * (heights.size - int(small.sum())):
        return gray
    cleaned = gray.copy()
    cleaned[dust[labels]] = 255
    return cleaned
