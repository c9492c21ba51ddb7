"""A PDF page drawn with more operations than its analysis can afford (a map, a CAD drawing, a
file made to stall the archive: 300,000 strokes held planning for 27 s and each page step as
long) is drawn by PDFium and read by OCR, and says so; a typed page of ordinary drawing keeps
its own text layer. Forms count each time they are drawn, and one that draws itself is not
followed."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from hoso.digitize import drawing, triage
from hoso.digitize.errors import CorruptInputError, InputTooLargeError, PageFailedError
from hoso.digitize.models import Options
from hoso.digitize.page_warnings import ANALYSIS_TOO_SLOW, DRAWN_ONLY, FILE_ANALYSIS_TOO_SLOW
from hoso.digitize.pipeline import digitize
from hoso.digitize.rasterize import group_into_lines
from hoso.digitize.triage import (
    MAX_ANALYSED_OPERATIONS,
    PAGE_ANALYSIS_SECONDS,
    chars_inside,
    drawing_operations,
    triage_file,
)
from tests.cli import REPO
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


def strokes(count: int, seed: int, width: float = 470, height: float = 320) -> str:
    """`count` short strokes (three operations each) in the page's lower half, under the text,
    over `width` × `height` points from its lower left corner."""
    rng = random.Random(seed)
    marks = []
    for _ in range(count):
        x, y = rng.uniform(60, 60 + width), rng.uniform(60, 60 + height)
        marks.append(f"{x:.1f} {y:.1f} m {x + 2:.1f} {y + 1:.1f} l S")
    return "0.3 w " + " ".join(marks)


def test_a_page_of_too_many_strokes_is_read_from_its_image(tmp_path: Path) -> None:
    path = helvetica_page(tmp_path / "busy.pdf", TEXT + strokes(35_000, 1, 150, 100))  # 105,000 ops
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
    """One text operation showing 110,000 characters: each is work for the analysis."""
    shown = "BT /Helv 1 Tf 1 0 0 1 10 300 Tm (" + "A" * 110_000 + ") Tj ET "
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
    """One form of 300 operations drawn 350 times is 105,000 operations for any reader of the
    page; drawn 10 times, the page is an ordinary typed page."""
    often = _form_drawn(tmp_path / "often.pdf", 350)
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

    content = TEXT + strokes(35_000, 5) + " q 595 0 0 842 0 0 cm /Bomb Do Q"
    path = helvetica_page(tmp_path / "bomb.pdf", content, prepare)
    with pytest.raises(InputTooLargeError):
        triage_file(path, Options())


def _fonts_sharing_one_table(
    path: Path, fonts: int, entries: int, costly: int = 1, ordinary: int = 0
) -> Path:
    """`costly` pages whose resources name `fonts` fonts each, none used, all sharing one
    ToUnicode table of `entries` characters, then `ordinary` typed pages: a count of
    operations sees a typed page of a few lines, but pdfminer builds every font of a page and
    parses each one's table in pure Python (helper-77: 500 such fonts held the analysis for
    11 s). Each costly page has fonts of its own, so none is built once for all."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        pairs = "\n".join(f"<{n:04X}> <{0x4E00 + n:04X}>" for n in range(entries))
        cmap = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{entries} beginbfchar\n{pairs}\nendbfchar endcmap end end"
        )
        table = pdf.make_indirect(pikepdf.Stream(pdf, cmap.encode()))
        for n in range(fonts):
            resources.Font[f"/F{n}"] = pdf.make_indirect(
                pikepdf.Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                   BaseFont=Name.Helvetica, ToUnicode=table)
            )  # fmt: skip

    parts = [helvetica_page(path.with_suffix(f".{n}.pdf"), TEXT, prepare) for n in range(costly)]
    parts += [helvetica_page(path.with_suffix(f".plain{n}.pdf"), TEXT) for n in range(ordinary)]
    whole = pikepdf.new()
    for part in parts:
        with pikepdf.open(part) as pdf:
            whole.pages.extend(pdf.pages)
    whole.save(path)
    return path


