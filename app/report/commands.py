"""The work behind the reporting CLI commands (demo-data, refresh-reports), kept out of app/cli.py."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.report import rollup
from app.report.period import Month
from app.report.synthetic import generate_cases


def demo_period(
    settings: Settings, months: int, until: str | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """[start, end) of the synthetic cases: `months` whole months ending with `until` (default: up to now)."""
    now = now or utcnow()
    zone = settings.zone
    if until:
        last = Month.parse(until)
        end = last.end(zone)
    else:
        last = Month.of(now, zone)
        end = now
    return last.plus(1 - months).start(zone), end


async def demo_data(
    session: AsyncSession, settings: Settings, cases: int, seed: int, months: int, until: str | None
) -> str:
    """Generate synthetic cases and roll up their months; returns what to print."""
    start, end = demo_period(settings, months, until)
    began = time.perf_counter()
    report = await generate_cases(session, cases, seed=seed, start=start, end=end, zone=settings.zone)
    generated = time.perf_counter() - began
    refreshed = await rollup.refresh(session, settings.zone)
    total = time.perf_counter() - began
    return (
        f"{report.cases} synthetic cases ({report.first_month} to {report.last_month}, seed {seed}): "
        f"{report.topics} topics, {report.interpreter_legs} interpreter legs, {report.media_changes} media "
        f"changes in {generated:.1f} s; report rollup: {len(refreshed.months)} months, "
        f"{refreshed.case_rows} rows; {total:.1f} s in all"
    )


async def refresh_reports(session: AsyncSession, settings: Settings, rebuild: bool) -> str:
    began = time.perf_counter()
    refreshed = await rollup.refresh(session, settings.zone, rebuild=rebuild)
    months = ", ".join(refreshed.months) if refreshed.months else "none needed"
    return (
        f"report rollup refreshed: {months} ({refreshed.case_rows} rows, {time.perf_counter() - began:.1f} s)"
    )
