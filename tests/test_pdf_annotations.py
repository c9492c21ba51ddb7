"""What a PDF page shows over its content (issue 16, found by a reviewing helper with PDFs it
made): a form's filled values and a visible signature are widget annotations, drawn by a
viewer but neither by PDFium without a form environment nor by a text extractor; a signed
e-copy lost its seal and "Ký bởi…" and a filled form its values, with no word said. And a
copier's compact PDF (MRC) lays a sharp 1-bit text layer over a coarse colour background: the
page is drawn at the text's resolution, not the background's."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from hoso.digitize import flatten, rasterize
from hoso.digitize.encode import page_pixels
from hoso.digitize.models import Options, PageResult, TextSource
from hoso.digitize.page_warnings import ANNOTATIONS_NOT_DRAWN, BELOW_MINIMUM
from hoso.digitize.pipeline import digitize
from hoso.storage.textfold import fold
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page

A4 = (595.0, 842.0)
Name = pikepdf.Name


def _helvetica(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=Name.Font,
            Subtype=Name.Type1,
            BaseFont=Name.Helvetica,
            Encoding=Name.WinAnsiEncoding,
        )
    )


def _page(pdf: pikepdf.Pdf, content: str, resources: pikepdf.Dictionary) -> pikepdf.Page:
    page = pikepdf.Dictionary(
        Type=Name.Page,
        MediaBox=pikepdf.Array([0, 0, *A4]),
        Resources=resources,
        Contents=pikepdf.Stream(pdf, content.encode()),
    )
    pdf.pages.append(pikepdf.Page(page))
    return pdf.pages[-1]


def _widget(
    pdf: pikepdf.Pdf,
    page: pikepdf.Page,
    rect: tuple[float, float, float, float],
    value: str,
    appearance: str | None,
    font: pikepdf.Object,
    field_type: pikepdf.Name = Name.Tx,
) -> None:
    """A form field on `page` holding `value`, drawn by `appearance` (content operators in the
    field's box) or, without one, left for the viewer to draw (NeedAppearances)."""
    widget = pikepdf.Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=field_type,
        T=pikepdf.String(f"f{len(pdf.objects)}"), V=pikepdf.String(value),
        Rect=pikepdf.Array(list(rect)), F=4,
        DA=pikepdf.String("/Helv 14 Tf 0 g"),
    )  # fmt: skip
    if appearance is not None:
        widget.AP = pikepdf.Dictionary(
            N=pikepdf.Stream(
                pdf, appearance.encode(), Type=Name.XObject, Subtype=Name.Form,
                BBox=pikepdf.Array([0, 0, rect[2] - rect[0], rect[3] - rect[1]]),
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
            )
        )  # fmt: skip
    widget = pdf.make_indirect(widget)
    widget.P = page.obj
    page.obj.Annots = pikepdf.Array([*page.obj.get("/Annots", pikepdf.Array()), widget])
    form = pdf.Root.get("/AcroForm")
    if form is None:
        form = pdf.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array(), DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
            DA=pikepdf.String("/Helv 14 Tf 0 g"),
        )  # fmt: skip
    form.Fields.append(widget)
    if appearance is None:
        form.NeedAppearances = True


def _text_value(value: str) -> str:
    return f"BT /Helv 14 Tf 4 6 Td ({value}) Tj ET"


def _typed_form(path: Path, value: str, with_appearance: bool) -> Path:
    """A form typed in a word processor (a text layer) with its name filled in a form field."""
    pdf = pikepdf.new()
    font = _helvetica(pdf)
    lines = ["DON DE NGHI CAP BAN SAO", "Kinh gui: Uy ban nhan dan xa Hoa Binh", "Ho va ten:"]
    content = "BT /Helv 14 Tf " + " ".join(
        f"1 0 0 1 60 {760 - 30 * n} Tm ({line}) Tj" for n, line in enumerate(lines)
    )
    page = _page(pdf, content + " ET", pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)))
    appearance = _text_value(value) if with_appearance else None
    _widget(pdf, page, (140, 694, 420, 716), value, appearance, font)
    pdf.save(path)
    return path


