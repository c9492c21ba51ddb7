"""The desks' clock: Vietnam's time (UTC+7 all year, no summer time since 1975). Days are
counted on it wherever a person sees or asks for one (statistics, the desk UI, the date on a
seal or a bag, the nightly schedule), so a paper received at 00:13 belongs to that Vietnamese
day, not to the UTC day before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
