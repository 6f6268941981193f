"""A resident's own device, no account: desk status in their language, and a throttled, idempotent request."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from app.i18n import translator
from app.main import create_app
from tests.conftest import TEST_NOW, open_desk_settings, pinned_clock, resident_link


async def test_desk_status__open_desk_in_nepali(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/resident/desk?lang=ne")).json()
    assert body["open_now"] is True and body["next_opening_at"] is None
    # open, but nobody is signed in to serve Nepali: said so, with no opening to wait for
    assert body["messages"]["title"] == translator("ne").t("closed.not_now")
    assert (body["language_status"], body["language_opens_at"]) == ("closed", None)
    assert "।" in body["messages"]["hours"]  # written in Nepali, with the danda
    assert body["languages"]["uk"] == "book_ahead" and len(body["languages"]) == 15


async def test_desk_status__closed_desk_says_when_it_opens(database_url: str) -> None:
    settings = open_desk_settings(database_url, desk_phone="086-000-0000")  # open 06:00-20:00
    after_hours = TEST_NOW.replace(hour=21, minute=30)
    app = create_app(settings, clock=pinned_clock(after_hours))
    from httpx import ASGITransport

    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        body = (
            await client.get("/api/v1/resident/desk", headers={"Accept-Language": "th-TH,th;q=0.9"})
        ).json()
    assert body["language"] == "th" and body["open_now"] is False
    assert body["next_opening_at"] is not None
    assert {"title", "next", "hours", "call"} <= set(body["messages"])
    assert "086-000-0000" in body["messages"]["call"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in body["messages"]["title"])  # Thai script


async def test_desk_status__unknown_language_is_422_with_the_list(client: AsyncClient) -> None:
    response = await client.get("/api/v1/resident/desk?lang=xx")
    assert response.status_code == 422
    assert "ne" in response.json()["detail"][0]["ctx"]["accepted"]


async def test_intake__video_request_is_routed_and_carries_a_watch_ticket(client: AsyncClient) -> None:
    headers = {"Idempotency-Key": "resident-home-0001"}
    first = await client.post(
        "/api/v1/resident/consultations", json={"language": "pt", "link": resident_link()}, headers=headers
    )
    again = await client.post(
        "/api/v1/resident/consultations", json={"language": "pt", "link": resident_link()}, headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "queued" and first.json()["live"]["position"] == 1
    assert first.json()["live"]["watch_ticket"]
    assert "personal" not in first.json()


async def test_intake__bad_input_is_a_clear_422(client: AsyncClient) -> None:
    unknown = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "xx", "link": resident_link()},
        headers={"Idempotency-Key": "resident-bad-01"},
    )
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "language"]
    no_key = await client.post(
        "/api/v1/resident/consultations", json={"language": "pt", "link": resident_link()}
    )
    assert no_key.status_code == 422


@pytest.fixture
def throttled_settings(database_url: str) -> Settings:
    return open_desk_settings(database_url, resident_intake_limit=2, resident_intake_window_seconds=600)


async def test_intake__flooding_is_throttled_in_the_residents_language(
    throttled_settings: Settings, clock: ControlledClock
) -> None:
    from httpx import ASGITransport

    app = create_app(throttled_settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        statuses = []
        for n in range(3):
            response = await client.post(
                "/api/v1/resident/consultations",
                json={"language": "vi", "link": resident_link()},
                headers={"Idempotency-Key": f"flood-{n:08d}", "Accept-Language": "vi"},
            )
            statuses.append(response.status_code)
    assert statuses == [201, 201, 429]
    assert response.json()["retry_after_s"] > 0
    assert int(response.headers["retry-after"]) == response.json()["retry_after_s"]
    assert response.json()["detail"] == translator("vi").t("error.rate_limited")
    assert response.json()["detail"] != translator("en").t("error.rate_limited")


def test_sliding_window__limits_per_key_and_frees_up_as_time_passes() -> None:
    from app.resident.throttle import SlidingWindow

    window = SlidingWindow(limit=2, window_s=10)
    assert window.hit("a", 0) is None and window.hit("a", 1) is None
    assert window.hit("a", 2) == pytest.approx(8)
    assert window.hit("b", 2) is None  # another address is not affected
    assert window.hit("a", 10.5) is None  # the first hit has left the window
