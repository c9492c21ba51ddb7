"""Orientation: which way up is the page (0/90/180/270)?

Two questions, answered by the tool that is good at each:
1. Do the text lines run across or down the page? Glyph geometry answers this reliably: the skew
   search (±20°) is run on the page as received and turned a quarter, and the sharper line profile
   wins. This also yields the skew, so the page is straightened before step 2.
2. Is the straightened page upside down? Tesseract's orientation detector (OSD) answers when it is
   confident. It is not on small, sparse or low-resolution pages (a 70-dpi letter came back "180°,
   confidence 0.2"; a 15°-skewed leaflet came back "90°"), so then OCR confidence on a band of text
   read both ways settles it, and without a clear winner the page keeps the orientation it came in:
   never make a page worse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from hoso.digitize.deskew import SkewEstimate, coarse_search, refine
from hoso.digitize.ink import Glyphs, Pixels, downscale_for_analysis, find_glyphs, to_gray, u8
from hoso.digitize.models import Word
from hoso.digitize.ocr.engine import OcrEngine
from hoso.digitize.resolution import enlargement_within_budget

OSD_CONFIDENT = 5.0
DIRECTION_DECISIVE = 1.3  # how much sharper one line direction must be to trust it
# Coarse scans this far apart decide at once (their ratio, measured: within 5 % of the refined one).
CLEARLY_SHARPER = 2.0


@dataclass(frozen=True)
class LineDirection:
    quarter_turn: bool  # lines run down the received page: turn it 90° clockwise first
    decisive: bool
    skew: SkewEstimate  # measured in the frame after the quarter turn (if any)
    # The same, had the other direction won: measured only if reading asks for it.
    measure_other: Callable[[], SkewEstimate]

    def swapped(self) -> LineDirection:
        """The other direction, for when reading proved the geometry wrong."""
        skew = self.skew
        return LineDirection(not self.quarter_turn, False, self.measure_other(), lambda: skew)


@dataclass(frozen=True)
class FlipDecision:
    flip: bool | None  # True/False when sure; None when OCR must settle it
    turn: int  # extra counter-clockwise turn OSD found beyond the line direction (0, 90, 180, 270)
    confidence: float  # 0-1


def line_direction(glyphs: Glyphs) -> LineDirection:
    """Do the lines run across the page or down it, and at what skew? First by the words: the
    letters of a word stand closer along its line than lines stand to each other, so a page's
    glyphs sit in word-like runs along its lines (`ink.in_runs`): across on every upright page
    measured, 3.9-2800 times more than down; on sideways ones down, 4.5 times more or above.
    Where the runs do not say (a halftone's dots run both ways), by the sharper line profile.
    The 0.5° scans of both directions compare as the refined ones do (to ±5 % on synthetic
    pages and real scans), so when one is at least CLEARLY_SHARPER only the winner is refined:
    the other direction's refinement was a tenth of a page's own work, and is done only if
    reading asks for it. The profile alone took a dense table's columns of numbers, two
    columns of text and a receipt for lines running down (each then read three times more)."""
    across_scan = coarse_search(glyphs)
    down_scan = coarse_search(glyphs, quarter_turn=True)
    by_words = _runs_run_down(glyphs)
    if across_scan is not None and down_scan is not None and by_words is not None:
        winner, loser = (down_scan, across_scan) if by_words else (across_scan, down_scan)
        later = functools.partial(refine, loser, glyphs)
        return LineDirection(by_words, True, refine(winner, glyphs), later)
    if across_scan is not None and down_scan is not None:
        for winner, loser in ((across_scan, down_scan), (down_scan, across_scan)):
            if winner.peak > loser.peak * CLEARLY_SHARPER:
                later = functools.partial(refine, loser, glyphs)
                return LineDirection(winner.quarter_turn, True, refine(winner, glyphs), later)
    across, down = refine(across_scan, glyphs), refine(down_scan, glyphs)
    if down.sharpness > across.sharpness * DIRECTION_DECISIVE:
        return LineDirection(True, True, down, lambda: across)
    decisive = across.sharpness > down.sharpness * DIRECTION_DECISIVE
    return LineDirection(False, decisive, across, lambda: down)


# Glyphs in runs one way over the other for the words to decide the direction, and how many
# must be in runs at all (a few words say little).
RUNS_DECISIVE = 3.0
RUNS_MIN_GLYPHS = 30


def _runs_run_down(glyphs: Glyphs) -> bool | None:
    """True when the page's words run down it, False when across, None when they do not say."""
    across, down = glyphs.in_runs_across, glyphs.in_runs_down
    if across + down < RUNS_MIN_GLYPHS:
        return None
    if across >= RUNS_DECISIVE * down:
        return False
    if down >= RUNS_DECISIVE * across:
        return True
    return None


def osd_image(gray: Pixels, glyph_height_px: float | None) -> tuple[Image.Image, float]:
    """OSD wants glyphs of ordinary size; scale the page so they are about 25 px (enlarged no
    further than recognition would be: `resolution.enlargement_within_budget`)."""
    small, scale = downscale_for_analysis(to_gray(gray))
    if glyph_height_px:
        pixels = gray.shape[0] * gray.shape[1]
        wanted = enlargement_within_budget(
            float(np.clip(25.0 / glyph_height_px, 0.25, 2.5)), pixels
        )
        factor = wanted / scale
        if abs(factor - 1.0) > 0.1:
            interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
            small = u8(cv2.resize(small, None, fx=factor, fy=factor, interpolation=interpolation))
            scale = wanted
    return Image.fromarray(small), scale


def decide_flip(
    straight: Pixels,
    direction: LineDirection,
    glyph_height_px: float | None,
    dpi: float,
    engine: OcrEngine,
) -> FlipDecision:
    """Is the straightened page upside down (or, for pages without clear lines, sideways)?"""
    image, scale = osd_image(straight, glyph_height_px)
    guess = engine.detect_orientation(image, int(dpi * scale))
    if guess is None or guess.confidence < OSD_CONFIDENT:
        return FlipDecision(flip=None, turn=0, confidence=0.0)
    confidence = min(1.0, guess.confidence / 15.0)
    if guess.rotation in (0, 180):
        return FlipDecision(flip=guess.rotation == 180, turn=guess.rotation, confidence=confidence)
    if direction.decisive:
        # OSD says sideways but the lines clearly run across: geometry wins, OCR settles the flip.
        return FlipDecision(flip=None, turn=0, confidence=0.0)
    return FlipDecision(flip=False, turn=guess.rotation, confidence=confidence)


def turn_upright(pixels: Pixels, rotation: int) -> Pixels:
    """Undo a counter-clockwise turn of `rotation` degrees (lossless)."""
    quarter_turns = (rotation // 90) % 4
    if quarter_turns == 0:
        return pixels
    return np.ascontiguousarray(np.rot90(pixels, k=-quarter_turns))


def quarter_turn_matrix(rotation: int, width: int, height: int) -> NDArray[np.float64]:
    """The 3×3 map of pixel positions that `turn_upright(pixels, rotation)` applies to an
    image of `width` × `height` (x right, y down, on pixel edges)."""
    matrix = np.eye(3)
    for _ in range((rotation // 90) % 4):  # each a quarter turn clockwise: (x, y) -> (h - y, x)
        matrix = np.array([[0.0, -1.0, height], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) @ matrix
        width, height = height, width
    return matrix


MIN_LINES_FOR_CUE = 4
ASCENDER_CUE_DECISIVE = 0.15


def ascender_balance(mask: Pixels) -> tuple[float, int]:
    """Ink above the x-height band minus ink below it, over both, across text lines; and the
    number of lines measured. Upright Latin script has more above (capitals, ascenders, and in
    Vietnamese stacked diacritics) than below (descenders), so the sign says which way up a
    straightened page is, before any OCR. `mask`: the glyphs of the straightened page (1 = ink),
    at any scale."""
    rows = mask.sum(axis=1).astype(np.float64)
    inked = rows > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inked.view(np.int8), [0]])))
    above = below = 0.0
    lines = 0
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        band = rows[start:stop]
        if band.size < 4:
            continue
        core = np.flatnonzero(band >= 0.5 * band.max())
        top, bottom = core[0], core[-1]
        above += float(band[:top].sum())
        below += float(band[bottom + 1 :].sum())
        lines += 1
    total = above + below
    return ((above - below) / total if total else 0.0), lines


def looks_upside_down(mask: Pixels) -> bool | None:
    """True/False when the ascender cue is decisive, None when it is not."""
    balance, lines = ascender_balance(mask)
    if lines < MIN_LINES_FOR_CUE or abs(balance) < ASCENDER_CUE_DECISIVE:
        return None
    return balance < 0


WORDS_RUN_DOWN_SHARE = 0.5
WORDS_RUN_DOWN_MIN_CHARACTERS = 12
WORDS_RUN_DOWN_CONFIDENCE = 0.6  # junk read off noise has no shape to go by


LONG_WORD_LETTERS = 5  # lying across, a word this long is wider than tall in any print


def words_run_down(words: list[Word], shortest: int = 3) -> bool:
    """Did the OCR read text that runs down the image? Tesseract finds and reads sideways text
    blocks on its own (a table page turned 270° read at 95 % confidence), so a confident read does
    not prove the page upright: the word boxes do. A word of three or more letters lying across is
    wider than tall; read down the page, it is taller than wide. Only confident standing words
    count for it, against all words read, so junk read off noise does not turn a page."""
    long_words = [w for w in words if len(w.text) >= shortest]
    characters = sum(len(w.text) for w in long_words)
    if characters < WORDS_RUN_DOWN_MIN_CHARACTERS:
        return False
    standing = sum(
        len(w.text)
        for w in long_words
        if w.bottom - w.top > w.right - w.left and w.confidence >= WORDS_RUN_DOWN_CONFIDENCE
    )
    return standing > characters * WORDS_RUN_DOWN_SHARE


def densest_rows(gray: Pixels, fraction: float) -> slice:
    """The rows of the page, `fraction` of its height, holding the most glyph ink: where a band
    read for the orientation vote finds text (an ID card's lines sit in its upper half, so the
    page's central band held one or two of them)."""
    glyphs = find_glyphs(gray)
    rows = glyphs.mask.sum(axis=1).astype(np.float64)
    window = max(1, round(rows.size * fraction))
    totals = np.convolve(rows, np.ones(window), mode="valid")
    start = int(np.argmax(totals)) if totals.size else 0
    return slice(round(start / glyphs.scale), round((start + window) / glyphs.scale))
