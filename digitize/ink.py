"""Find the glyphs on a page: the shared measurement under deskew, orientation and resolution.

Everything downstream wants "the pixels that are letters", not borders, photos, rules or dust, so
we binarise once and keep connected components of letter-like size and shape. Dust is told from
letters by size against the page's own letters and by standing apart from words: a tone mark
or a dot is as small as a speck but always sits beside a letter of a word. The page's letter
size is measured so that specks cannot pull it (at 150 dpi, 3000 specks dragged the median
glyph height from 15 to 5 px, and the resolution read from it from 166 to 55 dpi).
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
    specks: int = 0  # isolated ink specks smaller than half a letter (dust), not kept as glyphs
    leader_dots: int = 0  # the dots of a form's dotted leaders, where they fill its lines
    letter_size: float = 0.0  # analysis px: a letter's larger side, dust-proof, leans to capitals
    in_words: NDArray[np.bool_] | None = None  # per glyph: in a word-like run (None: all count)
    in_runs_across: int = 0  # glyphs in word-like runs along the received page's rows
    in_runs_down: int = 0  # … and along its columns (a page come sideways)

    @property
    def count(self) -> int:
        return int(self.heights.size)

    def letters(self) -> NDArray[np.bool_]:
        """Which glyphs are letter-sized: not tone marks, dots or dust beside the text (which no
        isolation test can tell from a tone mark), and in words: dust as large as a letter
        stands apart (a dusty card's specks outnumbered its letters 5 to 1). Either way up: a
        sideways page's letters are as large as an upright one's."""
        sized = np.asarray(
            np.maximum(self.heights, self.widths) >= LETTER_SHARE * self.letter_size, dtype=bool
        )
        if self.in_words is None:
            return sized
        in_words = sized & self.in_words
        return in_words if int(in_words.sum()) >= MIN_LETTERS else sized

    def mostly_in_words(self) -> bool:
        """Whether most glyphs stand in word-like runs, as a page's print does (0.59-0.97 of
        them on the corpus scans and the synthetic clean to photo pages). Scanner noise on a
        blank page does not (0.00-0.21 of its specks pair up by chance), nor does a dusty page
        (0.13-0.30 on the 150-dpi ones) or a map (0.30): this alone does not say "no text"."""
        if self.in_words is None:
            return False
        return float(self.in_words.mean()) >= TEXT_IN_WORDS


MIN_LETTERS = 20  # fewer letters than this say nothing about the page's print size
TEXT_IN_WORDS = 0.5  # share of glyphs in word-like runs: `Glyphs.mostly_in_words`

# Of `Glyphs.letter_size`: glyphs smaller than this are marks or dust, not letters. Lowercase
# letters are ~0.6 of it, the dust specks of our 150-dpi pages ~0.3.
LETTER_SHARE = 0.4


def u8(array: object) -> Pixels:
    """View OpenCV's loosely typed results as the uint8 pixels they are (no copy)."""
    return np.asarray(array, dtype=np.uint8)


