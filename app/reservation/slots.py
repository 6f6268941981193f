"""Which reservation slots can be booked: pure, typed, clock-free (`now` is always passed in).

A slot is bookable for a language when
- the desk is open for the whole slot (weekdays, hours, national holidays, year-end closure);
- the language is served by reservation only, or it is a remote language and the slot falls (at least partly)
  outside the interpreter vendor's live hours, so residents cannot simply call then;
- an interpreter of the language whose vendor works the whole slot is not yet booked for it (the routing
  engine offers calls only inside an interpreter's vendor hours, so a seat without one could never be served);
- it starts at least `lead` from now and before the `horizon`.
Slots sit on a grid of `length` from the desk's opening time each day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from routing import DeskPolicy, OpeningHours, ServiceMode

_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class SlotRules:
    """How long a slot is, how early and how far ahead one may book, how early one may join."""

    length: timedelta = timedelta(minutes=30)
    lead: timedelta = timedelta(minutes=60)
    horizon: timedelta = timedelta(days=30)
    join_early: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.length <= timedelta(0):
            raise ValueError("a slot must last longer than zero")
        if self.lead < timedelta(0) or self.horizon <= timedelta(0) or self.join_early < timedelta(0):
            raise ValueError("lead and join_early must not be negative, horizon must be positive")


@dataclass(frozen=True, slots=True)
class Qualified:
    """An interpreter who speaks the language, with the hours of their vendor."""

    interpreter_id: int
    hours: OpeningHours


@dataclass(frozen=True, slots=True)
class Booking:
    """A reservation that holds a seat (booked or fulfilled)."""

    language: str
    starts_at: datetime
    ends_at: datetime
    interpreter_id: int | None


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    seats: int  # how many more residents may book it
    free_interpreters: tuple[int, ...]  # who could take one more booking, in assignment order


class Refusal(StrEnum):
    """Why a slot cannot be booked (the API turns each into a clear message)."""

    LANGUAGE_NOT_BOOKABLE = "language_not_bookable"  # on-site language, or unknown to the desk
    NOT_ON_GRID = "not_on_grid"
    DESK_CLOSED = "desk_closed"
    LIVE_SERVICE = "live_service"  # the language is served live then: just call
    IN_THE_PAST = "in_the_past"
    TOO_SOON = "too_soon"
    BEYOND_HORIZON = "beyond_horizon"
    FULL = "full"


class SlotRefused(Exception):
    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message


def _zone(policy: DeskPolicy) -> ZoneInfo:
    return ZoneInfo(policy.desk_hours.timezone)


def open_throughout(hours: OpeningHours, starts_at: datetime, ends_at: datetime) -> bool:
    """True when `hours` are open from `starts_at` up to (not including) `ends_at`.

    Opening hours are one interval a day, so checking both ends of a slot inside one day is enough.
    """
    zone = ZoneInfo(hours.timezone)
    if starts_at.astimezone(zone).date() != (ends_at - _EPSILON).astimezone(zone).date():
        return False
    return hours.is_open(starts_at) and hours.is_open(ends_at - _EPSILON)


def reservation_reason(
    policy: DeskPolicy, language: str, starts_at: datetime, ends_at: datetime
) -> Refusal | None:
    """None when the language may be reserved for this time (desk hours aside), else why not."""
    mode = policy.mode_of(language)
    if mode is ServiceMode.RESERVATION:
        return None
    if mode is ServiceMode.REMOTE:
        if open_throughout(policy.interpreter_hours, starts_at, ends_at):
            return Refusal.LIVE_SERVICE
        return None
    return Refusal.LANGUAGE_NOT_BOOKABLE


def grid(
    policy: DeskPolicy, first_day: date, last_day: date, length: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """Every slot of the desk's open days from `first_day` to `last_day` (local dates, inclusive), in UTC."""
    hours = policy.desk_hours
    zone = _zone(policy)
    day = first_day
    while day <= last_day:
        if hours.is_open_day(day):
            start = datetime.combine(day, hours.opens, tzinfo=zone)
            closes = hours.closes_on(day)
            while start + length <= closes:
                yield start.astimezone(UTC), (start + length).astimezone(UTC)
                start += length
        day += timedelta(days=1)


def _overlaps(booking: Booking, starts_at: datetime, ends_at: datetime) -> bool:
    return booking.starts_at < ends_at and booking.ends_at > starts_at


