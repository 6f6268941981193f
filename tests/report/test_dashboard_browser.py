"""The dashboard in a real browser: sign in as a coordinator, open /reports, the plotly charts render."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import migrate
from app.clock import Clock, ControlledClock
from app.config import Mode, Settings
from app.consultation.models import Consultation
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.main import create_app
from app.report import rollup
from app.report.period import Month
from app.report.synthetic import generate_cases
from app.seed.service import seed_reference_data
from app.staff.service import create_user
from tests.browser_support import ARTIFACTS, chromium_browser, live_server, sign_in

__all__ = ["chromium_browser"]  # the fixture, imported for pytest
PASSWORD = "correct horse battery"
CHARTS = 8


async def _prepare(url: str, zone: Any, clock: Clock) -> int:
    engine = create_engine(url, clock=clock)
    try:
        async with create_sessionmaker(engine)() as session:
            await seed_reference_data(session)
            await create_user(
                session,
                username="wide",
                password=PASSWORD,
                role=Role.coordinator,
                display_name="広域コーディネーター Wide-area coordinator",
            )
            now = clock.now()
            start = Month.of(now, zone).plus(-11).start(zone)
            await generate_cases(session, 2500, seed=2026, start=start, end=now, zone=zone, now=now)
            await rollup.refresh(session, zone, now)
            await session.commit()
            return int(await session.scalar(select(func.count()).select_from(Consultation)) or 0)
    finally:
        await engine.dispose()


@pytest.fixture
def demo_database(tmp_path: Path, clock: ControlledClock) -> tuple[Settings, int]:
    """A migrated SQLite file with a coordinator and the year of synthetic cases up to the test's instant
    (TEST_NOW), before Playwright starts."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    settings = Settings(mode=Mode.dev, database_url=url, secret_key="browser-test-" + "x" * 40)
    migrate.upgrade(url)
    return settings, asyncio.run(_prepare(url, settings.zone, clock))


@pytest.mark.browser
def test_dashboard__renders_charts_in_chromium(
    demo_database: tuple[Settings, int], clock: ControlledClock, chromium_browser: Any
) -> None:
    settings, cases = demo_database
    console_errors: list[str] = []
    with live_server(create_app(settings, clock=clock)) as server:
        page = chromium_browser.new_page(viewport={"width": 1500, "height": 1000}, locale="ja-JP")
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.on(  # every asset is served by us; only the browser's favicon probe may be missing
            "response",
            lambda r: (
                console_errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        sign_in(page, server.url, "wide", PASSWORD)
        page.goto(f"{server.url}/reports")
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {CHARTS}", timeout=30_000
        )
        assert page.locator(".js-plotly-plot").count() == CHARTS
        assert page.locator("h1").inner_text().startswith("外国人相談窓口 利用統計")
        assert page.locator("#kpi-cases").inner_text() == str(cases)  # default period: the last 12 months
        assert page.locator("#chart-municipality .bars .point").count() > 0  # bars were drawn
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-dashboard.png"), full_page=True)
        last_month = Month.of(clock.now(), settings.zone).previous()
        page.goto(f"{server.url}/reports/monthly?month={last_month}")
        assert page.locator("h1").inner_text().endswith("外国人相談窓口 利用状況報告")
        page.screenshot(path=str(ARTIFACTS / "report-monthly.png"), full_page=True)
        page.close()
    assert console_errors == []