def _scan(pdf: pikepdf.Pdf, seed: int) -> tuple[pikepdf.Stream, str]:
    scan = render_page(PageSpec(seed=seed, dpi=200, body_lines=3))
    grey = np.asarray(scan.image.convert("L"), np.uint8)
    image = pikepdf.Stream(pdf, zlib.compress(grey.tobytes()))
    image.Type, image.Subtype, image.Filter = Name.XObject, Name.Image, Name.FlateDecode
    image.Width, image.Height = grey.shape[1], grey.shape[0]
    image.ColorSpace, image.BitsPerComponent = Name.DeviceGray, 8
    return image, scan.text


def _read(path: Path) -> tuple[PageResult, dict[str, str]]:
    document = digitize([path], Options(jobs=1))
    assert document.fields is not None
    return document.pages[0], {k: v.value for k, v in document.fields.fields.items()}


def test_a_filled_field_of_a_typed_form_is_in_its_text_and_fields(tmp_path: Path) -> None:
    page, fields = _read(_typed_form(tmp_path / "form.pdf", "Tran Van An", True))
    assert page.text_source == TextSource.BORN_DIGITAL
    assert "Ho va ten: Tran Van An" in page.text
    assert fold(fields["full_name"]) == "tran van an"  # the family name regains its marks


@pytest.mark.slow
def test_a_field_filled_without_appearance_is_drawn_and_read(tmp_path: Path) -> None:
    """Its text layer lacks the value: the page as PDFium's form filler draws it is read."""
    page, _ = _read(_typed_form(tmp_path / "form.pdf", "0905123456", False))
    assert page.text_source == TextSource.OCR
    assert "0905123456" in page.text.replace(" ", "")
    assert "Kinh gui" in page.text


@pytest.mark.slow
def test_a_signature_and_values_over_a_scan_are_on_the_archived_page(tmp_path: Path) -> None:
    """A scanned page filled in a viewer and signed with a visible seal over its heading (where
    Vietnamese e-documents stamp "Ký bởi…"): the scan is not lifted alone; the page is archived
    as shown, seal included, and read as printed, the field's value included and the seal
    left out (read through it, the heading was lost)."""
    pdf = pikepdf.new()
    font = _helvetica(pdf)
    image, printed = _scan(pdf, 9101)
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Scan=image))
    page = _page(pdf, f"q {A4[0]} 0 0 {A4[1]} 0 0 cm /Scan Do Q", resources)
    number = "SO HO SO 000.48.H17"
    _widget(pdf, page, (60, 40, 300, 64), number, _text_value(number), font)
    seal = (  # a filled disc, as a seal is drawn
        "0 g 60 0 m 95 0 120 25 120 60 c 120 95 95 120 60 120 c"
        " 25 120 0 95 0 60 c 0 25 25 0 60 0 c f"
    )
    _widget(pdf, page, (200, 690, 320, 810), "", seal, font, field_type=Name.Sig)
    pdf.save(tmp_path / "signed.pdf")

    result, _ = _read(tmp_path / "signed.pdf")
    assert "000.48.H17" in result.text
    assert cer(printed, result.text.replace(number, "").strip()) < 0.02
    archived = page_pixels(result)
    scale = archived.shape[1] / A4[0]
    middle_x, middle_y = round(260 * scale), round((A4[1] - 750) * scale)
    assert archived[middle_y - 5 : middle_y + 5, middle_x - 5 : middle_x + 5].max() < 100


