"""One page, start to finish: rasterize → measure → orient → deskew → OCR → encode.

This is the unit of parallel work: it takes a picklable `PageTask`, uses the worker's own OCR
engine, and returns a picklable `PageResult`. The order of steps is here and nowhere else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image
from rapidfuzz import fuzz

from hoso.digitize import cleanup, deskew, orient, perspective, resolution
from hoso.digitize.codes import read_codes
from hoso.digitize.encode import JPEG_QUALITY, EncodedImage, as_is_jpeg, encode_page_image
from hoso.digitize.errors import OcrError, OcrModelMissingError
from hoso.digitize.fields.textutil import fold_keep_digits
from hoso.digitize.ink import (
    Glyphs,
    Pixels,
    find_glyphs,
    looks_negative,
    to_gray,
    u8,
    unread_runs,
)
from hoso.digitize.models import (
    LEGAL_MINIMUM_DPI,
    ImagePlacement,
    Options,
    PageResult,
    PageTask,
    PerspectiveCorrection,
    TextSource,
    Word,
    below_legal_minimum,
)
from hoso.digitize.ocr.boxes import read_boxed_rows
from hoso.digitize.ocr.engine import OcrEngine, OcrPage
from hoso.digitize.ocr.order import lines_in_place
from hoso.digitize.ocr.specks import without_specks
from hoso.digitize.ocr.strips import (
    LINE_PAD,
    Extent,
    LineBox,
    confidence,
    group_lines,
    place_on_page,
    stack_lines,
    stacked_height,
)
from hoso.digitize.page_warnings import (
    BELOW_MINIMUM,
    BLANK_PAGE,
    HIDDEN_TEXT,
    LOW_CONFIDENCE,
    NEGATIVE_PAGE,
    NOTHING_READ,
    PICTURE_NOT_READ,
    PICTURES_LEFT,
    SHOW_THROUGH,
    SHOW_THROUGH_OWN_PRINT,
    SKEW_UNKNOWN,
    STATED_DPI_DOUBTED,
    TOO_SMALL,
    WAY_UP_UNKNOWN,
)
from hoso.digitize.rasterize import Box, RasterPage, centre_in, rasterize

UPRIGHT_CONFIDENCE = 0.75
UPRIGHT_MIN_CHARACTERS = 20
ORIENTATION_MARGIN = 0.08  # OCR confidence an alternative orientation must win by
BAND_FRACTION = 0.35  # share of the page height OCR'd to settle an uncertain orientation
VOTE_WHOLE_PAGE_PIXELS = 1_500_000  # smaller pages (cards, receipts) are read whole for the vote
# A source JPEG up to the archival quality is archived as is (re-encoding would cost a
# generation and save nothing); above it, encoding once at 75 saves 30-50 % (a noisy q80 scan
# ~30 %, a q90-95 one ~50 %).
KEEP_JPEG_UP_TO = JPEG_QUALITY
LOW_TEXT_CONFIDENCE = 0.6  # below this mean OCR confidence the page's text is flagged for checking
# A picture on a typed page read under this confidence holds no print: a photo's shades or a
# pattern read as letters.
PICTURE_MIN_CONFIDENCE = 0.4
PICTURE_MIN_CHARACTERS = 6  # fewer read is a mark taken for letters ("ì hi ý" in a seal)
# Pictures read on one page, the largest first (0.3-0.5 s each); more are said to be left.
# A page of a family's twelve pasted cards is read whole.
PICTURES_PER_PAGE = 24
TYPED_AGAIN_SIMILARITY = 60  # rapidfuzz ratio, 0-100, of a read word to a typed one over it
# A page read at under this confidence may show only its other side's print, mirrored: tried
# in its mirror image (a page of the other side's print read at 35-40 %, its mirror at 97 %).
SHOW_THROUGH_BELOW = 0.5
# What shows through paper is faint: the darkest 2 % of a word's marks, median over the page,
# is lighter than this grey (0.2-0.45 of the front's contrast measured 120-190); print, even
# a carbon copy's, is darker, and a page of it printed mirrored is not a blank back.
SHOW_THROUGH_FAINT = 110
SOME_WORDS = 0.3  # share of glyphs in word-like runs that says some of the marks are print

# The page's own print (a number written on the back, in ink or pencil) is darker than what
# shows through by this many grey levels at least; the page is read again with only that.
OWN_PRINT_DARKER = 20
OWN_PRINT_MIN_SHARE = 1e-4  # of the page's pixels: fewer that dark, and there is no own print


def process_page(task: PageTask, options: Options, engine: OcrEngine) -> PageResult:
    raster = rasterize(task, options)
    if raster.born_digital_words is not None:
        return _born_digital_result(task, raster, engine)
    return _scanned_result(task, raster, engine)


def _born_digital_result(task: PageTask, raster: RasterPage, engine: OcrEngine) -> PageResult:
    dpi = raster.dpi or 300.0
    upright = orient.turn_upright(raster.pixels, raster.text_rotation)
    typed = _shown(raster.born_digital_words or [], upright)
    hidden = len(raster.born_digital_words or []) - len(typed)
    chosen = raster.pictures[:PICTURES_PER_PAGE]
    pictures = [_read_picture(task, raster, upright, box, typed, engine) for box in chosen]
    read = [picture for picture in pictures if picture.words]
    words = _with_pictures(typed, read)
    warnings = list(raster.warnings)
    if hidden:
        warnings.append(HIDDEN_TEXT.format(words=hidden))
    if any(picture.failed for picture in pictures):
        warnings.append(PICTURE_NOT_READ)
    if len(raster.pictures) > len(chosen):
        warnings.append(PICTURES_LEFT.format(pictures=len(raster.pictures), read=len(chosen)))
    low = min((picture.mean_confidence for picture in read), default=1.0)
    if low < LOW_TEXT_CONFIDENCE:
        warnings.append(LOW_CONFIDENCE.format(confidence=low))
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
        mean_confidence=round(OcrPage(words).mean_confidence, 4) if read else 1.0,
        text=words_to_text(words),
        width_px=encoded.width,
        height_px=encoded.height,
        image_bytes=encoded.data,
        image_codec=encoded.codec,
        image_mode=encoded.mode,
        image_as_received=encoded.as_received,
        words=words,
        warnings=warnings,
        codes=list(dict.fromkeys(code for p in pictures for code in p.codes)),
        pictures_read=len(read),
    )


# A word of the text layer is not shown when the drawn page is of one colour all around where
# it should be: its box widened by three times its height either side and by its height above
# and below (pdfplumber and PDFium place glyphs apart: a letter-spaced heading drawn a word at
# a time drifted 2.8 heights by its last word, a Type3 font with an offset matrix a height),
# no channel varying by SHOWN_CONTRAST grey levels or more (red print on a green band is as
# light as the band in grey). So a word in an optional-content layer that is off over blank
# paper, white on white, or under a filled box that covers it with that margin is left out;
# kept in the text, such words were searchable, filled fields and went into the archived
# copy's invisible text. Hidden words near other print, or under a box as tight as the print,
# stay (telling them apart needs the drawing order): dropping a word a person can see is the
# worse mistake (a reviewing helper's letter-spaced headings, red on green, Type3 text).
SHOWN_CONTRAST = 16
# Pixels on an image's short side under which it cannot hold a line of print: letters a
# person reads are 8 px tall at the least, and a line with its tone marks twice that.
SMALLEST_READABLE_PX = 16
SHOWN_REACH_X, SHOWN_REACH_Y = 3.0, 1.0  # of the word's height


def _shown(words: list[Word], page: Pixels) -> list[Word]:
    """The words the drawn page may show (`SHOWN_CONTRAST`)."""
    height, width = page.shape[:2]
    shown = []
    for word in words:
        size = word.bottom - word.top
        reach_x, reach_y = round(size * SHOWN_REACH_X), round(size * SHOWN_REACH_Y)
        x0, x1 = max(0, word.left - reach_x), min(width, word.right + reach_x)
        y0, y1 = max(0, word.top - reach_y), min(height, word.bottom + reach_y)
        if (
            x1 > x0
            and y1 > y0
            and int(np.ptp(page[y0:y1, x0:x1], axis=(0, 1)).max()) >= SHOWN_CONTRAST
        ):
            shown.append(word)
    return shown


@dataclass(frozen=True)
class _Picture:
    """A picture of a born-digital page as read: where it lies and its words, in pixels of the
    page."""

    box: Box
    words: list[Word]
    mean_confidence: float
    codes: list[str]
    failed: bool = False  # the OCR failed on it: the page says so
    typed_over: bool = False  # typed over as a whole (`PICTURE_MAX_WORDS_OVER`)


def _read_picture(
    task: PageTask,
    raster: RasterPage,
    upright: Pixels,
    box: Box,
    typed: list[Word],
    engine: OcrEngine,
) -> _Picture:
    """A picture pasted on a typed page (a copy of an ID card, a scanned appendix) read as a
    scan of its own: turned, straightened, flattened if photographed, then its words laid back
    where the picture lies on the page. A picture with no text (a photo, a logo) gives none,
    and words typed over it (a "BẢN SAO" across a card) are the page's own, not read again."""
    left, top, right, bottom = box
    crop = np.ascontiguousarray(upright[top:bottom, left:right])
    over = [word for word in typed if centre_in(word, box)]
    if len(over) > PICTURE_MAX_WORDS_OVER:
        crop = _without_typed(crop, over, left, top)
    picture = RasterPage(pixels=crop, mode=raster.mode, dpi=raster.dpi)
    try:
        result = _scanned_result(task, picture, engine)
    except OcrModelMissingError:
        raise
    except OcrError:  # stopped at the time limit, refused: the typed page stands without it
        return _Picture(box, [], 0.0, [], failed=True)
    characters = sum(len(word.text) for word in result.words)
    if result.mean_confidence < PICTURE_MIN_CONFIDENCE or characters < PICTURE_MIN_CHARACTERS:
        return _Picture(box, [], result.mean_confidence, result.codes)
    if result.rotation:
        words = _laid_upright_in(result, box)
    else:
        to_received = _received_from_archived(result)
        words = [_mapped_word(word, to_received, left, top) for word in result.words]
    own = [word for word in words if not any(_read_again(word, t) for t in typed)]
    typed_over = len(over) > PICTURE_MAX_WORDS_OVER
    return _Picture(box, own, result.mean_confidence, result.codes, typed_over=typed_over)