def test_a_page_too_costly_to_analyse_is_given_up_and_the_next_one_analysed(
    tmp_path: Path,
) -> None:
    """The analysis runs in a child process under `PAGE_ANALYSIS_SECONDS` a page: a page
    whose cost no count sees is drawn only, and the page after it is analysed as ever."""
    path = _fonts_sharing_one_table(tmp_path / "fonts.pdf", 600, 3_000, costly=1, ordinary=1)
    with pikepdf.open(path) as pdf:
        assert drawing_operations(pdf.pages[0], MAX_ANALYSED_OPERATIONS) < 200  # a few lines
    costly, ordinary = triage_file(path, Options()).tasks
    assert costly.drawn_only and not costly.born_digital
    assert costly.notes == (ANALYSIS_TOO_SLOW.format(seconds=f"{PAGE_ANALYSIS_SECONDS:g}"),)
    assert costly.pixels == ordinary.pixels  # the same A4 page, sized for the page pool
    assert ordinary.born_digital and not ordinary.drawn_only and not ordinary.notes


def test_a_page_given_up_is_read_from_its_image(tmp_path: Path, monkeypatch: Any) -> None:
    """Digitized, the page given up is drawn by PDFium and read by OCR, and says why. (The
    limit is lowered here so that the test does not wait for it twice.)"""
    monkeypatch.setattr(triage, "PAGE_ANALYSIS_SECONDS", 0.5)
    path = _fonts_sharing_one_table(tmp_path / "fonts.pdf", 600, 3_000)
    page = digitize([path], Options(jobs=1)).pages[0]
    assert ANALYSIS_TOO_SLOW.format(seconds="0.5") in page.warnings
    read = page.text.split()
    assert all(word in read for line in LINES for word in line.split()), page.text


def test_characters_beside_thousands_of_images_are_analysed(tmp_path: Path) -> None:
    """5,000 small images over the page's upper half and 5,000 characters under them: each
    character had been tested against each image in Python (25 million pairs, helper-77), and
    the page ran out of analysis time. It is a scan with typed text beside it."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        dot = pdf.make_indirect(pikepdf.Stream(pdf, b"\x00"))
        dot.Type, dot.Subtype, dot.Width, dot.Height = Name.XObject, Name.Image, 1, 1
        dot.BitsPerComponent, dot.ColorSpace = 8, Name.DeviceGray
        resources.XObject = pikepdf.Dictionary(Dot=dot)

    count = 5_000
    dots = " ".join(
        f"q 9 0 0 9 {40 + n % 60 * 8.5:.1f} {440 + n // 60 * 4.5:.1f} cm /Dot Do Q"
        for n in range(count)
    )
    letters = " ".join(
        f"1 0 0 1 {40 + n % 100 * 5} {60 + n // 100 * 6} Tm (A) Tj" for n in range(count)
    )
    content = f"BT /Helv 16 Tf {lines_at(LINES, top=420)} ET {dots} BT /Helv 4 Tf {letters} ET"
    task = triage_file(helvetica_page(tmp_path / "dots.pdf", content, prepare), Options()).tasks[0]
    assert not task.drawn_only and not task.notes
    assert not task.born_digital  # images over half the page, its text all beside them


def test_characters_on_images_are_told_from_those_beside_them() -> None:
    images = [
        {"x0": 0.0, "x1": 100.0, "top": 0.0, "bottom": 50.0},
        {"x0": 200.0, "x1": 300.0, "top": 100.0, "bottom": 200.0},
    ]

    def char(x: float, y: float) -> dict[str, float]:  # a 4 × 6 character centred at (x, y)
        return {"x0": x - 2, "x1": x + 2, "top": y - 3, "bottom": y + 3}

    chars = [char(50, 25), char(150, 25), char(250, 150), char(100, 50), char(250, 201)]
    assert chars_inside(chars, images).tolist() == [True, False, True, True, False]
    assert chars_inside([], images).tolist() == []
    assert chars_inside(chars, []).tolist() == [False] * 5


def test_two_byte_characters_count_once(tmp_path: Path) -> None:
    """Vietnamese typed text is usually embedded in a composite (Type0) font, two bytes a
    character: counted as bytes, a dense page had passed for twice its characters."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        resources.Font.Wide = pdf.make_indirect(
            pikepdf.Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.Arial,
                               Encoding=Name("/Identity-H"))
        )  # fmt: skip

    shown = "<" + "0041" * 30_000 + ">"  # 30,000 characters of two bytes
    wide = helvetica_page(tmp_path / "wide.pdf", f"BT /Wide 9 Tf {shown} Tj ET", prepare)
    narrow = helvetica_page(tmp_path / "narrow.pdf", f"BT /Helv 9 Tf {shown} Tj ET", prepare)
    with pikepdf.open(wide) as pdf:
        assert 30_000 <= drawing_operations(pdf.pages[0], 10**6) < 30_010
    with pikepdf.open(narrow) as pdf:  # the same bytes in a one-byte font: twice the letters
        assert 60_000 <= drawing_operations(pdf.pages[0], 10**6) < 60_010


