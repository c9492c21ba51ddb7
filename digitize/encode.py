"""Encode the archival page image for embedding in the PDF: JPEG for colour and grey, CCITT G4 for
bilevel (lossless; never JBIG2, whose pattern matching can silently swap digits)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, TiffImagePlugin

from hoso.digitize.ink import Pixels
from hoso.digitize.models import PageResult

JPEG_QUALITY = 75  # libjpeg's default, as OCRmyPDF/Leptonica; archival copies stay legible


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    codec: str  # "jpeg" | "ccitt_g4"
    mode: str  # "RGB" | "L" | "1"
    width: int
    height: int
    as_received: bool = False  # the source's own JPEG bytes (`as_is_jpeg`)


# IJG's standard luminance quantization table (JPEG spec Annex K), in zig-zag-free row order.
_IJG_LUMA = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
     14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
     92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
)  # fmt: skip


def estimate_jpeg_quality(data: bytes) -> int | None:
    """The IJG quality a JPEG was saved at, from its luminance table (inverse of IJG scaling)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            tables = getattr(image, "quantization", None)
    except OSError:
        return None
    if not tables or 0 not in tables:
        return None
    scale = 100.0 * float(np.mean(np.asarray(tables[0], dtype=np.float64) / _IJG_LUMA))
    quality = (200.0 - scale) / 2.0 if scale <= 100 else 5000.0 / scale
    return int(max(1, min(100, round(quality))))


def encode_page_image(pixels: Pixels, mode: str, quality_cap: int | None = None) -> EncodedImage:
    height, width = pixels.shape[:2]
    if mode == "1":
        # A boolean array is a 1-bit image as it stands (convert("1") dithered already-binary
        # pixels to the same result: 30 ms a 200-dpi page against 1).
        bilevel = Image.fromarray(np.asarray(pixels >= 128))
        return EncodedImage(ccitt_g4(bilevel), "ccitt_g4", "1", width, height)
    image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    quality = min(JPEG_QUALITY, max(50, quality_cap)) if quality_cap else JPEG_QUALITY
    # Progressive: 5-10 % fewer bytes at the same quality; PDF has carried it since 1.3.
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return EncodedImage(buffer.getvalue(), "jpeg", image.mode, width, height)


def as_is_jpeg(source: tuple[bytes, str], pixels: Pixels) -> EncodedImage:
    """The source JPEG itself, for a page that needed no turning or straightening."""
    data, mode = source
    height, width = pixels.shape[:2]
    return EncodedImage(data, "jpeg", mode, width, height, as_received=True)


def ccitt_g4(image: Image.Image) -> bytes:
    """Raw CCITT Group 4 data of a 1-bit image: written as a one-strip TIFF, then lifted out."""
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", compression="group4", strip_size=2**31 - 1)
    buffer.seek(0)
    with Image.open(buffer) as tiff:
        assert isinstance(tiff, TiffImagePlugin.TiffImageFile)
        offsets = tiff.tag_v2[TiffImagePlugin.STRIPOFFSETS]
        counts = tiff.tag_v2[TiffImagePlugin.STRIPBYTECOUNTS]
    offsets = offsets if isinstance(offsets, tuple) else (offsets,)
    counts = counts if isinstance(counts, tuple) else (counts,)
    if len(offsets) != 1:
        raise ValueError("CCITT encoder wrote several strips")
    raw = buffer.getvalue()
    return raw[offsets[0] : offsets[0] + counts[0]]


def page_pixels(page: PageResult) -> Pixels:
    """The archived page as a viewer shows it (grey), from a result in memory: the image, laid
    by its placement when it has one (the PDF's own drawing, done here with OpenCV). JPEG pages
    only: a CCITT G4 strip has no container Pillow opens (read the PDF for those)."""
    if page.image_codec != "jpeg":
        raise ValueError(f"page_pixels reads JPEG pages, not {page.image_codec}")
    image = np.asarray(Image.open(io.BytesIO(page.image_bytes)).convert("L"))
    if page.placement is None:
        return image
    centre_to_edge = np.array([[1.0, 0, 0.5], [0, 1.0, 0.5], [0, 0, 1.0]])
    matrix = np.linalg.inv(centre_to_edge) @ page.placement.affine @ centre_to_edge
    paper = int(np.mean(page.placement.background))
    laid = cv2.warpAffine(
        image, matrix[:2], (page.width_px, page.height_px), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=paper,
    )  # fmt: skip
    return np.asarray(laid, dtype=np.uint8)