# A picture under more typed words than this was typed over as a whole (a scanned form filled
# in a PDF editor, a scan under a typed certification, a certificate's printed background):
# the typed words are painted out of what is read, so the picture gives its own print and not
# the typed lines a second time (misread, they slipped past `_read_again`). Under a few typed
# words ("BẢN SAO" across a card) the picture is read whole: what shows through is kept.
PICTURE_MAX_WORDS_OVER = 3
TYPED_MASK_PAD = 0.25  # of a typed word's height, around it


def _without_typed(crop: Pixels, typed: list[Word], left: int, top: int) -> Pixels:
    """The picture's pixels with the typed words over it painted paper-white."""
    cleared = crop.copy()
    for word in typed:
        pad = round((word.bottom - word.top) * TYPED_MASK_PAD)
        x0, y0 = max(0, word.left - left - pad), max(0, word.top - top - pad)
        x1, y1 = max(x0, word.right - left + pad), max(y0, word.bottom - top + pad)
        cleared[y0:y1, x0:x1] = 255
    return cleared


def _laid_upright_in(result: PageResult, box: Box) -> list[Word]:
    """The words of a picture read turned a quarter or upside down, laid as read (upright, in
    its reading order) over the picture's box, scaled to fit it. The text layer writes words
    left to right along their lines: laid where their print runs down or backwards, they came
    out of the PDF as letters in disorder, and a card's number could not be searched for."""
    left, top, right, bottom = box
    scale = min((right - left) / result.width_px, (bottom - top) / result.height_px)
    x0 = left + ((right - left) - result.width_px * scale) / 2
    y0 = top + ((bottom - top) - result.height_px * scale) / 2

    def moved(word: Word) -> Word:
        x, y = round(x0 + word.left * scale), round(y0 + word.top * scale)
        return replace(
            word,
            left=x,
            top=y,
            right=max(round(x0 + word.right * scale), x + 1),
            bottom=max(round(y0 + word.bottom * scale), y + 1),
        )

    return [moved(word) for word in result.words]


