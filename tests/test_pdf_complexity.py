"""A PDF page drawn with more operations than its analysis can afford (a map, a CAD drawing, a
file made to stall the archive: 300,000 strokes held planning for 27 s and each page step as
long) is drawn by PDFium and read by OCR, and says so; a typed page of ordinary drawing keeps
its own text layer. Forms count each time they are drawn, and one that draws itself is not
followed."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pikepdf
import pytest

from hoso.digitize.errors import InputTooLargeError
from hoso.digitize.models import Options
from hoso.digitize.page_warnings import DRAWN_ONLY
from hoso.digitize.pipeline import digitize
from hoso.digitize.triage import MAX_ANALYSED_OPERATIONS, drawing_operations, triage_file
from tests.typed_pdf import helvetica_page, lines_at

Name = pikepdf.Name
LINES = [
    "HOSO ARCHIVE TEST PAGE",
    "REGISTRATION NUMBER 2468",
    "DELIVERED TO THE ONE STOP DESK",
    "PAGES COUNTED AND CHECKED",
]
TEXT = "BT /Helv 16 Tf " + lines_at(LINES) + " ET "
NOTE = DRAWN_ONLY.format(operations=f"{MAX_ANALYSED_OPERATIONS:,}")


def strokes(count: int, seed: int) -> str:
    """`count` short strokes (three operations each) in the page's lower half, under the text."""
    rng = random.Random(seed)
    marks = []
    for _ in range(count):
        x, y = rng.uniform(60, 530), rng.uniform(60, 380)
        marks.append(f"{x:.1f} {y:.1f} m {x + 2:.1f} {y + 1:.1f} l S")
    return "0.3 w " + " ".join(marks)


def test_a_page_of_too_many_strokes_is_read_from_its_image(tmp_path: Path) -> None:
    path = helvetica_page(tmp_path / "busy.pdf", TEXT + strokes(15_000, 1))  # 45,000 operations
    task = triage_file(path, Options()).tasks[0]
    assert task.drawn_only and not task.born_digital
    page = digitize([path], Options(jobs=1)).pages[0]
    assert NOTE in page.warnings
    read = page.text.split()
    assert all(word in read for line in LINES for word in line.split()), page.text


def test_a_typed_page_of_ordinary_drawing_keeps_its_text_layer(tmp_path: Path) -> None:
    path = helvetica_page(tmp_path / "typed.pdf", TEXT + strokes(2_000, 2))  # 6,000 operations
    task = triage_file(path, Options()).tasks[0]
    assert task.born_digital and not task.drawn_only
    page = digitize([path], Options(jobs=1)).pages[0]
    assert NOTE not in page.warnings
    assert [line for line in page.text.splitlines() if line.strip()][:4] == LINES


def test_a_page_showing_too_much_text_is_read_from_its_image(tmp_path: Path) -> None:
    """One text operation showing 50,000 characters: each is work for the analysis."""
    shown = "BT /Helv 1 Tf 1 0 0 1 10 300 Tm (" + "A" * 50_000 + ") Tj ET "
    path = helvetica_page(tmp_path / "wordy.pdf", TEXT + shown)
    task = triage_file(path, Options()).tasks[0]
    assert task.drawn_only and not task.born_digital
    assert NOTE in task.notes


def _form_drawn(path: Path, times: int, draws_itself: bool = False) -> Path:
    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        form = pdf.make_indirect(pikepdf.Stream(pdf, strokes(100, 3).encode()))  # 300 operations
        form.Type, form.Subtype = Name.XObject, Name.Form
        form.BBox = pikepdf.Array([0, 0, 595, 842])
        if draws_itself:
            form.write((strokes(10, 4) + " /Mark Do").encode())
            form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Mark=form))
        resources.XObject = pikepdf.Dictionary(Mark=form)

    drawn = " ".join(f"q 1 0 0 1 {n % 7} {n % 5} cm /Mark Do Q" for n in range(times))
    return helvetica_page(path, TEXT + drawn, prepare)


def test_a_form_counts_each_time_it_is_drawn(tmp_path: Path) -> None:
    """One form of 300 operations drawn 150 times is 45,000 operations for any reader of the
    page; drawn 10 times, the page is an ordinary typed page."""
    often = _form_drawn(tmp_path / "often.pdf", 150)
    seldom = _form_drawn(tmp_path / "seldom.pdf", 10)
    with pikepdf.open(often) as pdf:
        assert drawing_operations(pdf.pages[0], MAX_ANALYSED_OPERATIONS) > MAX_ANALYSED_OPERATIONS
    with pikepdf.open(seldom) as pdf:
        assert 3_000 < drawing_operations(pdf.pages[0], MAX_ANALYSED_OPERATIONS) < 4_000
    assert triage_file(often, Options()).tasks[0].drawn_only
    assert not triage_file(seldom, Options()).tasks[0].drawn_only


def test_a_form_that_draws_itself_is_not_followed(tmp_path: Path) -> None:
    path = _form_drawn(tmp_path / "loop.pdf", 1, draws_itself=True)
    with pikepdf.open(path) as pdf:
        assert drawing_operations(pdf.pages[0], MAX_ANALYSED_OPERATIONS) > MAX_ANALYSED_OPERATIONS
    document = digitize([path], Options(jobs=1))
    assert NOTE in document.pages[0].warnings
    assert "REGISTRATION" in document.pages[0].text


def test_an_image_bomb_on_a_page_too_busy_to_analyse_is_still_refused(tmp_path: Path) -> None:
    """pdfplumber, which lists a page's images for the decompression-bomb check, is not
    asked about a page past the limit: its images are sized from the PDF's own objects."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        bomb = pdf.make_indirect(pikepdf.Stream(pdf, zlib.compress(bytes(1000))))
        bomb.Type, bomb.Subtype = Name.XObject, Name.Image
        bomb.Width, bomb.Height, bomb.BitsPerComponent = 60_000, 60_000, 8
        bomb.ColorSpace, bomb.Filter = Name.DeviceGray, Name.FlateDecode
        resources.XObject = pikepdf.Dictionary(Bomb=bomb)

    content = TEXT + strokes(15_000, 5) + " q 595 0 0 842 0 0 cm /Bomb Do Q"
    path = helvetica_page(tmp_path / "bomb.pdf", content, prepare)
    with pytest.raises(InputTooLargeError):
        triage_file(path, Options())
