"""Fast first, best where unsure: an OCR policy behind the engine seam.

The fast model reads a clean line as well as best_int and costs less; best_int earns its price
only on the lines the fast model doubts (degraded print, tone marks). So the whole page is read
once with the fast model (its layout analysis gives the lines), and only the lines holding a word
under the confidence threshold are read again with best_int. The unsure lines are cut out and
stacked into one strip image read in a single call (PSM 6), to pay Tesseract's fixed cost per
call once (the benchmark also times one call per line, PSM 7: no clear winner). best_int's
words replace a line's words only when they are at least as confident, so a re-read never makes
a line worse by the engine's own measure. Not selectable yet: at equal CER it was not cheaper
than best_int (benchmarks/results/ocr_policy.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import tesserocr
from PIL import Image

from hoso.digitize.errors import OcrError
from hoso.digitize.models import Word
from hoso.digitize.ocr.engine import OcrPage, OrientationGuess
from hoso.digitize.ocr.tesserocr_engine import TesserocrEngine, recognize_words
from hoso.ocr_models import tessdata_dir

# A line is re-read when one of its words is under this confidence (0-1). On the tuning pages of
# benchmarks/ocr_policy.py 0.9 was the lowest value at best_int's CER on every level (0.75 lost
# accuracy on degraded and bilevel pages); the held-out seeds agreed.
DEFAULT_THRESHOLD = 0.9
# Room around a line's words, as a share of the line's height: enough for tone marks and
# descenders the word boxes clipped, small enough not to take the neighbours' specks.
LINE_PAD = 0.2
# White between stacked lines, as a share of the tallest line: Tesseract must see separate lines.
STRIP_GAP = 0.8


@dataclass(frozen=True)
class LineBox:
    line: int
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass
class RereadStats:
    """Counts for the benchmark: how many lines the fast read doubted and how many best_int won."""

    lines: int = 0
    reread: int = 0
    replaced: int = 0
    calls: int = 0


@dataclass
class _Strip:
    """Unsure lines stacked top to bottom in one image; `tops` places each back on the page."""

    image: Image.Image
    boxes: list[LineBox]
    tops: list[int] = field(default_factory=list)  # the top of each line within the strip


class FastThenBestEngine:
    name = "tesserocr"

    def __init__(
        self,
        lang: str,
        threshold: float = DEFAULT_THRESHOLD,
        stacked: bool = True,
        trust_best: bool = False,
    ) -> None:
        """For the benchmark: `stacked=False` reads each unsure line in its own call (PSM 7);
        `trust_best` takes best_int's words on a re-read line even when they are less sure."""
        self.lang = lang
        self.threshold = threshold
        self.stacked = stacked
        self.trust_best = trust_best
        self.stats = RereadStats()
        self._fast = TesserocrEngine(lang=lang, model="fast")
        try:
            self._best = tesserocr.PyTessBaseAPI(
                path=str(tessdata_dir("best_int")),
                lang=lang,
                psm=tesserocr.PSM.SINGLE_BLOCK,
                oem=tesserocr.OEM.LSTM_ONLY,
            )
        except RuntimeError as exc:
            self._fast.close()
            raise OcrError(f"Tesseract could not load its models: {exc}") from exc

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        first = self._fast.recognize(image, dpi)
        lines = group_lines(first.words)
        unsure = [n for n, words in lines.items() if self._unsure(words)]
        self.stats.lines += len(lines)
        self.stats.reread += len(unsure)
        if not unsure:
            return first
        boxes = [line_box(n, lines[n], image.size) for n in unsure]
        second: dict[int, list[Word]] = {}
        if self.stacked:
            second = self._read_strip(stack_lines(image, boxes), dpi, tesserocr.PSM.SINGLE_BLOCK)
        else:
            for box in boxes:
                second |= self._read_strip(
                    stack_lines(image, [box]), dpi, tesserocr.PSM.SINGLE_LINE
                )
        kept = {n: lines[n] for n in lines}
        for n, words in second.items():
            if words and (self.trust_best or confidence(words) >= confidence(lines[n])):
                kept[n] = words
                self.stats.replaced += 1
        return OcrPage(words=[w for n in sorted(kept) for w in kept[n]])

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        return self._fast.detect_orientation(image, dpi)

    def close(self) -> None:
        self._fast.close()
        self._best.End()

    def _unsure(self, words: list[Word]) -> bool:
        return min(w.confidence for w in words) < self.threshold

    def _read_strip(self, strip: _Strip, dpi: int, psm: int) -> dict[int, list[Word]]:
        self.stats.calls += 1
        self._best.SetPageSegMode(psm)
        return place_on_page(recognize_words(self._best, strip.image, dpi), strip)


def group_lines(words: list[Word]) -> dict[int, list[Word]]:
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return lines


def confidence(words: list[Word]) -> float:
    """Character-weighted like `OcrPage.mean_confidence`: a speck does not outvote a long word."""
    return OcrPage(words=words).mean_confidence


def line_box(line: int, words: list[Word], size: tuple[int, int]) -> LineBox:
    top, bottom = min(w.top for w in words), max(w.bottom for w in words)
    pad = max(2, round((bottom - top) * LINE_PAD))
    return LineBox(
        line=line,
        left=max(0, min(w.left for w in words) - pad),
        top=max(0, top - pad),
        right=min(size[0], max(w.right for w in words) + pad),
        bottom=min(size[1], bottom + pad),
    )


def stack_lines(image: Image.Image, boxes: list[LineBox]) -> _Strip:
    """Cut each line out of the page and stack the cuts, left-aligned, with white between them."""
    gap = max(8, round(max(b.height for b in boxes) * STRIP_GAP))
    width = max(b.right - b.left for b in boxes) + 2 * gap
    height = sum(b.height for b in boxes) + gap * (len(boxes) + 1)
    strip = Image.new(image.mode, (width, height), _white(image.mode))
    tops = []
    y = gap
    for box in boxes:
        strip.paste(image.crop((box.left, box.top, box.right, box.bottom)), (gap, y))
        tops.append(y)
        y += box.height + gap
    return _Strip(image=strip, boxes=boxes, tops=tops)


def place_on_page(words: list[Word], strip: _Strip) -> dict[int, list[Word]]:
    """Give each word read in the strip back to the line it was cut from, in page pixels, kept
    inside that line's box; a word whose middle falls in a gap belongs to no line and is dropped.
    Known weakness (real scans): a cut takes the clipped edge of a tightly set neighbour line,
    which PSM 6 reads as a line of garbage inside the box; dropping words in the padding removed
    it but lost more on a straightened sideways scan (benchmarks/results/ocr_policy.md)."""
    gap = strip.tops[0]
    placed: dict[int, list[Word]] = {box.line: [] for box in strip.boxes}
    for word in words:
        middle = (word.top + word.bottom) / 2
        for box, top in zip(strip.boxes, strip.tops, strict=True):
            if top <= middle < top + box.height:
                dx, dy = box.left - gap, box.top - top
                placed[box.line].append(
                    replace(
                        word,
                        left=_clamp(word.left + dx, box.left, box.right),
                        right=_clamp(word.right + dx, box.left, box.right),
                        top=_clamp(word.top + dy, box.top, box.bottom),
                        bottom=_clamp(word.bottom + dy, box.top, box.bottom),
                        line=box.line,
                    )
                )
                break
    return placed


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _white(mode: str) -> int | tuple[int, ...]:
    if mode == "1":
        return 1
    if mode in ("RGB", "RGBA"):
        return (255,) * len(mode)
    return 255
