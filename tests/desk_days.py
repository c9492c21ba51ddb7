"""The desks' calendar in tests. hoso counts whole days in Vietnam's time (UTC+7), so a test
that asks for "this week" must ask on that calendar, and ask after its records exist: between
17:00 and 24:00 UTC the UTC date is a day behind, and a fixture may finish on one side of
midnight and the test start on the other."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def desk_today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def desk_day(moment: dt.datetime) -> dt.date:
    """The day on the desks' calendar when an aware `moment` happened."""
    return moment.astimezone(VIETNAM).date()


def last_seven_days() -> tuple[dt.date, dt.date]:
    """Today and the six days before it, on the desks' calendar."""
    today = desk_today()
    return today - dt.timedelta(days=6), today
