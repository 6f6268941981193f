"""What the interpreter console shows besides the ring: whether a counselor is free (an interpreted call needs
one, so no ring can come without), and the interpreter's own calls and minutes today.

"Today" is the desk's day (local midnight in the desk's time zone, from the one clock); a call still running
counts up to now, and a call that began before midnight counts from midnight, as the admin's pool view does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import CallLeg
from routing import CounselorState, Snapshot

Leg = tuple[int, datetime, datetime | None]
"""(consultation id, joined at, left at or None while in the call)."""


@dataclass(frozen=True, slots=True)
class Today:
    day: date
    calls: int
    minutes: int


def counselors_free(snapshot: Snapshot) -> int:
    """Counselors present and not in a call: the routing engine holds one of them before it rings anyone."""
    return sum(1 for c in snapshot.counselors if c.state is CounselorState.FREE)


def summarize(legs: Iterable[Leg], now: datetime, zone: ZoneInfo) -> Today:
    """Calls (distinct consultations) and whole minutes of the given legs that fall in today's local day."""
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    spent = timedelta()
    calls: set[int] = set()
    for consultation_id, joined, left in legs:
        start, end = max(_aware(joined), midnight), min(_aware(left) if left else now, now)
        if end > start or (end == start and left is None):
            calls.add(consultation_id)
            spent += max(end - start, timedelta())
    return Today(day=local.date(), calls=len(calls), minutes=int(spent.total_seconds() // 60))


async def interpreter_today(
    session: AsyncSession, interpreter_id: int, now: datetime, zone: ZoneInfo
) -> Today:
    """One interpreter's calls and minutes since local midnight, from the call legs (the billable record)."""
    midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = await session.execute(
        select(CallLeg.consultation_id, CallLeg.joined_at, CallLeg.left_at).where(
            CallLeg.interpreter_id == interpreter_id,
            CallLeg.left_at.is_(None) | (CallLeg.left_at > midnight),
        )
    )
    return summarize(((c, j, left) for c, j, left in rows), now, zone)


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
