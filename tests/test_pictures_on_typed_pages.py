"""Pictures pasted on a born-digital page (issue 16, real inputs): a copy of a citizen-ID card
pasted into an application typed in a word processor is how many dossiers arrive, and only
the typed text was kept: the card's name and number were in no text and no field. Each
picture that may hold print is read as a scan of its own and its words laid where it lies."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from hoso.digitize import page as page_steps
from hoso.digitize.errors import OcrTooSlowError
from hoso.digitize.models import Options, PageResult, TextSource
from hoso.digitize.page_warnings import PICTURE_NOT_READ, PICTURES_LEFT
from hoso.digitize.pdfa import write_pdfa
from hoso.digitize.pipeline import digitize
from hoso.storage.textfold import fold
from tests.synthetic import find_font
from tests.synthetic_documents import make_document

Name = pikepdf.Name
A4_HEIGHT = 842.0
TYPED = [
    "DON DE NGHI CAP BAN SAO TRICH LUC KHAI SINH",
    "Kinh gui: Uy ban nhan dan phuong Hai Chau",
    "Ban sao the can cuoc cong dan dinh kem:",
]
CLOSING = "Toi xin cam doan nhung loi khai tren la dung su that."
CARD_AT = (60.0, 420.0, 300.0)  # left, bottom, width in points


def _image(pdf: pikepdf.Pdf, picture: Image.Image) -> pikepdf.Stream:
    pixels = np.asarray(picture.convert("RGB"), np.uint8)
    stream = pikepdf.Stream(pdf, zlib.compress(pixels.tobytes()))
    stream.Type, stream.Subtype, stream.Filter = Name.XObject, Name.Image, Name.FlateDecode
    stream.Width, stream.Height = pixels.shape[1], pixels.shape[0]
    stream.ColorSpace, stream.BitsPerComponent = Name.DeviceRGB, 8
    return stream


def _typed_page(
    path: Path, pictures: list[tuple[Image.Image, float, float, float]], typed_over: bool = False
) -> Path:
    """An application typed in Helvetica with `pictures` (image, left, bottom, width in points)
    drawn on it (or under it: `typed_over`)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica,
            Encoding=Name.WinAnsiEncoding,
        )
    )  # fmt: skip
    typed = " ".join(f"1 0 0 1 60 {780 - 22 * n} Tm ({line}) Tj" for n, line in enumerate(TYPED))
    text = f" BT /Helv 13 Tf {typed} 1 0 0 1 60 200 Tm ({CLOSING}) Tj ET "
    drawn = ""
    xobjects = pikepdf.Dictionary()
    for n, (picture, left, bottom, width) in enumerate(pictures):
        xobjects[f"/P{n}"] = _image(pdf, picture)
        height = width * picture.height / picture.width
        drawn += f" q {width} 0 0 {height} {left} {bottom} cm /P{n} Do Q"
    content = drawn + text if typed_over else text + drawn
    page = pikepdf.Dictionary(
        Type=Name.Page, MediaBox=pikepdf.Array([0, 0, 595, A4_HEIGHT]),
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font), XObject=xobjects),
        Contents=pikepdf.Stream(pdf, content.encode()),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


def _read(path: Path) -> tuple[PageResult, dict[str, str]]:
    document = digitize([path], Options(jobs=1))
    assert document.fields is not None
    return document.pages[0], {k: v.value for k, v in document.fields.fields.items()}


