"""Opening hours: is the desk (or an interpreter vendor) open at a given instant?

Pure: the instant is always passed in. Holidays come from the `holidays` package, cached per country and year.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from routing.errors import PolicyError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time.max  # a closing time of 24:00: open to the end of the day (00:00-24:00 is around the clock)


def format_clock(value: time) -> str:
    """HH:MM, with the end of the day written 24:00 (the inverse of the hours' parsing)."""
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


_SEARCH_DAYS = 400  # far enough to cross any run of closed days (year-end plus holidays)


@functools.lru_cache(maxsize=64)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise PolicyError(f"unknown holiday country {country!r}") from exc
    return frozenset(calendar.keys())


def _month_day(text: str, where: str) -> tuple[int, int]:
    try:
        month_text, day_text = text.split("-")
        month, day = int(month_text), int(day_text)
        date(2000, month, day)  # 2000 is a leap year, so 02-29 is accepted
    except ValueError as exc:
        raise PolicyError(f"{where}: expected MM-DD, got {text!r}") from exc
    return month, day


@dataclass(frozen=True, slots=True)
class AnnualClosure:
    """Days closed every year, inclusive at both ends; may wrap New Year (29 Dec–3 Jan)."""

    start: tuple[int, int]
    end: tuple[int, int]

    def covers(self, day: date) -> bool:
        """True when `day` falls inside the closure."""
        month_day = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= month_day <= self.end
        return month_day >= self.start or month_day <= self.end

    def to_dict(self) -> dict[str, str]:
        """Plain-data form, e.g. {"start": "12-29", "end": "01-03"}."""
        return {
            "start": f"{self.start[0]:02d}-{self.start[1]:02d}",
            "end": f"{self.end[0]:02d}-{self.end[1]:02d}",
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnnualClosure:
        """Build from {"start": "MM-DD", "end": "MM-DD"}."""
        check_keys(data, {"start", "end"}, "annual closure")
        return cls(start=_month_day(str(data["start"]), "start"), end=_month_day(str(data["end"]), "end"))


YEAR_END = AnnualClosure(start=(12, 29), end=(1, 3))


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly opening hours in a local time zone, minus national holidays and fixed closures."""

    opens: time
    closes: time
    weekdays: frozenset[int] = frozenset(range(5))  # Monday is 0, as in date.weekday()
    timezone: str = "Asia/Tokyo"
    holiday_country: str | None = "JP"
    annual_closures: tuple[AnnualClosure, ...] = (YEAR_END,)
    closed_dates: frozenset[date] = frozenset()
    # Weekdays whose hours differ from opens-closes, e.g. ((5, 09:00, 12:00),) for a short Saturday.
    day_hours: tuple[tuple[int, time, time], ...] = ()
    # Extra open days (a Saturday event, a holiday opened on purpose), open at their weekday's hours.
    open_dates: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise PolicyError(f"opening hours must open before they close ({self.opens} >= {self.closes})")
        for weekday, opens, closes in self.day_hours:
            if weekday not in range(7) or not opens < closes:
                raise PolicyError(
                    f"day hours: weekday {weekday} must open before it closes ({opens} >= {closes})"
                )
        if self.open_dates & self.closed_dates:
            raise PolicyError(f"days both closed and open: {sorted(self.open_dates & self.closed_dates)}")
        if not self.weekdays <= frozenset(range(7)):
            raise PolicyError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PolicyError(f"unknown time zone {self.timezone!r}") from exc
        object.__setattr__(self, "_zone", zone)
        if self.holiday_country is not None:
            _holiday_dates(self.holiday_country, 2000)  # fail early on an unknown country

    def is_open_day(self, day: date) -> bool:
        """True when `day` (a local date) is a working day: right weekday, not a holiday or closure; an extra
        open day always is."""
        if day in self.open_dates:
            return True
        if day.weekday() not in self.weekdays or day in self.closed_dates:
            return False
        if any(closure.covers(day) for closure in self.annual_closures):
            return False
        return self.holiday_country is None or day not in _holiday_dates(self.holiday_country, day.year)

    def is_open(self, at: datetime) -> bool:
        """True when the service is open at the instant `at` (timezone-aware)."""
        local = at.astimezone(self._zone)
        return self._within(local.date(), local.time()) and self.is_open_day(local.date())

    def hours_on(self, day: date) -> tuple[time, time]:
        """Opening and closing time on the local `day`: its weekday's own hours, else the usual ones."""
        weekday = day.weekday()
        for own_day, opens, closes in self.day_hours:
            if own_day == weekday:
                return opens, closes
        return self.opens, self.closes

    def _within(self, day: date, moment: time) -> bool:
        opens, closes = self.hours_on(day)
        return opens <= moment and (closes == END_OF_DAY or moment < closes)

    def closes_on(self, day: date) -> datetime:
        """The instant (UTC) the service closes on the local `day` (the midnight after it for 24:00)."""
        closes = self.hours_on(day)[1]
        if closes == END_OF_DAY:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self._zone).astimezone(UTC)
        return datetime.combine(day, closes, tzinfo=self._zone).astimezone(UTC)

    def state_at(self, at: datetime) -> tuple[bool, datetime | None]:
        """Open or not at `at`, and the instant (UTC) that answer stays valid until (None: for good).

        Lets a caller that sees time only move forward cache the answer instead of converting every instant.
        """
        if self.is_open(at):
            local = at.astimezone(self._zone)
            return True, self.closes_on(local.date())
        return False, self.next_opening(at)

    def next_opening(self, at: datetime) -> datetime | None:
        """The next instant (UTC) at or after `at` when the service is open; None if it never opens."""
        if self.is_open(at):
            return at.astimezone(UTC)
        local = at.astimezone(self._zone)
        day = local.date()
        if local.time() >= self.hours_on(day)[0]:
            day += timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if self.is_open_day(day):
                return datetime.combine(day, self.hours_on(day)[0], tzinfo=self._zone).astimezone(UTC)
            day += timedelta(days=1)
        return None

    def local_date(self, at: datetime) -> date:
        """The date at the instant `at` in these hours' time zone (what "today" means for them)."""
        return at.astimezone(self._zone).date()

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, the inverse of `from_dict` (the newer keys only when set, so the versions of
        policies stored before them do not change)."""
        data: dict[str, Any] = {
            "opens": format_clock(self.opens),
            "closes": format_clock(self.closes),
            "weekdays": [WEEKDAY_NAMES[day] for day in sorted(self.weekdays)],
            "timezone": self.timezone,
            "holiday_country": self.holiday_country,
            "annual_closures": [closure.to_dict() for closure in self.annual_closures],
            "closed_dates": [day.isoformat() for day in sorted(self.closed_dates)],
        }
        if self.day_hours:
            data["day_hours"] = {
                WEEKDAY_NAMES[day]: {"opens": format_clock(opens), "closes": format_clock(closes)}
                for day, opens, closes in self.day_hours
            }
        if self.open_dates:
            data["open_dates"] = [day.isoformat() for day in sorted(self.open_dates)]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpeningHours:
        """Build from plain data, e.g. {"opens": "09:00", "closes": "17:00", "weekdays": ["mon", ...]}."""
        check_keys(
            data,
            {
                "opens",
                "closes",
                "weekdays",
                "timezone",
                "holiday_country",
                "annual_closures",
                "closed_dates",
                "day_hours",
                "open_dates",
            },
            "opening hours",
        )
        kwargs: dict[str, Any] = {"opens": _clock(data, "opens"), "closes": _clock(data, "closes")}
        if "weekdays" in data:
            kwargs["weekdays"] = frozenset(_weekday(value) for value in data["weekdays"])
        if "timezone" in data:
            kwargs["timezone"] = str(data["timezone"])
        if "holiday_country" in data:
            country = data["holiday_country"]
            kwargs["holiday_country"] = None if country is None else str(country)
        if "annual_closures" in data:
            kwargs["annual_closures"] = tuple(
                AnnualClosure.from_dict(item) for item in data["annual_closures"]
            )
        if "closed_dates" in data:
            try:
                kwargs["closed_dates"] = frozenset(
                    date.fromisoformat(str(day)) for day in data["closed_dates"]
                )
            except ValueError as exc:
                raise PolicyError(f"closed_dates: {exc}") from exc
        if "day_hours" in data:
            own = data["day_hours"]
            check_keys(own, set(WEEKDAY_NAMES), "day hours")
            days: list[tuple[int, time, time]] = []
            for name, value in own.items():
                check_keys(value, {"opens", "closes"}, f"day hours of {name}")
                days.append((_weekday(name), _clock(value, "opens"), _clock(value, "closes")))
            kwargs["day_hours"] = tuple(sorted(days))
        if "open_dates" in data:
            try:
                kwargs["open_dates"] = frozenset(date.fromisoformat(str(day)) for day in data["open_dates"])
            except ValueError as exc:
                raise PolicyError(f"open_dates: {exc}") from exc
        return cls(**kwargs)


def next_common_opening(all_hours: Sequence[OpeningHours], at: datetime) -> datetime | None:
    """The first instant at or after `at` when every one of `all_hours` is open (None: not within a year).

    A remote language is served when the desk and its interpreters' vendor are both open: the later of two
    openings is tried until all agree (each step moves forward to an opening, so this ends).
    """
    moment = at
    for _ in range(_SEARCH_DAYS * 2):
        openings = [hours.next_opening(moment) for hours in all_hours]
        if any(opening is None for opening in openings):
            return None
        latest = max(o for o in openings if o is not None)
        if all(hours.is_open(latest) for hours in all_hours):
            return latest
        moment = latest if latest > moment else moment + timedelta(minutes=1)
    return None


def _clock(data: Mapping[str, Any], key: str) -> time:
    if key not in data:
        raise PolicyError(f"opening hours: {key!r} is required")
    if key == "closes" and str(data[key]) == "24:00":
        return END_OF_DAY
    try:
        return time.fromisoformat(str(data[key]))
    except ValueError as exc:
        raise PolicyError(f"opening hours: {key}: expected HH:MM, got {data[key]!r}") from exc


def _weekday(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str) and value.lower()[:3] in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(value.lower()[:3])
    raise PolicyError(f"weekdays: expected 0-6 or mon..sun, got {value!r}")


def check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    """Reject non-objects and unknown keys, so a typo in stored policy fails loudly."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{where}: expected an object, got {type(data).__name__}")
    unknown = set(data) - allowed
    if unknown:
        raise PolicyError(f"{where}: unknown keys {sorted(unknown)}")