def _read_again(word: Word, typed: Word) -> bool:
    """Whether a word read in a picture is a word typed over it, read a second time: half its
    box or more under the typed word's, and spelt like it (marks aside: "BẠN SAO" for "BAN
    SAO"). What the picture shows through the typed word is kept (a card's number under it)."""
    width = min(word.right, typed.right) - max(word.left, typed.left)
    height = min(word.bottom, typed.bottom) - max(word.top, typed.top)
    area = max(1, (word.right - word.left) * (word.bottom - word.top))
    if width <= 0 or height <= 0 or width * height * 2 < area:
        return False
    similarity = fuzz.ratio(fold_keep_digits(word.text), fold_keep_digits(typed.text))
    return similarity >= TYPED_AGAIN_SIMILARITY


def _received_from_archived(result: PageResult) -> NDArray[np.float64]:
    """The 3×3 map (projective where a photo was flattened) from pixels of the page as
    archived (turned, straightened) back to the image as it came."""
    matrix: NDArray[np.float64] = np.eye(3)
    if result.placement is not None:
        matrix = np.asarray(np.linalg.inv(result.placement.affine), dtype=np.float64)
    if result.perspective.corners is not None:
        flat, _ = perspective.flat_map(np.asarray(result.perspective.corners, dtype=np.float64))
        matrix = np.asarray(np.linalg.inv(flat) @ matrix, dtype=np.float64)
    return matrix


def _mapped_word(word: Word, matrix: NDArray[np.float64], left: int, top: int) -> Word:
    """A word's box carried by `matrix` (its corners, then the box around them) and moved by
    (left, top)."""
    corners = np.array(
        [[word.left, word.top, 1.0], [word.right, word.top, 1.0],
         [word.right, word.bottom, 1.0], [word.left, word.bottom, 1.0]]
    ).T  # fmt: skip
    moved = matrix @ corners
    xs, ys = moved[0] / moved[2], moved[1] / moved[2]
    return replace(
        word,
        left=left + max(0, round(float(xs.min()))),
        top=top + max(0, round(float(ys.min()))),
        right=left + round(float(xs.max())),
        bottom=top + round(float(ys.max())),
    )


def _with_pictures(typed: list[Word], pictures: list[_Picture]) -> list[Word]:
    """The typed lines and each picture's lines in one reading order: a picture's lines go,
    together, where its row's top falls among the typed lines; pictures side by side (a card's
    front and back) left to right, whichever is a pixel taller; lines numbered again. A
    picture typed over (a scanned form filled in a PDF editor) is one page with its typed
    words: each of its lines joins the typed line beside it ("Họ và tên:" and the name typed
    after it), or stands alone where it falls."""
    typed_lines = list(group_lines(typed).values())
    blocks: list[tuple[tuple[int, int], list[list[Word]]]] = [
        ((min(w.top for w in line), 0), [line]) for line in typed_lines
    ]
    for row in _rows_of([picture for picture in pictures if not picture.typed_over]):
        row_top = min(picture.box[1] for picture in row)
        for picture in row:
            blocks.append(((row_top, picture.box[0]), list(group_lines(picture.words).values())))
    for picture in pictures:
        if picture.typed_over:
            for line in group_lines(picture.words).values():
                band = Extent.of(line)
                beside = next((t for t in typed_lines if _same_row(t, band)), None)
                if beside is None:
                    blocks.append(((min(w.top for w in line), min(w.left for w in line)), [line]))
                else:
                    beside += line
                    beside.sort(key=lambda word: word.left)
    words: list[Word] = []
    number = 0
    for _, lines in sorted(blocks, key=lambda block: block[0]):
        for line in lines:
            words += [replace(word, line=number) for word in line]
            number += 1
    return words


def _rows_of(pictures: list[_Picture]) -> list[list[_Picture]]:
    """Pictures grouped into rows: top down, a picture joins the row above where it overlaps
    the row's last picture over half the lower one's height."""
    rows: list[list[_Picture]] = []
    for picture in sorted(pictures, key=lambda p: p.box[1]):
        if rows:
            last = rows[-1][-1].box
            overlap = min(last[3], picture.box[3]) - max(last[1], picture.box[1])
            lower = min(last[3] - last[1], picture.box[3] - picture.box[1])
            if overlap * 2 > lower:
                rows[-1].append(picture)
                continue
        rows.append([picture])
    return rows


