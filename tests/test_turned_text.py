"""Born-digital text at right angles to the rest of its page: a dossier code printed up the
margin, a stamp's words down the other side, a line upside down at the foot. Read in the
page's own direction, each came apart into one letter a line, and the letters were mixed into
the lines beside them ("Dong van ban so 1 A"): the code could not be found by search. Each is
now read in its own direction, as lines of its own, and the archived copy's invisible text
draws them turned the same way."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from hoso.digitize.models import DocumentResult, Options
from hoso.digitize.pipeline import digitize, write_outputs
from hoso.digitize.rasterize import born_digital_words
from tests.typed_pdf import helvetica_page, lines_at

BODY = ["DON DE NGHI CAP GIAY CHUNG NHAN", "Ho va ten: Nguyen Thi Huong"] + [
    f"Dong van ban so {n} cua don nay" for n in range(6)
]
CODE = "Ma ho so 000.00.48.H17-250301-0042"  # up the left margin (turned 90°)
STAMP = "BAN SAO DIEN TU"  # down the right margin (turned 270°)
FOOT = "Trang 1 tren 2"  # upside down at the foot (turned 180°)


def _typed(path: Path, turned: bool = True) -> Path:
    margins = (
        f"0 1 -1 0 30 300 Tm ({CODE}) Tj 0 -1 1 0 570 700 Tm ({STAMP}) Tj "
        f"-1 0 0 -1 400 60 Tm ({FOOT}) Tj"
    )
    return helvetica_page(path, f"BT /Helv 13 Tf {lines_at(BODY)} {margins if turned else ''} ET")


def _read(path: Path) -> DocumentResult:
    return digitize([path], Options(jobs=1))


def test_text_at_right_angles_is_read_whole_in_its_own_lines(tmp_path: Path) -> None:
    document = _read(_typed(tmp_path / "form.pdf"))
    lines = document.pages[0].text.splitlines()
    assert [line for line in lines if line not in (CODE, STAMP, FOOT)] == BODY
    assert {CODE, STAMP, FOOT} <= set(lines)
    plain = _read(_typed(tmp_path / "plain.pdf", turned=False)).pages[0].text
    assert plain.splitlines() == BODY


@pytest.mark.parametrize(("text", "turn"), [(CODE, 90), (STAMP, 270), (FOOT, 180)])
def test_turned_words_lie_where_they_are_printed(tmp_path: Path, text: str, turn: int) -> None:
    """Boxes on the upright page, in its pixels (300 dpi): the code along the left edge from
    y = 300 pt upward, the stamp along the right edge from y = 700 pt downward, the foot line
    at the bottom running leftward from x = 400 pt."""
    (page,) = _read(_typed(tmp_path / "form.pdf")).pages
    words = [w for w in page.words if w.turn == turn]
    assert " ".join(w.text for w in words) == text
    left, right = min(w.left for w in words), max(w.right for w in words)
    top, bottom = min(w.top for w in words), max(w.bottom for w in words)
    px = 300 / 72
    if turn == 90:
        assert right < 40 * px and abs(bottom - (842 - 300) * px) < 10 * px
    elif turn == 270:
        assert left > 550 * px and abs(top - (842 - 700) * px) < 10 * px
    else:
        assert abs(right - 400 * px) < 10 * px and bottom > (842 - 70) * px


def test_the_archived_copy_carries_turned_text_as_the_original_did(tmp_path: Path) -> None:
    original = tmp_path / "form.pdf"
    document = _read(_typed(original))
    write_outputs(document, tmp_path / "archived.pdf", None, title="form")
    read: dict[str, list[tuple[str, int]]] = {}
    for name in ("form.pdf", "archived.pdf"):
        with pdfplumber.open(tmp_path / name) as pdf:
            _, words = born_digital_words(pdf.pages[0], 300)
        read[name] = sorted((w.text, w.turn) for w in words)
    assert read["archived.pdf"] == read["form.pdf"]
    assert ("000.00.48.H17-250301-0042", 90) in read["archived.pdf"]
