"""Rasterize: turn a `PageTask` into pixels as the page is seen (orientation tags and /Rotate
applied), at its native resolution, with the resolution the file claims.

Scanned PDF pages give up their image as stored (no resampling): pikepdf lifts what it can
decode itself, PDFium's own decoders lift the rest (JBIG2, whose pikepdf decoder is an external
program stations lack; Lab, Separation and DeviceN colour). PDF pages that must be drawn (vector
art, born-digital text, images with overlays) are rendered with PDFium at the native resolution of
their largest image, or at `Options.render_dpi`.
"""

from __future__ import annotations

import ctypes
import io
import math
import warnings
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pikepdf import PdfImage
from pikepdf.exceptions import ImageDecompressionError
from PIL import Image, ImageOps

from hoso.digitize.attachments import attachments_warning
from hoso.digitize.drawing import PageToDraw, drawn_page, lifted_image
from hoso.digitize.encode import estimate_jpeg_quality
from hoso.digitize.errors import CorruptInputError, InputTooLargeError
from hoso.digitize.flatten import AnnotationsDamagedError, prepared_copy, shows_annotations
from hoso.digitize.ink import Pixels
from hoso.digitize.models import (
    LEGAL_MINIMUM_DPI,
    Options,
    PageKind,
    PageTask,
    Word,
    below_legal_minimum,
)
from hoso.digitize.native import native_stderr_silenced
from hoso.digitize.page_warnings import (
    ANNOTATIONS_NOT_DRAWN,
    DAMAGED_IMAGE,
    GIF_PICTURES,
    UNEVEN_RESOLUTION,
)
from hoso.digitize.triage import (
    IMAGE_FAILURES,
    PDFMINER_FAILURES,
    chars_inside,
    check_pixel_budget,
    failure_detail,
    image_source,
    is_usable_text,
    jpeg_frame,
    png_data_short,
)

Box = tuple[int, int, int, int]

PLAUSIBLE_DPI = (100.0, 2400.0)  # outside this, a declared resolution is a default, not a fact

# What pikepdf decodes by itself (with Pillow). Anything else goes to PDFium before pikepdf is
# tried: /JBIG2Decode needs the jbig2dec program, which stations and CI do not have; pikepdf
# refuses Separation and DeviceN, does not understand a palette over Lab or spot colours, and
# leaves Lab to Pillow's approximate conversion (white point ignored), where PDFium converts
# every colour space as a viewer shows it.
PIKEPDF_FILTERS = frozenset(
    {"/FlateDecode", "/LZWDecode", "/RunLengthDecode", "/ASCII85Decode", "/ASCIIHexDecode",
     "/DCTDecode", "/CCITTFaxDecode", "/JPXDecode"}
)  # fmt: skip
PIKEPDF_COLOUR_SPACES = frozenset(
    {"/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/CalGray", "/CalRGB", "/ICCBased"}
)
# The safety net for images that passed that test: pikepdf lacks a decoder or a colour converter
# (not the file's fault: PDFium lifts the image instead, nothing is lost) ...
PIKEPDF_GAPS = (
    pikepdf.DependencyError,
    pikepdf.NotExtractableError,  # HifiPrintImageNotTranscodableError and kin
    pikepdf.UnsupportedImageTypeError,
    NotImplementedError,
)
# ... or the data is damaged: PDFium, more forgiving, may still get most of it (a page warning).
PIKEPDF_DAMAGE = (pikepdf.PdfError, pikepdf.InvalidPdfImageError, ImageDecompressionError)
_CODEC_NAMES = {
    "/JBIG2Decode": "JBIG2",
    "/DCTDecode": "JPEG",
    "/JPXDecode": "JPEG 2000",
    "/CCITTFaxDecode": "CCITT fax",
}


@dataclass
class RasterPage:
    pixels: Pixels  # H×W (grey or 0/255 bilevel) or H×W×3 RGB
    mode: str  # "RGB" | "L" | "1"
    dpi: float | None  # None when the file gives no trustworthy resolution
    claimed_dpi: float | None = None  # what the file says, even when implausible (e.g. 72, 96)
    born_digital_words: list[Word] | None = None
    text_rotation: int = 0  # born-digital text turned this far counter-clockwise as displayed
    # The page's own JPEG, when it can go into the PDF as is (no generation loss) if the page
    # needs no turning or straightening: (bytes, "RGB" | "L").
    source_jpeg: tuple[bytes, str] | None = None
    source_jpeg_quality: int | None = None  # never re-encode a scan better than it was taken
    warnings: list[str] = field(default_factory=list)
    # The page to read where it differs from the page to archive: without the appearance of a
    # visible signature, a stamp over the heading's text (`flatten.prepared_copy`)
    reading_pixels: Pixels | None = None
    # Pictures pasted on a born-digital page whose text its text layer lacks (a scanned ID
    # card in a typed application): boxes (left, top, right, bottom) in pixels of the upright
    # page, largest first (`pictures_to_read`).
    pictures: list[Box] = field(default_factory=list)
    # A scanned page's typed words outside its scan (a portal's dossier code over it, a footer
    # "Quét ngày …"), in pixels of the page as drawn: exact where OCR would misread them.
    typed_words: list[Word] = field(default_factory=list)


def rasterize(task: PageTask, options: Options) -> RasterPage:
    try:
        if task.kind is PageKind.IMAGE_FRAME:
            page = _load_frame(task.path, task.index, options)
        else:
            lifted = _extract_pdf_image(task, options) if task.kind is PageKind.PDF_IMAGE else None
            page = lifted if lifted is not None else _render_pdf_page(task, options)
            attached = attachments_warning(task.path, task.index)
            if attached:
                page.warnings.append(attached)
        page.warnings.extend(task.notes)  # what triage found (the same file twice, cut short)
        return page
    except (InputTooLargeError, CorruptInputError):
        raise
    except Image.DecompressionBombError as exc:
        raise InputTooLargeError("the page is too large to decode", source=task.path.name) from exc
    except (*IMAGE_FAILURES, *PDFMINER_FAILURES, pikepdf.PdfError, pdfium.PdfiumError) as exc:
        raise CorruptInputError(
            f"the page's image cannot be decoded: {failure_detail(exc)}",
            source=task.path.name,
        ) from exc


