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

from hoso.digitize.ink import Glyphs, Pixels, ink_at, u8

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
    ys, xs = ink_at(glyphs.mask)
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
    """Sum of squared row counts of the ink projected at each angle (higher = sharper lines).
    Rows are counted from the same place at every angle, just past the farthest point's reach,
    so no angle pays for finding its own lowest point (issue 18)."""
    xs, ys = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    reach = float(np.sqrt(np.max(xs * xs + ys * ys))) + 1.0 if xs.size else 0.0
    scores = np.empty(angles_deg.size)
    for i, angle in enumerate(np.radians(angles_deg)):
        # A line turned counter-clockwise by `angle` rises to the right: y = c - x·tan(angle).
        projected = ys * np.cos(angle)
        projected += xs * np.sin(angle)
        projected += reach
        counts = np.bincount(projected.astype(np.intp))
        scores[i] = float(np.dot(counts, counts))
    return scores


# The baseline refinement is for the few short lines of cards and small pages at scanner skews;
# on a real leaflet scanned 15° askew it moved a right projection estimate away from the truth
# (-14.93° → -14.77°, corpus deskew-8), so a large skew keeps the projection's angle.
REFINE_MAX_DEG = 8.0


@dataclass(frozen=True)
class CoarseSearch:
    """The first, 0.5° scan of one line direction: enough to compare two directions, which
    `refine` then measures to a hundredth of a degree."""

    quarter_turn: bool
    points: NDArray[np.float64]
    sample: NDArray[np.float64]
    angles: NDArray[np.float64]
    scores: NDArray[np.float64]

    @property
    def peak(self) -> float:
        return float(self.scores.max()) if self.scores.size else 0.0


def coarse_search(glyphs: Glyphs, quarter_turn: bool = False) -> CoarseSearch | None:
    """None when there are too few glyphs to measure anything."""
    if glyphs.count < MIN_GLYPHS:
        return None
    points = _ink_points(glyphs, quarter_turn)
    sample = points
    if len(points) > COARSE_POINTS:
        sample = points[np.random.default_rng(1).choice(len(points), COARSE_POINTS, replace=False)]
    angles = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.5)
    return CoarseSearch(quarter_turn, points, sample, angles, projection_sharpness(sample, angles))


def refine(search: CoarseSearch | None, glyphs: Glyphs) -> SkewEstimate:
    if search is None:
        return SkewEstimate(0.0, 0.0)
    points, sample = search.points, search.sample
    best = _sharpen(points, float(search.angles[int(np.argmax(search.scores))]), 0.5)
    near = abs(best) <= REFINE_MAX_DEG
    on_edges = _baseline_angle(glyphs, best, search.quarter_turn) if near else None
    if on_edges is not None:
        best = on_edges
    else:
        # The baselines had no say (a large skew, too few edges, no peak in their span): the
        # projection alone goes to a thousandth of a degree. When they do, this would be
        # thrown away (two thirds of the projection's time on a page, issue 18).
        best = _sharpen(points, _sharpen(points, best, 0.05), 0.005)
    typical = float(np.median(search.scores))
    sample_peak = float(projection_sharpness(sample, np.array([best]))[0])  # same scale as typical
    peak = float(projection_sharpness(points, np.array([best]))[0])
    confidence = (
        0.0 if sample_peak <= 0 else max(0.0, min(1.0, (sample_peak - typical) / sample_peak))
    )
    return SkewEstimate(angle_deg=round(best, 3), confidence=round(confidence, 3), sharpness=peak)


def _sharpen(points: NDArray[np.float64], best: float, step: float) -> float:
    """The projection's peak within `step` of `best`, to a tenth of `step`."""
    fine = np.arange(best - step, best + step + 1e-9, step / 10)
    return _parabolic_peak(fine, projection_sharpness(points, fine), step / 10)


def estimate_skew(glyphs: Glyphs, quarter_turn: bool = False) -> SkewEstimate:
    return refine(coarse_search(glyphs, quarter_turn), glyphs)


def _edge_points(glyphs: Glyphs, quarter_turn: bool) -> tuple[NDArray[np.float64], ...]:
    """Where glyph ink ends going down the page (lower edges) and going up (upper edges), as
    (x, y) points about the page's centre, in random order, seen as `_ink_points` sees it."""
    mask = glyphs.mask.view(bool)
    if quarter_turn:
        mask = np.ascontiguousarray(np.rot90(mask, -1))  # as orient.turn_upright(pixels, 90)
    h, w = mask.shape
    lower = np.zeros_like(mask)
    lower[:-1] = mask[:-1] & ~mask[1:]
    upper = np.zeros_like(mask)
    upper[1:] = mask[1:] & ~mask[:-1]
    rng = np.random.default_rng(2)
    edges = []
    for edge in (lower, upper):
        ey, ex = ink_at(edge)
        pick = rng.permutation(ex.size)[:EDGE_POINTS]  # random order: any prefix is a sample
        edges.append(np.stack([ex[pick] - w / 2, ey[pick] - h / 2], axis=1).astype(np.float64))
    return tuple(edges)


