"""A citizen-ID card's dates read together: the card states its holder's birth three times.

The date of birth is printed; the ID number's digits 4-6 give its century and year
(`identifiers.citizen_id_problems`); the expiry is the birthday at the age the law renews cards
at (`identifiers.CARD_RENEWAL_AGES`), so it repeats the day and month and fixes the year up to
the age. On a noisy scan OCR misreads some of these digits, never the same ones in all three
places ("0905/1930" beside an expiry "09/05/4975" and an ID of someone born in 1950). So the
dates are decided together: of every birthday and renewal age, the one whose dates are fewest
digit edits from what was read, where the ID's year counts as one more witness. A pair is only
taken when it is the one nearest and near enough; it goes to a person as a repaired value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from hoso.contract import id_holder
from hoso.digitize.fields.dates import DIGIT_LOOKALIKES, EARLIEST_YEAR, to_date
from hoso.digitize.fields.identifiers import (
    CARD_RENEWAL_AGES,
    card_expiry_problems,
    citizen_id_problems,
    date_problems,
)
from hoso.digitize.fields.textutil import fold_keep_digits

# A reading is a witness only with this many digits in it: "1m5" is no date.
MIN_DIGITS = 6
# Edits allowed per reading, at least: dust and blur misread a digit or two of a date and may
# add or drop a separator read as a digit ("2441211599" for 24/12/1999 is three: a third of
# its digits, which is the limit of a longer reading).
EDITS_PER_READING = 2
ID_DISAGREES = 1  # the ID's year against a candidate's: as one misread digit
TOO_FAR = 100  # the cost of a candidate some reading is too far from
_YEARS = re.compile(r"(?=((?:19|20)\d\d))")  # every year in a run of digits, overlaps too


@dataclass(frozen=True)
class CardDates:
    """The dates the card's readings agree on, with the edits it took to reach each (0: as
    read); None where the readings do not decide one."""

    date_of_birth: str | None
    birth_edits: int
    date_of_expiry: str | None
    expiry_edits: int


def read_digits(raw: str) -> str | None:
    """The digits of a date as OCR left it, letters that look like digits read back, from its
    first number to its last ("13/09/1959 U 7": the specks after it are no part of it); None
    when too few are left to be a date."""
    tokens = fold_keep_digits(raw).split()
    numbered = [i for i, t in enumerate(tokens) if sum(c.isdigit() for c in t) >= 2]
    if not numbered:
        return None
    span = " ".join(tokens[numbered[0] : numbered[-1] + 1]).translate(DIGIT_LOOKALIKES)
    digits = re.sub(r"\D", "", span)
    return digits if len(digits) >= MIN_DIGITS else None


def id_birth_year(id_number: str | None) -> int | None:
    """The birth year a citizen ID states (century digit and two year digits), if it is one."""
    if id_number is None or citizen_id_problems(id_number):
        return None
    holder = id_holder(id_number)
    return holder.birth_year if holder else None


def consistent(birth: str | None, expiry: str | None, id_number: str | None) -> bool:
    """Whether the dates as read already agree with one another and with the ID."""
    if birth is None or expiry is None or date_problems(birth) or date_problems(expiry):
        return False
    year = id_birth_year(id_number)
    if year is not None and int(birth[-4:]) != year:
        return False
    return not card_expiry_problems(expiry, birth)


def decide(
    birth_reads: Sequence[str],
    expiry_read: str | None,
    id_number: str | None,
    today: dt.date,
    known_birth: str | None = None,
) -> CardDates:
    """The birth date and expiry nearest to the readings (`birth_reads`: what stood after the
    birth label, or the dates read elsewhere on the card when no label was found; any one may
    be the birth; `known_birth`: the birth date from the chip's QR, not to be questioned). A
    date is given only when every nearest candidate has it and no reading is too far from
    them (`_edits_over`)."""
    if known_birth is not None:
        birth_reads = [known_birth]
    births = [d for d in (read_digits(r) for r in birth_reads) if d]
    expiry = read_digits(expiry_read) if expiry_read else None
    id_year = id_birth_year(id_number)
    undecided = CardDates(None, 0, None, 0)
    if not (births or expiry):
        return undecided
    scored: list[tuple[int, dt.date, dt.date, int, int]] = []
    for born, ends in _candidates(births, expiry, id_year, today, known_birth):
        b_cost = min((_edits_over(b, _digits(born)) for b in births), default=0)
        e_cost = _expiry_edits(expiry, ends, known_birth is not None) if expiry else 0
        disagrees = id_year is not None and born.year != id_year
        scored.append((b_cost + e_cost + disagrees * ID_DISAGREES, born, ends, b_cost, e_cost))
    if not scored:
        return undecided
    best = min(s[0] for s in scored)
    nearest = [s for s in scored if s[0] == best]
    if best >= TOO_FAR:  # a reading needed more edits than it may: it says too little
        return undecided
    born_values = {s[1] for s in nearest}
    ends_values = {s[2] for s in nearest}
    chosen = nearest[0]
    return CardDates(
        _dated(chosen[1]) if len(born_values) == 1 else None,
        chosen[3] if len(born_values) == 1 else 0,
        _dated(chosen[2]) if len(ends_values) == 1 and expiry else None,
        chosen[4] if len(ends_values) == 1 and expiry else 0,
    )


def _edits_over(read: str, candidate: str) -> int:
    """Digit edits from what was read to a candidate date; `TOO_FAR` or more when they are
    more than a third of the reading's digits (two at least): such a reading says too little
    to choose by."""
    edits = Levenshtein.distance(read, candidate)
    return edits if edits <= max(EDITS_PER_READING, len(read) // 3) else TOO_FAR + edits


def _expiry_edits(read: str, ends: dt.date, birthday_known: bool) -> int:
    """Edits from the expiry read to a candidate. With the birthday known from the chip, the
    expiry's day and month say nothing more and only its year is read ("9đc!ô2003-": the
    day and month lost to dust, the year whole)."""
    if birthday_known:
        return _edits_over(read[-4:], f"{ends.year:04d}")
    return _edits_over(read, _digits(ends))


def _candidates(
    births: list[str],
    expiry: str | None,
    id_year: int | None,
    today: dt.date,
    known_birth: str | None,
) -> Iterator[tuple[dt.date, dt.date]]:
    """(birth, expiry) pairs worth scoring: every day of the years that a reading or the ID
    names as the birth year (an expiry's year less each renewal age), at each renewal age; only
    the known birthday when there is one."""
    if known_birth is not None:
        born = to_date(known_birth)
        if (born.month, born.day) != (2, 29):
            yield from ((born, born.replace(year=born.year + age)) for age in CARD_RENEWAL_AGES)
        return
    years = {id_year} if id_year else set()
    for digits in births:
        years.update(int(y) for y in _YEARS.findall(digits))
    if expiry:
        for year in _YEARS.findall(expiry):
            years.update(int(year) - age for age in CARD_RENEWAL_AGES)
    for year in sorted(y for y in years if EARLIEST_YEAR <= y <= today.year):
        day = dt.date(year, 1, 1)
        while day.year == year:
            if (day.month, day.day) != (2, 29):  # no birthday most years: never repaired
                for age in CARD_RENEWAL_AGES:
                    yield day, day.replace(year=year + age)
            day += dt.timedelta(days=1)


def _digits(day: dt.date) -> str:
    return f"{day.day:02d}{day.month:02d}{day.year:04d}"


def _dated(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
