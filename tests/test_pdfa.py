"""Structure of the PDF/A-2b output, checked with pikepdf (veraPDF is not installable here)."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

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
        assert _filters(colour)[-1] == "/DCTDecode" and colour.ColorSpace == "/DeviceRGB"  # seal
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


def _filters(image: pikepdf.Object) -> list[str]:
    chain = image.Filter
    return [str(f) for f in chain] if isinstance(chain, pikepdf.Array) else [str(chain)]


def test_a_page_jpeg_deflated_once_more_draws_as_the_jpeg(output_pdf: Path) -> None:
    """White paper leaves runs a second, lossless coding takes out: the page's JPEG is stored
    deflated, and a reader (PDFium, as in Chrome) draws exactly the JPEG's pixels."""
    with pikepdf.open(output_pdf) as pdf:
        image = pdf.pages[0].Resources.XObject.Im0
        assert _filters(image) == ["/FlateDecode", "/DCTDecode"]
        jpeg = zlib.decompress(image.read_raw_bytes())
        assert len(image.read_raw_bytes()) < 0.97 * len(jpeg)
        width, height = int(image.Width), int(image.Height)
    decoded = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.int16)
    document = pdfium.PdfDocument(output_pdf)
    try:
        page = document[0]
        scale = width / page.get_width()  # the image fills the page: one image pixel a pixel
        drawn = np.asarray(page.render(scale=scale).to_pil().convert("RGB"), dtype=np.int16)
    finally:
        document.close()
    assert abs(drawn.shape[0] - height) <= 1 and abs(drawn.shape[1] - width) <= 1  # rounding
    rows, columns = min(drawn.shape[0], height), min(drawn.shape[1], width)
    assert float(np.abs(drawn[:rows, :columns] - decoded[:rows, :columns]).mean()) < 2.0


@pytest.mark.parametrize(("size", "dpi"), [((30_000, 240), 100), ((2_000, 1), 200)])
def test_every_page_box_is_within_pdfa_limits_at_its_real_size(
    tmp_path: Path, size: tuple[int, int], dpi: int
) -> None:
    """PDF/A-2 allows 3 to 14 400 units a page side: a panorama scanned at 100 dpi (21 600 pt)
    and a strip of one pixel (0.36 pt) were written outside them (a helper's files). The long
    page keeps its real size in larger units (/UserUnit); the thin one gets the least page."""
    strip = Image.new("L", size, 255)
    strip.paste(0, (40, 0, 400, size[1]))  # some ink, so it is no blank page
    strip.save(tmp_path / "strip.png", dpi=(dpi, dpi))
    out = tmp_path / "out.pdf"
    write_outputs(digitize([tmp_path / "strip.png"], Options(jobs=1)), out, None, title="s")
    with pikepdf.open(out) as pdf:
        page = pdf.pages[0]
        box = [float(v) for v in page.MediaBox]
        unit = float(page.obj.get("/UserUnit", 1))
    sides = (box[2] - box[0], box[3] - box[1])
    assert all(3 <= side <= 14_400 for side in sides), sides
    real = sides[0] * unit, sides[1] * unit  # in points
    assert real[0] == pytest.approx(size[0] * 72 / dpi, rel=0.001)
    assert real[1] == pytest.approx(max(size[1] * 72 / dpi, 3), rel=0.001)
