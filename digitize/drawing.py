"""PDFium's work on a PDF page (drawing it, decoding its scan), in a child process under a
deadline.

What PDFium is asked to draw or decode costs what the file decides, and no count taken
beforehand sees every construction: a tiling pattern of cells finer than a pixel (a 700-byte
page) kept PDFium drawing for hours, in a page process that the other documents of every
province share. The work runs in a child forked from the fork server
(`deadline.ItemsWithin`); work that does not finish in `DRAWING_SECONDS`, or past the child's
memory, is refused as too costly, and the document fails with a reason instead of holding a
page process.

This module imports PDFium and PIL only, so the fork server preloads it and a child starts in
milliseconds.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing import reduction
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.internal as pdfium_i
import pypdfium2.raw as pdfium_c
from PIL import Image

from hoso.digitize.deadline import CHILD_MEMORY, GivenUp, ItemsWithin
from hoso.digitize.errors import InputTooLargeError, UnreadableImageError
from hoso.digitize.triage import MAX_PAGE_SIDE
from hoso.errors import OutputError

# The longest PDFium may take over one page. A dense A0 map or CAD sheet takes it seconds at
# the 100-megapixel limit; a minute is far past any page a desk scans or receives.
DRAWING_SECONDS = 60.0
# And the most memory beyond its start (address space, as `deadline.ItemsWithin` limits it)
DRAWING_MEMORY = CHILD_MEMORY


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


@dataclass(frozen=True)
class _Pixels:
    """What the child says of the pixels it wrote: PIL's modes of the image and of PDFium's
    bytes (blue first), the size, the bytes a row; the dpi a page was drawn at, and whether
    a lifted image has one bit a pixel."""

    image_mode: str
    pixel_mode: str
    size: tuple[int, int]
    stride: int
    dpi: float = 0.0
    one_bit: bool = False


def drawn_page(page: PageToDraw) -> tuple[Image.Image, float]:
    """The page drawn by PDFium at its dpi, or less where the page is too large for it, and
    the dpi it was drawn at."""
    image, drawn = _from_child(functools.partial(_draw, page), "could not be drawn")
    return image, drawn.dpi


def lifted_image(path: Path, index: int, codec: str) -> tuple[Image.Image, bool] | None:
    """The page's only image as PDFium decodes it (JBIG2 and every PDF colour space), at its
    own pixel size, and whether it has one bit a pixel; None if PDFium sees no single image."""
    try:
        image, lifted = _from_child(
            functools.partial(_lift, path, index, codec), "its scan could not be decoded"
        )
    except _NothingToLift:
        return None
    return image, lifted.one_bit


class _NothingToLift(Exception):
    """PDFium sees no single image on the page: it is drawn instead."""


def _from_child(
    work: Callable[[_PixelsFile, None, int], _Pixels], failed: str
) -> tuple[Image.Image, _Pixels]:
    """`work` done in a child, under `DRAWING_SECONDS` and the child's memory, refused past
    them."""
    pixels = _PixelsFile()
    try:
        (done,) = ItemsWithin(
            open_=_nothing,
            each=functools.partial(work, pixels),
            seconds=DRAWING_SECONDS,
            opening_seconds=DRAWING_SECONDS,
            total_seconds=DRAWING_SECONDS,
            memory_bytes=DRAWING_MEMORY,
        ).run(1)
        if isinstance(done, GivenUp):
            raise InputTooLargeError(
                f"it {failed} in {DRAWING_SECONDS:.0f} seconds and "
                f"{DRAWING_MEMORY / 1024**3:.0f} GB of memory: its content is built to be "
                "costly (a pattern of tiles finer than a pixel, say); scan the paper instead"
            )
        image = Image.frombuffer(
            done.image_mode, done.size, pixels.read(), "raw", done.pixel_mode, done.stride, 1
        )
        return image, done
    finally:
        pixels.close()


class _PixelsFile:
    """Where the child leaves the pixels: a file in memory with no name (`memfd_create`),
    handed to the child as a descriptor. An A4 page at 300 dpi is 26 MB, which pickled
    through the child's pipe cost 150 ms more than drawing it in the process (longer than
    the drawing); through a file, 50 ms. A named file outlived a caller killed mid-drawing
    (a failed document's page processes are ended at once): page images, personal data, left
    in the temp folder; this one ends with the last process that holds it."""

    def __init__(self, descriptor: int | None = None) -> None:
        self.descriptor = (
            os.memfd_create("hoso-drawn-page", os.MFD_CLOEXEC) if descriptor is None else descriptor
        )

    def __reduce__(self) -> tuple[object, ...]:
        # sent with the child's start through the fork server, as its pipe is
        return (_PixelsFile._received, (reduction.DupFd(self.descriptor),))

    @staticmethod
    def _received(duplicate: Any) -> _PixelsFile:
        return _PixelsFile(duplicate.detach())

    def write(self, data: memoryview) -> None:
        view, written = data.cast("B"), 0
        while written < len(view):
            written += os.pwrite(self.descriptor, view[written:], written)

    def read(self) -> bytes:
        size = os.fstat(self.descriptor).st_size
        parts, done = [], 0
        while done < size:
            part = os.pread(self.descriptor, size - done, done)
            if not part:
                break
            parts.append(part)
            done += len(part)
        return b"".join(parts)

    def close(self) -> None:
        os.close(self.descriptor)


def _nothing() -> None:
    return None


def _written(bitmap: pdfium.PdfBitmap, pixels: _PixelsFile, dpi: float = 0.0) -> _Pixels:
    try:
        pixels.write(memoryview(bitmap.buffer))
    except OSError as exc:  # not the input's fault: the machine's memory is short
        raise OutputError(
            f"the page drawn ({bitmap.width}×{bitmap.height} pixels) cannot be kept in memory "
            f"({exc.strerror or exc}); retry when the machine is less busy"
        ) from exc
    return _Pixels(
        image_mode=pdfium_i.BitmapTypeToStrReverse[bitmap.format],
        pixel_mode=bitmap.mode,
        size=(bitmap.width, bitmap.height),
        stride=bitmap.stride,
        dpi=dpi,
    )


def _draw(wanted: PageToDraw, pixels: _PixelsFile, _opened: None, _item: int) -> _Pixels:
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

        def render(at: float) -> pdfium.PdfBitmap:
            return page.render(scale=at * unit / 72.0, may_draw_forms=True, draw_annots=True)

        bitmap = render(dpi)
        if _blank(bitmap) and pdfium_c.FPDFPage_CountObjects(page.raw):
            # PDFium leaves out what it finds no memory for, without a word: an A0 page of six
            # nested transparency groups at the pixel limit came out white under the child's
            # limit (helper-81). A quarter of the pixels needs a quarter of the memory.
            smaller = dpi
            while smaller > 100:
                smaller /= 2
                again = render(smaller)
                if not _blank(again):
                    bitmap, dpi = again, smaller
                    break
        return _written(bitmap, pixels, dpi)
    finally:
        document.close()


def _blank(bitmap: pdfium.PdfBitmap) -> bool:
    """Whether every byte of the drawing is white (the page's paper colour as drawn)."""
    return bool(np.frombuffer(bitmap.buffer, np.uint8).min() == 255)


def _lift(
    path: Path, index: int, codec: str, pixels: _PixelsFile, _opened: None, _item: int
) -> _Pixels:
    document = pdfium.PdfDocument(str(path))
    try:
        objects = list(document[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
        if len(objects) != 1:
            raise _NothingToLift
        try:
            bitmap = objects[0].get_bitmap(render=False)
        except pdfium.PdfiumError as exc:
            raise UnreadableImageError(
                f"the page's scanned image ({codec}) is damaged and no reader can decode it; "
                "ask for the file again or rescan the paper",
                source=path.name,
            ) from exc
        one_bit = objects[0].get_metadata().bits_per_pixel == 1
        return replace(_written(bitmap, pixels), one_bit=one_bit)
    finally:
        document.close()
