"""Lines cut out of a page and stacked into one strip image, read in one OCR call and put back
where they came from: Tesseract pays its fixed cost per call once, however many lines are read
again (the fast-then-best policy's doubted lines, the lines the layout analysis left out)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PIL import Image

from hoso.digitize.models import Word
from hoso.digitize.ocr.engine import OcrPage

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
class Strip:
    """Unsure lines stacked top to bottom in one image; `tops` places each back on the page."""

    image: Image.Image
    boxes: list[LineBox]
    tops: list[int] = field(default_factory=list)  # the top of each line within the strip


@dataclass(frozen=True)
class Extent:
    """The box a run of words covers, in the words' pixels (y down)."""

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def of(cls, words: list[Word]) -> Extent:
        return cls(
            min(w.left for w in words),
            min(w.top for w in words),
            max(w.right for w in words),
            max(w.bottom for w in words),
        )

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> int:
        return self.bottom - self.top


def group_lines(words: list[Word]) -> dict[int, list[Word]]:
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return lines


def confidence(words: list[Word]) -> float:
    """Character-weighted like `OcrPage.mean_confidence`: a speck does not outvote a long word."""
    return OcrPage(words=words).mean_confidence


def line_box(line: int, words: list[Word], size: tuple[int, int]) -> LineBox:
    extent = Extent.of(words)
    pad = max(2, round(extent.height * LINE_PAD))
    return LineBox(
        line=line,
        left=max(0, extent.left - pad),
        top=max(0, extent.top - pad),
        right=min(size[0], extent.right + pad),
        bottom=min(size[1], extent.bottom + pad),
    )


def _gap(boxes: list[LineBox]) -> int:
    return max(8, round(max(b.height for b in boxes) * STRIP_GAP))


def stacked_height(boxes: list[LineBox]) -> int:
    """How tall the strip of these lines is."""
    return sum(b.height for b in boxes) + _gap(boxes) * (len(boxes) + 1)


def stack_lines(image: Image.Image, boxes: list[LineBox]) -> Strip:
    """Cut each line out of the page and stack the cuts, left-aligned, with white between them."""
    gap = _gap(boxes)
    width = max(b.right - b.left for b in boxes) + 2 * gap
    height = stacked_height(boxes)
    strip = Image.new(image.mode, (width, height), _white(image.mode))
    tops = []
    y = gap
    for box in boxes:
        strip.paste(image.crop((box.left, box.top, box.right, box.bottom)), (gap, y))
        tops.append(y)
        y += box.height + gap
    return Strip(image=strip, boxes=boxes, tops=tops)


def place_on_page(words: list[Word], strip: Strip) -> dict[int, list[Word]]:
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
