"""Red on a page is a seal or print (issue 16, found on a card a reviewing helper made): seals
are painted out of what OCR reads, and red print stays: a citizen-ID card's red title "CĂN
CƯỚC CÔNG DÂN" was painted out with the seals and read as "CAN CƯỚC CDONG DẠN" or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

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