def _scanned_result(task: PageTask, raster: RasterPage, engine: OcrEngine) -> PageResult:
    raster = _positive(raster)
    raster, flattened = _flatten_photo(raster)
    pixels, bilevel = raster.pixels, raster.mode == "1"
    # What is read: the page as archived, unless a visible signature's stamp lies over its text
    # (`RasterPage.reading_pixels`: the same page without it, in the same geometry)
    seen = pixels if raster.reading_pixels is None else raster.reading_pixels
    warnings: list[str] = list(raster.warnings)
    glyphs = find_glyphs(seen)
    glyph_height = resolution.median_glyph_height(glyphs)
    dpi, dpi_source, doubted = _resolution(raster, glyphs)
    warnings.extend([doubted] if doubted else [])
    if below_legal_minimum(dpi):
        warnings.append(BELOW_MINIMUM.format(dpi=dpi, minimum=LEGAL_MINIMUM_DPI))

    scale = resolution.ocr_scale(
        glyph_height, bilevel, pixels.shape[0] * pixels.shape[1], glyphs.mostly_in_words()
    )
    ocr_dpi = resolution.recognition_dpi(glyph_height, scale, dpi)
    dust = cleanup.plan_dust(glyphs)
    letter_px = glyphs.letter_size / glyphs.scale

    def prepare(image: Pixels) -> cleanup.Recognition:
        return cleanup.prepare_for_ocr(image, scale, bilevel, dust, letter_px=letter_px)

    def recognize(image: Image.Image) -> OcrPage:
        return engine.recognize(image, ocr_dpi)

    def detect(image: Pixels, direction: orient.LineDirection) -> orient.FlipDecision:
        return orient.decide_flip(image, direction, glyph_height, dpi, engine)

    def prepare_bare(image: Pixels) -> cleanup.Recognition:
        return cleanup.prepare_for_ocr(image, scale, bilevel, bare=True)

    # Read again as received only where a share of the marks stand in words, as print does: a
    # blank page's grain does not (0.00-0.21 of its specks pair up by chance; a grainy card
    # turned a quarter, 0.37).
    in_words = glyphs.in_words is not None and float(glyphs.in_words.mean()) >= SOME_WORDS
    bare = prepare_bare if _has_text(glyphs) and in_words else None
    reader = _Reader(prepare, recognize, detect, scale, letter_px * scale, bare)
    direction = orient.line_direction(glyphs)
    # Everything from here reads the page, never archives it: it is turned, straightened and
    # read in the grey OCR sees (seals painted out), one plane instead of three (a colour
    # page's straightening and grey conversions were 0.1-0.15 s of its time, issue 18).
    grey, seals_painted = cleanup.gray_without_seals(seen)
    reading = _orient_and_read(grey, glyphs, direction, reader)
    # The OCR read the lines running down the page: the geometry chose the wrong direction.
    # When the geometry was sure, only long words count as evidence: short Vietnamese words in
    # small print (stacked tone marks) can be taller than wide on an upright page, while a word
    # of five letters never is. Geometry can be sure and wrong: on a receipt whose lines repeat
    # one wording, the letters also stand in columns, sharper than its short lines.
    shortest = 3 if not direction.decisive else orient.LONG_WORD_LETTERS
    if orient.words_run_down(reading.ocr.words, shortest):
        other = _orient_and_read(grey, glyphs, direction.swapped(), reader)
        if not orient.words_run_down(other.ocr.words):
            reading = other
    elif (
        _has_text(glyphs)
        and not direction.decisive
        and not _reads_upright(reading.ocr)
        and _worth_turning(glyphs, reading.ocr)
    ):
        # Few or noisy lines left the direction open and the page does not read: try the other.
        other = _orient_and_read(grey, glyphs, direction.swapped(), reader)
        if other.ocr.mean_confidence > reading.ocr.mean_confidence + ORIENTATION_MARGIN:
            reading = other
    rotation, straight, skew = reading.rotation, reading.image, reading.skew
    rotation_confidence = reading.confidence
    faint = None if bilevel else _faint_marks(reading, reader.scale)
    if faint is not None and _shows_through(reading, glyphs, reader):
        ocr = _own_print(reading.image, faint, reader)
        warnings.append(SHOW_THROUGH_OWN_PRINT if ocr.words else SHOW_THROUGH)
    else:
        warnings.extend(_doubts(reading, glyphs))
        ocr = _with_unread_lines(reading, glyphs, reader)
        if min(pixels.shape[:2]) < SMALLEST_READABLE_PX:
            warnings.append(TOO_SMALL.format(width=pixels.shape[1], height=pixels.shape[0]))
        elif not ocr.words:
            warnings.append(NOTHING_READ if glyphs.count > 0 else BLANK_PAGE)

    words = _to_page_pixels(lines_in_place(without_specks(ocr.words)), scale)
    if raster.typed_words:
        typed = _shown(raster.typed_words, to_gray(pixels))
        words = _with_typed_lines(words, [_moved(w, reading.placed) for w in typed])
    # A code printed in red went with the seals: those pages are searched in their own grey,
    # laid as the page was read.
    codes = read_codes(
        _as_placed(to_gray(seen), reading.placed, straight.shape) if seals_painted else straight,
        upright=True,
        dpi=dpi,
    )
    encoded = _as_received(raster, pixels)
    placement = None
    if straight is not grey:  # turned or straightened: the received image, laid so
        placement = ImagePlacement.laid_by(
            reading.placed, encoded.width, encoded.height, deskew.background_color(pixels)
        )
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
        width_px=straight.shape[1],
        height_px=straight.shape[0],
        image_bytes=encoded.data,
        image_codec=encoded.codec,
        image_mode=encoded.mode,
        image_as_received=encoded.as_received,
        words=words,
        warnings=warnings,
        codes=codes,
        perspective=flattened,
        placement=placement,
    )


def _as_received(raster: RasterPage, pixels: Pixels) -> EncodedImage:
    """The page image as received (never rotated: `ImagePlacement` lays it straight): its own
    JPEG where it came as one at about the archival quality (never decoded and saved again),
    else encoded once: CCITT G4 for bilevel, JPEG at the archival quality or the source's own
    if lower. A scanner's q90-95 JPEG is 1.5-2× the archival copy's bytes for no legibility
    the archive needs (benchmarks/results/latest.md, bytes/page)."""
    quality = raster.source_jpeg_quality
    if raster.source_jpeg is not None and (quality is None or quality <= KEEP_JPEG_UP_TO):
        return as_is_jpeg(raster.source_jpeg, pixels)
    return encode_page_image(pixels, raster.mode, quality)


def _positive(raster: RasterPage) -> RasterPage:
    """A negative scan (light print on a dark page: a scanner's negative mode, a microfilm
    print) is made positive before anything is measured on it. It was read as it came
    (Tesseract inverts, the skew measure does not mind) but archived as the negative, a page
    no one can print or annotate, without a word. Its own file is kept as received; the page
    says it was made positive. Made positive, it must show text: letters standing in lines
    (dust and sensor noise on a dark scan make thousands of specks, never lines)."""
    if not looks_negative(raster.pixels):
        return raster
    inverted = u8(255 - raster.pixels)
    in_words = find_glyphs(inverted).in_words
    if in_words is None or int(in_words.sum()) < deskew.MIN_GLYPHS:
        return raster
    warnings = [*raster.warnings, NEGATIVE_PAGE]
    return replace(
        raster, pixels=inverted, source_jpeg=None, warnings=warnings, reading_pixels=None
    )


