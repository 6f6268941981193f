"""The desk calendar in the admin API: read (admins and coordinators), save a new version (admins), applied
to the live desk at once when it is in force today."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from app.deps import Admin, ClockDep, DbSession, DeskDep, ReportReader, SettingsDep
from app.errors import InvalidField
from app.live.desk_calendar import service
from app.live.desk_calendar.models import DeskCalendar
from app.live.desk_calendar.schema import CalendarData

router = APIRouter(prefix="/admin/calendar", tags=["admin"])


class CalendarSave(CalendarData):
    effective_from: date = Field(description="the local day it takes effect: today (at once) or later")


class CalendarVersion(BaseModel):
    id: int
    effective_from: date
    saved_at: datetime
    saved_by: str | None
    calendar: CalendarData


class CalendarView(BaseModel):
    in_force: CalendarData = Field(description="the calendar the desk runs under today")
    in_force_id: int | None = Field(description="its stored version; null: seeded from the settings")
    effective_from: date | None
    next_from: date | None = Field(description="the day a saved later version takes effect")
    policy_version: str = Field(description="the routing policy version in force")
    versions: list[CalendarVersion] = Field(description="every saved version, newest effective date first")


def _version(row: DeskCalendar) -> CalendarVersion:
    return CalendarVersion(
        id=row.id,
        effective_from=row.effective_from,
        saved_at=row.saved_at,
        saved_by=row.saved_by,
        calendar=CalendarData.model_validate(row.payload),
    )


async def _view(db: DbSession, settings: SettingsDep, clock: ClockDep, desk: DeskDep) -> CalendarView:
    today = clock.now().astimezone(settings.zone).date()
    current = await service.in_force(db, settings, today)
    return CalendarView(
        in_force=current.data,
        in_force_id=current.version_id,
        effective_from=current.effective_from,
        next_from=current.next_from,
        policy_version=desk.journal_status.policy_version,
        versions=[_version(row) for row in await service.versions(db)],
    )


@router.get("", response_model=CalendarView)
async def read_calendar(
    _reader: ReportReader, db: DbSession, settings: SettingsDep, clock: ClockDep, desk: DeskDep
) -> CalendarView:
    """The calendar in force, the versions saved, and the routing policy version the desk runs under."""
    return await _view(db, settings, clock, desk)


@router.post("", response_model=CalendarView, status_code=status.HTTP_201_CREATED)
async def save_calendar(
    calendar_in: CalendarSave,
    request: Request,
    admin: Admin,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    desk: DeskDep,
) -> CalendarView:
    """Save a new version. Effective today, the live desk switches to it at once (no restart); a later date
    is switched to by the desk's ticker when that day begins. The past is never rewritten."""
    today = clock.now().astimezone(settings.zone).date()
    if calendar_in.effective_from < today:
        raise InvalidField(
            ("body", "effective_from"), f"a calendar takes effect today ({today}) or later, not in the past"
        )
    data = CalendarData.model_validate(calendar_in.model_dump(exclude={"effective_from"}))
    client_ip = request.client.host if request.client else None
    await service.save(db, data, calendar_in.effective_from, admin, client_ip)
    await db.commit()
    await desk.refresh_policy()
    return await _view(db, settings, clock, desk)