@pytest.mark.slow
def test_a_compact_pdf_is_drawn_at_its_text_layers_resolution(tmp_path: Path) -> None:
    """MRC: a 100-dpi colour background and the text as a 300-dpi 1-bit mask over it, both
    covering the page. Drawn at the background's 100 dpi, the page was archived at 150 (the
    floor) and flagged under the legal 200 dpi."""
    pdf = pikepdf.new()
    scan = render_page(PageSpec(seed=9102, dpi=300, body_lines=3))
    ink = np.asarray(scan.image.convert("L"), np.uint8) < 128
    mask = pikepdf.Stream(pdf, zlib.compress(np.packbits(ink, axis=1).tobytes()))
    mask.Type, mask.Subtype, mask.Filter = Name.XObject, Name.Image, Name.FlateDecode
    mask.Width, mask.Height, mask.ImageMask = ink.shape[1], ink.shape[0], True
    mask.Decode = pikepdf.Array([1, 0])  # a set bit is ink
    cream = Image.new("RGB", (ink.shape[1] // 3, ink.shape[0] // 3), (246, 240, 222))
    background = pikepdf.Stream(pdf, zlib.compress(cream.tobytes()))
    background.Type, background.Subtype = Name.XObject, Name.Image
    background.Filter, background.ColorSpace = Name.FlateDecode, Name.DeviceRGB
    background.Width, background.Height, background.BitsPerComponent = *cream.size, 8
    size = f"{A4[0]} 0 0 {A4[1]} 0 0 cm"
    content = f"q {size} /Bg Do Q q 0 g {size} /Text Do Q"
    resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Bg=background, Text=mask))
    _page(pdf, content, resources)
    pdf.save(tmp_path / "compact.pdf")

    page, _ = _read(tmp_path / "compact.pdf")
    assert page.dpi >= 290
    assert not any(w.startswith(BELOW_MINIMUM.split("{")[0]) for w in page.warnings)
    assert cer(scan.text, page.text) < 0.02


def _scan_page_pdf(path: Path, box: tuple[float, float, float, float], text: str) -> Path:
    """A scan laid in `box` (x, y, width, height in points) with text operators `text` over
    the page (Helvetica as /Helv)."""
    pdf = pikepdf.new()
    font = _helvetica(pdf)
    image, _ = _scan(pdf, 9103)
    x, y, width, height = box
    resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Scan=image), Font=pikepdf.Dictionary(Helv=font)
    )
    _page(pdf, f"q {width} 0 0 {height} {x} {y} cm /Scan Do Q {text}", resources)
    pdf.save(path)
    return path


@pytest.mark.parametrize(
    "text",
    [
        # a scanner's own OCR layer, invisible, its marks lost
        "BT 3 Tr /Helv 12 Tf 60 760 Td (CONG HOA XA HOI CHU NGHIA VIET NAM Doc lap Tu do) Tj ET",
        # a capture line under the scan, visible
        "BT /Helv 8 Tf 40 20 Td (Trang 1/1 - Quet ngay 12/05/2025 - may quet 3) Tj ET",
    ],
)
def test_a_scan_laid_smaller_on_its_page_is_read_not_its_text_layer(
    tmp_path: Path, text: str
) -> None:
    page, _ = _read(_scan_page_pdf(tmp_path / "scan.pdf", (30, 40, 535, 780), text))
    assert page.text_source == TextSource.OCR
    assert "Độc lập" in page.text


def test_a_scans_typed_lines_beside_it_are_taken_as_typed(tmp_path: Path) -> None:
    """A portal's dossier code typed above a scan: the page is a scan and is read by OCR, but
    the typed line was read too, and misread ("000.00 48.H17-…": a helper's file). It is taken
    as typed (in 6 pt, OCR read "Thi" as "Thị"), once, before the scan's lines, and the
    scan's own text is still read."""
    code = "000.00.48.H17-250301-0042"
    typed = f"BT /Helv 6 Tf 40 805 Td (So ho so: {code} - Nguoi nop: Tran Thi Hong) Tj ET"
    page, _ = _read(_scan_page_pdf(tmp_path / "scan.pdf", (30, 40, 535, 740), typed))
    assert page.text_source == TextSource.OCR
    lines = page.text.splitlines()
    assert lines[0] == f"So ho so: {code} - Nguoi nop: Tran Thi Hong"
    assert page.text.count(code) == 1 and "Độc lập" in page.text


