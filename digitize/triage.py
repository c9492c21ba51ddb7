"""Triage: look at each input file once, refuse what we cannot safely process, and describe every
page as a `PageTask` before any pixel is decoded.

Refusals happen here, early and cheaply: a zero-byte upload, a file that is neither a PDF nor an
image, a password-protected PDF, a dynamic XFA form, and declared pixel counts beyond the limit
(decompression bombs are caught from their headers, never by decoding them).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import struct
import unicodedata
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pikepdf
from pdfminer.pdfexceptions import PDFException
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image

from hoso.digitize.deadline import GivenUp, ItemsWithin
from hoso.digitize.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputTooLargeError,
    UnsupportedInputError,
)
from hoso.digitize.flatten import AnnotationsDamagedError, prepared_copy
from hoso.digitize.models import Options, PageKind, PageTask
from hoso.digitize.page_warnings import (
    ANALYSIS_TOO_SLOW,
    CUT_SHORT,
    DRAWN_ONLY,
    FILE_ANALYSIS_TOO_SLOW,
    SAME_FILE_TWICE,
)
from hoso.files import sha256_file

log = logging.getLogger(__name__)

# What pdfminer (under pdfplumber) raises on damaged files. Anything else is a bug of ours and
# must not be reported to a citizen as "your file is damaged".
PDFMINER_FAILURES = (
    PDFException,
    PSException,
    PdfminerException,  # pdfplumber's wrapper around the same
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AssertionError,
    RecursionError,
    struct.error,
    zlib.error,
)

# What Pillow raises on damaged images besides OSError (found by feeding it corrupted scans).
IMAGE_FAILURES = (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError,
                  struct.error, zlib.error)  # fmt: skip

# Pages one file may hold, PDF or multi-page image: a 3.6 MB G4 TIFF of 15,216 pages (a
# reviewing helper's) would have held every page process for hours.
MAX_FILE_PAGES = 5000
# Drawing operations a PDF page may run (its form XObjects' each time they are drawn, a byte of
# shown text as one) and still be analysed for its images and text layer, which pdfplumber does
# in pure Python at ~80 µs an operation and ~35 µs a character: 300,000 strokes held the
# worker's planning for 27 s and each of its page steps as long. A typed page runs a few
# thousand (the corpus's densest, a form of tables, 13,524); above this, PDFium draws it (1 s
# for those 300,000) and OCR reads it (`page_warnings.DRAWN_ONLY`).
MAX_ANALYSED_OPERATIONS = 100_000
# Seconds a PDF page's analysis may take in its child process (`deadline.ItemsWithin`) before
# it is given up and the page drawn only (`page_warnings.ANALYSIS_TOO_SLOW`): no count sees
# every costly construction (a million-entry ToUnicode, a dash array of five million numbers,
# thousands of images beside thousands of characters). The densest legitimate pages tried
# (an A3 spreadsheet of 2,400 cells, a 7-pt two-column page) take 1-2.5 s; OCR costs a page
# about 2 s of CPU, so a page given up costs no more than one read.
PAGE_ANALYSIS_SECONDS = 5.0
# Seconds pdfplumber may take to open a PDF in the child (its cross-reference and page tree)
OPENING_SECONDS = 30.0
# A PDF's objects take at least this many bytes each (a link annotation compressed in an
# object stream, the smallest seen, about 5): a file declaring more than its bytes can hold,
# and this many besides, is refused before qpdf builds a table of them all.
BYTES_AN_OBJECT = 2
MIN_DECLARED_OBJECTS = 100_000
# Operations a PostScript calculator function may have: run for every pixel it paints (a
# shading, a colour's tint transform), 2,000 of them held PDFium for 63 s on one A4 page at
# 300 dpi. A tint transform has a few dozen.
MAX_FUNCTION_OPERATIONS = 300
# Seconds a whole file's analysis may take: this, and this a page. A worker plans a batch's
# files one after another, so 5,000 pages made to take 4.9 s each would have held it for
# seven hours; typed pages take 0.02-0.3 s. Past it, the pages left are drawn only
# (`page_warnings.FILE_ANALYSIS_TOO_SLOW`).
FILE_ANALYSIS_SECONDS = 60.0
FILE_ANALYSIS_SECONDS_A_PAGE = 0.5
FILE_ANALYSIS_MAX = 600.0  # and no more (a worker triages a file once: `TriageCache`)
# The longest side a page may have, in pixels: Tesseract refuses an image over 32,767 on a side
# ("Image too large"), and hoso reads the page with a margin around it. No paper comes near: an
# A0 sheet at 600 dpi is 28,000 px, a receipt roll 2.5 m long at 300 dpi 29,500. (A blank
# 600 × 70,000 PNG failed as "took over 300 s" after a fraction of a second.)
MAX_PAGE_SIDE = 32_000
FULL_PAGE_COVERAGE = 0.95  # an image covering this much of the page is the page (a scan)
MIN_BORN_DIGITAL_CHARS = 8

_IMAGE_SIGNATURES: dict[bytes, str] = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"II+\x00": "tiff",  # BigTIFF (large archive scans)
    b"MM\x00+": "tiff",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"BM": "bmp",
}


# Phones save photos as HEIF (HEIC: iPhones since 2017) or AVIF: ISO base media files, told by
# the brand of their `ftyp` box. hoso reads neither; the desk is told what to do instead of
# only what the file is not.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
PHONE_PHOTO_ADVICE = (
    "; send the photo as JPEG instead (on an iPhone: Settings, Camera, Formats, Most "
    "Compatible; or share it as JPEG), or scan the paper to PDF"
)


def _refuse_deep_jpeg(path: Path, source: str) -> None:
    """A JPEG of 12 or 16 bits a sample (medical and archive tools write them) is valid JPEG
    that hoso's decoders do not read: said so, not called damaged."""
    with path.open("rb") as stream:
        frame = jpeg_frame(stream.read(65536))
    if frame is not None and frame.precision != 8:
        raise UnsupportedInputError(
            f"this is a {frame.precision}-bit JPEG, which hoso does not read; save it as an "
            "ordinary 8-bit JPEG or PNG, or scan the paper to PDF",
            source=source,
        )


