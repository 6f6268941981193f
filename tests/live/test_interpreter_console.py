"""The interpreter console's desk figures: counselors free (from the live desk) and the interpreter's own
calls and minutes today, the desk's day in Asia/Tokyo by the one clock (a leg across midnight counts from
midnight, a running leg up to now, yesterday's not at all)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from app.interpreter.models import Interpreter
from app.live.interpreter_console import summarize
from app.staff.models import StaffUser
from tests.conftest import JST, TEST_NOW

TOKYO = ZoneInfo("Asia/Tokyo")


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 18) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=JST)


def test_summarize_counts_today_only_from_local_midnight_and_running_legs_up_to_now() -> None:
    legs = [
        (1, at(9, 0), at(9, 12, 30)),  # 12.5 min today
        (1, at(9, 20), at(9, 23)),  # the same call rejoined: 3 min, still one call
        (2, at(23, 50, day=17), at(0, 10)),  # across midnight: 10 min today
        (3, at(20, 0, day=17), at(20, 30, day=17)),  # yesterday: nothing
        (4, at(10, 55), None),  # running: up to now (11:00), 5 min
    ]
    today = summarize(legs, TEST_NOW, TOKYO)
    assert (today.day.isoformat(), today.calls, today.minutes) == ("2026-11-18", 3, 30)


def test_summarize_midnight_is_tokyo_midnight_not_utc() -> None:
    # 08:30 in Tokyo is 23:30 UTC the day before: a leg at 08:00-08:20 Tokyo time is today
    now = at(8, 30)
    today = summarize([(1, at(8, 0), at(8, 20))], now, TOKYO)
    assert (today.day.isoformat(), today.calls, today.minutes) == ("2026-11-18", 1, 20)


async def test_console_endpoint__interpreters_only__counselors_free_and_today(
    client: AsyncClient, db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    account = await db.scalar(select(StaffUser).where(StaffUser.username == "interpreter"))
    assert account is not None
    interpreter = Interpreter(display_name="通訳 Console", vendor="Console Co", staff_user_id=account.id)
    db.add(interpreter)
    await db.commit()
    refused = await client.get("/api/v1/interpreter/console", headers=auth["counselor"])
    assert refused.status_code == 403
    empty = await client.get("/api/v1/interpreter/console", headers=auth["interpreter"])
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"counselors_free": 0, "today": {"date": "2026-11-18", "calls": 0, "minutes": 0}}

    created = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "ne"},
        headers={**auth["desk_device"], "Idempotency-Key": "console-today-1"},
    )
    assert created.status_code == 201, created.text
    case = await db.scalar(select(Consultation).where(Consultation.public_id == created.json()["id"]))
    assert case is not None
    for joined, left in ((at(9, 0), at(9, 25, 40)), (at(9, 0, day=17), at(9, 30, day=17))):
        db.add(
            CallLeg(
                consultation_id=case.id,
                role=CallRole.interpreter,
                participant_id=f"interp-{interpreter.id}",
                interpreter_id=interpreter.id,
                joined_at=joined,
                left_at=left,
            )
        )
    await db.commit()
    body = (await client.get("/api/v1/interpreter/console", headers=auth["interpreter"])).json()
    assert body["today"] == {"date": "2026-11-18", "calls": 1, "minutes": 25}