def test_typed_text_over_a_large_picture_is_still_born_digital(tmp_path: Path) -> None:
    """A certificate typed over a picture: its typed text is the page's, and what the picture
    shows is read too (it was taken for a background and left out: an attacking helper's
    certified copy lost its whole scan), the typed line once."""
    typed = "BT /Helv 14 Tf 80 700 Td (GIAY CHUNG NHAN - Cap cho ong Tran Van An) Tj ET"
    page, _ = _read(_scan_page_pdf(tmp_path / "typed.pdf", (30, 40, 535, 780), typed))
    assert page.text_source == TextSource.BORN_DIGITAL
    assert page.pictures_read == 1 and "Độc lập" in page.text
    assert page.text.count("Tran Van An") == 1


def test_annotations_that_cannot_be_drawn_leave_the_page_drawn_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """qpdf tolerates most damage; where flattening fails all the same, the page is drawn and
    read without its annotations, with a warning, rather than failing as unreadable."""

    def fails(*_: object, **__: object) -> bytes:
        raise pikepdf.PdfError("damaged appearance stream")

    monkeypatch.setattr(flatten, "_page_alone", fails)
    page, _ = _read(_typed_form(tmp_path / "form.pdf", "Tran Van An", True))
    assert page.warnings == [ANNOTATIONS_NOT_DRAWN]
    assert "Ho va ten:" in page.text and "Tran Van An" not in page.text


@pytest.mark.filterwarnings("ignore:This document has 3 form widget")
def test_each_page_of_a_long_form_shows_its_own_field(tmp_path: Path) -> None:
    """Each page is flattened alone (a copy holding that page only), and read in its place;
    pages copied so leave their widgets out of /AcroForm, as page-merging tools do: a viewer
    still shows them, and so does hoso."""
    names = ["Tran Van An", "Le Thi Hoa", "Pham Duc Minh"]
    pdf = pikepdf.new()
    for number, name in enumerate(names):
        with pikepdf.open(_typed_form(tmp_path / f"form-{number}.pdf", name, True)) as one:
            pdf.pages.append(one.pages[0])
    pdf.save(tmp_path / "forms.pdf")
    pages = digitize([tmp_path / "forms.pdf"], Options(jobs=1)).pages
    assert len(pages) == len(names)
    for page, name in zip(pages, names, strict=True):
        assert f"Ho va ten: {name}" in page.text


def test_a_page_of_many_small_images_parses_its_content_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile page of 5000 tiny images held a worker 7.5 minutes: the resolution of every
    image was found by parsing the whole page content again (a helper's file). Parsed once,
    the same page is read in seconds."""
    pdf = pikepdf.new()
    tiles: dict[str, pikepdf.Stream] = {}
    draws = []
    for row in range(20):
        for column in range(15):
            tile = pikepdf.Stream(pdf, zlib.compress(bytes([row * 12]) * 16))
            tile.Type, tile.Subtype, tile.Filter = Name.XObject, Name.Image, Name.FlateDecode
            tile.ColorSpace, tile.BitsPerComponent, tile.Width, tile.Height = (
                Name.DeviceGray,
                8,
                4,
                4,
            )
            name = f"T{row}x{column}"
            tiles[f"/{name}"] = tile
            draws.append(f"q 39 0 0 42 {column * 39.6} {row * 42} cm /{name} Do Q")
    _page(pdf, " ".join(draws), pikepdf.Dictionary(XObject=pikepdf.Dictionary(tiles)))
    pdf.save(tmp_path / "tiles.pdf")
    parsed: list[int] = []
    parse = rasterize._draws

    def counted(*args: Any) -> Any:
        parsed.append(1)
        return parse(*args)

    monkeypatch.setattr(rasterize, "_draws", counted)
    (page,) = digitize([tmp_path / "tiles.pdf"], Options(jobs=1)).pages
    assert page.number == 1 and len(parsed) <= 2


def _stamped(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """A received-stamp annotation in the page's top right corner."""
    appearance = pikepdf.Stream(
        pdf, b"0.8 0 0 RG 2 w 2 2 116 36 re S", Type=Name.XObject, Subtype=Name.Form,
        BBox=pikepdf.Array([0, 0, 120, 40]),
    )  # fmt: skip
    stamp = pikepdf.Dictionary(
        Type=Name.Annot, Subtype=Name.Stamp, Rect=pikepdf.Array([440, 770, 560, 810]),
        F=4, AP=pikepdf.Dictionary(N=appearance), P=page.obj,
    )  # fmt: skip
    page.obj.Annots = pikepdf.Array(
        [*page.obj.get("/Annots", pikepdf.Array()), pdf.make_indirect(stamp)]
    )


def _form_dated_on_every_page(path: Path, pages: int) -> Path:
    """A form whose one "date" field has a widget on each page, filled without appearances
    (NeedAppearances), each page linking to the first and carrying a stamp."""
    pdf = pikepdf.new()
    font = _helvetica(pdf)
    date = pdf.make_indirect(
        pikepdf.Dictionary(FT=Name.Tx, T=pikepdf.String("date"), V=pikepdf.String("12/05/2025"),
                           DA=pikepdf.String("/Helv 14 Tf 0 g"), Kids=pikepdf.Array())
    )  # fmt: skip
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font))
    for number in range(pages):
        body = f"BT /Helv 14 Tf 60 760 Td (Trang {number + 1}: ngay lap) Tj ET"
        page = _page(pdf, body, resources)
        widget = pdf.make_indirect(
            pikepdf.Dictionary(Type=Name.Annot, Subtype=Name.Widget, F=4, Parent=date,
                               Rect=pikepdf.Array([240, 752, 400, 776]), P=page.obj)
        )  # fmt: skip
        link = pdf.make_indirect(
            pikepdf.Dictionary(Type=Name.Annot, Subtype=Name.Link,
                               Rect=pikepdf.Array([60, 60, 200, 80]),
                               Dest=pikepdf.Array([pdf.pages[0].obj, Name.Fit]))
        )  # fmt: skip
        page.obj.Annots = pikepdf.Array([widget, link])
        _stamped(pdf, page)
        date.Kids.append(widget)
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array([date]), NeedAppearances=True,
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font)),
    )  # fmt: skip
    pdf.save(path)
    return path


