"""The chat end to end over a real uvicorn and the `websockets` client: Nepali in, Japanese out, and back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from app.config import Settings
from app.main import create_app
from tests.browser_support import live_server
from tests.conftest import PASSWORD

from .conftest import EN_JA, EN_NE

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds

Frame = dict[str, Any]
TIMEOUT_S = 15


async def _until(ws: ClientConnection, wanted: Callable[[Frame], bool]) -> Frame:
    """The first frame that matches, skipping the rest (queue changes, status pushes...)."""
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            frame: Frame = json.loads(await ws.recv())
            if wanted(frame):
                return frame


def _of(kind: str, **fields: Any) -> Callable[[Frame], bool]:
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


async def test_chat_websocket__resident_and_counselor_talk_through_machine_translation(
    settings: Settings, auth: dict[str, dict[str, str]]
) -> None:
    app = create_app(settings)
    with live_server(app) as server:
        ws_url = server.url.replace("http://", "ws://") + "/ws"
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            intake = await http.post(
                "/api/v1/consultations",
                json={"channel": "video", "language": "ne", "resident_municipality": "33202"},
                headers=auth["desk_device"],
            )
            assert intake.status_code == 201, intake.text
            case_id = intake.json()["id"]
            ticket = intake.json()["live"]["watch_ticket"]
            login = await http.post(
                "/api/v1/auth/login", json={"username": "counselor", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            cookie = f"madoguchi_session={login.cookies['madoguchi_session']}"
            http.cookies.clear()  # the resident's requests carry only their ticket

            async with (
                websockets.connect(ws_url, additional_headers={"Cookie": cookie}) as counselor,
                websockets.connect(ws_url) as resident,
            ):
                assert (await _until(counselor, _of("hello")))["role"] == "counselor"
                await counselor.send(json.dumps({"type": "chat.join", "consultation_id": case_id}))
                joined = await _until(counselor, _of("chat.joined"))
                assert joined["open"] is False and joined["language"] == "ne"

                await _until(resident, _of("hello"))
                await resident.send(
                    json.dumps({"type": "watch", "consultation_id": case_id, "ticket": ticket})
                )
                await _until(resident, _of("watching"))

                # before the resident picks the chat, a line is refused
                await resident.send(
                    json.dumps({"type": "chat.send", "consultation_id": case_id, "text": "x"})
                )
                assert (await _until(resident, _of("chat.error")))["status"] == 409

                accepted = await http.post(
                    f"/api/v1/consultations/{case_id}/chat/accept-fallback",
                    json={"option": "mt_chat"},
                    headers={"X-Watch-Ticket": ticket},
                )
                assert accepted.status_code == 200, accepted.text
                await _until(counselor, _of("chat.opened", consultation_id=case_id))
                await _until(resident, _of("chat.opened", consultation_id=case_id))

                await resident.send(
                    json.dumps({"type": "chat.send", "consultation_id": case_id, "text": "नमस्ते"})
                )
                heard = await _until(counselor, _of("chat.message", audience="counselor"))
                assert heard["text"] == EN_JA
                assert heard["machine_translated"] is True
                assert heard["original"] == "नमस्ते" and heard["original_language"] == "ne"
                assert heard["route"] == "ne>en>ja" and heard["sender"] == "resident"
                own = await _until(resident, _of("chat.message", audience="resident"))
                assert own["text"] == "नमस्ते" and own["machine_translated"] is False

                await counselor.send(
                    json.dumps(
                        {"type": "chat.send", "consultation_id": case_id, "text": "ありがとうございます"}
                    )
                )
                reply = await _until(resident, _of("chat.message", audience="resident", sender="counselor"))
                assert reply["text"] == EN_NE
                assert reply["machine_translated"] is True
                assert reply["original"] == "ありがとうございます" and reply["route"] == "ja>en>ne"

                await resident.send(
                    json.dumps({"type": "chat.send", "consultation_id": case_id, "text": "क" * 2001})
                )
                too_long = await _until(resident, _of("chat.error"))
                assert too_long["status"] == 422

            transcript = await http.get(f"/api/v1/consultations/{case_id}/chat", headers=auth["counselor"])
            assert [m["text"] for m in transcript.json()["messages"]] == [EN_JA, "ありがとうございます"]
