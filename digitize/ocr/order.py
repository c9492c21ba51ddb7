"""Lines put back where they are printed, when Tesseract's reading order lost them.

Tesseract orders words by block, then by line. On a noisy page a single line sometimes becomes
a block of its own (dust around it, a wider gap above it) and is read first or last: a noisy
150-dpi page read its eighteenth line first (CER 0.07 -> 0.195 for an order alone), and any
field whose label and value then part is lost. A line is printed between two lines when one
sits above it and one below, both sharing most of its width; if two such lines follow each other
in the reading order, the line belongs between them. Columns share no width, so the lines of a
two-column page, a letterhead's side-by-side blocks or a table read column by column are never
moved; only a line that one column's run of lines encloses is. Runs on words without dust
(`specks.without_specks` first): two specks read as lines enclosed a real line and moved it to
the page's end. The page's topmost line, read after lines printed below it, is a
heading read late: it goes first.
"""

from __future__ import annotations

from itertools import pairwise

from hoso.digitize.models import Word
from hoso.digitize.ocr.strips import Extent, group_lines

# Of the narrower line's width: how much of it the enclosing lines must share.
SHARED_WIDTH = 0.5


def _above(upper: Extent, lower: Extent) -> bool:
    """Wholly above the other's middle, and the other wholly below this one's: tone marks and
    descenders may overlap, the lines may not."""
    return upper.bottom <= lower.middle and upper.middle <= lower.top


def _share_width(one: Extent, other: Extent) -> bool:
    """At least SHARED_WIDTH of the narrower of the two lies under the other (a short last
    line of a paragraph still encloses the line below it)."""
    overlap = min(one.right, other.right) - max(one.left, other.left)
    narrower = min(one.right - one.left, other.right - other.left)
    return narrower > 0 and overlap >= SHARED_WIDTH * narrower


def lines_in_place(words: list[Word]) -> list[Word]:
    """`words` in Tesseract's order, each line that two consecutive lines enclose (one above,
    one below, sharing its width) moved between them."""
    lines = group_lines(words)
    if len(lines) < 3:
        return words
    extents = {n: Extent.of(line) for n, line in lines.items()}
    order = list(lines)
    for line in list(order):
        rest = [n for n in order if n != line]
        here = extents[line]
        for at, (above, below) in enumerate(pairwise(rest)):
            upper, lower = extents[above], extents[below]
            if (
                _above(upper, here)
                and _above(here, lower)
                and _share_width(upper, here)
                and _share_width(lower, here)
            ):
                order = [*rest[: at + 1], line, *rest[at + 1 :]]
                break
    order = _heading_first(order, extents)
    return [word for n in order for word in lines[n]]


def _heading_first(order: list[int], extents: dict[int, Extent]) -> list[int]:
    """The page's topmost line first, when every line read before it is printed below it: a
    title that nothing encloses, read after the label below it (a 150-dpi form whose boxed
    rows were painted out read its title after "Họ, chữ đệm và tên:", which then took the
    title for the name: helper-70)."""
    top = min(order, key=lambda n: extents[n].top)
    before = order[: order.index(top)]
    if not before or not all(_above(extents[top], extents[n]) for n in before):
        return order
    return [top, *(n for n in order if n != top)]
