"""Without a chosen period, exports end with the last finished month; the dashboard still shows this month."""

from __future__ import annotations

import re

from httpx import AsyncClient


async def test_export__default_period_leaves_out_the_unfinished_current_month(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    # the tests' clock is 18 November 2026 (Japan): November is unfinished
    headers = auth["admin"]
    view = await client.get("/api/v1/reports/service", headers=headers)
    assert view.json()["filters"]["to"] == "2026-11"  # the dashboard's own default includes it
    for path in ("/api/v1/reports/service.csv", "/api/v1/reports/export.xlsx"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        assert "-2025-11-2026-10." in response.headers["content-disposition"], path
    rows = (await client.get("/api/v1/reports/service.csv", headers=headers)).content.decode("utf-8-sig")
    assert "2026-10" in rows and "2026-11" not in rows
    # a period the caller chose is kept, the current month included
    chosen = await client.get("/api/v1/reports/service.csv", headers=headers, params={"to": "2026-11"})
    assert "-2025-12-2026-11." in chosen.headers["content-disposition"]


async def test_dashboard__export_links_use_the_export_default_unless_a_period_is_chosen(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    page = await client.get("/reports", headers=auth["admin"], params={"language": "vi"})
    links = re.findall(r'href="/api/v1/reports/([^"]+)"', page.text)
    assert links and all("from=" not in link and "to=" not in link for link in links)
    assert all("language=vi" in link for link in links)
    chosen = await client.get("/reports", headers=auth["admin"], params={"from": "2026-09", "to": "2026-11"})
    links = re.findall(r'href="/api/v1/reports/([^"]+)"', chosen.text)
    assert links and all("from=2026-09" in link and "to=2026-11" in link for link in links)
