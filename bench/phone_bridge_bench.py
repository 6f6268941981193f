"""Phone bridge cost: CPU per bridged phone call with N calls at once (aiortc on loopback, one process).

Each room holds two phone bridges talking to each other through the real room signaling (LocalRooms: the wire
codecs, RoomSignaling, room tokens), each fed by a fake telephone line humming its own tone. A bridge does
exactly what it does opposite a browser: upsample 8 -> 48 kHz and Opus-encode the caller, decode Opus and
downsample 48 -> 8 kHz the other side, mix, pace the line at 20 ms. So the process CPU divided by the number
of bridges is the server's cost of one phone call in a call with one other participant.

The figures also check the audio: every caller must hear the other side's tone (FFT peak) and the line must
have been written 50 frames a second.

    python bench/phone_bridge_bench.py --calls 1 5 10 --seconds 20

``measure_bridges(calls, seconds)`` is importable for other benches (e.g. the SIP gateway's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiortc
import numpy as np

from interpreters.peers.audio_mix import PHONE_RATE, level_dbfs
from interpreters.peers.local_rooms import LocalRooms
from interpreters.peers.phone_bridge import PhoneBridge
from interpreters.peers.rtc import PeerRegistry, loopback_candidates
from interpreters.peers.tone_call import ToneCall

SECRET = b"phone-bridge-bench-secret-0123456789abcdef"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dominant_hz(samples: np.ndarray) -> float:
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(x.size, 1 / PHONE_RATE)[int(np.argmax(spectrum))])


@dataclass(frozen=True)
class BridgeFigures:
    calls: int
    bridges: int
    seconds: float
    cpu_per_bridge_pct: float  # % of one core
    cpu_total_pct: float
    setup_s: float
    heard_right: int  # bridges whose caller heard the other side's tone
    line_fps_min: float  # frames written to the slowest line per second (50 expected)


async def measure_bridges(calls: int, seconds: float) -> BridgeFigures:
    """``calls`` rooms with two bridges each; CPU over ``seconds`` of steady media after all connected."""
    peers = PeerRegistry()
    rooms = LocalRooms(SECRET)
    lines: list[tuple[ToneCall, float]] = []
    bridges: list[PhoneBridge] = []
    started = time.monotonic()
    try:
        for i in range(calls):
            case = f"bench-{i}"
            await rooms.open(case)
            low, high = 300 + 37 * i, 1200 + 41 * i  # every caller a distinct tone
            for name, hz, other in (("a", low, high), ("b", high, low)):
                line = ToneCall(hz, keep_frames=100)
                transport = rooms.transport(f"phone-{i}{name}")
                bridge = PhoneBridge(line, transport, peers=peers, name=f"{i}{name}")
                await bridge.join(case)
                lines.append((line, other))
                bridges.append(bridge)
        async with asyncio.timeout(30):
            # media arrives in real time: poll until every bridge has heard half a second
            while any(min(b.stats.peer_frames.values(), default=0) < 25 for b in bridges):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        setup_s = time.monotonic() - started
        written = [line.frames_written for line, _ in lines]
        cpu0, t0 = cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, elapsed = cpu_seconds() - cpu0, time.monotonic() - t0
        fps = [(line.frames_written - w) / elapsed for (line, _), w in zip(lines, written, strict=True)]
        heard_right = sum(
            1
            for line, other in lines
            if level_dbfs(line.heard(50)) > -30 and abs(dominant_hz(line.heard(50)) - other) < 10
        )
    finally:
        for bridge in bridges:
            await bridge.close()
        await peers.close_all()
    n = len(bridges)
    return BridgeFigures(
        calls=calls,
        bridges=n,
        seconds=elapsed,
        cpu_per_bridge_pct=100 * cpu / elapsed / n,
        cpu_total_pct=100 * cpu / elapsed,
        setup_s=setup_s,
        heard_right=heard_right,
        line_fps_min=min(fps),
    )


async def main(args: argparse.Namespace) -> None:
    print(
        f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"aiortc {aiortc.__version__}, load {os.getloadavg()[0]:.1f}"
    )
    print("rooms  bridges  CPU total  CPU per bridge  set-up  heard the other tone  slowest line")
    with loopback_candidates():
        for calls in args.calls:
            f = await measure_bridges(calls, args.seconds)
            print(
                f"{f.calls:5d}  {f.bridges:7d}  {f.cpu_total_pct:8.1f}%  {f.cpu_per_bridge_pct:13.1f}%  "
                f"{f.setup_s:5.2f}s  {f.heard_right:>10d}/{f.bridges:<10d}  {f.line_fps_min:6.1f} frames/s"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 5, 10], help="rooms of two bridges")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window per step")
    asyncio.run(main(parser.parse_args()))
