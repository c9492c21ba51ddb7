"""Encode the archival page image for embedding in the PDF: JPEG for colour and grey, CCITT G4 for
bilevel (lossless; never JBIG2, whose pattern matching can silently swap digits)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, TiffImagePlugin

from hoso.digitize.ink import Pixels

JPEG_QUALITY = 75  # libjpeg's default, as OCRmyPDF/Leptonica; archival copies stay legible


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    codec: str  # "jpeg" | "ccitt_g4"
    mode: str  # "RGB" | "L" | "1"
    width: int
    height: int


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
        bilevel = Image.fromarray(np.where(pixels >= 128, 255, 0).astype(np.uint8)).convert("1")
        return EncodedImage(ccitt_g4(bilevel), "ccitt_g4", "1", width, height)
    image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    quality = min(JPEG_QUALITY, max(50, quality_cap)) if quality_cap else JPEG_QUALITY
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return EncodedImage(buffer.getvalue(), "jpeg", image.mode, width, height)


def as_is_jpeg(source: tuple[bytes, str], pixels: Pixels) -> EncodedImage:
    """The source JPEG itself, for a page that needed no turning or straightening."""
    data, mode = source
    height, width = pixels.shape[:2]
    return EncodedImage(data, "jpeg", mode, width, height)


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
