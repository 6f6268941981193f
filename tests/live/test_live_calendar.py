"""The desk calendar as plain settings, on the running app: a 24-hour desk, holidays off, extra closures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from tests.conftest import ALL_DAYS, JST, open_desk_settings, pinned_clock

NEW_YEARS_DAY_3AM = datetime(2027, 1, 1, 3, 0, tzinfo=JST)  # a national holiday inside the year-end closure
CLOSED_DAY_NOON = datetime(2027, 1, 4, 12, 0, tzinfo=JST)  # a Monday the operator closed


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(NEW_YEARS_DAY_3AM, running=False)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return open_desk_settings(
        database_url,
        clock_start=NEW_YEARS_DAY_3AM,
        desk_hours="00:00-24:00",
        desk_days=ALL_DAYS,
        desk_holidays=False,
        desk_year_end=False,
        desk_closed_dates="2027-01-04",
        routing_policy_json=None,
    )


async def _english(client: AsyncClient, auth: dict[str, dict[str, str]], key: str) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/consultations",
        json={"channel": "counter", "language": "en"},
        headers={**auth["desk_device"], "Idempotency-Key": key},
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def test_24_hour_desk__open_at_3am_on_new_years_day_and_closed_on_a_closure_date(
    client: AsyncClient, auth: dict[str, dict[str, str]], clock: ControlledClock
) -> None:
    await client.post("/api/v1/presence", json={"state": "available"}, headers=auth["counselor"])
    availability = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    assert availability["en"]["status"] == "available_now"
    assert (await _english(client, auth, "cal-0001"))["status"] == "connected"

    clock.set(CLOSED_DAY_NOON)
    availability = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    assert availability["en"]["status"] == "closed"
    opens_at = datetime.fromisoformat(availability["en"]["opens_at"])
    assert opens_at == datetime(2027, 1, 5, 0, 0, tzinfo=JST)  # midnight after the closed day
    case = await _english(client, auth, "cal-0002")
    assert case["status"] == "requested"  # not queued: nobody serves a closed day
