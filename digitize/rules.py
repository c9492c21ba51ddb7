"""Rows of boxes printed one character a box, found so that they are read on their own.

Forms print a citizen's 12-digit ID (and tax codes, dates) one character a box. Read with the
page, Tesseract takes each box's sides for characters: on a clean 300-dpi form "048190003011"
came back as "|0|4[8|1|9|0|0|0|3|[0|1|1]", at 200 dpi as "|0J|4|8|1|9|0J0Jo|3|0|1|1|" (a side
beside a digit reads as J, a bracket or a slash), and the ID was lost. With only the sides
painted out, the digits stand two letters apart: Tesseract 5.5 then glued the line's label into
one word ("Sốđịnhdanhcánhân:") and read phantom digits in the gaps ("0.48190002301171"). So a
row of boxes is painted out of the page's recognition image whole, and its characters are read
packed at a letter's spacing (`ocr/boxes.py`).

A row of boxes is told by its shape alone: two long, thin rules running across, one to four
letters apart, joined by thin sides that fill the whole height between them and stop there
(a table's column rules run on into the next row), the sides one character apart (a table's
cells are wider). No letter fills the height between two rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from hoso.digitize.ink import Pixels, consecutive_runs, u8

# Of the letter size (a letter's larger side, leaning to capitals):
LONG_RULE = 2.5  # a rule is at least this long: a row of two boxes (3-5 letters), an underline
THIN = 0.5  # rules are thinner than this (a letter's stem: 0.15-0.25)
SIDE_WIDTH = 0.75  # two boxes drawn each with its own sides share a side twice as thick
BOX_HEIGHT = (1.1, 4.0)  # from rule to rule: taller than the letter it holds, not a table's row
CELL_WIDTH = (0.5, 4.0)  # between two sides (boxes are drawn roomy: 2-3 letters)
# What a box holds: one character (a letter and its tone marks overlap across), at most this
# wide; a one-row table's cells hold words or numbers ("19", "85"), which packed side by side
# would run together (helper-70: an attendance sheet's "|1|2|…|19|20|" had become one number).
CHARACTER_WIDTH = 2.5
CHARACTER_PIECES = 1
# Boxes filled: none (a blank form) or at least this share; two ticks in six choice boxes are
# marks to keep where they are, not characters to read together (helper-70).
FILLED_SHARE = 0.5
REACH = 0.15  # how far a side may stop short of a rule, or a rule of its box's edge
SIDE_FILLED = 0.9  # a side is ink along this share of the height between the rules
SIDE_ENDS = 0.5  # beyond the rules, a side's columns are ink on less than this share
MIN_LETTER_PX = 6.0  # smaller print gives kernels of a pixel or two, too blunt to tell rules


@dataclass(frozen=True)
class BoxedRow:
    """One row of boxes in image pixels: its rules' outer edges (`top`, `bottom`), the rows
    between the rules (from `inner_top` to `inner_bottom`, exclusive) and each side's first
    and last column, left to right."""

    top: int
    bottom: int
    inner_top: int
    inner_bottom: int
    sides: tuple[tuple[int, int], ...]

    @property
    def left(self) -> int:
        return self.sides[0][0]

    @property
    def right(self) -> int:
        return self.sides[-1][1]

    def cells(self, inset: int) -> list[tuple[int, int, int, int]]:
        """Each box's inside (left, top, right, bottom; right and bottom exclusive), `inset`
        pixels clear of its sides and rules."""
        top, bottom = self.inner_top + inset, self.inner_bottom - inset
        return [
            (left[1] + 1 + inset, top, right[0] - inset, bottom)
            for left, right in zip(self.sides, self.sides[1:], strict=False)
        ]


def find_boxed_rows(gray: Pixels, letter_px: float) -> list[BoxedRow]:
    """The rows of boxes on a grey page (upright, straightened) whose letters are `letter_px`."""
    if letter_px < MIN_LETTER_PX:
        return []
    ink = u8(cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1])
    rules = _thin_rules(ink, letter_px)
    bands = consecutive_runs(np.flatnonzero(rules.any(axis=1)))
    rows: list[BoxedRow] = []
    for at, (top, top_end) in enumerate(bands):
        for bottom_start, bottom in bands[at + 1 :]:
            height = bottom - top + 1
            if height > BOX_HEIGHT[1] * letter_px:
                break
            if height >= BOX_HEIGHT[0] * letter_px:
                band = (top, top_end, bottom_start, bottom)
                rows.extend(_rows_between(ink, rules, band, letter_px))
    return rows


def painted_out(gray: Pixels, rows: list[BoxedRow], letter_px: float) -> Pixels:
    """`gray` with each row of boxes, rules, sides and characters, painted paper-white (a
    rule's grey fringe beyond its pixels too)."""
    if not rows:
        return gray
    reach = _reach(letter_px)
    cleaned = gray.copy()
    for row in rows:
        cleaned[
            max(0, row.top - reach) : row.bottom + 1 + reach,
            max(0, row.left - reach) : row.right + 1 + reach,
        ] = 255
    return cleaned


def _reach(letter_px: float) -> int:
    return max(1, round(REACH * letter_px))


def _thin_rules(ink: Pixels, letter_px: float) -> Pixels:
    """The ink in runs across at least `LONG_RULE` letters long and thinner than `THIN` (a
    black band or a photo's dark edge is no rule). Opened row by row only where the erosion
    left something: a page without rules costs one erosion (3 ms on an A4 page, against 15
    for opening it whole)."""
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (round(LONG_RULE * letter_px), 1))
    eroded = cv2.erode(ink, across)
    rows = np.flatnonzero(eroded.any(axis=1))
    runs = np.zeros_like(ink)
    if rows.size == 0:
        return runs
    runs[rows] = cv2.dilate(eroded[rows], across)
    thickness = max(2, round(THIN * letter_px) + 1)
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, thickness))
    for first, last in consecutive_runs(rows):
        if last - first + 1 >= thickness:  # thick enough somewhere to be a band, not a rule
            band = runs[first : last + 1]
            band &= 1 - u8(cv2.morphologyEx(band, cv2.MORPH_OPEN, down))
    return runs


