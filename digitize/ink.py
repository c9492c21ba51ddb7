"""Find the glyphs on a page: the shared measurement under deskew, orientation and resolution.

Everything downstream wants "the pixels that are letters", not borders, photos, rules or dust, so
we binarise once and keep connected components of letter-like size and shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Pixels = NDArray[np.uint8]

ANALYSIS_LONG_SIDE = 2400  # px; enough for ~0.03° angular resolution, cheap to analyse


@dataclass(frozen=True)
class Glyphs:
    """Letter-like components of a (possibly downscaled) page image."""

    mask: Pixels  # 1 where a kept glyph has ink
    heights: NDArray[np.int32]
    widths: NDArray[np.int32]
    centers: NDArray[np.float64]  # (n, 2) x, y
    scale: float  # analysis pixels per source pixel

    @property
    def count(self) -> int:
        return int(self.heights.size)


def u8(array: object) -> Pixels:
    """View OpenCV's loosely typed results as the uint8 pixels they are (no copy)."""
    return np.asarray(array, dtype=np.uint8)


def to_gray(image: Pixels) -> Pixels:
    if image.ndim == 2:
        return image
    return u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))


def downscale_for_analysis(gray: Pixels) -> tuple[Pixels, float]:
    long_side = max(gray.shape)
    if long_side <= ANALYSIS_LONG_SIDE:
        return gray, 1.0
    scale = ANALYSIS_LONG_SIDE / long_side
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return u8(small), scale


def binarize(gray: Pixels) -> Pixels:
    """Ink = 1. The background is flattened first so shadows, yellowing, dark scans stay paper."""
    flat = flatten_background(gray)
    _, ink = cv2.threshold(flat, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return u8(ink)


def flatten_background(gray: Pixels) -> Pixels:
    """Divide by a smooth estimate of the paper so uneven lighting and tinted paper become white.
    The paper varies slowly, so it is estimated on a copy ~8x smaller (a full-size blur of this
    radius took 5 s on an 81-megapixel page) and scaled back."""
    h, w = gray.shape
    shrink = max(1, min(h, w) // 400)
    small = gray[::shrink, ::shrink] if shrink > 1 else gray
    k = max(15, (min(small.shape) // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (0, 0), k / 3)
    if shrink > 1:
        background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    return u8(cv2.divide(gray, np.maximum(background, 1), scale=255))


def find_glyphs(image: Pixels) -> Glyphs:
    gray, scale = downscale_for_analysis(to_gray(image))
    ink = binarize(gray)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h_img, w_img = ink.shape
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    fill = area / np.maximum(w * h, 1)
    touches_edge = (x == 0) | (y == 0) | (x + w >= w_img) | (y + h >= h_img)
    keep = (
        (h >= 4)
        & (w >= 2)
        & (h <= h_img / 15)
        & (w <= w_img / 8)
        & (area >= 8)
        & (fill >= 0.08)
        & (fill <= 0.95)
        & (w <= 6 * h)
        & (h <= 6 * w)
        & ~touches_edge
    )
    kept_labels = np.flatnonzero(keep) + 1
    lookup = np.zeros(count, dtype=np.uint8)
    lookup[kept_labels] = 1
    mask = lookup[labels]
    return Glyphs(
        mask=mask,
        heights=h[keep].astype(np.int32),
        widths=w[keep].astype(np.int32),
        centers=centroids[1:][keep],
        scale=scale,
    )
