"""The admin API cuts off open websockets at once (issue 17, Staff and Counter devices): disabling an account
through /api/v1/admin closes that account's open /ws with 1008 and leaves other people's open; revoking a
device closes the tablet's. Against a real uvicorn, as tests/socket/test_socket_revocation.py does."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.device.models import Device
from app.main import create_app
from app.staff.models import StaffUser
from tests.browser_support import LiveServer, live_server
from tests.socket.test_socket_revocation import (
    CLOSE_POLICY,
    _bearer_socket,
    _closed_by_server,
    _cookie,
    _cookie_socket,
)

pytestmark = pytest.mark.slow  # a real server: seconds, not milliseconds


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with live_server(create_app(settings)) as running:
        yield running


async def test_admin_api_disable__closes_the_accounts_open_sockets(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    user_id = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    async with httpx.AsyncClient(base_url=server.url) as http:
        cookie, _csrf = await _cookie(http, "counselor")
        by_cookie = await _cookie_socket(server, cookie)
        by_token = await _bearer_socket(server, auth["counselor"])
        other = await _bearer_socket(server, auth["admin"])

        disabled = await http.post(f"/api/v1/admin/staff/{user_id}/disable", headers=auth["admin"])
        assert disabled.status_code == 200, disabled.text

        assert await _closed_by_server(by_cookie) == CLOSE_POLICY
        assert await _closed_by_server(by_token) == CLOSE_POLICY
        await other.send(json.dumps({"type": "heartbeat"}))  # the admin's own socket stays open
        assert (await http.get("/api/v1/auth/me", headers=auth["counselor"])).status_code == 401
        assert (await http.get("/api/v1/auth/me", headers={"Cookie": cookie})).status_code == 401
        await other.close()


async def test_admin_api_disable_by_a_coordinator__is_refused_and_closes_nothing(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    user_id = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    async with httpx.AsyncClient(base_url=server.url) as http:
        ws = await _bearer_socket(server, auth["counselor"])
        refused = await http.post(f"/api/v1/admin/staff/{user_id}/disable", headers=auth["coordinator"])
        assert refused.status_code == 403, refused.text
        await ws.send(json.dumps({"type": "heartbeat"}))
        assert (await http.get("/api/v1/auth/me", headers=auth["counselor"])).status_code == 200
        await ws.close()


async def test_admin_api_revoke_device__closes_the_tablets_open_socket(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    device_id = await db.scalar(select(Device.id).where(Device.name == "desk_device"))
    tablet = await _bearer_socket(server, auth["desk_device"])
    other = await _bearer_socket(server, auth["soja_device"])
    async with httpx.AsyncClient(base_url=server.url) as http:
        revoked = await http.post(f"/api/v1/admin/devices/{device_id}/revoke", headers=auth["admin"])
        assert revoked.status_code == 200, revoked.text
        assert await _closed_by_server(tablet) == CLOSE_POLICY
        await other.send(json.dumps({"type": "heartbeat"}))
        assert (await http.get("/api/v1/tablet/context", headers=auth["desk_device"])).status_code == 401
        assert (await http.get("/api/v1/tablet/context", headers=auth["soja_device"])).status_code == 200
    await other.close()
