"""Lines Tesseract's layout analysis leaves out are read again (issue 16): the glyph mask shows
letters where no word was read; they are cut out, read on their own and put back in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.degradations import field_document
from hoso.digitize.ink import unread_runs
from hoso.digitize.models import Options, Word
from hoso.digitize.ocr.engine import OcrEngine, OcrPage
from hoso.digitize.page import in_reading_order, words_to_text
from hoso.digitize.pipeline import digitize, document_json
from tests.engines import RealEngine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page

LETTER = 10  # px, the mask's letter size in the unit tests


def _line_of_letters(
    mask: np.ndarray, top: int, left: int, letters: int
) -> tuple[int, int, int, int]:
    """Letters of LETTER px, a third of a letter apart, a word gap every five: a printed line."""
    x = right = left
    for number in range(letters):
        mask[top : top + LETTER, x : x + 7] = 1
        right = x + 7
        x = right + (6 if number % 5 == 4 else 3)
    return (left, top, right, top + LETTER)


def test_a_line_no_word_covers_is_found_and_read_ones_are_not() -> None:
    mask = np.zeros((200, 400), np.uint8)
    read = [_line_of_letters(mask, 20, 20, 30), _line_of_letters(mask, 100, 20, 30)]
    left_out = _line_of_letters(mask, 60, 20, 20)
    mask[150:153, 300:303] = 1  # a speck
    _line_of_letters(mask, 170, 20, 2)  # "12": a page number, too short to be a line
    runs = unread_runs(mask, read, float(LETTER))
    assert len(runs) == 1
    left, top, right, bottom = runs[0]
    assert abs(left - left_out[0]) <= 2 and abs(right - left_out[2]) <= 2
    assert (top, bottom) == (left_out[1], left_out[3])


class EngineLeavingOutALine(RealEngine):
    """A real engine whose whole-page reads leave out every word of the lines holding `word`,
    as Tesseract's layout analysis sometimes does; smaller images (a strip of lines) it reads
    whole."""

    name = "leaving-out"

    def __init__(self, word: str, page_height: int) -> None:
        super().__init__()
        self._word, self._page_height = word, page_height

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        page = super().recognize(image, dpi)
        if image.height < self._page_height / 2:
            return page
        dropped = {w.line for w in page.words if self._word in w.text}
        return OcrPage(words=[w for w in page.words if w.line not in dropped])


def test_a_line_the_layout_analysis_left_out_is_read_again_in_its_place(tmp_path: Path) -> None:
    page = render_page(PageSpec(seed=31, dpi=200, body_lines=6))
    lines = page.text.splitlines()
    word = max((w for w in lines[7].split() if sum(w in line for line in lines) == 1), key=len)

    def engine(_: Options) -> OcrEngine:
        return EngineLeavingOutALine(word, page.image.height)

    result = digitize([page.save(tmp_path / "p.png")], Options(jobs=1), engine_factory=engine)
    read = result.pages[0].text.splitlines()
    assert cer(page.text, result.pages[0].text) < 0.01
    at = next(number for number, line in enumerate(read) if word in line)
    assert read[at - 1 : at + 2] == lines[6:9]  # between the lines it stood between


def test_a_phone_photo_keeps_the_name_line_tesseract_drops(tmp_path: Path) -> None:
    """On this photo of an application Tesseract's page layout leaves out the line "Họ và tên:
    Hoàng Đức Uyên" (found on the benchmark's diagnostic seeds): the name came back missing."""
    photo = field_document("photo", "application", 202, "plain", tmp_path)
    data = document_json(digitize([photo], Options(jobs=1)))
    assert "Họ và tên: Hoàng Đức Uyên" in data["pages"][0]["text"]
    assert data["fields"]["full_name"]["value"] == "Hoàng Đức Uyên"


def _word(text: str, left: int, top: int, line: int) -> Word:
    return Word(text, left, top, left + 10 * len(text), top + 20, 0.9, line)


def test_lines_read_again_join_their_row_in_order() -> None:
    """A table's label cell left out beside its value read, and a dropped line the mask showed
    as two pieces: each row reads as one line, left to right, in its place."""
    read = [
        _word("Họ", 20, 10, 0),
        _word("và", 60, 10, 0),
        _word("tên:", 100, 10, 0),
        _word("28/11/1960", 300, 52, 1),
        Word(".", 600, 95, 602, 97, 0.1, 2),  # a speck read as a line of its own
        _word("Tôi", 20, 130, 3),
    ]
    added = {
        7: [_word("sinh", 70, 50, 7)],  # pieces of one row, the right one first
        6: [_word("Ngày", 20, 50, 6)],
        8: [_word("Nơi", 20, 90, 8), _word("sinh:", 70, 90, 8)],
    }
    text = words_to_text(in_reading_order(read, added))
    assert text.splitlines() == ["Họ và tên:", "Ngày sinh 28/11/1960", ".", "Nơi sinh:", "Tôi"]


class SizeRecordingEngine(RealEngine):
    """Real recognition; keeps the size of every image it is handed."""

    name = "sizes"

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[tuple[int, int]] = []

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        self.sizes.append(image.size)
        return super().recognize(image, dpi)


def test_a_halftone_is_not_read_again_line_by_line(tmp_path: Path) -> None:
    """A printed photograph's dots stand in rows like letters, and no word covers them: cut out
    as "lines left out" and stacked, they made a strip larger than the page (on an A4 halftone,
    twenty pages tall: Tesseract refused the image and the page failed). Ink that is more lines
    than the page holds is not lines left out: nothing read is larger than the page."""
    height, width, cell = 1754, 1240, 6  # A4 at 150 dpi
    rows, columns = np.mgrid[0:height, 0:width]
    radius = (
        (columns / width * 0.8 + 0.1) * cell / 1.6
    )  # a grey ramp, as a laser printer screens it
    dots = np.hypot(rows % cell - cell / 2, columns % cell - cell / 2) < radius
    path = tmp_path / "halftone.png"
    Image.fromarray(np.where(dots, 30, 245).astype(np.uint8)).save(path, dpi=(150, 150))
    engine = SizeRecordingEngine()
    digitize([path], Options(jobs=1), engine_factory=lambda _: engine)
    page_read = max(w * h for w, h in engine.sizes[:1])
    assert all(w * h <= page_read for w, h in engine.sizes), engine.sizes
