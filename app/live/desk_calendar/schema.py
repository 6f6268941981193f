"""The calendar's shape (what the admin edits) and its translation into routing's opening hours."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.config import Settings, parse_hours
from routing import format_clock
from routing.calendar import WEEKDAY_NAMES

YEAR_END_CLOSURE = {"start": "12-29", "end": "01-03"}
DEFAULT_HOURS = (
    "09:00",
    "17:00",
)  # hours of a week with no open day (never used for an open instant)


class DayHours(BaseModel):
    """One day's opening and closing time, HH:MM (24:00 is the end of the day)."""

    model_config = ConfigDict(extra="forbid")

    opens: str = Field(examples=["09:00"])
    closes: str = Field(examples=["17:00"])

    @model_validator(mode="after")
    def _opens_before_closes(self) -> Self:
        parse_hours(f"{self.opens}-{self.closes}")  # ValueError with the reason: a 422 naming the field
        return self


class WeekHours(BaseModel):
    """Hours per weekday; a missing (or null) day is closed."""

    model_config = ConfigDict(extra="forbid")

    mon: DayHours | None = None
    tue: DayHours | None = None
    wed: DayHours | None = None
    thu: DayHours | None = None
    fri: DayHours | None = None
    sat: DayHours | None = None
    sun: DayHours | None = None

    def days(self) -> dict[str, DayHours]:
        """The open weekdays, in week order."""
        return {name: hours for name in WEEKDAY_NAMES if (hours := getattr(self, name)) is not None}

    @classmethod
    def uniform(cls, hours: str, days: list[str]) -> WeekHours:
        """The same hours on each of `days` (the settings' form: "09:00-17:00" and mon..fri)."""
        opens, closes = parse_hours(hours)
        day = DayHours(opens=format_clock(opens), closes=format_clock(closes))
        return cls(**{name: day for name in days})


class CalendarData(BaseModel):
    """What the admin sets; the routing policy's hours are derived from it."""

    model_config = ConfigDict(extra="forbid")

    desk: WeekHours = Field(description="the desk's hours per weekday")
    national_holidays: bool = Field(description="closed on Japan's national holidays (desk and vendors)")
    year_end: bool = Field(description="closed from 29 December to 3 January")
    closed_dates: list[date] = Field(default_factory=list, description="extra days the desk is closed")
    open_dates: list[date] = Field(
        default_factory=list,
        description="extra days the desk opens (that weekday's hours, else the usual)",
    )
    vendor_hours: WeekHours = Field(description="interpreter vendors' hours (remote languages)")
    vendors: dict[str, WeekHours] = Field(
        default_factory=dict, description="hours of one vendor where they differ from vendor_hours"
    )

    @field_validator("closed_dates", "open_dates")
    @classmethod
    def _sorted(cls, value: list[date]) -> list[date]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _not_both(self) -> Self:
        both = set(self.closed_dates) & set(self.open_dates)
        if both:
            raise ValueError(f"a day cannot be both closed and open: {', '.join(map(str, sorted(both)))}")
        return self

    @classmethod
    def from_settings(cls, settings: Settings) -> CalendarData:
        """The first calendar, seeded from the environment."""
        return cls(
            desk=WeekHours.uniform(settings.desk_hours, settings.desk_days),
            national_holidays=settings.desk_holidays,
            year_end=settings.desk_year_end,
            closed_dates=list(settings.desk_closed_dates),
            vendor_hours=WeekHours.uniform(settings.vendor_hours, settings.vendor_days),
        )


def opening_hours_data(week: WeekHours, data: CalendarData, timezone: str, *, dates: bool) -> dict[str, Any]:
    """routing.OpeningHours as data: the most common hours are the usual ones, other days have their own."""
    days = week.days()
    usual = Counter((d.opens, d.closes) for d in days.values()).most_common(1)
    opens, closes = usual[0][0] if usual else DEFAULT_HOURS
    result: dict[str, Any] = {
        "opens": opens,
        "closes": closes,
        "weekdays": list(days),
        "timezone": timezone,
        "holiday_country": "JP" if data.national_holidays else None,
        "annual_closures": [YEAR_END_CLOSURE] if data.year_end else [],
    }
    own = {name: d.model_dump() for name, d in days.items() if (d.opens, d.closes) != (opens, closes)}
    if own:
        result["day_hours"] = own
    if dates:
        result["closed_dates"] = [day.isoformat() for day in data.closed_dates]
        if data.open_dates:
            result["open_dates"] = [day.isoformat() for day in data.open_dates]
    return result


def policy_hours(data: CalendarData, timezone: str) -> dict[str, Any]:
    """The policy keys the calendar sets: desk_hours, interpreter_hours and vendor_hours."""
    return {
        "desk_hours": opening_hours_data(data.desk, data, timezone, dates=True),
        "interpreter_hours": opening_hours_data(data.vendor_hours, data, timezone, dates=False),
        "vendor_hours": {
            vendor: opening_hours_data(week, data, timezone, dates=False)
            for vendor, week in data.vendors.items()
        },
    }
