"""Call transfer over real websockets (uvicorn): when an admin hands a call to counselor B, B's console gets
the room invitation and A's console is told the call was handed over (so it leaves the room)."""

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
from tests.conftest import PASSWORD, open_desk_settings

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "transfer.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(open_desk_settings(f"sqlite+aiosqlite:///{path}"))
    with live_server(app) as running:
        yield running


async def _prepare(url: str) -> tuple[int, int, str]:
    from sqlalchemy import select

    from app.auth.service import register_device
    from app.db import create_engine, create_sessionmaker
    from app.enums import Role
    from app.geography.models import Site
    from app.staff.service import create_user

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            first = await create_user(
                session, username="cns-a", password=PASSWORD, role=Role.counselor, language_codes=["ja"]
            )
            second = await create_user(
                session, username="cns-b", password=PASSWORD, role=Role.counselor, language_codes=["ja"]
            )
            await create_user(session, username="adm", password=PASSWORD, role=Role.admin)
            site = await session.scalar(select(Site).where(Site.code == "kurashiki-desk"))
            assert site is not None
            token, _ = await register_device(session, site.id, "desk tablet")
            await session.commit()
            return first.id, second.id, token
    finally:
        await engine.dispose()


async def _sign_in(http: httpx.AsyncClient, username: str) -> tuple[str, str]:
    response = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.cookies["madoguchi_session"], response.json()["csrf_token"]


async def _next(ws: Any, kind: str, within: float = 5.0) -> dict[str, Any]:
    """The next frame of this type (others, such as queue.changed, are skipped)."""
    async with asyncio.timeout(within):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def test_console_transfer_ws__invitation_reaches_b_and_a_is_told_to_leave(server: LiveServer) -> None:
    url = server.server.config.app.state.settings.database_url
    _first_id, second_id, device_token = await _prepare(url)
    ws_url = server.url.replace("http", "ws") + "/ws"
    async with httpx.AsyncClient(base_url=server.url) as http:
        first_cookie, _ = await _sign_in(http, "cns-a")
        second_cookie, _ = await _sign_in(http, "cns-b")
        admin_cookie, admin_csrf = await _sign_in(http, "adm")
        async with (
            websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={first_cookie}"}
            ) as a,
            websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={second_cookie}"}
            ) as b,
        ):
            assert (await _next(a, "hello"))["role"] == "counselor"
            assert (await _next(b, "hello"))["role"] == "counselor"
            await a.send(json.dumps({"type": "presence", "state": "available"}))
            await asyncio.sleep(0.3)
            created = await http.post(
                "/api/v1/consultations",
                json={"channel": "counter", "language": "ja"},
                headers={"Authorization": f"Bearer {device_token}"},
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["id"]
            first_invite = await _next(a, "room.invite")
            assert (first_invite["consultation_id"], first_invite["role"]) == (case_id, "counselor")
            await b.send(json.dumps({"type": "presence", "state": "available"}))
            await asyncio.sleep(0.3)

            http.cookies.clear()
            http.cookies.set("madoguchi_session", admin_cookie)  # an admin moves it, not counselor A
            moved = await http.post(
                f"/api/v1/consultations/{case_id}/transfer",
                json={"to_counselor_id": second_id},
                headers={"X-CSRF-Token": admin_csrf},
            )
            assert moved.status_code == 204, moved.text
            invite = await _next(b, "room.invite")
            assert (invite["consultation_id"], invite["role"], invite["room_id"]) == (
                case_id,
                "counselor",
                first_invite["room_id"],
            )
            handed = await _next(a, "call.transferred")
            assert (handed["consultation_id"], handed["to_counselor_id"]) == (case_id, str(second_id))
            # B joins the running room with the invitation's token
            await b.send(
                json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": invite["token"]})
            )
            joined = await _next(b, "room.joined")
            assert joined["room_id"] == invite["room_id"]
