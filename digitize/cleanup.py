"""Cleanup for recognition only. The archival image is the straightened page as scanned; what we
do here (grey conversion, seal removal, background flattening, scaling) feeds Tesseract and is
thrown away."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from hoso.digitize.ink import (
    DUST_SIZE,
    Glyphs,
    Pixels,
    flatten_background,
    in_a_line,
    isolated_specks,
    leader_dots,
    u8,
)
from hoso.digitize.rules import BoxedRow, find_boxed_rows, painted_out

OCR_MARGIN_PX = 24  # white border added around the recognition image; word boxes shift by this

SEAL_RED_FRACTION = 0.0001  # ~900 px of an A4 page at 300 dpi: a seal ring is ~10x that

# Only a dusty page is cleaned: a clean page has a few isolated marks (dashes, stray dots) whose
# removal cost 0.2-0.5 % CER on clean 300-dpi and bilevel 200-dpi pages; dust comes by hundreds.
# Isolated specks per glyph measured by `find_glyphs`: 0.00-0.02 on clean, mild and bilevel
# pages, 0.04-0.09 on degraded 300-dpi ones (noise), 1.4-2.7 on the 150-dpi dusty ones.
DUST_MIN_SHARE = 0.25


@dataclass(frozen=True)
class DustPlan:
    """Decided once per page from its glyphs (`plan_dust`) and used on every read of it: whether
    to clean dust, and how large the page's letters are (their median larger side, in source
    pixels) to tell specks from them. A clean page is read without looking for dust at all.
    `leaders`: what is cleaned is a form's dotted leaders, not dust (`remove_dust`)."""

    dusty: bool = False
    letter_px: float = 0.0
    leaders: bool = False


NO_DUST = DustPlan()


def plan_dust(glyphs: Glyphs) -> DustPlan:
    letters = glyphs.letters()
    if int(letters.sum()) < MIN_COMPONENTS:
        return NO_DUST
    dusty = glyphs.specks >= DUST_MIN_SHARE * glyphs.count
    # Leaders (`ink.leader_dots`: none below its own count), read with the page, came back as
    # runs of junk ("034082004567.....nnnnnnnnnnnn nen", a tax code "0109876557" as
    # "01098765570057") at 58 % confidence on a clean 300-dpi form; with their dots painted
    # out, 94 %, every value right.
    leaders = not dusty and glyphs.leader_dots > 0
    if not dusty and not leaders:
        return NO_DUST
    size = np.median(np.maximum(glyphs.heights, glyphs.widths)[letters])
    return DustPlan(dusty=True, letter_px=float(size) / glyphs.scale, leaders=leaders)


MIN_COMPONENTS = 20


def recognition_gray(pixels: Pixels) -> Pixels:
    """Grey for OCR, red seals painted out (`gray_without_seals`)."""
    return gray_without_seals(pixels)[0]


# Red on a page is painted out of what OCR reads (seals, stamps over the text), except where it
# is plainly print: its marks, joined across SEAL_JOIN of the page's shorter side, make a line
# (RED_LINE_ASPECT times wider than high or more), away from the page's edges, on bare paper
# (under RED_OVER_INK of the line's area dark and not red). A citizen-ID card's red title
# "CĂN CƯỚC CÔNG DÂN" is such a line; it was painted out and read "CAN CƯỚC CDONG DẠN" or not
# at all. Round seals, seals side by side, a seal cut by the page's edge, a stamp or a block
# of red over black print are painted out as before (a reviewing helper's pages: kept as grey,
# they garbled the print under them).
SEAL_JOIN = 0.03
RED_LINE_ASPECT = 2.0
RED_OVER_INK = 0.02
_RED_ANALYSIS_SIDE = 400  # px of the shorter side the red marks are looked at in


