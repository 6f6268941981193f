"""Bad input on the call websocket, against a real uvicorn: every refusal is a clear error frame (or a close
code) and the room carries on for the others. No browser: the `websockets` client plays the participants."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.main import create_app
from realtime.tokens import issue_room_token
from tests.browser_support import live_server
from tests.calls.calls_support import COUNSELOR, INTERPRETERS, arrange_desk
from tests.conftest import PASSWORD, TEST_NOW, open_desk_settings

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds

SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
)


async def _next(ws: ClientConnection, kind: str, within_s: float = 10) -> dict[str, Any]:
    """The next frame of `kind` (others, e.g. queue pushes, are skipped)."""
    async with asyncio.timeout(within_s):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def _cookie(base: str, username: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def test_bad_room_frames_are_refused_and_the_room_carries_on(
    sqlite_template: Path, tmp_path: Path
) -> None:
    desk = await asyncio.to_thread(arrange_desk, sqlite_template, tmp_path)
    settings = open_desk_settings(desk.database_url, loopback_media=True)
    with live_server(create_app(settings)) as server:
        ws_url = server.url.replace("http", "ws") + "/ws"
        counselor_cookie = await _cookie(server.url, COUNSELOR)
        interpreter_cookie = await _cookie(server.url, INTERPRETERS[0])
        async with (
            connect(ws_url, additional_headers={"Cookie": counselor_cookie}) as counselor,
            connect(ws_url, additional_headers={"Cookie": interpreter_cookie}) as interpreter,
            connect(ws_url) as tablet,
            connect(ws_url) as stranger,
        ):
            for ws in (counselor, interpreter, tablet, stranger):
                await _next(ws, "hello")
            await counselor.send(json.dumps({"type": "presence", "state": "available"}))
            await interpreter.send(json.dumps({"type": "presence", "state": "available"}))
            await tablet.send(json.dumps({"type": "hello", "token": desk.device_token}))
            assert (await _next(tablet, "hello"))["role"] == "device"
            await asyncio.sleep(0.3)
            async with httpx.AsyncClient(base_url=server.url) as client:
                created = await client.post(
                    "/api/v1/consultations",
                    json={"channel": "counter", "language": "ne"},
                    headers={
                        "Authorization": f"Bearer {desk.device_token}",
                        "Idempotency-Key": "bad-input-1",
                    },
                )
            assert created.status_code == 201, created.text
            consultation_id = created.json()["id"]
            await tablet.send(json.dumps({"type": "watch", "consultation_id": consultation_id}))
            await _next(tablet, "watching")

            offer = await _next(interpreter, "offer")
            await interpreter.send(json.dumps({"type": "offer.accept", "offer_id": offer["offer_id"]}))
            invites = {
                "counselor": await _next(counselor, "room.invite"),
                "interpreter": await _next(interpreter, "room.invite"),
                "tablet": await _next(tablet, "room.invite"),
            }
            room_id = invites["counselor"]["room_id"]
            ids: dict[str, str] = {}
            for name, ws in (("counselor", counselor), ("interpreter", interpreter), ("tablet", tablet)):
                await ws.send(
                    json.dumps({"type": "room.join", "room_id": room_id, "token": invites[name]["token"]})
                )
                ids[name] = (await _next(ws, "room.joined"))["participant_id"]

            # a wrong token, a token for someone else, an expired token: refused, nobody joins
            await stranger.send(json.dumps({"type": "room.join", "room_id": room_id, "token": "abc.def"}))
            assert (await _next(stranger, "error"))["code"] == "bad_token"
            now = TEST_NOW  # the served app's clock started there and has run on since
            expired = issue_room_token(
                settings.room_secret, room_id, "resident-x", "resident", 1, now - timedelta(minutes=5)
            )
            await stranger.send(json.dumps({"type": "room.join", "room_id": room_id, "token": expired}))
            assert (await _next(stranger, "error"))["code"] == "token_expired"
            await stranger.send(
                json.dumps(
                    {"type": "room.join", "room_id": room_id, "token": invites["tablet"]["token"] + "x"}
                )
            )
            assert (await _next(stranger, "error"))["code"] == "bad_token"

            # malformed SDP and ICE: an error frame naming the field, nothing relayed
            bad_sdp = {"type": "signal.offer", "room_id": room_id, "to": ids["interpreter"], "sdp": "hello"}
            await counselor.send(json.dumps(bad_sdp))
            error = await _next(counselor, "error")
            assert (error["code"], error["field"]) == ("invalid_field", "sdp"), error
            bad_ice = {
                "type": "signal.ice",
                "room_id": room_id,
                "to": ids["interpreter"],
                "candidate": "bogus",
            }
            await counselor.send(json.dumps(bad_ice))
            error = await _next(counselor, "error")
            assert (error["code"], error["field"]) == ("invalid_field", "candidate"), error
            await counselor.send("{not json")
            assert (await _next(counselor, "error"))["code"] == "malformed_json"

            # a signal for another room, and one from someone not in this room
            other = {"type": "signal.offer", "room_id": "not-this-room", "to": ids["interpreter"], "sdp": SDP}
            await counselor.send(json.dumps(other))
            assert (await _next(counselor, "error"))["code"] in ("room_not_found", "not_in_room")
            intruder = {"type": "signal.offer", "room_id": room_id, "to": ids["interpreter"], "sdp": SDP}
            await stranger.send(json.dumps(intruder))
            assert (await _next(stranger, "error"))["code"] == "not_in_room"

            # the room carries on: signals still flow between the participants
            good = {"type": "signal.offer", "room_id": room_id, "to": ids["interpreter"], "sdp": SDP}
            await counselor.send(json.dumps(good))
            relayed = await _next(interpreter, "signal.offer")
            assert relayed["from"] == ids["counselor"] and relayed["sdp"] == SDP
            ice = {
                "type": "signal.ice",
                "room_id": room_id,
                "to": ids["counselor"],
                "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                "sdpMid": "0",
                "sdpMLineIndex": 0,
            }
            await tablet.send(json.dumps(ice))
            assert (await _next(counselor, "signal.ice"))["from"] == ids["tablet"]

            # a socket that keeps sending garbage is closed with 1003 (unsupported data)
            for _ in range(5):
                await stranger.send("garbage")
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(5):
                    while True:
                        await stranger.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
