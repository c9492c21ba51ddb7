"""Characters printed one a box, read packed: each box's character cut out and set beside the
next at a letter's spacing, every row of boxes of the page set after the other on one line,
read in one OCR call and put back over the boxes they came from (`rules.find_boxed_rows` says
why the page's own read cannot take them). One line, not a row a line: a month's "11" alone
on its line was read as a quote mark, and with the page's other rows before and after it, as
11. An empty box between filled ones is a word gap (a name boxed letter by letter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from hoso.digitize.ink import Pixels, u8
from hoso.digitize.models import Word
from hoso.digitize.ocr.engine import OcrPage
from hoso.digitize.rules import REACH, BoxedRow, character_pieces

# Of the letter size: white between characters packed from neighbouring boxes (a word's own
# letter spacing), where an empty box stood, between two rows, and around the line.
CHARACTER_GAP = 0.15
WORD_GAP = 1.2
ROW_GAP = 2.5
MARGIN = 1.0
INK_BELOW = 0.6  # a box's pixel darker than this share of its paper's grey is ink


@dataclass(frozen=True)
class _Placed:
    """A character's columns in its packed row and the box it came from, in page pixels."""

    left: int
    right: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class _Packed:
    image: Pixels
    placed: list[_Placed]
    row: BoxedRow


def read_boxed_rows(
    rows: list[BoxedRow],
    page: Pixels,
    letter_px: float,
    recognize: Callable[[Image.Image], OcrPage],
    first_line: int,
) -> dict[int, list[Word]]:
    """The words of each row of boxes (numbered from `first_line`, one line a row) read from
    `page`, the grey recognition image before the rows were painted out; rows of empty boxes
    give none."""
    packed = [p for row in rows if (p := _packed(row, page, letter_px)) is not None]
    if not packed:
        return {}
    margin, gap = round(MARGIN * letter_px) + 2, round(ROW_GAP * letter_px)
    height = max(p.image.shape[0] for p in packed) + 2 * margin
    width = sum(p.image.shape[1] for p in packed) + gap * (len(packed) - 1) + 2 * margin
    strip = np.full((height, width), 255, np.uint8)
    starts = []
    x = margin
    for p in packed:
        h, w = p.image.shape
        top = (height - h) // 2
        strip[top : top + h, x : x + w] = p.image
        starts.append(x)
        x += w + gap
    read: dict[int, list[Word]] = {}
    for word in recognize(Image.fromarray(strip)).words:
        middle = (word.left + word.right) / 2
        for number, (p, start) in enumerate(zip(packed, starts, strict=True)):
            if start - gap / 2 <= middle < start + p.image.shape[1] + gap / 2:
                placed = _over_boxes(word, p, start, first_line + number)
                if placed is not None:
                    read.setdefault(placed.line, []).append(placed)
                break
    return read


def _packed(row: BoxedRow, page: Pixels, letter_px: float) -> _Packed | None:
    """The row's characters cut out of their boxes and set side by side, or None if every
    box is empty."""
    inset = max(1, round(REACH * letter_px))
    cells = [cell for cell in row.cells(inset) if cell[2] > cell[0] and cell[3] > cell[1]]
    if not cells:
        return None
    top, bottom = min(c[1] for c in cells), max(c[3] for c in cells)
    band = page[top:bottom]
    paper = float(np.percentile(band, 90))
    ink = band < INK_BELOW * paper
    characters: list[tuple[int, Pixels]] = []
    placed: list[_Placed] = []
    x = 0
    gap_pending = 0
    for left, _, right, _ in cells:
        pieces = character_pieces(u8(ink[:, left:right]), letter_px)
        if not pieces:
            gap_pending = round(WORD_GAP * letter_px) if placed else 0
            continue
        x += gap_pending if gap_pending else (round(CHARACTER_GAP * letter_px) if placed else 0)
        gap_pending = 0
        a, b = left + pieces[0][0], left + pieces[-1][1]
        characters.append((x, band[:, a:b]))
        placed.append(_Placed(x, x + (b - a), (left, top, right, bottom)))
        x += b - a
    if not placed:
        return None
    image = np.full((bottom - top, x), 255, np.uint8)
    for at, character in characters:
        image[:, at : at + character.shape[1]] = character
    return _Packed(image=u8(image), placed=placed, row=row)


def _over_boxes(word: Word, packed: _Packed, start: int, number: int) -> Word | None:
    """The word read in the packed line laid over the boxes its characters came from."""
    left, right = word.left - start, word.right - start
    under = [p.box for p in packed.placed if p.left < right and p.right > left]
    if not under:
        return None
    return replace(
        word,
        left=min(b[0] for b in under),
        top=packed.row.top,
        right=max(b[2] for b in under),
        bottom=packed.row.bottom,
        line=number,
    )
