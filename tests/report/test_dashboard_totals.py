"""Dashboard figures equal those worked out by hand for the 12 hand-written cases, live and rolled up."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Via
from app.clock import ControlledClock
from app.config import Settings
from app.report import rollup, service
from app.report.models import ReportRollupMonth
from app.report.service import RawFilters

from .conftest import (
    EXPECTED,
    EXPECTED_INTERPRETER,
    EXPECTED_RESIDENTS,
    EXPECTED_SERVICE,
    EXPECTED_VENDOR_TOTALS,
    EXPECTED_WAITS,
    MONTHS,
    get_json,
    matrix_as_dict,
)

ADMIN = Principal(role="admin", via=Via.bearer, display_name="admin", staff_user_id=1)


@pytest.mark.parametrize("dimension", ["municipality", "language", "channel", "topic"])
async def test_cases_by__equals_hand_counts(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], dimension: str
) -> None:
    body = await get_json(client, "/api/v1/reports/cases", auth["coordinator"], by=dimension)
    assert body["months"] == MONTHS
    assert matrix_as_dict(body) == EXPECTED[dimension]
    expected_total = sum(sum(m.values()) for m in EXPECTED[dimension].values())
    assert body["total"] == expected_total
    assert body["month_totals"] == [sum(EXPECTED[dimension][m].values()) for m in MONTHS]
    assert body["counting"] == ("topic_mentions" if dimension == "topic" else "cases")


async def test_cases_by_topic__a_case_with_two_topics_counts_once_in_each(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    by_topic = await get_json(client, "/api/v1/reports/cases", auth["admin"], by="topic")
    totals = dict(zip([c["code"] for c in by_topic["categories"]], by_topic["category_totals"], strict=True))
    assert totals["tax"] == 5  # C1, C2, C6, C8, C9: C2 (tax+residence), C6 and C9 also count elsewhere
    assert (totals["residence"], totals["social_insurance"], totals["medical"]) == (2, 2, 1)
    assert by_topic["total"] == 15  # 12 cases, three of them with two topics; C11 counted as 'no topic'
    only_tax = await get_json(client, "/api/v1/reports/service", auth["admin"], topic="tax")
    assert only_tax["total"]["cases"] == 5  # the topic filter counts each case once


async def test_service__answer_rate_and_abandonment_equal_hand_figures(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    body = await get_json(client, "/api/v1/reports/service", auth["coordinator"])
    by_month = {m["month"]: m for m in body["months"]}
    for month in MONTHS:
        assert {k: by_month[month][k] for k in EXPECTED_SERVICE[month]} == EXPECTED_SERVICE[month]
    assert {k: body["total"][k] for k in EXPECTED_SERVICE["total"]} == EXPECTED_SERVICE["total"]


async def test_waits__median_and_p90_equal_hand_figures(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    body = await get_json(client, "/api/v1/reports/waits", auth["admin"])
    rows = {m["month"]: m for m in [*body["months"], body["total"]]}
    for month, (wait, interpreter) in EXPECTED_WAITS.items():
        got = rows[month]
        assert (got["wait"]["count"], got["wait"]["median_seconds"], got["wait"]["p90_seconds"]) == wait
        t = got["time_to_interpreter"]
        assert (t["count"], t["median_seconds"], t["p90_seconds"]) == interpreter


async def test_interpreter_minutes__by_vendor_and_language_equal_hand_figures(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    body = await get_json(client, "/api/v1/reports/interpreter-minutes", auth["coordinator"])
    rows = {
        (r["vendor"], r["language"]["code"]): (r["legs"], r["minutes"], r["billable_minutes"])
        for r in body["rows"]
    }
    assert rows == EXPECTED_INTERPRETER  # counselor legs are not interpreter minutes
    vendors = {r["vendor"]: (r["legs"], r["minutes"], r["billable_minutes"]) for r in body["vendor_totals"]}
    assert vendors == EXPECTED_VENDOR_TOTALS
    assert (body["total"]["legs"], body["total"]["minutes"], body["total"]["billable_minutes"]) == (
        5,
        47.0,
        49,
    )


async def test_residents__share_of_each_municipality_equals_hand_figures(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    body = await get_json(client, "/api/v1/reports/residents", auth["admin"])
    shares = {r["municipality"]["code"]: (r["cases"], r["share"]) for r in body["rows"] if r["cases"]}
    assert shares == EXPECTED_RESIDENTS
    assert body["total"] == 12


async def test_dashboard__month_follows_japan_time_not_utc(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    # C7 was requested at 08:55 on 1 October in Japan (30 September in UTC): it is an October case.
    body = await get_json(client, "/api/v1/reports/cases", auth["admin"], by="municipality", to="2026-09")
    assert "33208" not in matrix_as_dict(body).get("2026-09", {})
    october = await get_json(
        client, "/api/v1/reports/cases", auth["admin"], by="municipality", **{"from": "2026-10"}
    )
    assert matrix_as_dict(october)["2026-10"]["33208"] == 1


async def test_dashboard__rollup_and_live_give_the_same_figures(
    db: AsyncSession, settings: Settings, clock: ControlledClock, hand_cases: dict[str, str]
) -> None:
    now = clock.now()  # TEST_NOW: November 2026, so September and October are past months
    raw = RawFilters(from_month="2026-08", to_month="2026-11")
    live_ctx = await service.prepare(db, ADMIN, raw, settings.zone, now, use_rollup=False)
    live = await service.dashboard(db, live_ctx)
    await rollup.refresh(db, settings.zone, now)
    await db.commit()
    assert set((await db.scalars(select(ReportRollupMonth.month))).all()) >= {"2026-09", "2026-10"}
    ctx = await service.prepare(db, ADMIN, raw, settings.zone, now)
    assert {str(m) for m in ctx.plan.rollup_months} >= {"2026-09", "2026-10"}
    assert await service.dashboard(db, ctx) == live
    for topic in ("tax", "residence"):
        filtered = RawFilters(from_month="2026-08", to_month="2026-11", topic=topic, channel="phone")
        live_ctx = await service.prepare(db, ADMIN, filtered, settings.zone, now, use_rollup=False)
        ctx = await service.prepare(db, ADMIN, filtered, settings.zone, now)
        assert await service.dashboard(db, ctx) == await service.dashboard(db, live_ctx)


async def test_dashboard__one_call_returns_every_view(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    body = await get_json(client, "/api/v1/reports/dashboard", auth["admin"])
    assert body["filters"] == {
        "from": "2026-09",
        "to": "2026-10",
        "municipality": None,
        "language": None,
        "channel": None,
        "topic": None,
        "scope_municipality": None,
    }
    assert matrix_as_dict(body["cases_by_language"]) == EXPECTED["language"]
    assert body["service"]["total"]["cases"] == 12
    # the past months were computed live, so the response scheduled a refresh of the rollup
    assert await db.scalar(select(func.count()).select_from(ReportRollupMonth)) >= 2
