"""Encode the archival page image for embedding in the PDF: JPEG for colour and grey, CCITT G4 for
bilevel (lossless; never JBIG2, whose pattern matching can silently swap digits)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, TiffImagePlugin

from hoso.digitize.ink import Pixels, paper_estimate
from hoso.digitize.models import PageResult

JPEG_QUALITY = 75  # libjpeg's default, as OCRmyPDF/Leptonica; archival copies stay legible

# Paper grain (sensor noise, the paper's fibres) is told from marks by its size: a pixel within
# GRAIN_SIGMAS of the paper's noise, in a neighbourhood (a square of 2 GRAIN_AREA_PX + 1) that is
# also within GRAIN_SIGMAS of the paper once averaged, is paper. A faint stroke or a pencil note
# fails the second test even where its pixels drown in the noise one by one: averaging lowers
# the noise, not the stroke.
GRAIN_SIGMAS = 3.0
GRAIN_AREA_PX = 2  # half the side of the averaged square
GRAIN_FLOOR = 1.0  # grey levels of noise: below this a page has no grain worth removing
GRAIN_BAND_ROWS = 1024  # rows quieted at a time, so a 100-megapixel page needs no gigabytes


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
        bilevel = Image.fromarray(np.where(pixels >= 128, 255, 0).astype(np.uint8)).convert("1")
        return EncodedImage(ccitt_g4(bilevel), "ccitt_g4", "1", width, height)
    image = Image.fromarray(quiet_paper(pixels))
    buffer = io.BytesIO()
    quality = min(JPEG_QUALITY, max(50, quality_cap)) if quality_cap else JPEG_QUALITY
    # Progressive: 5-10 % fewer bytes at the same quality; PDF has carried it since 1.3.
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return EncodedImage(buffer.getvalue(), "jpeg", image.mode, width, height)


def quiet_paper(pixels: Pixels) -> Pixels:
    """The page with its paper's grain replaced by the paper's smooth tone, marks untouched.

    JPEG spends most of a noisy scan's bytes on the grain of blank paper: a 300-dpi scan with
    sensor noise took twice the bytes of the same page without it (benchmarks/results/
    latest.md, bytes/page), and was further from the paper as printed than the quiet copy (a
    yellowed page with noise 12: 1.24 MB -> 0.29 MB, PSNR against the page without noise
    31.8 -> 39.7 dB; tests/test_paper_grain.py). The original is kept bit-exact beside it; only
    the archival rendition is quieted. Each colour channel on its own: a highlighter's yellow
    is a mark in blue, paper in red and green."""
    if pixels.ndim == 2:
        return _quiet_channel(pixels)
    return np.dstack([_quiet_channel(pixels[..., c]) for c in range(pixels.shape[2])])


def _quiet_channel(channel: Pixels) -> Pixels:
    paper = paper_estimate(channel)
    offset, sigma = _centre_and_spread(cv2.subtract(channel, paper, dtype=cv2.CV_16S), step=7)
    if sigma < GRAIN_FLOOR:
        return channel
    height = channel.shape[0]
    middle = max(0, height // 2 - GRAIN_BAND_ROWS // 2)
    _, averaged_sigma = _centre_and_spread(
        _averaged(channel, paper, middle, middle + GRAIN_BAND_ROWS)
    )
    reach, averaged_reach = GRAIN_SIGMAS * sigma, GRAIN_SIGMAS * max(averaged_sigma, GRAIN_FLOOR)
    quiet = np.clip(paper.astype(np.int16) + offset, 0, 255).astype(np.uint8)
    out = channel.copy()
    for top in range(0, height, GRAIN_BAND_ROWS):  # a band at a time: a 100-MP page stays cheap
        bottom = min(height, top + GRAIN_BAND_ROWS)
        residual = cv2.subtract(channel[top:bottom], paper[top:bottom], dtype=cv2.CV_16S)
        averaged = _averaged(channel, paper, top, bottom)
        grain = cv2.bitwise_and(
            cv2.inRange(residual, offset - reach, offset + reach),
            cv2.inRange(averaged, offset - averaged_reach, offset + averaged_reach),
        )
        cv2.copyTo(quiet[top:bottom], grain, out[top:bottom])  # in place: rows are contiguous
    return out


def _averaged(channel: Pixels, paper: Pixels, top: int, bottom: int) -> NDArray[np.int16]:
    """The residual (channel minus paper) of rows top:bottom averaged over GRAIN_AREA_PX around
    each pixel, its neighbours above and below the band included."""
    height = channel.shape[0]
    above, below = max(0, top - GRAIN_AREA_PX), min(height, bottom + GRAIN_AREA_PX)
    residual = cv2.subtract(channel[above:below], paper[above:below], dtype=cv2.CV_16S)
    side = 2 * GRAIN_AREA_PX + 1
    averaged = cv2.blur(residual, (side, side))
    return np.asarray(averaged[top - above : top - above + (bottom - top)], dtype=np.int16)


def _centre_and_spread(values: NDArray[Any], step: int = 5) -> tuple[int, float]:
    """Median and robust standard deviation (1.4826 MAD) of a sample: the paper's, since paper
    is most of a page (text covers 5-15 %)."""
    sample = values[::step, ::step]
    centre = int(np.median(sample))
    return centre, 1.4826 * float(np.median(np.abs(sample - centre)))


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
