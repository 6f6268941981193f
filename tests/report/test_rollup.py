"""The monthly rollup gives exactly the live (naive) figures, and a change after a refresh is never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.config import Settings
from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole, ConsultationStatus, Outcome
from app.report import rollup, service
from app.report.models import ReportMonthlyCase, ReportRollupMonth, ReportStaleHour
from app.report.period import Month
from app.report.service import RawFilters
from app.report.synthetic import generate_cases

ADMIN = Principal(role="admin", via=Via.bearer, display_name="admin", staff_user_id=1)
SOJA = Principal(
    role="coordinator", via=Via.bearer, display_name="soja", staff_user_id=2, municipality_code="33208"
)
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 24 November in Japan: September and October are past


async def _both(
    db: AsyncSession, settings: Settings, principal: Principal, raw: RawFilters
) -> tuple[object, object]:
    live = await service.prepare(db, principal, raw, settings.zone, NOW, use_rollup=False)
    fast = await service.prepare(db, principal, raw, settings.zone, NOW)
    return await service.dashboard(db, fast), await service.dashboard(db, live)


async def test_rollup__equals_naive_on_generated_data(db: AsyncSession, settings: Settings) -> None:
    zone = settings.zone
    end = Month(2026, 11).start(zone) + timedelta(days=20)
    await generate_cases(db, 1500, seed=11, start=Month(2026, 7).start(zone), end=end, zone=zone, now=NOW)
    await db.commit()
    refreshed = await rollup.refresh(db, zone, NOW)
    await db.commit()
    assert refreshed.months == ["2026-07", "2026-08", "2026-09", "2026-10"]  # November is the current month
    cases = [
        (ADMIN, RawFilters("2026-07", "2026-11")),
        (ADMIN, RawFilters("2026-06", "2026-10", municipality="33202", channel="counter")),
        (ADMIN, RawFilters("2026-07", "2026-11", language="ne", topic="tax")),
        (ADMIN, RawFilters("2026-08", "2026-09", topic="residence")),
        (SOJA, RawFilters("2026-07", "2026-11")),
        (SOJA, RawFilters("2026-07", "2026-11", channel="satellite", language="vi")),
    ]
    for principal, raw in cases:
        fast, live = await _both(db, settings, principal, raw)
        assert fast == live, raw


async def test_rollup__change_after_refresh_marks_the_month_and_counts_at_once(
    db: AsyncSession, settings: Settings, hand_cases: dict[str, str]
) -> None:
    zone = settings.zone
    await rollup.refresh(db, zone, NOW)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(ReportStaleHour)) == 0
    raw = RawFilters("2026-09", "2026-10")
    ctx = await service.prepare(db, ADMIN, raw, zone, NOW)
    assert [str(m) for m in ctx.plan.rollup_months] == ["2026-09", "2026-10"]

    c8 = await db.scalar(select(Consultation).where(Consultation.public_id == hand_cases["C8"]))
    assert c8 is not None
    c8.connected_at, c8.status, c8.outcome = None, ConsultationStatus.abandoned, Outcome.abandoned
    await db.commit()  # the session hook marks C8's day

    ctx = await service.prepare(db, ADMIN, raw, zone, NOW)
    assert [str(m) for m in ctx.plan.rollup_months] == ["2026-09"]
    assert [str(m) for m in ctx.plan.live_months] == ["2026-10"]
    fast, live = await _both(db, settings, ADMIN, raw)
    assert fast == live
    assert fast.service.total.abandoned == 2  # type: ignore[attr-defined]

    again = await rollup.refresh(db, zone, NOW)
    await db.commit()
    assert again.months == ["2026-10"]
    assert await db.scalar(select(func.count()).select_from(ReportStaleHour)) == 0
    fast_after, live_after = await _both(db, settings, ADMIN, raw)
    assert fast_after == live_after == live


async def test_rollup__new_interpreter_leg_marks_its_case_month(
    db: AsyncSession, settings: Settings, hand_cases: dict[str, str]
) -> None:
    await rollup.refresh(db, settings.zone, NOW)
    await db.commit()
    c1 = await db.scalar(select(Consultation).where(Consultation.public_id == hand_cases["C1"]))
    assert c1 is not None and c1.connected_at is not None
    db.add(
        CallLeg(
            consultation_id=c1.id,
            role=CallRole.interpreter,
            participant_id="late-interpreter",
            joined_at=c1.connected_at,
            left_at=c1.connected_at + timedelta(minutes=3),
        )
    )
    await db.commit()
    ctx = await service.prepare(db, ADMIN, RawFilters("2026-09", "2026-10"), settings.zone, NOW)
    assert [str(m) for m in ctx.plan.live_months] == ["2026-09"]
    minutes = await service.interpreter_minutes(db, ctx)
    assert minutes.total.legs == 6


async def test_rollup__current_month_is_always_live_and_never_rolled_up(
    db: AsyncSession, settings: Settings, hand_cases: dict[str, str]
) -> None:
    october_now = datetime(2026, 10, 15, tzinfo=UTC)
    refreshed = await rollup.refresh(db, settings.zone, october_now)
    await db.commit()
    assert refreshed.months == ["2026-09"]
    assert set((await db.scalars(select(ReportRollupMonth.month))).all()) == {"2026-09"}
    assert set((await db.scalars(select(ReportMonthlyCase.month).distinct())).all()) == {"2026-09"}
    ctx = await service.prepare(db, ADMIN, RawFilters("2026-09", "2026-10"), settings.zone, october_now)
    assert [str(m) for m in ctx.plan.live_months] == ["2026-10"]
    # markers for October's cases stay: October is not rolled up yet
    assert await db.scalar(select(func.count()).select_from(ReportStaleHour)) > 0


async def test_rollup__bulk_load_marks_its_months_stale_and_the_refresh_counts_it(
    db: AsyncSession, settings: Settings, hand_cases: dict[str, str]
) -> None:
    # Synthetic cases are written with Core INSERTs, which the session hook never sees: the load itself must
    # mark its months, or a dashboard over months rolled up before keeps the old totals (demo-data's bug).
    zone = settings.zone
    await rollup.refresh(db, zone, NOW)
    await db.commit()
    raw = RawFilters("2026-09", "2026-10")
    ctx = await service.prepare(db, ADMIN, raw, zone, NOW)
    assert [str(m) for m in ctx.plan.rollup_months] == ["2026-09", "2026-10"]
    assert (await service.dashboard(db, ctx)).service.total.cases == 12

    loaded = await generate_cases(
        db, 200, seed=5, start=Month(2026, 9).start(zone), end=Month(2026, 10).end(zone), zone=zone, now=NOW
    )
    await db.commit()
    assert (loaded.first_month, loaded.last_month) == ("2026-09", "2026-10")
    ctx = await service.prepare(db, ADMIN, raw, zone, NOW)
    assert [str(m) for m in ctx.plan.live_months] == ["2026-09", "2026-10"]  # stale: computed live at once
    assert (await service.dashboard(db, ctx)).service.total.cases == 212

    refreshed = await rollup.refresh(db, zone, NOW)
    await db.commit()
    assert refreshed.months == ["2026-09", "2026-10"]
    assert await db.scalar(select(func.count()).select_from(ReportStaleHour)) == 0
    ctx = await service.prepare(db, ADMIN, raw, zone, NOW)
    assert [str(m) for m in ctx.plan.rollup_months] == ["2026-09", "2026-10"]
    fast, live = await _both(db, settings, ADMIN, raw)
    assert fast == live
    assert fast.service.total.cases == 212  # type: ignore[attr-defined]


@pytest.mark.parametrize("rebuild", [False, True])
async def test_rollup__refresh_twice_is_idempotent(
    db: AsyncSession, settings: Settings, hand_cases: dict[str, str], rebuild: bool
) -> None:
    await rollup.refresh(db, settings.zone, NOW)
    await db.commit()
    rows = (
        await db.execute(select(ReportMonthlyCase).order_by(*ReportMonthlyCase.__table__.primary_key))
    ).all()
    second = await rollup.refresh(db, settings.zone, NOW, rebuild=rebuild)
    await db.commit()
    assert second.months == (["2026-09", "2026-10"] if rebuild else [])
    again = (
        await db.execute(select(ReportMonthlyCase).order_by(*ReportMonthlyCase.__table__.primary_key))
    ).all()
    assert len(again) == len(rows)
