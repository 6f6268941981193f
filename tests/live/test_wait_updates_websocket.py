"""A waiting tablet hears its new estimate when it changes (not only when its case was queued): the figure the
server gives for the case, which is routing's one estimate, never a stale "cannot be estimated"."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.browser_support import LiveServer
from tests.live.test_live_websocket import (
    _next,
    _prepare,
    _sign_in,
    server,  # noqa: F401 (fixture: a real uvicorn, its own database)
)

pytestmark = pytest.mark.slow


async def test_a_waiting_tablet_hears_the_estimate_when_a_counselor_signs_in(server: LiveServer) -> None:  # noqa: F811
    url = server.server.config.app.state.settings.database_url
    device_token = await _prepare(url)
    ws_url = server.url.replace("http", "ws") + "/ws"
    auth = {"Authorization": f"Bearer {device_token}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        counselor_cookie, _ = await _sign_in(http, "cns")
        interpreter_cookie, _ = await _sign_in(http, "itp")
        async with (
            websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={interpreter_cookie}"}
            ) as interp,
            websockets.connect(ws_url) as tablet,
        ):
            await _next(interp, "hello")
            await _next(tablet, "hello")
            await tablet.send(json.dumps({"type": "hello", "token": device_token}))
            assert (await _next(tablet, "hello"))["role"] == "device"
            await interp.send(json.dumps({"type": "presence", "state": "available"}))
            await asyncio.sleep(0.3)  # as in test_live_websocket: presence has no answer frame
            ids = []
            for key in ("wait-update-0001", "wait-update-0002"):  # two Nepali residents, no counselor yet
                created = await http.post(
                    "/api/v1/consultations",
                    json={"channel": "satellite", "language": "ne"},
                    headers={**auth, "Idempotency-Key": key},
                )
                assert created.status_code == 201, created.text
                ids.append(created.json()["id"])
            second = ids[1]
            await tablet.send(json.dumps({"type": "watch", "consultation_id": second}))
            watching = await _next(tablet, "watching")
            assert (watching["position"], watching["estimated_wait_s"]) == (
                2,
                None,
            )  # nobody to serve: unknown

            async with websockets.connect(
                ws_url, additional_headers={"Cookie": f"madoguchi_session={counselor_cookie}"}
            ) as counselor:
                await _next(counselor, "hello")
                await counselor.send(json.dumps({"type": "presence", "state": "available"}))
                await _next(interp, "offer")  # the first resident is rung for; the second still waits
                update = await _next(tablet, "queue.update")
                assert update["consultation_id"] == second and update["estimated_wait_s"] is not None
                case = (await http.get(f"/api/v1/consultations/{second}", headers=auth)).json()
                assert case["live"]["estimated_wait_s"] == update["estimated_wait_s"]
                assert case["live"]["position"] == update["position"]
