"""Throttles belong to one app: made in its lifespan, so apps in one process never share counters."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from app.main import create_app
from app.resident.throttle import Throttles
from tests.conftest import open_desk_settings, resident_link


async def _intake_statuses(settings: Settings, clock: ControlledClock, tries: int, prefix: str) -> list[int]:
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        return [
            (
                await client.post(
                    "/api/v1/resident/consultations",
                    json={"language": "en", "link": resident_link()},
                    headers={"Idempotency-Key": f"{prefix}-{n:08d}"},
                )
            ).status_code
            for n in range(tries)
        ]


async def test_throttles__two_apps_in_one_process_do_not_share_counters(
    database_url: str, clock: ControlledClock
) -> None:
    settings = open_desk_settings(database_url, resident_intake_limit=1, resident_intake_window_seconds=600)
    assert await _intake_statuses(settings, clock, 2, "first") == [201, 429]
    assert await _intake_statuses(settings, clock, 1, "second") == [201]


def test_throttles__each_form_has_its_own_window(settings: Settings) -> None:
    throttles = Throttles.for_settings(settings)
    assert throttles.resident_intake is not throttles.reservation
    assert throttles.resident_intake.limit == settings.resident_intake_limit
    assert throttles.reservation.window_s == settings.resident_intake_window_seconds
