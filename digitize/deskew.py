"""Deskew: measure the skew of text lines and straighten the page, but only when sure.

The skew is the angle at which the horizontal projection of glyph ink is sharpest (text lines fall
into few rows). We search ±MAX_SKEW_DEG coarse to fine on glyph pixels only, so borders, photos and
table rules do not vote. A page whose estimate is weak, or that is already straight to within
STRAIGHT_ENOUGH_DEG, is left untouched: never make a page worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hoso.digitize.ink import Glyphs, Pixels, u8

MAX_SKEW_DEG = 20.0
STRAIGHT_ENOUGH_DEG = 0.1
MIN_GLYPHS = 30
MIN_CONFIDENCE = 0.25
MAX_POINTS = 150_000  # a random sample this size keeps errors under 0.05° (tests/test_deskew.py)
# The coarse 0.5° scan only has to find the right half degree: a smaller sample does, and it is
# 81 of the ~145 projections per direction (a third of the page's non-OCR time on bilevel pages).
COARSE_POINTS = 30_000


@dataclass(frozen=True)
class SkewEstimate:
    angle_deg: float  # content turned counter-clockwise by this much (image y axis pointing down)
    confidence: float  # 0-1: how much sharper the best angle is than a typical one
    sharpness: float = 0.0  # peak projection score; compares text directions of the same glyphs

    @property
    def should_correct(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE and abs(self.angle_deg) >= STRAIGHT_ENOUGH_DEG


def _ink_points(glyphs: Glyphs, quarter_turn: bool = False) -> NDArray[np.float64]:
    """Glyph pixel coordinates, centred. With quarter_turn, as seen after turning the page 90°
    clockwise (what `orient.turn_upright(pixels, 90)` does), to measure vertical text lines."""
    ys, xs = np.nonzero(glyphs.mask)
    if quarter_turn:
        xs, ys = -ys, xs
    if xs.size > MAX_POINTS:
        pick = np.random.default_rng(0).choice(xs.size, MAX_POINTS, replace=False)
        xs, ys = xs[pick], ys[pick]
    pts = np.stack([xs, ys], axis=1).astype(np.float64)
    pts -= pts.mean(axis=0)
    return pts


def projection_sharpness(
    points: NDArray[np.float64], angles_deg: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Sum of squared row counts of the ink projected at each angle (higher = sharper lines)."""
    xs, ys = points[:, 0], points[:, 1]
    scores = np.empty(angles_deg.size)
    for i, angle in enumerate(np.radians(angles_deg)):
        # A line turned counter-clockwise by `angle` rises to the right: y = c - x·tan(angle).
        projected = ys * np.cos(angle) + xs * np.sin(angle)
        bins = np.floor(projected - projected.min()).astype(np.int64)
        counts = np.bincount(bins)
        scores[i] = float(np.dot(counts, counts))
    return scores


def estimate_skew(glyphs: Glyphs, quarter_turn: bool = False) -> SkewEstimate:
    if glyphs.count < MIN_GLYPHS:
        return SkewEstimate(0.0, 0.0)
    points = _ink_points(glyphs, quarter_turn)
    sample = points
    if len(points) > COARSE_POINTS:
        sample = points[np.random.default_rng(1).choice(len(points), COARSE_POINTS, replace=False)]
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.5)
    coarse_scores = projection_sharpness(sample, coarse)
    best = float(coarse[int(np.argmax(coarse_scores))])
    step = 0.5
    for _ in range(3):
        fine = np.arange(best - step, best + step + 1e-9, step / 10)
        scores = projection_sharpness(points, fine)
        i = int(np.argmax(scores))
        best = float(fine[i])
        if 0 < i < len(fine) - 1:  # parabolic refinement between neighbours
            a, b, c = scores[i - 1], scores[i], scores[i + 1]
            denom = a - 2 * b + c
            if denom < 0:
                best += float(0.5 * (a - c) / denom) * (step / 10)
        step /= 10
    typical = float(np.median(coarse_scores))
    sample_peak = float(projection_sharpness(sample, np.array([best]))[0])  # same scale as typical
    peak = float(projection_sharpness(points, np.array([best]))[0])
    confidence = (
        0.0 if sample_peak <= 0 else max(0.0, min(1.0, (sample_peak - typical) / sample_peak))
    )
    return SkewEstimate(angle_deg=round(best, 3), confidence=round(confidence, 3), sharpness=peak)


def background_color(image: Pixels) -> tuple[int, ...]:
    """The paper colour, to fill corners uncovered by rotation (white is wrong on yellow paper)."""
    strip = image.shape[0] // 50 + 1
    channels = image.shape[2:]
    top, bottom = image[:strip].reshape(-1, *channels), image[-strip:].reshape(-1, *channels)
    median = np.median(np.concatenate([top, bottom]), axis=0)
    return tuple(int(v) for v in np.atleast_1d(median))


def rotate_by(image: Pixels, angle_deg: float) -> Pixels:
    """Turn the image counter-clockwise by angle_deg, growing the canvas so no content is cut."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = round(h * sin + w * cos), round(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    fill = background_color(image)
    return u8(
        cv2.warpAffine(
            image,
            matrix,
            (new_w, new_h),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=fill if len(fill) > 1 else fill[0],
        )
    )


def straighten(image: Pixels, estimate: SkewEstimate) -> Pixels:
    if not estimate.should_correct:
        return image
    return rotate_by(image, -estimate.angle_deg)
