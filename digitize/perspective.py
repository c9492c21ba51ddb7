"""Phone photos: find the paper's outline against the desk and warp it flat, before deskew.

A photo of a page shows the desk around it, a few degrees of tilt and some keystone (the phone
is not held square over the paper). Deskew cannot undo keystone: lines at the top and bottom of
the page meet at different angles, and OCR reads the page as if it were skewed by the worst of
them (issue 16: ~0.7° of skew error, CER ≈ 0.10 on ~100-dpi photos). So the page's four
corners are found and the quadrilateral is mapped to a rectangle of the paper's shape.

Never make a page worse: a scan whose paper fills the frame (no desk around it) is not a photo
and is left untouched, bit for bit. A photo whose outline is not clearly a quadrilateral well
inside the frame (the page runs off the picture, a hand covers a corner, the desk is as bright
as the paper) is left as it is too, with a warning saying so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hoso.digitize.ink import Pixels, to_gray, u8
from hoso.digitize.page_warnings import OUTLINE_NOT_FOUND

ANALYSIS_LONG_SIDE = 1200  # px; the outline is a large shape, this is plenty and fast
RING = (0.01, 0.03)  # the band of the frame, as a share of its size, where a desk would show
DESK_SHARE = 0.3  # of that band darker than the paper: there is a desk, this is a photo
MIN_PAGE_SHARE = 0.2  # of the frame the page must cover to be the page
MIN_CONTRAST = 30  # grey levels between the paper and the desk around it
MIN_DESK_STEP = 12  # grey levels: a band darker than the paper by less is the paper's own grain
MIN_FILL = 0.85  # of the quadrilateral the paper must fill (a hand or shadow may take the rest)
EDGE_MARGIN = 0.01  # a corner this close to the frame's edge may be cut off: not trusted
CORNER_ANGLES = (60.0, 120.0)  # degrees; a page seen slightly askew keeps near-right corners
A4_RATIO = math.sqrt(2)
EDGE_TRIM = 0.004  # of the page's long side cut off each edge after warping
SIDE_SAMPLES = 60  # points measured along each side
EDGE_SEARCH_PX = 6  # how far across the rough side the paper's edge is looked for
A4_TOLERANCE = 0.08  # within 8 % of √2 is A4 (Decree 30 papers); US letter is 8.5 % off

Corners = NDArray[np.float64]  # (4, 2) x, y: top left, top right, bottom right, bottom left


@dataclass(frozen=True)
class PageOutline:
    """What was found: `corners` (source pixels) when the photo's page was clearly outlined;
    `warning` when the frame looks like a photo but no outline could be trusted. Neither for a
    flat scan."""

    corners: Corners | None = None
    warning: str | None = None


NOT_A_PHOTO = PageOutline()


def find_page(pixels: Pixels) -> PageOutline:
    """The page's four corners in a photo, or why not. A strip too thin to hold a page once
    shrunk for the analysis is no photo of one (a 3000 × 1 image had failed the whole
    document with OpenCV's error: a reviewing helper's file)."""
    gray = to_gray(pixels)
    if min(gray.shape) * ANALYSIS_LONG_SIDE < MIN_ANALYSED_SIDE * max(gray.shape):
        return NOT_A_PHOTO
    small, scale = _shrink(gray)
    paper = _paper_mask(small)
    if paper is None:
        return NOT_A_PHOTO
    mask, threshold = paper
    if not _desk_around(mask, small):
        return NOT_A_PHOTO
    page = _largest_component(mask)
    if page is None or not _contrasted(small, page, threshold):
        return PageOutline(warning=OUTLINE_NOT_FOUND)
    quad = _quadrilateral(page, small)
    if quad is None or not _plausible(quad, page):
        return PageOutline(warning=OUTLINE_NOT_FOUND)
    return PageOutline(corners=quad / scale)


def warp_flat(pixels: Pixels, corners: Corners) -> Pixels:
    """Map the page's quadrilateral to an upright rectangle of the paper's shape, at the
    resolution of its longest side (no detail is thrown away)."""
    matrix, (width, height) = flat_map(corners)
    return u8(
        cv2.warpPerspective(
            pixels, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        )
    )


def flat_map(corners: Corners) -> tuple[NDArray[np.float64], tuple[int, int]]:
    """The 3×3 perspective map `warp_flat` applies (photo pixels -> flattened page pixels) and
    the flattened page's width and height."""
    width, height = page_size(corners)
    # The paper's very edge (a blend with the desk, a dark line) is cut off: Tesseract read it
    # as a line of junk. A page's margins are far wider than this.
    trim = max(2, round(EDGE_TRIM * max(width, height)))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    ) - np.float32(trim)
    matrix = np.asarray(
        cv2.getPerspectiveTransform(np.asarray(corners, dtype=np.float32), target), np.float64
    )
    return matrix, (width - 2 * trim, height - 2 * trim)


