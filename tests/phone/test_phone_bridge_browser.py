"""A phone caller in a real interpreted call: the bridge joins through the app's own rooms and signaling.

A fake telephone line (a 440 Hz tone in, everything it hears recorded) is bridged into a Nepali phone case
with a counselor and an interpreter in Chromium (fake camera and microphone, whose fake microphone beeps).
The browsers' getStats shows the caller's audio arriving from the phone participant; the caller hears the
browsers; hanging up ends the phone call leg with its minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Future
from typing import Any, TypeVar

import httpx
import numpy as np
import pytest

from app.main import create_app
from app.phone.room_link import phone_bridge
from realtime.peers.audio_mix import level_dbfs
from realtime.peers.phone_bridge import PhoneBridge
from tests.browser_support import live_server, media_browser  # noqa: F401 (fixture)
from tests.calls.calls_support import (
    INTERPRETERS,
    Desk,
    accept_ring,
    admin_get,
    assert_audio_rises,
    available_staff,
    desk,  # noqa: F401 (fixture)
    failure_evidence,
    screenshot_all,
    stats,
    wait_for,
)
from tests.conftest import open_desk_settings
from tests.phone.phone_bridge_support import FakeCallAudio

pytestmark = [pytest.mark.browser, pytest.mark.slow]
T = TypeVar("T")
Scope = MutableMapping[str, Any]


class LoopCatcher:
    """Wraps the app to learn the event loop uvicorn serves it on (the bridge must live in that loop)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] == "lifespan":
            self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def run(self, coro: Awaitable[T], timeout: float = 30) -> T:
        assert self.loop is not None
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)


def _create_phone_case(base: str, device_token: str) -> str:
    with httpx.Client(base_url=base) as client:
        created = client.post(
            "/api/v1/consultations",
            json={"channel": "phone", "language": "ne", "resident_municipality": "33202"},
            headers={"Authorization": f"Bearer {device_token}", "Idempotency-Key": "phone-bridge-000001"},
        )
        assert created.status_code == 201, created.text
        case_id: str = created.json()["id"]
        return case_id


def _phone_legs(base: str, case_id: str) -> list[dict[str, Any]]:
    case = admin_get(base, f"/api/v1/consultations/{case_id}")
    return [leg for leg in case["call_legs"] if leg["role"] == "phone"]


def test_phone_caller_in_an_interpreted_call(
    media_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    app = create_app(open_desk_settings(desk.database_url, loopback_media=True))
    server_app = LoopCatcher(app)
    logs: list[str] = []
    statuses: list[str] = []
    with live_server(server_app) as server:
        base = server.url
        counselor, interpreter = available_staff(media_browser, base, logs)
        pages = {"counselor": counselor, "interpreter": interpreter}
        case_id = _create_phone_case(base, desk.device_token)
        phone = f"phone-{case_id[:8]}"

        async def answer_call() -> tuple[FakeCallAudio, PhoneBridge, asyncio.Task[Any]]:
            line = FakeCallAudio(440)
            bridge = phone_bridge(app, line, on_status=statuses.append)
            bridge.play_hold_music()
            return line, bridge, asyncio.create_task(bridge.join(case_id))

        line, bridge, joining = server_app.run(answer_call())
        try:
            with failure_evidence(logs, pages, "phone-failed"):
                # the caller waits on hold music until the interpreter takes the call
                wait_for(lambda: len(line.written) > 20, 5, "hold music")
                assert not joining.done()
                accept_ring(interpreter, "phone")

                async def joined() -> Any:
                    return await asyncio.wait_for(asyncio.shield(joining), 15)

                room_joined = server_app.run(joined())
                assert room_joined.role == "phone" and room_joined.participant_id == phone
                assert not bridge.player.music_playing

                # both browsers receive the caller's audio: the phone participant's inbound audio bytes rise
                assert_audio_rises((counselor, interpreter), phone)
                counselor.wait_for_selector(
                    f"figure[data-participant='{phone}'][data-mode=audio]", timeout=5_000
                )

                # the caller hears the browsers' fake microphones (beeps), mixed: music stopped at the join
                counselor_id = f"staff-{desk.counselor_id}"
                interpreter_id = f"interp-{desk.interpreter_ids[INTERPRETERS[0]]}"
                wait_for(
                    lambda: (
                        min(bridge.stats.peer_frames.get(p, 0) for p in (counselor_id, interpreter_id)) > 100
                    ),
                    20,
                    "two seconds of audio from each browser",
                )
                heard = line.heard(150)  # the last three seconds on the telephone line
                assert level_dbfs(heard) > -50 and int(np.abs(heard).max()) > 1000, level_dbfs(heard)
                assert "connected" in statuses
                screenshot_all(pages, "phone")

                # the caller hangs up: the bridge leaves, the browsers drop it, the phone leg gets minutes
                line.hang_up()
                assert server_app.run(asyncio.wait_for(bridge.wait_ended(), 10)) == "hung_up"
                for page in (counselor, interpreter):
                    wait_for(lambda page=page: phone not in stats(page), 10, "phone peer gone")
        finally:
            server_app.run(bridge.close())
        legs = _phone_legs(base, case_id)
        assert len(legs) == 1, legs
        assert legs[0]["participant_id"] == phone and legs[0]["left_at"] is not None
        assert legs[0]["minutes"] is not None and legs[0]["minutes"] > 0
