"""Restart the desk with each policy setting changed, and back: it starts every time, nobody moves.

Cases in every state the desk has: in a call, ringing an interpreter, queued (two languages, one behind a
ringing case), a case opened from a reservation (queued for its reserved interpreter), a fallback offered
(a reservation-only language walked in), and a counselor in wrap-up after a call. Then the app is stopped and
started again on the same database with the desk hours, desk days, vendor hours, offer timeout, holidays or
language service modes changed, and then back to the original settings.

In-process: the same `create_app` and lifespan `madoguchi serve` runs, with the test's frozen clock so the
only thing that changes between starts is the policy. The subprocess restart with changed desk hours is in
test_live_restart.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import issue_api_token
from app.clock import ControlledClock
from app.config import Settings
from app.enums import Role, ServiceMode
from app.language.models import Language
from app.main import create_app
from app.staff.models import StaffUser
from app.staff.service import create_user
from tests.conftest import ALL_DAYS, PASSWORD, open_desk_settings, pinned_clock
from tests.reservation.reservation_support import add_interpreter, first_free, staff_slots

pytestmark = pytest.mark.slow  # thirteen app starts

NO_CLOSURES: dict[str, Any] = {
    "desk_hours": {"holiday_country": None, "annual_closures": []},
    "interpreter_hours": {"holiday_country": None, "annual_closures": []},
}
TODAY_CLOSED = {"holiday_country": "JP", "annual_closures": [{"start": "11-18", "end": "11-18"}]}

# Each variant is closed, shorter or different at TEST_NOW (Wednesday 18 November 2026, 11:00 in Tokyo).
VARIANTS: dict[str, dict[str, Any]] = {
    "desk hours": {"desk_hours": "13:00-20:00"},
    "desk days": {"desk_days": [d for d in ALL_DAYS if d != "wed"]},
    "vendor hours": {"vendor_hours": "15:00-20:00"},
    "offer timeout": {"routing_policy_json": json.dumps({**NO_CLOSURES, "offers": {"timeout_s": 7}})},
    "holidays": {"routing_policy_json": json.dumps({**NO_CLOSURES, "desk_hours": TODAY_CLOSED})},
    "language service modes": {"languages": {"ne": ServiceMode.on_site, "vi": ServiceMode.remote}},
}


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(running=False)


@asynccontextmanager
async def serving(settings: Settings, clock: ControlledClock) -> AsyncIterator[tuple[Any, AsyncClient]]:
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield app, client


async def headers_of(db: AsyncSession, username: str) -> dict[str, str]:
    user = await db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    token = await issue_api_token(db, user, "tests")
    await db.commit()
    return {"Authorization": f"Bearer {token}"}


async def available(client: AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/presence", json={"state": "available"}, headers=headers)
    assert response.status_code == 204, response.text


async def open_case(client: AsyncClient, headers: dict[str, str], language: str, key: str) -> str:
    response = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": language},
        headers={**headers, "Idempotency-Key": f"policy-restart-{key}"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def desk_state(client: AsyncClient, headers: dict[str, str], ids: dict[str, str]) -> dict[str, Any]:
    """Everything routing shows (queue with positions and states, offers with deadlines, calls, pending,
    roster) and every case's stored status."""
    live = (await client.get("/api/v1/queue", headers=headers)).json()
    statuses = {
        name: (await client.get(f"/api/v1/consultations/{case_id}", headers=headers)).json()["status"]
        for name, case_id in ids.items()
    }
    return {"live": live, "statuses": statuses}


async def set_modes(db: AsyncSession, modes: dict[str, ServiceMode]) -> None:
    for code, mode in modes.items():
        await db.execute(update(Language).where(Language.code == code).values(service_mode=mode))
    await db.commit()


async def test_restart_with_each_policy_change_and_back__every_case_keeps_its_state_and_place(
    database_url: str, db: AsyncSession, clock: ControlledClock, auth: dict[str, dict[str, str]]
) -> None:
    base = open_desk_settings(database_url)
    await create_user(db, username="counselor2", password=PASSWORD, role=Role.counselor)
    await db.commit()
    second = await headers_of(db, "counselor2")
    await create_user(db, username="writer", password=PASSWORD, role=Role.counselor, language_codes=("en",))
    await db.commit()
    writer = await headers_of(db, "writer")
    await add_interpreter(db, "Sita", ("ne",), username="interpreter")
    olena = await add_interpreter(db, "Olena", ("uk",), username="olena")  # booked, not at work today
    counselor, desk = auth["counselor"], auth["desk_device"]
    ids: dict[str, str] = {}
    async with serving(base, clock) as (_app, client):
        await available(client, writer)  # first on: takes a case, ends the call and is writing it up
        wrapped = await open_case(client, desk, "en", "wrap-up")
        ended = await client.post(f"/api/v1/consultations/{wrapped}/end", headers=writer)
        assert ended.status_code == 204, ended.text
        await available(client, counselor)  # speaks English
        await available(client, second)
        await available(client, auth["interpreter"])  # Nepali
        ids["in a call"] = await open_case(client, desk, "en", "call")
        ids["ringing"] = await open_case(client, desk, "ne", "ring")
        ids["queued behind the ringing"] = await open_case(client, desk, "ne", "behind")
        ids["queued"] = await open_case(client, desk, "vi", "vi")
        slot = first_free(await staff_slots(client, counselor))
        booked = await client.post(
            "/api/v1/reservations",
            json={
                "language": "uk",
                "starts_at": slot,
                "interpreter_id": olena,
                "channel": "phone",
                "contact": {"phone": "086-426-0000"},
            },
            headers=counselor,
        )
        assert booked.status_code == 201, booked.text
        started = await client.post(f"/api/v1/reservations/{booked.json()['code']}/start", headers=counselor)
        assert started.status_code == 201, started.text
        ids["reserved"] = started.json()["consultation_id"]
        ids["fallback offered"] = await open_case(client, desk, "uk", "walk-in")  # reservation only
        before = await desk_state(client, counselor, ids)
        base_version = (await client.get("/readyz")).json()["routing"]["policy_version"]
    live = before["live"]
    assert [c["request_id"] for c in live["calls"]] == [ids["in a call"]]
    assert [o["request_id"] for o in live["offers"]] == [ids["ringing"]]
    queue = {e["request_id"]: (e["position"], e["state"]) for e in live["queue"]}
    assert queue[ids["queued behind the ringing"]] == (2, "waiting")
    assert queue[ids["ringing"]] == (1, "offered")
    assert queue[ids["queued"]] == (1, "waiting")
    assert queue[ids["reserved"]] == (1, "waiting")
    assert [p["request_id"] for p in live["pending"]] == [ids["fallback offered"]]
    assert [c["state"] for c in live["counselors"]].count("wrap_up") == 1  # the writer, still writing

    seen_versions = {base_version}
    for name, change in VARIANTS.items():
        modes = change.get("languages")
        if modes is not None:
            await set_modes(db, modes)
            settings = base
        else:
            settings = open_desk_settings(database_url, **change)
        async with serving(settings, clock) as (_app, client):
            version = (await client.get("/readyz")).json()["routing"]["policy_version"]
            assert version not in seen_versions, f"{name}: the policy did not change"
            seen_versions.add(version)
            assert await desk_state(client, counselor, ids) == before, f"changed: {name}"
        if modes is not None:
            await set_modes(db, {"ne": ServiceMode.remote, "vi": ServiceMode.on_site})
        async with serving(base, clock) as (_app, client):
            assert (await client.get("/readyz")).json()["routing"]["policy_version"] == base_version
            assert await desk_state(client, counselor, ids) == before, f"back from: {name}"
