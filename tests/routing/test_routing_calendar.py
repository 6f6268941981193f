# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Desk and vendor hours: weekdays, national holidays, the year-end closure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from routing_kit import jst

from routing import AnnualClosure, OpeningHours, PolicyError
from routing.calendar import next_common_opening

DESK = OpeningHours(opens=time(9), closes=time(17))
VENDOR = OpeningHours(opens=time(10), closes=time(18))


@pytest.mark.parametrize(
    ("when", "desk_open", "vendor_open"),
    [
        (jst(2026, 6, 1, 8, 59), False, False),  # Monday before opening
        (jst(2026, 6, 1, 9, 0), True, False),
        (jst(2026, 6, 1, 9, 30), True, False),  # desk open, vendor not yet
        (jst(2026, 6, 1, 10, 0), True, True),
        (jst(2026, 6, 1, 16, 59, 59), True, True),
        (jst(2026, 6, 1, 17, 0), False, True),  # closing time is exclusive
        (jst(2026, 6, 1, 18, 0), False, False),
        (jst(2026, 6, 6, 11, 0), False, False),  # Saturday
        (jst(2026, 11, 23, 11, 0), False, False),  # Labour Thanksgiving Day (a Monday)
        (jst(2027, 1, 11, 11, 0), False, False),  # Coming of Age Day
        (jst(2026, 12, 28, 11, 0), True, True),  # last working day of the year
        (jst(2026, 12, 30, 11, 0), False, False),  # year-end closure, a Wednesday
        (jst(2027, 1, 4, 11, 0), True, True),  # first working day
    ],
)
def test_is_open__desk_and_vendor_hours(when, desk_open, vendor_open):
    assert DESK.is_open(when) is desk_open
    assert VENDOR.is_open(when) is vendor_open


def test_is_open__uses_local_time_of_the_desk():
    # 00:30 UTC on Monday is 09:30 in Tokyo.
    assert DESK.is_open(jst(2026, 6, 1, 9, 30))
    assert not OpeningHours(opens=time(9), closes=time(17), timezone="UTC").is_open(jst(2026, 6, 1, 9, 30))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (jst(2026, 6, 1, 8, 0), jst(2026, 6, 1, 9, 0)),
        (jst(2026, 6, 1, 12, 0), jst(2026, 6, 1, 12, 0)),  # open now
        (jst(2026, 6, 5, 17, 30), jst(2026, 6, 8, 9, 0)),  # Friday evening -> Monday
        (jst(2026, 12, 28, 18, 0), jst(2027, 1, 4, 9, 0)),  # across the year-end closure
        (jst(2026, 11, 21, 10, 0), jst(2026, 11, 24, 9, 0)),  # Saturday before a Monday holiday
    ],
)
def test_next_opening__skips_closed_days(when, expected):
    assert DESK.next_opening(when) == expected


def test_next_opening__never_open__is_none():
    never = OpeningHours(opens=time(9), closes=time(17), weekdays=frozenset())
    assert never.next_opening(jst(2026, 6, 1, 8)) is None


@pytest.mark.parametrize(
    ("day", "covered"),
    [
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), True),
        (date(2027, 1, 3), True),
        (date(2027, 1, 4), False),
    ],
)
def test_annual_closure__wraps_new_year(day, covered):
    assert AnnualClosure(start=(12, 29), end=(1, 3)).covers(day) is covered


def test_opening_hours__dict_round_trip():
    hours = OpeningHours(opens=time(10), closes=time(18), closed_dates=frozenset({date(2026, 8, 14)}))
    assert OpeningHours.from_dict(hours.to_dict()) == hours


@pytest.mark.parametrize(
    "data",
    [
        {"opens": "17:00", "closes": "09:00"},
        {"opens": "9am", "closes": "17:00"},
        {"opens": "09:00", "closes": "17:00", "weekdays": ["funday"]},
        {"opens": "09:00", "closes": "17:00", "timezone": "Mars/Olympus"},
        {"opens": "09:00", "closes": "17:00", "holiday_country": "XX"},
        {"opens": "09:00", "closes": "17:00", "annual_closures": [{"start": "13-01", "end": "01-03"}]},
        {"opens": "09:00", "closes": "17:00", "lunch": "12:00"},
        {"closes": "17:00"},
    ],
)
def test_opening_hours_from_dict__bad_data__raises_policy_error(data):
    with pytest.raises(PolicyError):
        OpeningHours.from_dict(data)


