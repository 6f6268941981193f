"""Open websockets lose their permission with the credential (issue 18, High 2): sign-out, a disabled account
and a revoked device close the sockets they opened; a socket that missed the close is refused at its next
privileged frame; chat reads over the socket are audited. Against a real uvicorn, as the finding was made."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.audit.models import AuditEvent
from app.auth.revocation import revoke_account, revoke_device
from app.config import Settings
from app.device.models import Device
from app.main import create_app
from app.staff.models import StaffUser
from tests.app.test_cli import _run
from tests.browser_support import LiveServer, live_server
from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow  # a real server: seconds, not milliseconds

Frame = dict[str, Any]
WITHIN_S = 10
CLOSE_POLICY = 1008


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with live_server(create_app(settings)) as running:
        yield running


def _ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


async def _until(ws: ClientConnection, kind: str) -> Frame:
    async with asyncio.timeout(WITHIN_S):
        while True:
            frame: Frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame


async def _closed_by_server(ws: ClientConnection) -> int | None:
    """Read (and drop) whatever still comes until the server closes the socket; its close code."""
    async with asyncio.timeout(WITHIN_S):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None


async def _on_server(server: LiveServer, work: Callable[[Any], Awaitable[None]]) -> None:
    """Run `work(app)` on the server's own event loop (where its hub and sockets live), as an admin route
    would."""
    app = server.server.config.app
    loop = server.server.servers[0].get_loop()
    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work(app), loop))


async def _bearer_socket(server: LiveServer, headers: dict[str, str]) -> ClientConnection:
    ws = await websockets.connect(_ws_url(server))
    await _until(ws, "hello")
    await ws.send(json.dumps({"type": "hello", "token": headers["Authorization"].removeprefix("Bearer ")}))
    assert (await _until(ws, "hello"))["role"]
    return ws


async def _cookie(http: httpx.AsyncClient, username: str) -> tuple[str, str]:
    """Sign in through the API: the session cookie header and its CSRF token."""
    login = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    cookie = f"madoguchi_session={login.cookies['madoguchi_session']}"
    http.cookies.clear()
    return cookie, login.json()["csrf_token"]


async def _cookie_socket(server: LiveServer, cookie: str) -> ClientConnection:
    ws = await websockets.connect(_ws_url(server), additional_headers={"Cookie": cookie})
    assert (await _until(ws, "hello"))["role"] == "counselor"
    return ws


async def _open_case(http: httpx.AsyncClient, device: dict[str, str]) -> str:
    intake = await http.post(
        "/api/v1/consultations",
        json={"channel": "video", "language": "en", "resident_municipality": "33202"},
        headers=device,
    )
    assert intake.status_code == 201, intake.text
    case_id: str = intake.json()["id"]
    return case_id


async def test_revoked_device__its_open_socket_closes_and_its_token_is_refused(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    device_id = await db.scalar(select(Device.id).where(Device.name == "desk_device"))
    assert device_id is not None
    tablet = await _bearer_socket(server, auth["desk_device"])
    other = await _bearer_socket(server, auth["soja_device"])

    async def revoke(app: Any) -> None:
        async with app.state.sessionmaker() as session:
            await revoke_device(session, app.state.hub, device_id, app.state.clock.now())

    await _on_server(server, revoke)
    assert await _closed_by_server(tablet) == CLOSE_POLICY
    await other.send(json.dumps({"type": "heartbeat"}))  # another device's socket stays open
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/api/v1/tablet/context", headers=auth["desk_device"])).status_code == 401
        assert (await http.get("/api/v1/tablet/context", headers=auth["soja_device"])).status_code == 200
    again = await websockets.connect(_ws_url(server))
    await _until(again, "hello")
    await again.send(json.dumps({"type": "hello", "token": auth["desk_device"]["Authorization"][7:]}))
    assert (await _until(again, "error"))["code"] == "bad_token"
    await again.close()
    await other.close()


async def test_disabled_account__every_socket_of_it_closes_cookie_and_bearer(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    user_id = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    assert user_id is not None
    async with httpx.AsyncClient(base_url=server.url) as http:
        cookie, _csrf = await _cookie(http, "counselor")
        by_cookie = await _cookie_socket(server, cookie)
        by_token = await _bearer_socket(server, auth["counselor"])
        admin = await _bearer_socket(server, auth["admin"])

        async def disable(app: Any) -> None:
            async with app.state.sessionmaker() as session:
                await revoke_account(session, app.state.hub, user_id, app.state.clock.now())

        await _on_server(server, disable)
        assert await _closed_by_server(by_cookie) == CLOSE_POLICY
        assert await _closed_by_server(by_token) == CLOSE_POLICY
        await admin.send(json.dumps({"type": "heartbeat"}))  # someone else's socket stays open
        assert (await http.get("/api/v1/auth/me", headers=auth["counselor"])).status_code == 401
        assert (await http.get("/api/v1/auth/me", headers={"Cookie": cookie})).status_code == 401
        login = await http.post("/api/v1/auth/login", json={"username": "counselor", "password": PASSWORD})
        assert login.status_code == 401
        await admin.close()


async def test_logout__closes_the_sockets_of_that_session_only(
    server: LiveServer, auth: dict[str, dict[str, str]]
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        case_id = await _open_case(http, auth["desk_device"])
        cookie, csrf = await _cookie(http, "counselor")
        other_cookie, _ = await _cookie(http, "counselor")  # the same person on another browser
        leaving = await _cookie_socket(server, cookie)
        staying = await _cookie_socket(server, other_cookie)
        out = await http.post("/api/v1/auth/logout", headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        assert out.status_code == 204, out.text
        assert await _closed_by_server(leaving) == CLOSE_POLICY
        await staying.send(json.dumps({"type": "chat.join", "consultation_id": case_id}))
        assert (await _until(staying, "chat.joined"))["consultation_id"] == case_id
        await staying.close()


async def test_revoked_but_not_closed__the_next_privileged_frame_is_refused(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    """A socket that missed the close (another process, a lost relay) still cannot read: chat.join re-checks
    the credential first, and the socket closes instead of answering with the transcript."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        case_id = await _open_case(http, auth["desk_device"])
    ws = await _bearer_socket(server, auth["counselor"])
    await db.execute(update(StaffUser).where(StaffUser.username == "counselor").values(active=False))
    await db.commit()  # the database only: nobody told the hub
    await ws.send(json.dumps({"type": "heartbeat"}))  # not privileged: nothing to re-check
    await ws.send(json.dumps({"type": "chat.join", "consultation_id": case_id}))
    assert await _closed_by_server(ws) == CLOSE_POLICY


