"""Exports (CSV, Excel) open with openpyxl, match the dashboard, and hide small cells by the rule."""

from __future__ import annotations

import csv
import io
from typing import Any

from httpx import ASGITransport, AsyncClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.clock import ControlledClock
from app.config import Settings
from app.main import create_app
from app.report.suppression import SUPPRESSED, Line, line_is_exhausted, line_is_safe

from .conftest import PERIOD, get_json

S = SUPPRESSED
MATRIX_SHEETS = {
    "市町別": "cases_by_municipality",
    "言語別": "cases_by_language",
    "相談方法別": "cases_by_channel",
    "相談内容別": "cases_by_topic",
}


async def _workbook(client: AsyncClient, headers: dict[str, str], **params: str) -> Any:
    response = await client.get("/api/v1/reports/export.xlsx", headers=headers, params={**PERIOD, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def _grid(sheet: Any) -> list[list[Any]]:
    """The table under the header row (row 4): one list per month plus the total row, label dropped."""
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    return [list(row[1:]) for row in rows if row[0] is not None and any(v is not None for v in row[1:])]


def _exact(matrix: dict[str, Any]) -> list[list[int]]:
    rows = [[*counts, total] for counts, total in zip(matrix["counts"], matrix["month_totals"], strict=True)]
    return [*rows, [*matrix["category_totals"], matrix["total"]]]


async def test_export__excel_opens_and_unsuppressed_matches_the_dashboard_exactly(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    headers = auth["admin"]
    dashboard = await get_json(client, "/api/v1/reports/dashboard", headers)
    workbook = await _workbook(client, headers, suppress="false")
    assert workbook.sheetnames[:1] == ["説明"]
    for sheet, view in MATRIX_SHEETS.items():
        assert _grid(workbook[sheet]) == _exact(dashboard[view]), sheet
    service = _grid(workbook["応答状況"])
    assert service[-1][:4] == [12, 10, 1, 1]
    waits = _grid(workbook["待ち時間"])
    assert waits[-1] == [10, 27.5, 63, 4, 62.5, 105]
    interpreters = _grid(workbook["通訳利用"])
    assert interpreters[-1][1:] == [5, 47, 49]


async def test_export__suppressed_cells_are_small_or_complementary_and_every_line_is_safe(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], settings: Settings
) -> None:
    headers = auth["coordinator"]
    dashboard = await get_json(client, "/api/v1/reports/dashboard", headers)
    workbook = await _workbook(client, headers)
    threshold = settings.report_suppression_threshold
    for sheet, view in MATRIX_SHEETS.items():
        exact, shown = _exact(dashboard[view]), _grid(workbook[sheet])
        for exact_row, shown_row in zip(exact, shown, strict=True):
            for value, cell in zip(exact_row, shown_row, strict=True):
                assert cell in (value, S), (sheet, value, cell)
                if 0 < value < threshold:
                    assert cell == S, (sheet, value)
        # every row and every column, totals included, is safe by the rule (or has nothing left to hide)
        width = len(exact[0])
        lines = [[(r, c) for c in range(width)] for r in range(len(exact))]
        lines += [[(r, c) for r in range(len(exact))] for c in range(width)]
        values = {(r, c): exact[r][c] for r in range(len(exact)) for c in range(width)}
        hidden = {(r, c) for r in range(len(exact)) for c in range(width) if shown[r][c] == S}
        for cells in lines:
            line = Line(cells[-1], tuple(cells[:-1]))
            assert line_is_safe(values, line, hidden, threshold) or line_is_exhausted(line, hidden), (
                sheet,
                cells,
            )


async def test_export__municipality_table_is_suppressed_as_worked_out_by_hand(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    # Columns: 33202 33205 33207 33208 33209 33210 33216 33423 33445 33461 outside (unknown) total.
    # Sept 4 Kurashiki + 2 Kasaoka; the 2 needs a complement (the 4). Oct 3 + 1 + 1 + 1 unknown: the three 1s
    # sum to 3 < 4 (= hidden cells + 1), so the 3 joins them. Columns with one hidden case hide their zero
    # too.
    workbook = await _workbook(client, auth["coordinator"])
    assert _grid(workbook["市町別"]) == [
        [S, S, 0, S, 0, 0, S, 0, 0, 0, 0, S, 6],
        [S, S, 0, S, 0, 0, S, 0, 0, 0, 0, S, 6],
        [7, S, 0, S, 0, 0, S, 0, 0, 0, 0, S, 12],
    ]
    residents = list(workbook["住民構成"].iter_rows(min_row=5, values_only=True))
    assert residents[0][1:] == (7, 58.3)  # same cell as the total row above: shown in both or neither
    assert residents[1][1:] == (S, S)


async def test_export__csv_matches_the_workbook_sheet(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    headers = auth["coordinator"]
    response = await client.get("/api/v1/reports/cases-by-language.csv", headers=headers, params=PERIOD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "月 Month" and rows[0][-1] == "合計 Total" and "ベトナム語 Vietnamese" in rows[0]
    sheet = _grid((await _workbook(client, headers))["言語別"])
    assert [[int(v) if v.isdigit() else v for v in row[1:]] for row in rows[1:]] == sheet


async def test_export__kasaoka_csv_hides_every_nonzero_count(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/reports/service.csv", headers=auth["kasaoka_coordinator"], params=PERIOD
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = [cell for row in rows[1:] for cell in row[1:]]
    assert set(body) <= {S, "0", ""}, body  # two cases: nothing but zeros and 秘匿


async def test_export__threshold_is_a_setting(
    settings: Settings, clock: ControlledClock, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    app = create_app(settings.model_copy(update={"report_suppression_threshold": 1}), clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        response = await client.get(
            "/api/v1/reports/cases-by-municipality.csv", headers=auth["coordinator"], params=PERIOD
        )
    assert S not in response.content.decode("utf-8-sig")


async def test_export__is_audited_with_filters(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], db: AsyncSession
) -> None:
    await client.get("/api/v1/reports/waits.csv", headers=auth["soja_coordinator"], params=PERIOD)
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert event is not None and event.entity_id == "waits.csv"
    assert event.detail is not None
    assert event.detail["suppressed"] is True
    assert event.detail["filters"]["scope_municipality"] == "33208"
