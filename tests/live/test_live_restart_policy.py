"""The reported outage: `madoguchi serve` restarted with its desk hours changed (00:00-23:59 -> 12:00-23:59).

Before checkpoints, the whole journal was replayed under the new hours: the cases that had queued at 11:00
became "desk closed" (or, with calls in the journal, start-up failed with InvalidTransition). Now the service
starts, keeps every case where it was, and /readyz names the new policy version.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.browser_support import free_port
from tests.conftest import TEST_NOW
from tests.live.test_live_restart import LANGUAGES, _cli, _env, _queue, _start

pytestmark = pytest.mark.slow  # a real server in a subprocess


def test_restart_with_changed_desk_hours__starts_and_keeps_the_queue(tmp_path: Path) -> None:
    db = tmp_path / "hours.db"
    env = {**_env(db), "MADOGUCHI_DESK_HOURS": "00:00-23:59"}
    _cli(["migrate"], env, tmp_path)
    _cli(["seed"], env, tmp_path)
    token = _cli(["register-device", "--site", "kurashiki-desk", "--name", "tablet"], env, tmp_path)
    headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with (tmp_path / "first.log").open("w") as log:
        first = _start(env, tmp_path, port, log)
        try:
            for n in range(8):
                response = httpx.post(
                    f"{base}/api/v1/consultations",
                    json={"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)]},
                    headers={**headers, "Idempotency-Key": f"hours-test-{n:04d}"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text
            before = _queue(base, headers)
            version = httpx.get(f"{base}/readyz", timeout=5).json()["routing"]["policy_version"]
        finally:
            first.send_signal(signal.SIGKILL)  # a crash: the tail after the last checkpoint is replayed
            first.wait(timeout=20)
    assert len(before) == 8
    for hours in ("12:00-23:59", "00:00-23:59"):  # changed, and back
        clock_start = TEST_NOW + timedelta(seconds=time.monotonic() - started + 1)
        env = {**_env(db, clock_start), "MADOGUCHI_DESK_HOURS": hours}
        with (tmp_path / f"{hours[:2]}.log").open("w") as log:
            again = _start(env, tmp_path, port, log)
            try:
                assert _queue(base, headers) == before
                ready = httpx.get(f"{base}/readyz", timeout=5).json()
                assert (ready["routing"]["policy_version"] == version) is (hours == "00:00-23:59")
            finally:
                again.terminate()
                again.wait(timeout=20)
        assert "Application startup failed" not in Path(log.name).read_text()