def _flatten_photo(raster: RasterPage) -> tuple[RasterPage, PerspectiveCorrection]:
    """A phone photo's page is warped flat before anything is measured on it (keystone cannot
    be deskewed); its source JPEG no longer shows the page as archived. A scan, or a photo whose
    outline is not clear, comes back as it was (the latter with a warning). A file declaring a
    scanner's resolution is a scan: dark margins around a page with no clear outline are the
    scanner's open lid or bed (a book page scanned so), and nobody is told to retake a photo
    (phones write no resolution, or 72 dpi, which is not trusted)."""
    if raster.mode == "1":
        return raster, PerspectiveCorrection()
    outline = perspective.find_page(raster.pixels)
    if outline.corners is None:
        said = [outline.warning] if outline.warning and raster.dpi is None else []
        return replace(raster, warnings=[*raster.warnings, *said]), PerspectiveCorrection()
    flat = perspective.warp_flat(raster.pixels, outline.corners)
    corners = tuple((round(float(x), 1), round(float(y), 1)) for x, y in outline.corners)
    flattened = replace(raster, pixels=flat, source_jpeg=None, reading_pixels=None)
    return flattened, PerspectiveCorrection(corners)


def _resolution(raster: RasterPage, glyphs: Glyphs) -> tuple[float, str, str | None]:
    """Trust a plausible declared resolution, unless it makes the page smaller than paper and
    the print disagrees (then the sheet, and the warning that says so); else the sheet of paper
    the image is the shape of (`resolution.paper_dpi`), or of the card it holds
    (`resolution.card_outline_dpi`); else read it from the text; else take
    what the file claims (72 and 96 dpi are software defaults, but right for screenshots);
    else assume 300."""
    estimated = resolution.estimate_dpi(glyphs)
    height, width = raster.pixels.shape[:2]
    if raster.dpi is not None:
        shrunk = _sheet_shrunk_with_its_tag(raster.dpi, width, height, estimated)
        if shrunk is None:
            return raster.dpi, "metadata", None
        return shrunk.dpi, "paper_size", _stated_dpi_doubted(raster.dpi, width, height, shrunk)
    sheet = resolution.paper_dpi(width, height, estimated)
    if sheet is None:  # a card scanned with a margin of lid: its outline is the sheet
        sheet = resolution.card_outline_dpi(raster.pixels, estimated)
    if sheet is not None:
        return sheet.dpi, "paper_size", None
    if estimated is not None:
        return estimated, "estimated", None
    if raster.claimed_dpi is not None:
        return raster.claimed_dpi, "metadata", None
    return 300.0, "assumed", None


# A stated resolution that makes the page no larger than A6 (148 mm long, with a margin) is
# checked against the print: an A4 scan shrunk to half keeps an A6 size under its tag. A card
# scanned alone (86 mm) or a real A6 page keeps its tag, as its print agrees with it.
SMALLEST_SHEET_IN = 150 / 25.4


def _sheet_shrunk_with_its_tag(
    stated: float, width: int, height: int, estimated: float | None
) -> resolution.SheetFit | None:
    """The sheet a page really is when its stated resolution makes it smaller than any paper
    while its print says a resolution under half the stated one and its shape is that sheet's
    at it (an A4 scan at 300 dpi shrunk to 100 dpi by a chat app, its tag kept, was archived as
    a 7 × 10 cm page and passed as above the legal minimum). None where the tag holds."""
    if max(width, height) / stated >= SMALLEST_SHEET_IN or estimated is None:
        return None
    if estimated > stated / 2:
        return None
    sheet = resolution.paper_dpi(width, height, estimated)
    return sheet if sheet is not None and sheet.dpi <= stated / 1.5 else None


def _stated_dpi_doubted(stated: float, width: int, height: int, sheet: resolution.SheetFit) -> str:
    return STATED_DPI_DOUBTED.format(
        stated=stated,
        width_mm=width / stated * 25.4,
        height_mm=height / stated * 25.4,
        sheet=sheet.sheet,
        dpi=sheet.dpi,
    )


def _straightening(pixels: Pixels, skew: deskew.SkewEstimate) -> NDArray[np.float64]:
    """The 3×3 map of pixel positions (x right, y down, on pixel edges) that `_straighten`
    applies. OpenCV's matrix is for pixel centres: shifted half a pixel either side."""
    if not skew.should_correct:
        return np.eye(3)
    height, width = pixels.shape[:2]
    matrix, _, _ = deskew.rotation_matrix(width, height, -skew.angle_deg)
    to_centres, to_edges = np.eye(3), np.eye(3)
    to_centres[:2, 2], to_edges[:2, 2] = -0.5, 0.5
    return np.asarray(to_edges @ np.vstack([matrix, [0.0, 0.0, 1.0]]) @ to_centres, np.float64)


def _reads_upright(ocr: OcrPage) -> bool:
    """Upside-down or sideways text comes back from Tesseract as sparse, low-confidence junk;
    text it reads with high confidence is the right way up."""
    return ocr.mean_confidence >= UPRIGHT_CONFIDENCE and ocr.characters >= UPRIGHT_MIN_CHARACTERS


