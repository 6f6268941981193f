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
import multiprocessing
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

from bench import lean_ws_reader  # noqa: E402
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
    shape: Shape,
    sockets: int,
    samples: int,
    intakes: int,
    concurrency: int,
    reader: str,
    reader_processes: int,
) -> dict[str, object]:
    device = (
        shape.cli("register-device", "--site", "kurashiki-desk", "--name", "bench").strip().splitlines()[-1]
    )
    shape.cli(
        "create-user", "--username", "boss", "--role", "admin", MADOGUCHI_NEW_PASSWORD="bench passphrase"
    )
    admin = shape.cli("create-api-token", "--username", "boss", "--name", "bench").strip().splitlines()[-1]
    endpoints = [("127.0.0.1", shape.procs[i % shape.count][1]) for i in range(sockets)]
    result: dict[str, object] = {}
    if "lean" in reader:
        readers = _LeanReaders(endpoints, admin, reader_processes)
        try:
            result["connected_s"] = readers.connected_s
            result |= await _latency_lean(shape, device, readers, samples)
            # the lean readers drain every socket meanwhile
            result["throughput"] = await _throughput(shape, device, intakes, concurrency)
        finally:
            readers.stop()
    if "asyncio" in reader:
        conns = await _connect_asyncio(endpoints, admin)
        try:
            result |= await _latency_asyncio(shape, device, conns, samples)
            if "throughput" not in result:
                discard = [asyncio.create_task(_discard(ws)) for ws in conns]
                result["throughput"] = await _throughput(shape, device, intakes, concurrency)
                for task in discard:
                    task.cancel()
        finally:
            for ws in conns:
                await ws.close()
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
                headers={"Authorization": f"Bearer {device}", "Idempotency-Key": "bench-after-failover"},
            )
        assert response.status_code == 201, response.text
        result["intake_after_s"] = time.perf_counter() - t0
    return result


def _intake(shape: Shape, device: str, n: int, key: str) -> tuple[str, dict[str, object], dict[str, str]]:
    return (
        f"{shape.base(n % shape.count)}/api/v1/consultations",
        {"channel": "counter", "language": LANGUAGES[n % len(LANGUAGES)]},
        {"Authorization": f"Bearer {device}", "Idempotency-Key": key},
    )


