"""Real scans and bad inputs from ../shared/corpus/real-scans (read in place, never copied).

Expected angles come from MANIFEST.tsv: "content rotated N degrees clockwise" is a skew of −N in
our convention (positive = counter-clockwise). Ground truth files are compared after NFC and
whitespace normalisation.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pikepdf
import pytest

from hoso.digitize.models import DocumentResult, Options, TextSource
from hoso.digitize.pipeline import digitize, write_outputs
from hoso.errors import ExitCode
from tests.cli import run_hoso
from tests.metrics import cer, normalize_text

pytestmark = pytest.mark.corpus


def run(corpus: Path, name: str) -> DocumentResult:
    return digitize([corpus / name], Options(jobs=1))


@pytest.mark.parametrize(
    ("name", "rotation"),
    [
        ("phototest.tif", 0),
        ("phototest-rotated-L.png", 90),  # content turned 90° counter-clockwise
        ("phototest-rotated-180.png", 180),
        ("phototestrot.tif", 90),  # RGBA LZW TIFF, same page as rotated-L
        ("g4_orientation_8.tif", 0),  # TIFF Orientation tag honoured: upright as displayed
    ],
)
def test_known_rotations_are_found(corpus: Path, name: str, rotation: int) -> None:
    page = run(corpus, name).pages[0]
    assert page.rotation == rotation


def test_phototest_reads_like_its_ground_truth_in_every_orientation(corpus: Path) -> None:
    truth = (corpus / "phototest.gt.txt").read_text(encoding="utf-8")
    for name in ("phototest.tif", "phototest-rotated-L.png", "phototest-rotated-180.png"):
        assert cer(truth, run(corpus, name).pages[0].text) < 0.05, name


def test_tiff_orientation_tag_page_reads_its_text(corpus: Path) -> None:
    page = run(corpus, "g4_orientation_8.tif").pages[0]
    assert normalize_text(page.text).lower().replace(" ", "") == "thisisatestfile"
    assert page.mean_confidence > 0.8


@pytest.mark.parametrize(
    ("name", "skew", "tolerance"),
    [
        ("deskew-4.png", -7.0, 0.1),  # book page with black scanner borders
        ("deskew-8.png", -15.0, 0.15),  # small leaflet askew in an empty flatbed scan
        ("vn-congvan-1906-p1-rot1ccw.jpg", 1.0, 0.1),  # Vietnamese letter, 70 dpi, +1° CCW
        # Payment form with handwriting and blacked-out fields: its printed lines are few and
        # its boxes dominate; we measure -3.4°. Tolerance stated honestly rather than tuned away.
        ("deskew-5.png", -3.0, 0.5),
    ],
)
def test_known_skews_are_measured_and_corrected(
    corpus: Path, name: str, skew: float, tolerance: float
) -> None:
    page = run(corpus, name).pages[0]
    assert page.rotation == 0
    assert abs(page.skew_deg - skew) <= tolerance


@pytest.mark.parametrize("name", ["vn-congvan-1906-p1.jpg", "phototest.tif", "vietsample2.png"])
def test_straight_pages_are_not_rotated(corpus: Path, name: str) -> None:
    page = run(corpus, name).pages[0]
    assert page.rotation == 0
    assert abs(page.skew_deg) < 0.1


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["vn-congvan-1906-p1.jpg", "vn-congvan-1906-p1-rot1ccw.jpg", "vn-congvan-1906-p1-dark.jpg"],
)
def test_low_resolution_vietnamese_letter_is_read(corpus: Path, name: str) -> None:
    # Ground truth has one line per paragraph and the two header columns one after the other, so
    # some CER is reading order, not recognition; measured 0.09-0.10. Losing diacritics would
    # add ~0.3.
    truth = (corpus / "vn-congvan-1906-p1.gt.txt").read_text(encoding="utf-8")
    page = run(corpus, name).pages[0]
    assert page.dpi_source == "estimated"
    assert page.below_legal_minimum  # ~70 dpi phone-sized image must be flagged
    assert cer(truth, page.text) < 0.14
    assert "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text


def test_born_digital_pages_keep_their_text_and_skip_ocr(corpus: Path) -> None:
    page = run(corpus, "scotus-transcript-p1.pdf").pages[0]
    assert page.text_source is TextSource.BORN_DIGITAL
    assert "IN THE SUPREME COURT OF THE UNITED STATES" in page.text


def test_permission_encrypted_vietnamese_pdf_keeps_exact_text(corpus: Path) -> None:
    document = run(corpus, "vietsample1.pdf")
    assert [p.text_source for p in document.pages] == [TextSource.BORN_DIGITAL] * 2
    assert document.pages[0].text.startswith("Áo Lụa Hà Đông\nNguyên Sa")


def test_rotated_born_digital_page_is_turned_upright(corpus: Path) -> None:
    page = run(corpus, "nics-background-checks-2015-11-rotated.pdf").pages[0]
    assert page.text_source is TextSource.BORN_DIGITAL
    assert page.rotation == 270  # the table's text runs top to bottom as displayed
    assert page.width_px > page.height_px
    assert page.text.startswith("NICS Firearm Background Checks\nNovember - 2015")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("truetype_font_nomapping.pdf", "Phone"), ("vector.pdf", "Sample Vector PDF for Testing")],
)
def test_unusable_or_missing_text_layers_are_ocrd(corpus: Path, name: str, expected: str) -> None:
    page = run(corpus, name).pages[0]
    assert page.text_source is TextSource.OCR
    assert expected in page.text


def test_garbled_scanner_ocr_layer_is_replaced(corpus: Path) -> None:
    page = run(corpus, "vn-danang-2019-congvan-kodak-bilevel.pdf").pages[0]
    assert page.text_source is TextSource.OCR
    assert "ĐÀ NẴNG" in page.text  # the scanner's own layer reads "DA NANG CONG Hcok"


def test_multipage_tiff_gives_every_page(corpus: Path) -> None:
    document = run(corpus, "g4-multi.tiff")
    assert len(document.pages) == 3
    assert [p.image_codec for p in document.pages] == ["ccitt_g4"] * 3


def test_signed_original_is_never_rewritten(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "minimal-signed-twice-both-created.pdf"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    document = digitize([source], Options(jobs=1))
    write_outputs(document, tmp_path / "copy.pdf", None, title=source.name)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert document.source_signed
    with pikepdf.open(tmp_path / "copy.pdf") as copy:
        assert "digital signature" in str(copy.open_metadata()["dc:description"])
        assert "/AcroForm" not in copy.Root  # the derivative claims no signature


def test_a_signed_pdf_is_digitized_without_a_word_on_stderr(corpus: Path, tmp_path: Path) -> None:
    """Its invisible signature's widget is not reachable from the one-page copy's form, and
    pikepdf's note on that reached every `hoso digitize` of such a file (helper-81)."""
    source = corpus / "pades-lta-dss-indirect-arrs-test.pdf"
    result = run_hoso("digitize", source, "-o", tmp_path / "out.pdf", "--quiet")
    assert result.stderr == ""


