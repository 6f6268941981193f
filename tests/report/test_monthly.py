"""The council-style monthly report: Japanese era title, tables by language, topic and channel with totals."""

from __future__ import annotations

import io

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from app.report.period import Month, wareki
from app.report.suppression import SUPPRESSED


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (Month(2026, 10), "令和8年10月"),
        (Month(2019, 5), "令和元年5月"),
        (Month(2019, 4), "平成31年4月"),
        (Month(2020, 10), "令和2年10月"),
    ],
)
def test_wareki__reiwa_and_heisei(month: Month, expected: str) -> None:
    assert wareki(month) == expected


async def test_monthly__printable_page_for_the_whole_area(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    response = await client.get("/reports/monthly", headers=auth["coordinator"], params={"month": "2026-10"})
    assert response.status_code == 200
    page = response.text
    assert "<h1>令和8年10月 外国人相談窓口 利用状況報告</h1>" in page
    for caption in (
        "表1 概要",
        "表2 市町別",
        "表3 言語別",
        "表4 相談内容別",
        "表5 相談方法別",
        "表6 通訳利用(言語別)",
    ):
        assert caption in page
    assert "対象: 圏域全体(7市3町)" in page
    assert "@page { size: A4 portrait" not in page  # the print rules live in the stylesheet
    assert 'href="/reports/assets/report.css"' in page
    # October: 6 cases (shown), all language cells are small (秘匿); the total row is there
    assert "<th>相談件数</th><td>6</td>" in page.replace("\n", "")
    assert page.count(f'class="suppressed">{SUPPRESSED}') >= 5


async def test_monthly__excel_has_the_title_and_tables_with_totals(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/reports/monthly.xlsx",
        headers=auth["admin"],
        params={"month": "2026-09", "suppress": "false"},
    )
    assert response.status_code == 200
    assert "madoguchi-monthly-2026-09.xlsx" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "令和8年9月 外国人相談窓口 利用状況報告"
    labels = [row[0] for row in cells if row and row[0]]
    for caption in ("表1 概要", "表2 市町別", "表3 言語別", "表4 相談内容別", "表5 相談方法別"):
        assert caption in labels
    rows = {row[0]: row[1:3] for row in cells if row and row[0]}
    assert rows["相談件数"][0] == 6
    assert rows["倉敷市"] == (4, 66.7)
    assert rows["笠岡市"] == (2, 33.3)
    assert rows["税金"][0] == 3  # per topic: C1, C2, C6
    totals = [row for row in cells if row and row[0] == "合計 Total"]
    assert [t[1] for t in totals] == [6, 6, 8, 6, 2]  # municipality, language, topic mentions, channel, legs
    assert sheet.page_setup.orientation == "portrait"


async def test_monthly__scoped_coordinator_gets_their_municipality_only(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    page = await client.get("/reports/monthly", headers=auth["soja_coordinator"], params={"month": "2026-10"})
    assert page.status_code == 200
    assert "対象: 総社市在住者分" in page.text and "市町別" not in page.text
    other = await client.get(
        "/reports/monthly",
        headers=auth["soja_coordinator"],
        params={"month": "2026-10", "municipality": "33202"},
    )
    assert other.status_code == 403


async def test_monthly__wide_area_report_for_one_municipality(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    page = await client.get(
        "/reports/monthly", headers=auth["coordinator"], params={"month": "2026-09", "municipality": "33202"}
    )
    assert "対象: 倉敷市在住者分" in page.text
    assert "<th>相談件数</th><td>4</td>" in page.text.replace("\n", "")
