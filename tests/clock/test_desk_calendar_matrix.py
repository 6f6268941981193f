"""The desk's calendar at the instants of the clock matrix: closed, and the next opening named correctly.

The app runs on the desk's real defaults (09:00-17:00 on weekdays, Japanese holidays, 29 December - 3 January
closed) with its clock frozen at each instant of `instants.txt`, the same list `.ci/clock-matrix` runs the
time-sensitive suites at under faketime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from app.clock import ControlledClock
from app.config import Mode, Settings
from app.main import create_app
from tests.conftest import JST, TEST_NOW, TEST_SECRET


def matrix_instants() -> list[tuple[datetime, str]]:
    lines = (Path(__file__).parent / "instants.txt").read_text().splitlines()
    rows = [line.split("|", 1) for line in lines if line.strip() and not line.startswith("#")]
    return [(datetime.fromisoformat(when.strip()).replace(tzinfo=UTC), label.strip()) for when, label in rows]


# When the on-site desk next opens, in Japan, after each instant of the matrix.
NEXT_OPENING = {
    "23:30 JST on a Sunday": datetime(2026, 12, 7, 9, 0, tzinfo=JST),
    "23:59 JST on 31 March, the fiscal year turns during the run": datetime(2027, 4, 1, 9, 0, tzinfo=JST),
    "10:00 JST on 29 December, the year-end closure": datetime(2027, 1, 4, 9, 0, tzinfo=JST),
    "11:00 JST on Coming of Age Day, a national holiday": datetime(2027, 1, 12, 9, 0, tzinfo=JST),
    "23:50 JST on 29 February of a leap year": datetime(2028, 3, 1, 9, 0, tzinfo=JST),
    "00:00 JST on 1 January: still the previous month (and year) in UTC": datetime(
        2027, 1, 4, 9, 0, tzinfo=JST
    ),
}


def test_every_matrix_instant_has_its_expected_opening() -> None:
    assert sorted(label for _, label in matrix_instants()) == sorted(NEXT_OPENING)


@pytest.fixture
async def desk_at(database_url: str) -> AsyncIterator[tuple[ControlledClock, AsyncClient]]:
    """The app on the desk's default calendar, its clock frozen (the test sets the instant)."""
    settings = Settings(
        mode=Mode.dev, database_url=database_url, secret_key=TEST_SECRET, timezone="Asia/Tokyo"
    )
    clock = ControlledClock(TEST_NOW)
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield clock, client


@pytest.mark.parametrize(
    ("instant", "label"), matrix_instants(), ids=[label for _, label in matrix_instants()]
)
async def test_desk_is_closed_and_names_its_next_opening(
    desk_at: tuple[ControlledClock, AsyncClient], instant: datetime, label: str
) -> None:
    clock, client = desk_at
    clock.set(instant)
    languages = {row["language"]: row for row in (await client.get("/api/v1/availability")).json()}
    assert languages["en"]["status"] == "closed"
    assert datetime.fromisoformat(languages["en"]["opens_at"]) == NEXT_OPENING[label]
    assert all(row["status"] != "available_now" for row in languages.values())


async def test_desk_is_open_at_the_tests_own_instant(desk_at: tuple[ControlledClock, AsyncClient]) -> None:
    _clock, client = desk_at
    languages = {row["language"]: row for row in (await client.get("/api/v1/availability")).json()}
    # open: no next opening to wait for; but nobody is signed in yet, so English is not served now
    assert (languages["en"]["status"], languages["en"]["opens_at"]) == ("closed", None)
    desk = (await client.get("/api/v1/resident/desk?lang=en")).json()
    assert desk["open_now"] is True