def seats_for(
    language: str,
    starts_at: datetime,
    ends_at: datetime,
    interpreters: Iterable[Qualified],
    bookings: Iterable[Booking],
    load: Mapping[int, int] | None = None,
) -> Slot:
    """Seats left in one slot: qualified interpreters working then, minus those already booked.

    `bookings` may hold every language's bookings: an interpreter booked in another language at that time is
    taken too. An unassigned booking of this language takes one seat. `load` (bookings per interpreter) orders
    the free interpreters so the least booked gets the next one.
    """
    overlapping = [b for b in bookings if _overlaps(b, starts_at, ends_at)]
    taken = {b.interpreter_id for b in overlapping if b.interpreter_id is not None}
    unassigned = sum(1 for b in overlapping if b.interpreter_id is None and b.language == language)
    free = [
        q.interpreter_id
        for q in interpreters
        if q.interpreter_id not in taken and open_throughout(q.hours, starts_at, ends_at)
    ]
    counts = load or {}
    free.sort(key=lambda interpreter_id: (counts.get(interpreter_id, 0), interpreter_id))
    return Slot(starts_at, ends_at, max(0, len(free) - unassigned), tuple(free))


def available_slots(
    policy: DeskPolicy,
    language: str,
    first_day: date,
    last_day: date,
    now: datetime,
    rules: SlotRules,
    interpreters: Iterable[Qualified],
    bookings: Iterable[Booking],
    load: Mapping[int, int] | None = None,
) -> list[Slot]:
    """Every slot a resident may pick between two local dates (booked-out ones included, with 0 seats)."""
    qualified = tuple(interpreters)
    held = tuple(bookings)
    earliest = now + rules.lead
    latest = now + rules.horizon
    result: list[Slot] = []
    for starts_at, ends_at in grid(policy, first_day, last_day, rules.length):
        if starts_at < earliest or starts_at >= latest:
            continue
        if reservation_reason(policy, language, starts_at, ends_at) is not None:
            continue
        if not any(open_throughout(q.hours, starts_at, ends_at) for q in qualified):
            continue  # nobody could ever serve it: not a slot at all (a booked-out one shows 0 seats)
        result.append(seats_for(language, starts_at, ends_at, qualified, held, load))
    return result


def check_slot(
    policy: DeskPolicy,
    language: str,
    starts_at: datetime,
    now: datetime,
    rules: SlotRules,
    interpreters: Iterable[Qualified],
    bookings: Iterable[Booking],
    load: Mapping[int, int] | None = None,
) -> Slot:
    """The slot starting at `starts_at` if a resident may book it now; else SlotRefused saying why."""
    starts_at = starts_at.astimezone(UTC)
    ends_at = starts_at + rules.length
    mode = policy.mode_of(language)
    if mode is None or mode is ServiceMode.ON_SITE:
        raise SlotRefused(Refusal.LANGUAGE_NOT_BOOKABLE, f"{language!r} is not served by reservation")
    local_day = starts_at.astimezone(_zone(policy)).date()
    if (starts_at, ends_at) not in set(grid(policy, local_day, local_day, rules.length)):
        if not policy.desk_hours.is_open_day(local_day) or not open_throughout(
            policy.desk_hours, starts_at, ends_at
        ):
            raise SlotRefused(Refusal.DESK_CLOSED, "the desk is closed at that time")
        raise SlotRefused(
            Refusal.NOT_ON_GRID,
            f"slots start every {int(rules.length.total_seconds() // 60)} minutes from the desk's opening",
        )
    if starts_at < now:
        raise SlotRefused(Refusal.IN_THE_PAST, "that time has passed")
    if starts_at < now + rules.lead:
        minutes = int(rules.lead.total_seconds() // 60)
        raise SlotRefused(Refusal.TOO_SOON, f"book at least {minutes} minutes ahead")
    if starts_at >= now + rules.horizon:
        raise SlotRefused(Refusal.BEYOND_HORIZON, f"book at most {rules.horizon.days} days ahead")
    reason = reservation_reason(policy, language, starts_at, ends_at)
    if reason is not None:
        raise SlotRefused(reason, f"{language!r} is served live at that time: no reservation is needed")
    slot = seats_for(language, starts_at, ends_at, interpreters, bookings, load)
    if slot.seats <= 0:
        raise SlotRefused(Refusal.FULL, "this slot is fully booked; please choose another time")
    return slot
