"""Dates as Vietnamese papers print them, normalised to dd/mm/yyyy (shared/domain/fields.md)."""

from __future__ import annotations

import datetime as dt
import re

from hoso.digitize.fields.labels import word_distance
from hoso.digitize.fields.textutil import fold_keep_digits

# "ngày 05 tháng 3 năm 2025", also as OCR delivers it: "ngày 26tháng 7 năm 2020", no diacritics,
# a speck read as punctuation between the parts ("tháng:7 năm-2020", "tháng'3").
_BETWEEN = r"[\s.,:;\-'`’‘]*"
WORDED_DATE = re.compile(
    rf"ngay{_BETWEEN}(\d{{1,2}}){_BETWEEN}thang{_BETWEEN}(\d{{1,2}}){_BETWEEN}nam{_BETWEEN}(\d{{4}})"
)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200  # beyond these, a year is a misreading
_DAY_THEN_MONTH = re.compile(r"^\W*\d{1,2}\W*thang\b")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")  # DDMMYYYY, as in the chip-ID QR code


def make_date(day: int, month: int, year: int) -> str | None:
    """dd/mm/yyyy if such a day exists (and is not absurd for a document), else None."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
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


# A date of digits alone printed in a form's boxes: one digit a box ("2 2 0 6 2 0 2 2") or the
# boxes in three groups ("22 06 2022"), with or without its slashes. Irregular groups ("2412
# 1974") are a lost slash, not boxes: read, if at all, as a repair a person checks.
_BOXED_DATE = re.compile(r"\d(?:[\s/.\-]+\d){7}|\d\d[\s/.\-]+\d\d[\s/.\-]+\d{4}")


def parse_date(text: str) -> str | None:
    text = text.strip()
    if _BOXED_DATE.fullmatch(text):
        text = re.sub(r"[\s/.\-]+", "", text)
    compact = _COMPACT.match(text)
    if compact:
        return make_date(int(compact.group(1)), int(compact.group(2)), int(compact.group(3)))
    dates = find_dates(text)
    return dates[0] if dates else None


def parse_birth_date(text: str) -> str | None:
    """A birth date after its label, which may have taken the worded date's "ngày" ("Sinh
    ngày 05 tháng 11 năm 1990"). Only the birth date's labels end so; a place and date line
    read as a misread "Cấp ngày" label ("Lào Cai; ngày 12 …") must not become an issue date."""
    if _DAY_THEN_MONTH.match(fold_keep_digits(text)):
        text = f"ngày {text}"
    return parse_date(text)


def to_date(value: str) -> dt.date:
    day, month, year = (int(part) for part in value.split("/"))
    return dt.date(year, month, day)


# OCR's usual misreadings of digits, undone only where the grammar wants a digit (a date's
# numbers): O→0 (and the U that a noisy 0 opens into), I/l/|→1, Z→2, S→5, B→8 (text is folded
# to lower case, marks dropped, before this is used).
DIGIT_LOOKALIKES = str.maketrans(
    {"o": "0", "u": "0", "i": "1", "l": "1", "|": "1", "z": "2", "s": "5", "b": "8"}
)
DIGITISH = r"[\dolizsbu|]"
_SEPARATOR = r"\s*[/.\-]\s*"
_TOLERANT_NUMERIC = re.compile(
    rf"(?<![\w])({DIGITISH}{{1,2}}){_SEPARATOR}({DIGITISH}{{1,2}}){_SEPARATOR}({DIGITISH}{{4}})(?![\w])"
)
# "2607/1988", "24/1211974", "2412 1974", "16/09^1979", "19:11/2021": a separator lost, read
# as a stroke (a thin slash and a 1 or a 7 are alike), as a speck's mark, or as a gap. One
# repair each; at most one may be lost or misread, else "131122021" would be cut anywhere, but
# for two strokes: "1470771986", ten characters, is cut one way only.
_STROKES = "17il|"
_SEPARATOR_MISREAD = re.compile(
    rf"(?<![\w])({DIGITISH}{{2}})({_SEPARATOR}|\s*[:;,^]\s*|\s+|[{_STROKES}]|)({DIGITISH}{{2}})"
    rf"({_SEPARATOR}|\s*[:;,^]\s*|\s+|[{_STROKES}]|)({DIGITISH}{{4}})(?![\w])"
)
# "13/09/58": the century lost (or never printed), given back only where one century fits.
_SHORT_YEAR = re.compile(
    rf"({DIGITISH}{{1,2}}){_SEPARATOR}({DIGITISH}{{1,2}}){_SEPARATOR}(\d{{2}})"
)
# "ngày 12 Aháng 6năm 2025", "ngày 27 thạng:10 năm2022": each word may carry one misread letter,
# and specks read as any marks may stand between the parts ("ngày 06+háng 6", "năm"2025").
_JUNK = r"[\W_]*"
_TOLERANT_WORDED = re.compile(
    rf"([a-z]{{2,5}}){_JUNK}({DIGITISH}{{1,2}}){_JUNK}([a-z]{{4,6}}){_JUNK}"
    rf"({DIGITISH}{{1,2}}){_JUNK}([a-z]{{2,4}}){_JUNK}({DIGITISH}{{4}})"
)
MAX_REPAIRS = 2
# Digits OCR takes for one another (both ways): a date no paper can bear ("năm 2824", born
# "2071", the 41st) is read again through one of these, kept only if exactly one reading fits.
DIGIT_CONFUSIONS = {
    "0": "689", "1": "47", "3": "8", "4": "1", "5": "69", "6": "058", "7": "1", "8": "0369",
    "9": "058",
}  # fmt: skip


def _undo_lookalikes(groups: tuple[str, ...]) -> tuple[list[int], int] | None:
    """The numbers, and how many letters were read back as digits (None if a group holds no
    real digit: a word is not a number)."""
    if not all(any(c.isdigit() for c in g) for g in groups):
        return None
    repairs = sum(1 for g in groups for c in g if not c.isdigit())
    return [int(g.translate(DIGIT_LOOKALIKES)) for g in groups], repairs


def _fits(value: str | None, latest: dt.date | None) -> bool:
    return value is not None and (latest is None or to_date(value) <= latest)


def _digit_confusions(day: int, month: int, year: int, latest: dt.date | None) -> str | None:
    """The one date that a single confused digit makes possible (a day that exists, a year from
    1900 to `latest`: "41/11/1982" is 11/11, "26/06/2071" is 2011), or None when none or
    several do ("29/02/2021" may be the 20th, 25th or 28th, or 2024)."""
    read = f"{day:02d}{month:02d}{year:04d}"
    found = set()
    for at, digit in enumerate(read):
        for other in DIGIT_CONFUSIONS.get(digit, ""):
            candidate = read[:at] + other + read[at + 1 :]
            numbers = int(candidate[:2]), int(candidate[2:4]), int(candidate[4:])
            value = make_date(*numbers)
            if numbers[2] >= EARLIEST_YEAR and _fits(value, latest):
                found.add(value)
    return found.pop() if len(found) == 1 else None


def _reading(numbers: list[int], repairs: int, latest: dt.date | None) -> tuple[str, int] | None:
    """A date of these numbers that can be so (it exists, and is not after `latest`, a paper's
    own day), else read again through one confused digit (one more repair); None past
    `MAX_REPAIRS`."""
    day, month, year = numbers
    value = make_date(day, month, year)
    if not _fits(value, latest):
        value, repairs = _digit_confusions(day, month, year, latest), repairs + 1
    return (value, repairs) if value and repairs <= MAX_REPAIRS else None


def _short_year(numbers: list[int], latest: dt.date) -> str | None:
    """dd/mm/yy in the one century where it is a day already past, if only one."""
    day, month, year = numbers
    found = {
        value
        for century in (1900, 2000)
        if _fits(value := make_date(day, month, century + year), latest)
    }
    return found.pop() if len(found) == 1 else None


def _tolerant_readings(
    text: str, latest: dt.date | None, misread_separators: bool
) -> list[tuple[int, str | None, int]]:
    """Every date-shaped run of the text: where it starts, its reading (None where none can be
    so) and the repairs it took."""
    folded = fold_keep_digits(text)
    found: list[tuple[int, str | None, int]] = []

    def add(start: int, groups: tuple[str, ...], extra: int) -> None:
        numbers = _undo_lookalikes(groups)
        read = _reading(numbers[0], numbers[1] + extra, latest) if numbers else None
        found.append((start, *read) if read else (start, None, 0))

    for match in _TOLERANT_WORDED.finditer(folded):
        words = (match.group(1), match.group(3), match.group(5))
        distances = [
            word_distance(w, k) for w, k in zip(words, ("ngay", "thang", "nam"), strict=True)
        ]
        if max(distances) <= 1:
            add(match.start(), (match.group(2), match.group(4), match.group(6)), sum(distances))
    for match in _TOLERANT_NUMERIC.finditer(folded):
        add(match.start(), match.groups(), 0)
    for match in _SEPARATOR_MISREAD.finditer(folded) if misread_separators else ():
        separators = (match.group(2), match.group(4))
        broken = [s for s in separators if not re.fullmatch(_SEPARATOR, s)]
        lost = [s for s in broken if not s.isspace()]
        if broken and (len(lost) <= 1 or all(s and s in _STROKES for s in lost)):
            add(match.start(), (match.group(1), match.group(3), match.group(5)), len(broken))
    return sorted(found, key=lambda reading: (reading[0], reading[1] is None, reading[2]))


def find_dates_tolerant(text: str) -> list[tuple[str, int]]:
    """Dates as noisy OCR reads them in running text: (dd/mm/yyyy, repairs), repairs counting
    every misread letter of a date word, every letter read back as a digit and a digit read
    again. At most `MAX_REPAIRS`, and the day must exist — so "ngày 25 thăng: gồi năm 2020"
    stays unread rather than guessed. Not held to the scan's day: running text may name a day
    to come. Used only where the exact reading (`find_dates`) found nothing."""
    return [(v, r) for _, v, r in _tolerant_readings(text, None, False) if v is not None]


def read_labelled_date(text: str, latest: dt.date | None) -> tuple[str, int] | None:
    """The date a labelled value opens with, through OCR's errors: also a separator lost, read
    as a 1 or as a gap ("24/1211974", "2412 1974": the other must be read), and, for a past
    date (`latest`: the scan's day), a value that is only a date with a two-digit year
    ("13/09/58": the century where the day is past, if only one is). Only the first date is
    read: a later one in the same value ("…, cấp lại từ CMND cấp 15/06/2010") is another date."""
    readings = _tolerant_readings(text, latest, True)
    if readings:
        _, value, repairs = readings[0]
        return (value, repairs) if value is not None else None
    short = _SHORT_YEAR.fullmatch(fold_keep_digits(text).strip(" .,;:"))
    numbers = _undo_lookalikes(short.groups()) if short and latest else None
    value = _short_year(numbers[0], latest) if numbers and latest else None
    return (value, numbers[1] + 1) if value and numbers and numbers[1] < MAX_REPAIRS else None