def normalize_mode(image: Image.Image) -> tuple[Image.Image, str]:
    """Bring any decoded image to RGB, L or 1 without changing how it looks on white paper."""
    if image.mode == "1":
        return image, "1"
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / top)).astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGB")
    if image.mode == "CMYK":
        image = image.convert("RGB")
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if image.mode == "RGB" and _is_grey(image):
        image = image.convert("L")
    return image, image.mode


def _is_grey(image: Image.Image) -> bool:
    """True when colour carries nothing (a black-and-white paper scanned in colour). A red seal or a
    blue signature keeps the page in colour, as the legal e-copy rules require. Judged on about
    400 x 400 of the page's own pixels (nearest, no blending), picked before any array is made:
    viewing a whole A4 page as an array first cost 70 ms a page."""
    size = (
        max(1, image.width // max(1, image.width // 400)),
        max(1, image.height // max(1, image.height // 400)),
    )
    small = np.asarray(image.resize(size, Image.Resampling.NEAREST), dtype=np.int16)
    chroma = small.max(axis=2) - small.min(axis=2)
    return bool(np.mean(chroma > 24) < 0.001)


def to_array(image: Image.Image, mode: str) -> Pixels:
    if mode == "1":
        return np.asarray(image.convert("L"), dtype=np.uint8)
    return np.asarray(image, dtype=np.uint8)


_TIFF_RESOLUTION = (282, 283, 296)  # XResolution, YResolution, ResolutionUnit
_PER_UNIT = {2: 1.0, 3: 2.54}  # inch (also where the unit is left out: TIFF's default), cm


def _frame_dpi(image: Image.Image) -> object:
    """The resolution the frame itself states. A TIFF page's own tags, not `info`: Pillow keeps
    the first page's there when a later page states none, or none in inches or centimetres
    (a landscape page without tags was archived at the first page's 300 dpi, a third its size)."""
    if image.format != "TIFF":
        return image.info.get("dpi")
    tags = image.tag_v2  # type: ignore[attr-defined]
    x, y, unit = (tags.get(tag) for tag in _TIFF_RESOLUTION)
    per_inch = _PER_UNIT.get(2 if unit is None else unit)
    if x is None or y is None or per_inch is None:
        return None
    try:
        return (float(x) * per_inch, float(y) * per_inch)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _trusted_dpi(info_dpi: object) -> float | None:
    if not isinstance(info_dpi, tuple) or len(info_dpi) < 2:
        return None
    try:  # PNG keeps whole pixels per metre: 100 dpi comes back as 99.9998
        x, y = round(float(info_dpi[0]), 1), round(float(info_dpi[1]), 1)
    except (TypeError, ValueError):
        return None
    low, high = PLAUSIBLE_DPI
    larger, smaller = max(x, y), min(x, y)
    if not (low <= larger <= high and smaller > 0 and larger / smaller <= MAX_DPI_RATIO):
        return None
    return x


# Fax machines scan rows at half the density of columns (204 × 98 dpi, "standard"; 204 × 196,
# "fine"): such a declared pair is a fact to square the pixels by, not a default.
MAX_DPI_RATIO = 2.5


def _uneven_resolution_warning(info_dpi: object) -> str | None:
    """A page whose pixels were squared from a lower resolution on one axis (a standard fax)
    reaches its dpi only by stretching: the lower axis is what the legal minimum is about."""
    if not isinstance(info_dpi, tuple) or len(info_dpi) < 2:
        return None
    x, y = float(info_dpi[0]), float(info_dpi[1])
    if not below_legal_minimum(min(x, y)) or below_legal_minimum(max(x, y)):
        return None  # even, or low on both axes (then the page's own warning says so)
    return UNEVEN_RESOLUTION.format(
        x=x, y=y, axis="rows" if y < x else "columns", low=min(x, y), minimum=LEGAL_MINIMUM_DPI
    )


def _square_pixels(image: Image.Image, dpi_x: float, dpi_y: float) -> tuple[Image.Image, float]:
    """Resample the low-resolution axis so pixels are square; OCR and deskew assume it."""
    if abs(dpi_x - dpi_y) / max(dpi_x, dpi_y) < 0.02:
        return image, dpi_x
    target = max(dpi_x, dpi_y)
    size = (round(image.width * target / dpi_x), round(image.height * target / dpi_y))
    resample = Image.Resampling.NEAREST if image.mode == "1" else Image.Resampling.BICUBIC
    return image.resize(size, resample), target


def _load_frame(path: Path, index: int, options: Options) -> RasterPage:
    """The frame's pixels are taken while the file is open: no copy of the decoded image to
    outlive it (two whole-page copies were 30 ms of a 300-dpi colour scan, issue 18)."""
    with warnings.catch_warnings(record=True) as caught, native_stderr_silenced():
        warnings.simplefilter("always")
        # A stream, never the path: Pillow memory-maps an uncompressed TIFF opened by name
        # and fills it in the row length of its turned size when an orientation tag turns it
        # by a quarter (5-8), which archived a scrambled page without a word (Pillow 13).
        opened = image_source(path)
        with (
            opened.open("rb") if isinstance(opened, Path) else opened as stream,
            Image.open(stream) as image,
        ):
            image.seek(index)
            check_pixel_budget(image.width, image.height, options, path.name)
            # A JPEG file's bytes, read once: its frame says how to decode it and whether the
            # PDF may carry it as it is.
            jpeg = path.read_bytes() if image.format == "JPEG" else b""
            frame_kind = _jpeg_frame(jpeg)
            arithmetic = frame_kind in _ARITHMETIC_SOF
            decoded = _decoded_by_opencv(jpeg, image) if arithmetic else image
            try:
                decoded.load()
            except OSError:
                embedded = _old_style_jpeg(path, image)
                if embedded is None:
                    raise
                decoded = embedded
            info_dpi = _frame_dpi(image)
            upright_as_stored = image.getexif().get(0x0112, 1) == 1
            plain_jpeg = (
                image.format == "JPEG"
                and image.mode in ("RGB", "L")
                and upright_as_stored
                and not arithmetic  # PDF readers need not decode arithmetic coding
            )
            jpeg_mode = image.mode
            frame = decoded if upright_as_stored else ImageOps.exif_transpose(decoded) or decoded
            dpi = _trusted_dpi(info_dpi)
            uneven = None
            if dpi is not None and isinstance(info_dpi, tuple):
                resized, dpi = _square_pixels(frame, float(info_dpi[0]), float(info_dpi[1]))
                plain_jpeg = plain_jpeg and resized is frame
                frame = resized
                uneven = _uneven_resolution_warning(info_dpi)
            frame, mode = normalize_mode(frame)
            pixels = to_array(frame, mode)
            pictures = getattr(image, "n_frames", 1) if image.format == "GIF" else 1
    source = (jpeg, jpeg_mode) if plain_jpeg and frame_kind in _PDF_SOF else None
    damaged = any("runcat" in str(w.message) or "orrupt" in str(w.message) for w in caught)
    damaged = damaged or (image.format == "PNG" and png_data_short(path))
    return RasterPage(
        warnings=[
            *([DAMAGED_IMAGE] if damaged else []),
            *([uneven] if uneven else []),
            *([GIF_PICTURES.format(pictures=pictures)] if pictures > 1 else []),
        ],
        pixels=pixels,
        mode=mode,
        dpi=dpi,
        claimed_dpi=_claimed_dpi(info_dpi),
        source_jpeg=source,
        source_jpeg_quality=estimate_jpeg_quality(source[0]) if source else None,
    )


_OLD_JPEG = 6  # TIFF Compression: old-style JPEG (TIFF 6.0 section 22, since withdrawn)
_JPEG_INTERCHANGE = (513, 514)  # JPEGInterchangeFormat, JPEGInterchangeFormatLength


def _old_style_jpeg(path: Path, image: Image.Image) -> Image.Image | None:
    """A TIFF page in old-style JPEG (scanners and imaging software of the 1990s wrote it;
    archives still hold it) that libtiff cannot decode, taken from the whole JPEG stream such a
    file carries beside its strips (JPEGInterchangeFormat), when it is one of the page's size.
    A grey page so stored was refused as damaged. None where there is no such stream."""
    if image.format != "TIFF" or image.tag_v2.get(259) != _OLD_JPEG:  # type: ignore[attr-defined]
        return None
    offset, length = (image.tag_v2.get(tag) for tag in _JPEG_INTERCHANGE)  # type: ignore[attr-defined]
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    with path.open("rb") as file:
        file.seek(offset)
        stream = file.read(length)
    if not stream.startswith(b"\xff\xd8"):
        return None
    embedded = Image.open(io.BytesIO(stream))
    if embedded.size != image.size:
        return None
    embedded.load()
    return embedded


# Start-of-frame markers (ITU T.81 Table B.1): arithmetic-coded frames (SOF9-SOF11,
# SOF13-SOF15), and the frames PDF's DCTDecode is defined for (baseline and progressive).
_ARITHMETIC_SOF = frozenset({0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PDF_SOF = frozenset({0xC0, 0xC2})


def _jpeg_frame(data: bytes) -> int | None:
    frame = jpeg_frame(data)
    return frame.marker if frame is not None else None


def _pdf_can_carry(data: bytes) -> bool:
    """Whether a JPEG can go into the PDF as it is: baseline or progressive Huffman. A lossless
    (SOF3) or extended frame kept as DCTDecode made a PDF that qpdf rejects and Ghostscript
    draws blank (a reviewing helper's lossless JPEG)."""
    return _jpeg_frame(data) in _PDF_SOF


def _decoded_by_opencv(jpeg: bytes, header: Image.Image) -> Image.Image:
    """An arithmetic-coded JPEG's pixels as OpenCV decodes them (Pillow's libjpeg build
    cannot: "broken data stream"), carrying the file's EXIF (for its orientation): grey
    stays grey, colour is RGB."""
    array = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise OSError("the arithmetic-coded JPEG data is damaged")
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
    decoded = Image.fromarray(np.ascontiguousarray(array))
    if "exif" in header.info:
        decoded.info["exif"] = header.info["exif"]
    return decoded


def _claimed_dpi(info_dpi: object) -> float | None:
    try:
        value = float(info_dpi[0]) if isinstance(info_dpi, tuple) else None
    except (TypeError, ValueError):
        return None
    return value if value and value > 1 else None


@dataclass(frozen=True)
class _Sheet:
    """A PDF page as displayed: its visible box (the CropBox within the MediaBox) in points of
    1/72 inch (a /UserUnit scales them), and its /Rotate (clockwise, for display)."""

    width_pt: float
    height_pt: float
    rotate: int
    visible: tuple[float, float, float, float]  # left, bottom, right, top in user space
    unit: float = 1.0  # /UserUnit: the size of user space's unit, in 1/72 inch

    @classmethod
    def of(cls, page: pikepdf.Page) -> _Sheet:
        media, crop = _box(page.mediabox), _box(page.cropbox)
        visible = (
            max(media[0], crop[0]),
            max(media[1], crop[1]),
            min(media[2], crop[2]),
            min(media[3], crop[3]),
        )
        if visible[2] <= visible[0] or visible[3] <= visible[1]:
            visible = media  # a crop box off the page: viewers show the media box
        unit = _user_unit(page.obj.get("/UserUnit"))
        return cls(
            width_pt=(visible[2] - visible[0]) * unit,
            height_pt=(visible[3] - visible[1]) * unit,
            rotate=_rotation(page.obj.get("/Rotate", 0)),
            visible=visible,
            unit=unit,
        )


def _rotation(value: object) -> int:
    """/Rotate as a quarter turn. The PDF standard allows multiples of 90 only; a page that says
    45 is shown unturned by viewers (PDFium and pdfplumber's geometry too), and was turned 45°
    here, its text lost."""
    try:
        degrees = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
    return degrees % 360 if degrees % 90 == 0 else 0


MAX_USER_UNIT = 75_000.0  # PDF 2.0's limit on a page's size


def _user_unit(value: object) -> float:
    """A page's /UserUnit (PDF 1.6): how many 1/72 inch one unit of its user space is."""
    try:
        unit = float(value) if value is not None else 1.0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1.0
    return unit if 0 < unit <= MAX_USER_UNIT else 1.0


def _box(array: pikepdf.Array) -> tuple[float, float, float, float]:
    """A PDF rectangle as (left, bottom, right, top): some scanners write boxes upside down."""
    x0, y0, x1, y1 = (float(v) for v in list(array)[:4])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


# How the page's content may draw its one image for the image to be lifted as the page: over the
# whole visible page, to this share of its width and height (scanners round the image's size to
# whole pixels), and turned only by quarter turns or mirrored. Anything else (an image drawn on
# part of the page, cropped by the CropBox, or turned by another angle) is drawn by PDFium.
COVER_TOLERANCE = 0.02

# How an image drawn with a mirroring or quarter-turning matrix is laid upright, by where its
# own x and y axes point on the displayed page (x right, y down): +1/-1 along x, +2/-2 along y.
_LAYING: dict[tuple[int, int], Image.Transpose | None] = {
    (1, 2): None,
    (-1, 2): Image.Transpose.FLIP_LEFT_RIGHT,
    (1, -2): Image.Transpose.FLIP_TOP_BOTTOM,
    (-1, -2): Image.Transpose.ROTATE_180,
    (2, -1): Image.Transpose.ROTATE_270,  # x down, y left: turned a quarter clockwise
    (-2, 1): Image.Transpose.ROTATE_90,
    (2, 1): Image.Transpose.TRANSPOSE,
    (-2, -1): Image.Transpose.TRANSVERSE,
}


@dataclass(frozen=True)
class _Drawn:
    """How the page's content draws its image: laid by `laying` it covers the visible page."""

    laying: Image.Transpose | None


def _drawn(page: pikepdf.Page, name: str, sheet: _Sheet) -> _Drawn | None:
    """The image `name` as the page draws it, if it is drawn once, directly by the page's
    content, over the visible page, turned by quarter turns at most, and clipped by nothing
    smaller than the page; else None. Scanners that store rows bottom-up draw the image
    mirrored (a DIB's row order), others sideways; many clip to the page's rectangle first."""
    drawn = _draws(page, sheet).get(name, [])
    if len(drawn) != 1 or drawn[0].clipped:
        return None
    matrix = drawn[0].matrix
    a, b, c, d, _, _ = matrix.shorthand
    # On the displayed page (y down): the image's x axis goes along (a, -b), its y axis (rows,
    # downwards in the image) along (-c, d).
    x_axis, y_axis = _axis(a, -b), _axis(-c, d)
    if x_axis is None or y_axis is None or (x_axis, y_axis) not in _LAYING:
        return None
    if not _covers([(0.0, 0.0, 1.0, 1.0)], matrix, sheet):
        return None
    return _Drawn(_LAYING[(x_axis, y_axis)])


def _draws(page: pikepdf.Page, sheet: _Sheet) -> dict[str, list[_State]]:
    """Each XObject the page's own content draws (by resource name, with its slash), with the
    graphics state of every time it is drawn; empty when the content cannot be parsed."""
    try:
        instructions = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return {}
    state = _State(pikepdf.Matrix(), clipped=False)
    saved: list[_State] = []
    path: list[tuple[float, ...]] | None = []  # rectangles of the path being built; None: a curve
    clip_next = False
    drawn: dict[str, list[_State]] = {}
    for instruction in instructions:
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image draws nothing we lift
        operands, op = instruction.operands, str(instruction.operator)
        try:
            numbers = tuple(float(v) for v in operands) if op in ("cm", "re") else ()
        except (TypeError, ValueError):
            return {}
        if op == "q":
            saved.append(state)
        elif op == "Q" and saved:
            state = saved.pop()
        elif op == "cm" and len(numbers) == 6:
            state = replace(state, matrix=pikepdf.Matrix(*numbers) @ state.matrix)
        elif op == "re" and len(numbers) == 4:
            path = None if path is None else [*path, numbers]
        elif op in ("m", "l", "c", "v", "y", "h"):
            path = None
        elif op in ("W", "W*"):
            clip_next = True
        elif op in _PATH_ENDS:
            if clip_next and not _covers(path, state.matrix, sheet):
                state = replace(state, clipped=True)
            path, clip_next = [], False
        elif op == "Do" and operands:
            drawn.setdefault(str(operands[0]), []).append(state)
    return drawn


def _drawn_widths(task: PageTask) -> dict[str, float]:
    """How long each image's rows are drawn on the page, in user units, for the images the
    page's own content draws once: a bounding box is longer for an image drawn at an angle (a
    scan drawn 3° askew read as 186 dpi for 200, and was called below the legal minimum). The
    content is parsed once for all of them (once an image, a page of 5000 small images took
    7.5 minutes, a helper's hostile file)."""
    with pikepdf.open(task.path) as pdf:
        page = pdf.pages[task.index]
        drawn = _draws(page, _Sheet.of(page))
    widths = {}
    for name, states in drawn.items():
        a, b, _, _, _, _ = states[0].matrix.shorthand
        if len(states) == 1 and math.hypot(a, b):
            widths[name] = math.hypot(a, b)
    return widths


@dataclass(frozen=True)
class _State:
    """What of the graphics state decides how an image shows: where it is drawn, and whether a
    clip smaller than the page hides part of it."""

    matrix: pikepdf.Matrix
    clipped: bool


_PATH_ENDS = frozenset({"n", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*"})


def _covers(
    rectangles: list[tuple[float, ...]] | None, matrix: pikepdf.Matrix, sheet: _Sheet
) -> bool:
    """Whether a path of one rectangle, placed by `matrix`, covers the visible page to within
    COVER_TOLERANCE of its size (and no more: an image reaching past it is cut by the page)."""
    if not rectangles or len(rectangles) != 1:
        return False
    x, y, w, h = rectangles[0]
    a, b, c, d, e, f = matrix.shorthand
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    xs = [a * px + c * py + e for px, py in corners]
    ys = [b * px + d * py + f for px, py in corners]
    left, bottom, right, top = sheet.visible
    tolerance = COVER_TOLERANCE * max(right - left, top - bottom)
    return (
        max(abs(min(xs) - left), abs(max(xs) - right), abs(min(ys) - bottom), abs(max(ys) - top))
        <= tolerance
    )


def _axis(dx: float, dy: float) -> int | None:
    """+1/-1 for a direction along x, +2/-2 along y; None for a slanted one."""
    if abs(dx) > 1e-6 and abs(dy) <= 1e-6 * abs(dx):
        return 1 if dx > 0 else -1
    if abs(dy) > 1e-6 and abs(dx) <= 1e-6 * abs(dy):
        return 2 if dy > 0 else -2
    return None


def _extract_pdf_image(task: PageTask, options: Options) -> RasterPage | None:
    """The scan inside a scanned PDF page at its native resolution: bit-for-bit as stored when
    pikepdf can decode it, else as PDFium's decoders read it; None if the page must be rendered."""
    with pikepdf.open(task.path) as pdf:
        page = pdf.pages[task.index]
        images = list(page.get_images().items())
        if len(images) != 1:
            return None
        name, stream = images[0]
        if not isinstance(stream, pikepdf.Stream) or shows_annotations(page):
            return None  # what the annotations draw over the scan is part of the page
        pdf_image = PdfImage(stream)
        check_pixel_budget(pdf_image.width, pdf_image.height, options, task.path.name)
        sheet = _Sheet.of(page)
        drawn = _drawn(page, name, sheet)
        if drawn is None:
            return None
        page_warnings: list[str] = []
        image: Image.Image | None = None
        if _pikepdf_decodes(stream):
            try:
                image = pdf_image.as_pil_image()
            except PIKEPDF_GAPS:
                pass
            except PIKEPDF_DAMAGE:
                page_warnings.append(DAMAGED_IMAGE)
        raw_jpeg = _plain_jpeg_stream(stream) if image is not None else None
        masked = "/SMask" in stream or "/Mask" in stream or bool(stream.get("/ImageMask"))
        codec = _codec_name(stream)
    if image is None:
        if masked:  # PDFium lifts an image without its mask: let it draw the page instead
            return None
        image = _lift_with_pdfium(task, codec)
        if image is None:
            return None
    if drawn.laying is not None:
        image = image.transpose(drawn.laying)
        raw_jpeg = None  # the stored JPEG is not the page as displayed
    return _lifted_page(image, sheet, raw_jpeg, page_warnings)


def _pikepdf_decodes(stream: pikepdf.Stream) -> bool:
    """Whether pikepdf can turn this image into pixels itself (decided before trying)."""
    filters = stream.get("/Filter")
    names = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters else []
    if any(str(name) not in PIKEPDF_FILTERS for name in names):
        return False
    if stream.get("/ImageMask", False):
        return True  # a stencil: one bit, no colour space
    space = stream.get("/ColorSpace")
    if space is None:
        return pikepdf.Name.JPXDecode in names  # JPEG 2000 carries its colour space inside
    if isinstance(space, pikepdf.Array) and len(space) >= 2 and space[0] == pikepdf.Name.Indexed:
        space = space[1]  # a palette: pikepdf reads the colours of its base space
    family = space[0] if isinstance(space, pikepdf.Array) and len(space) else space
    return str(family) in PIKEPDF_COLOUR_SPACES


def _codec_name(stream: pikepdf.Stream) -> str:
    """How the image is compressed, in words a desk officer may have seen in a scanner menu."""
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[-1] if len(filters) else None
    if filters is None:
        return "uncompressed"
    return _CODEC_NAMES.get(str(filters), str(filters).lstrip("/"))


def _lift_with_pdfium(task: PageTask, codec: str) -> Image.Image | None:
    """The page's only image as PDFium decodes it, at its own pixel size (no resampling): PDFium
    reads JBIG2 and every PDF colour space itself. None if PDFium sees no single image to lift."""
    lifted = lifted_image(task.path, task.index, codec)
    if lifted is None:
        return None
    image, one_bit = lifted
    if one_bit:  # a bilevel scan stays bilevel (archived as CCITT G4), unless a palette colours it
        image, mode = normalize_mode(image)
        if mode == "L":
            image = image.point(lambda v: 255 if v >= 128 else 0).convert("1")
    return image


def _lifted_page(
    image: Image.Image,
    sheet: _Sheet,
    raw_jpeg: tuple[bytes, str] | None,
    page_warnings: list[str],
) -> RasterPage:
    """A lifted page image as the page is displayed (/Rotate applied, square pixels), with the
    resolution the page size gives it."""
    quality = estimate_jpeg_quality(raw_jpeg[0]) if raw_jpeg else None
    width_pt, height_pt = sheet.width_pt, sheet.height_pt
    if sheet.rotate:
        image = image.rotate(-sheet.rotate, expand=True)  # /Rotate turns the page clockwise
        raw_jpeg = None  # the stored JPEG is not the page as displayed
        if sheet.rotate in (90, 270):
            width_pt, height_pt = height_pt, width_pt
    dpi_x, dpi_y = image.width / (width_pt / 72.0), image.height / (height_pt / 72.0)
    squared, dpi = _square_pixels(image, dpi_x, dpi_y)
    if squared is not image:
        raw_jpeg = None
    image, mode = normalize_mode(squared)
    return RasterPage(
        pixels=to_array(image, mode),
        mode=mode,
        dpi=dpi,
        source_jpeg=raw_jpeg,
        source_jpeg_quality=quality,
        warnings=page_warnings,
    )


def _plain_jpeg_stream(stream: pikepdf.Object) -> tuple[bytes, str] | None:
    """The JPEG inside a PDF image that PDF/A can carry unchanged: DCT last (generic filters such
    as Flate around it are undone), RGB or grey, 8 bits, no decode array or mask."""
    if not isinstance(stream, pikepdf.Stream):
        return None
    raw_filter = stream.get("/Filter")
    filters = list(raw_filter) if isinstance(raw_filter, pikepdf.Array) else [raw_filter]
    if not filters or filters[-1] != pikepdf.Name.DCTDecode:
        return None
    if stream.get("/BitsPerComponent") != 8 or "/Decode" in stream or "/SMask" in stream:
        return None
    mode = {"/DeviceRGB": "RGB", "/DeviceGray": "L"}.get(str(stream.get("/ColorSpace")))
    if mode is None:
        return None
    data = stream.read_raw_bytes()
    for wrapper in filters[:-1]:  # scanners sometimes deflate their JPEGs once more
        if wrapper != pikepdf.Name.FlateDecode:
            return None
        try:
            data = zlib.decompress(data)
        except zlib.error:
            return None
    return (data, mode) if _pdf_can_carry(data) else None


def _main_image_jpeg_quality(path: Path, index: int) -> int | None:
    """JPEG quality of the page's largest image, to cap re-encoding of the rendered page."""
    with pikepdf.open(path) as pdf:
        images = [
            im for im in pdf.pages[index].get_images().values() if isinstance(im, pikepdf.Stream)
        ]
        if not images:
            return None
        main = max(images, key=lambda im: int(im.get("/Width", 0)) * int(im.get("/Height", 0)))
        jpeg = _plain_jpeg_stream(main)
    return estimate_jpeg_quality(jpeg[0]) if jpeg else None


# Images drawn over at least this share of the largest one's area are layers of the page, not
# pictures on it.
LAYER_AREA = 0.9


def _main_image_dpi(task: PageTask, images: list[dict[str, Any]], unit: float) -> float | None:
    """The resolution to draw a scanned page at: that of its main image, the one covering most
    of it (a small high-resolution seal pasted on a 150-dpi scan must not make the page 300
    dpi), and of its layers covering as much the sharpest: a copier's compact PDF (MRC) lays a
    1-bit 300-dpi text layer over a 100-dpi colour background, and drawn at the background's
    resolution its text was blurred and the page flagged under the legal 200 dpi."""

    def area(image: dict[str, Any]) -> float:
        return abs(float(image["x1"] - image["x0"]) * float(image["bottom"] - image["top"]))

    def native(image: dict[str, Any]) -> float:
        width_pt = drawn_widths.get(f"/{image['name']}") or abs(image["x1"] - image["x0"])
        return float(image["srcsize"][0]) / max(width_pt * unit / 72.0, 1e-6)

    sized = [image for image in images if image.get("srcsize")]
    if not sized:
        return None
    drawn_widths = _drawn_widths(task)
    largest = max(area(image) for image in sized)
    layers = [image for image in sized if area(image) >= LAYER_AREA * largest]
    return float(min(600.0, max(150.0, max(native(image) for image in layers))))


def _render_pdf_page(task: PageTask, options: Options) -> RasterPage:
    dpi = float(options.render_dpi)
    words: list[Word] | None = None
    pictures: list[Box] = []
    rotation = 0
    page_warnings: list[str] = []
    try:
        prepared = prepared_copy(task.path, task.index)
    except AnnotationsDamagedError:
        prepared, page_warnings = None, [ANNOTATIONS_NOT_DRAWN]
    read = (prepared.read or prepared.shown) if prepared else None
    at = prepared.index if prepared else task.index
    with pdfplumber.open(io.BytesIO(read) if read else task.path) as plumber:
        page = plumber.pages[at]
        unit = _user_unit(page.page_obj.attrs.get("UserUnit"))
        typed: list[Word] = []
        if task.drawn_only:
            pass  # too many operations to analyse (`triage.MAX_ANALYSED_OPERATIONS`): drawn only
        elif not task.born_digital:
            dpi = _main_image_dpi(task, page.images, unit) or dpi
            typed = _typed_beside_scan(page, dpi)
        elif not (prepared and prepared.fields_to_draw):  # else its text layer lacks the values
            rotation, words = born_digital_words(page, dpi)
            clips = image_clips(read or task.path, at) if page.images else []
            pictures = pictures_to_read(page, dpi, rotation, clips)
    forms = prepared is not None and prepared.fields_to_draw
    shown = prepared.shown if prepared else task.path
    image, drawn_dpi = drawn_page(PageToDraw(shown, at, dpi, unit, options.max_page_pixels, forms))
    if drawn_dpi != dpi:  # a page too large was drawn smaller
        words = None if words is None else [_scaled_word(word, drawn_dpi / dpi) for word in words]
        pictures = [_scaled_box(box, drawn_dpi / dpi) for box in pictures]
        typed = [_scaled_word(word, drawn_dpi / dpi) for word in typed]
    reading = None
    if prepared and prepared.read and words is None:
        again = PageToDraw(prepared.read, at, dpi, unit, options.max_page_pixels, forms)
        reading, _ = normalize_mode(drawn_page(again)[0])
    image, mode = normalize_mode(image)
    return RasterPage(
        pixels=to_array(image, mode),
        mode=mode,
        dpi=drawn_dpi,
        born_digital_words=words,
        text_rotation=rotation,
        source_jpeg_quality=None
        if words is not None
        else _main_image_jpeg_quality(task.path, task.index),
        reading_pixels=None if reading is None else to_array(reading, mode),
        warnings=page_warnings,
        pictures=pictures,
        typed_words=typed,
    )


def _typed_beside_scan(page: pdfplumber.page.Page, dpi: float) -> list[Word]:
    """The words typed on a scanned page outside its images (another engine's OCR layer lies
    over the scan, so none of it is taken), where they run upright: a portal's dossier code
    over a scan ("Số hồ sơ: 000.00.48.H17-250301-0042") was read by OCR as "000.00 48.H17-…"
    (a helper's file)."""
    images = page.images
    if not images or not page.chars:
        return []  # a vector page, or one whose text layer was found unusable: OCR reads it
    on = chars_inside(page.chars, images)
    on_images = {id(char) for char, is_on in zip(page.chars, on, strict=True) if is_on}
    beside = page.filter(lambda o: o.get("object_type") != "char" or id(o) not in on_images)
    if not beside.chars:
        return []
    rotation, words = born_digital_words(beside, dpi)
    usable = rotation == 0 and is_usable_text(" ".join(word.text for word in words))
    return words if usable else []


# pdfplumber reports positions as displayed (/Rotate applied). Text turned counter-clockwise by
# N degrees on the displayed page runs in these character and line directions:
_TEXT_DIRECTIONS = {0: ("ltr", "ttb"), 90: ("btt", "ltr"), 180: ("rtl", "btt"), 270: ("ttb", "rtl")}


def _char_rotation(char: dict[str, Any]) -> int | None:
    """How far a character is turned counter-clockwise (0/90/180/270), by its text matrix: the
    glyph x-axis (a, b) points along its line. None for a space or a character without one."""
    matrix = char.get("matrix")
    if not matrix or not str(char.get("text", "")).strip():
        return None
    return round(math.degrees(math.atan2(float(matrix[1]), float(matrix[0]))) / 90) % 4 * 90


def text_rotation(page: pdfplumber.page.Page) -> int:
    """How far the page's text is turned counter-clockwise as displayed (0/90/180/270), by a vote
    of its characters."""
    votes = Counter(r for c in page.chars if (r := _char_rotation(c)) is not None)
    return votes.most_common(1)[0][0] if votes else 0


def born_digital_words(page: pdfplumber.page.Page, dpi: float) -> tuple[int, list[Word]]:
    """Words of an existing text layer, and the text's rotation; word boxes are in pixels of the
    page turned upright (as `orient.turn_upright(pixels, rotation)` turns the rendered image).
    Text turned otherwise than most of the page's (a dossier code printed up the margin, a
    stamp's words at right angles) is read in its own direction and follows as lines of its
    own: read in the page's, it came apart into one letter a line, mixed into the lines beside."""
    rotation = text_rotation(page)
    area = _shown_area(page)

    def turned(by: int) -> pdfplumber.page.Page:
        return page.filter(
            lambda o: o.get("object_type") != "char" or _char_rotation(o) in (by, None)
        )

    words = group_into_lines(_word_boxes(turned(rotation), rotation, rotation, area, dpi))
    others = sorted({r for c in page.chars if (r := _char_rotation(c)) not in (None, rotation)})
    for other in others:
        boxes = _word_boxes(turned(other), other, rotation, area, dpi)
        first = max((w.line for w in words), default=-1) + 1
        words += _lines_turned((other - rotation) % 360, boxes, first)
    return rotation, words


def _word_boxes(
    page: pdfplumber.page.Page,
    text_turn: int,
    page_turn: int,
    area: tuple[float, float, float, float],
    dpi: float,
) -> list[tuple[str, float, float, float, float]]:
    """(text, box) of each word of text turned `text_turn`, its box on the page turned upright
    by `page_turn`."""
    char_dir, line_dir = _TEXT_DIRECTIONS[text_turn]
    directions = {
        "char_dir": char_dir,
        "line_dir": line_dir,
        "char_dir_rotated": char_dir,
        "line_dir_rotated": line_dir,
    }
    boxes: list[tuple[str, float, float, float, float]] = []
    for w in page.extract_words(use_text_flow=True, **directions):
        box = (float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
        boxes.append((str(w["text"]), *_upright_box(box, area, dpi, page_turn)))
    return boxes


Frame = Callable[[float, float, float, float], tuple[float, float, float, float]]
# A box (left, top, right, bottom; y down) on the upright page, in the frame of text turned
# counter-clockwise by so much on it (where its lines run left to right, top down), and back.
_TO_TEXT_FRAME: dict[int, Frame] = {
    90: lambda x0, t, x1, b: (-b, x0, -t, x1),
    180: lambda x0, t, x1, b: (-x1, -b, -x0, -t),
    270: lambda x0, t, x1, b: (t, -x1, b, -x0),
}
_FROM_TEXT_FRAME: dict[int, Frame] = {
    90: lambda x0, t, x1, b: (t, -x1, b, -x0),
    180: lambda x0, t, x1, b: (-x1, -b, -x0, -t),
    270: lambda x0, t, x1, b: (-b, x0, -t, x1),
}


def _lines_turned(
    turn: int, boxes: list[tuple[str, float, float, float, float]], first_line: int
) -> list[Word]:
    """Words of text turned by `turn` on the upright page, grouped into lines in the text's own
    frame (`group_into_lines` there), numbered from `first_line`, their boxes back on the page."""
    to_frame, back = _TO_TEXT_FRAME[turn], _FROM_TEXT_FRAME[turn]
    in_frame = group_into_lines([(text, *to_frame(*box)) for text, *box in boxes])
    words = []
    for word in in_frame:
        left, top, right, bottom = back(word.left, word.top, word.right, word.bottom)
        words.append(
            replace(
                word,
                left=int(left),
                top=int(top),
                right=int(right),
                bottom=int(bottom),
                line=first_line + word.line,
                turn=turn,
            )
        )
    return words


def _shown_area(page: pdfplumber.page.Page) -> tuple[float, float, float, float]:
    """The part of the page a viewer, and PDFium, draws: its CropBox within its MediaBox, in
    pdfplumber's coordinates (points; x0, top, x1, bottom). Positions were taken from the
    MediaBox's corner: on a page cropped 100 pt in, every word and picture lay 100 pt off."""
    mx0, mtop, mx1, mbottom = (float(v) for v in page.mediabox)
    cx0, ctop, cx1, cbottom = (float(v) for v in page.cropbox)
    x0, top, x1, bottom = max(mx0, cx0), max(mtop, ctop), min(mx1, cx1), min(mbottom, cbottom)
    if x1 <= x0 or bottom <= top:  # a crop box off the page: PDFium draws the media box
        return mx0, mtop, mx1, mbottom
    return x0, top, x1, bottom


def _upright_box(
    box: tuple[float, float, float, float],
    area: tuple[float, float, float, float],
    dpi: float,
    rotation: int,
) -> tuple[float, float, float, float]:
    """A box in pdfplumber's coordinates as pixels of the page drawn at `dpi` (its shown
    `area`) and turned upright from `rotation`."""
    scale = dpi / 72.0
    width, height = (area[2] - area[0]) * scale, (area[3] - area[1]) * scale
    corners = [
        _turn_point((x - area[0]) * scale, (y - area[1]) * scale, rotation, width, height)
        for x, y in ((box[0], box[1]), (box[2], box[3]))
    ]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


# A picture pasted on a typed page is read when it is this large at least (a share of the page,
# a side in points): a citizen-ID card pasted at its own size is 243 × 153 pt, 7 % of an A4
# page; bullets, logos and signatures drawn as images are smaller.
PICTURE_MIN_SHARE = 0.02
PICTURE_MIN_SIDE_PT = 54.0
PICTURE_JOIN_PT = 2.0  # images this close are one picture (a scan stored in strips)


def pictures_to_read(
    page: pdfplumber.page.Page,
    dpi: float,
    rotation: int,
    clips: list[tuple[PdfBox, PdfBox]] | None = None,
) -> list[Box]:
    """Pictures on a born-digital page that may carry text its text layer lacks: a copy of an ID
    card or a household book pasted into a typed application, a scanned appendix under a typed
    cover note, a scanned form typed over. Before, only the typed text was kept: the card's
    name and number were in no text and no field. Images touching each other are one picture;
    boxes are in pixels of the page turned upright (as the words), largest first."""
    area = _shown_area(page)
    width, height = area[2] - area[0], area[3] - area[1]
    boxes = []
    for image in page.images:
        x0, top, x1, bottom = _as_clipped(page, image, clips or [])
        boxes.append((max(area[0], x0), max(area[1], top), min(area[2], x1), min(area[3], bottom)))
    pictures: list[Box] = []
    for x0, top, x1, bottom in _joined([b for b in boxes if b[2] > b[0] and b[3] > b[1]], area):
        if (
            min(x1 - x0, bottom - top) < PICTURE_MIN_SIDE_PT
            or (x1 - x0) * (bottom - top) < PICTURE_MIN_SHARE * width * height
        ):
            continue
        left, upper, right, lower = _upright_box((x0, top, x1, bottom), area, dpi, rotation)
        pictures.append((int(left), int(upper), math.ceil(right), math.ceil(lower)))
    pictures.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return pictures


PdfBox = tuple[float, float, float, float]  # left, bottom, right, top in PDF user space
_SAME_BOX_PT = 1.5


def image_clips(source: bytes | Path, index: int) -> list[tuple[PdfBox, PdfBox]]:
    """The images drawn on the page itself (not inside a form XObject) that a clip path cuts:
    (the image's box, the box around its clip path), in PDF user space. A picture cropped in a
    word processor keeps the whole image and shows a part through a clip: pdfplumber gives the
    whole image's box, which lay under the typed text, and the card shown was taken for the
    page's background and not read."""
    document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    clips: list[tuple[PdfBox, PdfBox]] = []
    try:
        page = document[index]
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1):
            shown = _clip_box(image.raw)
            if shown is not None:
                bounds = tuple(float(v) for v in image.get_bounds())
                clips.append(((bounds[0], bounds[1], bounds[2], bounds[3]), shown))
    finally:
        document.close()
    return clips


def _clip_box(image: Any) -> PdfBox | None:
    """The box an object's clip paths leave shown (each path's box, intersected: a page's
    margins and a crop nest), or None where it has none."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(image)
    if not clip:
        return None
    shown: PdfBox | None = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for path in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        xs: list[float] = []
        ys: list[float] = []
        for at in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, path)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, path, at)
            point = (ctypes.byref(x), ctypes.byref(y))
            if segment and pdfium_c.FPDFPathSegment_GetPoint(segment, *point):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        box = (min(xs), min(ys), max(xs), max(ys))
        shown = box if shown is None else (
            max(shown[0], box[0]), max(shown[1], box[1]),
            min(shown[2], box[2]), min(shown[3], box[3]),
        )  # fmt: skip
    return shown


def _as_clipped(
    page: pdfplumber.page.Page, image: dict[str, Any], clips: list[tuple[PdfBox, PdfBox]]
) -> tuple[float, float, float, float]:
    """pdfplumber's box of an image (x0, top, x1, bottom), cut to its clip path where PDFium
    found one for an image of the same box (pages not turned by /Rotate: there the two tools
    count in other spaces)."""
    x0, top, x1, bottom = (float(image[k]) for k in ("x0", "top", "x1", "bottom"))
    if page.rotation:
        return x0, top, x1, bottom
    height = float(page.height)
    pdf_box = (x0, height - bottom, x1, height - top)
    for bounds, shown in clips:
        if all(abs(a - b) <= _SAME_BOX_PT for a, b in zip(bounds, pdf_box, strict=True)):
            return (
                max(x0, shown[0]), max(top, height - shown[3]),
                min(x1, shown[2]), min(bottom, height - shown[1]),
            )  # fmt: skip
    return x0, top, x1, bottom


def _joined(
    boxes: list[tuple[float, float, float, float]], area: tuple[float, float, float, float]
) -> list[tuple[float, float, float, float]]:
    """Boxes that overlap or touch (within `PICTURE_JOIN_PT`) merged: laid on a grid of cells
    that size over the shown `area`, joined where cells touch. A grid, not pairs compared: a
    map drawn as thousands of tiles is one picture, found in milliseconds."""
    cell = PICTURE_JOIN_PT
    columns = max(1, math.ceil((area[2] - area[0]) / cell))
    rows = max(1, math.ceil((area[3] - area[1]) / cell))
    grid = np.zeros((rows, columns), np.uint8)
    for x0, top, x1, bottom in boxes:
        left, upper = int((x0 - area[0]) / cell), int((top - area[1]) / cell)
        right, lower = math.ceil((x1 - area[0]) / cell), math.ceil((bottom - area[1]) / cell)
        grid[upper : max(lower, upper + 1), left : max(right, left + 1)] = 1
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    return [
        (max(area[0], area[0] + x * cell), max(area[1], area[1] + y * cell),
         min(area[2], area[0] + (x + w) * cell), min(area[3], area[1] + (y + h) * cell))
        for x, y, w, h, _ in stats[1:count]
    ]  # fmt: skip


def centre_in(word: Word, box: Box) -> bool:
    x, y = (word.left + word.right) / 2, (word.top + word.bottom) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _scaled_word(word: Word, factor: float) -> Word:
    left, top, right, bottom = _scaled_box((word.left, word.top, word.right, word.bottom), factor)
    return replace(word, left=left, top=top, right=right, bottom=bottom)


def _scaled_box(box: Box, factor: float) -> Box:
    left, top, right, bottom = box
    right, bottom = math.ceil(right * factor), math.ceil(bottom * factor)
    return (int(left * factor), int(top * factor), right, bottom)


def _turn_point(
    x: float, y: float, rotation: int, width: float, height: float
) -> tuple[float, float]:
    """Where a point of a width×height image lands when a counter-clockwise turn of `rotation`
    degrees is undone (the image turned clockwise by that much)."""
    if rotation == 90:
        return height - y, x
    if rotation == 180:
        return width - x, height - y
    if rotation == 270:
        return y, width - x
    return x, y


def group_into_lines(boxes: list[tuple[str, float, float, float, float]]) -> list[Word]:
    """Cluster word boxes into lines by vertical overlap; lines top-down, words left-right.
    The open line's extent is kept as words join it: measured again over all its words for
    each new one, a line of 40,000 one-letter words took 66 s (helper-78)."""
    lines: list[list[tuple[str, float, float, float, float]]] = []
    top = bottom = 0.0  # the extent of the last line
    for box in sorted(boxes, key=lambda b: (b[2] + b[4]) / 2):
        middle = (box[2] + box[4]) / 2
        if lines and top <= middle <= bottom:
            lines[-1].append(box)
            top, bottom = min(top, box[2]), max(bottom, box[4])
            continue
        lines.append([box])
        top, bottom = box[2], box[4]
    words: list[Word] = []
    for number, line in enumerate(lines):
        for text, x0, top, x1, bottom in sorted(line, key=lambda b: b[1]):
            words.append(
                Word(
                    text=text,
                    left=int(x0),
                    top=int(top),
                    right=int(x1),
                    bottom=int(bottom),
                    confidence=1.0,
                    line=number,
                )
            )
    return words
