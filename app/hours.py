"""Opening hours in local time, closed on Japanese national holidays and over the New Year (29 Dec-3 Jan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays

from app.config import parse_hours

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_public_holiday(day: date) -> bool:
    return day in holidays.country_holidays("JP", years=day.year)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    opens: time
    closes: time
    weekdays: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, days: list[str], timezone: str) -> OpeningHours:
        opens, closes = parse_hours(hours)
        return cls(opens, closes, frozenset(_WEEKDAYS.index(d) for d in days), ZoneInfo(timezone))

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        day = local.date()
        if local.weekday() not in self.weekdays or is_public_holiday(day) or is_year_end_closure(day):
            return False
        return self.opens <= local.time() < self.closes
