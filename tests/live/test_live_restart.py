"""Kill the service with 20 residents queued, start it again: the same queue, nobody lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser_support import free_port
from tests.conftest import ALL_DAYS, NO_CLOSURES, TEST_NOW

pytestmark = pytest.mark.slow  # a real server or subprocess: seconds, not milliseconds

LANGUAGES = ["en", "zh", "vi", "ne", "pt"]


def _env(db: Path, clock_start: datetime = TEST_NOW) -> dict[str, str]:
    """The service's settings; its clock starts at `clock_start` (the test's instant) and runs on."""
    return {
        **os.environ,
        "MADOGUCHI_MODE": "dev",
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "MADOGUCHI_TIMEZONE": "Asia/Tokyo",
        "MADOGUCHI_CLOCK_START": clock_start.isoformat(),
        "MADOGUCHI_DESK_HOURS": "06:00-20:00",
        "MADOGUCHI_DESK_DAYS": ",".join(ALL_DAYS),
        "MADOGUCHI_VENDOR_HOURS": "06:00-20:00",
        "MADOGUCHI_VENDOR_DAYS": ",".join(ALL_DAYS),
        "MADOGUCHI_ROUTING_POLICY_JSON": NO_CLOSURES,
        "PYTHONUNBUFFERED": "1",
    }


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def _start(env: dict[str, str], cwd: Path, port: int, log: Any) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, Path(log.name).read_text()
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")


def _queue(base: str, headers: dict[str, str]) -> list[tuple[str, str, int, str]]:
    body = httpx.get(f"{base}/api/v1/queue", headers=headers, timeout=5).json()
    return [(e["request_id"], e["language"], e["position"], e["waiting_since"]) for e in body["queue"]]


def test_restart__queue_comes_back_in_the_same_order(tmp_path: Path) -> None:
    env = _env(tmp_path / "restart.db")
    _cli(["migrate"], env, tmp_path)
    _cli(["seed"], env, tmp_path)
    device = _cli(["register-device", "--site", "kurashiki-desk", "--name", "tablet"], env, tmp_path)
    token = device.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with (tmp_path / "first.log").open("w") as log:
        first = _start(env, tmp_path, port, log)
        try:
            ids = []
            for n in range(20):
                response = httpx.post(
                    f"{base}/api/v1/consultations",
                    json={"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)], "urgent": n == 13},
                    headers={**headers, "Idempotency-Key": f"restart-test-{n:04d}"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text
                ids.append(response.json()["id"])
            before = _queue(base, headers)
            assert sorted(entry[0] for entry in before) == sorted(ids)
        finally:
            first.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
            first.wait(timeout=20)
    # The restarted service's clock goes on from where the first one's had got to, as a real one would.
    env = _env(tmp_path / "restart.db", TEST_NOW + timedelta(seconds=time.monotonic() - started + 1))
    with (tmp_path / "second.log").open("w") as log:
        second = _start(env, tmp_path, port, log)
        try:
            after = _queue(base, headers)
            assert after == before  # same order, positions and waiting times
            urgent = next(entry for entry in after if entry[0] == ids[13])
            assert urgent[2] == 1  # the urgent resident is still first in their language
            # a retry of a request sent before the crash is still the same case
            retry = httpx.post(
                f"{base}/api/v1/consultations",
                json={"channel": "counter", "language": LANGUAGES[0], "urgent": False},
                headers={**headers, "Idempotency-Key": "restart-test-0000"},
                timeout=10,
            )
            assert retry.status_code == 200 and retry.json()["id"] == ids[0]
            assert len(_queue(base, headers)) == 20
        finally:
            second.terminate()
            second.wait(timeout=20)