def _known_unsupported(head: bytes) -> str | None:
    """A sentence naming a file type people do send and hoso does not read, else None."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "this is a HEIC/HEIF photo, a format hoso does not read" + PHONE_PHOTO_ADVICE
        if brand in _AVIF_BRANDS:
            return "this is an AVIF photo, a format hoso does not read" + PHONE_PHOTO_ADVICE
    return None


@dataclass(frozen=True)
class JpegFrame:
    marker: int  # start of frame (ITU T.81 Table B.1): 0xC0 baseline, 0xC2 progressive, …
    precision: int  # bits per sample: 8, or 12 and 16 in extended and lossless frames


_ANY_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # DHT, JPG and DAC are no frame


def jpeg_frame(data: bytes) -> JpegFrame | None:
    """The frame header of JPEG data, None if none comes before the scan."""
    at = 2
    while at + 5 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _ANY_SOF:
            return JpegFrame(marker, data[at + 4])
        if marker == 0xDA:  # the scan begins
            return None
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return None


@dataclass(frozen=True)
class TriagedInput:
    path: Path
    sha256: str
    kind: str  # "pdf" or an image format name
    tasks: list[PageTask]
    signed: bool = False


def sniff_kind(head: bytes) -> str | None:
    """Identify the file by its first bytes; the extension is the uploader's claim, not evidence."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for signature, kind in _IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def triage(paths: list[Path], options: Options, first_page_number: int = 1) -> list[TriagedInput]:
    """Triage several files that together are the pages of one document, in order."""
    triaged: list[TriagedInput] = []
    number = first_page_number
    first_pages: dict[str, tuple[str, int]] = {}  # content → (file name, its first page)
    for path in paths:
        item = triage_file(path, options, number)
        if item.sha256 in first_pages and item.tasks:
            # one scan sent twice (a station's retry, a file picked twice): read, and said
            name, page = first_pages[item.sha256]
            said = SAME_FILE_TWICE.format(name=name, page=page)
            tasks = [replace(task, notes=(*task.notes, said)) for task in item.tasks]
            item = replace(item, tasks=tasks)
        first_pages.setdefault(item.sha256, (path.name, number))
        triaged.append(item)
        number += len(item.tasks)
    return triaged


def triage_file(path: Path, options: Options, first_page_number: int = 1) -> TriagedInput:
    source = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(1024)
    except FileNotFoundError:
        raise CorruptInputError("the file does not exist", source=source) from None
    except OSError as exc:
        raise CorruptInputError(f"the file cannot be read ({exc.strerror})", source=source) from exc
    if size == 0:
        raise EmptyInputError("the file is empty (0 bytes); scan or upload it again", source=source)
    kind = sniff_kind(head)
    if kind == "jpeg":
        _refuse_deep_jpeg(path, source)
    if kind is None and (named := _known_unsupported(head)):
        raise UnsupportedInputError(named, source=source)
    if kind is None:
        raise UnsupportedInputError(
            "this is not a PDF, TIFF, JPEG or PNG file; scan the paper to one of those formats",
            source=source,
        )
    if kind == "pdf":
        tasks, signed = _triage_pdf(path, options, first_page_number)
    else:
        tasks, signed = _triage_image(path, kind, options, first_page_number), False
    return TriagedInput(path=path, sha256=sha256_file(path), kind=kind, tasks=tasks, signed=signed)


def check_pixel_budget(width: int, height: int, options: Options, source: str) -> None:
    if width <= 0 or height <= 0:
        raise CorruptInputError("an image in the file has no pixels", source=source)
    if width * height > options.max_page_pixels:
        raise InputTooLargeError(
            f"a page declares {width}×{height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"over the limit of {options.max_page_pixels / 1e6:.0f} megapixels; this looks like a "
            "decompression bomb or a wrong scanner setting — rescan at 300 dpi",
            source=source,
        )
    if max(width, height) > MAX_PAGE_SIDE:
        raise InputTooLargeError(
            f"a page declares {width}×{height} pixels: a side over {MAX_PAGE_SIDE:,} pixels is "
            "longer than any paper scanned at 600 dpi and more than OCR can read; split or "
            "rescan the page",
            source=source,
        )


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt"})


def image_source(path: Path) -> Path | io.BytesIO:
    """What Pillow opens: the file, or for a PNG carrying text chunks, its bytes without them.
    Text chunks are metadata (an editor's XMP, whose edit history can run to megabytes) and
    say nothing of the page; Pillow refuses one that inflates past 1 MB as a bomb, and a scan
    that was fine was refused as damaged. The file itself is kept as received."""
    with path.open("rb") as file:
        if file.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            return path
        spans: list[tuple[int, int]] = []  # (offset, size) of each chunk, header to CRC
        text = False
        while header := file.read(8):
            if len(header) < 8:
                return path  # cut short: Pillow says so
            length, kind = struct.unpack(">I4s", header)
            spans.append((file.tell() - 8, length + 12))
            text = text or kind in _PNG_TEXT_CHUNKS
            file.seek(length + 4, io.SEEK_CUR)
            if kind == b"IEND":
                break
        if not text:
            return path
        kept = bytearray(PNG_SIGNATURE)
        for offset, size in spans:
            file.seek(offset)
            chunk = file.read(size)
            if chunk[4:8] not in _PNG_TEXT_CHUNKS:
                kept += chunk
    return io.BytesIO(bytes(kept))


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type: samples a pixel
# Adam7's seven passes: (first column, first row, column step, row step)
_ADAM7 = (
    (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)
)  # fmt: skip