@dataclass(frozen=True)
class _Reader:
    """How this page is read (any part of it) and Tesseract's orientation detector, each already
    sized for the page's glyphs: `prepare` makes the recognition image (scaled by `scale`,
    cleaned, with a margin), `recognize` reads one."""

    prepare: Callable[[Pixels], cleanup.Recognition]
    recognize: Callable[[Image.Image], OcrPage]
    detect: Callable[[Pixels, orient.LineDirection], orient.FlipDecision]
    scale: float
    letter_px: float = 0.0  # the page's letter size in the recognition image's pixels

    bare: Callable[[Pixels], cleanup.Recognition] | None = None

    def read(self, image: Pixels) -> OcrPage:
        """The prepared image read, and its rows of boxes read apart (`ocr/boxes.py`); where
        it reads nothing at all, the page as received (grey, scaled), its words placed as the
        prepared image's are. On a heavily noisy card the white margin and flattened paper
        made Tesseract's layout analysis take the whole card for a picture: not a word, where
        the card as received read its name and title (a helper's 150-dpi card)."""
        recognition = self.prepare(image)
        ocr = self.recognize(recognition.image)
        if recognition.unpainted is not None:
            first = max((w.line for w in ocr.words), default=-1) + 1
            boxed = read_boxed_rows(
                list(recognition.boxed_rows),
                recognition.unpainted,
                self.letter_px,
                self.recognize,
                first,
            )
            ocr = OcrPage(in_reading_order(ocr.words, boxed)) if boxed else ocr
        if ocr.words or self.bare is None:
            return ocr
        margin = cleanup.OCR_MARGIN_PX
        return OcrPage(
            [
                replace(w, left=w.left + margin, top=w.top + margin, right=w.right + margin,
                        bottom=w.bottom + margin)
                for w in self.recognize(self.bare(image).image).words
            ]
        )  # fmt: skip


@dataclass(frozen=True)
class _Reading:
    """A page straightened, turned and read; `settled` when some evidence (a confident read, a
    confident OSD, a clear vote) said which way up it is, rather than the default of keeping it."""

    rotation: int
    confidence: float
    image: Pixels
    ocr: OcrPage
    skew: deskew.SkewEstimate
    settled: bool
    placed: NDArray[np.float64]  # where each received pixel went in `image` (3×3)


def _orient_and_read(
    pixels: Pixels, glyphs: Glyphs, direction: orient.LineDirection, reader: _Reader
) -> _Reading:
    """Straighten the page for its line direction, then decide up or down and read it."""
    base_turn = 90 if direction.quarter_turn else 0
    turned = orient.turn_upright(pixels, base_turn)
    # A 1-bit page stays in the grey its straightening interpolates: thresholding it again
    # broke strokes along the rotation's stair steps (bilevel 200-dpi pages read at 5x raw
    # Tesseract's CER on unskewed copies; in grey, at its CER).
    straight = deskew.straighten(turned, direction.skew)
    height, width = pixels.shape[:2]
    placed = _straightening(turned, direction.skew) @ orient.quarter_turn_matrix(
        base_turn, width, height
    )

    def flipped(matrix: NDArray[np.float64], turn: int) -> NDArray[np.float64]:
        return orient.quarter_turn_matrix(turn, straight.shape[1], straight.shape[0]) @ matrix

    # Read the likelier way up first: the ascender cue is right on almost every page but was
    # wrong on a speckled small-print scan, so a flip is kept only if the flipped page reads well.
    candidates = [(base_turn, straight, placed)]
    if orient.looks_upside_down(_glyphs_as_placed(glyphs, placed, straight.shape)):
        upside = ((base_turn + 180) % 360, orient.turn_upright(straight, 180), flipped(placed, 180))
        candidates.insert(0, upside)
    reads: dict[int, OcrPage] = {}  # the page read whole, by its turn from `straight`
    for rotation, image, where in candidates:
        ocr = reads[(rotation - base_turn) % 360] = reader.read(image)
        if _reads_upright(ocr):
            return _Reading(rotation, ocr.mean_confidence, image, ocr, direction.skew, True, where)
    if not _worth_turning(glyphs, ocr):
        # Nothing read confirms what the marks' geometry said either: the page stays as it came.
        if straight is not pixels:
            ocr = reader.read(pixels)
        return _Reading(0, 0.0, pixels, ocr, deskew.SkewEstimate(0.0, 0.0), False, np.eye(3))

    # Only a page that does not read well pays for orientation detection.
    flip = reader.detect(straight, direction)
    if flip.flip is None:
        turn, confidence = _settle_flip(straight, reads, reader)
    else:
        turn, confidence = flip.turn, flip.confidence
    if turn:
        placed = flipped(placed, turn)
        straight = orient.turn_upright(straight, turn)
        ocr = reads[turn] if turn in reads else reader.read(straight)
    rotation = (base_turn + turn) % 360
    return _Reading(rotation, confidence, straight, ocr, direction.skew, confidence > 0, placed)


def _faint_marks(reading: _Reading, scale: float) -> float | None:
    """How dark the marks read on a page that read badly are, as a grey level, where they are
    faint enough to be another side's print seen through the paper (`SHOW_THROUGH_FAINT`);
    None for any other page. Each word's marks count by their darkest 2 %, the page by its
    median word. A 1-bit page has no faint marks: its grey cannot tell them from print."""
    page = reading.ocr
    if page.mean_confidence >= SHOW_THROUGH_BELOW or not page.words:
        return None

    def darkest(word: Word) -> float:
        box = reading.image[word.top : word.bottom, word.left : word.right]
        return float(np.percentile(box, 2)) if box.size else 255.0

    level = float(np.median([darkest(word) for word in _to_page_pixels(page.words, scale)]))
    return level if level >= SHOW_THROUGH_FAINT else None


def _shows_through(reading: _Reading, glyphs: Glyphs, reader: _Reader) -> bool:
    """Is the page's print the other side's, seen through thin paper? A sheet printed on one
    side and scanned on both (a desk's duplex scanner) gives a back whose only marks are the
    front's lines, faint and mirrored: Otsu takes them for print, and read as they come they
    are 1,400 characters of junk in the text layer and the index. Its mirror image reads well:
    left to right when the sheet was turned over its long edge, also upside down over its short
    one. The band of densest lines is read mirrored, the way the ascender cue likes first (it
    is blind to left and right, and was wrong on two of 13 real scans turned over), then the
    other: a mirror that reads as an upright page does, and better than the page as it came,
    is the other side's print. Asked only of a page of faint marks in words that reads badly
    (`_faint_marks`): one or two band reads. (OSD on the mirror was no gate: unsure on one of
    three such pages that read at 94 % mirrored.)"""
    if not glyphs.mostly_in_words():
        return False
    region = _vote_region(np.ascontiguousarray(np.fliplr(reading.image)))
    cue = orient.looks_upside_down(_glyphs_as_placed(glyphs, reading.placed, reading.image.shape))
    for turn in (180, 0) if cue else (0, 180):
        mirrored = reader.read(orient.turn_upright(region, turn))
        if (
            _reads_upright(mirrored)
            and mirrored.mean_confidence > reading.ocr.mean_confidence + ORIENTATION_MARGIN
        ):
            return True
    return False