def gray_without_seals(pixels: Pixels) -> tuple[Pixels, bool]:
    """Grey for OCR, and whether red was painted out (then a red code is gone too). Where a
    page carries red, it is read in its red channel with red-dominant pixels painted
    paper-white: a seal disappears while black print, even under it, stays dark (seals often
    sit over the signer's name and were read as text). Lines of red print on bare paper
    (`red_print`) keep their plain grey and are read."""
    if pixels.ndim == 2:
        return pixels, False
    r, g, b = cv2.split(pixels)
    # In uint8, saturating (a channel darker than the others gives 0): no wide copies of the
    # page (three int16 planes were 60-90 ms of a colour page's reads, issue 18).
    red = (cv2.subtract(r, cv2.max(g, b)) > 50) & (r > 110)
    if cv2.countNonZero(red.view(np.uint8)) <= SEAL_RED_FRACTION * red.size:
        return u8(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)), False
    gray = u8(r.copy())
    kept = red_print(pixels, red)
    painted = red & ~kept
    if kept.any():
        gray[kept] = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)[kept]
    gray[painted] = 255  # black print under a seal is not red-dominant, so it survives this
    return gray, bool(painted.any())


def red_print(pixels: Pixels, red: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The red pixels that are lines of print on bare paper (see RED_LINE_ASPECT), found on a
    copy about 400 px on its shorter side."""
    height, width = red.shape
    step = max(1, min(height, width) // _RED_ANALYSIS_SIDE)
    small_red = np.ascontiguousarray(red[::step, ::step]).view(np.uint8)
    small = pixels[::step, ::step]
    dark_ink = (cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY) < 110) & ~(
        small_red.astype(bool)
    )
    reach = max(1, round(SEAL_JOIN * min(height, width) / step))
    joined = cv2.dilate(small_red, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    rows, columns = joined.shape
    is_print = np.zeros(count, dtype=bool)
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        at_edge = x == 0 or y == 0 or x + w >= columns or y + h >= rows
        if at_edge or max(w, h) < RED_LINE_ASPECT * min(w, h):
            continue
        box = labels[y : y + h, x : x + w] == label
        if np.count_nonzero(dark_ink[y : y + h, x : x + w] & box) > RED_OVER_INK * area:
            continue
        is_print[label] = True
    if not is_print.any():
        return np.zeros_like(red)
    keep = is_print[labels].astype(np.uint8)
    full = cv2.resize(keep, (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    return np.asarray(red & full, dtype=bool)


@dataclass(frozen=True)
class Recognition:
    """The image Tesseract reads, and the rows of boxes painted out of it (`rules`), in its
    pixels: their characters are read apart, from `unpainted` (the same image before)."""

    image: Image.Image
    boxed_rows: tuple[BoxedRow, ...] = ()
    unpainted: Pixels | None = None


def prepare_for_ocr(
    pixels: Pixels,
    scale: float,
    bilevel: bool,
    dust: DustPlan = NO_DUST,
    bare: bool = False,
    letter_px: float = 0.0,
) -> Recognition:
    """The recognition image: grey, seals painted out, scaled, the paper flattened, dust and
    rows of boxes painted out (`letter_px`: the page's letter size in `pixels`, 0 if unknown),
    a white margin around. `bare`: grey and scaled only, in the same margin's place, for a
    second read of a page the prepared image read nothing of."""
    gray = recognition_gray(pixels)
    if abs(scale - 1.0) > 0.01:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        gray = u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interpolation))
    if bare:
        return Recognition(Image.fromarray(u8(gray)))
    if not bilevel:
        gray = flatten_background(gray)
    if dust.dusty:
        gray = remove_dust(gray, dust.letter_px * scale, dust.leaders)
    # Tesseract misreads text that touches the image edge (a tight 88-px crop of one line came back
    # unspaced with confidence 0; with a margin, 93 %).
    margin = OCR_MARGIN_PX
    padded = u8(
        cv2.copyMakeBorder(gray, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    )
    rows = find_boxed_rows(padded, letter_px * scale)
    if not rows:
        return Recognition(Image.fromarray(padded))
    painted = painted_out(padded, rows, letter_px * scale)
    return Recognition(Image.fromarray(painted), tuple(rows), padded)


# Of the letter size: the smallest tone marks and dots (the marks beside letters on clean
# 200- and 300-dpi pages, serif and sans, 11-13 pt: 5th percentile 0.19-0.24, median 0.29-0.35).
SMALLEST_MARK = 0.18
# The letter size `isolated_specks` is given to find the surely-dust specks: those more than
# about 1.2 letters from any letter-sized ink.
FAR_FROM_PRINT = 3.0
FAR_SPECKS = 50  # fewer such specks than this say nothing of the page's dust
DUST_SIZE_SHARE = 90  # percentile of the sure dust's sizes that must stay under a mark's


def _mark_floor(
    labels: NDArray[np.int32], marks: NDArray[np.bool_], sizes: NDArray[np.int32], letter_px: float
) -> float | None:
    """The size from which a speck beside any letter is a mark, where the page's dust is
    smaller than tone marks (sensor grain, toner specks of a pixel or two at 200 dpi and above:
    a helper's 200-dpi page lost the marks of every short word, CER 0.03, "số" read "sô"); None
    where dust is as large as marks (dust on the glass of a 150-dpi scan: 1-4 px, where marks
    are 3-5), and only letters in words vouch for the marks beside them. The page's dust is
    measured on the specks far from all print, which are surely dust."""
    far = isolated_specks(labels, marks, ~marks, letter_px * FAR_FROM_PRINT)
    if int(far.sum()) < FAR_SPECKS:
        return None
    floor = letter_px * SMALLEST_MARK
    return floor if float(np.percentile(sizes[far], DUST_SIZE_SHARE)) < floor else None


def remove_dust(gray: Pixels, letter_px: float, leaders: bool = False) -> Pixels:
    """Paint isolated specks paper-white on a page found dusty, whose letters are `letter_px`
    tall in this image. At 150 dpi with dust, Tesseract read specks as letters and tone marks
    (CER 0.12-0.49 on our noisy pages; 0.03-0.16 without them). The page may have been turned
    and straightened since its glyphs were measured, so the specks are found again here.
    `leaders`: the page is free of dust but for a form's leaders, and only their dots go
    (cleaned as a dusty page, "Số" lost its mark and "Độc lập - Tự do" its dashes)."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, found, stats, _ = cv2.connectedComponentsWithStats(u8(ink), connectivity=8)
    labels: NDArray[np.int32] = np.asarray(found, np.int32)
    sizes = np.maximum(stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH])
    marks = sizes < letter_px * DUST_SIZE
    if leaders:  # a leader's dots only, those beside a value too ("0312457689." was read
        # "03124576869."), never a stop or an ellipsis of the text (helper-70: "F. G." had
        # become "F G.")
        dust = leader_dots(np.asarray(stats[1:], np.int32)) & marks
    else:
        # Only letters in words vouch for the marks beside them: dense dust clumps into blobs
        # as large as half a letter, and each such clump kept the specks around it (a dusty
        # card's margins stayed dotted, and read as lines of junk).
        words = in_a_line(labels, ~marks, sizes)
        dust = isolated_specks(labels, marks, words & ~marks, letter_px)
        floor = _mark_floor(labels, marks, sizes, letter_px)
        if floor is not None:  # marks of a short word standing in no run ("số", "có", "chi")
            sized = marks & (sizes >= floor)
            dust &= ~(sized & ~isolated_specks(labels, sized, ~marks, letter_px))
    painted = np.concatenate([[False], dust])[labels]
    if leaders:  # with their grey fringe: left, it read as digits ("0312457689" → "03124576869")
        painted = cv2.dilate(u8(painted), np.ones((3, 3), np.uint8)) > 0
    cleaned = gray.copy()
    cleaned[painted] = 255
    return cleaned
