"""Fiscal-year (年度) presets on the dashboard, and interpreter time in hours and minutes."""

from __future__ import annotations

import html
import re

import pytest
from httpx import AsyncClient

from app.report.duration import hours_minutes
from app.report.period import Month, fiscal_year, fiscal_year_months
from app.ui.report.pages import range_presets


@pytest.mark.parametrize(
    ("month", "year"),
    [(Month(2026, 4), 2026), (Month(2027, 3), 2026), (Month(2026, 3), 2025), (Month(2026, 12), 2026)],
)
def test_fiscal_year__april_to_march(month: Month, year: int) -> None:
    assert fiscal_year(month) == year
    first, last = fiscal_year_months(year)
    assert (first, last) == (Month(year, 4), Month(year + 1, 3))
    assert first <= month <= last


def test_range_presets__this_fiscal_year_so_far_and_the_last_one() -> None:
    this, last = range_presets(Month(2027, 2))
    assert (this["from"], this["to"]) == ("2026-04", "2027-02")
    assert (last["from"], last["to"]) == ("2025-04", "2026-03")
    assert "2026年度" in this["label_ja"] and "FY2025" in last["label_en"]


@pytest.mark.parametrize(
    ("minutes", "ja", "en"),
    [
        (750.4, "12時間30分", "12 h 30 min"),
        (59.5, "1時間0分", "1 h 0 min"),
        (59.4, "59分", "59 min"),
        (0.0, "0分", "0 min"),
        (60, "1時間0分", "1 h 0 min"),
        (6001, "100時間1分", "100 h 1 min"),
    ],
)
def test_hours_minutes(minutes: float, ja: str, en: str) -> None:
    assert hours_minutes(minutes) == (ja, en)


async def test_dashboard__offers_fiscal_year_presets_and_shows_interpreter_time_in_hours(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    # the tests' clock is 18 November 2026 (Japan): FY2026 so far, and FY2025
    page = await client.get("/reports", headers=auth["admin"])
    assert page.status_code == 200
    links = re.findall(r'href="/reports\?from=([\d-]+)&amp;to=([\d-]+)" data-preset', page.text)
    assert links == [("2026-04", "2026-11"), ("2025-04", "2026-03")]
    api = await client.get("/api/v1/reports/interpreter-minutes", headers=auth["admin"])
    total = api.json()["total"]["minutes"]
    kpi = re.search(r'id="kpi-interpreter-time">(.*?)</strong>', page.text)
    assert kpi is not None
    ja, en = hours_minutes(total)
    assert html.unescape(re.sub(r"<[^>]+>", "", kpi.group(1))).split() == [ja, *en.split()]
    # a preset's link opens that period
    fiscal = await client.get("/reports", headers=auth["admin"], params={"from": "2025-04", "to": "2026-03"})
    assert fiscal.status_code == 200 and 'value="2025-04"' in fiscal.text