BAD_INPUTS = [
    ("bad-inputs/empty.pdf", ExitCode.UNREADABLE_INPUT, "empty"),
    ("bad-inputs/invalid.pdf", ExitCode.UNREADABLE_INPUT, "damaged"),
    ("bad-inputs/circular-page-tree.pdf", ExitCode.UNREADABLE_INPUT, "damaged"),
    ("bad-inputs/graph-encrypted.pdf", ExitCode.ENCRYPTED_INPUT, "password"),
    ("bad-inputs/decompression_bomb.gif", ExitCode.INPUT_TOO_LARGE, "decompression bomb"),
    ("bad-inputs/livecycle.pdf", ExitCode.UNSUPPORTED_INPUT, "XFA"),
]
SURVIVABLE = [
    "bad-inputs/kcs.pdf",
    "bad-inputs/malformed-scanned-form.pdf",
    "bad-inputs/minimal-startxref-hopeless.pdf",
    "bad-inputs/no_contents.pdf",
    "bad-inputs/overlay.pdf",
    "bad-inputs/sig-anomaly-tail-uncovered.pdf",
    "bad-inputs/verapdf-6-2-3-3-t01-fail-c.pdf",
]


@pytest.mark.parametrize(("name", "code", "words"), BAD_INPUTS)
def test_bad_inputs_are_refused_with_their_exit_code(
    corpus: Path, tmp_path: Path, name: str, code: ExitCode, words: str
) -> None:
    out = tmp_path / "out.pdf"
    result = run_hoso(
        "digitize", corpus / name, "-o", out, "--json", tmp_path / "out.json", expect=code
    )
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a partial file


@pytest.mark.parametrize("name", SURVIVABLE)
def test_damaged_but_usable_inputs_are_processed(corpus: Path, tmp_path: Path, name: str) -> None:
    result = run_hoso(
        "digitize", corpus / name, "-o", tmp_path / "o.pdf", "--json", tmp_path / "o.json"
    )
    # The summary line and hoso's own page warnings (a damaged form reads at low confidence and
    # says so): no library noise.
    noise = [ln for ln in result.stderr.splitlines() if not ln.startswith("warning: page ")]
    assert len(noise) == 1, result.stderr
    assert "Error" not in result.stderr and "Traceback" not in result.stderr
    pages = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["pages"]
    assert pages
    if name.endswith("no_contents.pdf"):
        assert pages[0]["text"] == ""  # a page without content is a blank page, not an error


@pytest.mark.slow
def test_81_megapixel_page_is_processed_within_limits(corpus: Path) -> None:
    page = run(corpus, "bad-inputs/enormous.pdf").pages[0]
    assert (page.width_px, page.height_px) == (9000, 9000)
    assert "9000" in page.text.replace("O", "0")


def test_pixel_limit_refuses_what_is_over_it(corpus: Path) -> None:
    from hoso.digitize.errors import InputTooLargeError

    with pytest.raises(InputTooLargeError):
        digitize([corpus / "bad-inputs/enormous.pdf"], Options(jobs=1, max_page_pixels=50_000_000))
