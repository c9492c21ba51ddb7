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
cells are wider). No letter fills the height between two rules. Boxes drawn apart, each its
own frame a small gap from the next, share no rule: a row of two or more alike frames, level,
is read the same way (`_rows_of_frames`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

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
    level, binary = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = u8(binary)
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
    lines = _with_faint_lines(gray, level)
    apart = [row for row in _rows_of_frames(lines, ink, letter_px) if not _overlaps(row, rows)]
    return sorted(rows + apart, key=lambda row: (row.top, row.left))


# Boxes printed apart, each its own frame a small gap from the next (a helper's identity-card
# form: its twelve ID boxes share no rule, so no long rule ran across them).
FRAME_GAP = 0.6  # of the letter size: at most this between one frame and the next
FRAME_ALIKE = 0.15  # frames of one row: the same height and top, widths alike, within this
# A frame is at least this tall: taller than a line's tallest letters (an ascender with its
# tone mark, 1.1-1.4), whose stems would otherwise have every line of print searched for
# frames. Boxes drawn apart stand 2-2.5 letters tall on the forms seen.
FRAME_HEIGHT = 1.5


@dataclass(frozen=True)
class _Frame:
    """A box drawn on its own: its outer edges (right and bottom inclusive) and its rules'
    and sides' thickness."""

    left: int
    top: int
    right: int
    bottom: int
    top_rule: int
    bottom_rule: int
    left_side: int
    right_side: int


def _with_faint_lines(gray: Pixels, ink_level: float) -> NDArray[np.uint8]:
    """Ink with the lines printed grey: darker than halfway from the print's threshold to the
    paper. Forms print their boxes in grey (a helper's tax form: lines at 148 on 240 paper,
    where Otsu put the print's threshold at 136, so no frame had an edge)."""
    histogram = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    paper = int(ink_level) + int(np.argmax(histogram[int(ink_level) :]))
    return u8(gray < (ink_level + paper) / 2)


def _rows_of_frames(
    lines: NDArray[np.uint8], ink: NDArray[np.uint8], letter_px: float
) -> list[BoxedRow]:
    """Rows of two or more box-sized frames side by side, top and bottom level, each a gap
    under `FRAME_GAP` from the next: as `BoxedRow`s whose sides are each frame's first side,
    the gaps between frames with the sides around them, and the last frame's last side.
    `lines`: ink with grey lines (`_with_faint_lines`), where frames are found; `ink`: the
    print, whose characters the boxes must hold. Frames are looked for only around ink that
    stands taller than a box can be short (a frame's sides; a table's rules): a page of print
    has none, and pays one erosion."""
    tall = max(3, round(FRAME_HEIGHT * letter_px))
    upright = cv2.erode(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (1, tall)))
    reach = tall + round(letter_px)
    rows: list[BoxedRow] = []
    for first, last in consecutive_runs(np.flatnonzero(upright.any(axis=1))):
        top, bottom = max(0, first - reach), min(lines.shape[0], last + reach + 1)
        frames = _frames(lines[top:bottom], letter_px, top)
        rows.extend(row for row in _chained(frames, letter_px) if not _overlaps(row, rows))
    return [row for row in rows if _holds_characters(row, ink, letter_px)]


def _frames(strip: NDArray[np.uint8], letter_px: float, offset: int) -> list[_Frame]:
    """The box-sized frames wholly inside `strip` (rows of the page from `offset`), by their
    page positions, left to right."""
    _, labelled, stats, _ = cv2.connectedComponentsWithStats(strip, connectivity=8)
    labels = np.asarray(labelled, np.int32)
    tops, heights = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT]
    widths = stats[:, cv2.CC_STAT_WIDTH]
    sized = np.flatnonzero(
        (heights >= FRAME_HEIGHT * letter_px)
        & (heights <= BOX_HEIGHT[1] * letter_px)
        & (widths >= CELL_WIDTH[0] * letter_px)
        & (widths <= (CELL_WIDTH[1] + 2 * SIDE_WIDTH) * letter_px)
        & (tops > 0)
        & (tops + heights < strip.shape[0])  # cut by the strip's edge: another strip's
    )
    frames = [
        replace(found, top=found.top + offset, bottom=found.bottom + offset)
        for index in sized[sized > 0]
        if (found := _frame(labels, stats[index], int(index), letter_px))
    ]
    return sorted(frames, key=lambda frame: (frame.left, frame.top))