def test_once_a_files_analysis_has_taken_its_time_the_pages_left_are_drawn_only(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Pages each well within their own time add up: a worker plans a batch's files one after
    another, and 5,000 pages of 4.9 s would have held it for seven hours. The file's time is
    lowered here to a second, a few pages' worth."""
    monkeypatch.setattr(triage, "FILE_ANALYSIS_SECONDS", 1.0)
    monkeypatch.setattr(triage, "FILE_ANALYSIS_SECONDS_A_PAGE", 0.0)
    path = _fonts_sharing_one_table(tmp_path / "fonts.pdf", 4, 3_000, costly=16)  # ~0.15 s each
    triage_file(helvetica_page(tmp_path / "warm.pdf", TEXT), Options())  # the fork server up
    tasks = triage_file(path, Options()).tasks
    spent = FILE_ANALYSIS_TOO_SLOW.format(seconds="1")
    assert all(task.notes in ((), (spent,)) for task in tasks)  # no page ran out on its own
    assert not tasks[0].drawn_only and tasks[-1].drawn_only and tasks[-1].notes == (spent,)
    assert [task.drawn_only for task in tasks] == sorted(task.drawn_only for task in tasks)


def test_content_that_inflates_is_parsed_outside_the_callers_process(tmp_path: Path) -> None:
    """A 9 KB file whose content inflates to 300,000 strokes: qpdf parses it fast, but each
    operation becomes a Python object (a million took 1.5 GB and 6.6 s of the worker's own
    process). The caller's memory stays that of a small file; the page is drawn only."""
    pdf = pikepdf.new()
    content = pikepdf.Stream(pdf, zlib.compress(b"0 0 m 1 1 l S\n" * 300_000, 9))
    content.Filter = Name.FlateDecode
    page = pikepdf.Dictionary(
        Type=Name.Page, MediaBox=[0, 0, 595, 842], Resources=pikepdf.Dictionary(),
        Contents=pdf.make_indirect(content),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    path = tmp_path / "inflating.pdf"
    pdf.save(path)
    assert path.stat().st_size < 20_000
    script = tmp_path / "caller.py"
    script.write_text(  # VmHWM: this process's own peak (ru_maxrss counts the forked parent's)
        "from pathlib import Path\n"
        "from hoso.digitize.models import Options\n"
        "from hoso.digitize.triage import triage_file\n"
        "if __name__ == '__main__':\n"
        f"    task = triage_file(Path({str(path)!r}), Options()).tasks[0]\n"
        "    status = Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0]\n"
        "    print(task.drawn_only, int(status) // 1024)\n"
    )
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=REPO)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    drawn_only, peak_mb = ran.stdout.split()
    assert drawn_only == "True"
    assert int(peak_mb) < 300, peak_mb  # 450 MB and more when parsed here


def test_words_join_a_line_while_their_middle_lies_within_it_so_far() -> None:
    """The line's extent grows with the words that join it (kept as they join: measured again
    for each word, a line of 40,000 words took 66 s in the page step, helper-78)."""
    boxes = [
        ("C", 30.0, 10.0, 40.0, 16.0),  # middle 13: within the line once B has joined it
        ("A", 0.0, 0.0, 10.0, 10.0),  # middle 5: opens the first line
        ("D", 0.0, 20.0, 10.0, 30.0),  # middle 25: below the line, a line of its own
        ("B", 15.0, 4.0, 25.0, 16.0),  # middle 10: on A's line, which now reaches 16
    ]
    words = group_into_lines(boxes)
    assert [(word.text, word.line) for word in words] == [("A", 0), ("B", 0), ("C", 0), ("D", 1)]


def test_an_inline_image_bomb_on_a_page_not_analysed_is_refused(tmp_path: Path) -> None:
    """pdfplumber lists inline images too, but it is not asked about a page past the limit:
    the page's own content, parsed for the count, is looked at for them (PDFium had taken
    2.6 GB to draw a 40,000 × 40,000 one from a 4.5 KB file, helper-78)."""
    bomb = "q 595 0 0 842 0 0 cm BI /W 40000 /H 40000 /BPC 8 /CS /G /F /AHx ID 00> EI Q "
    path = helvetica_page(tmp_path / "inline.pdf", TEXT + bomb + strokes(35_000, 6, 100, 100))
    with pytest.raises(InputTooLargeError, match="40000×40000"):
        triage_file(path, Options())


def test_forms_nested_deeper_than_pythons_recursion_are_sized_for_bombs(tmp_path: Path) -> None:
    """An unused chain of 2,000 forms, each holding the next in its resources: sizing their
    images recursively raised Python's RecursionError, an internal error, from a typed page."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        inner: pikepdf.Object | None = None
        for _ in range(2_000):
            form = pdf.make_indirect(pikepdf.Stream(pdf, b"0 0 m 1 1 l S"))
            form.Type, form.Subtype = Name.XObject, Name.Form
            form.BBox = pikepdf.Array([0, 0, 10, 10])
            if inner is not None:
                form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Inner=inner))
            inner = form
        resources.XObject = pikepdf.Dictionary(Outer=inner)

    task = triage_file(helvetica_page(tmp_path / "nested.pdf", TEXT, prepare), Options()).tasks[0]
    assert task.born_digital and not task.drawn_only


def test_a_pdf_declaring_millions_of_objects_in_a_few_bytes_is_refused(tmp_path: Path) -> None:
    """A cross-reference stream of 5 million identical entries, inflating from ~50 KB: qpdf
    builds a table of them all (90 million had taken the worker's own process 1.1 GB and
    5 s, helper-79). The file is opened in a child, and refused for what it declares."""
    content = b"BT /F1 16 Tf 60 780 Td (HOSO) Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 "
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    data, offsets = b"%PDF-1.5\n", []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table_at, entries = len(data), 5_000_000
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    rows += [b"\x01" + at.to_bytes(4, "big") + b"\x00\x00" for at in [*offsets, table_at]]
    rows += [b"\x01" + offsets[0].to_bytes(4, "big") + b"\x00\x00"] * (entries - len(rows))
    table = zlib.compress(b"".join(rows), 9)
    data += (
        b"5 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (entries, len(table), table, table_at)
    )
    path = tmp_path / "declares.pdf"
    path.write_bytes(data)
    assert len(data) < 100_000
    with pytest.raises(InputTooLargeError, match="declares 5,000,000 objects"):
        triage_file(path, Options())


def _image(pdf: pikepdf.Pdf, side: int) -> pikepdf.Object:
    """A grey image declaring `side` × `side` pixels, holding almost nothing."""
    image = pdf.make_indirect(pikepdf.Stream(pdf, zlib.compress(bytes(100))))
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, side, side
    image.BitsPerComponent, image.ColorSpace = 8, Name.DeviceGray
    image.Filter = Name.FlateDecode
    return image


def _form(pdf: pikepdf.Pdf, content: bytes, resources: pikepdf.Dictionary) -> pikepdf.Object:
    form = pdf.make_indirect(pikepdf.Stream(pdf, content))
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, pikepdf.Array([0, 0, 50, 50])
    form.Resources = resources
    return form


def _soft_mask(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> str:
    small = _image(pdf, 10)
    small.SMask = _image(pdf, 20_000)
    resources.XObject = pikepdf.Dictionary(Small=small)
    return "q 50 0 0 50 60 60 cm /Small Do Q"


def _type3_glyph(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> str:
    glyph = pdf.make_indirect(pikepdf.Stream(pdf, b"1000 0 0 0 1000 1000 d1 /Big Do"))
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=Name.Font, Subtype=Name.Type3, FontBBox=[0, 0, 1000, 1000],
        FontMatrix=[0.001, 0, 0, 0.001, 0, 0], CharProcs=pikepdf.Dictionary(a=glyph),
        Encoding=pikepdf.Dictionary(Type=Name.Encoding, Differences=[97, Name.a]),
        FirstChar=97, LastChar=97, Widths=[1000],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Big=_image(pdf, 20_000))),
    ))  # fmt: skip
    resources.Font.Glyphs = font
    return "BT /Glyphs 40 Tf 60 60 Td (a) Tj ET"


def _stamp_appearance(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> str:
    holding = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Big=_image(pdf, 20_000)))
    look = _form(pdf, b"q 50 0 0 50 0 0 cm /Big Do Q", holding)
    stamp = pdf.make_indirect(pikepdf.Dictionary(
        Type=Name.Annot, Subtype=Name.Stamp, Rect=[60, 60, 110, 110],
        AP=pikepdf.Dictionary(N=look),
    ))  # fmt: skip
    resources.Stamps = pikepdf.Array([stamp])  # moved to the page's /Annots below
    return ""


def _inline_in_form_past_the_limit(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> str:
    inline = b"q 50 0 0 50 0 0 cm BI /W 20000 /H 20000 /BPC 8 /CS /G /F /AHx ID 00> EI Q"
    resources.XObject = pikepdf.Dictionary(Inner=_form(pdf, inline, pikepdf.Dictionary()))
    return "/Inner Do " + strokes(35_000, 7, 100, 100)


@pytest.mark.parametrize(
    "bomb", [_soft_mask, _type3_glyph, _stamp_appearance, _inline_in_form_past_the_limit]
)
def test_an_image_bomb_wherever_the_page_can_draw_it_is_refused(tmp_path: Path, bomb: Any) -> None:
    """PDFium decodes every image it draws: an image's soft mask, an image in a Type3 glyph
    or an annotation's appearance, an inline image in a form on a page not analysed. Each
    had reached it from a file of a few KB (440 MB to 2.6 GB, helper-79)."""
    drawn: list[str] = []

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        drawn.append(bomb(pdf, resources))

    path = helvetica_page(tmp_path / "bomb.pdf", TEXT, prepare)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        if "/Stamps" in page.Resources:
            page.obj.Annots = page.Resources.Stamps
            del page.Resources.Stamps
        page.obj.Contents = pdf.make_stream((TEXT + drawn[0]).encode())
        pdf.save(path)
    with pytest.raises(InputTooLargeError, match="20000×20000"):
        triage_file(path, Options())


def test_a_page_painted_by_a_long_program_is_refused(tmp_path: Path) -> None:
    """A function-based shading whose PostScript function runs 2,000 operations for each of
    the page's 8.7 million pixels held PDFium 63 s, from a 1 KB file (helper-79); a colour's
    tint transform has a few dozen. The shading is not drawn here: the file is refused at
    triage, and one of an ordinary length is not."""

    def shading(operations: int) -> Callable[[pikepdf.Pdf, pikepdf.Dictionary], None]:
        def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
            program = b"{ " + b"dup pop " * (operations // 2) + b"pop }"
            function = pdf.make_indirect(pikepdf.Stream(pdf, program))
            function.FunctionType, function.Domain, function.Range = 4, [0, 1, 0, 1], [0, 1]
            resources.Shading = pikepdf.Dictionary(Fill=pdf.make_indirect(pikepdf.Dictionary(
                ShadingType=1, ColorSpace=Name.DeviceGray, Domain=[0, 1, 0, 1],
                Matrix=[595, 0, 0, 842, 0, 0], Function=function,
            )))  # fmt: skip

        return prepare

    content = TEXT + " q 0 0 595 842 re W n /Fill sh Q"
    costly = helvetica_page(tmp_path / "costly.pdf", content, shading(2_000))
    with pytest.raises(InputTooLargeError, match="2,003 operations"):
        triage_file(costly, Options())
    plain = helvetica_page(tmp_path / "plain.pdf", content, shading(20))
    assert triage_file(plain, Options()).tasks[0].born_digital


def test_a_name_where_a_number_belongs_is_refused_in_words(tmp_path: Path) -> None:
    """A page turned by `/Rotate /Foo`: refused as damaged, in words a person reads, not
    Python's ("unsupported operand type(s) for %: 'PSLiteral' and 'int'", helper-79)."""
    path = helvetica_page(tmp_path / "rotate.pdf", TEXT)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj.Rotate = Name("/Foo")
        pdf.save(path)
    with pytest.raises(CorruptInputError) as refused:
        triage_file(path, Options())
    assert "wrong kind" in refused.value.message and "PSLiteral" not in refused.value.message


def _tiled(step: float) -> Callable[[pikepdf.Pdf, pikepdf.Dictionary], None]:
    """A tiling pattern of one square per `step` × `step` points, filling the page."""

    def prepare(pdf: pikepdf.Pdf, resources: pikepdf.Dictionary) -> None:
        cell = pikepdf.Stream(pdf, b"0 0 0.5 0.5 re f")
        cell.Type, cell.PatternType, cell.PaintType, cell.TilingType = Name.Pattern, 1, 1, 1
        cell.BBox, cell.XStep, cell.YStep = [0, 0, 1, 1], step, step
        cell.Resources = pikepdf.Dictionary()
        resources.Pattern = pikepdf.Dictionary(Tiles=pdf.make_indirect(cell))

    return prepare


def test_a_page_too_costly_to_draw_is_refused_not_drawn_for_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pattern of tiles 0.01 point apart (a 700-byte page: 5 billion tiles) kept PDFium
    drawing for hours in a page process every province shares; no operation count sees it.
    The page is drawn in a child under a deadline, and refused in words once it passes."""
    monkeypatch.setattr(drawing, "DRAWING_SECONDS", 3.0)
    fill = TEXT + " /Pattern cs /Tiles scn 0 0 595 842 re f"
    costly = helvetica_page(tmp_path / "tiles.pdf", fill, _tiled(0.01))
    with pytest.raises(PageFailedError, match="page 1: it could not be drawn in 3 seconds") as e:
        digitize([costly], Options(jobs=1))
    assert e.value.code == InputTooLargeError.code
    hatched = helvetica_page(tmp_path / "hatched.pdf", fill, _tiled(4))  # a common hatching
    (page,) = digitize([hatched], Options(jobs=1)).pages
    assert page.text.splitlines()[:2] == LINES[:2]


def _stamped_with(path: Path, appearance: str) -> Path:
    """The test page with a stamp annotation whose appearance is `appearance`."""
    helvetica_page(path, TEXT)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        look = pikepdf.Stream(pdf, zlib.compress(appearance.encode()))
        look.Filter, look.Type, look.Subtype = Name.FlateDecode, Name.XObject, Name.Form
        look.BBox = [0, 0, 595, 842]
        stamp = pikepdf.Dictionary(
            Type=Name.Annot, Subtype=Name.Stamp, Rect=[0, 0, 595, 842], F=4,
            AP=pikepdf.Dictionary(N=look),
        )  # fmt: skip
        page.obj.Annots = pikepdf.Array([pdf.make_indirect(stamp)])
        pdf.save(path)
    return path


def test_a_stamp_too_costly_to_analyse_makes_its_page_drawn_only(tmp_path: Path) -> None:
    """Annotations are flattened into the page the page step reads, so their appearances are
    its content: a 17 KB stamp of 600,000 strokes held the page step 39 s and 2 GB in
    pdfplumber, its page counted as a few operations (helper-80)."""
    heavy = _stamped_with(tmp_path / "heavy.pdf", strokes(35_000, 3))  # 105,000 operations
    task = triage_file(heavy, Options()).tasks[0]
    assert task.drawn_only and NOTE in task.notes
    light = _stamped_with(tmp_path / "light.pdf", strokes(300, 3))
    assert not triage_file(light, Options()).tasks[0].drawn_only


DRAW_FOREVER = """
import sys
import time
from pathlib import Path
from hoso.digitize.drawing import PageToDraw, drawn_page
if __name__ == "__main__":
    print("drawing", flush=True)
    drawn_page(PageToDraw(Path(sys.argv[1]), 0, 300.0, 1.0, 100_000_000, False))
"""


def test_a_caller_killed_mid_drawing_leaves_no_pixels_behind(tmp_path: Path) -> None:
    """The drawn pixels come back through a file with no name: a named one outlived a caller
    killed mid-drawing (a failed document's page processes are ended at once), and up to
    290 MB of a page's pixels, personal data, stayed in the temp folder (helper-80)."""
    fill = TEXT + " /Pattern cs /Tiles scn 0 0 595 842 re f"
    costly = helvetica_page(tmp_path / "tiles.pdf", fill, _tiled(0.01))
    script, scratch = tmp_path / "draw.py", tmp_path / "tmp"
    script.write_text(DRAW_FOREVER, encoding="utf-8")
    scratch.mkdir()
    caller = subprocess.Popen(
        [sys.executable, str(script), str(costly)], cwd=REPO, stdout=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(scratch)}, text=True,
    )  # fmt: skip
    try:
        assert caller.stdout is not None and caller.stdout.readline() == "drawing\n"
        time.sleep(3)  # the child is drawing
    finally:
        caller.kill()
        caller.wait(10)
    left = [p.name for p in scratch.iterdir() if not p.name.startswith("pymp-")]
    assert left == []  # multiprocessing's own folders hold its fork server's socket only


def test_a_stamp_costly_to_read_makes_its_page_drawn_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stamp's appearance of a few operations can still cost a reader: a dash array of 8
    million numbers in 32 KB held the page step's pdfplumber 16 s and 1.2 GB, outside any
    deadline (helper-81). Triage reads the page as the page step will, its annotations
    flattened, within the page's analysis time, and past it the page is drawn only."""
    monkeypatch.setattr(triage, "PAGE_ANALYSIS_SECONDS", 1.0)
    dashes = "[" + " 1" * 2_000_000 + "] 0 d 1 w 10 10 m 500 800 l S"
    costly = _stamped_with(tmp_path / "dashed.pdf", dashes)
    task = triage_file(costly, Options()).tasks[0]
    assert task.drawn_only and ANALYSIS_TOO_SLOW.format(seconds="1") in task.notes
    plain = _stamped_with(tmp_path / "plain.pdf", "[3 2] 0 d 1 w 10 10 m 500 800 l S")
    task = triage_file(plain, Options()).tasks[0]
    assert task.born_digital and not task.drawn_only


def _nested_groups(path: Path, depth: int) -> Path:
    """A page whose content is `depth` nested transparency groups, the innermost filling the
    page at half opacity with a black band and a heading: each group needs a page of its own
    while it is drawn."""
    pdf = pikepdf.new()
    helv = pdf.make_indirect(
        pikepdf.Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    half = pikepdf.Dictionary(H=pikepdf.Dictionary(ca=0.5, CA=0.5))
    content = b"/H gs 0 0 1 rg 0 0 595 842 re f 0 g 0 400 595 80 re f"
    form = pikepdf.Stream(pdf, content + b" BT /F 30 Tf 60 600 Td (NESTED GROUPS) Tj ET")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, 595, 842]
    form.Group = pikepdf.Dictionary(S=Name.Transparency, I=True, K=False)
    form.Resources = pikepdf.Dictionary(ExtGState=half, Font=pikepdf.Dictionary(F=helv))
    for _ in range(depth - 1):
        outer = pikepdf.Stream(pdf, b"/X Do")
        outer.Type, outer.Subtype, outer.BBox = Name.XObject, Name.Form, [0, 0, 595, 842]
        outer.Group = pikepdf.Dictionary(S=Name.Transparency, I=True)
        outer.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(X=form), ExtGState=half)
        form = outer
    page = pikepdf.Dictionary(
        Type=Name.Page, MediaBox=[0, 0, 595, 842], Contents=pikepdf.Stream(pdf, b"/X Do"),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(X=form)),
        Group=pikepdf.Dictionary(S=Name.Transparency, CS=Name.DeviceRGB),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def test_a_page_past_the_drawings_memory_is_drawn_smaller_not_blank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PDFium leaves out what it finds no memory for, without a word: an A0 page of six
    nested transparency groups at the pixel limit came out white under the drawing child's
    limit and was archived blank (helper-81). A page drawn white that has something to draw
    is drawn again at half the resolution, a quarter of the memory. Here an A4 page under a
    limit it passes at 150 dpi but not at 300."""
    monkeypatch.setattr(drawing, "DRAWING_MEMORY", 150 * 1024**2)
    path = _nested_groups(tmp_path / "groups.pdf", 6)
    image, dpi = drawing.drawn_page(drawing.PageToDraw(path, 0, 300.0, 1.0, 100_000_000, False))
    dark = sum(image.convert("L").point(lambda v: 255 if v < 100 else 0).histogram()[255:])
    assert dpi == 150 and dark > 0.05 * image.width * image.height
