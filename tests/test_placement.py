"""A turned or skewed scan is archived as received and laid straight by the PDF (ImagePlacement):
its JPEG bytes are embedded unchanged, a real renderer (PDFium) shows the page straight with the
invisible text on the ink, and the page read back from the PDF's own matrix (`page_as_shown`,
Pillow) equals the in-memory view (`page_pixels`, OpenCV): two separate implementations of the
same placement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest

from hoso.digitize import deskew
from hoso.digitize.encode import JPEG_QUALITY, estimate_jpeg_quality, page_pixels
from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options, PageResult
from hoso.digitize.pipeline import digitize, write_outputs
from hoso.storage.archive import page_as_shown
from tests.synthetic import PageSpec, render_page

pytestmark = pytest.mark.slow


def archived(source: Path, folder: Path) -> tuple[PageResult, bytes]:
    document = digitize([source], Options(jobs=1))
    out = folder / "out.pdf"
    write_outputs(document, out, None, title=source.name)
    return document.pages[0], out.read_bytes()


def residual_skew(grey: np.ndarray) -> float:
    return abs(deskew.estimate_skew(find_glyphs(grey)).angle_deg)


def ink_under_words(grey: np.ndarray, page: PageResult) -> tuple[float, float]:
    """Share of dark pixels inside the text layer's word boxes, and on the page as a whole."""
    dark = grey < 128
    inside = [dark[w.top : w.bottom, w.left : w.right].mean() for w in page.words if w.text.strip()]
    return float(np.mean(inside)), float(dark.mean())


def rendered(pdf_bytes: bytes, page: PageResult) -> np.ndarray:
    """The page as PDFium draws it, at the page's pixel size (grey)."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        scale = page.width_px / document[0].get_width()
        image = document[0].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    return np.asarray(image)[: page.height_px, : page.width_px]


def drawn_alike(shown: np.ndarray, in_memory: np.ndarray) -> bool:
    """The same pixels but for resampling: measured 0.05 of 255; a page laid a pixel off or
    the wrong way up differs by several units to tens."""
    return shown.shape == in_memory.shape and float(np.abs(shown - in_memory).mean()) < 1


@pytest.mark.parametrize(("skew", "rotation"), [(2.5, 0), (-1.2, 90), (0.8, 180)])
def test_a_skewed_or_turned_jpeg_keeps_its_bytes_and_shows_straight(
    tmp_path: Path, skew: float, rotation: int
) -> None:
    spec = PageSpec(seed=71, dpi=200, body_lines=8, skew_deg=skew, rotation=rotation,
                    jpeg_quality=75)  # fmt: skip
    source = render_page(spec).save(tmp_path / "scan.jpg")
    page, pdf_bytes = archived(source, tmp_path)

    assert page.placement is not None and page.rotation == rotation
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        embedded = pdf.pages[0].Resources.XObject.Im0
        assert embedded.read_raw_bytes() == source.read_bytes()  # no second generation
    viewed = rendered(pdf_bytes, page)
    assert residual_skew(viewed) < 0.1
    under_words, overall = ink_under_words(viewed, page)
    assert under_words > 3 * overall  # the text layer lies on the printed words
    shown = np.asarray(page_as_shown(pdf_bytes, 0).convert("L")).astype(int)
    assert drawn_alike(shown, page_pixels(page).astype(int))
    assert len(pdf_bytes) < source.stat().st_size + 60_000  # the scan plus its text layer


def test_a_skewed_bilevel_scan_is_laid_straight_without_rotating_its_bits(tmp_path: Path) -> None:
    spec = PageSpec(seed=72, dpi=300, body_lines=8, skew_deg=-2.0, bilevel=True)
    source = render_page(spec).save(tmp_path / "scan.png")
    page, pdf_bytes = archived(source, tmp_path)

    assert page.placement is not None and page.image_codec == "ccitt_g4"
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        embedded = pdf.pages[0].Resources.XObject.Im0
        decoded = np.asarray(pikepdf.PdfImage(embedded).as_pil_image().convert("L"))  # type: ignore[arg-type]
    received = np.asarray(render_page(spec).image.convert("L"))
    assert decoded.shape == received.shape
    assert np.mean((decoded < 128) != (received < 128)) < 0.001  # the bits as scanned
    viewed = rendered(pdf_bytes, page)
    assert residual_skew(viewed) < 0.1
    under_words, overall = ink_under_words(viewed, page)
    assert under_words > 3 * overall
    shown = np.asarray(page_as_shown(pdf_bytes, 0).convert("L"))
    assert shown.shape == (page.height_px, page.width_px)


def test_a_fine_jpeg_is_encoded_once_at_the_archival_quality_unrotated(tmp_path: Path) -> None:
    """A scanner's q95 JPEG would cost its bytes twice over in every copy: it is encoded once
    at the archival quality, still unrotated and laid straight by the PDF."""
    spec = PageSpec(seed=74, dpi=200, body_lines=8, skew_deg=1.5, jpeg_quality=95)
    source = render_page(spec).save(tmp_path / "scan.jpg")
    page, pdf_bytes = archived(source, tmp_path)

    assert page.placement is not None
    assert estimate_jpeg_quality(page.image_bytes) == JPEG_QUALITY
    assert len(page.image_bytes) < 0.75 * source.stat().st_size
    received = np.asarray(render_page(spec).image.convert("L"))
    assert (page.placement.height, page.placement.width) == received.shape  # not turned
    assert residual_skew(rendered(pdf_bytes, page)) < 0.1
    shown = np.asarray(page_as_shown(pdf_bytes, 0).convert("L")).astype(int)
    assert drawn_alike(shown, page_pixels(page).astype(int))


@pytest.mark.parametrize("colour", [False, True])
def test_an_upright_straight_scan_is_drawn_as_before(colour: bool, tmp_path: Path) -> None:
    """Grey or colour (yellowed paper, a red seal: the page is read in a grey of its own, which
    once made every colour page look moved), a page needing no turn keeps no placement."""
    spec = PageSpec(seed=73, dpi=200, body_lines=6, jpeg_quality=75, stamp=colour, yellowed=colour)
    source = render_page(spec).save(tmp_path / "scan.jpg")
    page, pdf_bytes = archived(source, tmp_path)

    assert page.placement is None and page.image_bytes == source.read_bytes()
    shown = np.asarray(page_as_shown(pdf_bytes, 0).convert("L"))
    assert shown.shape == (page.height_px, page.width_px)
