"""Shared arrangements of the reservation tests: settings with near slots, interpreters, resident links."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.config import Settings
from app.enums import Role
from app.interpreter.models import Interpreter
from app.language.models import Language
from app.resident.links import LinkClaims, LinkKind, issue_link
from app.staff.models import StaffUser
from app.staff.service import create_user
from tests.conftest import PASSWORD, TEST_NOW, open_desk_settings


def reservation_settings(database_url: str, **overrides: object) -> Settings:
    """The desk open 06:00-20:00 every day (TEST_NOW is 11:00); 10-minute slots bookable from now on (one
    starts within minutes).

    The resident throttle is wide: double taps are tested here, flooding in its own test.
    """
    values: dict[str, object] = {
        "reservation_slot_minutes": 10,
        "reservation_lead_minutes": 0,
        "resident_intake_limit": 50,
    }
    values.update(overrides)
    return open_desk_settings(database_url, **values)


def entry_link(settings: Settings, municipality: str | None = "33202", now: datetime = TEST_NOW) -> str:
    """A poster link, as a resident would scan at a municipality's office (issued at the test's instant)."""
    return issue_link(settings, LinkClaims(kind=LinkKind.poster, municipality=municipality), now)


async def add_interpreter(
    db: AsyncSession,
    name: str,
    languages: tuple[str, ...] = ("uk",),
    *,
    username: str | None = None,
    vendor: str = "Vendor A",
) -> int:
    """An interpreter profile, linked to the account `username` (made if missing) when given."""
    user_id = None
    if username is not None:
        user = await db.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            user = await create_user(db, username=username, password=PASSWORD, role=Role.interpreter)
        user_id = user.id
    langs = list((await db.scalars(select(Language).where(Language.code.in_(languages)))).all())
    interpreter = Interpreter(display_name=name, vendor=vendor, staff_user_id=user_id, languages=langs)
    db.add(interpreter)
    await db.commit()
    return interpreter.id


async def slots(client: AsyncClient, link: str, lang: str = "uk", **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/resident/reservation-slots",
        params={"lang": lang, **params},
        headers={"X-Resident-Link": link},
    )
    assert response.status_code == 200, response.text
    return [slot for day in response.json()["days"] for slot in day["slots"]]


async def book(client: AsyncClient, link: str, starts_at: str, key: str, **body: Any) -> Any:
    payload = {"language": "uk", "starts_at": starts_at, **body}
    return await client.post(
        "/api/v1/resident/reservations",
        json=payload,
        headers={"X-Resident-Link": link, "Idempotency-Key": key, "Accept-Language": "uk"},
    )


def first_free(found: list[dict[str, Any]], after: datetime | None = None) -> str:
    for slot in found:
        if slot["seats"] > 0 and (after is None or datetime.fromisoformat(slot["starts_at"]) >= after):
            return str(slot["starts_at"])
    raise AssertionError(f"no free slot in {found}")


async def olena_and_a_slot(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: Clock, hours: int
) -> tuple[str, str]:
    """One Ukrainian interpreter (Olena), a poster link, and the first free slot `hours` or more from now
    on the app's clock: what most booking tests start from."""
    await add_interpreter(db, "Olena")
    link = entry_link(settings, now=clock.now())
    after = clock.now() + timedelta(hours=hours)
    return link, first_free(await slots(client, link), after=after)


async def staff_slots(client: AsyncClient, headers: dict[str, str], lang: str = "uk") -> list[dict[str, Any]]:
    """Every slot of every day as staff see them (GET /api/v1/reservation-slots), in order."""
    response = await client.get("/api/v1/reservation-slots", params={"lang": lang}, headers=headers)
    assert response.status_code == 200, response.text
    return [slot for day in response.json()["days"] for slot in day["slots"]]


async def join_status(client: AsyncClient, join_token: str) -> Any:
    """What the resident page asks about its join link (in Ukrainian)."""
    return await client.get(
        "/api/v1/resident/reservations/by-link",
        params={"lang": "uk"},
        headers={"X-Resident-Link": join_token},
    )
