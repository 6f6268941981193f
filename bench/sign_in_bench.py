"""Event-loop stalls while anonymous sign-ins run (issue 18, medium 4): one app in-process (one event loop,
like one `madoguchi serve`), N clients sending wrong passwords in parallel from N addresses, and a ticker that
sleeps 20 ms at a time: how late it wakes is how long every request, websocket and the phone's audio clock
would wait.

`--inline` verifies Argon2 on the event loop, as before the hashing pool, for comparison.

    python bench/sign_in_bench.py [--parallel 6] [--samples 100] [--inline]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from httpx import ASGITransport, AsyncClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.db import create_engine, create_sessionmaker  # noqa: E402
from app.enums import Role  # noqa: E402
from app.main import create_app  # noqa: E402
from app.security import passwords  # noqa: E402
from app.seed.service import seed_reference_data  # noqa: E402
from app.staff.service import create_user  # noqa: E402
from tests.conftest import open_desk_settings, pinned_clock  # noqa: E402

TICK_S = 0.02


class InlineHashing:
    """The behaviour before the pool: Argon2 on the event loop."""

    async def verify(self, password_hash: str, password: str) -> bool:
        return passwords.verify_password(password_hash, password)

    async def hash(self, password: str) -> str:
        return passwords.hash_password(password)


async def _arrange(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            await seed_reference_data(session)
            await create_user(
                session, username="counselor", password="correct horse battery", role=Role.counselor
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _run(url: str, parallel: int, samples: int) -> tuple[list[float], int]:
    settings = open_desk_settings(url, login_max_failures=10**6, login_address_max_failures=10**6)
    app = create_app(settings, clock=pinned_clock())
    stop = asyncio.Event()
    attempts = 0

    async def guesser(n: int) -> None:
        nonlocal attempts
        transport = ASGITransport(app=app, client=(f"203.0.113.{n + 1}", 5000))
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            while not stop.is_set():
                await client.post(
                    "/api/v1/auth/login", json={"username": "counselor", "password": f"guess-{n}"}
                )
                attempts += 1

    lags: list[float] = []
    async with app.router.lifespan_context(app):
        tasks = [asyncio.create_task(guesser(n)) for n in range(parallel)]
        await asyncio.sleep(0.5)
        for _ in range(samples):
            started = time.perf_counter()
            await asyncio.sleep(TICK_S)
            lags.append((time.perf_counter() - started - TICK_S) * 1000)
        stop.set()
        await asyncio.gather(*tasks)
    return lags, attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parallel", type=int, default=6)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--inline", action="store_true", help="Argon2 on the event loop (before the pool)")
    args = parser.parse_args()
    if args.inline:
        import app.auth.service

        app.auth.service.HASHING = InlineHashing()  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        migrate.upgrade(url)
        asyncio.run(_arrange(url))
        latencies, attempts = asyncio.run(_run(url, args.parallel, args.samples))
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{'inline (on the event loop)' if args.inline else 'hashing pool'}: {args.parallel} parallel wrong "
        f"sign-ins ({attempts} in all); event-loop lag over {len(latencies)} 20 ms sleeps: median "
        f"{statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
