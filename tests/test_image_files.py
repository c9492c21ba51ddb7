"""Image files in the less common ways scanners, phones and archive tools write them (issue 16,
found by a reviewing helper): BigTIFF, a phone's multi-picture JPEG (MPO), arithmetic-coded
JPEG, and a multi-page TIFF cut short, which must fail with words a person can act on."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps, PngImagePlugin, TiffImagePlugin

from hoso.digitize import resolution, triage
from hoso.digitize.errors import (
    CorruptInputError,
    InputTooLargeError,
    PageFailedError,
    UnsupportedInputError,
)
from hoso.digitize.models import DocumentResult, Options
from hoso.digitize.page_warnings import BLANK_PAGE, DAMAGED_IMAGE, NEGATIVE_PAGE, TOO_SMALL
from hoso.digitize.pdfa import write_pdfa
from hoso.digitize.pipeline import digitize, document_json
from hoso.digitize.triage import failure_detail
from hoso.errors import HosoError
from tests.metrics import cer
from tests.synthetic import PageSpec, find_font, render_page

DATA = Path(__file__).resolve().parent / "data" / "jpeg"
MAX_CER = 0.03


def _page(seed: int) -> tuple[Image.Image, str]:
    page = render_page(PageSpec(seed=seed, dpi=150, body_lines=3))
    return page.image.convert("L"), page.text


@pytest.mark.slow
def test_a_bigtiff_scan_is_read(tmp_path: Path) -> None:
    """BigTIFF ("II+"), which archives write for large scans, was refused as not a TIFF."""
    image, text = _page(4411)
    image.convert("1").save(tmp_path / "big.tif", big_tiff=True, dpi=(150, 150))
    assert (tmp_path / "big.tif").read_bytes()[:4] == b"II+\x00"
    (page,) = digitize([tmp_path / "big.tif"], Options(jobs=1)).pages
    assert cer(text, page.text) <= MAX_CER


@pytest.mark.slow
def test_a_phones_multi_picture_jpeg_is_one_page(tmp_path: Path) -> None:
    """An MPO carries the photo and a preview (or a second view): one page, the photo."""
    image, text = _page(4412)
    preview = image.resize((image.width // 4, image.height // 4))
    image.convert("RGB").save(
        tmp_path / "photo.jpg", format="MPO", save_all=True, append_images=[preview.convert("RGB")]
    )
    assert getattr(Image.open(tmp_path / "photo.jpg"), "n_frames", 1) == 2
    pages = digitize([tmp_path / "photo.jpg"], Options(jobs=1)).pages
    assert len(pages) == 1
    assert cer(text, pages[0].text) <= MAX_CER


@pytest.mark.slow
def test_an_arithmetic_coded_jpeg_is_read_and_archived_recoded() -> None:
    """Valid JPEG (T.81 allows arithmetic coding) that Pillow's libjpeg refused as "broken data
    stream": decoded by OpenCV, and archived in Huffman coding, which every PDF reader decodes."""
    source = DATA / "arithmetic.jpg"
    (page,) = digitize([source], Options(jobs=1)).pages
    assert cer((DATA / "arithmetic.txt").read_text(encoding="utf-8"), page.text) <= MAX_CER
    assert page.dpi == pytest.approx(150)
    assert page.image_codec == "jpeg" and page.image_bytes != source.read_bytes()


