"""Assemble the searchable PDF/A-2b with pikepdf: one image per page at 100 % scale, an invisible
text layer over it, sRGB output intent and XMP metadata.

The text layer uses a "glyphless" font: a TrueType font whose only glyph is blank, embedded (PDF/A
requires it), addressed as Identity-H with CID = Unicode code point and a ToUnicode map, so
copy-paste and search give back exactly the Vietnamese text in NFC. Each line is drawn at the line's
height on a shared baseline (so text extractors see one line), each word stretched (Tz) to its box.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import zlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pikepdf
from PIL import ImageCms

from hoso.digitize.models import DocumentResult, PageResult, Word

GLYPH_ADVANCE = 500  # font units per em 1000: every character is half an em wide before Tz
# A JPEG of a page is deflated once more when that saves this share of its bytes: blank paper
# leaves long identical runs in the coded data (11 % of a clean 300-dpi page's JPEG, ~10 ms;
# OCRmyPDF's Ghostscript does the same). Every PDF reader undoes it (a filter chain, PDF 1.2).
DEFLATE_JPEG_SAVING = 0.03
PRODUCER = "hoso"


# The glyphless TrueType font, as fontTools' FontBuilder makes it (units per em 1000; glyphs
# .notdef and "blank", both empty and GLYPH_ADVANCE wide; space mapped to "blank"; family
# "HosoGlyphLess"; ascent 1000, descent 0): `tests/test_pdfa.py` builds it again and checks
# these bytes against it. Shipped made, not made per run: importing fontTools and building it
# cost 0.15-0.45 s of every `hoso digitize` (issue 18).
GLYPHLESS_FONT = base64.b64decode(
    "AAEAAAAKAIAAAwAgT1MvMkT/RUAAAAEoAAAAYGNtYXAADABzAAABkAAAADRnbHlmAAAAAAAAAcwAAAABaGVh"
    "ZC2AmDYAAACsAAAANmhoZWED6QH2AAAA5AAAACRobXR4AfQAAAAAAYgAAAAGbG9jYQAAAAAAAAHEAAAABm1h"
    "eHAAAwACAAABCAAAACBuYW1lHcntNQAAAdAAAABycG9zdG1nc80AAAJEAAAALAABAAAAAQAAnl4bMF8PPPUA"
    "AwPoAAAAAOc1K6sAAAAA5zUrqwAAAAAAAAAAAAAAAwACAAAAAAAAAAEAAAPoAAAAAAH0AAAAAAAAAAEAAAAA"
    "AAAAAAAAAAAAAAABAAEAAAACAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAwH0AZAABQAEAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAPz8/PwAAACAAIAPoAAAAAAPoAAAAAAAA"
    "AAAAAAAAAAAAAAAgAAAB9AAAAAAAAAAAAAIAAAADAAAAFAADAAEAAAAUAAQAIAAAAAQABAABAAAAIP//AAAA"
    "IP///+EAAQAAAAAAAAAAAAAAAAAAAAAAAAAEADYAAQAAAAAAAQANAAAAAQAAAAAAAgAHAA0AAwABBAkAAQAa"
    "ABQAAwABBAkAAgAOAC5Ib3NvR2x5cGhMZXNzUmVndWxhcgBIAG8AcwBvAEcAbAB5AHAAaABMAGUAcwBzAFIA"
    "ZQBnAHUAbABhAHIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAECBWJsYW5r"
)


def glyphless_font() -> bytes:
    return GLYPHLESS_FONT


def _to_unicode_cmap() -> bytes:
    ranges = [(hi << 8, (hi << 8) | 0xFF) for hi in range(256) if not 0xD8 <= hi <= 0xDF]
    chunks = []
    for start in range(0, len(ranges), 100):
        block = ranges[start : start + 100]
        body = "\n".join(f"<{lo:04X}> <{hi:04X}> <{lo:04X}>" for lo, hi in block)
        chunks.append(f"{len(block)} beginbfrange\n{body}\nendbfrange")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(chunks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def _font_resource(pdf: pikepdf.Pdf) -> pikepdf.Object:
    font_file = pikepdf.Stream(pdf, glyphless_font())
    font_file.Length1 = len(glyphless_font())
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/HosoGlyphLess"),
            Flags=4,
            FontBBox=[0, 0, GLYPH_ADVANCE, 1000],
            ItalicAngle=0,
            Ascent=1000,
            Descent=0,
            CapHeight=1000,
            StemV=80,
            FontFile2=font_file,
        )
    )
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536, 9))
    cid_to_gid.Filter = pikepdf.Name.FlateDecode
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/HosoGlyphLess"),
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=descriptor,
            DW=GLYPH_ADVANCE,
            CIDToGIDMap=cid_to_gid,
        )
    )
    to_unicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap(), 9))
    to_unicode.Filter = pikepdf.Name.FlateDecode
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/HosoGlyphLess"),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=to_unicode,
        )
    )


def _encode_text(text: str) -> bytes:
    """Identity-H codes: UTF-16BE for the BMP, which holds every Vietnamese letter."""
    return "".join(
        c if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "\ufffd" for c in text
    ).encode("utf-16-be")


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def text_layer(words: list[Word], px_to_pt: float, page_height_pt: float) -> bytes:
    """Content stream drawing `words` invisibly (render mode 3) over the page image."""
    ops: list[str] = ["BT", "3 Tr"]
    for line_words in _lines(w for w in words if not w.turn):
        top = min(w.top for w in line_words)
        bottom = max(w.bottom for w in line_words)
        size = max((bottom - top) * px_to_pt, 1.0)
        baseline = page_height_pt - bottom * px_to_pt
        ops.append(f"/F1 {_fmt(size)} Tf")
        for i, word in enumerate(line_words):
            following = line_words[i + 1] if i + 1 < len(line_words) else None
            text = word.text + (" " if following else "")
            right = following.left if following and following.left > word.right else word.right
            width_pt = max((right - word.left) * px_to_pt, 0.1)
            natural = len(text) * size * GLYPH_ADVANCE / 1000
            stretch = 100.0 * width_pt / natural if natural > 0 else 100.0
            ops.append(
                f"{_fmt(stretch)} Tz 1 0 0 1 {_fmt(word.left * px_to_pt)} {_fmt(baseline)} Tm "
                f"<{_encode_text(text).hex()}> Tj"
            )
    turned = [w for w in words if w.turn]
    for at, word in enumerate(turned):
        spaced = at + 1 < len(turned) and turned[at + 1].line == word.line
        ops.append(_turned_word(word, spaced, px_to_pt, page_height_pt))
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _turned_word(word: Word, spaced: bool, px_to_pt: float, page_height_pt: float) -> str:
    """A word whose text is turned on the page (`Word.turn`), drawn along its box: the text
    matrix turns the baseline with it, the font is as large as the box is across the line and
    stretched along it, so a text extractor reads the word whole, in its own direction."""
    left, right = word.left * px_to_pt, word.right * px_to_pt
    top, bottom = page_height_pt - word.top * px_to_pt, page_height_pt - word.bottom * px_to_pt
    upright = word.turn == 180
    across, along = (top - bottom, right - left) if upright else (right - left, top - bottom)
    text = word.text + (" " if spaced else "")
    size = max(across, 1.0)
    natural = len(text) * size * GLYPH_ADVANCE / 1000
    stretch = 100.0 * max(along, 0.1) / natural if natural > 0 else 100.0
    origin = {90: (0, 1, -1, 0, right, bottom), 180: (-1, 0, 0, -1, right, top)}.get(
        word.turn, (0, -1, 1, 0, left, top)
    )
    matrix = " ".join(_fmt(v) for v in origin)
    return f"/F1 {_fmt(size)} Tf {_fmt(stretch)} Tz {matrix} Tm <{_encode_text(text).hex()}> Tj"


def _lines(words: Iterable[Word]) -> list[list[Word]]:
    lines: list[list[Word]] = []
    current: int | None = None
    for word in words:
        if word.line != current:
            lines.append([])
            current = word.line
        lines[-1].append(word)
    return lines


def _image_xobject(pdf: pikepdf.Pdf, page: PageResult) -> pikepdf.Stream:
    placement = page.placement
    width, height = (
        (placement.width, placement.height) if placement else (page.width_px, page.height_px)
    )
    image = pikepdf.Stream(pdf, page.image_bytes)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width = width
    image.Height = height
    if page.image_codec == "ccitt_g4":
        image.ColorSpace = pikepdf.Name.DeviceGray
        image.BitsPerComponent = 1
        image.Filter = pikepdf.Name.CCITTFaxDecode
        image.DecodeParms = pikepdf.Dictionary(K=-1, Columns=width, Rows=height, BlackIs1=True)
    else:
        image.ColorSpace = (
            pikepdf.Name.DeviceRGB if page.image_mode == "RGB" else pikepdf.Name.DeviceGray
        )
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        if not page.image_as_received:
            deflated = zlib.compress(page.image_bytes, 6)
            if len(deflated) <= (1 - DEFLATE_JPEG_SAVING) * len(page.image_bytes):
                image.write(deflated, filter=[pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode])
    return image


def image_layer(page: PageResult, px_to_pt: float) -> bytes:
    """Draw the page image: filling the page, or (`placement`) the image as received, turned
    onto the page over the paper's colour."""
    width_pt, height_pt = page.width_px * px_to_pt, page.height_px * px_to_pt
    placement = page.placement
    if placement is None:
        return f"q {_fmt(width_pt)} 0 0 {_fmt(height_pt)} 0 0 cm /Im0 Do Q\n".encode("ascii")
    # unit square -> image pixels (y down) -> page pixels -> PDF points (y up)
    unit = np.array([[placement.width, 0, 0], [0, -placement.height, placement.height], [0, 0, 1]])
    to_points = np.array([[px_to_pt, 0, 0], [0, -px_to_pt, height_pt], [0, 0, 1]])
    m = to_points @ placement.affine @ unit
    paper = " ".join(_fmt(v / 255) for v in placement.background)
    fill = "rg" if len(placement.background) == 3 else "g"
    drawn = " ".join(_fmt(v) for v in (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2]))
    return (
        f"q {paper} {fill} 0 0 {_fmt(width_pt)} {_fmt(height_pt)} re f Q\nq {drawn} cm /Im0 Do Q\n"
    ).encode("ascii")


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _add_output_intent(pdf: pikepdf.Pdf) -> None:
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier="sRGB",
        Info="sRGB IEC61966-2.1",
        DestOutputProfile=icc,
    )
    pdf.Root.OutputIntents = pikepdf.Array([intent])


