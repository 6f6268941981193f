"""aiortc bot <-> aiortc device-check echo on loopback: time to first remote video frame, and echo CPU cost.

Part 1 (latency): N runs in one process; each run creates a fresh bot and echo peer and measures createOffer
-> ICE+DTLS connected and createOffer -> first echoed video frame decoded by the bot, plus the CPU seconds the
whole process (bot + echo) spent per run.

Part 2 (server cost): the echo runs in a separate process (as it would in the app), the bot in this one; the
echo process reports its own CPU seconds (getrusage) for a session of fixed length, i.e. what one device check
costs the server.

    python bench/aiortc_bench.py --runs 20 --sessions 3 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiortc

from realtime.peers.device_check import DeviceCheck
from realtime.peers.rtc import PeerRegistry, loopback_candidates
from realtime.testing.bot import Bot


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: with 20 runs p95 is the 19th value)."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


async def one_run(width: int, height: int) -> tuple[float, float, float]:
    registry = PeerRegistry()
    check = DeviceCheck(registry)
    cpu0 = cpu_seconds()
    async with Bot(width=width, height=height) as bot:
        session_id, answer = await check.answer(await bot.create_offer())
        await bot.accept_answer(answer)
        first_frame = await bot.wait_first_frame("video", within_s=10)
        connected = bot.connected_after_s
        await check.close(session_id)
    await registry.close_all()
    assert connected is not None
    return connected, first_frame, cpu_seconds() - cpu0


async def latency(runs: int, width: int, height: int) -> None:
    await one_run(width, height)  # warm-up: imports, codec initialisation
    connected, first, cpu = [], [], []
    for _ in range(runs):
        c, f, u = await one_run(width, height)
        connected.append(c * 1000)
        first.append(f * 1000)
        cpu.append(u)
        await asyncio.sleep(0.1)
    print(f"latency: {runs} runs, {width}x{height} video + 48 kHz audio, bot <-> echo in one process")
    for name, values, unit in (
        ("createOffer -> ICE+DTLS connected", connected, "ms"),
        ("createOffer -> first remote video frame", first, "ms"),
    ):
        print(
            f"  {name:42s} p50 {percentile(values, 50):7.1f} {unit}  p95 {percentile(values, 95):7.1f} {unit}"
            f"  min {min(values):7.1f}  max {max(values):7.1f}"
        )
    print(
        f"  process CPU per run (bot+echo, setup to first frame + close): mean {statistics.mean(cpu):.3f} s"
    )


def echo_process(conn: Connection, seconds: float) -> None:
    """Child: answer one offer, echo for `seconds`, report own CPU use."""

    async def main() -> None:
        registry = PeerRegistry()
        check = DeviceCheck(registry, max_duration_s=seconds + 30)
        offer = conn.recv()
        cpu0 = cpu_seconds()
        session_id, answer = await check.answer(offer)
        conn.send(answer)
        await asyncio.sleep(seconds)
        report = await check.report(session_id)
        cpu = cpu_seconds() - cpu0
        await registry.close_all()
        frames = (
            report.video.frames_received if report.video else 0,
            report.audio.frames_received if report.audio else 0,
        )
        conn.send((cpu, frames, report.round_trip_time_s))

    with loopback_candidates():
        asyncio.run(main())


async def server_cost(sessions: int, seconds: float, width: int, height: int) -> None:
    ctx = mp.get_context("spawn")
    results = []
    for _ in range(sessions):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=echo_process, args=(child, seconds))
        proc.start()
        async with Bot(width=width, height=height) as bot:
            parent.send(await bot.create_offer())
            answer = await asyncio.to_thread(parent.recv)
            await bot.accept_answer(answer)
            await bot.wait_first_frame("video", within_s=10)
            cpu, frames, rtt = await asyncio.to_thread(parent.recv)
        await asyncio.to_thread(proc.join, 10)
        results.append((cpu, frames, rtt))
    print(f"server cost: {sessions} echo sessions of {seconds:.0f} s, echo peer in its own process")
    for cpu, (video, audio), rtt in results:
        rtt_text = "n/a" if rtt is None else f"{rtt * 1000:.1f} ms"
        print(
            f"  echo CPU {cpu:6.2f} s = {100 * cpu / seconds:5.1f}% of one core;"
            f" echoed {video} video / {audio} audio frames; RTT {rtt_text}"
        )
    mean = statistics.mean(r[0] for r in results)
    print(
        f"  mean echo CPU per session: {mean:.2f} s per {seconds:.0f} s"
        f" ({100 * mean / seconds:.1f}% of one core)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, aiortc {aiortc.__version__}, {os.cpu_count()} cores,"
        f" load average before {os.getloadavg()[0]:.2f}"
    )
    with loopback_candidates():
        asyncio.run(latency(args.runs, args.width, args.height))
        if args.sessions:
            asyncio.run(server_cost(args.sessions, args.seconds, args.width, args.height))
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
