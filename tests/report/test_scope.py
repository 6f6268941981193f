"""A municipality's coordinator sees only their residents' figures, through every view, filter and export."""

from __future__ import annotations

import io

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from .conftest import PERIOD, get_json, matrix_as_dict

JSON_VIEWS = ["dashboard", "cases", "service", "waits", "interpreter-minutes", "residents"]
CSV_VIEWS = [
    "cases-by-municipality",
    "cases-by-language",
    "cases-by-channel",
    "cases-by-topic",
    "service",
    "waits",
    "interpreter-minutes",
    "residents",
]
EVERY_REPORT_URL = [
    *[f"/api/v1/reports/{v}" for v in JSON_VIEWS],
    *[f"/api/v1/reports/{v}.csv" for v in CSV_VIEWS],
    "/api/v1/reports/export.xlsx",
    "/api/v1/reports/monthly.xlsx",
]


async def test_scope__kasaoka_coordinator_asking_for_kurashiki_gets_403_everywhere(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    params = {**PERIOD, "municipality": "33202", "month": "2026-09"}
    for url in [*EVERY_REPORT_URL, "/reports", "/reports/monthly"]:
        response = await client.get(url, headers=auth["kasaoka_coordinator"], params=params)
        assert response.status_code == 403, (url, response.text)
        assert "33205" in response.text  # says what the scope is
        assert "Kurashiki" not in response.text and "倉敷" not in response.text


async def test_scope__kasaoka_coordinator_sees_only_kasaoka_residents(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    headers = auth["kasaoka_coordinator"]
    body = await get_json(client, "/api/v1/reports/dashboard", headers)
    assert body["filters"]["scope_municipality"] == "33205"
    assert matrix_as_dict(body["cases_by_municipality"]) == {"2026-09": {"33205": 2}, "2026-10": {}}
    assert matrix_as_dict(body["cases_by_language"]) == {"2026-09": {"pt": 1, "en": 1}, "2026-10": {}}
    assert body["service"]["total"]["cases"] == 2
    assert body["waits"]["total"]["wait"] == {"count": 1, "median_seconds": 50.0, "p90_seconds": 50.0}
    assert [(r["vendor"], r["language"]["code"], r["legs"]) for r in body["interpreter_minutes"]["rows"]] == [
        ("Beta Language Services", "pt", 1)
    ]
    assert [r["municipality"]["code"] for r in body["residents"]["rows"]] == ["33205"]
    # naming their own municipality is allowed and changes nothing
    own = await get_json(client, "/api/v1/reports/service", headers, municipality="33205")
    assert own["total"] == body["service"]["total"]


@pytest.mark.parametrize(
    "params",
    [
        {"language": "vi"},
        {"channel": "counter"},
        {"topic": "general_admin"},
        {"language": "zh", "topic": "tax"},
    ],
)
async def test_scope__no_filter_reaches_other_municipalities(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str], params: dict[str, str]
) -> None:
    # Kurashiki-only combinations: for Kasaoka they must be empty, never Kurashiki's figures.
    body = await get_json(client, "/api/v1/reports/dashboard", auth["kasaoka_coordinator"], **params)
    assert body["service"]["total"]["cases"] == 0
    assert body["interpreter_minutes"]["rows"] == []


async def test_scope__kasaoka_exports_hold_only_kasaoka_figures(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    headers = auth["kasaoka_coordinator"]
    csv = await client.get("/api/v1/reports/cases-by-municipality.csv", headers=headers, params=PERIOD)
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "倉敷" not in text and "Kurashiki" not in text
    workbook = load_workbook(
        io.BytesIO((await client.get("/api/v1/reports/export.xlsx", headers=headers, params=PERIOD)).content)
    )
    values = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert not any("倉敷" in v or "Kurashiki" in v for v in values)
    assert "12" not in values and "6" not in values  # the area's and Kurashiki's totals never appear
    monthly = await client.get("/reports/monthly", headers=headers, params={"month": "2026-09"})
    assert monthly.status_code == 200
    assert "笠岡市在住者分" in monthly.text and "表2 市町別" not in monthly.text
    sheet = load_workbook(
        io.BytesIO(
            (
                await client.get("/api/v1/reports/monthly.xlsx", headers=headers, params={"month": "2026-09"})
            ).content
        )
    ).active
    assert sheet is not None
    assert any("笠岡市在住者分" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)


async def test_scope__soja_coordinator_sees_only_soja(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    body = await get_json(client, "/api/v1/reports/cases", auth["soja_coordinator"], by="language")
    assert matrix_as_dict(body) == {"2026-09": {}, "2026-10": {"vi": 1}}


@pytest.mark.parametrize("role", ["counselor", "desk_staff", "interpreter", "desk_device"])
async def test_roles__other_than_coordinator_and_admin_get_403(
    client: AsyncClient, auth: dict[str, dict[str, str]], role: str
) -> None:
    for url in EVERY_REPORT_URL:
        response = await client.get(url, headers=auth[role], params=PERIOD)
        assert response.status_code == 403, url
        assert response.json()["detail"] == (
            f"this needs the role admin or coordinator; you are signed in as {_role_name(role)}"
        )


def _role_name(account: str) -> str:
    return {"desk_staff": "counter_staff", "desk_device": "device"}.get(account, account)


async def test_roles__anonymous_gets_401_and_the_page_redirects_to_sign_in(client: AsyncClient) -> None:
    assert (await client.get("/api/v1/reports/dashboard")).status_code == 401
    page = await client.get("/reports")
    assert (page.status_code, page.headers["location"]) == (303, "/login")


async def test_roles__staff_page_for_counselor_is_403(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.get("/reports", headers=auth["counselor"])
    assert response.status_code == 403
    assert "コーディネーター" in response.text


async def test_scope__scoped_coordinator_cannot_turn_suppression_off(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    params = {**PERIOD, "suppress": "false"}
    for url in ("/api/v1/reports/service.csv", "/api/v1/reports/export.xlsx", "/api/v1/reports/monthly.xlsx"):
        response = await client.get(url, headers=auth["kasaoka_coordinator"], params=params)
        assert response.status_code == 403, url
    assert (
        await client.get("/api/v1/reports/service.csv", headers=auth["coordinator"], params=params)
    ).status_code == 200