def _chained(frames: list[_Frame], letter_px: float) -> list[BoxedRow]:
    """The frames that stand in rows (`_next_in_row`), two or more a row (a day's two boxes)."""
    rows: list[BoxedRow] = []
    used: set[int] = set()
    for start, first in enumerate(frames):
        if start in used:
            continue
        chain = [first]
        for at in range(start + 1, len(frames)):
            if at not in used and _next_in_row(chain[-1], frames[at], letter_px):
                chain.append(frames[at])
                used.add(at)
        if len(chain) >= 2:
            rows.append(_frames_as_row(chain))
    return rows


def _frame(
    labels: NDArray[np.int32], stat: NDArray[np.int32], index: int, letter_px: float
) -> _Frame | None:
    """The component as a frame, if its four edges are thin rules of ink that run (almost) the
    whole way round; None for a letter, a blob or an open shape."""
    left, top, width, height = (int(v) for v in stat[:4])
    mine = labels[top : top + height, left : left + width] == index
    thin = max(2, round(THIN * letter_px))
    edges = (
        _edge(mine, thin),  # top rule: rows from the top
        _edge(mine[::-1], thin),  # bottom rule
        _edge(mine.T, thin),  # left side: columns from the left
        _edge(mine.T[::-1], thin),  # right side
    )
    if any(edge == 0 for edge in edges):
        return None
    return _Frame(left, top, left + width - 1, top + height - 1, *edges)


def _edge(mine: NDArray[np.bool_], thin: int) -> int:
    """How deep the edge's rule reaches, in lines from the first: its lines are ink along
    `SIDE_FILLED` of their length, they start within `thin` lines (a speck of dust on the
    rule's outside, a blurred edge) and are no thicker than `thin`; 0 if there is none."""
    filled = mine[: 2 * thin + 1].mean(axis=1) >= SIDE_FILLED
    start = int(np.argmax(filled))
    if not filled[start] or start > thin:
        return 0
    after = filled[start:]
    end = start + (int(np.argmin(after)) if not after.all() else len(after))
    return end if end - start <= thin else 0


def _next_in_row(last: _Frame, frame: _Frame, letter_px: float) -> bool:
    alike = FRAME_ALIKE * letter_px
    gap = frame.left - last.right - 1
    return (
        0 <= gap <= FRAME_GAP * letter_px
        and abs(frame.top - last.top) <= alike
        and abs(frame.bottom - last.bottom) <= alike
        and abs((frame.right - frame.left) - (last.right - last.left)) <= 2 * alike
    )


def _frames_as_row(chain: list[_Frame]) -> BoxedRow:
    sides = [(chain[0].left, chain[0].left + chain[0].left_side - 1)]
    for last, frame in itertools.pairwise(chain):
        sides.append((last.right - last.right_side + 1, frame.left + frame.left_side - 1))
    sides.append((chain[-1].right - chain[-1].right_side + 1, chain[-1].right))
    return BoxedRow(
        min(f.top for f in chain),
        max(f.bottom for f in chain),
        max(f.top + f.top_rule for f in chain),
        min(f.bottom - f.bottom_rule + 1 for f in chain),
        tuple(sides),
    )


def _overlaps(row: BoxedRow, rows: list[BoxedRow]) -> bool:
    return any(
        row.top <= other.bottom and other.top <= row.bottom
        and row.left <= other.right and other.left <= row.right
        for other in rows
    )  # fmt: skip


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
