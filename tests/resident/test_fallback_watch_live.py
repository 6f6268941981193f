"""Fallback choices are part of the watched case, over a real websocket against a real uvicorn: a watcher
that connects after routing decided is told them first, from the tablet or the resident's own device, and
the resident's choice (with their watch ticket) ends the case for every watcher."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from app.main import create_app
from tests.browser_support import LiveServer, live_server
from tests.conftest import open_desk_settings, resident_link

pytestmark = pytest.mark.slow  # a real server: seconds, not milliseconds


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "fallback.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(open_desk_settings(f"sqlite+aiosqlite:///{path}"))
    with live_server(app) as running:
        yield running


async def _device_token(url: str) -> str:
    from sqlalchemy import select

    from app.auth.service import register_device
    from app.db import create_engine, create_sessionmaker
    from app.geography.models import Site

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            site = await session.scalar(select(Site).where(Site.code == "kurashiki-desk"))
            assert site is not None
            token, _ = await register_device(session, site.id, "desk tablet")
            await session.commit()
            return token
    finally:
        await engine.dispose()


async def _next(ws: Any, kind: str, within: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def test_fallback__on_first_watch_for_resident_and_tablet_then_chosen_by_the_resident(
    server: LiveServer,
) -> None:
    ws_url = server.url.replace("http", "ws") + "/ws"
    device_token = await _device_token(server.server.config.app.state.settings.database_url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        # nobody interprets Thai or French: routing offers the fallbacks at once, before anyone watches
        thai = await http.post(
            "/api/v1/resident/consultations",
            json={"language": "th", "link": resident_link()},
            headers={"Idempotency-Key": "late-watch-th-01", "Accept-Language": "th"},
        )
        assert thai.status_code == 201, thai.text
        thai_id, ticket = thai.json()["id"], thai.json()["live"]["watch_ticket"]
        french = await http.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "fr"},
            headers={"Authorization": f"Bearer {device_token}", "Idempotency-Key": "late-watch-fr-01"},
        )
        assert french.status_code == 201, french.text
        french_id = french.json()["id"]

        async with websockets.connect(ws_url) as resident, websockets.connect(ws_url) as tablet:
            await _next(resident, "hello")
            await resident.send(json.dumps({"type": "watch", "consultation_id": thai_id, "ticket": ticket}))
            watching = await _next(resident, "watching")
            assert watching["status"] == "queued"
            assert watching["fallback"]["reason"] == "no_interpreter"
            assert watching["fallback"]["queued"] is True  # still in the queue: waiting on is a choice
            assert "reservation" in watching["fallback"]["options"]

            await _next(tablet, "hello")
            await tablet.send(json.dumps({"type": "hello", "token": device_token}))
            assert (await _next(tablet, "hello"))["role"] == "device"
            await tablet.send(json.dumps({"type": "watch", "consultation_id": french_id}))
            french_watch = await _next(tablet, "watching")
            assert french_watch["fallback"]["reason"] == "no_interpreter"

            # the resident takes a reservation instead of waiting, holding only their watch ticket
            taken = await http.post(
                f"/api/v1/consultations/{thai_id}/chat/accept-fallback",
                json={"option": "reservation"},
                headers={"X-Watch-Ticket": ticket},
            )
            assert taken.status_code == 200, taken.text
            assert (await _next(resident, "status"))["status"] == "fallback"

            # a watcher arriving now is told the case ended: no choices left to offer
            async with websockets.connect(ws_url) as late:
                await _next(late, "hello")
                await late.send(json.dumps({"type": "watch", "consultation_id": thai_id, "ticket": ticket}))
                ended = await _next(late, "watching")
                assert (ended["status"], ended["fallback"]) == ("fallback", None)
