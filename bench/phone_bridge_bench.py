"""Phone bridge cost: CPU per bridged phone call with N calls at once (aiortc on loopback, one process).

Each room holds ``--per-room`` phone bridges (2: a call with one other participant; 3: an interpreted call)
talking to each other through the real room signaling (LocalRooms: the wire codecs, RoomSignaling, room
tokens), each fed by a fake telephone line humming its own tone. A bridge does exactly what it does opposite
browsers: upsample 8 -> 48 kHz and Opus-encode the caller once per participant, decode Opus and downsample
48 -> 8 kHz from each participant, mix, pace the line at 20 ms. So the process CPU divided by the number of
bridges is the server's cost of one phone call in a call with ``per-room - 1`` other participants.

The figures also check the audio: every caller must hear the tone of each other participant (FFT peaks) and
the slowest line's frames per second show whether the 20 ms pacing held (50 expected). "Per audio-second" is
the CPU spent per second of audio a bridge actually received from each other participant (decoded frames x
20 ms): on a loaded machine the process falls behind and delivers less, so it is the steadier figure.

    python bench/phone_bridge_bench.py --calls 1 5 10 --seconds 20 [--per-room 3]

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

from app.clock import SYSTEM_CLOCK
from realtime.peers.audio_mix import PHONE_RATE, level_dbfs
from realtime.peers.local_rooms import LocalRooms
from realtime.peers.phone_bridge import PhoneBridge
from realtime.peers.rtc import PeerRegistry, loopback_candidates
from realtime.testing.tone_call import ToneCall

SECRET = b"phone-bridge-bench-secret-0123456789abcdef"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class BridgeFigures:
    calls: int
    bridges: int
    seconds: float
    cpu_per_bridge_pct: float  # % of one core
    cpu_per_audio_pct: float  # CPU per bridge-second of audio delivered end to end, % (for a loaded machine)
    cpu_total_pct: float
    setup_s: float
    heard_right: int  # bridges whose caller heard every other participant's tone
    line_fps_min: float  # frames written to the slowest line per second (50 expected)


def hears_all(samples: np.ndarray, tones: list[float]) -> bool:
    """Every tone stands out of the mix (its FFT peak within 10 Hz at least 20% of the strongest)."""
    if samples.size < 2000 or level_dbfs(samples) < -30:
        return False
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size)))
    freqs = np.fft.rfftfreq(samples.size, 1 / PHONE_RATE)
    return all(spectrum[np.abs(freqs - t) < 10].max() > 0.2 * spectrum.max() for t in tones)


async def measure_bridges(calls: int, seconds: float, per_room: int = 2) -> BridgeFigures:
    """``calls`` rooms of ``per_room`` bridges; CPU over ``seconds`` of steady media after all connected."""
    if not 2 <= per_room <= 4:
        raise ValueError("per_room must be 2-4 (a mesh room)")
    peers = PeerRegistry()
    rooms = LocalRooms(SECRET, now=SYSTEM_CLOCK.now)
    lines: list[tuple[ToneCall, list[float]]] = []
    bridges: list[PhoneBridge] = []
    started = time.monotonic()
    try:
        for i in range(calls):
            case = f"bench-{i}"
            await rooms.open(case)
            tones = [300 + 700 * k + 13 * i for k in range(per_room)]  # every caller a distinct tone
            for k, hz in enumerate(tones):
                line = ToneCall(hz, keep_frames=100)
                transport = rooms.transport(f"phone-{i}-{k}")
                bridge = PhoneBridge(line, transport, peers=peers, name=f"{i}-{k}")
                await bridge.join(case)
                lines.append((line, [t for t in tones if t != hz]))
                bridges.append(bridge)
        async with asyncio.timeout(30):
            # media arrives in real time: poll until every bridge has heard half a second
            while any(  # noqa: ASYNC110
                len(b.stats.peer_frames) < per_room - 1 or min(b.stats.peer_frames.values()) < 25
                for b in bridges
            ):
                await asyncio.sleep(0.05)
        setup_s = time.monotonic() - started
        written = [line.frames_written for line, _ in lines]
        carried = sum(sum(b.stats.peer_frames.values()) for b in bridges)
        cpu0, t0 = cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, elapsed = cpu_seconds() - cpu0, time.monotonic() - t0
        carried = sum(sum(b.stats.peer_frames.values()) for b in bridges) - carried
        fps = [(line.frames_written - w) / elapsed for (line, _), w in zip(lines, written, strict=True)]
        heard_right = sum(1 for line, others in lines if hears_all(line.heard(50), others))
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
        cpu_per_audio_pct=100 * cpu / (carried * 0.020 / (per_room - 1)),
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
    print(f"# {args.per_room} bridges per room: each bridge talks to {args.per_room - 1} others")
    print(
        "rooms  bridges  CPU total  CPU per bridge  per audio-second  set-up  heard every other tone"
        "  slowest line"
    )
    with loopback_candidates():
        for calls in args.calls:
            f = await measure_bridges(calls, args.seconds, args.per_room)
            print(
                f"{f.calls:5d}  {f.bridges:7d}  {f.cpu_total_pct:8.1f}%  {f.cpu_per_bridge_pct:13.1f}%  "
                f"{f.cpu_per_audio_pct:15.1f}%  "
                f"{f.setup_s:5.2f}s  {f.heard_right:>11d}/{f.bridges:<11d}  {f.line_fps_min:6.1f} frames/s"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 5, 10], help="rooms of two bridges")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window per step")
    parser.add_argument("--per-room", type=int, default=2, help="bridges per room (2-4)")
    asyncio.run(main(parser.parse_args()))