def _own_print(image: Pixels, faint: float, reader: _Reader) -> OcrPage:
    """Of a page found to show its other side's print, the words of its own: the page read
    again with only what is markedly darker than the marks showing through (a dossier number
    written on the back in ink or pencil), each word read surely. Filtering the words first
    read lost a pencil note Tesseract had read within a line of junk, and own print that
    crossed the show-through's lines merged with them."""
    dark = image < faint - OWN_PRINT_DARKER
    if int(dark.sum()) < OWN_PRINT_MIN_SHARE * dark.size:
        return OcrPage([])
    own = np.where(dark, image, 255).astype(np.uint8)
    read = reader.read(own)
    return OcrPage([w for w in read.words if w.confidence >= UNREAD_LINE_CONFIDENCE])


# A line read again on its own is kept only if read this surely: what Tesseract left out on
# purpose (a seal, a signature, a photo's texture) comes back as junk of low confidence.
UNREAD_LINE_CONFIDENCE = 0.6
UNREAD_FLAT = 0.5  # of the letter size: a word box lower than this is no box for its letters


def _with_unread_lines(reading: _Reading, glyphs: Glyphs, reader: _Reader) -> OcrPage:
    """The page's words, with the lines of letters Tesseract's layout analysis left out (a name
    line on a phone photo, the last line of a noisy page: the glyph mask shows letters where no
    word was read) read again on their own, stacked in one strip, and put back in reading
    order. Costs a mask comparison on every page, and one more OCR call only where letters
    were left unread."""
    ocr = reading.ocr
    if not ocr.words or not _has_text(glyphs):
        return ocr
    margin, to_mask = cleanup.OCR_MARGIN_PX, glyphs.scale / reader.scale

    def on_mask(value: int) -> int:
        return round((value - margin) * to_mask)

    def on_recognition(value: int) -> int:
        return round(value / to_mask) + margin

    mask = _glyphs_as_placed(glyphs, reading.placed, reading.image.shape)
    # A scrap Tesseract misread may get a box of a few pixels at its line's top ("_Nơtcư", 3 px
    # high), whose letters were then read twice: a word under half a letter high covers what
    # the middle word of its line does.
    flat = UNREAD_FLAT * glyphs.letter_size / to_mask
    bands = {
        n: (int(np.median([w.top for w in ws])), int(np.median([w.bottom for w in ws])))
        for n, ws in group_lines(ocr.words).items()
    }

    def covered(word: Word) -> tuple[int, int, int, int]:
        top, bottom = bands[word.line] if word.bottom - word.top < flat else (word.top, word.bottom)
        return on_mask(word.left), on_mask(top), on_mask(word.right), on_mask(bottom)

    read = [covered(w) for w in ocr.words]
    runs = unread_runs(mask, read, glyphs.letter_size)
    if not runs:
        return ocr
    prepared = reader.prepare(reading.image).image
    pad = round(LINE_PAD * glyphs.letter_size / to_mask)
    first = max(w.line for w in ocr.words) + 1
    boxes = [
        LineBox(
            first + number,
            max(0, on_recognition(left) - pad),
            max(0, on_recognition(top) - pad),
            min(prepared.width, on_recognition(right) + pad),
            min(prepared.height, on_recognition(bottom) + pad),
        )
        for number, (left, top, right, bottom) in enumerate(runs)
    ]
    if stacked_height(boxes) > prepared.height:
        # More "lines" than the page holds: no line left out but ink that is not print in
        # lines (a halftone's dots stood in 2,000 runs; their strip, 20 pages tall, was an
        # image Tesseract could not even take, and the page failed).
        return ocr
    strip = stack_lines(prepared, boxes)
    found = {
        line: words
        for line, words in place_on_page(reader.recognize(strip.image).words, strip).items()
        if words
        and confidence(words) >= UNREAD_LINE_CONFIDENCE
        and sum(c.isalnum() for w in words for c in w.text) >= 3
    }
    return OcrPage(words=in_reading_order(ocr.words, found)) if found else ocr


def in_reading_order(words: list[Word], added: dict[int, list[Word]]) -> list[Word]:
    """`words` with the lines read again put back: pieces of one row (a line the mask showed
    as several runs) become one line, left to right; a row that a line already read shares
    joins that line (its missing words, in their place by left); any other goes before the
    first line read below it that shares some of its width (Tesseract's order is by block,
    then line), else at the end."""
    lines = group_lines(words)
    order = list(lines)
    for number, row in _rows(added).items():
        band = Extent.of(row)
        beside = next((other for other in order if _same_row(lines[other], band)), None)
        if beside is not None:
            joined = [*lines[beside], *(replace(w, line=beside) for w in row)]
            lines[beside] = sorted(joined, key=lambda w: w.left)
            continue
        lines[number] = row
        below = (
            at
            for at, other in enumerate(order)
            if (there := Extent.of(lines[other])).top > band.top
            and there.left < band.right
            and there.right > band.left
        )
        order.insert(next(below, len(order)), number)
    return [word for number in order for word in lines[number]]


def _rows(added: dict[int, list[Word]]) -> dict[int, list[Word]]:
    """The lines read again, those on one row joined, each row's words left to right; in
    order from the top."""
    rows: dict[int, list[Word]] = {}
    for number, line in sorted(added.items(), key=lambda item: Extent.of(item[1]).top):
        band = Extent.of(line)
        key = next((n for n, row in rows.items() if _same_row(row, band)), number)
        rows[key] = [*rows.get(key, []), *(replace(w, line=key) for w in line)]
    return {n: sorted(row, key=lambda w: w.left) for n, row in rows.items()}


