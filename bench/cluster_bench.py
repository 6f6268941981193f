# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-calls
"""The desk on one process against three: push latency, intake throughput, failover time.

Run: python bench/cluster_bench.py [--sockets 2000] [--samples 60] [--intakes 200] [--concurrency 20]

For each shape (1 process, then 3 processes; both `madoguchi serve` with MADOGUCHI_CLUSTER=true on a scratch
PostgreSQL database and the local Redis, so they differ only in the number of processes):
1. `--sockets` admin websockets, spread round robin over the processes, each signed in (it hears the desk
   topic: one `queue.changed` frame per routing decision).
2. Push latency: `--samples` intakes, one at a time, each sent to the next process in turn (with three, two in
   three go through a follower and are handed to the leader through Redis). One sample per socket per intake:
   the POST's start until that socket has the intake's `queue.changed` frame (intake, routing, journal commit,
   hub, Redis fan-out, socket). p50/p99 over all samples.
3. Intake throughput: `--intakes` POSTs, `--concurrency` at a time, spread over the processes: cases/s.
4. Failover (3 processes only): kill -9 the leader; the time until a follower's /readyz says leader, and until
   an intake through it is answered 201.
Wall-clock; the benchmark and every process share this machine's CPUs (printed with the load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import NO_CLOSURES, POSTGRES_ADMIN_URL, TEST_NOW  # noqa: E402

DAYS = "mon,tue,wed,thu,fri,sat,sun"
LANGUAGES = ["en", "zh", "vi", "ne", "pt", "es", "ko", "th"]


def _psql(sql: str) -> None:
    from sqlalchemy import text

    from app.db import create_engine

    async def run() -> None:
        engine = create_engine(POSTGRES_ADMIN_URL)
        try:
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


class Shape:
    def __init__(self, processes: int, workdir: Path) -> None:
        self.count = processes
        self.workdir = workdir
        self.name = f"madoguchi_bench_{uuid.uuid4().hex[:8]}"
        self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}"
        self.began = time.monotonic()
        self.procs: list[tuple[subprocess.Popen[str], int]] = []

    def env(self, node: str = "cli") -> dict[str, str]:
        from datetime import timedelta

        return {
            **os.environ,
            "MADOGUCHI_MODE": "dev",
            "MADOGUCHI_DATABASE_URL": self.url,
            "MADOGUCHI_CLUSTER": "true",
            "MADOGUCHI_REDIS_URL": "redis://127.0.0.1:6379/14",
            "MADOGUCHI_REDIS_PREFIX": self.prefix,
            "MADOGUCHI_NODE_ID": node,
            "MADOGUCHI_TIMEZONE": "Asia/Tokyo",
            "MADOGUCHI_CLOCK_START": (
                TEST_NOW + timedelta(seconds=time.monotonic() - self.began)
            ).isoformat(),
            "MADOGUCHI_DESK_HOURS": "06:00-20:00",
            "MADOGUCHI_DESK_DAYS": DAYS,
            "MADOGUCHI_VENDOR_HOURS": "06:00-20:00",
            "MADOGUCHI_VENDOR_DAYS": DAYS,
            "MADOGUCHI_ROUTING_POLICY_JSON": NO_CLOSURES,
            "MADOGUCHI_HEARTBEAT_TIMEOUT_SECONDS": "120",
        }

    def cli(self, *args: str, **extra: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env={**self.env(), **extra},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def start(self) -> None:
        _psql(f'CREATE DATABASE "{self.name}"')
        self.cli("migrate")
        self.cli("seed")
        for n in range(self.count):
            port = 18600 + n + (0 if self.count == 1 else 10)
            with (self.workdir / f"{self.name}-{n}.log").open("w") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port)],
                    env=self.env(f"p{n}"),
                    cwd=self.workdir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            self.procs.append((process, port))
            while True:
                try:
                    if httpx.get(f"{self.base(n)}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)

    def base(self, n: int) -> str:
        return f"http://127.0.0.1:{self.procs[n][1]}"

    def role(self, n: int) -> str | None:
        try:
            return str(httpx.get(f"{self.base(n)}/readyz", timeout=1).json()["routing"]["role"])
        except (httpx.TransportError, KeyError, ValueError):
            return None

    def stop(self) -> None:
        for process, _port in self.procs:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        _psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(
    shape: Shape, sockets: int, samples: int, intakes: int, concurrency: int
) -> dict[str, object]:
    device = (
        shape.cli("register-device", "--site", "kurashiki-desk", "--name", "bench").strip().splitlines()[-1]
    )
    shape.cli(
        "create-user", "--username", "boss", "--role", "admin", MADOGUCHI_NEW_PASSWORD="bench passphrase"
    )
    admin = shape.cli("create-api-token", "--username", "boss", "--name", "bench").strip().splitlines()[-1]
    started = time.perf_counter()
    conns = []
    for i in range(sockets):
        ws = await websockets.connect(
            shape.base(i % shape.count).replace("http", "ws") + "/ws", max_queue=None
        )
        await ws.recv()
        await ws.send(json.dumps({"type": "hello", "token": admin}))
        conns.append(ws)
    for ws in conns:
        while json.loads(await ws.recv())["type"] != "hello":
            pass
    connected_s = time.perf_counter() - started
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {device}"}
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(samples):
            t0 = time.perf_counter()
            response = await http.post(
                f"{shape.base(n % shape.count)}/api/v1/consultations",
                json={"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)]},
                headers={**headers, "Idempotency-Key": f"bench-lat-{n:05d}"},
            )
            assert response.status_code == 201, response.text

            latencies += await asyncio.gather(*(_heard(ws, t0) for ws in conns))
        # drain anything late so the throughput phase starts clean
        semaphore = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with semaphore:
                for attempt in range(3):  # a keep-alive connection closed under us: the same key, one case
                    try:
                        response = await http.post(
                            f"{shape.base(n % shape.count)}/api/v1/consultations",
                            json={"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)]},
                            headers={**headers, "Idempotency-Key": f"bench-tp-{n:05d}"},
                        )
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                assert response.status_code in (200, 201), response.text

        readers = [asyncio.create_task(_discard(ws)) for ws in conns]
        t0 = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(intakes)))
        throughput = intakes / (time.perf_counter() - t0)
        for task in readers:
            task.cancel()
    for ws in conns:
        await ws.close()
    result: dict[str, object] = {
        "connected_s": connected_s,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * _pct(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
        "samples": len(latencies),
        "throughput": throughput,
    }
    if shape.count > 1:
        leader = next(n for n in range(shape.count) if shape.role(n) == "leader")
        shape.procs[leader][0].send_signal(signal.SIGKILL)
        shape.procs[leader][0].wait()
        t0 = time.perf_counter()
        new = None
        while new is None:
            new = next((n for n in range(shape.count) if n != leader and shape.role(n) == "leader"), None)
            await asyncio.sleep(0.05)
        result["lease_taken_s"] = time.perf_counter() - t0
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{shape.base(new)}/api/v1/consultations",
                json={"channel": "counter", "language": "en"},
                headers={**headers, "Idempotency-Key": "bench-after-failover"},
            )
        assert response.status_code == 201, response.text
        result["intake_after_s"] = time.perf_counter() - t0
    return result


async def _heard(ws, t0: float) -> float:
    """Until this socket has the next queue.changed frame: seconds since `t0`."""
    while json.loads(await ws.recv())["type"] != "queue.changed":
        pass
    return time.perf_counter() - t0


async def _discard(ws) -> None:
    while True:
        await ws.recv()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--intakes", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in (1, 3):
            shape = Shape(count, Path(scratch))
            try:
                shape.start()
                results[count] = asyncio.run(
                    _measure(shape, args.sockets, args.samples, args.intakes, args.concurrency)
                )
                print(f"{count} process(es): {results[count]}", flush=True)
            finally:
                shape.stop()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{args.sockets} admin websockets spread over the processes, {args.samples} intakes for latency")
    print(f"{'':28}{'1 process':>14}{'3 processes':>14}")
    rows = [
        ("websockets connected (s)", "connected_s", "{:.1f}"),
        ("intake -> push p50 (ms)", "p50_ms", "{:.1f}"),
        ("intake -> push p99 (ms)", "p99_ms", "{:.1f}"),
        ("intake -> push max (ms)", "max_ms", "{:.1f}"),
        ("intake throughput (case/s)", "throughput", "{:.1f}"),
        ("failover: lease taken (s)", "lease_taken_s", "{:.2f}"),
        ("failover: intake answered (s)", "intake_after_s", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        cells = [fmt.format(results[c][key]) if key in results[c] else "-" for c in (1, 3)]
        print(f"{label:28}{cells[0]:>14}{cells[1]:>14}")


if __name__ == "__main__":
    main()
