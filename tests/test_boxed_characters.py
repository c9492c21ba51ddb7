"""Characters printed one a box (issue 16, real form layouts): a citizen's ID, a tax code, a
birth date and a name written one character a box, as residence and tax forms print them.

Before, the boxes' sides were read as characters: "001092012345" in twelve boxes came back as
"|0J0|J1J0|9J2|0|1J2|3J|4|5" on a clean 300-dpi form and no ID was found. The forms here are
drawn by the test in two fonts and three resolutions; the rows that must not be taken for
boxes (a table of narrow columns, a one-row table of words, an underline) are on the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from hoso.digitize.rules import find_boxed_rows
from tests.synthetic import find_font

ID_NUMBER = "001092012345"
TAX_CODE = "8012345678"
NAME = "TRẦN VĂN AN"


@dataclass(frozen=True)
class Form:
    image: Image.Image
    dpi: int


def boxed_form(
    dpi: int,
    style: str,
    box_line_pt: float = 0.8,
    noisy: bool = False,
    filled: bool = True,
    gap_pt: float = 0.0,
    line_grey: int = 0,
) -> Form:
    """A declaration form: a name boxed letter by letter (an empty box between words), a birth
    date in day, month and year boxes, the ID and a tax code boxed; then a marks table of
    narrow columns, a one-row table of words and an underlined note, none of them boxes.
    `filled`: the boxes hold their characters (else they are left empty); `gap_pt`: the boxes
    are drawn apart, each its own frame (else side by side, sharing their sides); `line_grey`:
    the boxes' lines are printed in this grey (the characters stay black)."""
    scale = dpi / 72
    width, height = int(8.27 * dpi), int(7.0 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_font(style), int(12 * scale))
    line = max(1, round(box_line_pt * scale))
    left = int(60 * scale)

    def text(x: float, y: float, words: str) -> float:
        draw.text((x, y), words, font=font, fill=0)
        return x + draw.textlength(words, font=font)

    def boxes(x: float, y: float, characters: str) -> float:
        side, tall, top = int(16 * scale), int(19 * scale), y - int(3 * scale)
        pitch = side + round(gap_pt * scale)
        for at, character in enumerate(characters):
            x0 = x + at * pitch
            draw.rectangle([x0, top, x0 + side, top + tall], outline=line_grey, width=line)
            if filled and character != " ":
                middle = (x0 + side / 2, top + tall / 2)
                draw.text(middle, character, font=font, fill=0, anchor="mm")
        return x + len(characters) * pitch

    y = int(40 * scale)
    draw.text((width // 2, y), "TỜ KHAI ĐĂNG KÝ THUẾ", font=font, fill=0, anchor="mt")
    y += int(40 * scale)
    text(left, y, "Họ, chữ đệm và tên:")
    y += int(30 * scale)
    boxes(left, y, NAME)
    y += int(34 * scale)
    x = text(left, y, "Ngày sinh: ngày ")
    x = text(boxes(x, y, "09") + 6 * scale, y, " tháng ")
    x = text(boxes(x, y, "11") + 6 * scale, y, " năm ")
    boxes(x, y, "1992")
    y += int(34 * scale)
    boxes(text(left, y, "Số định danh cá nhân: ") + 4 * scale, y, ID_NUMBER)
    y += int(34 * scale)
    boxes(text(left, y, "Mã số thuế: ") + 4 * scale, y, TAX_CODE)
    y += int(40 * scale)
    y = _table(draw, font, left, y, scale, line, [["STT", "Môn", "HK1", "HK2", "CN"],
               ["1", "Toán", "8", "9", "9"], ["2", "Văn", "7", "8", "8"]])  # fmt: skip
    y = _table(draw, font, left, y + int(20 * scale), scale, line, [["Mã", "Họ và tên", "Lớp"]])
    y += int(20 * scale)
    text(left, y, "Ghi chú: đã kiểm tra")
    draw.line([left, y + int(15 * scale), left + int(300 * scale), y + int(15 * scale)], 0, line)
    if noisy:
        image = _noisy(image, scale)
    return Form(image=image, dpi=dpi)


def _table(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont,
    left: int,
    top: int,
    scale: float,
    line: int,
    rows: list[list[str]],
) -> int:
    widths = [int(w * scale) for w in (30, 150, 22, 22, 22)]
    tall = int(20 * scale)
    for r, row in enumerate(rows):
        x = left
        for cell, width in zip(row, widths, strict=False):
            y0 = top + r * tall
            draw.rectangle([x, y0, x + width, y0 + tall], outline=0, width=line)
            draw.text((x + width / 2, y0 + tall / 2), cell, font=font, fill=0, anchor="mm")
            x += width
    return top + len(rows) * tall


def _noisy(image: Image.Image, scale: float) -> Image.Image:
    """Blurred, greyed paper and dust, as a tired 150-dpi scanner gives."""
    rng = np.random.default_rng(7)
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(0.3 * scale)), np.float32)
    pixels = pixels * 0.85 + 25
    count = pixels.size // 700
    ys, xs = rng.integers(0, pixels.shape[0], count), rng.integers(0, pixels.shape[1], count)
    pixels[ys, xs] = rng.integers(0, 120, count)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _read(form: Form, tmp_path: Path) -> tuple[str, dict[str, str]]:
    path = tmp_path / "form.png"
    form.image.save(path, dpi=(form.dpi, form.dpi))
    result = digitize([path], Options(jobs=1))
    assert result.fields is not None
    fields = {name: value.value for name, value in result.fields.fields.items()}
    return result.pages[0].text, fields


def _lines_after(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(label))