def test_next_common_opening__the_first_instant_both_are_open():
    desk = OpeningHours(opens=time(9), closes=time(17))
    vendor = OpeningHours(opens=time(10), closes=time(18))
    assert next_common_opening((desk, vendor), jst(2026, 6, 1, 7, 11)) == jst(2026, 6, 1, 10)
    assert next_common_opening((desk, vendor), jst(2026, 6, 1, 11)) == jst(2026, 6, 1, 11)
    assert next_common_opening((desk, vendor), jst(2026, 6, 1, 17, 30)) == jst(2026, 6, 2, 10)
    weekend = OpeningHours(opens=time(10), closes=time(18), weekdays=frozenset({5, 6}), holiday_country=None)
    assert next_common_opening((desk, weekend), jst(2026, 6, 1, 7)) is None  # they never overlap


def test_24_hour_hours__open_around_the_clock_and_round_trip():
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from routing import END_OF_DAY, OpeningHours

    hours = OpeningHours.from_dict(
        {
            "opens": "00:00",
            "closes": "24:00",
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "holiday_country": None,
            "annual_closures": [],
        }
    )
    assert hours.closes == END_OF_DAY
    tokyo = ZoneInfo("Asia/Tokyo")
    for moment in (time(0, 0), time(3, 0), time(23, 59, 59, 999999)):
        assert hours.is_open(datetime.combine(datetime(2026, 11, 22).date(), moment, tzinfo=tokyo))
    at = datetime(2026, 11, 22, 23, 30, tzinfo=tokyo)
    is_open, until = hours.state_at(at)
    assert is_open and until == datetime(2026, 11, 23, 0, 0, tzinfo=tokyo).astimezone(UTC)
    assert hours.to_dict()["closes"] == "24:00"
    assert OpeningHours.from_dict(hours.to_dict()) == hours
    closed_on = OpeningHours.from_dict({**hours.to_dict(), "closed_dates": ["2026-11-23"]})
    assert not closed_on.is_open(datetime(2026, 11, 23, 12, 0, tzinfo=tokyo))
    assert closed_on.next_opening(datetime(2026, 11, 23, 12, 0, tzinfo=tokyo)) == datetime(
        2026, 11, 24, 0, 0, tzinfo=tokyo
    ).astimezone(UTC)
    assert timedelta(0) < until - at.astimezone(UTC) <= timedelta(minutes=30)


# -- hours per weekday and extra open days (the desk calendar as data) --------------------------------------


def _tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("Asia/Tokyo"))


def test_a_weekday_with_its_own_hours_opens_and_closes_at_them() -> None:
    hours = OpeningHours.from_dict(
        {
            "opens": "09:00",
            "closes": "17:00",
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "holiday_country": None,
            "annual_closures": [],
            "day_hours": {"sat": {"opens": "10:00", "closes": "12:00"}},
        }
    )
    saturday, friday = date(2026, 12, 5), date(2026, 12, 4)
    assert hours.is_open(_tokyo(friday, 16, 30))
    assert not hours.is_open(_tokyo(saturday, 9, 30))
    assert hours.is_open(_tokyo(saturday, 11, 59))
    assert not hours.is_open(_tokyo(saturday, 12, 0))
    assert hours.next_opening(_tokyo(friday, 18)) == _tokyo(saturday, 10).astimezone(UTC)
    assert hours.closes_on(saturday) == _tokyo(saturday, 12).astimezone(UTC)
    assert OpeningHours.from_dict(hours.to_dict()) == hours


def test_an_extra_open_day_opens_a_holiday_and_a_closed_date_stays_closed() -> None:
    new_year = date(2027, 1, 11)  # Coming of Age Day, a national holiday (a Monday)
    hours = OpeningHours.from_dict(
        {"opens": "09:00", "closes": "17:00", "open_dates": [new_year.isoformat(), "2026-12-05"]}
    )
    assert hours.is_open(_tokyo(new_year, 10))
    assert hours.is_open(_tokyo(date(2026, 12, 5), 10))  # a Saturday
    assert not hours.is_open(_tokyo(date(2026, 12, 6), 10))
    assert OpeningHours.from_dict(hours.to_dict()) == hours


def test_old_policies_keep_their_plain_form_and_bad_day_hours_are_refused() -> None:
    plain = OpeningHours.from_dict({"opens": "09:00", "closes": "17:00"})
    assert "day_hours" not in plain.to_dict() and "open_dates" not in plain.to_dict()
    with pytest.raises(PolicyError):
        OpeningHours.from_dict({"opens": "09:00", "closes": "17:00", "day_hours": {"sat": "10-12"}})
    with pytest.raises(PolicyError):
        OpeningHours.from_dict(
            {"opens": "09:00", "closes": "17:00", "day_hours": {"sat": {"opens": "12:00", "closes": "10:00"}}}
        )
    with pytest.raises(PolicyError):
        OpeningHours.from_dict(
            {
                "opens": "09:00",
                "closes": "17:00",
                "open_dates": ["2026-12-05"],
                "closed_dates": ["2026-12-05"],
            }
        )
