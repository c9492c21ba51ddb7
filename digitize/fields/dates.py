"""Dates as Vietnamese papers print them, normalised to dd/mm/yyyy (shared/domain/fields.md)."""

from __future__ import annotations

import datetime as dt
import re

from hoso.digitize.fields.textutil import fold_keep_digits

# "ngày 05 tháng 3 năm 2025", also as OCR delivers it: "ngày 26tháng 7 năm 2020", no diacritics.
_WORDED = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
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
    for pattern in (_WORDED, _NUMERIC):
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