def png_data_short(path: Path) -> bool:
    """Whether a PNG's image data ends before its last row: the compressed stream complete but
    short (a writer cut off mid-page), which Pillow decodes without a word, the missing rows
    black (a helper's page: its lower 40 % black, archived without a warning). False for
    anything that is no PNG, or whose header cannot be read (decoding says what is wrong)."""
    with path.open("rb") as file:
        if file.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            return False
        inflate = zlib.decompressobj()
        size = expected = 0
        while (header := file.read(8)) and len(header) == 8:
            length, kind = struct.unpack(">I4s", header)
            data = file.read(length)
            file.seek(4, io.SEEK_CUR)  # CRC
            if kind == b"IHDR" and len(data) >= 13:
                expected = _png_data_size(*struct.unpack(">IIBBBBB", data[:13]))
            elif kind == b"IDAT" and expected:
                try:  # never more than one byte past what the header declares (a limit of 0
                    # would be none: a stream of zeros inflated to gigabytes, a helper's file)
                    size += len(inflate.decompress(data, expected + 1 - size))
                except zlib.error:
                    return False  # damaged, not short: Pillow says so
                if size > expected:
                    return False
            elif kind == b"IEND":
                break
    return bool(expected) and size < expected


def _png_data_size(
    width: int, height: int, depth: int, colour: int, _compression: int, _filter: int, laced: int
) -> int:
    """Bytes of a PNG's filtered image data: per row, a filter byte and its samples (PNG 1.2,
    sections 4.1.3 and 8.2: an interlaced image's seven passes each have their own rows)."""
    bits = _CHANNELS.get(colour, 1) * depth
    passes = _ADAM7 if laced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            total += rows * (1 + -(-columns * bits // 8))
    return total


def _triage_image(path: Path, kind: str, options: Options, first_number: int) -> list[PageTask]:
    source = path.name
    # Pillow's own bomb guard would raise on decode; we check declared sizes first, then let the
    # guard stand as a second line of defence at twice our limit.
    Image.MAX_IMAGE_PIXELS = options.max_page_pixels
    try:
        with warnings.catch_warnings():
            # Header-reading complaints ("Corrupt EXIF", "Truncated File Read") are reported
            # when the page is decoded, as a page warning a person can act on.
            warnings.simplefilter("ignore")
            with Image.open(image_source(path)) as image:
                # An animated GIF is not a multi-page scan, nor is a phone's multi-picture
                # JPEG (MPO: the photo, then a preview or a second view): the first frame. A
                # TIFF's pages are walked one by one, never counted whole first (`n_frames`
                # walks them all), and no further than the limit.
                frames = 1 if kind in ("gif", "jpeg") else MAX_FILE_PAGES + 1
                tasks: list[PageTask] = []
                for index in range(frames):
                    try:
                        image.seek(index)
                    except EOFError:
                        break
                    except IMAGE_FAILURES as exc:
                        if not tasks:
                            raise
                        # the pages before the damage are read; the last says what is lost
                        cut = CUT_SHORT.format(detail=failure_detail(exc))
                        tasks[-1] = replace(tasks[-1], notes=(*tasks[-1].notes, cut))
                        break
                    if index == MAX_FILE_PAGES:
                        raise InputTooLargeError(
                            f"the {kind.upper()} holds more than {MAX_FILE_PAGES} pages, the "
                            "limit for one file; split it",
                            source=source,
                        )
                    if index > 0 and kind == "tiff" and _not_a_page(image):
                        continue
                    check_pixel_budget(image.width, image.height, options, source)
                    tasks.append(
                        PageTask(
                            number=first_number + len(tasks),
                            path=path,
                            kind=PageKind.IMAGE_FRAME,
                            index=index,
                            pixels=image.width * image.height,
                        )
                    )
                return tasks
    except Image.DecompressionBombError as exc:
        raise InputTooLargeError(
            "the image declares far more pixels than any scan; refused as a decompression bomb",
            source=source,
        ) from exc
    except IMAGE_FAILURES as exc:
        raise CorruptInputError(
            f"the {kind.upper()} image is damaged and cannot be read ({failure_detail(exc)})",
            source=source,
        ) from exc


# TIFF's NewSubfileType (tag 254): bit 0 a reduced-resolution copy of another image (a
# thumbnail a scanner or imaging program writes after the page), bit 2 a transparency mask.
# The older SubfileType (tag 255) says 2 for the reduced copy.
_COPY_OR_MASK = 0b101


def _not_a_page(image: Image.Image) -> bool:
    """Whether this TIFF directory is a smaller copy of a page or its mask, not a page: a
    thumbnail came out as a page of its own (74 × 105 pt, read at 58 %). The first directory
    is always a page."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return False
    return bool(int(tags.get(254, 0)) & _COPY_OR_MASK) or tags.get(255) == 2


def failure_detail(exc: BaseException) -> str:
    """What a decoder said, where it says something a person can read: a lookup of a missing
    header entry says only its number ("320": a TIFF's colour map), a codec only its error
    number ("decoder error -2": an old-style JPEG in a TIFF)."""
    text = str(exc).strip()
    if isinstance(exc, (KeyError, IndexError, struct.error)) or not text:
        return "a page's header is incomplete or malformed"
    if isinstance(exc, TypeError):  # Python's words: "int() argument must be … 'PSLiteral'"
        return "a value in it is of the wrong kind (a name where a number belongs, say)"
    if re.fullmatch(r"(?:decoder|encoder) error -?\d+", text):
        return "its compression is not one hoso reads, or its data is damaged"
    if text.startswith("cannot identify image file"):  # Pillow names the server's path
        return "its header cannot be read"
    if text in ("Missing dimensions", "Invalid dimensions"):
        return "a page's header does not say its size"
    return text


def _open_pdf(path: Path) -> pikepdf.Pdf:
    source = path.name
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedInputError(
            "the PDF is password-protected; ask the citizen for an unprotected copy or remove the "
            "password in the program that made it, then upload again",
            source=source,
        ) from exc
    except (pikepdf.PdfError, RuntimeError, RecursionError) as exc:
        raise CorruptInputError(
            f"the PDF is damaged beyond repair and cannot be read ({exc})", source=source
        ) from exc


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return False
    stack = list(acroform.get("/Fields", pikepdf.Array()))
    seen = 0
    while stack and seen < 10_000:
        seen += 1
        field = stack.pop()
        if not isinstance(field, pikepdf.Dictionary):
            continue
        if field.get("/FT") == pikepdf.Name.Sig and "/V" in field:
            return True
        stack.extend(field.get("/Kids", pikepdf.Array()))
    return False


def _triage_pdf(path: Path, options: Options, first_number: int) -> tuple[list[PageTask], bool]:
    facts = _structure_within_limits(path, options)
    page_count, areas = len(facts.areas), facts.areas
    budget = min(
        FILE_ANALYSIS_SECONDS + FILE_ANALYSIS_SECONDS_A_PAGE * page_count, FILE_ANALYSIS_MAX
    )
    analysis = ItemsWithin(
        partial(_opened_twice, path.resolve(), page_count),
        partial(_classify_nth, path, options, first_number),
        seconds=PAGE_ANALYSIS_SECONDS,
        opening_seconds=OPENING_SECONDS,
        total_seconds=budget,
    )
    notes = {
        GivenUp.ITEM: ANALYSIS_TOO_SLOW.format(seconds=f"{PAGE_ANALYSIS_SECONDS:g}"),
        GivenUp.WHOLE: FILE_ANALYSIS_TOO_SLOW.format(seconds=f"{budget:g}"),
    }
    tasks = [
        _drawn_only(path, index, first_number + index, areas[index], options, notes[task])
        if isinstance(task, GivenUp)
        else task
        for index, task in enumerate(analysis.run(page_count))
    ]
    return tasks, facts.signed


@dataclass(frozen=True)
class PdfStructure:
    """What a PDF's objects say, before any page is read."""

    signed: bool
    areas: list[float]  # each page's, in square points (`_area`)


def _structure_within_limits(path: Path, options: Options) -> PdfStructure:
    """`_structure` read in a child process (`deadline.ItemsWithin`), under the opening's time
    and the child's memory: a 918 KB file whose cross-reference stream declared 90 million
    objects took qpdf 5 s and 1.1 GB of the worker's own process to open (helper-79)."""
    reading = ItemsWithin(
        _nothing,
        partial(_structure, path.resolve(), options),
        seconds=OPENING_SECONDS,
        opening_seconds=OPENING_SECONDS,
        total_seconds=OPENING_SECONDS,
    )
    [structure] = reading.run(1)
    if isinstance(structure, GivenUp):
        raise InputTooLargeError(
            f"the PDF's structure cannot be read within {OPENING_SECONDS:g} seconds and the "
            "memory allowed: it is far larger or more tangled than any paper's scan; print it "
            "to PDF again, or split it",
            source=path.name,
        )
    return structure


def _nothing() -> None:
    return None


def _structure(path: Path, options: Options, _opened: None, _index: int) -> PdfStructure:
    """The PDF's pages, signatures and images, from its objects (no page's content is
    parsed): refused when it is a dynamic form, has no pages or too many, declares far more
    objects than its bytes can hold, holds a decompression bomb or paints with a function too
    long to run for each pixel."""
    source = path.name
    with _open_pdf(path) as pdf:
        if bool(pdf.Root.get("/NeedsRendering", False)):
            raise UnsupportedInputError(
                "the PDF is a dynamic XFA form (LiveCycle); it has no fixed pages to archive — "
                "print it to PDF first",
                source=source,
            )
        declared = _whole(pdf.trailer.get("/Size"))
        if declared > path.stat().st_size // BYTES_AN_OBJECT + MIN_DECLARED_OBJECTS:
            raise InputTooLargeError(
                f"the PDF declares {declared:,} objects, far more than a file of its size can "
                "hold: it is damaged or made to exhaust the archive's memory; print it to PDF "
                "again",
                source=source,
            )
        try:
            page_count = len(pdf.pages)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise CorruptInputError(
                f"the PDF's page list is damaged ({exc})", source=source
            ) from exc
        if page_count == 0:
            raise CorruptInputError("the PDF has no pages", source=source)
        if page_count > MAX_FILE_PAGES:
            raise InputTooLargeError(
                f"the PDF has {page_count} pages, over the limit of {MAX_FILE_PAGES}; split it",
                source=source,
            )
        signed = _is_signed(pdf)
        seen: set[tuple[int, int]] = set()
        programs: set[tuple[int, int]] = set()
        for number, page in enumerate(pdf.pages, start=1):
            # Decompression bombs, from the PDF's own objects (its content is not read here):
            # a page whose analysis is given up is drawn by PDFium all the same, its images
            # decoded whole.
            for resources in [page.obj.get("/Resources"), *_appearances(page, seen)]:
                for width, height in _image_sizes(resources, seen):
                    check_pixel_budget(width, height, options, source)
            program = _longest_program(page.obj.get("/Resources"), programs)
            if program > MAX_FUNCTION_OPERATIONS:
                raise InputTooLargeError(
                    f"page {number} is painted by a function of {program:,} operations run for "
                    f"each pixel (over {MAX_FUNCTION_OPERATIONS}): too costly to draw; print "
                    "the PDF again or scan the paper",
                    source=source,
                )
        return PdfStructure(signed, [_area(page) for page in pdf.pages])


def _area(page: pikepdf.Page) -> float:
    try:
        x0, y0, x1, y1 = (float(value) for value in page.cropbox)
    except (pikepdf.PdfError, ValueError, TypeError):
        return 612.0 * 792.0  # a Letter page, for a box that cannot be read
    return max(abs(x1 - x0) * abs(y1 - y0), 1.0)


def _drawn_only(
    path: Path, index: int, number: int, area: float, options: Options, note: str
) -> PageTask:
    """A page drawn by PDFium and read by OCR, its own text and images not analysed."""
    rendered = int(area * (options.render_dpi / 72) ** 2)  # pixels when drawn by PDFium
    return PageTask(number, path, PageKind.PDF_RENDER, index, pixels=rendered, notes=(note,),
                    drawn_only=True)  # fmt: skip


@dataclass
class _Reading:
    """A PDF being analysed in the child process: opened by qpdf and by pdfplumber, and what
    pages share that was found once (an Annots array of 100,000 links shared by 1,000 pages
    had been walked on each, helper-78)."""

    pdf: pikepdf.Pdf
    plumber: pdfplumber.pdf.PDF
    annotated: dict[tuple[int, int], bool] = field(default_factory=dict)
    drawn: set[tuple[int, int]] = field(default_factory=set)  # objects looked at for images

    def has_visible_annotations(self, page: pikepdf.Page) -> bool:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array) or not annots.is_indirect:
            return _has_visible_annotations(page)
        if annots.objgen not in self.annotated:
            self.annotated[annots.objgen] = _has_visible_annotations(page)
        return self.annotated[annots.objgen]


def _opened_twice(path: Path, page_count: int) -> _Reading:
    """The PDF opened by qpdf and by pdfplumber, in the analysis's child process; pdfplumber
    must find as many pages as qpdf did."""
    pdf = _open_pdf(path)
    try:
        plumber = pdfplumber.open(path)
        pages = len(plumber.pages)
    except PDFMINER_FAILURES as exc:
        raise CorruptInputError(
            f"the PDF's page content cannot be read ({failure_detail(exc)})", source=path.name
        ) from exc
    if pages != page_count:  # two readers disagree: some pages are lost in the damage
        raise CorruptInputError(
            f"only {pages} of the PDF's {page_count} pages can be read; the file is damaged "
            "(cut short?) — upload it again or rescan",
            source=path.name,
        )
    return _Reading(pdf, plumber)


def _classify_nth(
    path: Path,
    options: Options,
    first_number: int,
    reading: _Reading,
    index: int,
) -> PageTask:
    """Page `index` read and classified, in the analysis's child process. Its content is
    parsed here too, once, for its visible text and its count of operations: qpdf's parse is
    fast, but each operation becomes a Python object, and a 27 KB file whose content inflates
    to a million strokes had taken 6.6 s and 1.5 GB of the worker's own process."""
    page = reading.pdf.pages[index]
    instructions = _parsed(page)
    drawn = _inline_images_drawn(page, reading.drawn)
    inline = itertools.chain(_inline_image_sizes(instructions), drawn)
    for width, height in inline:
        check_pixel_budget(width, height, options, path.name)
    visible_text = has_visible_text(instructions)
    operations = drawing_operations(page, MAX_ANALYSED_OPERATIONS, instructions)
    del instructions  # before pdfplumber's own objects
    annotated = reading.has_visible_annotations(page)
    if annotated:
        _read_as_flattened(path, index)
    try:
        return _classify_pdf_page(
            reading.plumber.pages[index], path, index, first_number + index, annotated,
            visible_text, options, operations,
        )  # fmt: skip
    except PDFMINER_FAILURES as exc:
        raise CorruptInputError(
            f"the PDF's page content cannot be read ({failure_detail(exc)})", source=path.name
        ) from exc


def _read_as_flattened(path: Path, index: int) -> None:
    """The page read by pdfplumber as the page step will read it, its annotations flattened
    into it (`flatten.prepared_copy`): here, under the analysis's deadline, and a page not
    read in time is drawn only. An appearance is page content once flattened, and a stamp
    whose appearance held a dash array of 8 million numbers (32 KB) or a ToUnicode of 1.5
    million entries held the page step 13-16 s and 1.2 GB, outside any deadline, while its
    page counted 150 operations (helper-81). What the copy cannot be made or read from is
    left for the page step to say."""
    try:
        prepared = prepared_copy(path, index)
    except (AnnotationsDamagedError, pikepdf.PdfError, ValueError, TypeError, RuntimeError):
        return
    if prepared is None:
        return
    try:
        with pdfplumber.open(io.BytesIO(prepared.read or prepared.shown)) as plumber:
            plumber.pages[prepared.index].chars  # noqa: B018  # interprets the whole content
    except PDFMINER_FAILURES:
        return


_TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


def _shown_bytes(operands: Iterable[pikepdf.Object]) -> int:
    """The bytes of text a text-showing operation shows (a TJ array's strings together)."""
    shown = 0
    for operand in operands:
        parts = operand if isinstance(operand, pikepdf.Array) else [operand]
        shown += sum(len(bytes(part)) for part in parts if isinstance(part, pikepdf.String))
    return shown


def _code_length(fonts: object, operands: Iterable[pikepdf.Object]) -> int:
    """Bytes a character takes in the font a `Tf` selects: two in a composite (Type0) font, as
    Vietnamese text is usually embedded (Identity-H); counted as bytes, a dense two-column
    page of it had passed for 50,000 characters and lost its text layer."""
    name = next(iter(operands), None)
    font = fonts.get(str(name)) if isinstance(fonts, pikepdf.Dictionary) and name else None
    composite = isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == pikepdf.Name.Type0
    return 2 if composite else 1


def _parsed(
    content: pikepdf.Object | pikepdf.Page,
) -> list[pikepdf.ContentStreamInstructions] | None:
    """A page's or a form's content as instructions; None where qpdf cannot parse it."""
    try:
        return pikepdf.parse_content_stream(content)
    except (pikepdf.PdfError, ValueError, TypeError):
        return None


def drawing_operations(
    page: pikepdf.Page,
    limit: int,
    instructions: list[pikepdf.ContentStreamInstructions] | None = None,
) -> int:
    """How many operations drawing the page runs, a form XObject's counted each time it is
    drawn (one form of 1,000 strokes drawn 1,000 times is a million for any reader) and each
    character of text shown as one (`_code_length`), counted until past `limit`. A form that
    draws itself, or content that cannot be parsed, counts as past the limit: no reader
    should be handed it to analyse. `instructions`: the page's content, where the caller
    parsed it already."""
    over = limit + 1
    totals: dict[tuple[int, int], int] = {}  # a form's own count with what it draws

    def count(
        instructions: list[pikepdf.ContentStreamInstructions] | None,
        resources: object,
        open_forms: set[tuple[int, int]],
    ) -> int:
        if instructions is None:
            return over
        total = len(instructions)
        forms = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        code_length = 1  # bytes a character of the current font takes
        for instruction in instructions:
            if total > limit:
                return total
            operator = str(instruction.operator)
            if operator in _TEXT_SHOWING:  # each character is work: one Tj of 300,000 took 11 s
                total += _shown_bytes(instruction.operands) // code_length
                continue
            if operator == "Tf":
                code_length = _code_length(fonts, instruction.operands)
                continue
            if operator != "Do" or not isinstance(forms, pikepdf.Dictionary):
                continue
            form = forms.get(str(instruction.operands[0])) if instruction.operands else None
            if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != pikepdf.Name.Form:
                continue
            key = form.objgen
            if key in open_forms:
                return over  # a form drawing itself: endless for a reader that follows it
            if key not in totals:
                resources_of_form = form.get("/Resources", resources)
                totals[key] = count(_parsed(form), resources_of_form, open_forms | {key})
            total += totals[key]
        return total

    try:
        page_instructions = _parsed(page) if instructions is None else instructions
        resources = page.obj.get("/Resources")
        total = count(page_instructions, resources, set())
        # Annotations are flattened into the page the page step reads: their appearances are
        # its content too (one of 600,000 strokes in a 17 KB file held the page step 39 s
        # in pdfplumber, helper-80), each state counted
        for look in _appearance_streams(page, set()):
            if total > limit:
                break
            if look.objgen not in totals:  # one qpdf cannot parse is not drawn: nothing to read
                parsed = _parsed(look)
                own = look.get("/Resources", resources)
                totals[look.objgen] = 0 if parsed is None else count(parsed, own, {look.objgen})
            total += totals[look.objgen]
        return total
    except RecursionError:
        return over


def _image_sizes(
    resources: object, seen: set[tuple[int, int]] | None = None
) -> Iterator[tuple[int, int]]:
    """The declared size of each image a page's resources can draw (`_drawables`), with each
    image's own masks: the decompression-bomb check of a page whose images pdfplumber does not
    list (PDFium decodes every one it draws: a 20,000² soft mask under a 10 × 10 image, or an
    image in a Type3 glyph, took 440-550 MB, helper-79)."""
    seen = set() if seen is None else seen
    for item in _drawables(resources, seen):
        if item.get("/Subtype") != pikepdf.Name.Image:
            continue
        yield _whole(item.get("/Width")), _whole(item.get("/Height"))
        for name in ("/SMask", "/Mask"):
            mask = item.get(name)
            if isinstance(mask, pikepdf.Stream) and not _walked(mask, seen):
                yield _whole(mask.get("/Width")), _whole(mask.get("/Height"))


def _drawables(resources: object, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Object]:
    """Every image and every stream of drawing (form, tiling pattern, Type3 glyph, soft-mask
    group) that a page's resources can reach, through each other's resources. Each object
    once for all the pages that share it (`seen`: one XObject dictionary of 100,000 entries
    shared by 1,000 pages had been walked 1,000 times), with a stack (2,000 nested forms had
    overflowed Python's recursion)."""
    waiting = [resources]
    while waiting:
        current = waiting.pop()
        if not isinstance(current, pikepdf.Dictionary) or _walked(current, seen):
            continue
        for kind in ("/XObject", "/Pattern", "/Font", "/ExtGState"):
            objects = current.get(kind)
            if not isinstance(objects, pikepdf.Dictionary) or _walked(objects, seen):
                continue
            for item in objects.values():
                if not isinstance(item, pikepdf.Dictionary | pikepdf.Stream):
                    continue
                if _walked(item, seen):
                    continue
                if isinstance(item, pikepdf.Stream):
                    yield item  # an image, a form or a tiling pattern
                waiting.append(item.get("/Resources"))
                glyphs = item.get("/CharProcs")  # a Type3 font's
                if isinstance(glyphs, pikepdf.Dictionary):
                    yield from (g for g in glyphs.values() if isinstance(g, pikepdf.Stream))
                soft_mask = item.get("/SMask")  # a graphics state's: a group drawn as a mask
                if isinstance(soft_mask, pikepdf.Dictionary) and isinstance(
                    group := soft_mask.get("/G"), pikepdf.Stream
                ):
                    yield group
                    waiting.append(group.get("/Resources"))


def _inline_images_drawn(
    page: pikepdf.Page, seen: set[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """The declared size of each inline image in the streams the page's resources and
    annotations can draw (not its own content: `_classify_nth` has it parsed): one in a form
    on a page past the operation limit had reached PDFium (2.6 GB, helper-79). `seen`: the
    objects earlier pages reached, looked at once."""
    for resources in [page.obj.get("/Resources"), *_appearances(page, seen)]:
        for item in _drawables(resources, seen):
            if item.get("/Subtype") != pikepdf.Name.Image:
                yield from _inline_images_declared(item)


def _inline_images_declared(stream: pikepdf.Object) -> Iterator[tuple[int, int]]:
    """The declared size of each inline image a stream of drawing holds, its other
    operations left unparsed (qpdf hands back only the `ID` operators, each with its image's
    dictionary as operands: a form of a million strokes costs no Python object a stroke)."""
    try:
        found = pikepdf.parse_content_stream(stream, "ID")
    except (pikepdf.PdfError, ValueError, TypeError):
        return
    for instruction in found:
        entries = list(instruction.operands)
        pairs = zip(entries[::2], entries[1::2], strict=False)
        declared = {str(key): value for key, value in pairs}
        width = declared.get("/W", declared.get("/Width"))
        height = declared.get("/H", declared.get("/Height"))
        yield _whole(width), _whole(height)


def _longest_program(resources: object, seen: set[tuple[int, int]]) -> int:
    """The most operations of any PostScript calculator (Type 4) function the page's resources
    hold, in shadings, colour spaces' tint transforms or transfer functions: PDFium runs one
    for each pixel it fills with it, and a 1 KB file's function-based shading of 2,000
    operations held PDFium 63 s (helper-79). Each object once (`seen`); /Parent and /P links
    are not followed (they lead to the pages)."""
    longest, waiting = 0, [resources]
    while waiting:
        item = waiting.pop()
        if not isinstance(item, pikepdf.Array | pikepdf.Dictionary | pikepdf.Stream):
            continue
        if _walked(item, seen):
            continue
        if isinstance(item, pikepdf.Array):
            waiting.extend(item)
            continue
        if isinstance(item, pikepdf.Stream) and item.get("/FunctionType") == 4:
            try:
                longest = max(longest, len(item.read_bytes().split()))
            except (pikepdf.PdfError, ValueError, RuntimeError):
                continue  # a function that cannot be read is not run either
        waiting.extend(item.get(str(key)) for key in item if str(key) not in ("/Parent", "/P"))
    return longest


def _appearances(page: pikepdf.Page, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Object]:
    """The resources of each appearance stream of the page's annotations, each as a form the
    page could draw: hoso draws annotations into the page, images and all."""
    for stream in _appearance_streams(page, seen):
        yield pikepdf.Dictionary(XObject=pikepdf.Dictionary(Look=stream))


def _appearance_streams(page: pikepdf.Page, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Stream]:
    """Each appearance stream of the page's annotations (normal, rollover, down, each state of
    each)."""
    annots = page.obj.get("/Annots")
    if not isinstance(annots, pikepdf.Array) or _walked(annots, seen):
        return  # an array that pages share, walked with the first
    for annot in annots:
        shown = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
        for look in shown.values() if isinstance(shown, pikepdf.Dictionary) else []:
            states = [look] if isinstance(look, pikepdf.Stream) else []
            if isinstance(look, pikepdf.Dictionary) and not isinstance(look, pikepdf.Stream):
                states = [state for state in look.values() if isinstance(state, pikepdf.Stream)]
            yield from states


def _walked(item: pikepdf.Object, seen: set[tuple[int, int]]) -> bool:
    """Whether an indirect object was walked already (and it is now); a direct one is part of
    what holds it, walked with it."""
    if not item.is_indirect:
        return False
    if item.objgen in seen:
        return True
    seen.add(item.objgen)
    return False


def _inline_image_sizes(
    instructions: list[pikepdf.ContentStreamInstructions] | None,
) -> Iterator[tuple[int, int]]:
    """The declared size of each inline image a page's content draws: on a page that is not
    analysed, pdfplumber does not list them, and PDFium decodes them whole (a 4.5 KB file's
    40,000 × 40,000 inline image took 2.6 GB to draw, helper-78)."""
    for instruction in instructions or []:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            try:
                image = instruction.iimage
                yield max(1, int(image.width)), max(1, int(image.height))
            except (pikepdf.PdfError, ValueError, TypeError, KeyError):
                continue  # no usable size: PDFium cannot draw it either


def _whole(value: object) -> int:
    """A declared size as a number; one that is missing or not a number counts as 1 (as the
    images pdfplumber lists do): only a size too large is refused here."""
    try:
        return max(1, int(str(value)))
    except ValueError:
        return 1


def has_visible_text(instructions: list[pikepdf.ContentStreamInstructions] | None) -> bool:
    """True if the page's content (`_parsed`) draws text that shows (render mode other than 3,
    invisible). An OCR layer from a scanner is invisible; text typed into a scanned form is not,
    and must not be lost."""
    if instructions is None:
        return True  # unreadable content: render it rather than risk dropping something
    mode, saved = 0, []
    try:
        for instruction in instructions:
            op = str(instruction.operator)
            operands = instruction.operands
            if op == "q":
                saved.append(mode)
            elif op == "Q" and saved:
                mode = saved.pop()
            elif op == "Tr" and operands:
                mode = int(operands[0])
            elif op in _TEXT_SHOWING and mode != 3:
                return True
    except (pikepdf.PdfError, ValueError, TypeError):
        return True  # unreadable content: render it rather than risk dropping something
    return False


def _has_visible_annotations(page: pikepdf.Page) -> bool:
    annots = page.obj.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return False
    return any(
        isinstance(a, pikepdf.Dictionary) and a.get("/Subtype") not in (pikepdf.Name.Link, None)
        for a in annots
    )


# Images covering this share of the page hold it, where the text does not say otherwise
SCAN_MIN_SHARE = 0.5


def _scanned_with_margins(
    page: pdfplumber.page.Page, images: list[dict[str, Any]], page_area: float, visible: bool
) -> bool:
    """A scan that no single image covers whole: laid smaller on the page with a capture line
    under it, or stored in strips. Its images hold half the page or more, and its text is an
    OCR layer (invisible) or lies outside them (a footer, "Trang 1/1 - Quét ngày…"). Taken for
    born-digital, such a page kept its scanner's OCR layer, marks lost ("CONG HOA XA HOI"), or
    only its footer, the scan never read (a reviewing helper's files, session 18)."""
    share = sum(_area_on(page, image) for image in images) / page_area
    if share < SCAN_MIN_SHARE:
        return False
    if not visible:
        return True
    return not chars_inside(page.chars, images).any()


def _area_on(page: pdfplumber.page.Page, image: dict[str, Any]) -> float:
    width = min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0)
    height = min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0)
    return max(width, 0.0) * max(height, 0.0)


def chars_inside(chars: list[dict[str, Any]], images: list[dict[str, Any]]) -> np.ndarray:
    """For each character, whether its centre lies on one of the images. Vectorized: a page of
    8,000 characters beside 8,000 small images had taken 16 s tested pair by pair."""
    centres = np.array(
        [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2) for c in chars], dtype=float
    ).reshape(-1, 2)
    x, y = centres[:, 0], centres[:, 1]
    found = np.zeros(len(chars), dtype=bool)
    for image in images:
        across = (image["x0"] <= x) & (x <= image["x1"])
        found |= across & (image["top"] <= y) & (y <= image["bottom"])
    return found


def _classify_pdf_page(
    page: pdfplumber.page.Page,
    path: Path,
    index: int,
    number: int,
    annotated: bool,
    visible_text: bool,
    options: Options,
    operations: int = 0,
) -> PageTask:
    page_area = max(float(page.width) * float(page.height), 1.0)
    rendered = int(page_area * (options.render_dpi / 72) ** 2)  # pixels when drawn by PDFium
    if operations > MAX_ANALYSED_OPERATIONS:  # before `page.images`: that analyses it all
        note = DRAWN_ONLY.format(operations=f"{MAX_ANALYSED_OPERATIONS:,}")
        return _drawn_only(path, index, number, page_area, options, note)
    images = page.images
    for image in images:
        src_w, src_h = image.get("srcsize", (0, 0))
        check_pixel_budget(int(src_w or 1), int(src_h or 1), options, path.name)
    covering = [
        im
        for im in images
        if (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]) >= FULL_PAGE_COVERAGE * page_area
    ]
    is_scan = bool(covering) or _scanned_with_margins(page, images, page_area, visible_text)
    if is_scan:
        # A scan, possibly with another engine's (often garbled) OCR layer: we OCR it ourselves.
        # Only a lone image with nothing drawn over it can be lifted out as is; anything else
        # (a seal pasted on top, an annotation, vector marks) is rendered so nothing is lost.
        lone = len(images) == 1 and not page.rects and not page.curves and not page.lines
        if lone and covering and not annotated and not visible_text:
            src_w, src_h = images[0].get("srcsize", (0, 0))
            lifted = int(src_w or 0) * int(src_h or 0)
            return PageTask(number, path, PageKind.PDF_IMAGE, index, pixels=lifted)
        return PageTask(number, path, PageKind.PDF_RENDER, index, pixels=rendered)
    text = page.extract_text() or ""
    if is_usable_text(text):
        return PageTask(
            number=number,
            path=path,
            kind=PageKind.PDF_RENDER,
            index=index,
            born_digital=True,
            pixels=rendered,
        )
    return PageTask(number, path, PageKind.PDF_RENDER, index, pixels=rendered)


