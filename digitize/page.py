"""One page, start to finish: rasterize → measure → orient → deskew → OCR → encode.

This is the unit of parallel work: it takes a picklable `PageTask`, uses the worker's own OCR
engine, and returns a picklable `PageResult`. The order of steps is here and nowhere else.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import numpy as np

from hoso.digitize import cleanup, deskew, orient, resolution
from hoso.digitize.codes import read_codes
from hoso.digitize.encode import as_is_jpeg, encode_page_image
from hoso.digitize.ink import Glyphs, Pixels, find_glyphs
from hoso.digitize.models import (
    LEGAL_MINIMUM_DPI,
    Options,
    PageResult,
    PageTask,
    TextSource,
    Word,
    below_legal_minimum,
)
from hoso.digitize.ocr.engine import OcrEngine, OcrPage
from hoso.digitize.rasterize import RasterPage, rasterize

UPRIGHT_CONFIDENCE = 0.75
UPRIGHT_MIN_CHARACTERS = 20
ORIENTATION_MARGIN = 0.08  # OCR confidence an alternative orientation must win by
BAND_FRACTION = 0.35  # share of the page height OCR'd to settle an uncertain orientation


def process_page(task: PageTask, options: Options, engine: OcrEngine) -> PageResult:
    raster = rasterize(task, options)
    if raster.born_digital_words is not None:
        return _born_digital_result(task, raster)
    return _scanned_result(task, raster, engine)


def _born_digital_result(task: PageTask, raster: RasterPage) -> PageResult:
    words = raster.born_digital_words or []
    dpi = raster.dpi or 300.0
    upright = orient.turn_upright(raster.pixels, raster.text_rotation)
    encoded = encode_page_image(upright, raster.mode)
    return PageResult(
        number=task.number,
        rotation=raster.text_rotation,
        rotation_confidence=1.0,
        skew_deg=0.0,
        skew_confidence=1.0,
        dpi=dpi,
        dpi_source="pdf",
        text_source=TextSource.BORN_DIGITAL,
        mean_confidence=1.0,
        text=words_to_text(words),
        width_px=encoded.width,
        height_px=encoded.height,
        image_bytes=encoded.data,
        image_codec=encoded.codec,
        image_mode=encoded.mode,
        words=words,
    )


def _scanned_result(task: PageTask, raster: RasterPage, engine: OcrEngine) -> PageResult:
    pixels, bilevel = raster.pixels, raster.mode == "1"
    warnings: list[str] = list(raster.warnings)
    glyphs = find_glyphs(pixels)
    glyph_height = resolution.median_glyph_height(glyphs)
    dpi, dpi_source = _resolution(raster, glyphs)
    if below_legal_minimum(dpi):
        warnings.append(
            f"effective resolution {dpi:.0f} dpi is below the legal minimum of {LEGAL_MINIMUM_DPI} "
            "dpi for an e-copy of a paper (Decree 30/2020); rescan if this copy must be official"
        )

    direction = orient.line_direction(glyphs)
    base_turn = 90 if direction.quarter_turn else 0
    skew = direction.skew
    straight = _straighten(orient.turn_upright(pixels, base_turn), skew, bilevel)
    scale = resolution.ocr_scale(glyph_height, bilevel)

    ocr_dpi = resolution.recognition_dpi(glyph_height, scale, dpi)

    def read(image: Pixels) -> OcrPage:
        return engine.recognize(cleanup.prepare_for_ocr(image, scale, bilevel), ocr_dpi)

    # Read the likelier way up first: the ascender cue is right on almost every page but was
    # wrong on a speckled small-print scan, so a flip is kept only if the flipped page reads well.
    rotation, turned = base_turn, straight
    if orient.looks_upside_down(straight):
        rotation, turned = (base_turn + 180) % 360, orient.turn_upright(straight, 180)
    ocr = read(turned)
    if not _reads_upright(ocr) and turned is not straight:
        rotation, turned, ocr = base_turn, straight, read(straight)
    straight, rotation_confidence = turned, ocr.mean_confidence
    if not _reads_upright(ocr):
        # Only a page that does not read well pays for orientation detection.
        flip = orient.decide_flip(straight, direction, glyph_height, dpi, engine)
        if flip.flip is None:
            turn, rotation_confidence, flipped = _settle_flip(
                straight, scale, bilevel, ocr_dpi, engine
            )
        else:
            turn, rotation_confidence = flip.turn, flip.confidence
            flipped = orient.turn_upright(straight, flip.turn)
        if turn:
            straight = flipped
            rotation = (base_turn + turn) % 360
            ocr = read(straight)

    words = _to_page_pixels(ocr.words, scale)
    codes = read_codes(straight, upright=True)
    untouched = straight is pixels
    if untouched and raster.source_jpeg is not None:
        encoded = as_is_jpeg(raster.source_jpeg, pixels)
    else:
        encoded = encode_page_image(straight, raster.mode, raster.source_jpeg_quality)
    return PageResult(
        number=task.number,
        rotation=rotation,
        rotation_confidence=round(rotation_confidence, 3),
        skew_deg=skew.angle_deg,
        skew_confidence=skew.confidence,
        dpi=round(dpi, 1),
        dpi_source=dpi_source,
        text_source=TextSource.OCR,
        mean_confidence=round(ocr.mean_confidence, 4),
        text=words_to_text(words),
        width_px=encoded.width,
        height_px=encoded.height,
        image_bytes=encoded.data,
        image_codec=encoded.codec,
        image_mode=encoded.mode,
        words=words,
        warnings=warnings,
        codes=codes,
    )


def _resolution(raster: RasterPage, glyphs: Glyphs) -> tuple[float, str]:
    """Trust a plausible declared resolution; else read it from the text; else take what the file
    claims (72 and 96 dpi are software defaults, but right for screenshots); else assume 300."""
    if raster.dpi is not None:
        return raster.dpi, "metadata"
    estimated = resolution.estimate_dpi(glyphs)
    if estimated is not None:
        return estimated, "estimated"
    if raster.claimed_dpi is not None:
        return raster.claimed_dpi, "metadata"
    return 300.0, "assumed"


def _straighten(pixels: Pixels, skew: deskew.SkewEstimate, bilevel: bool) -> Pixels:
    straight = deskew.straighten(pixels, skew)
    if bilevel and straight is not pixels:
        straight = np.where(straight >= 128, 255, 0).astype(np.uint8)  # back to two levels
    return straight


def _reads_upright(ocr: OcrPage) -> bool:
    """Upside-down or sideways text comes back from Tesseract as sparse, low-confidence junk;
    text it reads with high confidence is the right way up."""
    characters = sum(len(w.text) for w in ocr.words)
    return ocr.mean_confidence >= UPRIGHT_CONFIDENCE and characters >= UPRIGHT_MIN_CHARACTERS


def _settle_flip(
    straight: Pixels, scale: float, bilevel: bool, dpi: int, engine: OcrEngine
) -> tuple[int, float, Pixels]:
    """OSD was unsure: OCR a band of text as is and upside down; the flip must clearly win."""
    flipped = np.ascontiguousarray(np.rot90(straight, k=2))
    as_is = _band_confidence(straight, scale, bilevel, dpi, engine)
    upside_down = _band_confidence(flipped, scale, bilevel, dpi, engine)
    margin = upside_down.mean_confidence - as_is.mean_confidence
    if margin > ORIENTATION_MARGIN and len(upside_down.words) >= 3:
        return 180, min(1.0, margin * 5), flipped
    confidence = max(0.0, min(1.0, -margin * 5)) if len(as_is.words) >= 3 else 0.0
    return 0, confidence, straight


def _band_confidence(
    pixels: Pixels, scale: float, bilevel: bool, dpi: int, engine: OcrEngine
) -> OcrPage:
    height = pixels.shape[0]
    start = int(height * (0.5 - BAND_FRACTION / 2))
    band = pixels[start : start + int(height * BAND_FRACTION)]
    return engine.recognize(cleanup.prepare_for_ocr(band, scale, bilevel), dpi)


def _to_page_pixels(words: list[Word], scale: float) -> list[Word]:
    """Map word boxes from the recognition image (margin added, scaled) back to the page image."""
    margin = cleanup.OCR_MARGIN_PX

    def back(value: int) -> int:
        return max(0, round((value - margin) / scale))

    return [
        replace(w, left=back(w.left), top=back(w.top), right=back(w.right), bottom=back(w.bottom))
        for w in words
    ]


def words_to_text(words: list[Word]) -> str:
    """Reading order as the words come (Tesseract's block/line order), one line per line, NFC."""
    lines: list[list[str]] = []
    current = None
    for word in words:
        if word.line != current:
            lines.append([])
            current = word.line
        lines[-1].append(word.text)
    return unicodedata.normalize("NFC", "\n".join(" ".join(line) for line in lines))
