"""Structure of the PDF/A-2b output, checked with pikepdf (veraPDF is not installable here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pytest

from hoso.digitize import pdfa
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize, write_outputs
from tests.synthetic import PageSpec, render_page


@pytest.fixture(scope="module")
def output_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdfa")
    colour = render_page(PageSpec(seed=51, dpi=150, body_lines=3, stamp=True)).save(
        folder / "a.jpg"
    )
    bilevel = render_page(PageSpec(seed=52, dpi=200, body_lines=3, bilevel=True)).save(
        folder / "b.png"
    )
    document = digitize([colour, bilevel], Options(jobs=1))
    out = folder / "out.pdf"
    write_outputs(document, out, None, title="a.jpg")
    return out


def test_declares_pdfa_2b_in_xmp(output_pdf: Path) -> None:
    with pikepdf.open(output_pdf) as pdf:
        assert pdf.pdf_version == "1.7"
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "a.jpg"
        assert "/ID" in pdf.trailer
        assert not pdf.is_encrypted
        assert "/Info" not in pdf.trailer  # nothing to keep in sync with XMP


def test_has_srgb_output_intent(output_pdf: Path) -> None:
    with pikepdf.open(output_pdf) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        assert profile.read_bytes()[36:40] == b"acsp"  # an ICC profile


def test_text_layer_font_is_embedded_with_unicode_map(output_pdf: Path) -> None:
    with pikepdf.open(output_pdf) as pdf:
        for page in pdf.pages:
            font = page.Resources.Font.F1
            assert font.Subtype == "/Type0"
            assert "/ToUnicode" in font
            descendant = font.DescendantFonts[0]
            assert "/FontFile2" in descendant.FontDescriptor
            assert b" 3 Tr" in page.Contents.read_bytes() or b"\n3 Tr" in page.Contents.read_bytes()


def test_images_keep_colour_and_bilevel_stays_one_bit(output_pdf: Path) -> None:
    with pikepdf.open(output_pdf) as pdf:
        colour = pdf.pages[0].Resources.XObject.Im0
        bilevel = pdf.pages[1].Resources.XObject.Im0
        assert colour.Filter == "/DCTDecode" and colour.ColorSpace == "/DeviceRGB"  # red seal kept
        assert bilevel.Filter == "/CCITTFaxDecode" and bilevel.BitsPerComponent == 1
        assert "/SMask" not in colour and "/SMask" not in bilevel
        decoded = pikepdf.PdfImage(bilevel).as_pil_image()  # type: ignore[arg-type]
        assert decoded.mode == "1"
        assert (
            0.01
            < 1
            - float(np.asarray(decoded.convert("L")).sum()) / 255 / decoded.width / decoded.height
            < 0.3
        )


def test_the_shipped_glyphless_font_is_the_one_fonttools_builds() -> None:
    """`pdfa.GLYPHLESS_FONT` is kept made (building it cost every run 0.15-0.45 s): built again
    from its description, with the shipped font's own timestamps, it is the same bytes."""
    import io

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    shipped = TTFont(io.BytesIO(pdfa.GLYPHLESS_FONT))
    builder = FontBuilder(unitsPerEm=1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    advance = (pdfa.GLYPH_ADVANCE, 0)
    builder.setupHorizontalMetrics({".notdef": advance, "blank": advance})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": "HosoGlyphLess", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    builder.setupPost()
    builder.updateHead(created=shipped["head"].created, modified=shipped["head"].modified)
    built = io.BytesIO()
    builder.save(built)
    assert built.getvalue() == pdfa.GLYPHLESS_FONT
    assert shipped.getBestCmap() == {0x20: "blank"}
