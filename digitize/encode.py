"""Encode the archival page image for embedding in the PDF: JPEG for colour and grey, CCITT G4 for
bilevel (lossless; never JBIG2, whose pattern matching can silently swap digits)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, TiffImagePlugin

from digitize.ink import Pixels

JPEG_QUALITY = 80


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    codec: str  # "jpeg" | "ccitt_g4"
    mode: str  # "RGB" | "L" | "1"
    width: int
    height: int


def encode_page_image(pixels: Pixels, mode: str) -> EncodedImage:
    height, width = pixels.shape[:2]
    if mode == "1":
        bilevel = Image.fromarray(np.where(pixels >= 128, 255, 0).astype(np.uint8)).convert("1")
        return EncodedImage(ccitt_g4(bilevel), "ccitt_g4", "1", width, height)
    image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return EncodedImage(buffer.getvalue(), "jpeg", image.mode, width, height)


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