def ink_at(mask: NDArray[np.generic]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(rows, columns) of a mask's set pixels, in row-major order as `np.nonzero` gives them:
    OpenCV finds them 5x faster on a page (14 -> 3 ms at 200 dpi, issue 18)."""
    found = cv2.findNonZero(u8(mask.view(np.uint8)))
    if found is None:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    points = found.reshape(-1, 2).astype(np.intp)
    return points[:, 1], points[:, 0]


def to_gray(image: Pixels) -> Pixels:
    if image.ndim == 2:
        return image
    return u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))


# Never fewer pixels than an A4 page analysed at ANALYSIS_LONG_SIDE: a long, narrow receipt
# (600 × 12000 px) shrunk by its long side left 4-px letters, whose lines read as running down
# (a reviewing helper's receipt came out sideways, "confidently").
ANALYSIS_MIN_PIXELS = ANALYSIS_LONG_SIDE * round(ANALYSIS_LONG_SIDE / 2**0.5)


def downscale_for_analysis(gray: Pixels) -> tuple[Pixels, float]:
    long_side = max(gray.shape)
    if long_side <= ANALYSIS_LONG_SIDE:
        return gray, 1.0
    area = float(gray.shape[0] * gray.shape[1])
    scale = max(ANALYSIS_LONG_SIDE / long_side, (ANALYSIS_MIN_PIXELS / area) ** 0.5)
    if scale >= 1.0:
        return gray, 1.0
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return u8(small), scale


# What a negative (light print on a dark page: a scanner's negative mode, a microfilm print)
# looks like, judged on about 250,000 of its pixels: most of it is dark; its brightest marks
# stand well above that; and the bright part is print, a few per cent of the page, not paper.
# A page with a black banner, border or photo has a bright paper part of 30-50 %; a negative's
# print 2-3 %, noisy or not. A colour page must be near grey: white print on dark blue stock is
# a design, not a negative.
DARK_PAPER_BELOW = 100
NEGATIVE_CONTRAST = 64
NEGATIVE_PRINT_AT_MOST = 0.15
NEGATIVE_CHROMA_BELOW = 40


def looks_negative(pixels: Pixels) -> bool:
    step = max(1, int((pixels.shape[0] * pixels.shape[1] / 250_000) ** 0.5))
    sample = np.ascontiguousarray(pixels[::step, ::step])
    gray = to_gray(sample)
    paper = float(np.median(gray))
    if paper >= DARK_PAPER_BELOW:
        return False  # light paper: every ordinary page stops here
    brightest = float(np.percentile(gray, 99.5))
    if brightest - paper < NEGATIVE_CONTRAST:
        return False
    if sample.ndim == 3:
        chroma = sample.max(axis=2).astype(np.int16) - sample.min(axis=2)
        if float(np.median(chroma)) >= NEGATIVE_CHROMA_BELOW:
            return False
    return float((gray > (paper + brightest) / 2).mean()) <= NEGATIVE_PRINT_AT_MOST


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
    sizes = np.maximum(h, w)
    leaders = leader_dots(np.asarray(stats[1:], np.int32))
    keep &= ~leaders
    across, down = in_runs(np.asarray(labels, np.int32), keep, sizes)
    in_words = across | down
    letter = letter_size(sizes, keep, in_words)
    small = sizes < letter * DUST_SIZE
    speck = isolated_specks(np.asarray(labels, np.int32), small, keep & ~small, letter)
    keep &= ~speck
    speck &= ~leaders  # printed, not dust (`cleanup.plan_dust`)
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
        specks=int(speck.sum()),
        leader_dots=int(leaders.sum()),
        letter_size=letter,
        in_words=in_words[keep] if int((keep & in_words).sum()) >= MIN_LINE_GLYPHS else None,
        in_runs_across=int(across.sum()),  # runs hold kept glyphs only
        in_runs_down=int(down.sum()),
    )


# A form's dotted leaders ("Họ và tên: ……………") stand in runs as words do, and on a form that
# fills its lines with them they outnumber the letters: a helper's business registration form
# (half its components dots) was measured at 5-px letters for 21-px print, read upscaled at 62 %
# confidence and said to be 44 dpi, under the legal minimum, at 200 dpi. A leader is told from
# dust by its order: dots of one size on one baseline, one step apart.
DOT_FILL = 0.6  # a full stop fills its box (a round dot 0.79); letters 0.3-0.6
DOT_SQUARE = 2.0  # a dot is about as wide as high (binarized small: 3 x 5 px, 4 x 6)
LEADER_RUN = 6  # dots in a row: an ellipsis has three
# From one dot's centre to the next, of the dot's size: a leader's stop is a quarter em apart
# and a tenth of an em large (2-3); the letters of a bold word, as filled and about as square,
# stand 1.0-1.3 apart (helper-70: "BIÊN BẢN HỌP" had been painted out as leaders).
LEADER_STEP = (1.8, 4.5)
LEADER_SIZES = 2.0  # neighbouring dots are of one size, give or take a pixel (3 px and 5)
LEADER_BASELINE = 4  # px: the dots' bottoms fall in one band this high (they step by a pixel)
LEADER_DOTS = 40  # fewer dots in leaders than this: a page's few, measured as they always were


def dot_like(stats: NDArray[np.int32]) -> NDArray[np.bool_]:
    """Per component (rows of OpenCV's stats): as wide as high and filling its box, as a full
    stop or a leader's dot does."""
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(w * h, 1)
    return np.asarray((fill >= DOT_FILL) & (np.maximum(w, h) <= DOT_SQUARE * np.minimum(w, h)))


def leader_dots(stats: NDArray[np.int32]) -> NDArray[np.bool_]:
    """Per component (rows of OpenCV's stats): a dot of a dotted leader, `LEADER_RUN` or more
    in a row; none where the page holds fewer than `LEADER_DOTS` (its measures stay as they
    were: dust is scattered, and a page of print has a few ellipses at most)."""
    found = np.zeros(stats.shape[0], dtype=bool)
    dots = np.flatnonzero(dot_like(stats) & (stats[:, cv2.CC_STAT_HEIGHT] >= 2))
    if dots.size < LEADER_DOTS:
        return found
    w, h = stats[dots, cv2.CC_STAT_WIDTH], stats[dots, cv2.CC_STAT_HEIGHT]
    middle = stats[dots, cv2.CC_STAT_LEFT] + w / 2
    bottom = stats[dots, cv2.CC_STAT_TOP] + h
    size = np.maximum(w, h)
    for offset in (0, LEADER_BASELINE // 2):  # bands twice: a row on one's edge is whole once
        band = (bottom + offset) // LEADER_BASELINE
        order = np.lexsort((middle, band))
        step = np.diff(middle[order])
        larger = np.maximum(size[order][1:], size[order][:-1])
        smaller = np.minimum(size[order][1:], size[order][:-1])
        linked = (
            (np.diff(band[order]) == 0)
            & (step >= LEADER_STEP[0] * smaller)
            & (step <= LEADER_STEP[1] * larger)
            & (larger <= LEADER_SIZES * smaller)
        )
        for start, end in consecutive_runs(np.flatnonzero(linked)):  # links start..end
            if end - start + 2 >= LEADER_RUN:
                found[dots[order[start : end + 2]]] = True
    return found if int(found.sum()) >= LEADER_DOTS else np.zeros_like(found)


def consecutive_runs(numbers: NDArray[np.intp]) -> list[tuple[int, int]]:
    """Sorted numbers grouped where they run on by one: each run's first and last."""
    if numbers.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(numbers) > 1)
    starts = np.concatenate([[numbers[0]], numbers[breaks + 1]])
    ends = np.concatenate([numbers[breaks], [numbers[-1]]])
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def letter_size(
    sizes: NDArray[np.int32], keep: NDArray[np.bool_], beside: NDArray[np.bool_]
) -> float:
    """How large the page's letters are: the median size of the glyph-like components that sit
    in a line of text, in a run of them (`in_a_line`). Dust specks stand alone or clump (3000
    on a 150-dpi page dragged the plain median to 5 px for 13-px letters), and so do most boxes,
    a photo's blobs and handwriting, which weighting by ink let win on real forms (a payment
    form measured 46 px for 11-px print, a leaflet 122 px for 18 px)."""
    if not keep.any():
        return 0.0
    in_lines = keep & beside
    chosen = sizes[in_lines] if int(in_lines.sum()) >= MIN_LINE_GLYPHS else sizes[keep]
    return float(np.median(chosen))


MIN_LINE_GLYPHS = 10  # fewer components in lines than this: measure them all
WORD_GAP = 0.6  # of the components' median size: letters of a word are closer than this


def in_a_line(
    labels: NDArray[np.int32], keep: NDArray[np.bool_], sizes: NDArray[np.int32]
) -> NDArray[np.bool_]:
    """Per component (label - 1): it is one of a run of at least RUN_MEMBERS kept components,
    each within a letter gap of the next, across or down (a page may come sideways), and the
    run is at least RUN_ELONGATION times longer than it is thick: a word. Dust close enough to
    pair up forms clumps, not runs: on a card-sized 150-dpi scan with 3000 specks, "beside one
    other component" let the specks measure the letters at 6-8 px for 12-16-px print."""
    across, down = in_runs(labels, keep, sizes)
    return across | down


def in_runs(
    labels: NDArray[np.int32], keep: NDArray[np.bool_], sizes: NDArray[np.int32]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """`in_a_line`, the runs across the page and those down it apart."""
    found = [np.zeros(keep.shape, dtype=bool), np.zeros(keep.shape, dtype=bool)]
    if not keep.any():
        return found[0], found[1]
    gap = max(3, int(WORD_GAP * float(np.median(sizes[keep]))) | 1)
    lookup = np.concatenate([[0], keep]).astype(np.uint8)
    kept = lookup[labels]
    inked = kept > 0
    ids = labels[inked]
    for along, kernel in ((0, np.ones((1, gap), np.uint8)), (1, np.ones((gap, 1), np.uint8))):
        count, blobs, stats, _ = cv2.connectedComponentsWithStats(
            u8(cv2.dilate(kept, kernel)), connectivity=8
        )
        # A component lies whole inside one dilated blob: any of its pixels names the blob
        # (a scatter, not a sort of every inked pixel: that sort was 15 % of a page's time).
        blob_of = np.zeros(len(keep) + 1, dtype=np.int64)
        blob_of[ids] = np.asarray(blobs)[inked]
        members = np.bincount(blob_of[1:][keep], minlength=count)
        length = stats[:, cv2.CC_STAT_WIDTH if along == 0 else cv2.CC_STAT_HEIGHT]
        thickness = stats[:, cv2.CC_STAT_HEIGHT if along == 0 else cv2.CC_STAT_WIDTH]
        a_run = (members >= RUN_MEMBERS) & (length >= RUN_ELONGATION * thickness)
        found[along] = keep & a_run[blob_of[1:]]
    return found[0], found[1]


RUN_MEMBERS = 3  # components in a word-like run; any text has words of three letters
RUN_ELONGATION = 2.0  # a run's length over its thickness; a clump of specks is about round


# Dust: ink specks smaller than half a letter and farther than 0.8 letters from any letter.
# Vietnamese tone marks and dots are as small as dust at 150 dpi but sit next to a letter.
DUST_SIZE = 0.5  # of the letter size: a component below this is a speck (or a mark)
DUST_REACH = 0.8  # of the letter size: a mark this close to a letter belongs to it


def isolated_specks(
    labels: NDArray[np.int32], small: NDArray[np.bool_], anchors: NDArray[np.bool_], letter: float
) -> NDArray[np.bool_]:
    """Per component (label - 1): small and beyond DUST_REACH of every anchor (the letters)."""
    if letter <= 0 or not small.any():
        return np.zeros(small.shape, dtype=bool)
    big = np.concatenate([[False], anchors])
    reach = max(3, int(letter * DUST_REACH) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))
    near = cv2.dilate(u8(big[labels]), kernel)
    beside_letter = np.zeros(small.size + 1, dtype=bool)
    beside_letter[labels[near > 0]] = True  # a scatter: no sort of every pixel near a letter
    return small & ~beside_letter[1:]


# A run of letters no OCR word covers, read again: at least this many letters long (a word or
# two, not a lone mark or a page number) and a line's height, give or take.
UNREAD_MIN_LENGTH = 4.0  # of the letter size
UNREAD_HEIGHT = (0.5, 2.5)  # of the letter size
# Of the letter size: the letters and words of one line are closer than this (a word gap is
# about a letter; the colon after a label is too small for the mask, so "tên:  Hoàng" leaves
# nearly two), columns are farther apart. At 0.8 a dropped line came back in word-sized pieces.
UNREAD_JOIN = 2.0
UNREAD_COVER_PAD = 0.3  # of the letter size: around a word read, its marks and clipped edges
UNREAD_MARKS = 0.7  # of the letter size: how far tone marks may stack above a run, or hang below


def unread_runs(
    mask: Pixels, read: list[tuple[int, int, int, int]], letter: float
) -> list[tuple[int, int, int, int]]:
    """Where the page has a line of letters (or a piece of one) that no word read covers:
    boxes (left, top, right, bottom) in `mask` pixels, top to bottom, taking in the marks
    stacked above and below its letters. Tesseract's layout analysis sometimes leaves a whole
    line out (a name line on a phone photo, the last line of a noisy page); the glyph mask
    still shows it."""
    if letter <= 0 or not mask.any():
        return []
    ink = mask.copy()
    pad = round(UNREAD_COVER_PAD * letter)
    for left, top, right, bottom in read:
        ink[max(0, top - pad) : max(0, bottom + pad), max(0, left - pad) : max(0, right + pad)] = 0
    join = max(3, round(UNREAD_JOIN * letter))
    joined = u8(cv2.dilate(ink, np.ones((1, join), np.uint8)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    low, high = UNREAD_HEIGHT
    runs = [
        _with_marks(ink, (int(x) + join // 2, int(y), int(x + w) - join // 2, int(y + h)), letter)
        for x, y, w, h, _ in stats[1:count]
        if w - join >= UNREAD_MIN_LENGTH * letter and low * letter <= h <= high * letter
    ]
    return sorted(runs, key=lambda run: (run[1], run[0]))


def _with_marks(
    ink: Pixels, run: tuple[int, int, int, int], letter: float
) -> tuple[int, int, int, int]:
    """The run grown up and down through the unread ink of its columns (its tone marks, its
    descenders), a few blank rows allowed, at most `UNREAD_MARKS` letters either way: a crop at
    the letters' tops lost the marks stacked on capitals ("VIỆT" read "VIET")."""
    left, top, right, bottom = run
    reach, blank = round(UNREAD_MARKS * letter), max(2, round(letter / 8))
    rows: NDArray[np.bool_] = np.asarray(ink[:, left:right].any(axis=1), dtype=bool)

    def grow(start: int, step: int, limit: int) -> int:
        edge, gap, at = start, 0, start + step
        while 0 <= at < len(rows) and abs(at - start) <= limit and gap <= blank:
            gap = 0 if rows[at] else gap + 1
            edge = at if rows[at] else edge
            at += step
        return edge

    return left, grow(top, -1, reach), right, grow(bottom - 1, 1, reach) + 1
