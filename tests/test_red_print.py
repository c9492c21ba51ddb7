"""Red on a page is a seal or print (issue 16, found on a card a reviewing helper made): seals
and stamps are painted out of what OCR reads, and lines of red print on bare paper stay: a
citizen-ID card's red title "CĂN CƯỚC CÔNG DÂN" was painted out with the seals and read as
"CAN CƯỚC CDONG DẠN" or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from hoso.digitize.cleanup import gray_without_seals
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import find_font

RED = (200, 30, 40)
TITLE = "CĂN CƯỚC CÔNG DÂN"
BODY = [
    "Số định danh cá nhân: 040195470289",
    "Họ và tên: Nguyễn Thị Mai Lan",
    "Ngày, tháng, năm sinh: 07/03/1995",
    "Nơi thường trú: Số 12 đường Lê Lợi, phường Bến Nghé",
    "Người ký: Trần Văn Thành",
]


def _page() -> Image.Image:
    """A page at 200 dpi: a red title, black lines, and a red seal over the last two."""
    page = Image.new("RGB", (1654, 1169), "white")
    draw = ImageDraw.Draw(page)
    draw.text((200, 120), TITLE, font=ImageFont.truetype(find_font("bold"), 60), fill=RED)
    body = ImageFont.truetype(find_font("serif"), 44)
    for n, line in enumerate(BODY):
        draw.text((200, 300 + 110 * n), line, font=body, fill=(20, 20, 20))
    # The seal's ink lies over the print, as stamped: black under it stays dark.
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    stamp = ImageDraw.Draw(overlay)
    ink = (*RED, 170)
    centre, radius = (900, 700), 150
    box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
    stamp.ellipse(box, outline=ink, width=8)
    stamp.ellipse((box[0] + 40, box[1] + 40, box[2] - 40, box[3] - 40), outline=ink, width=4)
    seal = ImageFont.truetype(find_font("bold"), 26)
    stamp.text((centre[0] - 105, centre[1] - 14), "ỦY BAN NHÂN DÂN", font=seal, fill=ink)
    page = Image.alpha_composite(page.convert("RGBA"), overlay).convert("RGB")
    return page


def test_a_seal_is_painted_out_and_red_print_kept() -> None:
    pixels = np.asarray(_page())
    gray, painted = gray_without_seals(pixels)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 90)
    title, seal = red[:300], red[500:900]
    assert painted and title.any() and seal.any()
    assert gray[:300][title].mean() < 110  # the title is dark print to read
    assert gray[500:900][seal].min() == 255  # the seal is gone


def test_a_red_title_is_read_and_the_seal_is_not(tmp_path: Path) -> None:
    path = tmp_path / "card.png"
    _page().save(path, dpi=(200, 200))
    (page,) = digitize([path], Options(jobs=1)).pages
    lines = page.text.splitlines()
    assert lines[0] == TITLE and len(lines) == 1 + len(BODY)  # nothing read from the seal
    assert cer("\n".join(BODY), "\n".join(lines[1:])) < 0.02  # a letter under its ring aside


def _inked(page: Image.Image, draw_marks: Callable[[ImageDraw.ImageDraw], None]) -> Image.Image:
    """Red marks stamped as ink does, multiplied with the page: black under them stays black."""
    layer = Image.new("RGB", page.size, "white")
    draw_marks(ImageDraw.Draw(layer))
    return ImageChops.multiply(page, layer)


def _seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int) -> None:
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=RED, width=8)
    draw.ellipse(
        (x - radius + 40, y - radius + 40, x + radius - 40, y + radius - 40), outline=RED, width=4
    )
    seal = ImageFont.truetype(find_font("bold"), 26)
    draw.text((x - 105, y - 14), "ỦY BAN NHÂN DÂN", font=seal, fill=RED)


def _black_page() -> Image.Image:
    page = Image.new("RGB", (1654, 1169), "white")
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(find_font("serif"), 44)
    for n, line in enumerate(BODY):
        draw.text((200, 150 + 110 * n), line, font=body, fill=(20, 20, 20))
    return page


def _rectangular_stamp(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((380, 240, 1000, 380), outline=RED, width=6)
    draw.text(
        (420, 280), "SAO Y BẢN CHÍNH", font=ImageFont.truetype(find_font("bold"), 56), fill=RED
    )


def _seals_side_by_side(draw: ImageDraw.ImageDraw) -> None:
    _seal(draw, (560, 620), 150)
    _seal(draw, (820, 600), 150)


def _seal_off_the_edge(draw: ImageDraw.ImageDraw) -> None:
    _seal(draw, (1600, 1120), 150)


@pytest.mark.parametrize(
    "marks", [_seals_side_by_side, _seal_off_the_edge], ids=lambda f: f.__name__
)
def test_seals_side_by_side_or_cut_by_the_edge_are_painted_out(
    tmp_path: Path, marks: Callable[[ImageDraw.ImageDraw], None]
) -> None:
    """Two seals side by side (one blob, not round), a seal cut by the page's edge: nothing read
    from them, the print under them read as printed (a first version read them as print)."""
    path = tmp_path / "page.png"
    _inked(_black_page(), marks).save(path, dpi=(200, 200))
    (page,) = digitize([path], Options(jobs=1)).pages
    assert cer("\n".join(BODY), page.text) < 0.02


def test_a_stamp_across_print_is_painted_out_and_the_print_kept() -> None:
    """A rectangular stamp is a line of red, but over black print: painted out (kept as grey,
    a first version's, it garbled the print under it), the black under its ink left dark."""
    pixels = np.asarray(_inked(_black_page(), _rectangular_stamp))
    gray, painted = gray_without_seals(pixels)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 90)
    black = pixels.max(axis=2) < 60
    under = black[240:380, 380:1000]
    assert painted and under.any()
    assert gray[red].min() == 255 and gray[240:380, 380:1000][under].max() < 60