def test_a_tiff_page_with_a_header_entry_missing_says_so_in_words(tmp_path: Path) -> None:
    """A palette page without its colour map (tag 320): Pillow's complaint is the bare number
    "320", which meant nothing at a desk."""
    first, text = _page(4413)
    second = first.resize((first.width // 4, first.height // 4)).convert("P")
    first.save(tmp_path / "stack.tif", save_all=True, append_images=[second])
    data = (tmp_path / "stack.tif").read_bytes()
    colour_map = b"\x40\x01\x03\x00"  # tag 320, type SHORT, little-endian
    assert data.count(colour_map) == 1
    (tmp_path / "broken.tif").write_bytes(data.replace(colour_map, b"\xe8\xfd\x03\x00"))
    # the first page is read (it was refused with the rest); the damage is said on it
    (page,) = digitize([tmp_path / "broken.tif"], Options(jobs=1)).pages
    (said,) = [w for w in page.warnings if "damaged after this page" in w]
    assert "header" in said and "320" not in said
    assert cer(text, page.text) <= MAX_CER


def test_a_tiff_damaged_in_its_first_page_is_refused_in_words(tmp_path: Path) -> None:
    first, _ = _page(4418)
    first.convert("P").save(tmp_path / "one.tif")
    data = (tmp_path / "one.tif").read_bytes()
    colour_map = b"\x40\x01\x03\x00"
    (tmp_path / "broken.tif").write_bytes(data.replace(colour_map, b"\xe8\xfd\x03\x00"))
    with pytest.raises(CorruptInputError) as raised:
        digitize([tmp_path / "broken.tif"], Options(jobs=1))
    assert "damaged" in raised.value.message and "header" in raised.value.message
    assert str(tmp_path) not in raised.value.message  # no server path in words for people


@pytest.mark.slow
def test_a_standard_resolution_fax_is_squared_and_flagged(tmp_path: Path) -> None:
    """A fax's 204 × 98 dpi: 98 was outside the trusted range, so the page stayed squashed to
    half its height and read at CER 0.43. Squared, it reads; its rows' 98 dpi is flagged."""
    page = render_page(PageSpec(seed=4414, dpi=204, body_lines=3))
    rows = round(page.image.height * 98 / 204)
    squashed = page.image.convert("L").resize((page.image.width, rows))
    squashed.convert("1").save(tmp_path / "fax.tif", compression="group3", dpi=(204, 98))
    (read,) = digitize([tmp_path / "fax.tif"], Options(jobs=1)).pages
    assert read.height_px == pytest.approx(page.image.height, rel=0.03)
    assert cer(page.text, read.text) <= 0.05
    assert any("204 × 98 dpi" in warning for warning in read.warnings)


def _tiny_label(path: Path) -> Path:
    """A 100 × 100 px snippet with a few letters on it: too little for Tesseract to read."""
    image = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(image).text(
        (18, 35), "Số 5", fill=0, font=ImageFont.truetype(find_font("sans"), 22)
    )
    image.save(path)
    return path


def test_a_page_with_marks_but_no_text_read_says_so_in_its_json(tmp_path: Path) -> None:
    """Before, an empty text came back with no warning at all: nothing may be skipped silently.
    Each page's warnings are also in its own JSON entry, not only in the document's list."""
    document = digitize([_tiny_label(tmp_path / "tiny.png")], Options(jobs=1))
    (page,) = document_json(document)["pages"]
    assert page["text"] == ""
    assert any("no text could be read" in warning for warning in page["warnings"])
    assert [f"page 1: {warning}" for warning in page["warnings"]] == document.warnings


@pytest.mark.parametrize("paper", [255, 0])  # white, and all black (made positive: white)
def test_a_blank_page_says_so_without_doubts(tmp_path: Path, paper: int) -> None:
    """No doubt about its reading (way up, skew, confidence): only that nothing is on it, so a
    desk can leave a blank back out or see that a paper went in the wrong way round."""
    Image.new("L", (1654, 2339), paper).save(tmp_path / "blank.png", dpi=(200, 200))
    document = digitize([tmp_path / "blank.png"], Options(jobs=1))
    (page,) = document_json(document)["pages"]
    assert page["text"] == "" and page["warnings"] == [BLANK_PAGE]
    assert document.warnings == [f"page 1: {BLANK_PAGE}"]


# a strip of one pixel had failed the whole document with OpenCV's error (a reviewing helper's)
@pytest.mark.parametrize("size", [(1, 1), (2000, 12), (3000, 1), (1, 3000)])
@pytest.mark.parametrize("paper", [255, 0])
def test_an_image_too_small_to_hold_a_paper_says_so(
    tmp_path: Path, size: tuple[int, int], paper: int
) -> None:
    Image.new("L", size, paper).save(tmp_path / "dot.png")
    (page,) = document_json(digitize([tmp_path / "dot.png"], Options(jobs=1)))["pages"]
    assert page["warnings"] == [TOO_SMALL.format(width=size[0], height=size[1])]


def test_a_page_with_print_is_not_blank(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=3, dpi=200, body_lines=3))
    page.save(tmp_path / "page.png")
    (read,) = document_json(digitize([tmp_path / "page.png"], Options(jobs=1)))["pages"]
    assert read["text"] and read["warnings"] == []


def _receipt(path: Path, lines: int) -> tuple[Path, str]:
    """A till-roll receipt scanned at 200 dpi: 3 inches wide, as long as its lines, each line
    worded alike (so its letters also stand in columns)."""
    font = ImageFont.truetype(find_font("sans"), 25)
    text = [f"Dòng {n}: Phí dịch vụ công {n * 1000} đồng" for n in range(1, lines + 1)]
    image = Image.new("L", (600, 80 + 48 * lines), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(text):
        draw.text((40, 40 + 48 * row), line, fill=0, font=font)
    image.save(path, dpi=(200, 200))
    return path, "\n".join(text)


@pytest.mark.slow
def test_a_long_narrow_receipt_stays_upright(tmp_path: Path) -> None:
    """Shrunk by its long side for analysis, a receipt's letters were 4 px and its lines
    seemed to run down; read sideways, it came back confident and was archived at 90°."""
    path, text = _receipt(tmp_path / "receipt.png", 100)
    (page,) = digitize([path], Options(jobs=1)).pages
    assert page.rotation == 0
    assert (page.width_px, page.height_px) == Image.open(path).size
    read = Counter(page.text.split())
    found = sum(min(count, read[word]) for word, count in Counter(text.split()).items())
    assert found >= 0.97 * len(text.split())  # the words, in Tesseract's block order


@pytest.mark.slow
def test_a_lossless_jpeg_is_archived_in_a_coding_pdf_readers_decode() -> None:
    """A lossless (SOF3) JPEG was carried into the PDF as it was: qpdf rejected the PDF and
    Ghostscript drew the page blank. Only baseline and progressive JPEG go in unchanged."""
    source = DATA / "lossless.jpg"
    assert b"\xff\xc3" in source.read_bytes()[:64]  # its frame header: lossless, Huffman
    (page,) = digitize([source], Options(jobs=1)).pages
    assert page.image_codec == "jpeg" and b"\xff\xc3" not in page.image_bytes
    Image.open(io.BytesIO(page.image_bytes)).load()  # and Pillow's plain libjpeg reads it
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"),
        # a JPEG frame header (SOF1) of 12 bits a sample, 100 x 100, one component
        (b"\xff\xd8\xff\xc1\x00\x0b\x0c\x00\x64\x00\x64\x01\x01\x11\x00", "12-bit JPEG"),
    ],
)
def test_a_phone_or_archive_format_hoso_does_not_read_is_named(
    tmp_path: Path, head: bytes, named: str
) -> None:
    """They were "not a PDF, TIFF, JPEG or PNG file" (though WebP and GIF are read) or, for a
    12-bit JPEG, "damaged": now the format is named and the desk told what to send instead."""
    path = tmp_path / "photo.bin"
    path.write_bytes(head + bytes(512))
    with pytest.raises(UnsupportedInputError) as raised:
        digitize([path], Options(jobs=1))
    assert named in raised.value.message and "JPEG" in raised.value.message


