"""Dashboard queries over a million synthetic cases: naive GROUP BY over the case tables vs the rollup.

    python bench/report_bench.py --cases 1000000 --backend both

For each backend it builds a fresh database (SQLite file, or PostgreSQL database `madoguchi_bench` created and
dropped on the local server), generates the cases with `app.report.synthetic` (5 years up to now), rolls up
the past months, and times every dashboard view the way a request runs it (plan the months, then query),
naive (every month live) and designed (rollup for clean past months + live current month), p50 and p95.
"Now" is the settings' clock: the real time, or MADOGUCHI_CLOCK_START in dev mode (a reproducible run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import migrate
from app.auth.principal import Principal, Via
from app.clock import Clock, clock_for
from app.config import Mode, Settings
from app.consultation.models import Consultation
from app.db import create_engine, create_sessionmaker
from app.report import rollup, service
from app.report.period import Month
from app.report.service import RawFilters, ReportContext
from app.report.synthetic import generate_cases
from app.seed.service import seed_reference_data

PG_ADMIN = os.environ.get("MADOGUCHI_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PG_NAME = "madoguchi_bench"
WIDE = Principal(role="coordinator", via=Via.bearer, display_name="wide", staff_user_id=1)
SOJA = Principal(
    role="coordinator", via=Via.bearer, display_name="soja", staff_user_id=2, municipality_code="33208"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    principal: Principal
    raw: Callable[[Month], RawFilters]


SCENARIOS = [
    Scenario("wide-area, last 12 months", WIDE, lambda now: RawFilters(str(now.plus(-11)), str(now))),
    Scenario("Soja coordinator, 12 months", SOJA, lambda now: RawFilters(str(now.plus(-11)), str(now))),
    Scenario(
        "wide, language=vi topic=tax, 12 m",
        WIDE,
        lambda now: RawFilters(str(now.plus(-11)), str(now), None, "vi", None, "tax"),
    ),
    Scenario("wide-area, all 60 months", WIDE, lambda now: RawFilters(str(now.plus(-59)), str(now))),
]
View = Callable[[AsyncSession, ReportContext], Awaitable[Any]]
VIEWS: list[tuple[str, View]] = [
    ("cases by municipality", lambda s, c: service.cases_by(s, c, "municipality")),
    ("cases by language", lambda s, c: service.cases_by(s, c, "language")),
    ("cases by channel", lambda s, c: service.cases_by(s, c, "channel")),
    ("cases by topic", lambda s, c: service.cases_by(s, c, "topic")),
    ("answer rate / abandonment", service.service),
    ("waits (median, p90)", service.waits),
    ("interpreter minutes", service.interpreter_minutes),
    ("residents' share", service.residents),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def _count(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Consultation)) or 0)


async def build(
    url: str, settings: Settings, clock: Clock, cases: int, months: int, reuse: bool
) -> dict[str, float]:
    """Migrate, seed, generate and roll up; returns the timings of each step."""
    timings: dict[str, float] = {}
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, clock=clock)
    factory = create_sessionmaker(engine)
    try:
        if reuse and await _count(factory) == cases:
            print(f"  reusing {cases} cases already in the database", flush=True)
            return timings
        async with factory() as session:
            await seed_reference_data(session)
            await session.commit()
        now = clock.now()
        start = Month.of(now, settings.zone).plus(1 - months).start(settings.zone)
        began = time.perf_counter()
        async with factory() as session:
            report = await generate_cases(
                session, cases, seed=2026, start=start, end=now, zone=settings.zone, now=now
            )
            await session.commit()
        timings["generate"] = time.perf_counter() - began
        print(
            f"  generated {report.cases} cases {report.first_month}..{report.last_month}, {report.topics} "
            f"topics, {report.interpreter_legs} interpreter legs in {timings['generate']:.0f} s",
            flush=True,
        )
        began = time.perf_counter()
        async with factory() as session:
            refreshed = await rollup.refresh(session, settings.zone, clock.now())
            await session.commit()
        timings["rollup"] = time.perf_counter() - began
        print(
            f"  rolled up {len(refreshed.months)} months ({refreshed.case_rows} case rows, "
            f"{refreshed.interpreter_rows} interpreter rows) in {timings['rollup']:.0f} s",
            flush=True,
        )
    finally:
        await engine.dispose()
    return timings


async def time_view(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    scenario: Scenario,
    view: View,
    rollup_on: bool,
    runs: int,
) -> list[float]:
    """Milliseconds per run, each in its own session like a request: plan the months, then query."""
    month = Month.of(clock.now(), settings.zone)
    samples: list[float] = []
    for _ in range(runs + 1):  # the first run warms caches and is dropped
        async with factory() as session:
            began = time.perf_counter()
            ctx = await service.prepare(
                session,
                scenario.principal,
                scenario.raw(month),
                settings.zone,
                clock.now(),
                use_rollup=rollup_on,
            )
            await view(session, ctx)
            samples.append((time.perf_counter() - began) * 1000)
            await session.rollback()
    return samples[1:]


async def measure(
    url: str, settings: Settings, clock: Clock, runs: int, naive_runs: int
) -> list[tuple[str, str, list[float], list[float]]]:
    engine = create_engine(url, clock=clock)
    factory = create_sessionmaker(engine)
    results = []
    try:
        for scenario in SCENARIOS:
            for name, view in VIEWS:
                naive = (
                    await time_view(factory, settings, clock, scenario, view, False, naive_runs)
                    if naive_runs
                    else []
                )
                designed = await time_view(factory, settings, clock, scenario, view, True, runs)
                results.append((scenario.name, name, naive, designed))
                n = f"{percentile(naive, 0.5):9.1f}" if naive else "        -"
                d50, d95 = percentile(designed, 0.5), percentile(designed, 0.95)
                print(
                    f"  {scenario.name:<34} {name:<26} naive p50 {n} ms   rollup p50 {d50:7.1f} "
                    f"p95 {d95:7.1f} ms",
                    flush=True,
                )
    finally:
        await engine.dispose()
    return results


def table(backend: str, cases: int, results: list[tuple[str, str, list[float], list[float]]]) -> str:
    lines = [
        f"### {backend}, {cases:,} cases",
        "",
        "| scenario | view | naive p50 ms | naive p95 ms | rollup p50 ms | rollup p95 ms | speed-up (p50) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for scenario, view, naive, designed in results:
        n50 = percentile(naive, 0.5) if naive else float("nan")
        n95 = percentile(naive, 0.95) if naive else float("nan")
        d50, d95 = percentile(designed, 0.5), percentile(designed, 0.95)
        lines.append(
            f"| {scenario} | {view} | {n50:.1f} | {n95:.1f} | {d50:.1f} | {d95:.1f} | {n50 / d50:.0f}x |"
        )
    worst = max(percentile(d, 0.95) for *_, d in results)
    lines += ["", f"Slowest view with the rollup: p95 {worst:.1f} ms (target: under 200 ms)."]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=60, help="spread the cases over this many months")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per view with the rollup")
    parser.add_argument("--naive-runs", type=int, default=5, help="timed runs per view without (0: skip)")
    parser.add_argument("--sqlite-path", default="/tmp/madoguchi_bench.db")  # noqa: S108 - a scratch file
    parser.add_argument("--reuse", action="store_true", help="keep an existing database with --cases cases")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database afterwards")
    parser.add_argument("--output", help="append the markdown tables to this file")
    args = parser.parse_args()

    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"report bench: {args.cases:,} cases over {args.months} months; {os.cpu_count()} CPUs", flush=True)
    tables: list[str] = []
    for backend in backends:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{args.sqlite_path}"
            if not args.reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(args.sqlite_path + suffix).unlink(missing_ok=True)  # noqa: ASYNC240 - before any I/O
        else:
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"
            if not args.reuse:
                await _admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
                await _admin(f'CREATE DATABASE "{PG_NAME}"')
        settings = Settings(mode=Mode.dev, database_url=url)
        clock = clock_for(settings.clock_start)
        print(f"{backend}:", flush=True)
        try:
            timings = await build(url, settings, clock, args.cases, args.months, args.reuse)
            results = await measure(url, settings, clock, args.runs, args.naive_runs)
        finally:
            if backend == "postgres" and not args.keep:
                await _admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        steps = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        tables.append(table(backend, args.cases, results) + (f"\nBuild: {steps}." if steps else ""))
        print(tables[-1], flush=True)
    if args.output:
        with Path(args.output).open("a", encoding="utf-8") as out:  # noqa: ASYNC230 - at the very end
            out.write("\n\n".join(tables) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