def test_a_page_is_prepared_alone_whatever_the_files_length(tmp_path: Path) -> None:
    """Each annotated page is drawn from a copy holding it alone. The copy was made by deleting
    every other page of the whole document, 0.5 s a page of a 3,000-page file stamped on every
    page (a helper's file: half an hour of page work), and a field with a widget on each page
    brought all of them back into every copy. The copy now holds what its page holds."""
    short = _form_dated_on_every_page(tmp_path / "short.pdf", 3)
    long = _form_dated_on_every_page(tmp_path / "long.pdf", 120)
    copies = [flatten.prepared_copy(long, index) for index in (0, 77, 119)]
    alone = flatten.prepared_copy(short, 1)
    assert alone is not None and alone.fields_to_draw
    for copy in copies:
        assert copy is not None and copy.fields_to_draw
        with pikepdf.open(io.BytesIO(copy.shown)) as drawn:
            assert len(drawn.pages) == 1
        assert len(copy.shown) < 1.5 * len(alone.shown)
    assert copies[1] is not None
    with pikepdf.open(io.BytesIO(copies[1].shown)) as drawn:
        drawn.pages[0].contents_coalesce()
        assert b"(Trang 78: ngay lap)" in drawn.pages[0].Contents.read_bytes()


@pytest.mark.filterwarnings("ignore:.*form widget")
def test_a_field_with_a_widget_on_every_page_is_drawn_on_each(tmp_path: Path) -> None:
    pages = digitize([_form_dated_on_every_page(tmp_path / "dated.pdf", 3)], Options(jobs=1))
    for number, page in enumerate(pages.pages, start=1):
        assert f"Trang {number}: ngay lap 12/05/2025" in page.text