def _same_row(line: list[Word], band: Extent) -> bool:
    """Whether the band and the line overlap by half the lower of the two, the line a third of
    the band high at least (a speck read as "." is no row to join)."""
    here = Extent.of(line)
    overlap = min(band.bottom, here.bottom) - max(band.top, here.top)
    lower = min(band.height, here.height)
    return 3 * here.height >= band.height and overlap * 2 >= lower


def _glyphs_as_placed(
    glyphs: Glyphs, placed: NDArray[np.float64], shape: tuple[int, ...]
) -> Pixels:
    """The glyph mask found on the received page, moved as its pixels were (turned,
    straightened) onto a page of `shape`, at the mask's own scale: what the ascender cue
    measures, without finding the glyphs of the straightened page again (a tenth of a second
    a page). Pixel centres against edges, and quarter turns, move it by a mask pixel at
    most: nothing to row sums."""
    return _as_placed(glyphs.mask, placed, shape, glyphs.scale, mask=True)


def _as_placed(
    image: Pixels,
    placed: NDArray[np.float64],
    shape: tuple[int, ...],
    scale: float = 1.0,
    *,
    mask: bool = False,
) -> Pixels:
    """`image` of the received page (at `scale` of it) moved as the page's pixels were by
    `placed`, onto a page of `shape`; what is uncovered is 0 for a mask, paper for a grey."""
    to_image = np.diag([scale, scale, 1.0])
    matrix = to_image @ placed @ np.linalg.inv(to_image)
    size = (round(shape[1] * scale), round(shape[0] * scale))
    flags, fill = (cv2.INTER_NEAREST, 0) if mask else (cv2.INTER_LINEAR, 255)
    return u8(cv2.warpAffine(image, matrix[:2], size, flags=flags, borderValue=fill))


def _settle_flip(straight: Pixels, reads: dict[int, OcrPage], reader: _Reader) -> tuple[int, float]:
    """OSD was unsure: read the text as is and upside down; the flip must clearly win. The vote
    reads where the text is, and all of a small page (ID cards, receipts); where the page was
    already read whole both ways (the ascender cue had it read upside down first), those
    readings vote and nothing is read again."""
    if 180 in reads:
        as_is, upside_down = reads[0], reads[180]
    else:
        region = _vote_region(straight)
        as_is = reads[0] if region is straight else reader.read(region)
        upside_down = reader.read(orient.turn_upright(region, 180))
    margin = upside_down.mean_confidence - as_is.mean_confidence
    if margin > ORIENTATION_MARGIN and len(upside_down.words) >= 3:
        return 180, min(1.0, margin * 5)
    confidence = max(0.0, min(1.0, -margin * 5)) if len(as_is.words) >= 3 else 0.0
    return 0, confidence


def _vote_region(pixels: Pixels) -> Pixels:
    if pixels.shape[0] * pixels.shape[1] <= VOTE_WHOLE_PAGE_PIXELS:
        return pixels
    return pixels[orient.densest_rows(pixels, BAND_FRACTION)]


def _worth_turning(glyphs: Glyphs, as_read: OcrPage) -> bool:
    """Whether a page that did not read upright may read another way. Not when its marks are
    not print in words and the reading found next to nothing: a blank page's scanner noise
    (a duplex scan's empty back) read at every turn with orientation detection took 40 s, and
    none of it reads any way up. A dusty page's marks are not in words either, but its reading
    finds letters, upside down or not."""
    if not _has_text(glyphs) or glyphs.mostly_in_words():
        return True
    return as_read.characters >= UPRIGHT_MIN_CHARACTERS


def _has_text(glyphs: Glyphs) -> bool:
    """A blank or nearly blank page (a page number, a separator) has nothing to orient,
    straighten or misread."""
    return glyphs.count >= deskew.MIN_GLYPHS


def _doubts(reading: _Reading, glyphs: Glyphs) -> list[str]:
    """What a desk officer must check on this page: nothing is skipped silently."""
    doubts: list[str] = []
    if not _has_text(glyphs):
        return doubts
    if not reading.settled:
        doubts.append(WAY_UP_UNKNOWN.format(rotation=reading.rotation))
    if reading.skew.confidence < deskew.MIN_CONFIDENCE:
        doubts.append(SKEW_UNKNOWN)
    if reading.ocr.words and reading.ocr.mean_confidence < LOW_TEXT_CONFIDENCE:
        doubts.append(LOW_CONFIDENCE.format(confidence=reading.ocr.mean_confidence))
    return doubts


def _moved(word: Word, placed: NDArray[np.float64]) -> Word:
    """A word of the received page as the page was turned and straightened (`placed`)."""
    corners = np.array(
        [[word.left, word.top, 1], [word.right, word.top, 1], [word.left, word.bottom, 1],
         [word.right, word.bottom, 1]], dtype=np.float64
    ).T  # fmt: skip
    x, y, _ = placed @ corners
    return replace(
        word, left=round(x.min()), top=round(y.min()), right=round(x.max()), bottom=round(y.max())
    )


def _with_typed_lines(read: list[Word], typed: list[Word]) -> list[Word]:
    """The page's words with its typed ones in place of what OCR read of them: a read word whose
    centre falls in a typed word's box is that word, misread. Each typed line goes before the
    first read line below its top, so the text keeps the page's order."""
    if not typed:
        return read

    def covered(word: Word) -> bool:
        x, y = (word.left + word.right) / 2, (word.top + word.bottom) / 2
        return any(t.left <= x <= t.right and t.top <= y <= t.bottom for t in typed)

    kept = group_lines([w for w in read if not covered(w)])
    waiting = sorted(group_lines(typed).values(), key=lambda line: min(w.top for w in line))
    ordered: list[list[Word]] = []
    for line in kept.values():
        top = min(w.top for w in line)
        while waiting and min(w.top for w in waiting[0]) < top:
            ordered.append(waiting.pop(0))
        ordered.append(line)
    ordered.extend(waiting)
    return [replace(w, line=number) for number, line in enumerate(ordered) for w in line]


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
