"""Where each field's value stands on its pages, and whether OCR was sure of the words it was read
from.

The extractor reads fields from text alone; the pages keep each word's box and the engine's
confidence in it. A value read from words Tesseract doubted ("Hdàng" at 31 %, a date's digits at
70 %) is the value most likely to be wrong, yet a printed label gave it the confidence of a label
and it went straight to reuse. On the noisy 150-dpi forms of the degradation benchmark about two
wrong values in three stood on such words, against about one right value in four; on clean pages
one value in eighty did. So a value whose words fall under `OCR_UNSURE_BELOW` gets a problem,
which sends it to an officer (`storage.reuse`), with the words named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from hoso.digitize.fields.extract import (
    CHECKED_SOURCES,
    NAME_FIELDS,
    SURNAME_FOLDS,
    DocumentFields,
    FieldValue,
    as_read,
    repaired,
)
from hoso.digitize.fields.given_names import with_name_syllables
from hoso.digitize.fields.problems import OCR_UNSURE
from hoso.digitize.models import PageResult, Word

# Word confidence (0-1) under which OCR is taken as unsure of a value. Measured on the tuning
# layouts' forms (diagnostic seeds 200-205, never the benchmark's): at 0.8, noisy 150-dpi forms
# sent 51 of 72 wrong values to review and 74 of 263 right ones; clean forms 3 of 248 right ones.
# 0.9 caught 5 more wrong values for 28 more right ones and 9 more on clean pages.
OCR_UNSURE_BELOW = 0.8
UNSURE_WORDS_SHOWN = 3
# A page is read poorly when OCR doubts this share of its words; its names' words that no one
# bears are read back as names (`given_names`) even where OCR was sure of them. Measured on the
# tuning layouts' forms (seeds 200-203): clean pages 0-0.04, phone photos 0-0.11, noisy
# 150-dpi scans 0.16-0.70.
POORLY_READ_SHARE = 0.15
POORLY_READ_MIN_WORDS = 30
# A value read without its line (a header's issuer, a signer under the signature) is placed on
# the line holding words this close to it, or nowhere; a value of fewer letters and digits
# than `PLACED_BY_TEXT_MIN` is not looked for ("Nam" stands in "Việt Nam" on any page).
SAME_TEXT = 0.8
PLACED_BY_TEXT_MIN = 6
# A value's words are a run of its line's words at most this many longer than the value itself
# (a label before it, a stray mark inside).
EXTRA_WORDS = 2


@dataclass(frozen=True)
class TextLine:
    """One line of recognised words on a page, as the text the extractor read joined them."""

    page: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (
            min(w.left for w in self.words),
            min(w.top for w in self.words),
            max(w.right for w in self.words),
            max(w.bottom for w in self.words),
        )


def lines_of(pages: Iterable[PageResult]) -> list[TextLine]:
    lines: list[TextLine] = []
    for page in pages:
        by_line: dict[int, list[Word]] = {}
        for word in page.words:
            by_line.setdefault(word.line, []).append(word)
        lines.extend(TextLine(page.number, tuple(words)) for words in by_line.values())
    return lines


def _key(text: str) -> str:
    """Letters and digits only, case folded, marks kept: what a value and its words share
    whatever spaces and punctuation OCR or the extractor's cleaning put between them."""
    return re.sub(r"[\W_]+", "", text.casefold())


def value_words(value: str, words: tuple[Word, ...]) -> tuple[tuple[Word, ...], float]:
    """The run of `words` closest to `value`, and how close (0-1)."""
    wanted = _key(value)
    keys = [_key(w.text) for w in words]
    longest = len(value.split()) + EXTRA_WORDS
    best: tuple[tuple[Word, ...], float] = ((), 0.0)
    if not wanted:
        return best
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + longest) + 1):
            similarity = Levenshtein.normalized_similarity("".join(keys[start:end]), wanted)
            if similarity > best[1]:
                best = (words[start:end], similarity)
    return best


def _line_of(value: FieldValue, lines: list[TextLine]) -> TextLine | None:
    """The line the value was read from; for a value the extractor placed nowhere, the line
    holding it, if one does closely enough."""
    if value.line is not None:
        for line in lines:
            if as_read(line.text) == value.line:
                return line
    if len(_key(value.value)) < PLACED_BY_TEXT_MIN:
        return None
    best, closest = None, SAME_TEXT
    for line in lines:
        similarity = value_words(value.value, line.words)[1]
        if similarity >= closest:
            best, closest = line, similarity
    return best


def ocr_doubts(words: Iterable[Word]) -> str | None:
    """The problem to report when OCR was unsure of any of `words`, or None."""
    unsure = [w for w in words if w.confidence < OCR_UNSURE_BELOW]
    if not unsure:
        return None
    shown = " ".join(w.text for w in unsure[:UNSURE_WORDS_SHOWN])
    return OCR_UNSURE.format(words=shown, confidence=min(w.confidence for w in unsure))


def poorly_read(words: list[Word]) -> bool:
    """Whether OCR doubted at least `POORLY_READ_SHARE` of a page's words, counting only words
    with a letter or digit (a seal's or signature's specks read as marks are no print read
    badly), and only on a page of `POORLY_READ_MIN_WORDS` such words or more."""
    printed = [w for w in words if _key(w.text)]
    return len(printed) >= POORLY_READ_MIN_WORDS and sum(
        w.confidence < OCR_UNSURE_BELOW for w in printed
    ) >= POORLY_READ_SHARE * len(printed)


def _beside(run: tuple[Word, ...], words: tuple[Word, ...]) -> list[Word]:
    """The words right before and after `run` on its line, but a label's last word (it ends in
    a colon): a word the extractor left out beside a value may be a part of it OCR could not
    read ("Họ và tên: ời Văn Sơn" for a smudged "Bùi Văn Sơn" gave the name "Văn Sơn")."""
    if not run:
        return []
    start, end = words.index(run[0]), words.index(run[-1]) + 1
    around = [*words[max(0, start - 1) : start], *words[end : end + 1]]
    return [w for w in around if not w.text.endswith(":")]


def _name_read_back(value: FieldValue, run: tuple[Word, ...], page_read_poorly: bool) -> None:
    """A name's words that no one bears, read back as the names they most likely were: those
    OCR doubted, or all on a page it read poorly (`given_names`); each goes to a person."""
    unsure = {_key(w.text) for w in run if w.confidence < OCR_UNSURE_BELOW}

    def doubted(word: str) -> bool:
        return page_read_poorly or _key(word) in unsure

    value.value, restored = with_name_syllables(value.value, SURNAME_FOLDS, doubted)
    repaired(value, restored)


def place_fields(fields: DocumentFields, pages: list[PageResult]) -> None:
    """Give each value the page and box of its line, so a reviewer is shown that part of the
    page (OCR word boxes are in the archival image's pixels), and send a value read from words
    OCR doubted, or beside such words, to review; a name's doubted words that no one bears are
    read back as the names they were most likely printed as (`given_names`). A value from a QR
    code stands on no line and needs no doubt."""
    lines = lines_of(pages)
    poorly_read_pages = {page.number: poorly_read(page.words) for page in pages}
    for name, value in fields.fields.items():
        if value.source in CHECKED_SOURCES:
            continue
        line = _line_of(value, lines)
        if line is None:
            continue
        value.page, value.box = line.page, line.box
        run = value_words(value.value, line.words)[0]
        doubt = ocr_doubts(sorted([*run, *_beside(run, line.words)], key=line.words.index))
        if doubt is not None:
            value.doubt(doubt)
        if name in NAME_FIELDS:
            _name_read_back(value, run, poorly_read_pages[line.page])
