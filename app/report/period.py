"""Calendar months in the desk's time zone, their UTC boundaries, and the Japanese era for report titles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.bounds import FIRST_DAY, LAST_DAY

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FIRST_YEAR, _LAST_YEAR = FIRST_DAY.year, LAST_DAY.year


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-10' -> Month(2026, 10); raises ValueError with the expected shape and range."""
        match = _MONTH.match(text.strip())
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not _FIRST_YEAR <= int(match.group(1)) <= _LAST_YEAR
        ):
            raise ValueError(
                f"expected a month as YYYY-MM from {_FIRST_YEAR}-01 to {_LAST_YEAR}-12 (e.g. 2026-10), "
                f"got {text!r}"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, zone: ZoneInfo) -> Month:
        local = instant.astimezone(zone)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """The first instant of the month in the desk's zone, as UTC."""
        return datetime(self.year, self.month, 1, tzinfo=zone).astimezone(UTC)

    def end(self, zone: ZoneInfo) -> datetime:
        return self.next().start(zone)


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from first to last inclusive."""
    months: list[Month] = []
    current = first
    while current <= last:
        months.append(current)
        current = current.next()
    return months


def months_touching_utc_hour(hour: datetime, zone: ZoneInfo) -> set[Month]:
    """The local months a UTC hour overlaps: one for whole-hour offsets such as Japan's, at most two."""
    start = (hour if hour.tzinfo else hour.replace(tzinfo=UTC)).replace(minute=0, second=0, microsecond=0)
    return {Month.of(start, zone), Month.of(start + timedelta(hours=1) - timedelta(microseconds=1), zone)}


def contiguous_runs(months: list[Month]) -> Iterator[tuple[Month, Month]]:
    """Group sorted months into (first, last) runs so each run is one range condition in SQL."""
    run: list[Month] = []
    for month in sorted(months):
        if run and month != run[-1].next():
            yield run[0], run[-1]
            run = []
        run.append(month)
    if run:
        yield run[0], run[-1]


def wareki(month: Month) -> str:
    """'令和8年10月' for council reports (Reiwa began on 1 May 2019; Heisei before it)."""
    if (month.year, month.month) >= (2019, 5):
        number = month.year - 2018
        era = "令和"
    else:
        number = month.year - 1988
        era = "平成"
    year = "元" if number == 1 else str(number)
    return f"{era}{year}年{month.month}月"


def fiscal_year(month: Month) -> int:
    """The Japanese fiscal year (年度, April to March) a month belongs to: 2027-03 is in FY2026."""
    return month.year if month.month >= 4 else month.year - 1


def fiscal_year_months(year: int) -> tuple[Month, Month]:
    """First and last month of fiscal year `year`: April of that year to March of the next."""
    return Month(year, 4), Month(year + 1, 3)
