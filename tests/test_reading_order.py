"""Lines put back where they are printed (`digitize/ocr/order.py`): Tesseract orders by block,
and on a noisy page a single line can become a block read first. A line two consecutive lines
enclose (one above, one below, sharing its width) goes between them; columns, side-by-side
letterhead blocks and tables read column by column keep Tesseract's order."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from hoso.digitize.models import Options, Word
from hoso.digitize.ocr.engine import OcrEngine, OcrPage
from hoso.digitize.ocr.order import lines_in_place
from hoso.digitize.pipeline import digitize
from tests.engines import RealEngine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page


def _line(number: int, left: int, top: int, right: int, text: str = "chữ") -> list[Word]:
    """One line of two words spanning left-right, 30 px high."""
    middle = (left + right) // 2
    return [
        Word(text, left, top, middle - 10, top + 30, 0.9, number),
        Word(text, middle + 10, top, right, top + 30, 0.9, number),
    ]


def _order(words: list[Word]) -> list[int]:
    return list(dict.fromkeys(w.line for w in words))


def test_a_line_read_first_goes_back_between_the_lines_around_it() -> None:
    body = [_line(n, 100, 100 + 50 * n, 1500) for n in range(6)]
    misread = [*body[3], *body[0], *body[1], *body[2], *body[4], *body[5]]
    assert _order(lines_in_place(misread)) == [0, 1, 2, 3, 4, 5]


def test_a_short_line_read_last_goes_back_to_its_row() -> None:
    body = [_line(n, 100, 100 + 50 * n, 1500) for n in range(5)]
    signer = _line(9, 1000, 100 + 50 * 2, 1400)  # right-aligned, on row 2: body[2] moved aside
    lines = [body[0], body[1], body[3], body[4], signer]
    moved = lines_in_place([w for line in lines for w in line])
    assert _order(moved) == [0, 1, 9, 3, 4]


def test_two_columns_keep_their_order() -> None:
    left = [_line(n, 100, 100 + 50 * n, 700) for n in range(5)]
    right = [_line(10 + n, 800, 100 + 50 * n, 1400) for n in range(5)]
    words = [w for line in [*left, *right] for w in line]
    assert lines_in_place(words) == words


def test_a_letterhead_beside_a_heading_keeps_its_order() -> None:
    agency = [_line(0, 100, 100, 600), _line(1, 150, 150, 550)]  # "ỦY BAN…", "Số: …"
    motto = [_line(2, 800, 100, 1500), _line(3, 850, 140, 1450), _line(4, 900, 190, 1400)]
    body = [_line(5 + n, 100, 300 + 50 * n, 1500) for n in range(3)]
    words = [w for line in [*agency, *motto, *body] for w in line]
    assert lines_in_place(words) == words


def test_a_table_read_column_by_column_keeps_its_order() -> None:
    labels = [_line(n, 100, 100 + 50 * n, 500) for n in range(4)]
    values = [_line(10 + n, 600, 100 + 50 * n, 1400) for n in range(4)]
    words = [w for line in [*labels, *values] for w in line]
    assert lines_in_place(words) == words


class EngineReadingALineFirst(RealEngine):
    """A real engine whose whole-page reads put the line holding `word` first, as Tesseract's
    block order did on a noisy page."""

    name = "line-first"

    def __init__(self, word: str) -> None:
        super().__init__()
        self._word = word

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        page = super().recognize(image, dpi)
        first = {w.line for w in page.words if self._word in w.text}
        return OcrPage(
            words=[w for w in page.words if w.line in first]
            + [w for w in page.words if w.line not in first]
        )


def test_a_page_read_out_of_order_reads_in_order(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=33, dpi=200, body_lines=8))
    lines = page.text.splitlines()
    word = max((w for w in lines[9].split() if sum(w in line for line in lines) == 1), key=len)

    def engine(_: Options) -> OcrEngine:
        return EngineReadingALineFirst(word)

    result = digitize([page.save(tmp_path / "p.png")], Options(jobs=1), engine_factory=engine)
    read = result.pages[0].text.splitlines()
    assert cer(page.text, result.pages[0].text) < 0.01
    assert word in read[9], read[:3]
