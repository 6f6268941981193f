"""Out-of-range numbers and dates answer 422 naming the field and what is accepted, never 500 (an
OverflowError in the driver or in date arithmetic). One test per value the penetration test found, plus the
neighbours of each: every id, day and instant the API takes is bounded (app/bounds.py)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response

from app.bounds import ID_MAX
from app.config import Settings
from tests.reservation.reservation_support import entry_link

HUGE_ID = 10**22  # 23 digits
DAYS_ACCEPTED = "a day from 2000-01-01 to 2099-12-31 is accepted"


def _error_at(response: Response, *loc: str | int) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    errors = [error for error in response.json()["detail"] if tuple(error["loc"]) == loc]
    assert errors, response.text
    return dict(errors[0])


async def _case(client: AsyncClient, auth: dict[str, dict[str, str]]) -> str:
    body = {
        "channel": "counter",
        "language": "en",
        "site": "kurashiki-desk",
        "resident_municipality": "33202",
    }
    answer = await client.post("/api/v1/consultations", json=body, headers=auth["admin"])
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_consultations__a_huge_before_cursor_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    huge = await client.get("/api/v1/consultations", params={"before": str(HUGE_ID)}, headers=auth["admin"])
    assert "less than or equal to 2147483647" in _error_at(huge, "query", "before")["msg"]
    largest = await client.get("/api/v1/consultations", params={"before": str(ID_MAX)}, headers=auth["admin"])
    assert largest.status_code == 200, largest.text


@pytest.mark.parametrize(("kind", "days"), [("poster", 10**9), ("invite", 10**9), ("poster", 733)])
async def test_resident_link__valid_days_beyond_two_years_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], kind: str, days: int
) -> None:
    answer = await client.post(
        "/api/v1/resident/links", json={"kind": kind, "valid_days": days}, headers=auth["admin"]
    )
    assert "less than or equal to 732" in _error_at(answer, "body", "valid_days")["msg"]


async def test_resident_link__the_longest_poster_is_issued(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    answer = await client.post(
        "/api/v1/resident/links", json={"kind": "poster", "valid_days": 732}, headers=auth["admin"]
    )
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("interpreter_id", [HUGE_ID, ID_MAX + 1, 0])
async def test_staff_booking__an_interpreter_id_out_of_range_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], interpreter_id: int
) -> None:
    body = {
        "language": "uk",
        "starts_at": "2026-11-19T10:00:00+09:00",
        "contact": {"phone": "090-1234-5678"},
        "interpreter_id": interpreter_id,
    }
    answer = await client.post("/api/v1/reservations", json=body, headers=auth["counselor"])
    _error_at(answer, "body", "interpreter_id")


async def test_assign__a_huge_interpreter_id_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    answer = await client.post(
        "/api/v1/reservations/R-NONE/assign", json={"interpreter_id": HUGE_ID}, headers=auth["counselor"]
    )
    _error_at(answer, "body", "interpreter_id")


async def test_transfer__a_huge_counselor_id_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await _case(client, auth)
    answer = await client.post(
        f"/api/v1/consultations/{case}/transfer", json={"to_counselor_id": HUGE_ID}, headers=auth["counselor"]
    )
    _error_at(answer, "body", "to_counselor_id")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
async def test_reservations_day__outside_the_accepted_years_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], day: str
) -> None:
    answer = await client.get("/api/v1/reservations", params={"day": day}, headers=auth["admin"])
    error = _error_at(answer, "query", "day")
    assert error["msg"] == DAYS_ACCEPTED and error["type"] == "date_out_of_range"


@pytest.mark.parametrize("day", ["2000-01-01", "2099-12-31"])
async def test_reservations_day__the_edges_of_the_accepted_years_answer(
    client: AsyncClient, auth: dict[str, dict[str, str]], day: str
) -> None:
    answer = await client.get("/api/v1/reservations", params={"day": day}, headers=auth["admin"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == []


async def test_staff_reservation_page__a_day_out_of_range_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    answer = await client.get("/staff/reservations", params={"day": "9999-12-31"}, headers=auth["admin"])
    assert _error_at(answer, "query", "day")["msg"] == DAYS_ACCEPTED


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "9999-12-20"}, "from"),
        ({"from": "2026-11-18", "to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
    ],
)
async def test_resident_slots__days_out_of_range_are_422(
    client: AsyncClient, settings: Settings, params: dict[str, str], field: str
) -> None:
    answer = await client.get(
        "/api/v1/resident/reservation-slots",
        params={"lang": "uk", **params},
        headers={"X-Resident-Link": entry_link(settings)},
    )
    assert _error_at(answer, "query", field)["msg"] == DAYS_ACCEPTED


async def test_staff_slots__a_far_day_is_422(client: AsyncClient, auth: dict[str, dict[str, str]]) -> None:
    answer = await client.get(
        "/api/v1/reservation-slots", params={"lang": "uk", "from": "9999-12-20"}, headers=auth["counselor"]
    )
    assert _error_at(answer, "query", "from")["msg"] == DAYS_ACCEPTED


async def test_resident_booking__a_start_in_year_9999_is_422(client: AsyncClient, settings: Settings) -> None:
    answer = await client.post(
        "/api/v1/resident/reservations",
        json={"language": "uk", "starts_at": "9999-12-31T23:00:00-05:00"},
        headers={"X-Resident-Link": entry_link(settings), "Idempotency-Key": "bounds-far-start"},
    )
    assert _error_at(answer, "body", "starts_at")["msg"] == "a time from 2000-01-01 to 2099-12-31 is accepted"


async def test_booking_form__a_start_in_year_9999_shows_the_form_again(
    client: AsyncClient, settings: Settings
) -> None:
    answer = await client.post(
        f"/r/{entry_link(settings)}/reserve",
        data={"key": "bounds-form-key", "starts_at": "9999-12-31T23:00:00-05:00", "channel": "video"},
    )
    assert answer.status_code == 422, answer.text
    assert "text/html" in answer.headers["content-type"]


async def test_phone_log__an_end_in_year_1_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    body = {"language": "en", "topics": ["tax"], "duration_minutes": 600, "ended_at": "0001-01-01T00:05:00"}
    answer = await client.post("/api/v1/console/phone-consultations", json=body, headers=auth["counselor"])
    _error_at(answer, "body", "ended_at")


async def test_media_change__a_time_in_year_9999_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    case = await _case(client, auth)
    answer = await client.post(
        f"/api/v1/consultations/{case}/media-changes",
        json={"at": "9999-12-31T23:59:59-12:00", "from_media": "video", "to_media": "audio"},
        headers=auth["counselor"],
    )
    _error_at(answer, "body", "at")


@pytest.mark.parametrize("params", [{"to": "9999-12"}, {"from": "9999-01", "to": "9999-12"}])
async def test_reports__a_month_in_year_9999_is_422(
    client: AsyncClient, auth: dict[str, dict[str, str]], params: dict[str, str]
) -> None:
    answer = await client.get("/api/v1/reports/dashboard", params=params, headers=auth["admin"])
    assert answer.status_code == 422, answer.text
    assert "2099-12" in answer.text