@pytest.mark.parametrize(
    "pasted", ["as scanned", "turned sideways", "upside down", "stored in strips"]
)
def test_a_card_pasted_in_a_typed_application_is_read_where_it_lies(
    tmp_path: Path, pasted: str
) -> None:
    card = make_document("id_card", 61 + len(pasted), layout="cccd_2016")
    image = card.page.image
    left, bottom, width = CARD_AT
    height = width * image.height / image.width
    if pasted == "turned sideways":  # the card's picture turned a quarter, laid as high
        image = image.rotate(90, expand=True)
        width = height
        height = width * image.height / image.width
    if pasted == "upside down":
        image = image.rotate(180)
    if pasted == "stored in strips":  # as some PDF writers store an image: bands that touch
        half = image.height // 2
        top_band, bottom_band = (
            image.crop((0, 0, image.width, half)),
            image.crop((0, half, image.width, image.height)),
        )
        band = width * half / image.width
        path = _typed_page(
            tmp_path / "application.pdf",
            [(top_band, left, bottom + height - band, width),
             (bottom_band, left, bottom, width)],
        )  # fmt: skip
    else:
        path = _typed_page(tmp_path / "application.pdf", [(image, left, bottom, width)])

    document = digitize([path], Options(jobs=1))
    page = document.pages[0]
    assert document.fields is not None
    fields = {k: v.value for k, v in document.fields.fields.items()}

    assert page.text_source is TextSource.BORN_DIGITAL and page.pictures_read == 1
    lines = page.text.splitlines()
    assert lines[: len(TYPED)] == TYPED and lines[-1] == CLOSING  # typed text as typed
    card_text = "\n".join(lines[len(TYPED) : -1])  # the card's lines, where it lies
    assert card.fields["id_number"] in card_text.replace(" ", "")
    assert card.fields["full_name"] in card_text
    assert fields["id_number"] == card.fields["id_number"]
    assert fields["date_of_birth"] == card.fields["date_of_birth"]
    # The card's words are laid on the card, in pixels of the page as archived
    scale = page.dpi / 72.0
    box = (left * scale, (A4_HEIGHT - bottom - height) * scale, (left + width) * scale,
           (A4_HEIGHT - bottom) * scale)  # fmt: skip
    typed = {word for line in [*TYPED, CLOSING] for word in line.split()}
    on_card = [w for w in page.words if w.text not in typed]
    assert on_card and all(
        box[0] - 4 <= w.left < w.right <= box[2] + 4
        and box[1] - 4 <= w.top < w.bottom <= box[3] + 4
        for w in on_card
    )
    # ... and the archived PDF's text layer gives the card's lines as read, whichever way its
    # print runs (laid where it ran down, the letters came out in disorder)
    write_pdfa(document, tmp_path / "out.pdf", "application")
    with pdfplumber.open(tmp_path / "out.pdf") as archived:
        layer = archived.pages[0].extract_text()
    assert card.fields["id_number"] in layer.replace(" ", "")
    assert card.fields["full_name"] in layer


def _seal() -> Image.Image:
    picture = Image.new("RGB", (400, 400), "white")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((20, 20, 380, 380), outline=(200, 30, 40), width=10)
    draw.ellipse((80, 80, 320, 320), outline=(200, 30, 40), width=5)
    draw.regular_polygon((200, 200, 90), 5, fill=(200, 30, 40))
    return picture


