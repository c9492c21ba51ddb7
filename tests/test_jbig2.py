"""Page images hoso cannot lift with pikepdf (issue 16): JBIG2 scans (pikepdf would need the
jbig2dec program, which stations and CI do not have) and spot-colour images (Separation, DeviceN:
pikepdf refuses them). PDFium decodes them itself, so such pages digitize like any scan; an image
that no reader can decode is a typed error naming its page, never a traceback."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest

from hoso.errors import ExitCode
from tests.cli import run_hoso
from tests.data.jbig2.make_fixtures import add_image_page
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page

DATA = Path(__file__).resolve().parent / "data" / "jbig2"
TRUTH: dict[str, list[dict[str, Any]]] = json.loads(
    (DATA / "truth.json").read_text(encoding="utf-8")
)
MAX_CER = 0.03  # clean 200-dpi bilevel text; symbol-mode JBIG2 may swap a few glyph shapes
MAX_SKEW_ERROR = 0.1


@dataclass(frozen=True)
class Digitized:
    source: Path
    output: Path
    pages: list[dict[str, Any]]


def digitize(source: Path, folder: Path) -> Digitized:
    """`hoso digitize` as a desk runs it; it must end with exit 0 and say nothing."""
    output, report = folder / f"{source.stem}-out.pdf", folder / f"{source.stem}.json"
    result = run_hoso("digitize", source, "-o", output, "--json", report, "--quiet")
    assert result.stderr == ""
    pages = json.loads(report.read_text(encoding="utf-8"))["pages"]
    return Digitized(source, output, pages)


def assert_pdfa(output: Path, pages: int) -> None:
    """The marks of hoso's PDF/A-2b (as tests/test_pdfa.py checks them), and no JBIG2 left:
    bilevel pages are archived as CCITT G4, whose decoding cannot swap glyphs."""
    with pikepdf.open(output) as pdf:
        assert pdf.pdf_version == "1.7" and len(pdf.pages) == pages
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert "/Info" not in pdf.trailer
        for page in pdf.pages:
            image = page.Resources.XObject.Im0
            chain = image.Filter if isinstance(image.Filter, pikepdf.Array) else [image.Filter]
            assert [str(f) for f in chain] in (
                ["/CCITTFaxDecode"],
                ["/DCTDecode"],
                ["/FlateDecode", "/DCTDecode"],
            )
            assert "/FontFile2" in page.Resources.Font.F1.DescendantFonts[0].FontDescriptor


@pytest.fixture(scope="module", params=sorted(TRUTH))
def jbig2(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Digitized:
    return digitize(DATA / request.param, tmp_path_factory.mktemp("jbig2"))


@pytest.mark.slow
def test_jbig2_pages_are_read(jbig2: Digitized) -> None:
    truth = TRUTH[jbig2.source.name]
    assert len(jbig2.pages) == len(truth)
    for page, expected in zip(jbig2.pages, truth, strict=True):
        assert page["text_source"] == "ocr"
        assert cer(expected["text"], page["text"]) <= MAX_CER, (page["number"], page["text"])
        name_line = next(line for line in expected["text"].splitlines() if "Họ và tên" in line)
        assert name_line in page["text"]


@pytest.mark.slow
def test_jbig2_pages_are_turned_and_straightened_at_native_resolution(jbig2: Digitized) -> None:
    for page, expected in zip(jbig2.pages, TRUTH[jbig2.source.name], strict=True):
        spec = expected["spec"]
        # As displayed, a page stored turned and set right by /Rotate is already upright.
        assert page["rotation"] == (spec["rotation"] - expected["rotate"]) % 360, page["number"]
        assert abs(page["skew_deg"] - spec["skew_deg"]) <= MAX_SKEW_ERROR, page["number"]
        assert page["dpi"] == pytest.approx(spec["dpi"])


@pytest.mark.slow
def test_jbig2_output_is_pdfa_with_lossless_bilevel_pages(jbig2: Digitized) -> None:
    truth = TRUTH[jbig2.source.name]
    assert_pdfa(jbig2.output, len(truth))
    with pikepdf.open(jbig2.source) as source, pikepdf.open(jbig2.output) as output:
        for number, expected in enumerate(truth):
            stored = source.pages[number].Resources.XObject.Im0
            archived = output.pages[number].Resources.XObject.Im0
            assert archived.Filter == "/CCITTFaxDecode" and archived.BitsPerComponent == 1
            untouched = not (expected["spec"]["skew_deg"] or expected["spec"]["rotation"])
            if untouched and not expected["rotate"]:  # no resampling: the scan's own pixels
                assert (archived.Width, archived.Height) == (stored.Width, stored.Height)


def spot_colour_scan(space: str, path: Path) -> tuple[Path, str]:
    """A scan as a print shop's PDF carries it: ink amounts in a spot colour space (black ink as
    a Separation, or a black + red duotone as DeviceN), which pikepdf refuses to convert."""
    page = render_page(PageSpec(seed=1611, dpi=150, body_lines=3))
    ink = 255 - np.asarray(page.image.convert("L"), dtype=np.uint8)
    pdf = pikepdf.new()
    tint: pikepdf.Object
    colour_space: list[pikepdf.Object]
    if space == "Separation":
        tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0] * 4, C1=[0, 0, 0, 1], N=1)
        colour_space = [pikepdf.Name.Separation, pikepdf.Name("/Black"), pikepdf.Name.DeviceCMYK]
        samples = ink.tobytes()
    else:  # (black, red) → CMYK (0, red, red, black), as a PostScript calculator function
        tint = pikepdf.Stream(pdf, b"{0 3 1 roll dup 3 -1 roll}")
        tint.FunctionType, tint.Domain, tint.Range = 4, [0, 1] * 2, [0, 1] * 4
        inks = pikepdf.Array([pikepdf.Name.Black, pikepdf.Name("/Red")])
        colour_space = [pikepdf.Name.DeviceN, inks, pikepdf.Name.DeviceCMYK]
        samples = np.stack([ink, np.zeros_like(ink)], axis=-1).tobytes()
    image = pikepdf.Stream(pdf, samples)
    image.Width, image.Height = page.image.size
    image.ColorSpace = pikepdf.Array([*colour_space, pdf.make_indirect(tint)])
    image.BitsPerComponent = 8
    add_image_page(pdf, image, page.spec.dpi)
    pdf.save(path)
    return path, page.text


@pytest.mark.slow
@pytest.mark.parametrize("space", ["Separation", "DeviceN"])
def test_spot_colour_scan_is_lifted_by_pdfium(tmp_path: Path, space: str) -> None:
    source, text = spot_colour_scan(space, tmp_path / f"{space}.pdf")
    (page,) = digitize(source, tmp_path).pages
    assert cer(text, page["text"]) <= MAX_CER
    assert page["dpi"] == 150 and page["rotation"] == 0
    assert_pdfa(tmp_path / f"{space}-out.pdf", 1)


@pytest.mark.slow
def test_cut_short_image_is_lifted_by_pdfium_with_a_warning(tmp_path: Path) -> None:
    """pikepdf refuses a 1-bit image whose data ends early (ImageDecompressionError); PDFium
    lifts what is there, and the page says part of it may be missing."""
    page = render_page(PageSpec(seed=1612, dpi=200, body_lines=3, bilevel=True))
    samples = page.image.tobytes()
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, zlib.compress(samples[: len(samples) * 6 // 10]))
    image.Width, image.Height = page.image.size
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 1
    image.Filter = pikepdf.Name.FlateDecode
    add_image_page(pdf, image, page.spec.dpi)
    pdf.save(tmp_path / "cut.pdf")
    output, report = tmp_path / "out.pdf", tmp_path / "out.json"
    run_hoso("digitize", tmp_path / "cut.pdf", "-o", output, "--json", report, "--quiet")
    result = json.loads(report.read_text(encoding="utf-8"))
    assert [w for w in result["warnings"] if w.startswith("page 1:") and "damaged" in w]
    first_lines = "\n".join(page.text.splitlines()[:5])
    assert cer(first_lines, result["pages"][0]["text"][: len(first_lines)]) <= MAX_CER
    assert_pdfa(output, 1)


def test_unreadable_jbig2_image_is_a_typed_error_naming_its_page(tmp_path: Path) -> None:
    """Page 2's JBIG2 data is overwritten in the middle: PDFium refuses it as pikepdf would."""
    with pikepdf.open(DATA / "generic-2pages-skewed.pdf") as pdf:
        image = pdf.pages[1].Resources.XObject.Im0
        data = image.read_raw_bytes()
        broken = data[:20] + bytes(b ^ 0xFF for b in data[20:60]) + data[60:]
        image.write(broken, filter=pikepdf.Name.JBIG2Decode)
        pdf.save(tmp_path / "broken.pdf")
    output = tmp_path / "out.pdf"
    result = run_hoso(
        "digitize", tmp_path / "broken.pdf", "-o", output, expect=ExitCode.UNREADABLE_INPUT
    )
    said = result.stderr
    assert said.rstrip().endswith("(unreadable_image)") and "Traceback" not in said
    assert "page 2:" in said and "JBIG2" in said and "damaged" in said
    assert not output.exists()
