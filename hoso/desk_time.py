"""The desks' clock: Vietnam's time (UTC+7 all year, no summer time since 1975). Days are
counted on it wherever a person sees or asks for one (statistics, the desk UI, the date on a
seal or a bag, the nightly schedule), so a paper received at 00:13 belongs to that Vietnamese
day, not to the UTC day before."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# The days a desk may ask about (a search's span, an audit page, an export): the calendar's
# first and last days have no day before or after them to bound a span with (31/12/9999 and
# 01/01/0001 were 500s, a reviewing helper's finding), and no record is from either.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def a_desk_day(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
