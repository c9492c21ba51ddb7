"""Dates as Vietnamese papers print them, normalised to dd/mm/yyyy (shared/domain/fields.md)."""

from __future__ import annotations

import datetime as dt
import re

from hoso.digitize.fields.labels import word_distance
from hoso.digitize.fields.textutil import fold_keep_digits

# "ngày 05 tháng 3 năm 2025", also as OCR delivers it: "ngày 26tháng 7 năm 2020", no diacritics,
# a speck read as punctuation between the parts ("tháng:7 năm-2020").
_BETWEEN = r"[\s.,:;\-]*"
WORDED_DATE = re.compile(
    rf"ngay{_BETWEEN}(\d{{1,2}}){_BETWEEN}thang{_BETWEEN}(\d{{1,2}}){_BETWEEN}nam{_BETWEEN}(\d{{4}})"
)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")  # DDMMYYYY, as in the chip-ID QR code


def make_date(day: int, month: int, year: int) -> str | None:
    """dd/mm/yyyy if such a day exists (and is not absurd for a document), else None."""
    if not 1900 <= year <= 2200:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return f"{day:02d}/{month:02d}/{year:04d}"


def find_dates(text: str) -> list[str]:
    """Every valid date in the text, in order of appearance, worded or numeric."""
    folded = fold_keep_digits(text)
    found: list[tuple[int, str]] = []
    for pattern in (WORDED_DATE, _NUMERIC):
        for match in pattern.finditer(folded):
            value = make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if value:
                found.append((match.start(), value))
    return [value for _, value in sorted(found)]


def parse_date(text: str) -> str | None:
    compact = _COMPACT.match(text.strip())
    if compact:
        return make_date(int(compact.group(1)), int(compact.group(2)), int(compact.group(3)))
    dates = find_dates(text)
    return dates[0] if dates else None


def to_date(value: str) -> dt.date:
    day, month, year = (int(part) for part in value.split("/"))
    return dt.date(year, month, day)


# OCR's usual misreadings of digits, undone only where the grammar wants a digit (a date's
# numbers): O→0, I/l/|→1, Z→2, S→5, B→8 (text is folded to lower case before this is used).
DIGIT_LOOKALIKES = str.maketrans(
    {"o": "0", "i": "1", "l": "1", "|": "1", "z": "2", "s": "5", "b": "8"}
)
_DIGITISH = r"[\dolizsb|]"
_TOLERANT_NUMERIC = re.compile(
    rf"(?<![\w])({_DIGITISH}{{1,2}})\s*[/.\-]\s*({_DIGITISH}{{1,2}})\s*[/.\-]\s*({_DIGITISH}{{4}})(?![\w])"
)
# "2607/1988", "26/071988": one separator lost (counts as one repair).
_SEPARATOR_LOST = re.compile(
    rf"(?<![\w])({_DIGITISH}{{2}})(?:({_DIGITISH}{{2}})\s*[/.\-]\s*|\s*[/.\-]\s*({_DIGITISH}{{2}}))"
    rf"({_DIGITISH}{{4}})(?![\w])"
)
# "ngày 12 Aháng 6năm 2025", "ngày 27 thạng:10 năm2022": each word may carry one misread letter.
_TOLERANT_WORDED = re.compile(
    rf"([a-z]{{2,5}})[\s.,:]*({_DIGITISH}{{1,2}})[\s.,:]*([a-z]{{4,6}})[\s.,:;]*"
    rf"({_DIGITISH}{{1,2}})[\s.,:;]*([a-z]{{2,4}})[\s.,:;]*({_DIGITISH}{{4}})"
)
MAX_REPAIRS = 2


def _undo_lookalikes(groups: tuple[str, ...]) -> tuple[list[int], int] | None:
    """The numbers, and how many letters were read back as digits (None if a group holds no
    real digit: a word is not a number)."""
    if not all(any(c.isdigit() for c in g) for g in groups):
        return None
    repairs = sum(1 for g in groups for c in g if not c.isdigit())
    return [int(g.translate(DIGIT_LOOKALIKES)) for g in groups], repairs


def find_dates_tolerant(text: str) -> list[tuple[str, int]]:
    """Dates as noisy OCR reads them: (dd/mm/yyyy, repairs), repairs counting every misread
    letter of a date word and every letter read back as a digit. At most `MAX_REPAIRS`, and the
    day must exist — so "ngày 25 thăng: gồi năm 2020" stays unread rather than guessed. Used only
    where the exact reading (`find_dates`) found nothing."""
    folded = fold_keep_digits(text)
    found: list[tuple[int, str, int]] = []
    for match in _TOLERANT_WORDED.finditer(folded):
        words = (match.group(1), match.group(3), match.group(5))
        distances = [
            word_distance(w, k) for w, k in zip(words, ("ngay", "thang", "nam"), strict=True)
        ]
        numbers = _undo_lookalikes((match.group(2), match.group(4), match.group(6)))
        if max(distances) > 1 or numbers is None:
            continue
        value = make_date(*numbers[0])
        repairs = sum(distances) + numbers[1]
        if value and repairs <= MAX_REPAIRS:
            found.append((match.start(), value, repairs))
    for match in _TOLERANT_NUMERIC.finditer(folded):
        numbers = _undo_lookalikes(match.groups())
        if numbers is None:
            continue
        value = make_date(*numbers[0])
        if value and numbers[1] <= MAX_REPAIRS:
            found.append((match.start(), value, numbers[1]))
    for match in _SEPARATOR_LOST.finditer(folded):
        day, month, year = match.group(1), match.group(2) or match.group(3), match.group(4)
        numbers = _undo_lookalikes((day, month, year))
        if numbers is None:
            continue
        value = make_date(*numbers[0])
        if value and numbers[1] + 1 <= MAX_REPAIRS:
            found.append((match.start(), value, numbers[1] + 1))
    return [(value, repairs) for _, value, repairs in sorted(found)]
