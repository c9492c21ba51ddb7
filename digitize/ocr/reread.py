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

from dataclasses import dataclass

import tesserocr
from PIL import Image

from hoso.digitize.errors import OcrError
from hoso.digitize.models import Word
from hoso.digitize.ocr.engine import OcrPage, OrientationGuess
from hoso.digitize.ocr.strips import (
    Strip,
    confidence,
    group_lines,
    line_box,
    place_on_page,
    stack_lines,
)
from hoso.digitize.ocr.tesserocr_engine import TesserocrEngine, recognize_words
from hoso.ocr_models import tessdata_dir

# A line is re-read when one of its words is under this confidence (0-1). On the tuning pages of
# benchmarks/ocr_policy.py 0.9 was the lowest value at best_int's CER on every level (0.75 lost
# accuracy on degraded and bilevel pages); the held-out seeds agreed.
DEFAULT_THRESHOLD = 0.9


@dataclass
class RereadStats:
    """Counts for the benchmark: how many lines the fast read doubted and how many best_int won."""

    lines: int = 0
    reread: int = 0
    replaced: int = 0
    calls: int = 0


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

    def _read_strip(self, strip: Strip, dpi: int, psm: int) -> dict[int, list[Word]]:
        self.stats.calls += 1
        self._best.SetPageSegMode(psm)
        return place_on_page(recognize_words(self._best, strip.image, dpi), strip)