# Letters neither Vietnamese nor English print, which text typed in a legacy Vietnamese
# encoding (VNI, TCVN3/ABC) extracts as where its font draws the marks: VNI's "COÄNG HOØA XAÕ
# HOÄI", "Nguyeãn Vaên Thaéng" is "CỘNG HÒA XÃ HỘI", "Nguyễn Văn Thắng" drawn in a VNI font.
# Such a page reads well on screen and is OCR'd like a scan; its text layer would have filled
# the archive's search with mojibake (a reviewing helper's file, session 18). Half the words of
# a VNI page and a quarter of a TCVN3 one carry such letters; a German or Nordic page a tenth.
_LEGACY_ENCODING_LETTERS = frozenset("ÄÅÆÇËÏÑÖØÛÜßäåæçëïñöøûüÿÞþ")
LEGACY_WORD_SHARE = 0.2


def is_usable_text(text: str) -> bool:
    """Decide whether an existing text layer reads as language rather than font garbage.

    Fonts without a Unicode mapping extract as "(cid:12)", private-use code points or runs of
    symbols; such a page is rendered and OCR'd instead of trusted.
    """
    visible = [c for c in text if not c.isspace()]
    if len(visible) < MIN_BORN_DIGITAL_CHARS or "(cid:" in text:
        return False
    letters = sum(1 for c in visible if unicodedata.category(c).startswith("L"))
    digits = sum(1 for c in visible if c.isdigit())
    junk = sum(1 for c in visible if unicodedata.category(c) in ("Co", "Cn", "Cc", "So"))
    junk += text.count("\ufffd")
    if junk / len(visible) > 0.05:
        return False
    punctuation = sum(1 for c in visible if unicodedata.category(c).startswith("P"))
    if (letters + digits) / max(len(visible) - punctuation, 1) < 0.8:
        return False
    tokens = [t for t in text.split() if any(c.isalpha() for c in t)]
    if not tokens:
        return False
    legacy = sum(1 for t in tokens if not _LEGACY_ENCODING_LETTERS.isdisjoint(t))
    if legacy > LEGACY_WORD_SHARE * len(tokens):
        return False
    wordlike = sum(1 for t in tokens if _looks_like_word(t))
    return wordlike / len(tokens) >= 0.7


def _looks_like_word(token: str) -> bool:
    core = token.strip(".,;:!?()[]\"'«»“”‘’-–—/")
    if not core:
        return False
    if not all(c.isalpha() or c in "-'’" for c in core):
        return core.replace(".", "").replace("/", "").replace("-", "").isalnum()
    # Mixed case in the middle of a word ("DVc", "HQi") is what garbled OCR layers look like.
    inner = core[1:]
    return inner.islower() or inner.isupper() or len(core) <= 2
