"""Vietnamese identifiers and their checks (shared/domain/vietnam-dossiers.md, section 5).

Each check returns the reasons a value is wrong, in words an officer understands; an empty list
means it passed. A failed check lowers a field's confidence and says why; it never deletes it.
"""

from __future__ import annotations

import datetime as dt
import re

from hoso.contract import id_holder
from hoso.digitize.fields import problems
from hoso.digitize.fields.dates import (
    DIGIT_LOOKALIKES,
    DIGITISH,
    MAX_REPAIRS,
    make_date,
    to_date,
)
from hoso.digitize.fields.textutil import fold_keep_digits

# The 63 pre-merger province codes stay valid in ID numbers (numbers never change); the 34
# post-merger codes are a subset of them.
PROVINCE_CODES = frozenset(
  [
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25",
    "26", "27", "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48",
    "49", "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75",
    "77", "79", "80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96",
  ]
)  # fmt: skip
DOSSIER_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-(\d{2})(\d{2})(\d{2})-\d{4}$")
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")
DOCUMENT_NUMBER = re.compile(r"^\d{1,6}(/\d{4})?/[A-ZĐ][A-ZĐa-z0-9]*(-[A-ZĐ0-9][A-ZĐa-z0-9]*)*$")
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
# Vietnam's national numbering since 2018: mobiles are 10 digits (03, 05, 07, 08, 09), fixed
# lines 11 (02 and the area code); service lines 1800/1900 and 4 to 6 digits, emergency 111-115.
# A number of another shape was misread or glued to a digit.
PHONE_NUMBER = re.compile(r"0[35789]\d{8}|02\d{9}|1[89]00\d{4,6}|11[1-5]")


def citizen_id_problems(
    number: str,
    date_of_birth: str | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """12 digits = province (0 + code) + century/sex digit + birth year (2) + serial (6). A
    birth year still to come is checked with or without a date of birth: a misread "7" in the
    century digit (born in the 2200s) had passed at 0.9 where the paper's birth date was lost."""
    if not re.fullmatch(r"\d{12}", number):
        return [problems.ID_LENGTH]
    found: list[str] = []
    if number[0] != "0" or number[1:3] not in PROVINCE_CODES:
        found.append(problems.ID_PROVINCE.format(code=number[:3]))
    digit, holder = int(number[3]), id_holder(number)
    assert holder is not None  # 12 digits
    century = holder.birth_year // 100 * 100
    born = to_date(date_of_birth).year if date_of_birth else holder.birth_year
    if born // 100 * 100 != century:
        found.append(problems.ID_CENTURY.format(digit=digit, century=century, born=born))
    elif born != holder.birth_year:
        found.append(problems.ID_BIRTH_YEAR.format(digits=number[4:6], born=born))
    elif born > (today or dt.date.today()).year:
        found.append(problems.ID_UNBORN.format(digits=number[3:6], born=born))
    if sex is not None and holder.contradicted_by("sex", sex):
        found.append(problems.ID_SEX.format(digit=digit, digit_sex=holder.sex, sex=sex))
    return found


_ID_LOOKALIKE_RUN = re.compile(
    rf"(?<![\w])({DIGITISH}[{DIGITISH[1:-1]} .]{{10,16}}{DIGITISH})(?![\w])"
)


def repair_citizen_id(raw: str) -> tuple[str, int] | None:
    """A citizen ID that OCR read with letters for digits ("O79308797399", "0792O8S97399"):
    (12 digits, letters read back). Only a run of mostly real digits (at most `MAX_REPAIRS`
    lookalikes) whose repaired number then passes the ID's own checks (province code, century
    digit) — so a value that merely resembles an ID is not turned into one."""
    for match in _ID_LOOKALIKE_RUN.finditer(fold_keep_digits(raw)):
        run = re.sub(r"[ .]", "", match.group(1))
        repairs = sum(1 for c in run if not c.isdigit())
        number = run.translate(DIGIT_LOOKALIKES)
        if len(number) == 12 and 0 < repairs <= MAX_REPAIRS and not citizen_id_problems(number):
            return number, repairs
    return None


def tax_code_problems(code: str) -> list[str]:
    """10 digits (+ "-NNN" for a branch); d10 = 10 − (Σ wᵢdᵢ mod 11); digits 3–9 not all zero."""
    match = re.fullmatch(r"(\d{10})(-\d{3})?", code)
    if match is None:
        return [problems.TAX_CODE_FORM]
    digits = [int(c) for c in match.group(1)]
    if not any(digits[2:9]):
        return [problems.TAX_CODE_ZEROS]
    expected = 10 - sum(w * d for w, d in zip(TAX_WEIGHTS, digits, strict=False)) % 11
    if expected != digits[9]:
        return [problems.TAX_CODE_CHECK]
    return []


def dossier_code_problems(code: str) -> list[str]:
    match = DOSSIER_CODE.match(code)
    if match is None:
        return [problems.DOSSIER_CODE_FORM]
    yy, mm, dd = (int(g) for g in match.groups())
    if make_date(dd, mm, 2000 + yy) is None:
        return [problems.DOSSIER_CODE_DATE.format(date=f"{dd:02d}/{mm:02d}/20{yy:02d}")]
    return []


def procedure_code_problems(code: str) -> list[str]:
    return [] if PROCEDURE_CODE.match(code) else [problems.PROCEDURE_CODE_FORM]


def document_number_problems(number: str) -> list[str]:
    return [] if DOCUMENT_NUMBER.match(number) else [problems.DOCUMENT_NUMBER_FORM]


# A citizen-ID card runs to the holder's birthday at the next age the law renews cards at
# (Law on Identification 2023, art. 21: 14, 25, 40 and 60; the 2014 law: 25, 40 and 60); a card
# issued after 60 does not expire. A 29 February birthday has no such day most years: unchecked.
CARD_RENEWAL_AGES = (14, 25, 40, 60)


def _no_yearly_birthday(born: dt.date) -> bool:
    return (born.month, born.day) == (2, 29)


def card_expiry_problems(expiry: str, date_of_birth: str) -> list[str]:
    born, ends = to_date(date_of_birth), to_date(expiry)
    if _no_yearly_birthday(born):
        return []
    if (ends.month, ends.day) != (born.month, born.day) or (
        ends.year - born.year not in CARD_RENEWAL_AGES
    ):
        return [problems.CARD_EXPIRY.format(expiry=expiry, born=date_of_birth)]
    return []


def date_problems(value: str, *, not_after: dt.date | None = None) -> list[str]:
    if (
        not re.fullmatch(r"\d{2}/\d{2}/\d{4}", value)
        or make_date(*map(int, value.split("/"))) is None
    ):
        return [problems.NOT_A_DATE.format(value=value)]
    if not_after and to_date(value) > not_after:
        return [problems.IN_THE_FUTURE.format(value=value)]
    return []


def phone_problems(number: str) -> list[str]:
    """A phone number in its national form (`PHONE_NUMBER`)."""
    return [] if PHONE_NUMBER.fullmatch(number) else [problems.PHONE_FORM]
