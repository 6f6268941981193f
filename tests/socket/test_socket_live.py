"""The websocket against a real uvicorn: a bearer counselor's presence, replaced connections, and residents'
screens that go away (or keep beating). The service's clock is frozen; the test moves it, and only waits for
the service's own one-second sweeper to notice, never for a grace to pass."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from app.auth.service import issue_api_token, register_device
from app.clock import ControlledClock
from app.db import create_engine, create_sessionmaker
from app.enums import Role
from app.geography.models import Site
from app.main import create_app
from app.staff.service import create_user
from tests.browser_support import LiveServer, live_server
from tests.conftest import PASSWORD, open_desk_settings, pinned_clock

pytestmark = pytest.mark.slow  # a real server: seconds, not milliseconds

GONE_S = 60


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(running=False)


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path, clock: ControlledClock) -> Iterator[LiveServer]:
    path = tmp_path / "socket.db"
    shutil.copyfile(sqlite_template, path)
    settings = open_desk_settings(
        f"sqlite+aiosqlite:///{path}", resident_gone_seconds=GONE_S, heartbeat_timeout_seconds=10
    )
    with live_server(create_app(settings, clock=clock)) as running:
        yield running


async def _tokens(server: LiveServer) -> dict[str, str]:
    engine = create_engine(server.server.config.app.state.settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            counselor = await create_user(
                session, username="cns", password=PASSWORD, role=Role.counselor, language_codes=["ja", "en"]
            )
            site = await session.scalar(select(Site).where(Site.code == "kurashiki-desk"))
            assert site is not None
            device, _ = await register_device(session, site.id, "tablet")
            tokens = {"counselor": await issue_api_token(session, counselor, "api"), "device": device}
            await session.commit()
            return tokens
    finally:
        await engine.dispose()


async def _next(ws: Any, kind: str, within: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        yield client


async def _signed_in(ws: Any, token: str) -> None:
    await _next(ws, "hello")
    await ws.send(json.dumps({"type": "hello", "token": token}))
    assert (await _next(ws, "hello"))["role"] in ("counselor", "device")


async def _eventually(check: Any, within: float = 5.0) -> None:
    """The service's sweeper runs every second of real time: give it a few to notice the moved clock."""
    for _ in range(int(within * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{check.__name__} did not come true within {within} s")


async def test_bearer_counselor__hello_then_presence_is_available_not_a_crash(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    tokens = await _tokens(server)
    bearer = {"Authorization": f"Bearer {tokens['counselor']}"}
    url = server.url.replace("http", "ws") + "/ws"
    async with websockets.connect(url) as first:
        await _signed_in(first, tokens["counselor"])
        await first.send(json.dumps({"type": "presence", "state": "available"}))
        await first.send(json.dumps({"type": "heartbeat"}))

        async def free() -> bool:
            roster = (await http.get("/api/v1/queue", headers=bearer)).json()["counselors"]
            return [c["state"] for c in roster] == ["free"]

        await _eventually(free)

        async with websockets.connect(url) as second:  # the same counselor on a newer socket
            await _signed_in(second, tokens["counselor"])
            await first.send(json.dumps({"type": "presence", "state": "away"}))
            error = await _next(first, "error")
            assert error["code"] == "not_connected" and "reconnect" in error["message"]
            await first.send(json.dumps({"type": "heartbeat"}))  # the socket is still open, not 1011
            await second.send(json.dumps({"type": "presence", "state": "away"}))

            async def away() -> bool:
                roster = (await http.get("/api/v1/queue", headers=bearer)).json()["counselors"]
                return [c["state"] for c in roster] == ["away"]

            await _eventually(away)
        assert first.close_code is None


async def test_residents_screen__gone_is_let_go_and_beating_is_kept(
    server: LiveServer, http: httpx.AsyncClient, clock: ControlledClock
) -> None:
    tokens = await _tokens(server)
    device = {"Authorization": f"Bearer {tokens['device']}"}
    counselor = {"Authorization": f"Bearer {tokens['counselor']}"}
    ids = []
    for n in range(2):  # Thai: nobody can serve it yet, both wait
        created = await http.post(
            "/api/v1/consultations",
            json={"channel": "counter", "language": "th"},
            headers={**device, "Idempotency-Key": f"socket-live-{n}"},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    url = server.url.replace("http", "ws") + "/ws"

    async def status(case_id: str) -> str:
        read = await http.get(f"/api/v1/consultations/{case_id}", headers=counselor)
        return str(read.json()["status"])

    async with websockets.connect(url) as staying:
        await _signed_in(staying, tokens["device"])
        await staying.send(json.dumps({"type": "watch", "consultation_id": ids[1]}))
        await _next(staying, "watching")
        async with websockets.connect(url) as leaving:
            await _signed_in(leaving, tokens["device"])
            await leaving.send(json.dumps({"type": "watch", "consultation_id": ids[0]}))
            await _next(leaving, "watching")
        # the first tablet's page is closed; the second one beats every 15 seconds of the service's time
        for _ in range(8):
            clock.advance(15)
            await staying.send(json.dumps({"type": "heartbeat"}))
            await staying.send(json.dumps({"type": "watch", "consultation_id": ids[1]}))
            await _next(staying, "watching")  # the beat has been heard before the clock moves on

        async def let_go() -> bool:
            return await status(ids[0]) == "abandoned"

        await _eventually(let_go)
        assert await status(ids[1]) != "abandoned"


async def _accounts(server: LiveServer, http: httpx.AsyncClient) -> tuple[Any, ...]:
    """A counselor (ja), a Nepali interpreter and a Soja tablet: (device token, counselor and interpreter
    session cookies as headers)."""
    from tests.live.test_live_websocket import _prepare, _sign_in

    device_token = await _prepare(server.server.config.app.state.settings.database_url)
    counselor_cookie, _ = await _sign_in(http, "cns")
    interpreter_cookie, _ = await _sign_in(http, "itp")
    return (
        device_token,
        {"Cookie": f"madoguchi_session={counselor_cookie}"},
        {"Cookie": f"madoguchi_session={interpreter_cookie}"},
    )


async def _join(ws: Any, invite: dict[str, Any]) -> None:
    await ws.send(json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": invite["token"]}))
    assert (await _next(ws, "room.joined"))["role"] == invite["role"]


@pytest.mark.parametrize("comes_back", [True, False])
async def test_reload_mid_call__kept_within_the_grace_and_re_offered_after_it(
    server: LiveServer, http: httpx.AsyncClient, clock: ControlledClock, comes_back: bool
) -> None:
    device_token, as_counselor, as_interpreter = await _accounts(server, http)
    url = server.url.replace("http", "ws") + "/ws"

    async def calls() -> list[dict[str, Any]]:
        body = (await http.get("/api/v1/queue", headers=as_counselor)).json()
        return list(body["calls"]) + [{"reoffer": e["request_id"]} for e in body["queue"] if e["reoffer"]]

    async with websockets.connect(url, additional_headers=as_counselor) as counselor:
        await _next(counselor, "hello")
        await counselor.send(json.dumps({"type": "presence", "state": "available"}))
        first = await websockets.connect(url, additional_headers=as_interpreter)
        await _next(first, "hello")
        await first.send(json.dumps({"type": "presence", "state": "available"}))
        await first.send(json.dumps({"type": "heartbeat"}))
        await counselor.send(json.dumps({"type": "heartbeat"}))
        await asyncio.sleep(0.3)
        created = await http.post(
            "/api/v1/consultations",
            json={"channel": "satellite", "language": "ne"},
            headers={"Authorization": f"Bearer {device_token}", "Idempotency-Key": f"reload-{comes_back}"},
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        offer = await _next(first, "offer")
        await first.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
        await _join(first, await _next(first, "room.invite"))
        await _join(counselor, await _next(counselor, "room.invite"))
        ((call,),) = [await calls()]
        interpreter_id = call["interpreter_id"]
        await first.close()  # the interpreter reloads the page mid-call
        assert (await _next(counselor, "room.peer_left"))["role"] == "interpreter"

        clock.advance(20)  # within the 30 s rejoin grace
        await counselor.send(json.dumps({"type": "heartbeat"}))
        if comes_back:
            async with websockets.connect(url, additional_headers=as_interpreter) as again:
                await _next(again, "hello")
                invite = await _next(again, "room.invite")  # the same room, no new offer anywhere
                assert invite["consultation_id"] == case_id
                await _join(again, invite)
                for _ in range(4):  # well past the grace, heartbeating
                    clock.advance(10)
                    await again.send(json.dumps({"type": "heartbeat"}))
                    await counselor.send(json.dumps({"type": "heartbeat"}))
                    await asyncio.sleep(0.4)  # the service's sweeper runs every second
                await asyncio.sleep(1.2)
                assert [c.get("interpreter_id") for c in await calls()] == [interpreter_id]
        else:
            clock.advance(11)  # past the grace without coming back

            async def re_offered() -> bool:
                return {"reoffer": case_id} in await calls()

            await counselor.send(json.dumps({"type": "heartbeat"}))
            await _eventually(re_offered)
            (call,) = [c for c in await calls() if "request_id" in c]
            assert call["interpreter_id"] is None and call["awaiting_interpreter"]
