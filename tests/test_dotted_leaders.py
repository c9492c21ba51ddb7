"""Forms whose lines are filled with dotted leaders ("Họ và tên: NGUYỄN VĂN A ……………"), as
most Vietnamese application forms print them (issue 16, real form layouts).

Found by a helper on a business-registration form of its own: the leaders' dots stood in runs
as letters do and outnumbered them, so the page's letters were measured at 5 px for 21-px
print. The 200-dpi page was said to be 44 dpi (under the legal minimum: "rescan"), both pages
were read at the wrong scale at 58-62 % confidence, the leaders came back as "nnnnnnnn nen"
and a tax code took four junk digits ("01098765570057"). The forms here are drawn by the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from tests.synthetic import find_font

VALUES = {
    "full_name": "LÊ THỊ HỒNG NHUNG",
    "date_of_birth": "05/08/1990",
    "id_number": "079190008812",
    "phone": "0912468024",
    "tax_code": "0312457689",
}


def leader_form(dpi: int, style: str, leaders: bool = True) -> Image.Image:
    """An application whose every line runs on in dots to the right margin."""
    scale = dpi / 72
    width, height = int(8.27 * dpi), int(11.69 * dpi)  # A4, as forms are
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_font(style), round(13 * scale))
    left, right = int(56 * scale), width - int(56 * scale)
    lines = [
        "Kính gửi: Ủy ban nhân dân phường Bến Nghé",
        f"Họ, chữ đệm và tên: {VALUES['full_name']}",
        f"Ngày, tháng, năm sinh: {VALUES['date_of_birth']}     Giới tính: Nữ",
        f"Số định danh cá nhân: {VALUES['id_number']}",
        "Nơi cư trú: Số 24 đường Lý Tự Trọng, phường Bến Nghé, quận 1",
        f"Số điện thoại: {VALUES['phone']}",
        f"Mã số thuế: {VALUES['tax_code']}",
        "Nội dung đề nghị: cấp bản sao trích lục hộ tịch",
        "Lý do:",
    ]
    y = int(40 * scale)
    draw.text((width // 2, y), "ĐƠN ĐỀ NGHỊ", font=font, fill=0, anchor="mt")
    y += int(40 * scale)
    dot = draw.textlength(".", font=font)
    for line in lines:
        draw.text((left, y), line, font=font, fill=0)
        end = left + draw.textlength(line, font=font)
        if leaders:
            draw.text((end, y), "." * int((right - end) / dot), font=font, fill=0)
        y += int(26 * scale)
    return image


def test_leaders_do_not_measure_the_letters() -> None:
    """The page's letter size with its leaders is the one without them (within a pixel or
    two: the dots beside the text stay in its runs)."""
    with_leaders = find_glyphs(np.asarray(leader_form(300, "serif")))
    without = find_glyphs(np.asarray(leader_form(300, "serif", leaders=False)))
    assert with_leaders.letter_size == pytest.approx(without.letter_size, rel=0.1)


@pytest.mark.parametrize(("dpi", "style", "tagged"), [(200, "serif", False), (300, "sans", True)])
def test_a_form_filled_with_leaders_reads_its_values(
    dpi: int, style: str, tagged: bool, tmp_path: Path
) -> None:
    path = tmp_path / "form.png"
    form = leader_form(dpi, style)
    if tagged:
        form.save(path, dpi=(dpi, dpi))
    else:
        form.save(path)
    result = digitize([path], Options(jobs=1))
    page = result.pages[0]
    assert page.dpi == pytest.approx(dpi, rel=0.1)
    assert not page.below_legal_minimum
    assert page.mean_confidence >= 0.85
    assert result.fields is not None
    read = {name: value.value for name, value in result.fields.fields.items()}
    assert {name: read.get(name) for name in VALUES} == VALUES
    # The leaders are not read as letters: no line ends in a run of junk.
    assert not any("nnn" in line for line in page.text.splitlines())


@pytest.mark.parametrize("dpi", [200, 300])
def test_bold_print_is_no_leader(dpi: int) -> None:
    """A bold word's letters fill their boxes and stand on one baseline like a leader's dots:
    helper-70's minutes in a bold sans had been painted out as leaders ("BIÊN BẢN HỌP" read
    "BÊ Ả ỌO"). A leader's dots stand two to four dot sizes apart; a word's letters, one."""
    scale = dpi / 72
    image = Image.new("L", (int(8.27 * dpi), int(4 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(find_font("bold"), round(10 * scale))
    for row in range(10):
        draw.text((40 * scale, (20 + 22 * row) * scale), "BIÊN BẢN HỌP HỘI ĐỒNG nơi nhận "
                  "chúng tôi gồm có ông Nguyễn Văn Nam", font=font, fill=0)  # fmt: skip
    assert find_glyphs(np.asarray(image)).leader_dots == 0
