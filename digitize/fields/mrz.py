"""The machine-readable zone on the back of a chip citizen-ID card (ICAO 9303 TD1: three lines
of 30 characters, "IDVNM…"). Its birth date, expiry and document number each carry a check
digit, so a field read here and checked is a second reading of the card that catches the
digits OCR gets wrong on the front ("24/01/1983" printed as 21/01). Only what checks is used:
each date by its own check digit; the holder's full ID number (line 1's optional data, which
only the composite check digit covers) where the composite holds and it ends with the checked
card number (the ID's last nine digits). The sex has no check digit: it is used only where the
checked ID's own digit says the same."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from hoso.contract import id_holder

LINE_LENGTH = 30
# What OCR reads the filler "<" as, and letters it reads in digit fields' places.
_FILLERS = str.maketrans({"«": "<", "‹": "<", "＜": "<", "{": "<", "(": "<"})
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2",
                                   "S": "5", "B": "8", "G": "6"})  # fmt: skip
# "IDVNM" as OCR reads it: "1DVNM", "10VNH", "TDVNM".
_LINE_1 = re.compile(
    r"^[I1LT][D0O]V[NM][MH](?P<number>[0-9A-Z<]{9})(?P<check>[0-9A-Z<])(?P<rest>.*)$"
)
_LINE_2 = re.compile(
    r"^(?P<birth>\w{6})(?P<birth_check>\w)(?P<sex>[MFH<])(?P<expiry>\w{6})(?P<expiry_check>\w)"
    r"V[NM][MH]"
)
_WEIGHTS = (7, 3, 1)


@dataclass(frozen=True)
class Zone:
    """What the zone says and checks; None where a field is absent or fails its check."""

    date_of_birth: str | None  # DD/MM/YYYY
    date_of_expiry: str | None
    id_number: str | None  # 12 digits
    sex: str | None = None  # "Nam" or "Nữ", only where the checked ID's own digit says so too


def check_digit(field: str) -> int:
    """ICAO 9303's check digit: digits as themselves, A-Z as 10-35, "<" as 0, weighted 7, 3, 1."""
    total = 0
    for at, char in enumerate(field):
        value = int(char) if char.isdigit() else ord(char) - 55 if char.isalpha() else 0
        total += value * _WEIGHTS[at % 3]
    return total % 10


def _checked(field: str, check: str) -> str | None:
    """The field, letters OCR read for digits given back, where its check digit holds."""
    digits, check = field.translate(_DIGIT_LOOKALIKES), check.translate(_DIGIT_LOOKALIKES)
    if not digits.isdigit() or not check.isdigit():
        return None
    return digits if check_digit(digits) == int(check) else None


def _as_date(yymmdd: str, today: dt.date, past: bool) -> str | None:
    """YYMMDD as DD/MM/YYYY: a birth date in the century that puts it before `today`, an expiry
    in this century."""
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century = today.year // 100 * 100
    if past and century + year > today.year:
        century -= 100
    try:
        date = dt.date(century + year, month, day)
    except ValueError:
        return None
    return date.strftime("%d/%m/%Y")


def _lines(text: str) -> list[str]:
    """The text's lines as zone lines: capitals, fillers as "<", spaces OCR put in taken out."""
    return [
        re.sub(r"\s+", "", line.upper().translate(_FILLERS))
        for line in text.splitlines()
        if line.count("<") + line.count("«") >= 2
    ]


def _matched(
    line: str, pattern: re.Pattern[str], checks: Callable[[re.Match[str]], bool]
) -> re.Match[str] | None:
    """`line` as a zone line of `pattern`; or, one character too long (OCR doubled a digit:
    "89907127F…" for "8907127F…", a helper's card back), the line without the character whose
    removal makes its check digits hold."""
    read = pattern.match(line)
    if read is not None or len(line) != LINE_LENGTH + 1:
        return read
    for at in range(len(line)):
        shorter = pattern.match(line[:at] + line[at + 1 :])
        if shorter is not None and checks(shorter):
            return shorter
    return None


def _first_checks(line: re.Match[str]) -> bool:
    return _checked(line["number"], line["check"]) is not None


def _second_checks(line: re.Match[str]) -> bool:
    return (
        _checked(line["birth"], line["birth_check"]) is not None
        and _checked(line["expiry"], line["expiry_check"]) is not None
    )


def read_zone(text: str, today: dt.date) -> Zone | None:
    """The card's zone in OCR text, or None where its lines are not there."""
    lines = _lines(text)
    first = next((m for line in lines if (m := _matched(line, _LINE_1, _first_checks))), None)
    second = next((m for line in lines if (m := _matched(line, _LINE_2, _second_checks))), None)
    if first is None and second is None:
        return None
    birth = expiry = id_number = None
    if second is not None:
        yymmdd = _checked(second["birth"], second["birth_check"])
        birth = _as_date(yymmdd, today, past=True) if yymmdd else None
        yymmdd = _checked(second["expiry"], second["expiry_check"])
        expiry = _as_date(yymmdd, today, past=False) if yymmdd else None
    if first is not None and second is not None and _composite_holds(first.string, second.string):
        number = _checked(first["number"], first["check"])
        whole = re.search(r"\d{12}", first["rest"].translate(_DIGIT_LOOKALIKES))
        if number and whole and whole.group().endswith(number):
            id_number = whole.group()
    return Zone(birth, expiry, id_number, _sex(second, id_number))


_SEX_LETTERS = {"M": "Nam", "H": "Nam", "F": "Nữ"}  # H: OCR's M


def _sex(second: re.Match[str] | None, id_number: str | None) -> str | None:
    """The zone's sex letter has no check digit of its own; the checked ID's fourth digit
    tells the sex too (even: a man), so a letter that agrees with it is the card's."""
    holder = id_holder(id_number) if id_number else None
    letter = _SEX_LETTERS.get(second["sex"]) if second else None
    return letter if holder is not None and letter == holder.sex else None


def _composite_holds(first: str, second: str) -> bool:
    """TD1's composite check digit (line 2's last): over line 1 from the document number on,
    and line 2's dates with their checks and its optional data. It alone covers line 1's
    optional data, where the whole ID stands."""
    if len(first) < LINE_LENGTH or len(second) < LINE_LENGTH:
        return False
    first, second = first[:LINE_LENGTH], second[:LINE_LENGTH]
    covered = (first[5:30] + second[0:7] + second[8:15] + second[18:29]).replace("O", "0")
    check = second[29].translate(_DIGIT_LOOKALIKES)
    return check.isdigit() and check_digit(covered) == int(check)
