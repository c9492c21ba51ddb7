"""PDFium's drawing of one PDF page, in a child process under a deadline.

What PDFium is asked to draw costs what the page decides, and no count taken beforehand sees
every construction: a tiling pattern of cells finer than a pixel (a 700-byte page) kept PDFium
drawing for hours, in a page process that the other documents of every province share. The
page is drawn in a child forked from the fork server (`deadline.ItemsWithin`); one that does
not finish in `DRAWING_SECONDS`, or past its memory, is refused as too costly to draw, and the
document fails with a reason instead of holding a page process.

This module imports PDFium and PIL only, so the fork server preloads it and a drawing child
starts in milliseconds.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.internal as pdfium_i
from PIL import Image

from hoso.digitize.deadline import CHILD_MEMORY, GivenUp, ItemsWithin
from hoso.digitize.errors import InputTooLargeError
from hoso.digitize.triage import MAX_PAGE_SIDE

# The longest a page may take to draw. A dense A0 map or CAD sheet takes PDFium seconds at the
# 100-megapixel limit; a minute is far past any page a desk scans or receives.
DRAWING_SECONDS = 60.0


@dataclass(frozen=True)
class PageToDraw:
    """Page `index` of a PDF (a file, or a copy in memory), to draw at `dpi` (points scaled by
    the page's `unit`) in at most `max_pixels`; with `fields_to_draw`, form fields without
    appearances drawn too, by PDFium's form filler."""

    source: bytes | Path
    index: int
    dpi: float
    unit: float
    max_pixels: int
    fields_to_draw: bool


def drawn_page(page: PageToDraw) -> tuple[Image.Image, float]:
    """The page drawn by PDFium at its dpi, or less where the page is too large for it, and
    the dpi it was drawn at. A page not drawn within `DRAWING_SECONDS` (or within the child's
    memory) is refused.

    The pixels come back through a file, not the child's pipe: an A4 page at 300 dpi is 26 MB,
    which pickled through the pipe cost 150 ms more than drawing it in the process (longer
    than the drawing), and through the page cache 50 ms."""
    handle, name = tempfile.mkstemp(prefix="hoso-drawn-", suffix=".pixels")
    os.close(handle)
    pixels = Path(name)
    try:
        (drawn,) = ItemsWithin(
            open_=_nothing,
            each=functools.partial(_draw, page, pixels),
            seconds=DRAWING_SECONDS,
            opening_seconds=DRAWING_SECONDS,
            total_seconds=DRAWING_SECONDS,
        ).run(1)
        if isinstance(drawn, GivenUp):
            raise InputTooLargeError(
                f"it could not be drawn in {DRAWING_SECONDS:.0f} seconds and "
                f"{CHILD_MEMORY / 1024**3:.0f} GB of memory: its content is built to be costly "
                "to draw (a pattern of tiles finer than a pixel, say); scan the paper instead"
            )
        image = Image.frombuffer(
            drawn.image_mode, drawn.size, pixels.read_bytes(), "raw", drawn.pixel_mode,
            drawn.stride, 1,
        )  # fmt: skip
        return image, drawn.dpi
    finally:
        pixels.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Drawn:
    """What the child says of the pixels it wrote: PIL's modes of the image and of PDFium's
    bytes (blue first), the size, the bytes a row, and the dpi the page was drawn at."""

    image_mode: str
    pixel_mode: str
    size: tuple[int, int]
    stride: int
    dpi: float


def _nothing() -> None:
    return None


def _draw(wanted: PageToDraw, pixels: Path, _opened: None, _item: int) -> _Drawn:
    source, dpi, unit = wanted.source, wanted.dpi, wanted.unit
    document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    try:
        if wanted.fields_to_draw:
            document.init_forms()  # before a page is loaded: PDFium draws the fields then
        page = document[wanted.index]
        width_pt, height_pt = page.get_size()
        width_pt, height_pt = width_pt * unit, height_pt * unit
        if page.get_rotation() in (90, 270):
            width_pt, height_pt = height_pt, width_pt
        drawn = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
        if drawn > wanted.max_pixels:
            dpi *= (wanted.max_pixels / drawn) ** 0.5 * 0.99
        longest = max(width_pt, height_pt) / 72 * dpi
        if longest > MAX_PAGE_SIDE:  # a page box metres long (UserUnit): drawn smaller
            dpi *= MAX_PAGE_SIDE / longest * 0.99
        bitmap = page.render(scale=dpi * unit / 72.0, may_draw_forms=True, draw_annots=True)
        pixels.write_bytes(memoryview(bitmap.buffer))
        return _Drawn(
            image_mode=pdfium_i.BitmapTypeToStrReverse[bitmap.format],
            pixel_mode=bitmap.mode,
            size=(bitmap.width, bitmap.height),
            stride=bitmap.stride,
            dpi=dpi,
        )
    finally:
        document.close()
