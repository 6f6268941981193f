"""The device check over the real API: an aiortc participant plays the browser and reads its figures."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from app.config import Mode, Settings
from app.main import create_app
from realtime.testing.bot import Bot
from tests.conftest import TEST_SECRET


@pytest.fixture
async def media_client(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    path = tmp_path / "m.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        mode=Mode.dev, database_url=f"sqlite+aiosqlite:///{path}", secret_key=TEST_SECRET, loopback_media=True
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


async def test_device_check__echoes_media_and_reports_figures(media_client: AsyncClient) -> None:
    async with Bot(name="tablet") as bot:
        offer = await bot.create_offer()
        response = await media_client.post("/api/v1/device-check", json={"type": "offer", "sdp": offer})
        assert response.status_code == 201, response.text
        session_id = response.json()["session_id"]
        await bot.accept_answer(response.json()["sdp"])
        await bot.wait_first_frame("video", within_s=10)
        report: dict[str, object] = {}
        for _ in range(40):
            report = (await media_client.get(f"/api/v1/device-check/{session_id}")).json()
            if (
                report.get("audio_ok")
                and report.get("video_ok")
                and report.get("round_trip_time_s") is not None
            ):
                break
            await asyncio.sleep(0.25)
        assert report["audio_ok"] is True and report["video_ok"] is True
        assert isinstance(report["round_trip_time_s"], float) and report["round_trip_time_s"] < 1.0
        assert (await media_client.delete(f"/api/v1/device-check/{session_id}")).status_code == 204
        assert (await media_client.get(f"/api/v1/device-check/{session_id}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "offer", "sdp": "this is not sdp at all"}, 422),
        ({"type": "answer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"}, 422),
        ({"type": "offer"}, 422),
    ],
)
async def test_device_check__bad_offers_are_422(
    media_client: AsyncClient, body: dict[str, str], status: int
) -> None:
    response = await media_client.post("/api/v1/device-check", json=body)
    assert response.status_code == status
    assert response.json()["detail"]
