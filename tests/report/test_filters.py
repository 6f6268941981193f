"""Bad filter values give a 422 that names the field and lists the accepted values."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

CHANNELS = ["counter", "satellite", "phone", "video"]


@pytest.mark.parametrize(
    ("params", "field", "accepted_contains"),
    [
        ({"municipality": "99999"}, "municipality", ["33202", "33205", "33461", "outside"]),
        ({"language": "xx"}, "language", ["en", "zh", "vi", "ne", "uk", "ja"]),
        ({"channel": "fax"}, "channel", CHANNELS),
        ({"topic": "visa"}, "topic", ["residence", "tax", "general_admin", "other"]),
        ({"by": "gender"}, "by", ["municipality", "language", "channel", "topic"]),
    ],
)
async def test_filters__unknown_code_is_422_with_field_and_accepted_values(
    client: AsyncClient,
    auth: dict[str, dict[str, str]],
    params: dict[str, str],
    field: str,
    accepted_contains: list[str],
) -> None:
    response = await client.get("/api/v1/reports/cases", headers=auth["coordinator"], params=params)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", field]
    assert set(accepted_contains) <= set(error["ctx"]["accepted"])
    assert repr(next(iter(params.values()))) in error["msg"] and "accepted:" in error["msg"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "October"}, "to"),
        ({"from": "2026-10", "to": "2026-09"}, "from"),
        ({"from": "2010-01", "to": "2026-10"}, "from"),
    ],
)
async def test_filters__bad_period_is_422_naming_the_field(
    client: AsyncClient, auth: dict[str, dict[str, str]], params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/reports/service", headers=auth["admin"], params=params)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", field]


async def test_filters__bad_view_and_month_in_exports_are_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    csv = await client.get("/api/v1/reports/everything.csv", headers=auth["admin"])
    assert csv.status_code == 422
    assert "cases-by-topic" in csv.json()["detail"][0]["ctx"]["accepted"]
    monthly = await client.get(
        "/api/v1/reports/monthly.xlsx", headers=auth["admin"], params={"month": "R8-10"}
    )
    assert monthly.status_code == 422
    assert monthly.json()["detail"][0]["loc"] == ["query", "month"]


async def test_filters__bad_value_on_the_page_shows_the_message(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.get("/reports", headers=auth["admin"], params={"channel": "fax"})
    assert response.status_code == 422
    assert "unknown channel &#39;fax&#39;; accepted: counter, satellite, phone, video" in response.text


async def test_filters__default_period_is_the_last_twelve_months(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    body = (await client.get("/api/v1/reports/service", headers=auth["admin"])).json()
    assert len(body["months"]) == 12
    assert body["filters"]["to"] == body["months"][-1]["month"]
