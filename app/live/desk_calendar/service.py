"""Which calendar is in force on a day, and saving a new version (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.config import Settings
from app.live.desk_calendar.models import DeskCalendar
from app.live.desk_calendar.schema import CalendarData


@dataclass(frozen=True)
class CalendarInForce:
    """The calendar of a day, where it came from, and the next stored version's first day (if any)."""

    data: CalendarData
    version_id: int | None  # None: no calendar saved yet, the settings' seed
    effective_from: date | None
    next_from: date | None


async def in_force(session: AsyncSession, settings: Settings, today: date) -> CalendarInForce:
    """The newest version effective on `today` (local date); the settings' calendar while none is saved."""
    current = await session.scalar(
        select(DeskCalendar)
        .where(DeskCalendar.effective_from <= today)
        .order_by(DeskCalendar.effective_from.desc(), DeskCalendar.id.desc())
        .limit(1)
    )
    upcoming = await session.scalar(
        select(DeskCalendar.effective_from)
        .where(DeskCalendar.effective_from > today)
        .order_by(DeskCalendar.effective_from)
        .limit(1)
    )
    if current is None:
        return CalendarInForce(CalendarData.from_settings(settings), None, None, upcoming)
    return CalendarInForce(
        CalendarData.model_validate(current.payload), current.id, current.effective_from, upcoming
    )


async def versions(session: AsyncSession) -> list[DeskCalendar]:
    """Every saved version, newest effective date first."""
    rows = await session.scalars(
        select(DeskCalendar).order_by(DeskCalendar.effective_from.desc(), DeskCalendar.id.desc())
    )
    return list(rows)


async def save(
    session: AsyncSession,
    data: CalendarData,
    effective_from: date,
    actor: Principal,
    client_ip: str | None = None,
) -> DeskCalendar:
    """Store a new version (the caller checks the date is not in the past) and audit it, before/after."""
    row = DeskCalendar(
        effective_from=effective_from, payload=data.model_dump(mode="json"), saved_by=actor.actor_id
    )
    session.add(row)
    await session.flush()
    await record(
        session,
        actor,
        "desk_calendar.saved",
        "desk_calendar",
        row.id,
        {"effective_from": effective_from.isoformat(), "calendar": row.payload},
        client_ip,
    )
    return row
