"""Pushes over a real websocket against a real uvicorn: offers reach the interpreter, invitations everyone."""

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
    path = tmp_path / "live.db"
    shutil.copyfile(sqlite_template, path)
    # no rejoin grace: a console that closes mid-call has left it at once (the grace: test_live_truthful_desk)
    app = create_app(open_desk_settings(f"sqlite+aiosqlite:///{path}", rejoin_grace_seconds=0))
    with live_server(app) as running:
        yield running


async def _sign_in(http: httpx.AsyncClient, username: str) -> tuple[str, str]:
    response = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.cookies["madoguchi_session"], response.json()["csrf_token"]


async def _prepare(url: str) -> str:
    from sqlalchemy import select

    from app.auth.service import register_device
    from app.db import create_engine, create_sessionmaker
    from app.enums import Role
    from app.geography.models import Site
    from app.interpreter.models import Interpreter
    from app.language.models import Language
    from app.staff.service import create_user

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            await create_user(
                session, username="cns", password=PASSWORD, role=Role.counselor, language_codes=["ja"]
            )
            user = await create_user(session, username="itp", password=PASSWORD, role=Role.interpreter)
            ne = list((await session.scalars(select(Language).where(Language.code == "ne"))).all())
            session.add(Interpreter(display_name="Sita", vendor="A", staff_user_id=user.id, languages=ne))
            site = await session.scalar(select(Site).where(Site.code == "soja-counter"))
            assert site is not None
            token, _ = await register_device(session, site.id, "soja tablet")
            await session.commit()
            return token
    finally:
        await engine.dispose()