def _edge_sharpness(
    edges: tuple[NDArray[np.float64], ...], angles_deg: NDArray[np.float64], sigma: float
) -> NDArray[np.float64]:
    """How tightly the glyphs' edges gather into rows at each angle: the energy of their smoothed
    projection (bins of a quarter pixel). Smoothing makes the score a continuous function of the
    angle, which a hard 1-px projection of a few short lines is not."""
    bin_px = 0.25
    radius = int(np.ceil(3 * sigma / bin_px))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) * bin_px / sigma) ** 2)
    scores = np.zeros(angles_deg.size)
    for i, angle in enumerate(np.radians(angles_deg)):
        for points in edges:
            projected = points[:, 1] * np.cos(angle) + points[:, 0] * np.sin(angle)
            bins = np.floor((projected - projected.min()) / bin_px).astype(np.int64)
            density = np.convolve(np.bincount(bins).astype(np.float64), kernel)
            scores[i] += float(np.dot(density, density))
    return scores


EDGE_POINTS = 60_000  # per edge kind; a random sample keeps a page's refinement cheap
COARSE_EDGE_POINTS = 15_000
REFINE_SPAN_DEG = 0.6  # the projection estimate is within this of the truth (worst seen: 0.45)
# Two passes: every 0.05° across the span on a sample, then every 0.01° around the best.
REFINE_STEPS_DEG = (0.05, 0.01)
# Half a pixel: edges lie on whole rows. Wider blurs a card's peak (tuning cards: 0.7 px, 0.09°
# worst; 1.0 px, 0.2°).
EDGE_SIGMA_PX = 0.5


def refine_on_baselines(glyphs: Glyphs, angle_deg: float, quarter_turn: bool) -> float:
    """Sharpen the projection's angle on the glyphs' lower and upper edges. A few short lines of
    mixed sizes (an ID card: ~60 letters in 8 lines, a photo beside them) leave the projection
    of all ink flat-topped and jagged, 0.33° off: inside a line, letter shapes only add noise;
    the baseline and the top line are where a line's glyphs agree to a pixel. Each line counts
    by how much edge it has: long lines weigh most."""
    angle = _baseline_angle(glyphs, angle_deg, quarter_turn)
    return angle_deg if angle is None else angle


def _baseline_angle(glyphs: Glyphs, angle_deg: float, quarter_turn: bool) -> float | None:
    """`refine_on_baselines`, or None when the edges have no say."""
    edges = _edge_points(glyphs, quarter_turn)
    if min(len(e) for e in edges) < MIN_GLYPHS:
        return None
    coarse_step, fine_step = REFINE_STEPS_DEG
    coarse = tuple(e[:COARSE_EDGE_POINTS] for e in edges)  # already in random order
    angles = angle_deg + np.arange(-REFINE_SPAN_DEG, REFINE_SPAN_DEG + 1e-9, coarse_step)
    scores = _edge_sharpness(coarse, angles, EDGE_SIGMA_PX)
    i = int(np.argmax(scores))
    if i in (0, len(angles) - 1):  # no peak inside the span: the refinement has no say
        return None
    angles = angles[i] + np.arange(-coarse_step, coarse_step + 1e-9, fine_step)
    return _parabolic_peak(angles, _edge_sharpness(edges, angles, EDGE_SIGMA_PX), fine_step)


def _parabolic_peak(angles: NDArray[np.float64], scores: NDArray[np.float64], step: float) -> float:
    """The best of `angles` (`step` apart), moved to the top of the parabola through its
    neighbours' scores when it has both."""
    i = int(np.argmax(scores))
    best = float(angles[i])
    if 0 < i < len(angles) - 1:
        a, b, c = scores[i - 1], scores[i], scores[i + 1]
        denom = a - 2 * b + c
        if denom < 0:
            best += float(0.5 * (a - c) / denom) * step
    return best


def background_color(image: Pixels) -> tuple[int, ...]:
    """The paper colour, to fill corners uncovered by rotation (white is wrong on yellow paper)."""
    strip = image.shape[0] // 50 + 1
    channels = image.shape[2:]
    top, bottom = image[:strip].reshape(-1, *channels), image[-strip:].reshape(-1, *channels)
    median = np.median(np.concatenate([top, bottom]), axis=0)
    return tuple(int(v) for v in np.atleast_1d(median))


def rotation_matrix(
    width: int, height: int, angle_deg: float
) -> tuple[NDArray[np.float64], int, int]:
    """The 2×3 map of a counter-clockwise turn by angle_deg about the centre onto a canvas grown
    so no content is cut, and that canvas's width and height."""
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = round(height * sin + width * cos), round(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    return np.asarray(matrix, dtype=np.float64), new_w, new_h


def rotate_by(image: Pixels, angle_deg: float) -> Pixels:
    """Turn the image counter-clockwise by angle_deg, growing the canvas so no content is cut."""
    h, w = image.shape[:2]
    matrix, new_w, new_h = rotation_matrix(w, h, angle_deg)
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