def _photo() -> Image.Image:
    """Shades as a portrait photo has them: smooth, no print."""
    noise = np.random.default_rng(7).random((300, 240)).astype(np.float32)
    shades = cv2.GaussianBlur(noise, (0, 0), 25)
    shades = (shades - shades.min()) / (shades.max() - shades.min())
    rgb = np.stack([shades * 200 + 30, shades * 150 + 60, shades * 120 + 80], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def _stripes() -> Image.Image:
    pixels = np.full((300, 300), 255, np.uint8)
    for x in range(0, 300, 12):
        pixels[:, x : x + 5] = 60
    return Image.fromarray(pixels)


def test_pictures_without_print_add_nothing(tmp_path: Path) -> None:
    """A seal, a portrait photo and a pattern are looked at and give no words, no doubts."""
    path = _typed_page(
        tmp_path / "decision.pdf",
        [(_seal(), 320, 560, 140), (_photo(), 60, 420, 120), (_stripes(), 320, 300, 140)],
    )
    page, _ = _read(path)
    assert page.pictures_read == 0 and page.warnings == [] and page.mean_confidence == 1.0
    assert page.text.splitlines() == [*TYPED, CLOSING]


def test_a_typed_page_drawn_smaller_keeps_its_words_on_their_print(tmp_path: Path) -> None:
    """A page too large for the pixel budget is drawn at a lower resolution; its words and
    pictures follow (they were laid at the resolution asked for, off the image)."""
    card = make_document("id_card", 71, layout="cccd_2016").page.image
    path = _typed_page(tmp_path / "application.pdf", [(card, *CARD_AT)])
    full = digitize([path], Options(jobs=1)).pages[0]
    small = digitize([path], Options(jobs=1, max_page_pixels=4_000_000)).pages[0]
    assert small.width_px < full.width_px * 0.75 and small.pictures_read == 1
    factor = small.width_px / full.width_px
    by_text = {(w.text, w.line): w for w in full.words}
    for word in small.words[:3]:  # the typed words: from the text layer, exact
        twin = by_text[(word.text, word.line)]
        assert abs(word.left - twin.left * factor) <= 2 and abs(word.top - twin.top * factor) <= 2
    assert all(w.right <= small.width_px and w.bottom <= small.height_px for w in small.words)


def test_a_page_cropped_in_keeps_its_words_and_pictures_where_they_show(tmp_path: Path) -> None:
    """A page whose crop box lies inside a larger media box (a page cut from a sheet, many
    "print to PDF" outputs) is drawn as cropped; its words and pictures were placed from the
    media box's corner, 100 pt off: a corner of the card was read and a wrong address taken."""
    card = make_document("id_card", 73, layout="cccd_2016")
    path = _typed_page(tmp_path / "plain.pdf", [(card.page.image, *CARD_AT)])
    with pikepdf.open(path) as pdf:
        pdf.pages[0].obj.MediaBox = pikepdf.Array([-100, -100, 695, 942])
        pdf.pages[0].obj.CropBox = pikepdf.Array([0, 0, 595, A4_HEIGHT])
        pdf.save(tmp_path / "cropped.pdf")
    plain, _ = _read(path)
    cropped, fields = _read(tmp_path / "cropped.pdf")
    assert (cropped.width_px, cropped.height_px) == (plain.width_px, plain.height_px)
    assert [(w.text, w.left, w.top) for w in cropped.words[:3]] == [
        (w.text, w.left, w.top) for w in plain.words[:3]
    ]
    assert cropped.pictures_read == 1 and fields["id_number"] == card.fields["id_number"]


def test_cards_side_by_side_read_left_to_right_and_typed_words_over_one_once(
    tmp_path: Path,
) -> None:
    """A card's front and back pasted side by side are read left to right, the larger one
    second; a "ĐÃ ĐỐI CHIẾU" typed across a card is the page's own word, not read again from it."""
    front = make_document("id_card", 81, layout="cccd_2016")
    back = make_document("id_card", 82, layout="cccd_2016")
    path = _typed_page(
        tmp_path / "application.pdf",
        [(front.page.image, 40, 450, 250), (back.page.image, 300, 440, 260)],
    )
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        stamp = b" BT /Helv 20 Tf 1 0 0 1 60 478 Tm (DA DOI CHIEU) Tj ET"
        pdf.pages[0].contents_add(pikepdf.Stream(pdf, stamp))
        pdf.save(path)
    page, _ = _read(path)
    text = page.text.replace(" ", "")
    assert page.pictures_read == 2
    assert -1 < text.find(front.fields["id_number"]) < text.find(back.fields["id_number"])
    assert fold(page.text).count("doi chieu") == 1


def test_pictures_past_the_page_limit_are_said_to_be_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_steps, "PICTURES_PER_PAGE", 1)
    cards = [make_document("id_card", seed, layout="cccd_2016") for seed in (91, 92)]
    path = _typed_page(
        tmp_path / "application.pdf",
        [(cards[0].page.image, 40, 450, 260), (cards[1].page.image, 310, 450, 250)],
    )
    page, _ = _read(path)
    assert page.pictures_read == 1
    assert page.warnings == [PICTURES_LEFT.format(pictures=2, read=1)]
    assert cards[0].fields["id_number"] in page.text.replace(" ", "")  # the larger one


def test_a_picture_of_thousands_of_tiles_is_one(tmp_path: Path) -> None:
    """Some writers draw a picture as tiles: they join into one picture, quickly."""
    document = make_document("id_card", 75, layout="cccd_2016")
    card = document.page.image
    width = 300.0
    height = width * card.height / card.width
    tiles = []
    size = 40  # pixels of the card a tile
    for y in range(0, card.height, size):
        for x in range(0, card.width, size):
            tile = card.crop((x, y, min(x + size, card.width), min(y + size, card.height)))
            left = CARD_AT[0] + x * width / card.width
            bottom = CARD_AT[1] + height - (y + tile.height) * width / card.width
            tiles.append((tile, left, bottom, tile.width * width / card.width))
    assert len(tiles) > 1000
    page, fields = _read(_typed_page(tmp_path / "tiled.pdf", tiles))
    assert page.pictures_read == 1
    assert fields["id_number"] == document.fields["id_number"]