async def _next(ws: Any, kind: str, within: float = 5.0) -> dict[str, Any]:
    """The next frame of this type (others, such as queue.changed, are skipped)."""
    async with asyncio.timeout(within):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def test_offer_and_invitations__reach_the_right_people(server: LiveServer) -> None:
    url = server.server.config.app.state.settings.database_url
    device_token = await _prepare(url)
    ws_url = server.url.replace("http", "ws") + "/ws"
    async with httpx.AsyncClient(base_url=server.url) as http:
        counselor_cookie, csrf = await _sign_in(http, "cns")
        interpreter_cookie, _ = await _sign_in(http, "itp")
        async with (
            websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={counselor_cookie}"}
            ) as counselor,
            websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={interpreter_cookie}"}
            ) as interp,
            websockets.connect(ws_url) as tablet,
        ):
            assert (await _next(counselor, "hello"))["role"] == "counselor"
            assert (await _next(interp, "hello"))["role"] == "interpreter"
            await _next(tablet, "hello")
            await tablet.send(json.dumps({"type": "hello", "token": device_token}))
            assert (await _next(tablet, "hello"))["role"] == "device"
            await counselor.send(json.dumps({"type": "presence", "state": "available"}))
            await interp.send(json.dumps({"type": "presence", "state": "available"}))
            await asyncio.sleep(0.3)

            created = await http.post(
                "/api/v1/consultations",
                json={
                    "channel": "satellite",
                    "language": "ne",
                    "resident_municipality": "33208",
                    "topic_hint": "tax",
                    "personal": {"resident_name": "Ram Bahadur"},
                },
                headers={"Authorization": f"Bearer {device_token}", "Idempotency-Key": "ws-test-00000001"},
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["id"]
            await tablet.send(json.dumps({"type": "watch", "consultation_id": case_id}))
            watching = await _next(tablet, "watching")
            assert watching["status"] == "offered"

            offer = await _next(interp, "offer")
            assert (offer["consultation_id"], offer["language"], offer["channel"]) == (
                case_id,
                "ne",
                "satellite",
            )
            assert (offer["municipality"], offer["topic_hint"]) == ("33208", "tax")
            assert "Ram" not in json.dumps(offer)  # never the resident's name

            await interp.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
            interp_invite = await _next(interp, "room.invite")
            counselor_invite = await _next(counselor, "room.invite")
            tablet_invite = await _next(tablet, "room.invite")
            assert {interp_invite["role"], counselor_invite["role"], tablet_invite["role"]} == {
                "interpreter",
                "counselor",
                "counter_tablet",
            }
            assert interp_invite["room_id"] == counselor_invite["room_id"] == tablet_invite["room_id"]

            # everyone joins; the call legs are recorded; a stranger's token is refused
            for ws, invite in (
                (counselor, counselor_invite),
                (interp, interp_invite),
                (tablet, tablet_invite),
            ):
                await ws.send(
                    json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": invite["token"]})
                )
                joined = await _next(ws, "room.joined")
                assert joined["role"] == invite["role"]
            await tablet.send(
                json.dumps({"type": "room.join", "room_id": invite["room_id"], "token": "forged.token"})
            )
            assert (await _next(tablet, "error"))["code"] in ("bad_token", "malformed")

            await interp.close()  # the interpreter's page closes mid-call
            left = await _next(counselor, "room.peer_left")
            assert left["role"] == "interpreter"
            status = await _next(tablet, "status")
            assert status["status"] == "interpreter_changing"

            ended = await http.post(
                f"/api/v1/consultations/{case_id}/end",
                headers={"Cookie": f"madoguchi_session={counselor_cookie}", "X-CSRF-Token": csrf},
            )
            assert ended.status_code == 204, ended.text
            assert (await _next(tablet, "room.closed"))["room_id"] == invite["room_id"]
        # the ended case is the counselor's to read now; the tablet sees open cases only (issue 18, Medium 9)
        gone = await http.get(
            f"/api/v1/consultations/{case_id}", headers={"Authorization": f"Bearer {device_token}"}
        )
        assert gone.status_code == 404
        legs = (
            await http.get(
                f"/api/v1/consultations/{case_id}",
                headers={"Cookie": f"madoguchi_session={counselor_cookie}"},
            )
        ).json()["call_legs"]
        assert sorted(leg["role"] for leg in legs) == ["counselor", "counter_tablet", "interpreter"]
        assert all(leg["left_at"] is not None and leg["minutes"] is not None for leg in legs)


async def test_bad_frames__are_refused_with_a_reason_and_the_socket_carries_on(server: LiveServer) -> None:
    ws_url = server.url.replace("http", "ws") + "/ws"
    async with websockets.connect(ws_url) as ws:
        await _next(ws, "hello")
        await ws.send("{not json")
        assert (await _next(ws, "error"))["code"] == "malformed_json"
        await ws.send(json.dumps({"type": "signal.offer", "room_id": "r1", "to": "x", "sdp": "nonsense"}))
        error = await _next(ws, "error")
        assert error["code"] == "invalid_field" and error["field"] == "sdp"
        await ws.send(json.dumps({"type": "presence", "state": "available"}))
        assert (await _next(ws, "error"))["code"] == "forbidden"
        await ws.send(json.dumps({"type": "watch", "consultation_id": "not-yours"}))
        assert (await _next(ws, "error"))["code"] == "forbidden"
        await ws.send(json.dumps({"type": "heartbeat"}))  # still open
        for _ in range(5):
            await ws.send("][")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            for _ in range(10):
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


async def test_reconnect__a_reloaded_console_gets_its_offer_and_its_call_back(server: LiveServer) -> None:
    url = server.server.config.app.state.settings.database_url
    device_token = await _prepare(url)
    ws_url = server.url.replace("http", "ws") + "/ws"
    async with httpx.AsyncClient(base_url=server.url) as http:
        counselor_cookie, _ = await _sign_in(http, "cns")
        interpreter_cookie, _ = await _sign_in(http, "itp")
        as_counselor = {"Cookie": f"madoguchi_session={counselor_cookie}"}
        as_interpreter = {"Cookie": f"madoguchi_session={interpreter_cookie}"}
        async with websockets.connect(ws_url, additional_headers=as_counselor) as counselor:
            await _next(counselor, "hello")
            await counselor.send(json.dumps({"type": "presence", "state": "available"}))
            async with websockets.connect(ws_url, additional_headers=as_interpreter) as first:
                await _next(first, "hello")
                await first.send(json.dumps({"type": "presence", "state": "available"}))
                await asyncio.sleep(0.3)
                created = await http.post(
                    "/api/v1/consultations",
                    json={"channel": "satellite", "language": "ne"},
                    headers={
                        "Authorization": f"Bearer {device_token}",
                        "Idempotency-Key": "reconnect-000001",
                    },
                )
                offer = await _next(first, "offer")
            # the page reloads while the offer rings: the same offer comes back and can be accepted
            async with websockets.connect(ws_url, additional_headers=as_interpreter) as second:
                await _next(second, "hello")
                again = await _next(second, "offer")
                assert again["offer_id"] == offer["offer_id"]
                await second.send(json.dumps({"type": "offer.accept", "offer_id": again["offer_id"]}))
                invite = await _next(second, "room.invite")
                assert invite["consultation_id"] == created.json()["id"]
            # and after another reload during the call, a fresh invitation to the same room
            async with websockets.connect(ws_url, additional_headers=as_interpreter) as third:
                await _next(third, "hello")
                rejoin = await _next(third, "room.invite")
                assert rejoin["room_id"] == invite["room_id"] and rejoin["role"] == "interpreter"
            status = (
                await http.get(
                    f"/api/v1/consultations/{created.json()['id']}",
                    headers={"Authorization": f"Bearer {device_token}"},
                )
            ).json()["status"]
            assert status == "connected"  # a reload within the grace window is not a drop-out