def test_a_codecs_bare_error_number_becomes_words() -> None:
    detail = failure_detail(OSError("decoder error -2"))
    assert "-2" not in detail and "compression" in detail


def test_a_gif_of_several_pictures_says_only_the_first_was_read(tmp_path: Path) -> None:
    """A GIF's pictures are an animation's frames: the first is the page, and the page says
    the others were not read (before: silently dropped)."""
    first, _ = _page(4415)
    second = first.transpose(Image.Transpose.ROTATE_180)
    first.save(tmp_path / "two.gif", save_all=True, append_images=[second])
    (page,) = digitize([tmp_path / "two.gif"], Options(jobs=1)).pages
    assert any("holds 2 pictures" in warning for warning in page.warnings)


@pytest.mark.parametrize("kind", ["grey", "1-bit", "noisy jpeg", "turned"])
def test_a_negative_scan_is_read_and_archived_positive(tmp_path: Path, kind: str) -> None:
    """A scanner's negative mode or a microfilm print: light print on a dark page. It was read
    (Tesseract inverts) but archived as the negative, without a word. A dark scan's noise and
    JPEG blocks make thousands of specks; a page turned a quarter stands its lines up: neither
    may hide it (a reviewing helper's findings)."""
    image, text = _page(4431)
    negative = ImageOps.invert(image.rotate(2.0, expand=True, fillcolor=255))
    name = tmp_path / ("negative.jpg" if kind == "noisy jpeg" else "negative.png")
    if kind == "1-bit":
        negative = negative.convert("1")
    elif kind == "noisy jpeg":
        grain = np.random.default_rng(4431).normal(0, 8, (negative.height, negative.width))
        negative = Image.fromarray(np.clip(np.asarray(negative) + grain, 0, 255).astype(np.uint8))
    elif kind == "turned":
        negative = negative.transpose(Image.Transpose.ROTATE_90)
    if kind == "noisy jpeg":
        negative.save(name, dpi=(150, 150), quality=75)
    else:
        negative.save(name, dpi=(150, 150))
    result = digitize([name], Options(jobs=1))
    (page,) = result.pages
    assert cer(text, page.text) <= MAX_CER
    assert NEGATIVE_PAGE in page.warnings
    assert abs(page.skew_deg - 2.0) <= 0.3  # measured on the positive: straightened
    archived = _archived_grey(result)
    assert np.median(archived) > 200  # the archive shows dark print on light paper