def _rows_between(
    ink: NDArray[np.uint8],
    rules: Pixels,
    band: tuple[int, int, int, int],
    letter_px: float,
) -> list[BoxedRow]:
    """The rows of boxes whose top rule lies in rows `top`..`top_end` and bottom rule in
    `bottom_start`..`bottom`."""
    top, top_end, bottom_start, bottom = band
    reach = _reach(letter_px)
    inside = ink[top_end + 1 : bottom_start]
    if inside.shape[0] == 0:
        return []
    both = np.logical_and(
        rules[top : top_end + 1].any(axis=0), rules[bottom_start : bottom + 1].any(axis=0)
    )
    ruled = cv2.dilate(u8(both[None, :]), np.ones((1, 2 * reach + 1), np.uint8))[0] > 0
    filled = inside.mean(axis=0) >= SIDE_FILLED
    above = ink[max(0, top - 2 * reach - 2) : max(0, top - reach)]
    below = ink[bottom + reach + 1 : bottom + 2 * reach + 3]
    ends = np.ones(ink.shape[1], dtype=bool)
    for beyond in (above, below):
        if beyond.shape[0]:
            ends &= beyond.mean(axis=0) < SIDE_ENDS
    sides = _column_runs(filled & ruled & ends, letter_px)
    rows: list[BoxedRow] = []
    chain: list[tuple[int, int]] = []
    for side in sides:
        width = side[0] - chain[-1][1] - 1 if chain else 0
        if chain and not CELL_WIDTH[0] * letter_px <= width <= CELL_WIDTH[1] * letter_px:
            rows.extend(_as_row(chain, band))
            chain = []
        chain.append(side)
    rows.extend(_as_row(chain, band))
    return [row for row in rows if _holds_characters(row, ink, letter_px)]


def _holds_characters(row: BoxedRow, ink: NDArray[np.uint8], letter_px: float) -> bool:
    """Whether every box of the row holds one character at most, and the boxes are filled as
    an ID's or a name's are (all, most, or none of them)."""
    filled = 0
    cells = row.cells(_reach(letter_px))
    for left, top, right, bottom in cells:
        pieces = character_pieces(ink[top:bottom, left:right], letter_px)
        if not pieces:
            continue
        wide = pieces[-1][1] - pieces[0][0] > CHARACTER_WIDTH * letter_px
        if wide or len(pieces) > CHARACTER_PIECES:
            return False
        filled += 1
    return filled == 0 or filled >= FILLED_SHARE * len(cells)


SPECK = 0.25  # of the letter size: smaller ink in a box is dust, not its character


def character_pieces(ink: NDArray[np.uint8], letter_px: float) -> list[tuple[int, int]]:
    """The columns (first, last + 1) of a box's ink, left to right, pieces that overlap across
    joined (a letter and its tone mark); dust is left out."""
    if ink.shape[0] == 0 or ink.shape[1] == 0:  # OpenCV crashes on an empty image
        return []
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        np.ascontiguousarray(u8(ink)), connectivity=8
    )
    spans = sorted(
        (int(x), int(x + w))
        for x, w, h in stats[1:count, [cv2.CC_STAT_LEFT, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]]
        if max(w, h) >= SPECK * letter_px
    )
    pieces: list[tuple[int, int]] = []
    for start, end in spans:
        if pieces and start < pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], max(pieces[-1][1], end))
        else:
            pieces.append((start, end))
    return pieces


def _column_runs(columns: NDArray[np.bool_], letter_px: float) -> list[tuple[int, int]]:
    """Runs of true columns no wider than a side."""
    runs = consecutive_runs(np.flatnonzero(columns))
    return [(s, e) for s, e in runs if e - s + 1 <= SIDE_WIDTH * letter_px]


def _as_row(chain: list[tuple[int, int]], band: tuple[int, int, int, int]) -> list[BoxedRow]:
    """A chain of sides as a row, if it makes two boxes at least (one box is a frame)."""
    top, top_end, bottom_start, bottom = band
    if len(chain) < 3:
        return []
    return [BoxedRow(top, bottom, top_end + 1, bottom_start, tuple(chain))]
