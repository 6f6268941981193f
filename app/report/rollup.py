"""The monthly rollup: which months a report may read from it, and refreshing the months that need it.

A month is read from the rollup only when it is registered as rolled up, has no stale marker and is not the
current month (which changes all day and is always computed live). Everything else is computed live, so a
report is exact whatever state the rollup is in; refreshing only makes it faster. Refreshing takes the stale
markers first and the figures second, and deletes only the markers it has seen, so a change committed during a
refresh leaves its marker behind and its month stays live until the next refresh.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.consultation.models import Consultation
from app.report import histogram
from app.report.models import (
    ALL,
    ReportMonthlyCase,
    ReportMonthlyInterpreter,
    ReportRollupMonth,
    ReportStaleHour,
)
from app.report.period import Month, month_range, months_touching_utc_hour
from app.report.repository import (
    CASE_MEASURES,
    FULL_GROUPING,
    GROUPING_BITS,
    Criteria,
    Plan,
    cast_table,
    dialect_of,
    live_cases,
    live_interpreter_legs,
    live_waits,
)

log = logging.getLogger(__name__)
_ADVISORY_LOCK = 0x6D61646F  # 'mado': one refresh at a time across processes on PostgreSQL
_DIMS = ("month", "municipality_code", "language_code", "channel", "topic_code")
_CHUNK_MONTHS = 6
_WAITS, _INTERPRETER_WAITS = "wait_histogram", "interpreter_wait_histogram"
_CASE_TABLE = cast_table(ReportMonthlyCase)
_LEG_TABLE = cast_table(ReportMonthlyInterpreter)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    months: list[str]
    case_rows: int
    interpreter_rows: int


async def plan_months(
    session: AsyncSession, months: Sequence[Month], zone: ZoneInfo, now: datetime, use_rollup: bool = True
) -> Plan:
    """Split the requested months into rollup months (clean) and live months."""
    dialect = await dialect_of(session)
    if dialect == "postgresql":
        # Report statements are short aggregates: JIT compilation costs more than it saves (~50-150 ms each).
        await session.execute(text("SET LOCAL jit = off"))
    if not use_rollup or not months:
        return Plan(dialect, zone, (), tuple(months))
    first, last = min(months), max(months)
    rolled = set(
        (
            await session.scalars(
                select(ReportRollupMonth.month).where(ReportRollupMonth.month.between(str(first), str(last)))
            )
        ).all()
    )
    stale = await _stale_months(
        session,
        zone,
        select(ReportStaleHour.hour)
        .where(
            ReportStaleHour.hour.between(
                first.start(zone) - timedelta(hours=2), last.end(zone) + timedelta(hours=1)
            )
        )
        .distinct(),
    )
    current = Month.of(now, zone)
    clean = tuple(m for m in months if str(m) in rolled and m not in stale and m < current)
    return Plan(dialect, zone, clean, tuple(m for m in months if m not in clean))


async def _stale_months(session: AsyncSession, zone: ZoneInfo, hours_query: Any) -> set[Month]:
    months: set[Month] = set()
    for hour in (await session.scalars(hours_query)).all():
        months |= months_touching_utc_hour(hour, zone)
    return months


def needs_refresh(plan: Plan, now: datetime) -> bool:
    """Past months computed live: a refresh would move them to the rollup."""
    current = Month.of(now, plan.zone)
    return any(m < current for m in plan.live_months)


async def refresh(
    session: AsyncSession, zone: ZoneInfo, now: datetime, rebuild: bool = False
) -> RefreshReport:
    """Roll up every past month that is missing or stale (all past months with `rebuild`); flushes only.

    `now` (the caller's clock) says which month is the current one: it is never rolled up.
    """
    dialect = await dialect_of(session)
    if dialect == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    max_marker = await session.scalar(select(func.max(ReportStaleHour.id)))
    marker_hours = (
        list(
            await session.scalars(
                select(ReportStaleHour.hour).where(ReportStaleHour.id <= max_marker).distinct()
            )
        )
        if max_marker is not None
        else []
    )
    first_request = await session.scalar(select(func.min(Consultation.requested_at)))
    current = Month.of(now, zone)
    if first_request is None:
        targets: list[Month] = []
    else:
        past = month_range(Month.of(first_request, zone), current.previous())
        rolled = set((await session.scalars(select(ReportRollupMonth.month))).all())
        stale: set[Month] = set()
        for hour in marker_hours:
            stale |= months_touching_utc_hour(hour, zone)
        targets = [m for m in past if rebuild or str(m) not in rolled or m in stale]
    case_rows = interpreter_rows = 0
    for start in range(0, len(targets), _CHUNK_MONTHS):
        chunk = targets[start : start + _CHUNK_MONTHS]
        plan = Plan(dialect, zone, (), tuple(chunk))
        cases, legs = await _compute(session, plan)
        labels = [str(m) for m in chunk]
        await session.execute(delete(ReportMonthlyCase).where(ReportMonthlyCase.month.in_(labels)))
        await session.execute(
            delete(ReportMonthlyInterpreter).where(ReportMonthlyInterpreter.month.in_(labels))
        )
        await session.execute(delete(ReportRollupMonth).where(ReportRollupMonth.month.in_(labels)))
        for batch in _batches(cases):  # Core executemany: the ORM bulk path is several times slower here
            await session.execute(insert(_CASE_TABLE), batch)
        for batch in _batches(legs):
            await session.execute(insert(_LEG_TABLE), batch)
        await session.execute(
            insert(ReportRollupMonth), [{"month": label, "refreshed_at": now} for label in labels]
        )
        case_rows += len(cases)
        interpreter_rows += len(legs)
    done = set(targets)
    finished_hours = [h for h in marker_hours if months_touching_utc_hour(h, zone) <= done]
    if max_marker is not None and finished_hours:
        for index in range(0, len(finished_hours), 500):
            await session.execute(
                delete(ReportStaleHour).where(
                    ReportStaleHour.id <= max_marker,
                    ReportStaleHour.hour.in_(finished_hours[index : index + 500]),
                )
            )
    if dialect == "postgresql" and case_rows + interpreter_rows > 10_000:
        await session.execute(text("ANALYZE report_monthly_case, report_monthly_interpreter"))
    await session.flush()
    return RefreshReport([str(m) for m in targets], case_rows, interpreter_rows)


def _batches(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


async def _compute(session: AsyncSession, plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rollup rows for the plan's (live) months, straight from the case tables, at every grouping level."""
    months = plan.live_months
    everyone = Criteria()
    cells: dict[tuple[str, ...], dict[str, Any]] = {}
    for per_topic in (False, True):
        source = live_cases(plan, months, everyone, CASE_MEASURES, per_topic).subquery("cases")
        keys = [source.c[d] for d in _DIMS]
        result = await session.execute(
            select(*keys, *[func.sum(source.c[m]) for m in CASE_MEASURES]).group_by(*keys)
        )
        for row in result:
            key = tuple(str(v) for v in row[: len(_DIMS)])
            cell: dict[str, Any] = dict(zip(_DIMS, key, strict=True))
            cell.update({m: int(v or 0) for m, v in zip(CASE_MEASURES, row[len(_DIMS) :], strict=True)})
            cell[_WAITS] = Counter()
            cell[_INTERPRETER_WAITS] = Counter()
            cells[key] = cell
        for interpreter, column in ((False, _WAITS), (True, _INTERPRETER_WAITS)):
            waits = live_waits(plan, months, everyone, interpreter, per_topic).subquery("waits")
            keys = [waits.c[d] for d in _DIMS]
            result = await session.execute(
                select(*keys, waits.c.seconds, func.count()).group_by(*keys, waits.c.seconds)
            )
            for row in result:
                cells[tuple(str(v) for v in row[: len(_DIMS)])][column][int(row[-2])] += int(row[-1])
    legs: dict[tuple[str, ...], dict[str, Any]] = {}
    for per_topic in (False, True):
        source = live_interpreter_legs(plan, months, everyone, per_topic).subquery("legs")
        keys = [source.c[d] for d in _DIMS]
        result = await session.execute(
            select(
                *keys,
                source.c.vendor,
                func.sum(source.c.legs),
                func.sum(source.c.leg_ms),
                func.sum(source.c.billable_minutes),
            ).group_by(*keys, source.c.vendor)
        )
        for row in result:
            key = tuple(str(v) for v in row[: len(_DIMS) + 1])
            leg: dict[str, Any] = dict(zip((*_DIMS, "vendor"), key, strict=True))
            leg.update(legs=int(row[6]), leg_ms=int(row[7]), billable_minutes=int(row[8]))
            legs[key] = leg
    case_rows = [
        {
            **cell,
            _WAITS: histogram.encode(cell[_WAITS].items()),
            _INTERPRETER_WAITS: histogram.encode(cell[_INTERPRETER_WAITS].items()),
        }
        for cell in _levels(cells.values(), CASE_MEASURES, (_WAITS, _INTERPRETER_WAITS))
    ]
    leg_rows = list(_levels(legs.values(), ("legs", "leg_ms", "billable_minutes"), ()))
    return case_rows, leg_rows


def _levels(
    rows: Iterable[dict[str, Any]], sums: Sequence[str], counters: Sequence[str]
) -> Iterable[dict[str, Any]]:
    """Every row at the full level (all dimensions kept), summed into each of the 7 rolled-up levels too."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    masks = [
        (level, {d: ALL for d, bit in GROUPING_BITS.items() if not level & bit})
        for level in range(FULL_GROUPING + 1)
    ]
    for row in rows:
        names = [k for k in row if k not in sums and k not in counters]
        for level, rolled_up in masks:
            key = (level, *(rolled_up.get(k, row[k]) for k in names))
            existing = out.get(key)
            if existing is None:
                out[key] = {
                    **row,
                    **rolled_up,
                    "grouping": level,
                    **{name: Counter(row[name]) for name in counters},
                }
            else:
                for name in sums:
                    existing[name] += row[name]
                for name in counters:
                    merged = existing[name]
                    for seconds, count in row[name].items():
                        merged[seconds] += count
    return out.values()


async def refresh_in_background(
    factory: async_sessionmaker[AsyncSession], zone: ZoneInfo, clock: Clock
) -> None:
    """Run after a report response when it had to compute past months live; failures only cost speed."""
    try:
        async with factory() as session:
            await refresh(session, zone, clock.now())
            await session.commit()
    except Exception:  # a concurrent refresh or a locked SQLite file: the next report will try again
        log.warning("report rollup refresh failed; figures stay exact (computed live)", exc_info=True)