def _set_metadata(pdf: pikepdf.Pdf, title: str, document: DocumentResult) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title
        meta["xmp:CreatorTool"] = PRODUCER
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreateDate"] = now
        meta["xmp:ModifyDate"] = now
        meta["xmp:MetadataDate"] = now
        description = f"Searchable copy made by hoso of an original with SHA-256 {document.sha256}."
        if document.source_signed:
            description += (
                " The original carries a digital signature, which this copy does not: verify the"
                " signature on the original, which is kept unchanged."
            )
        meta["dc:description"] = description


# PDF/A-2 (ISO 19005-2, 6.1.13): a page's boxes measure 3 to 14 400 units a side. A longer
# page (a 30 000-pixel panorama at 100 dpi is 21 600 pt) is written in larger units
# (/UserUnit, so it keeps its real size); a shorter one (a strip of one pixel) gets a page of
# the least size, its image drawn at its own.
PAGE_UNITS = (3.0, 14_400.0)


def write_pdfa(document: DocumentResult, output: Path | BinaryIO, title: str) -> None:
    pdf = pikepdf.new()
    font = _font_resource(pdf)
    for page in document.pages:
        unit = max(
            1, math.ceil(max(page.width_px, page.height_px) * 72.0 / page.dpi / PAGE_UNITS[1])
        )
        px_to_pt = 72.0 / page.dpi / unit  # page units, a point each unless the page is long
        width_pt, height_pt = page.width_px * px_to_pt, page.height_px * px_to_pt
        box_w, box_h = (max(side, PAGE_UNITS[0]) for side in (width_pt, height_pt))
        image = _image_xobject(pdf, page)
        content = image_layer(page, px_to_pt) + text_layer(page.words, px_to_pt, height_pt)
        pdf_page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(box_w, 3), round(box_h, 3)],
            Resources=pikepdf.Dictionary(
                XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F1=font)
            ),
            Contents=pikepdf.Stream(pdf, content),
        )
        if unit > 1:
            pdf_page.UserUnit = unit
        pdf.pages.append(pikepdf.Page(pdf_page))
    _add_output_intent(pdf)
    _set_metadata(pdf, title, document)
    pdf.save(
        output,
        min_version="1.7",
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        fix_metadata_version=True,
        deterministic_id=False,
    )