@pytest.mark.parametrize(
    ("dpi", "style", "noisy"),
    [(300, "serif", False), (200, "sans", False), (200, "serif", False), (150, "serif", True)],
)
def test_characters_in_boxes_are_read_as_printed(
    dpi: int, style: str, noisy: bool, tmp_path: Path
) -> None:
    _read_every_boxed_value(boxed_form(dpi, style, noisy=noisy), tmp_path)


@pytest.mark.parametrize(("dpi", "style", "noisy"), [(300, "serif", False), (150, "sans", True)])
def test_characters_in_boxes_drawn_apart_are_read_as_printed(
    dpi: int, style: str, noisy: bool, tmp_path: Path
) -> None:
    """A helper's identity-card form drew its twelve ID boxes apart, each its own frame: no
    rule ran across them, and the ID came back "[913j1|118|6|0|0|2|2|[7|4"."""
    _read_every_boxed_value(boxed_form(dpi, style, noisy=noisy, gap_pt=2.0), tmp_path)


def test_characters_in_grey_boxes_drawn_apart_are_read_as_printed(tmp_path: Path) -> None:
    """A helper's tax form printed its boxes in grey (lines at 148 on 240 paper): the print's
    threshold left them out, no frame had an edge, and the ID and tax code were lost."""
    form = boxed_form(200, "sans", gap_pt=2.0, line_grey=150)
    text, fields = _read(form, tmp_path)
    assert fields.get("id_number") == ID_NUMBER
    assert _lines_after(text, "Mã số thuế:").split(":")[1].strip() == TAX_CODE


def _read_every_boxed_value(form: Form, tmp_path: Path) -> None:
    text, fields = _read(form, tmp_path)
    assert fields.get("id_number") == ID_NUMBER
    assert _lines_after(text, "Số định danh cá nhân:").split(":")[1].strip() == ID_NUMBER
    assert _lines_after(text, "Mã số thuế:").split(":")[1].strip() == TAX_CODE
    # The name's empty box is the gap between its words; the label's words keep their spaces,
    # and the title stays first (at 150 dpi it had been read after the name's label, and
    # taken for the name: helper-70).
    assert NAME in text.splitlines()
    assert fields.get("full_name") == NAME
    assert "Ngày sinh: ngày 09 tháng 11 năm 1992" in text.splitlines()


def test_boxes_drawn_with_heavy_lines_are_read_too(tmp_path: Path) -> None:
    text, fields = _read(boxed_form(300, "serif", box_line_pt=1.6), tmp_path)
    assert fields.get("id_number") == ID_NUMBER
    assert NAME in text.splitlines()


def test_only_rows_of_character_boxes_are_taken_for_boxes() -> None:
    """The marks table (narrow columns, three rows), the one-row table of words and the
    underline stay part of the page; the six rows of boxes are found, each with its boxes."""
    form = boxed_form(300, "serif")
    pixels = np.asarray(form.image)
    glyphs = find_glyphs(pixels)
    rows = find_boxed_rows(pixels, glyphs.letter_size / glyphs.scale)
    # Boxes per row, top to bottom, left to right: name, day, month, year, ID, tax code.
    assert [len(row.sides) - 1 for row in rows] == [len(NAME), 2, 2, 4, 12, 10]
    apart = np.asarray(boxed_form(300, "serif", gap_pt=2.0).image)
    rows = find_boxed_rows(apart, glyphs.letter_size / glyphs.scale)
    assert [len(row.sides) - 1 for row in rows] == [len(NAME), 2, 2, 4, 12, 10]


def test_a_form_of_empty_boxes_reads_its_labels(tmp_path: Path) -> None:
    """A blank form: its boxes hold nothing, no value is made up for them, and the labels
    beside them read as before."""
    text, fields = _read(boxed_form(300, "serif", filled=False), tmp_path)
    assert "id_number" not in fields
    assert _lines_after(text, "Số định danh cá nhân:").strip() == "Số định danh cá nhân:"
    assert "Mã số thuế:" in text.splitlines()


def _row_of_cells(cells: list[str], dpi: int = 300, gap_pt: float = 0.0) -> np.ndarray:
    """One row of square cells, touching or `gap_pt` apart, each holding its text, on a strip
    of paper with a line of print above (the letters the page's letter size is measured on)."""
    scale = dpi / 72
    image = Image.new("L", (int(8 * dpi), int(1.2 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_font("serif"), int(12 * scale))
    draw.text((40 * scale, 10 * scale), "Bảng điểm danh học sinh lớp 9A năm học 2025", font=font)
    side, top = int(18 * scale), int(40 * scale)
    for at, text in enumerate(cells):
        x0 = int(40 * scale) + at * (side + round(gap_pt * scale))
        draw.rectangle([x0, top, x0 + side, top + side], outline=0, width=max(1, round(scale)))
        draw.text((x0 + side / 2, top + side / 2), text, font=font, fill=0, anchor="mm")
    return np.asarray(image)


@pytest.mark.parametrize(
    "cells",
    [
        [str(day) for day in range(1, 21)],  # an attendance sheet's days: numbers, not digits
        ["X", "", "", "X", "", ""],  # two ticks in six choice boxes: marks, not characters
    ],
)
@pytest.mark.parametrize("gap_pt", [0.0, 2.0])
def test_a_row_of_numbers_or_ticks_is_no_row_of_characters(cells: list[str], gap_pt: float) -> None:
    """helper-70: "|1|2|…|19|20|" had been read as one number, and two ticks had vanished;
    the same whether the cells touch or are drawn apart."""
    pixels = _row_of_cells(cells, gap_pt=gap_pt)
    glyphs = find_glyphs(pixels)
    assert find_boxed_rows(pixels, glyphs.letter_size / glyphs.scale) == []