def page_size(corners: Corners) -> tuple[int, int]:
    """Width and height of the flattened page: A4's shape when the sides measure close to it
    (perspective makes the measure a few per cent off), else the sides as measured."""
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    long_side, short_side = max(width, height), min(width, height)
    if abs(long_side / short_side / A4_RATIO - 1) <= A4_TOLERANCE:
        short_side = long_side / A4_RATIO
    if width >= height:
        return round(long_side), round(short_side)
    return round(short_side), round(long_side)


MIN_ANALYSED_SIDE = 8  # pixels: a page's short side once shrunk for the analysis, at least


def _shrink(gray: Pixels) -> tuple[Pixels, float]:
    long_side = max(gray.shape)
    if long_side <= ANALYSIS_LONG_SIDE:
        return gray, 1.0
    scale = ANALYSIS_LONG_SIDE / long_side
    return u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)), scale


def _paper_mask(small: Pixels) -> tuple[Pixels, float] | None:
    """Bright = paper. Text is closed away first so it does not cut the page into pieces, and
    the threshold is Otsu's on what is left: paper against desk."""
    k = max(5, (min(small.shape) // 60) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    filled = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    filled = cv2.GaussianBlur(filled, (5, 5), 0)
    threshold, mask = cv2.threshold(filled, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if threshold <= 0:
        return None  # one flat colour
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)  # cut thin bright bridges to the desk
    return u8(opened), float(threshold)


def _desk_around(mask: Pixels, small: Pixels) -> bool:
    """A photo shows the desk near the frame's edges; a scan's paper reaches them (a scanner's
    thin dark edge lies outside the band looked at). The desk must also be visibly darker than
    the paper: on a clean scan Otsu splits the paper's own grain (threshold 254, "desk" and
    paper both at 252), and every such scan, the bundled sample among them, was told to be
    photographed again."""
    h, w = mask.shape
    outer_y, outer_x = int(h * RING[0]), int(w * RING[0])
    inner_y, inner_x = max(outer_y + 1, int(h * RING[1])), max(outer_x + 1, int(w * RING[1]))
    band = np.zeros(mask.shape, dtype=bool)
    band[outer_y : h - outer_y, outer_x : w - outer_x] = True
    band[inner_y : h - inner_y, inner_x : w - inner_x] = False
    desk = band & (mask == 0)
    if float(np.mean(mask[band] == 0)) < DESK_SHARE or not (mask > 0).any():
        return False
    return float(np.median(small[mask > 0]) - np.median(small[desk])) >= MIN_DESK_STEP


def _largest_component(mask: Pixels) -> Pixels | None:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count <= 1:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    best = int(np.argmax(areas)) + 1
    if areas[best - 1] < MIN_PAGE_SHARE * mask.size:
        return None
    return u8(labels == best)


def _contrasted(small: Pixels, page: Pixels, threshold: float) -> bool:
    """The paper must stand clearly above the desk next to it, else its edge is a guess."""
    k = max(5, (min(small.shape) // 40) | 1)
    ring = cv2.dilate(page, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))) - page
    if not ring.any():
        return False
    paper_level = float(np.median(small[page > 0]))
    desk_level = float(np.median(small[ring > 0]))
    return paper_level - desk_level >= MIN_CONTRAST and desk_level < threshold


def _quadrilateral(page: Pixels, gray: Pixels) -> Corners | None:
    """Four corners: the convex hull (which bridges a hand or shadow over an edge) simplified to
    four points, then each side refitted to where the grey level steps from paper to desk (a
    threshold shifts the edge where the light falls off; the steepest step does not)."""
    contours, _ = cv2.findContours(page, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    perimeter = cv2.arcLength(hull, closed=True)
    approx = None
    for share in (0.01, 0.02, 0.03, 0.04, 0.05):
        candidate = cv2.approxPolyDP(hull, share * perimeter, closed=True)
        if len(candidate) == 4:
            approx = candidate.reshape(4, 2).astype(np.float64)
            break
    if approx is None:
        return None
    rough = _ordered(approx)
    smooth = np.asarray(cv2.GaussianBlur(gray, (0, 0), 1.0), dtype=np.float32)
    lines = [_fit_side(smooth, rough[i], rough[(i + 1) % 4]) for i in range(4)]
    refined = np.array([_intersect(lines[i - 1], lines[i]) for i in range(4)])
    if not np.all(np.isfinite(refined)) or np.max(np.abs(refined - rough)) > 0.02 * perimeter:
        return rough
    return refined


def _ordered(quad: Corners) -> Corners:
    """Top left, top right, bottom right, bottom left, as the photo shows them."""
    center = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - center[1], quad[:, 0] - center[0])
    clockwise = quad[np.argsort(angles)]  # image y points down: increasing angle is clockwise
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0)


def _fit_side(
    smooth: NDArray[np.float32], start: NDArray[np.float64], end: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A side as (point, direction): along its middle 80 % (blur rounds the corners), the
    steepest grey step across it, to a fraction of a pixel, then a robust line through those
    points (where a hand lies over the edge, its points are off the line and count little)."""
    direction = end - start
    unit = direction / float(np.linalg.norm(direction))
    normal = np.array([-unit[1], unit[0]])
    along = np.linspace(0.1, 0.9, SIDE_SAMPLES)[:, None] * direction + start
    offsets = np.arange(-EDGE_SEARCH_PX, EDGE_SEARCH_PX + 1, dtype=np.float64)
    xs = along[:, 0:1] + offsets[None, :] * normal[0]
    ys = along[:, 1:2] + offsets[None, :] * normal[1]
    profiles = cv2.remap(
        smooth,
        xs.astype(np.float32),
        ys.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    steps = np.abs(np.diff(profiles, axis=1))
    best = np.argmax(steps[:, 1:-1], axis=1) + 1
    rows = np.arange(len(best))
    left, middle, right = steps[rows, best - 1], steps[rows, best], steps[rows, best + 1]
    curvature = left - 2 * middle + right
    shift = np.where(
        curvature < 0, 0.5 * (left - right) / np.where(curvature < 0, curvature, -1), 0
    )
    where = offsets[best] + 0.5 + shift  # a step between samples i and i+1 lies at i + 0.5
    points = along + where[:, None] * normal
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)
    return np.array([x0[0], y0[0]], dtype=np.float64), np.array([vx[0], vy[0]], dtype=np.float64)


def _intersect(
    a: tuple[NDArray[np.float64], NDArray[np.float64]],
    b: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> NDArray[np.float64]:
    (p, r), (q, s) = a, b
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-9:
        return np.array([np.nan, np.nan])
    t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / cross
    return np.asarray(p + t * r, dtype=np.float64)


def _plausible(quad: Corners, page: Pixels) -> bool:
    """A page, wholly in the frame: no corner at the frame's edge (the page may go on beyond
    it), near-right corners, and paper filling the shape."""
    h, w = page.shape
    margin_x, margin_y = EDGE_MARGIN * w, EDGE_MARGIN * h
    inside = (
        (quad[:, 0] > margin_x)
        & (quad[:, 0] < w - 1 - margin_x)
        & (quad[:, 1] > margin_y)
        & (quad[:, 1] < h - 1 - margin_y)
    )
    if not inside.all():
        return False
    for i in range(4):
        before, after = quad[i - 1] - quad[i], quad[(i + 1) % 4] - quad[i]
        cosine = before @ after / (np.linalg.norm(before) * np.linalg.norm(after))
        angle = math.degrees(math.acos(float(np.clip(cosine, -1.0, 1.0))))
        if not CORNER_ANGLES[0] <= angle <= CORNER_ANGLES[1]:
            return False
    area = cv2.contourArea(quad.astype(np.float32))
    return area > 0 and float(page.sum()) / area >= MIN_FILL