def test_light_print_on_dark_colour_stock_keeps_its_colours(tmp_path: Path) -> None:
    """White print on dark blue (a slide handout, a certificate's cover) is a design, not a
    negative: its colours are archived as they are, without the negative's warning."""
    image, text = _page(4433)
    ink = np.asarray(image) < 128
    stock = np.empty((*ink.shape, 3), np.uint8)
    stock[:] = (20, 35, 110)
    stock[ink] = (250, 250, 250)
    Image.fromarray(stock).save(tmp_path / "slide.png", dpi=(150, 150))
    (page,) = digitize([tmp_path / "slide.png"], Options(jobs=1)).pages
    assert NEGATIVE_PAGE not in page.warnings
    assert cer(text, page.text) <= MAX_CER


def test_a_page_mostly_a_dark_picture_keeps_its_colours(tmp_path: Path) -> None:
    """Dark is not negative: a page whose lower part is a dark photo, its text on white above."""
    image, text = _page(4432)
    drawn = image.copy()
    ImageDraw.Draw(drawn).rectangle((0, image.height * 2 // 5, image.width, image.height), fill=40)
    drawn.save(tmp_path / "dark.png", dpi=(150, 150))
    result = digitize([tmp_path / "dark.png"], Options(jobs=1))
    (page,) = result.pages
    assert NEGATIVE_PAGE not in page.warnings
    assert text.splitlines()[0] in page.text  # the print above the picture, read as it is
    assert np.median(_archived_grey(result)) < 100


def _archived_grey(result: DocumentResult) -> np.ndarray:
    """The page's image as the archived PDF/A holds it, in grey."""
    pdf_bytes = io.BytesIO()
    write_pdfa(result, pdf_bytes, "page")
    with pikepdf.open(pdf_bytes) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        assert isinstance(image, pikepdf.Stream)
        return np.asarray(pikepdf.PdfImage(image).as_pil_image().convert("L"))


def test_a_png_of_100_dpi_is_taken_at_its_word(tmp_path: Path) -> None:
    """PNG stores whole pixels per metre: 100 dpi reads back as 99.9998, under the plausible
    range, and the page was estimated at 78 dpi (a reviewing helper's finding)."""
    image, _ = _page(4434)
    image.resize((image.width * 2 // 3, image.height * 2 // 3)).save(
        tmp_path / "page.png", dpi=(100, 100)
    )
    (page,) = digitize([tmp_path / "page.png"], Options(jobs=1)).pages
    assert (page.dpi, page.dpi_source) == (100.0, "metadata")


def test_a_tiff_of_more_pages_than_a_file_may_hold_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PDFs were held to the page limit, TIFFs were not: a reviewing helper's 3.6 MB G4 TIFF
    of 15,216 pages was planned whole, enough to hold every page process for hours. (The
    limit is lowered here so the file stays small; the walk stops at it.)"""
    monkeypatch.setattr(triage, "MAX_FILE_PAGES", 10)
    blank = Image.new("1", (64, 64), 1)
    blank.save(tmp_path / "many.tif", save_all=True, append_images=[blank] * 10)
    with pytest.raises(InputTooLargeError, match="more than 10 pages"):
        digitize([tmp_path / "many.tif"], Options(jobs=1))
    blank.save(tmp_path / "ten.tif", save_all=True, append_images=[blank] * 9)
    assert len(triage.triage([tmp_path / "ten.tif"], Options(jobs=1))[0].tasks) == 10


def test_a_page_longer_than_ocr_can_read_is_refused_by_its_header(tmp_path: Path) -> None:
    """A blank 600 × 70,000 PNG (42 megapixels, under the pixel limit) reached Tesseract, which
    refuses a side over 32,767 px, and failed as "reading the page took over 300 s" within a
    second. Its header now refuses it, saying why."""
    Image.new("L", (600, 70_000), 255).save(tmp_path / "strip.png")
    with pytest.raises(InputTooLargeError, match="side over 32,000 pixels"):
        triage.triage([tmp_path / "strip.png"], Options(jobs=1))
    Image.new("L", (600, 32_000), 255).save(tmp_path / "roll.png")  # at the limit: planned
    assert len(triage.triage([tmp_path / "roll.png"], Options(jobs=1))[0].tasks) == 1


def test_a_pdf_page_metres_long_is_drawn_within_what_ocr_reads(tmp_path: Path) -> None:
    """A page box of 1 × 200 inches with a UserUnit of 20 (4,000 inches long) was drawn at
    150 dpi, 600,000 px long, and failed as too slow; it is drawn smaller and read."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(72, 14_400)).obj.UserUnit = 20
    pdf.save(tmp_path / "long.pdf")
    page = digitize([tmp_path / "long.pdf"], Options(jobs=1)).pages[0]
    assert max(page.width_px, page.height_px) <= triage.MAX_PAGE_SIDE
    assert page.text == ""


def test_a_tiffs_thumbnail_and_mask_are_no_pages(tmp_path: Path) -> None:
    """Imaging programs write a reduced copy of a page after it (NewSubfileType bit 0; the old
    SubfileType 2) and scanners a mask (bit 2): each came out as a page of its own."""
    first, second = _page(4421)[0], _page(4422)[0]
    thumbnail = first.resize((first.width // 8, first.height // 8))
    frames = [
        (first, {}),
        (thumbnail, {254: 1}),
        (second, {}),
        (second.point(lambda v: 255 if v > 128 else 0).convert("1"), {254: 4}),
        (thumbnail, {255: 2}),
    ]
    path = tmp_path / "with-thumbnails.tif"
    with open(path, "w+b") as file, TiffImagePlugin.AppendingTiffWriter(file) as writer:
        for image, tags in frames:
            image.save(writer, format="TIFF", tiffinfo=tags, dpi=(150, 150))
            writer.newFrame()
    tasks = triage.triage_file(path, Options(jobs=1)).tasks
    assert [(task.number, task.index) for task in tasks] == [(1, 0), (2, 2)]


VNI_FORM = (
    "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM\nÑoäc laäp - Töï do - Haïnh phuùc\n"
    "ÑÔN ÑEÀ NGHÒ CAÁP GIAÁY CHÖÙNG NHAÄN\nKính göûi: UBND xaõ Hoøa Bình\n"
    "Hoï vaø teân: Nguyeãn Vaên Thaéng\nNôi thöôøng truù: thoân Phöôùc Loäc, huyeän Ñöùc Phoå"
)


def test_text_typed_in_a_legacy_vietnamese_encoding_is_not_trusted(tmp_path: Path) -> None:
    """VNI: the page reads well in its font, the text layer is mojibake; the page is read as a
    scan. Text in Unicode, or English, is trusted as before."""
    assert not triage.is_usable_text(VNI_FORM)
    assert triage.is_usable_text(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Họ và tên: Nguyễn Văn Thắng\nNơi thường trú: thôn Phước Lộc, huyện Đức Phổ"
    )
    assert triage.is_usable_text("The committee approved the application on Monday.")
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )  # fmt: skip
    lines = " ".join(
        f"1 0 0 1 60 {780 - 24 * n} Tm <{line.encode('cp1252').hex()}> Tj"
        for n, line in enumerate(VNI_FORM.splitlines())
    )
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=pikepdf.Array([0, 0, 595, 842]),
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pikepdf.Stream(pdf, f"BT /F1 12 Tf {lines} ET".encode()),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(tmp_path / "vni.pdf")
    (task,) = triage.triage_file(tmp_path / "vni.pdf", Options(jobs=1)).tasks
    assert not task.born_digital


def test_a_png_with_megabytes_of_metadata_text_is_read(tmp_path: Path) -> None:
    """An image editor's XMP (its edit history) can run to megabytes in a PNG text chunk, past
    what Pillow inflates (1 MB): the scan was refused as damaged. Metadata text says nothing
    of the page: the page is read, its declared resolution kept, the file kept as received."""
    page = render_page(PageSpec(seed=5, dpi=200, body_lines=3))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<rdf:li>history</rdf:li>" * 250_000, zip=True)
    info.add_text("Comment", "x" * 3_000_000, zip=True)
    path = tmp_path / "edited.png"
    page.image.save(path, pnginfo=info, dpi=(200, 200))
    assert path.stat().st_size < 200_000  # the text compresses to little: a bomb's shape
    document = digitize([path], Options(jobs=1))
    assert document.pages[0].dpi == 200 and document.pages[0].dpi_source == "metadata"
    assert cer(page.text, document.pages[0].text) < 0.01


def _old_style_jpeg_tiff(image: Image.Image, path: Path) -> Path:
    """A TIFF in old-style JPEG (Compression 6) as 1990s scanners wrote it: the page's whole
    JPEG stream, pointed at by JPEGInterchangeFormat and by the one strip."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    jpeg = buffer.getvalue()
    bands = len(image.getbands())
    ifd_at = 8 + len(jpeg) + len(jpeg) % 2
    entries = [  # tag, type (3 SHORT, 4 LONG, 5 RATIONAL), count, value
        (256, 4, 1, image.width), (257, 4, 1, image.height), (258, 3, bands, 8),
        (259, 3, 1, 6), (262, 3, 1, 6 if bands == 3 else 1), (273, 4, 1, 8),
        (277, 3, 1, bands), (278, 4, 1, image.height), (279, 4, 1, len(jpeg)),
        (282, 5, 1, 200), (283, 5, 1, 200), (296, 3, 1, 2), (513, 4, 1, 8), (514, 4, 1, len(jpeg)),
    ]  # fmt: skip
    outside = ifd_at + 2 + 12 * len(entries) + 4  # values that do not fit in an entry
    table, values = b"", b""
    for tag, kind, count, value in entries:
        if kind == 5 or count > 2:
            data = struct.pack("<II", value, 1) if kind == 5 else struct.pack("<3H", *[value] * 3)
            table += struct.pack("<HHII", tag, kind, count, outside + len(values))
            values += data
        else:
            packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            table += struct.pack("<HHI", tag, kind, count) + packed
    head = b"II*\x00" + struct.pack("<I", ifd_at) + jpeg
    head += b"\x00" * (ifd_at - len(head))
    path.write_bytes(head + struct.pack("<H", len(entries)) + table + b"\x00" * 4 + values)
    return path


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_an_old_style_jpeg_tiff_is_read(tmp_path: Path, mode: str) -> None:
    """libtiff decodes some old-style JPEG TIFFs and not others (a grey page was refused as
    damaged); the whole JPEG stream they carry is read instead."""
    page = render_page(PageSpec(seed=12, dpi=200, body_lines=3))
    path = _old_style_jpeg_tiff(page.image.convert(mode), tmp_path / "old.tif")
    (read,) = digitize([path], Options(jobs=1)).pages
    assert read.dpi == 200.0 and cer(page.text, read.text) < 0.01


def test_an_old_style_jpeg_tiff_without_its_stream_is_damaged(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=12, dpi=200, body_lines=3))
    path = _old_style_jpeg_tiff(page.image.convert("L"), tmp_path / "old.tif")
    data = bytearray(path.read_bytes())
    data[8:10] = bytes(2)  # the JPEG stream's first marker gone: neither reading works
    path.write_bytes(bytes(data))
    with pytest.raises(PageFailedError, match="cannot be decoded") as failure:
        digitize([path], Options(jobs=1))
    assert isinstance(failure.value.cause, CorruptInputError)


@pytest.mark.slow
@pytest.mark.parametrize("tag", [6, 8])
def test_an_uncompressed_tiff_turned_by_its_tag_is_read_upright(tmp_path: Path, tag: int) -> None:
    """Pillow memory-maps such a file opened by name and filled it in its turned row length:
    the page was archived scrambled, its text layer empty (found by a reviewing helper)."""
    image, text = _page(4413)
    stored = image.transpose(Image.Transpose.ROTATE_90 if tag == 6 else Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = tag
    stored.save(tmp_path / "turned.tif", exif=exif, dpi=(150, 150))  # no compression
    (page,) = digitize([tmp_path / "turned.tif"], Options(jobs=1)).pages
    assert (page.width_px, page.height_px) == image.size
    assert cer(text, page.text) <= MAX_CER


@pytest.mark.slow
def test_each_tiff_page_states_its_own_resolution(tmp_path: Path) -> None:
    """Pillow may keep an earlier page's resolution for a later page that states none in
    inches or centimetres: such a page was archived at the first page's 300 dpi, a fraction of
    its size (found by a reviewing helper). Each page is taken at what it states itself."""
    first = render_page(PageSpec(seed=4414, dpi=300, body_lines=3)).image.convert("L")
    later, _ = _page(4415)  # A4 at 150 dpi
    with (
        (tmp_path / "pages.tif").open("w+b") as file,
        TiffImagePlugin.AppendingTiffWriter(file, new=True) as tiff,
    ):
        first.save(tiff, format="TIFF", dpi=(300, 300))
        tiff.newFrame()
        later.save(tiff, format="TIFF")  # no resolution at all
        tiff.newFrame()
        later.save(tiff, format="TIFF", resolution=300.0, resolution_unit=1)  # no unit
        tiff.newFrame()
    pages = digitize([tmp_path / "pages.tif"], Options(jobs=1)).pages
    assert (pages[0].dpi, pages[0].dpi_source) == (300, "metadata")
    for page in pages[1:]:
        assert page.dpi_source != "metadata" and abs(page.dpi - 150) < 30


@pytest.mark.slow
def test_a_scan_shrunk_with_its_resolution_tag_kept_is_taken_at_its_sheet(
    tmp_path: Path,
) -> None:
    """An A4 scan shrunk to 100 dpi by a chat app or e-mail, its 300-dpi tag kept, was archived
    as a 7 × 10 cm page and passed as above the legal minimum (found by a reviewing helper)."""
    page = render_page(PageSpec(seed=4416, dpi=100, body_lines=8)).image.convert("L")
    page.save(tmp_path / "shrunk.png", dpi=(300, 300))
    (read,) = digitize([tmp_path / "shrunk.png"], Options(jobs=1)).pages
    assert read.dpi_source == "paper_size" and abs(read.dpi - 100) < 10
    assert any(w.startswith("the file states 300 dpi") for w in read.warnings)
    assert any("below the legal minimum" in w for w in read.warnings)


@pytest.mark.slow
def test_a_card_scanned_alone_keeps_its_stated_resolution(tmp_path: Path) -> None:
    """A card is smaller than any paper, and its print agrees with its tag: nothing doubted."""
    card = render_page(PageSpec(seed=4417, dpi=300, body_lines=3)).image.convert("L")
    crop = card.crop((0, 0, 1011, 638))  # 85.6 × 54 mm at 300 dpi
    crop.save(tmp_path / "card.png", dpi=(300, 300))
    (read,) = digitize([tmp_path / "card.png"], Options(jobs=1)).pages
    assert (read.dpi, read.dpi_source) == (300, "metadata")
    assert not any(w.startswith("the file states") for w in read.warnings)


def _card_scan(dpi: int, seed: int) -> Image.Image:
    """A card scanned alone and cropped to its edge (ISO/IEC 7810 ID-1: 85.6 × 54 mm), in a
    card's small print."""
    page = render_page(PageSpec(seed=seed, dpi=dpi, font_pt=8, body_lines=6)).image.convert("L")
    return page.crop((0, 0, round(85.6 / 25.4 * dpi), round(54 / 25.4 * dpi)))


@pytest.mark.slow
@pytest.mark.parametrize("dpi", [150, 300])
def test_a_card_with_no_resolution_is_taken_at_its_size(tmp_path: Path, dpi: int) -> None:
    """A card's small print made the text's estimate run 30-40 % low: a helper's 150-dpi card
    scan with no tag was archived 116 mm wide at 111 dpi. Its shape is the card's."""
    _card_scan(dpi, 4418).save(tmp_path / "card.png")
    (read,) = digitize([tmp_path / "card.png"], Options(jobs=1)).pages
    assert read.dpi_source == "paper_size" and abs(read.dpi - dpi) <= 2


def _card_on_the_lid(dpi: int, seed: int, angle: float, stock: int) -> Image.Image:
    """A card of tinted stock (`stock`: its white's grey) scanned alone, not cropped to its edge:
    the scanner's white lid around it, wider on two sides, the card a little askew."""
    card = np.asarray(_card_scan(dpi, seed), np.float64) * stock / 255
    turned = Image.fromarray(card.astype(np.uint8)).rotate(angle, expand=True, fillcolor=253)
    lid = Image.new("L", (turned.width + dpi // 2, turned.height + dpi // 3), 253)
    lid.paste(turned, (dpi // 5, dpi // 8))
    return lid


@pytest.mark.slow
@pytest.mark.parametrize(("dpi", "angle", "stock"), [(200, 0.0, 225), (150, 1.5, 215)])
def test_a_card_with_a_margin_is_taken_at_its_outline(
    tmp_path: Path, dpi: int, angle: float, stock: int
) -> None:
    """A 200-dpi card scanned with a margin of lid around it is no sheet's shape, and its small
    print put the text's estimate at 111 dpi: "rescan" (a helper's card). Its tinted stock
    stands out from the lid, and its outline is a card's."""
    _card_on_the_lid(dpi, 4418, angle, stock).save(tmp_path / "card.png")
    (read,) = digitize([tmp_path / "card.png"], Options(jobs=1)).pages
    assert read.dpi_source == "paper_size" and abs(read.dpi - dpi) <= 0.02 * dpi
    assert any("legal minimum" in w for w in read.warnings) == (dpi < 200)


def test_a_frame_or_a_white_card_on_the_lid_is_no_card_outline() -> None:
    """What encloses white paper (a frame, a table's border, a white card's print) is no card's
    stock: only a region dark all through is measured as a card."""
    white_card = np.asarray(_card_on_the_lid(200, 4418, 0.0, 255))
    assert resolution.card_outline_dpi(white_card, None) is None
    framed = np.full((491, 774), 253, np.uint8)
    cv2.rectangle(framed, (40, 25), (40 + 673, 25 + 425), 0, 3)  # a card-shaped frame
    assert resolution.card_outline_dpi(framed, None) is None
    framed[25:450, 40:713] = 225  # the same outline, tinted all through: a card
    fit = resolution.card_outline_dpi(framed, None)
    assert fit is not None and abs(fit.dpi - 200) <= 3


@pytest.mark.slow
def test_a_card_shrunk_with_its_tag_kept_is_taken_at_its_size(tmp_path: Path) -> None:
    """A 150-dpi card scan tagged 300 dpi was archived 43 mm wide and passed the legal minimum."""
    _card_scan(150, 4421).save(tmp_path / "card.png", dpi=(300, 300))
    (read,) = digitize([tmp_path / "card.png"], Options(jobs=1)).pages
    assert read.dpi_source == "paper_size" and abs(read.dpi - 150) <= 2
    assert any(w.startswith("the file states 300 dpi") for w in read.warnings)
    assert any("below the legal minimum" in w for w in read.warnings)


@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_the_same_scan_given_twice_is_read_and_said(tmp_path: Path, kind: str) -> None:
    image, _ = _page(4419)
    scan, again = tmp_path / f"đơn.{kind}", tmp_path / f"again.{kind}"
    if kind == "pdf":  # a PDF's pages carry what triage found too, not only an image's
        image.save(scan, format="PDF", resolution=150)
    else:
        image.save(scan, dpi=(150, 150))
    other, _ = _page(4420)
    other.save(tmp_path / "other.png", dpi=(150, 150))
    again.write_bytes(scan.read_bytes())
    pages = digitize([scan, tmp_path / "other.png", again], Options(jobs=1)).pages
    assert [p.number for p in pages] == [1, 2, 3]  # nothing is left out
    said = [w for p in pages for w in p.warnings if "given twice" in w]
    assert said == [w for w in pages[2].warnings if "given twice" in w]
    assert len(said) == 1 and scan.name in said[0] and "page 1" in said[0]


def _png_with_data_cut(image: Image.Image, share: float, interlaced: bool) -> bytes:
    """A PNG of `image` whose compressed stream is complete but holds only the first `share`
    of its filtered rows (a writer stopped mid-page), each chunk's CRC right: a valid file to
    every check but the row count. Written by hand: no encoder writes a short stream."""
    grey = np.asarray(image.convert("L"))
    height, width = grey.shape
    passes = (
        ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2))
        if interlaced
        else ((0, 0, 1, 1),)
    )  # fmt: skip
    rows = [
        b"\x00" + grey[y, x0::dx].tobytes()
        for x0, y0, dx, dy in passes
        if x0 < width
        for y in range(y0, height, dy)
    ]
    data = zlib.compress(b"".join(rows[: int(len(rows) * share)]))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1 if interlaced else 0)
    return (
        triage.PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("interlaced", [False, True])
def test_a_png_whose_image_data_stops_short_is_never_archived_silently(
    tmp_path: Path, interlaced: bool
) -> None:
    """Pillow decodes a plain one without a word, the missing rows black: a helper's page was
    archived with its lower 40 % black and no warning. Now the page says so (an interlaced one
    Pillow refuses: the page fails in words)."""
    image, _ = _page(5)
    short, whole = tmp_path / "short.png", tmp_path / "whole.png"
    short.write_bytes(_png_with_data_cut(image, 0.6, interlaced))
    whole.write_bytes(_png_with_data_cut(image, 1.0, interlaced))
    assert triage.png_data_short(short) and not triage.png_data_short(whole)
    assert DAMAGED_IMAGE not in digitize([whole], Options(jobs=1)).pages[0].warnings
    try:
        warnings = digitize([short], Options(jobs=1)).pages[0].warnings
    except HosoError as exc:
        assert interlaced and "cannot be decoded" in str(exc)
    else:
        assert DAMAGED_IMAGE in warnings


def test_checking_a_pngs_rows_never_inflates_past_its_declared_size(tmp_path: Path) -> None:
    """A first IDAT holding the whole image and one byte more, then a second of zeros that
    inflates to 200 MB: the row count had passed a limit of 0 (none, to zlib) and inflated
    all of it (a helper's 1-MB file took 2.2 GB)."""
    width, height = 64, 64
    expected = height * (1 + width)
    squeeze = zlib.compressobj()
    first = squeeze.compress(b"\x00" * (expected + 1)) + squeeze.flush(zlib.Z_SYNC_FLUSH)
    second = squeeze.compress(b"\x00" * 200_000_000) + squeeze.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(
        triage.PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", first)
        + chunk(b"IDAT", second) + chunk(b"IEND", b"")
    )  # fmt: skip
    tracemalloc.start()
    try:
        short = triage.png_data_short(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not short and peak < 20_000_000, peak
