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
    # Tesseract misreads text that touches the image edge (a tight 88-px crop of one line came back
    # unspaced with confidence 0; with a margin, 93 %).
    margin = OCR_MARGIN_PX
    padded = cv2.copyMakeBorder(
        gray, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255
    )
    return Image.fromarray(u8(padded))
