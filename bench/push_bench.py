"""Push latency of the live service: an event in, the resulting offer out on an interpreter's websocket.

Starts `madoguchi serve` in its own process on a scratch SQLite database, connects N interpreter websockets
(all Nepali, all available) and one counselor, opens one Nepali consultation, and then lets each ringing
interpreter decline: the time from sending `offer.decline` to the next interpreter receiving `offer` is one
sample (event in -> engine -> journal commit -> hub -> socket). Also reports the first offer after intake.

    python bench/push_bench.py [--interpreters 500] [--samples 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import create_engine, create_sessionmaker  # noqa: E402
from app.enums import Role  # noqa: E402
from app.interpreter.models import Interpreter  # noqa: E402
from app.language.models import Language  # noqa: E402
from app.security.passwords import hash_password  # noqa: E402
from app.security.tokens import token_digest  # noqa: E402
from app.staff.models import StaffSession, StaffUser  # noqa: E402

DAYS = "mon,tue,wed,thu,fri,sat,sun"


def _env(db: Path) -> dict[str, str]:
    from tests.conftest import NO_CLOSURES, TEST_NOW

    return {
        **os.environ,
        "MADOGUCHI_MODE": "dev",
        "MADOGUCHI_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "MADOGUCHI_TIMEZONE": "Asia/Tokyo",
        "MADOGUCHI_CLOCK_START": TEST_NOW.isoformat(),  # an open desk, whatever the hour of the run
        "MADOGUCHI_DESK_HOURS": "06:00-20:00",
        "MADOGUCHI_DESK_DAYS": DAYS,
        "MADOGUCHI_VENDOR_HOURS": "06:00-20:00",
        "MADOGUCHI_VENDOR_DAYS": DAYS,
        "MADOGUCHI_ROUTING_POLICY_JSON": NO_CLOSURES,
        "MADOGUCHI_HEARTBEAT_TIMEOUT_SECONDS": "120",
    }


async def _accounts(url: str, interpreters: int) -> tuple[str, list[str]]:
    """Counselor and interpreters with ready session tokens (inserted directly: Argon2 once, not N times)."""
    from datetime import timedelta

    from tests.conftest import TEST_NOW

    engine = create_engine(url)
    expires = TEST_NOW + timedelta(hours=2)  # on the served app's clock, which starts at TEST_NOW
    password_hash = hash_password("bench-password-123")
    tokens: list[str] = []
    try:
        async with create_sessionmaker(engine)() as session:
            ne = await session.get(Language, "ne")
            ja = await session.get(Language, "ja")
            counselor = StaffUser(
                username="c",
                display_name="c",
                password_hash=password_hash,
                role=Role.counselor,
                languages=[ja],
            )
            session.add(counselor)
            await session.flush()
            session.add(
                StaffSession(
                    token_hash=token_digest("mss_counselor"),
                    csrf_token="x",
                    staff_user_id=counselor.id,
                    expires_at=expires,
                )
            )
            for n in range(interpreters):
                user = StaffUser(
                    username=f"i{n}", display_name=f"i{n}", password_hash=password_hash, role=Role.interpreter
                )
                session.add(user)
                await session.flush()
                session.add(
                    Interpreter(display_name=f"i{n}", vendor="V", staff_user_id=user.id, languages=[ne])
                )
                token = f"mss_interp_{n}"
                session.add(
                    StaffSession(
                        token_hash=token_digest(token),
                        csrf_token="x",
                        staff_user_id=user.id,
                        expires_at=expires,
                    )
                )
                tokens.append(token)
            await session.commit()
    finally:
        await engine.dispose()
    return "mss_counselor", tokens


async def _connect(ws_url: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(
        ws_url,
        additional_headers={"Cookie": f"madoguchi_session={token}"},
        max_queue=None,
        ping_interval=None,
    )
    json.loads(await ws.recv())  # hello
    return ws


async def _until_available(base: str, counselor_token: str, interpreters: int) -> None:
    """Wait until routing has every interpreter available, so intake is not queued behind presence events."""
    cookies = {"madoguchi_session": counselor_token}
    async with httpx.AsyncClient(base_url=base, cookies=cookies) as http:
        for _ in range(600):
            snapshot = (await http.get("/api/v1/queue")).json()
            ready = [i for i in snapshot.get("interpreters", []) if i["state"] == "available"]
            if len(ready) >= interpreters:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("interpreters did not all become available")


async def run(interpreters: int, samples: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="madoguchi-push-"))
    db = work / "push.db"
    env = _env(db)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=work, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "app.cli", "seed"], env=env, cwd=work, check=True, capture_output=True
    )
    counselor_token, tokens = await _accounts(env["MADOGUCHI_DATABASE_URL"], interpreters)
    device = (
        subprocess.run(
            [sys.executable, "-m", "app.cli", "register-device", "--site", "kurashiki-desk", "--name", "t"],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        began = time.perf_counter()
        sockets = [await _connect(ws_url, token) for token in tokens]
        connect_s = time.perf_counter() - began
        counselor = await _connect(ws_url, counselor_token)
        await counselor.send(json.dumps({"type": "presence", "state": "available"}))
        for ws in sockets:
            await ws.send(json.dumps({"type": "presence", "state": "available"}))
        await _until_available(base, counselor_token, interpreters)
        arrived: asyncio.Queue[tuple[float, int, dict[str, object]]] = asyncio.Queue()

        async def listen(index: int, ws: websockets.ClientConnection) -> None:
            async for text in ws:
                frame = json.loads(text)
                if frame.get("type") == "offer":
                    await arrived.put((time.perf_counter(), index, frame))

        listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
        async with httpx.AsyncClient(base_url=base) as http:
            sent = time.perf_counter()
            response = await http.post(
                "/api/v1/consultations",
                json={"channel": "counter", "language": "ne"},
                headers={"Authorization": f"Bearer {device}", "Idempotency-Key": "push-bench-0001"},
            )
            assert response.status_code == 201, response.text
        at, index, frame = await asyncio.wait_for(arrived.get(), 10)
        first_offer_ms = (at - sent) * 1000
        latencies = []
        for _ in range(min(samples, interpreters - 1)):
            sent = time.perf_counter()
            await sockets[index].send(json.dumps({"type": "offer.decline", "offer_id": frame["offer_id"]}))
            at, index, frame = await asyncio.wait_for(arrived.get(), 10)
            latencies.append((at - sent) * 1000)
        for task in listeners:
            task.cancel()
        for ws in [*sockets, counselor]:
            await ws.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{interpreters} interpreter websockets connected in {connect_s:.1f} s, 1 counselor")
    print(f"intake POST -> first offer on the interpreter's socket: {first_offer_ms:.1f} ms")
    print(f"decline -> next offer on another interpreter's socket, {len(latencies)} samples:")
    print(
        f"  p50 {pct(0.50):.1f} ms   p90 {pct(0.90):.1f} ms   p99 {pct(0.99):.1f} ms"
        f"   max {latencies[-1]:.1f} ms   mean {statistics.mean(latencies):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interpreters", type=int, default=500)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.interpreters, args.samples))


if __name__ == "__main__":
    main()
