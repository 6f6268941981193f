"""The work behind the reporting CLI commands (demo-data, refresh-reports), kept out of app/cli.py.

Each takes `now` from the command's clock (the real time, or MADOGUCHI_CLOCK_START in dev and demo mode).
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.report import rollup
from app.report.period import Month
from app.report.synthetic import generate_cases


def demo_period(
    settings: Settings, months: int, until: str | None, now: datetime
) -> tuple[datetime, datetime]:
    """[start, end) of the synthetic cases: `months` whole months ending with `until` (default: up to now)."""
    zone = settings.zone
    if until:
        last = Month.parse(until)
        end = last.end(zone)
    else:
        last = Month.of(now, zone)
        end = now
    return last.plus(1 - months).start(zone), end


async def demo_data(
    session: AsyncSession,
    settings: Settings,
    cases: int,
    seed: int,
    months: int,
    until: str | None,
    now: datetime,
) -> str:
    """Generate synthetic cases and roll up the months they touched; returns what to print.

    The load marks its months stale, so months rolled up before (an earlier load, real cases) are rolled up
    again with the new cases in them.
    """
    start, end = demo_period(settings, months, until, now)
    began = time.perf_counter()
    report = await generate_cases(
        session, cases, seed=seed, start=start, end=end, zone=settings.zone, now=now
    )
    generated = time.perf_counter() - began
    refreshed = await rollup.refresh(session, settings.zone, now)
    total = time.perf_counter() - began
    return (
        f"{report.cases} synthetic cases ({report.first_month} to {report.last_month}, seed {seed}): "
        f"{report.topics} topics, {report.interpreter_legs} interpreter legs, {report.media_changes} media "
        f"changes in {generated:.1f} s; report rollup: {len(refreshed.months)} months, "
        f"{refreshed.case_rows} rows; {total:.1f} s in all"
    )


async def refresh_reports(session: AsyncSession, settings: Settings, rebuild: bool, now: datetime) -> str:
    began = time.perf_counter()
    refreshed = await rollup.refresh(session, settings.zone, now, rebuild=rebuild)
    months = ", ".join(refreshed.months) if refreshed.months else "none needed"
    return (
        f"report rollup refreshed: {months} ({refreshed.case_rows} rows, {time.perf_counter() - began:.1f} s)"
    )
