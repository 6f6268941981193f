"""The pure slot rules: desk hours, holidays, which languages may be reserved when, seats, lead, horizon."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reservation.slots import (
    Booking,
    Qualified,
    Refusal,
    SlotRefused,
    SlotRules,
    available_slots,
    check_slot,
    grid,
    open_throughout,
    seats_for,
)
from routing import DeskPolicy, default_policy_data

JST = ZoneInfo("Asia/Tokyo")
WEDNESDAY = date(2026, 11, 25)
LABOUR_THANKSGIVING = date(2026, 11, 23)  # a Monday, national holiday
RULES = SlotRules(length=timedelta(minutes=30), lead=timedelta(minutes=60), horizon=timedelta(days=30))


def _policy(**vendor_hours: dict[str, str]) -> DeskPolicy:
    data = default_policy_data()
    if vendor_hours:
        data["vendor_hours"] = {
            vendor: {"opens": h["opens"], "closes": h["closes"], "timezone": "Asia/Tokyo"}
            for vendor, h in vendor_hours.items()
        }
    return DeskPolicy.from_dict(data)


POLICY = _policy(early={"opens": "09:00", "closes": "17:00"})


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=JST)


def interpreter(interpreter_id: int, vendor: str = "default") -> Qualified:
    return Qualified(interpreter_id, POLICY.hours_for_vendor(vendor))


def local_starts(slots: list) -> list[str]:  # type: ignore[type-arg]
    return [s.starts_at.astimezone(JST).strftime("%H:%M") for s in slots]


NIGHT_BEFORE = at(WEDNESDAY - timedelta(days=1), 20)


def test_ukrainian__bookable_whenever_desk_and_the_interpreters_vendor_are_open() -> None:
    slots = available_slots(POLICY, "uk", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, RULES, [interpreter(1)], [])
    # desk 09:00-17:00, vendor 10:00-18:00: the last slot starts 16:30 and ends when the desk closes
    assert local_starts(slots)[0] == "10:00" and local_starts(slots)[-1] == "16:30"
    assert len(slots) == 14 and all(s.seats == 1 for s in slots)
    early = available_slots(
        POLICY, "uk", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, RULES, [interpreter(2, "early")], []
    )
    assert local_starts(early)[0] == "09:00" and len(early) == 16


def test_remote_language__only_outside_the_vendors_live_hours() -> None:
    both = [interpreter(1), interpreter(2, "early")]
    slots = available_slots(POLICY, "ne", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, RULES, both, [])
    # 10:00-17:00 Nepali is served live (just call); 09:00-10:00 only the early vendor can serve a booking
    assert local_starts(slots) == ["09:00", "09:30"]
    assert [s.free_interpreters for s in slots] == [(2,), (2,)]
    only_default = available_slots(
        POLICY, "ne", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, RULES, [interpreter(1)], []
    )
    assert only_default == []  # nobody could serve 09:00-10:00, so there is nothing to book


@pytest.mark.parametrize(
    "day",
    [
        LABOUR_THANKSGIVING,
        date(2026, 12, 30),  # year-end closure
        date(2027, 1, 2),
        date(2026, 11, 28),  # Saturday
    ],
)
def test_closed_days__have_no_slots(day: date) -> None:
    now = at(day - timedelta(days=1), 8)
    assert available_slots(POLICY, "uk", day, day, now, RULES, [interpreter(1)], []) == []
    with pytest.raises(SlotRefused) as refused:
        check_slot(POLICY, "uk", at(day, 11), now, RULES, [interpreter(1)], [])
    assert refused.value.refusal is Refusal.DESK_CLOSED


def test_holiday_week__the_days_around_it_are_open() -> None:
    now = at(LABOUR_THANKSGIVING - timedelta(days=3), 12)
    slots = available_slots(
        POLICY, "uk", LABOUR_THANKSGIVING - timedelta(days=1), WEDNESDAY, now, RULES, [interpreter(1)], []
    )
    days = sorted({s.starts_at.astimezone(JST).date() for s in slots})
    assert days == [date(2026, 11, 24), WEDNESDAY]  # Sunday and the holiday Monday are skipped


def test_full_slot__shows_zero_seats_and_refuses_a_booking() -> None:
    booked = Booking("uk", at(WEDNESDAY, 10).astimezone(JST), at(WEDNESDAY, 10, 30), interpreter_id=1)
    slots = available_slots(
        POLICY, "uk", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, RULES, [interpreter(1)], [booked]
    )
    seats = dict(zip(local_starts(slots), (s.seats for s in slots), strict=True))
    assert seats["10:00"] == 0 and seats["10:30"] == 1
    with pytest.raises(SlotRefused) as refused:
        check_slot(POLICY, "uk", at(WEDNESDAY, 10), NIGHT_BEFORE, RULES, [interpreter(1)], [booked])
    assert refused.value.refusal is Refusal.FULL
    second = check_slot(
        POLICY, "uk", at(WEDNESDAY, 10), NIGHT_BEFORE, RULES, [interpreter(1), interpreter(2)], [booked]
    )
    assert second.seats == 1 and second.free_interpreters == (2,)


def test_seats__an_interpreter_booked_in_another_language_is_taken_and_unassigned_bookings_count() -> None:
    start, end = at(WEDNESDAY, 11), at(WEDNESDAY, 11, 30)
    russian = Booking("ru", start, end, interpreter_id=1)
    assert seats_for("uk", start, end, [interpreter(1), interpreter(2)], [russian]).free_interpreters == (2,)
    unassigned = Booking("uk", start, end, interpreter_id=None)
    assert seats_for("uk", start, end, [interpreter(1), interpreter(2)], [unassigned]).seats == 1
    other_time = Booking("uk", end, end + timedelta(minutes=30), interpreter_id=1)
    assert (
        seats_for("uk", start, end, [interpreter(1)], [other_time]).seats == 1
    )  # touching is not overlapping


def test_seats__the_least_booked_interpreter_comes_first() -> None:
    start, end = at(WEDNESDAY, 11), at(WEDNESDAY, 11, 30)
    slot = seats_for(
        "uk", start, end, [interpreter(1), interpreter(2), interpreter(3)], [], {1: 3, 2: 0, 3: 1}
    )
    assert slot.free_interpreters == (2, 3, 1)


def test_lead_time__no_booking_in_the_past_or_too_soon() -> None:
    now = at(WEDNESDAY, 10, 40)
    slots = available_slots(POLICY, "uk", WEDNESDAY, WEDNESDAY, now, RULES, [interpreter(1)], [])
    assert local_starts(slots)[0] == "12:00"  # 10:40 + 60 minutes of lead, then the next slot
    cases = [(at(WEDNESDAY, 10), Refusal.IN_THE_PAST), (at(WEDNESDAY, 11, 30), Refusal.TOO_SOON)]
    for start, refusal in cases:
        with pytest.raises(SlotRefused) as refused:
            check_slot(POLICY, "uk", start, now, RULES, [interpreter(1)], [])
        assert refused.value.refusal is refusal


def test_horizon__nothing_beyond_it() -> None:
    now = at(WEDNESDAY, 12)
    far = WEDNESDAY + timedelta(days=35)
    slots = available_slots(POLICY, "uk", WEDNESDAY, far, now, RULES, [interpreter(1)], [])
    assert max(s.starts_at for s in slots) < now + RULES.horizon
    with pytest.raises(SlotRefused) as refused:
        check_slot(POLICY, "uk", at(date(2026, 12, 28), 11), now, RULES, [interpreter(1)], [])
    assert refused.value.refusal is Refusal.BEYOND_HORIZON


@pytest.mark.parametrize(
    ("language", "start", "refusal"),
    [
        ("en", at(WEDNESDAY, 11), Refusal.LANGUAGE_NOT_BOOKABLE),  # on-site counselor language
        ("xx", at(WEDNESDAY, 11), Refusal.LANGUAGE_NOT_BOOKABLE),
        ("ne", at(WEDNESDAY, 11), Refusal.LIVE_SERVICE),  # served live then: just call
        ("uk", at(WEDNESDAY, 11, 15), Refusal.NOT_ON_GRID),
        ("uk", at(WEDNESDAY, 8), Refusal.DESK_CLOSED),
        ("uk", at(WEDNESDAY, 16, 45), Refusal.DESK_CLOSED),  # would run past closing time
    ],
)
def test_check_slot__refusals(language: str, start: datetime, refusal: Refusal) -> None:
    with pytest.raises(SlotRefused) as refused:
        check_slot(
            POLICY, language, start, NIGHT_BEFORE, RULES, [interpreter(1), interpreter(2, "early")], []
        )
    assert refused.value.refusal is refusal and refused.value.message


def test_check_slot__accepts_a_slot_given_in_any_offset() -> None:
    slot = check_slot(
        POLICY, "uk", at(WEDNESDAY, 11).astimezone(ZoneInfo("UTC")), NIGHT_BEFORE, RULES, [interpreter(1)], []
    )
    assert slot.starts_at == at(WEDNESDAY, 11) and slot.ends_at == at(WEDNESDAY, 11, 30)


def test_open_throughout__needs_both_ends_inside_one_opening() -> None:
    hours = POLICY.desk_hours
    assert open_throughout(hours, at(WEDNESDAY, 16, 30), at(WEDNESDAY, 17))
    assert not open_throughout(hours, at(WEDNESDAY, 16, 45), at(WEDNESDAY, 17, 15))
    assert not open_throughout(hours, at(WEDNESDAY, 16), at(WEDNESDAY + timedelta(days=1), 10))


def test_rules__reject_nonsense() -> None:
    with pytest.raises(ValueError):
        SlotRules(length=timedelta(0))
    with pytest.raises(ValueError):
        SlotRules(lead=timedelta(minutes=-1))


@settings(max_examples=60, deadline=None)
@given(
    booked=st.lists(st.tuples(st.integers(0, 15), st.sampled_from([1, 2, 3, None])), max_size=12),
    length=st.sampled_from([15, 20, 30, 45, 60]),
)
def test_property__slots_lie_in_desk_hours_and_seats_never_exceed_the_staff(
    booked: list[tuple[int, int | None]], length: int
) -> None:
    rules = SlotRules(length=timedelta(minutes=length), lead=timedelta(0))
    starts = [s for s, _ in grid(POLICY, WEDNESDAY, WEDNESDAY, rules.length)]
    bookings = [
        Booking("uk", starts[i % len(starts)], starts[i % len(starts)] + rules.length, who)
        for i, who in booked
    ]
    team = [interpreter(1), interpreter(2), interpreter(3, "early")]
    for slot in available_slots(POLICY, "uk", WEDNESDAY, WEDNESDAY, NIGHT_BEFORE, rules, team, bookings):
        assert open_throughout(POLICY.desk_hours, slot.starts_at, slot.ends_at)
        assert 0 <= slot.seats <= len(slot.free_interpreters) <= len(team)
        overlapping = {
            b.interpreter_id for b in bookings if b.starts_at < slot.ends_at and b.ends_at > slot.starts_at
        }
        assert not overlapping & set(slot.free_interpreters)