def test_a_stamped_page_keeps_its_layers_that_are_off_unseen(tmp_path: Path) -> None:
    """Drawn from its copy, a stamped page still hides the layer its document switched off:
    the copy carries the document's optional content (an ID number in an off layer)."""
    pdf = pikepdf.new()
    font = _helvetica(pdf)
    layer = pdf.make_indirect(pikepdf.Dictionary(Type=Name.OCG, Name=pikepdf.String("Note")))
    pdf.Root.OCProperties = pikepdf.Dictionary(
        OCGs=pikepdf.Array([layer]), D=pikepdf.Dictionary(OFF=pikepdf.Array([layer]))
    )
    resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(Helv=font), Properties=pikepdf.Dictionary(L0=layer)
    )
    shown = "BT /Helv 14 Tf 60 760 Td (DON DE NGHI CAP BAN SAO) Tj ET"
    hidden = "/OC /L0 BDC BT /Helv 14 Tf 60 700 Td (So dinh danh: 079187001234) Tj ET EMC"
    _stamped(pdf, _page(pdf, f"{shown} {hidden}", resources))
    pdf.save(tmp_path / "layered.pdf")
    (page,) = digitize([tmp_path / "layered.pdf"], Options(jobs=1)).pages
    assert "DON DE NGHI CAP BAN SAO" in page.text
    assert "079187001234" not in page.text


def _text_form_with_field(
    path: Path, parent: Callable[[pikepdf.Pdf, pikepdf.Page], Any], value: str | None = None
) -> Path:
    """The typed form, with one widget (no appearance) whose field is what `parent` makes;
    with `value`, the widget is a text field of its own holding it."""
    pdf = pikepdf.open(_typed_form(path.with_suffix(".base.pdf"), "Tran Van An", True))
    page = pdf.pages[0]
    widget = pdf.make_indirect(
        pikepdf.Dictionary(Type=Name.Annot, Subtype=Name.Widget, F=4, P=page.obj,
                           Rect=pikepdf.Array([140, 600, 420, 620]))
    )  # fmt: skip
    widget.Parent = parent(pdf, page)
    if value is not None:
        widget.FT, widget.V = Name.Tx, pikepdf.String(value)
    page.obj.Annots = pikepdf.Array([*page.obj.Annots, widget])
    pdf.save(path)
    return path


def test_an_empty_field_leaves_a_typed_page_its_text_layer(tmp_path: Path) -> None:
    """A field with nothing in it and no appearance draws nothing: the page keeps its own text
    layer. Counted as a field to draw (its type is its parent's), it sent the page to OCR,
    which misread numbers a text layer has exactly (helper-80)."""

    def empty_field(pdf: pikepdf.Pdf, _page: pikepdf.Page) -> pikepdf.Object:
        return pdf.make_indirect(pikepdf.Dictionary(FT=Name.Tx, T=pikepdf.String("note")))

    page, _ = _read(_text_form_with_field(tmp_path / "empty.pdf", empty_field))
    assert page.text_source == TextSource.BORN_DIGITAL
    assert "Ho va ten: Tran Van An" in page.text


def test_a_widget_whose_field_is_a_page_is_drawn_as_before(tmp_path: Path) -> None:
    """A damaged form whose widget names a page as its field: the field tree stops at the
    page. Cut down as a field, the page was given the widget as a kid, and its copy read as a
    page tree that PDFium could not load (corrupt_input; helper-80)."""
    damaged = _text_form_with_field(tmp_path / "damaged.pdf", lambda _pdf, p: p.obj, "0912")
    page, _ = _read(damaged)  # read by OCR: the field is drawn by PDFium's form filler
    assert "Tran Van An" in page.text


def test_a_widgets_fields_are_followed_only_as_deep_as_a_viewer_does(tmp_path: Path) -> None:
    """A chain of 3,000 fields above each of thousands of widgets was walked whole for each
    one: a 77 KB file's copy took 37 s (helper-80). Viewers follow 32 levels."""
    pdf = pikepdf.new()
    top = pdf.make_indirect(pikepdf.Dictionary(FT=Name.Tx, T=pikepdf.String("f0")))
    field = top
    for depth in range(1, 3000):
        field = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String(f"f{depth}"), Parent=field))
    widget = pikepdf.Dictionary(Type=Name.Annot, Subtype=Name.Widget, Parent=field)
    chain = flatten._field_chain(widget)
    assert len(chain) == flatten.MAX_FIELD_DEPTH and chain[1].T == "f2999"
