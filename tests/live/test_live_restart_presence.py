"""Presence is what is connected: after a restart nobody is available until their console is back."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import websockets

from tests.browser_support import free_port
from tests.conftest import PASSWORD, TEST_NOW
from tests.live.test_live_restart import _cli, _env, _start
from tests.live.test_live_websocket import _next, _prepare, _sign_in

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds

NEPALI = {"channel": "satellite", "language": "ne", "resident_municipality": "33208"}


def test_restart__stale_presence_offers_nothing_until_the_consoles_reconnect(tmp_path: Path) -> None:
    db = tmp_path / "presence.db"
    env = _env(db)
    _cli(["migrate"], env, tmp_path)
    _cli(["seed"], env, tmp_path)
    device_token = asyncio.run(_prepare(f"sqlite+aiosqlite:///{db}"))
    device = {"Authorization": f"Bearer {device_token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with (tmp_path / "first.log").open("w") as log:
        first = _start(env, tmp_path, port, log)
        try:
            with httpx.Client(base_url=base) as http:
                for user in ("cns", "itp"):
                    login = http.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
                    assert login.status_code == 200, login.text
                    csrf = login.json()["csrf_token"]
                    presence = http.post(
                        "/api/v1/presence", json={"state": "available"}, headers={"X-CSRF-Token": csrf}
                    )
                    assert presence.status_code == 204, presence.text
            with httpx.Client(base_url=base) as http:
                login = http.post("/api/v1/auth/login", json={"username": "cns", "password": PASSWORD})
                assert login.status_code == 200, login.text
                body = http.get("/api/v1/queue").json()
            assert [c["state"] for c in body["counselors"]] == ["free"]  # before the crash: both on duty
            assert [i["state"] for i in body["interpreters"]] == ["available"]
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=20)
    env = _env(db, TEST_NOW + timedelta(seconds=time.monotonic() - started + 1))
    with (tmp_path / "second.log").open("w") as log:
        second = _start(env, tmp_path, port, log)
        try:
            asyncio.run(_after_restart(base, port, device))
        finally:
            second.terminate()
            second.wait(timeout=20)


async def _after_restart(base: str, port: int, device: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        counselor_cookie, _ = await _sign_in(http, "cns")
        staff = {"Cookie": f"madoguchi_session={counselor_cookie}"}
        body = (await http.get("/api/v1/queue", headers=staff)).json()
        assert [c["state"] for c in body["counselors"]] == ["away"]
        assert [i["state"] for i in body["interpreters"]] == ["away"]
        created = await http.post(
            "/api/v1/consultations",
            json=NEPALI,
            headers={**device, "Idempotency-Key": "restart-presence-1"},
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        assert created.json()["status"] != "offered"
        assert (await http.get("/api/v1/queue", headers=staff)).json()["offers"] == []

        interpreter_cookie, _ = await _sign_in(http, "itp")
        url = f"ws://127.0.0.1:{port}/ws"
        async with (
            websockets.connect(url, additional_headers=staff) as counselor,
            websockets.connect(
                url, additional_headers={"Cookie": f"madoguchi_session={interpreter_cookie}"}
            ) as interpreter,
        ):
            await _next(counselor, "hello")
            await _next(interpreter, "hello")
            await counselor.send(json.dumps({"type": "presence", "state": "available"}))
            await interpreter.send(json.dumps({"type": "presence", "state": "available"}))
            offer = await _next(interpreter, "offer")
            assert offer["consultation_id"] == case_id