async def test_chat_join_over_the_socket__is_audited_like_the_http_read(
    server: LiveServer, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        case_id = await _open_case(http, auth["desk_device"])
        ws = await _bearer_socket(server, auth["counselor"])
        await ws.send(json.dumps({"type": "chat.join", "consultation_id": case_id}))
        await _until(ws, "chat.joined")
        await ws.close()
    counselor_id = await db.scalar(select(StaffUser.id).where(StaffUser.username == "counselor"))
    reads = (
        await db.scalars(
            select(AuditEvent).where(AuditEvent.action == "chat.read", AuditEvent.entity_id == case_id)
        )
    ).all()
    assert [(r.actor_kind, r.actor_id, r.detail) for r in reads] == [
        ("staff", str(counselor_id), {"via": "socket"})
    ]


@pytest.fixture
def swept_server(settings: Settings) -> Iterator[LiveServer]:
    """A server that sweeps its sockets' credentials five times a second (the default is every 10 s)."""
    swept = settings.model_copy(update={"credential_sweep_seconds": 0.2})
    with live_server(create_app(swept)) as running:
        yield running


async def test_disabled_from_the_command_line__its_socket_closes_by_itself(
    swept_server: LiveServer, settings: Settings, auth: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """`madoguchi admin disable-user` runs in its own process and cannot reach the server's hub: the server's
    credential sweep notices and closes the socket, without waiting for the socket's next privileged frame."""
    ws = await _bearer_socket(swept_server, auth["counselor"])
    admin = await _bearer_socket(swept_server, auth["admin"])
    done = await asyncio.to_thread(
        _run,
        ["admin", "disable-user", "counselor"],
        tmp_path,
        MADOGUCHI_DATABASE_URL=settings.database_url,
    )
    assert done.returncode == 0, done.stderr
    assert await _closed_by_server(ws) == CLOSE_POLICY
    await asyncio.sleep(1)  # five more sweeps: they close nobody else's socket
    await asyncio.wait_for(await admin.ping(), WITHIN_S)
    await admin.close()