def test_a_card_cropped_in_a_word_processor_is_read(tmp_path: Path) -> None:
    """A word processor's crop keeps the whole image and shows a part through a clip path: a
    card cut out of a copier's A4 sheet. The whole sheet's box lies under the typed text, and
    the card was taken for the page's background and not read."""
    card = make_document("id_card", 77, layout="cccd_2016")
    sheet = Image.new("RGB", (card.page.image.width * 2, card.page.image.height * 3), "white")
    sheet.paste(card.page.image, (card.page.image.width // 2, card.page.image.height))
    left, bottom, width = CARD_AT
    height = width * card.page.image.height / card.page.image.width
    path = _typed_page(tmp_path / "application.pdf", [])
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Resources.XObject = pikepdf.Dictionary(Sheet=_image(pdf, sheet))
        drawn = (  # the sheet twice the card's width, laid so the card falls in the clip
            f" q {left} {bottom} {width} {height} re W n"
            f" {2 * width} 0 0 {3 * height} {left - width / 2} {bottom - height} cm"
            " /Sheet Do Q"
        )
        pdf.pages[0].contents_add(pikepdf.Stream(pdf, drawn.encode()))
        pdf.save(path)
    page, fields = _read(path)
    assert page.pictures_read == 1
    assert fields["id_number"] == card.fields["id_number"]
    assert page.text.splitlines()[: len(TYPED)] == TYPED


def test_a_picture_the_ocr_fails_on_leaves_the_typed_page_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A picture Tesseract gives up on (time limit) does not fail its typed page."""

    def stopped(*_: object) -> PageResult:
        raise OcrTooSlowError("reading the page took over 300 s and was stopped")

    monkeypatch.setattr(page_steps, "_scanned_result", stopped)
    card = make_document("id_card", 79, layout="cccd_2016").page.image
    page, _ = _read(_typed_page(tmp_path / "application.pdf", [(card, *CARD_AT)]))
    assert page.pictures_read == 0 and page.warnings == [PICTURE_NOT_READ]
    assert page.text.splitlines() == [*TYPED, CLOSING]


def test_a_scan_typed_over_is_read_besides_its_typed_lines_once(tmp_path: Path) -> None:
    """A scanned birth extract laid with margins on a page and typed over (a certification
    note, a form filled in a PDF editor): before, the typed words over it made it the page's
    background and the scan was lost, its names and number in no text and no field (an
    attacking helper's certified copy). The typed words are painted out of what is read, so
    they come once, from the text layer."""
    extract = make_document("birth_extract", 83, layout="official", dpi=150)
    image = extract.page.image
    width = 480.0
    height = width * image.height / image.width
    path = _typed_page(
        tmp_path / "certified.pdf", [(image, 58.0, 842 - 40 - height, width)], typed_over=True
    )
    page, fields = _read(path)
    assert page.text_source is TextSource.BORN_DIGITAL and page.pictures_read == 1
    for name in ("full_name", "date_of_birth", "father_name", "mother_name"):
        assert fields[name] == extract.fields[name], name
    folded = fold(page.text)
    for line in [*TYPED, CLOSING]:
        assert folded.count(fold(line)) == 1, line


def test_a_scanned_form_filled_by_typing_reads_each_label_with_its_value(tmp_path: Path) -> None:
    """A blank form scanned, then filled in a PDF editor: the labels are the picture's, the
    values typed beside them. Read as a block after the typed lines, the labels lost their
    values and a footer word became the name (a reviewing helper's form: full_name "Cán")."""
    dpi, labels = 150, ["Họ và tên:", "Ngày sinh:", "Số định danh cá nhân:"]
    values = ["Tran Thi Bich Ngoc", "03/11/1990", "079190012345"]
    form = Image.new("L", (1100, 1400), 255)
    draw = ImageDraw.Draw(form)
    heading = ImageFont.truetype(find_font("bold"), 30)
    body = ImageFont.truetype(find_font("serif"), 27)
    draw.text((160, 80), "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", fill=0, font=heading)
    for n, label in enumerate(labels):
        draw.text((80, 250 + 90 * n), label, fill=0, font=body)
    draw.text((80, 1200), "Người khai ký và ghi rõ họ tên. Cán bộ tiếp nhận kiểm tra.", fill=0,
              font=body)  # fmt: skip
    scale = 72 / dpi  # the form drawn at its scan's size, at (40, 80) on the page
    left, bottom = 40.0, 80.0
    top = bottom + form.height * scale
    typed = " ".join(
        f"1 0 0 1 {left + 420 * scale} {top - (250 + 90 * n + 24) * scale} Tm ({value}) Tj"
        for n, value in enumerate(values)
    )
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica,
                           Encoding=Name.WinAnsiEncoding)
    )  # fmt: skip
    content = (
        f"q {form.width * scale} 0 0 {form.height * scale} {left} {bottom} cm /Form Do Q"
        f" BT /Helv 12 Tf {typed} ET"
    )
    page = pikepdf.Dictionary(
        Type=Name.Page, MediaBox=pikepdf.Array([0, 0, 595, A4_HEIGHT]),
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=font),
                                     XObject=pikepdf.Dictionary(Form=_image(pdf, form))),
        Contents=pikepdf.Stream(pdf, content.encode()),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(tmp_path / "filled.pdf")
    page_read, fields = _read(tmp_path / "filled.pdf")
    assert page_read.pictures_read == 1
    lines = page_read.text.splitlines()
    for label, value in zip(labels, values, strict=True):
        assert f"{label} {value}" in lines, (label, lines)
    assert fields["full_name"] == "Trần Thi Bich Ngoc"  # the family name regains its marks
    assert fields["date_of_birth"] == "03/11/1990"
    assert fields["id_number"] == "079190012345"
