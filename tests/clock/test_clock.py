"""The one clock: controlled clocks move only as told, rows get the engine's time, bad settings fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import SYSTEM_CLOCK, ControlledClock, clock_for
from app.config import Mode, Settings, describe_settings_error
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from tests.conftest import JST, TEST_NOW, TEST_SECRET

CHRISTMAS = datetime(2026, 12, 25, 9, 30, tzinfo=JST)


def test_frozen_clock_stays_until_moved() -> None:
    clock = ControlledClock(TEST_NOW)
    assert clock.now() == TEST_NOW == clock.now()
    assert clock.now().tzinfo is UTC
    assert clock.advance(90) == TEST_NOW + timedelta(seconds=90)
    assert clock.advance(timedelta(days=1)) == TEST_NOW + timedelta(days=1, seconds=90)
    clock.set(CHRISTMAS)
    assert clock.now() == CHRISTMAS


def test_monotonic_follows_the_controlled_time() -> None:
    clock = ControlledClock(TEST_NOW)
    before = clock.monotonic()
    clock.advance(600)
    assert clock.monotonic() - before == pytest.approx(600)


def test_running_clock_starts_at_its_instant_and_freezes_where_it_got_to() -> None:
    clock = ControlledClock(TEST_NOW, running=True)
    first = clock.now()
    assert TEST_NOW <= first < TEST_NOW + timedelta(minutes=1)
    assert clock.running
    clock.freeze()
    frozen = clock.now()
    assert frozen >= first and clock.now() == frozen and not clock.running
    clock.run()
    assert clock.now() >= frozen


def test_a_clock_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ControlledClock(datetime(2026, 11, 18, 11, 0))


def test_clock_for_settings() -> None:
    assert clock_for(None) is SYSTEM_CLOCK
    started = clock_for(CHRISTMAS)
    assert isinstance(started, ControlledClock) and started.running
    assert CHRISTMAS <= started.now() < CHRISTMAS + timedelta(minutes=1)


async def test_rows_get_the_time_of_the_engines_clock(database_url: str) -> None:
    clock = ControlledClock(CHRISTMAS)
    engine = create_engine(database_url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            await _audit(session, "first")
            clock.advance(timedelta(hours=3))
            await _audit(session, "second")
            rows = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    finally:
        await engine.dispose()
    assert [(row.action, row.at) for row in rows] == [
        ("first", CHRISTMAS),
        ("second", CHRISTMAS + timedelta(hours=3)),
    ]


async def _audit(session: AsyncSession, action: str) -> None:
    session.add(AuditEvent(actor_kind="system", action=action, entity_type="clock", entity_id="1"))
    await session.commit()


def _settings(**values: object) -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key=TEST_SECRET, **values)  # type: ignore[arg-type]


def test_clock_start_moves_a_dev_app_clock() -> None:
    app = create_app(_settings(mode=Mode.dev, clock_start=CHRISTMAS))
    assert CHRISTMAS <= app.state.clock.now() < CHRISTMAS + timedelta(minutes=1)
    assert create_app(_settings(mode=Mode.dev)).state.clock is SYSTEM_CLOCK


def test_clock_start_is_refused_in_production() -> None:
    with pytest.raises(ValidationError) as error:
        _settings(mode=Mode.production, clock_start=CHRISTMAS)
    assert "MADOGUCHI_CLOCK_START" in describe_settings_error(error.value)
    assert "dev and demo mode only" in describe_settings_error(error.value)


def test_clock_start_needs_its_utc_offset() -> None:
    with pytest.raises(ValidationError) as error:
        _settings(mode=Mode.dev, clock_start="2026-12-25T09:30:00")
    message = describe_settings_error(error.value)
    assert "MADOGUCHI_CLOCK_START" in message and "with its UTC offset" in message