class _LeanReaders:
    """`bench/lean_ws_reader.py` in `processes` child processes, the sockets dealt out between them."""

    def __init__(self, endpoints: list[tuple[str, int]], token: str, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.controls = []
        self.children = []
        for k in range(processes):
            mine, theirs = context.Pipe()
            child = context.Process(
                target=lean_ws_reader.serve, args=(endpoints[k::processes], token, theirs), daemon=True
            )
            child.start()
            self.controls.append(mine)
            self.children.append(child)
        self.connected_s = max(self._answer(control, "ready") for control in self.controls)

    @staticmethod
    def _answer(control, kind: str) -> object:
        if not control.poll(120):
            control.send(("status",))
            status = control.recv() if control.poll(5) else "no answer"
            raise TimeoutError(f"a lean reader did not say {kind!r} within 120 s: {status}")
        message = control.recv()
        assert message[0] == kind, message
        return message[1]

    def wait_for(self, frames: int) -> None:
        for control in self.controls:
            control.send(("expect", frames))
        for control in self.controls:
            self._answer(control, "done")

    def arrivals(self) -> list[list[float]]:
        out: list[list[float]] = []
        for control in self.controls:
            control.send(("arrivals",))
            out += control.recv()
        return out

    def stop(self) -> None:
        for control, child in zip(self.controls, self.children, strict=True):
            if child.is_alive():
                control.send(("stop",))
            child.join(10)
            if child.is_alive():
                child.kill()


async def _latency_lean(shape: Shape, device: str, readers: _LeanReaders, samples: int) -> dict[str, object]:
    """Each intake: its start, its 201, and the moment its frame reached each socket (all CLOCK_MONOTONIC)."""
    starts, answered = [], []
    async with httpx.AsyncClient(timeout=30) as http:
        # a first intake warms each process's code paths and pools; it is timed but kept out of the samples
        url, body, headers = _intake(shape, device, 0, "bench-lean-warm-up")
        t0 = time.monotonic()
        assert (await http.post(url, json=body, headers=headers)).status_code == 201
        await asyncio.to_thread(readers.wait_for, 1)
        warm_up = max(stamps[0] for stamps in readers.arrivals()) - t0
        for n in range(samples):
            url, body, headers = _intake(shape, device, n, f"bench-lean-{n:05d}")
            t0 = time.monotonic()
            response = await http.post(url, json=body, headers=headers)
            answered.append(time.monotonic() - t0)
            assert response.status_code == 201, response.text
            starts.append(t0)
            await asyncio.to_thread(readers.wait_for, n + 2)
    await asyncio.sleep(0.5)
    arrivals = [stamps[1:] for stamps in readers.arrivals()]
    extra = {len(stamps) for stamps in arrivals} - {samples}
    assert not extra, f"a socket heard {extra} queue.changed frames for {samples} intakes: samples shift"
    latencies = [stamps[n] - starts[n] for stamps in arrivals for n in range(samples)]
    first = [min(stamps[n] for stamps in arrivals) - starts[n] for n in range(samples)]
    last = [max(stamps[n] for stamps in arrivals) - starts[n] for n in range(samples)]
    return {
        "lean_warm_up_ms": 1000 * warm_up,
        "lean_answered_p50_ms": 1000 * statistics.median(answered),
        "lean_first_p50_ms": 1000 * statistics.median(first),
        "lean_p50_ms": 1000 * statistics.median(latencies),
        "lean_p99_ms": 1000 * _pct(latencies, 0.99),
        "lean_last_p50_ms": 1000 * statistics.median(last),
        "lean_max_ms": 1000 * max(latencies),
    }


async def _connect_asyncio(endpoints: list[tuple[str, int]], token: str) -> list:
    conns = []
    for host, port in endpoints:
        ws = await websockets.connect(f"ws://{host}:{port}/ws", max_queue=None)
        await ws.recv()
        await ws.send(json.dumps({"type": "hello", "token": token}))
        conns.append(ws)
    for ws in conns:
        while json.loads(await ws.recv())["type"] != "hello":
            pass
    return conns


async def _latency_asyncio(shape: Shape, device: str, conns: list, samples: int) -> dict[str, object]:
    """The same, ending when one asyncio client (the `websockets` library) has read each socket's frame."""
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(samples):
            url, body, headers = _intake(shape, device, n, f"bench-lat-{n:05d}")
            t0 = time.perf_counter()
            response = await http.post(url, json=body, headers=headers)
            assert response.status_code == 201, response.text
            latencies += await asyncio.gather(*(_heard(ws, t0) for ws in conns))
    return {
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * _pct(latencies, 0.99),
        "max_ms": 1000 * max(latencies),
    }


async def _throughput(shape: Shape, device: str, intakes: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as http:

        async def one(n: int) -> None:
            async with semaphore:
                url, body, headers = _intake(shape, device, n, f"bench-tp-{n:05d}")
                for attempt in range(3):  # a keep-alive connection closed under us: the same key, one case
                    try:
                        response = await http.post(url, json=body, headers=headers)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                assert response.status_code in (200, 201), response.text

        t0 = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(intakes)))
        return intakes / (time.perf_counter() - t0)


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
    parser.add_argument(
        "--reader",
        choices=["lean", "asyncio", "lean+asyncio"],
        default="lean+asyncio",
        help="who reads: lean epoll readers in child processes, one asyncio client, or both in turn",
    )
    parser.add_argument("--reader-processes", type=int, default=2, help="processes for the lean readers")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in (1, 3):
            shape = Shape(count, Path(scratch))
            try:
                shape.start()
                results[count] = asyncio.run(
                    _measure(
                        shape,
                        args.sockets,
                        args.samples,
                        args.intakes,
                        args.concurrency,
                        args.reader,
                        args.reader_processes,
                    )
                )
                print(f"{count} process(es): {results[count]}", flush=True)
            finally:
                shape.stop()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{args.sockets} admin websockets spread over the processes, {args.samples} intakes for latency")
    print(f"{'':32}{'1 process':>14}{'3 processes':>14}")
    rows = [
        ("websockets connected (s)", "connected_s", "{:.1f}"),
        ("lean: first intake, last socket (ms)", "lean_warm_up_ms", "{:.1f}"),
        ("lean: intake answered p50 (ms)", "lean_answered_p50_ms", "{:.1f}"),
        ("lean: first socket p50 (ms)", "lean_first_p50_ms", "{:.1f}"),
        ("lean: push p50 (ms)", "lean_p50_ms", "{:.1f}"),
        ("lean: push p99 (ms)", "lean_p99_ms", "{:.1f}"),
        ("lean: last socket p50 (ms)", "lean_last_p50_ms", "{:.1f}"),
        ("lean: push max (ms)", "lean_max_ms", "{:.1f}"),
        ("asyncio: push p50 (ms)", "p50_ms", "{:.1f}"),
        ("asyncio: push p99 (ms)", "p99_ms", "{:.1f}"),
        ("asyncio: push max (ms)", "max_ms", "{:.1f}"),
        ("intake throughput (case/s)", "throughput", "{:.1f}"),
        ("failover: lease taken (s)", "lease_taken_s", "{:.2f}"),
        ("failover: intake answered (s)", "intake_after_s", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        cells = [fmt.format(results[c][key]) if key in results[c] else "-" for c in (1, 3)]
        print(f"{label:32}{cells[0]:>14}{cells[1]:>14}")


if __name__ == "__main__":
    main()
