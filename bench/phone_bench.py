"""Phone gateway cost: N concurrent SIP calls with audio both ways, held by one gateway process.

sipp (Debian ``sip-tester``) places N calls at once to the gateway's SIP line (aiosipua + aiortp, the same
``PhoneLine`` the app runs); each caller streams a looped A-law tone (sipp ``rtp_stream``) for the whole
window. The gateway side is, per call:

* ``--mode line``: the telephone leg alone: every caller frame is decoded and echoed back, paced by the
  line's 20 ms clock (SIP, RTP in and out, G.711, jitter buffer);
* ``--mode bridge``: the caller is bridged by ``PhoneBridge`` into a room (the real room signaling through
  ``LocalRooms``) with one other participant, itself a bridge fed by a tone: the caller's voice is
  upsampled and Opus-encoded, the other side decoded, downsampled and mixed back to the telephone. The CPU
  per call therefore includes the stand-in participant's bridge as well (an upper bound for one call).

CPU is this process's user+system time over the window (sipp runs in its own process and is not counted).
Frames per second per call show whether audio kept flowing both ways (50 expected).

    python bench/phone_bench.py --calls 1 10 50 --seconds 15 [--mode bridge]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import resource
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from app.clock import SYSTEM_CLOCK
from app.phone.sip import LineConfig, PhoneLine, SipCall

SCENARIO = Path(__file__).resolve().parents[1] / "tests" / "phone" / "sipp" / "uac_call.xml"
KEY_PCAP = Path("/usr/share/sip-tester/dtmf_2833_4.pcap")
SECRET = b"phone-bench-secret-0123456789abcdef0123"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alaw_tone(path: Path, seconds: float = 2.0, frequency: float = 600.0) -> Path:
    n = np.arange(int(8000 * seconds))
    samples = (9000 * np.sin(2 * math.pi * frequency * n / 8000)).astype(np.int32)
    out = bytearray()
    for sample in samples:
        sign = 0x00 if sample < 0 else 0x80
        magnitude = min(abs(int(sample)), 32767) >> 3
        if magnitude < 32:
            code = magnitude >> 1
        else:
            exponent = magnitude.bit_length() - 5
            code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
        out.append((sign | code) ^ 0x55)
    path.write_bytes(bytes(out))
    return path


class Sink(asyncio.DatagramProtocol):
    """Where the callers' SDP points our RTP (all calls share it): counts packets."""

    def __init__(self) -> None:
        self.packets = 0

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.packets += 1


@dataclass(frozen=True)
class Figures:
    calls: int
    answered: int
    seconds: float
    cpu_total_pct: float
    cpu_per_call_pct: float
    in_fps: float  # caller frames received per call per second, by the call that got the fewest
    in_median_fps: float
    out_fps: float  # frames sent to each caller per second
    setup_s: float


class Holder:
    """What the gateway does with each answered call while it is measured."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.calls: list[SipCall] = []
        self._rooms = None
        self._peers = None
        self._partners: list[object] = []
        self._bridges: list[object] = []

    async def serve(self, call: SipCall) -> None:
        self.calls.append(call)
        if self.mode == "line":
            while pcm := await call.read_frame():
                call.write_frame(pcm)
            return
        from realtime.peers.local_rooms import LocalRooms
        from realtime.peers.phone_bridge import PhoneBridge
        from realtime.peers.rtc import PeerRegistry
        from realtime.testing.tone_call import ToneCall

        if self._rooms is None:
            self._rooms, self._peers = LocalRooms(SECRET, now=SYSTEM_CLOCK.now), PeerRegistry()
        room = f"bench-{len(self.calls)}"
        await self._rooms.open(room)
        partner_line = ToneCall(900 + 7 * len(self.calls), keep_frames=10)
        partner = PhoneBridge(partner_line, self._rooms.transport(f"p-{room}"), peers=self._peers, name=room)
        caller = PhoneBridge(call, self._rooms.transport(f"c-{room}"), peers=self._peers, name=f"c{room}")
        self._bridges += [partner, caller]
        await partner.join(room)
        await caller.join(room)
        await call.wait_ended()

    async def close(self) -> None:
        for bridge in self._bridges:
            await bridge.close()  # type: ignore[attr-defined]
        if self._peers is not None:
            await self._peers.close_all()


async def measure(calls: int, seconds: float, mode: str, sipp: str) -> Figures:
    work = Path(tempfile.mkdtemp(prefix="phone-bench-"))
    sink = Sink()
    sink_port = free_udp_port()
    loop = asyncio.get_running_loop()
    sink_transport, _ = await loop.create_datagram_endpoint(lambda: sink, local_addr=("127.0.0.1", sink_port))
    scenario = work / "caller.xml"
    text = SCENARIO.read_text(encoding="utf-8")
    for key, value in {
        "CALLER": "0864000000",
        "SINK_PORT": str(sink_port),
        "KEY_PCAP": str(KEY_PCAP),
        "AUDIO": str(alaw_tone(work / "voice.al")),
    }.items():
        text = text.replace(f"@{key}@", value)
    scenario.write_text(text, encoding="utf-8")
    holder = Holder(mode)
    base = 30000 + (os.getpid() % 100) * 200
    config = LineConfig(
        bind_port=0, rtp_ports=(base, base + 2 * calls + 20), max_pending_per_source=calls, max_pending=calls
    )  # sipp's burst from one address is not a flood here: measure the cost, not the limit
    line = PhoneLine(config, holder.serve)
    await line.start()
    setup_started = time.monotonic()
    stay_ms = int((seconds + 10 + calls / 20) * 1000)
    proc = await asyncio.create_subprocess_exec(
        sipp, "-sf", str(scenario), f"127.0.0.1:{line.address[1]}", "-i", "127.0.0.1",
        "-p", str(free_udp_port()), "-mp", str(free_udp_port() & ~1),
        "-m", str(calls), "-l", str(calls), "-r", str(min(calls, 50)), "-d", str(stay_ms),
        "-timeout", str(int(stay_ms / 1000 + 60)) + "s", "-nostdin", "-max_socket", str(4 * calls + 100),
        "-trace_err", "-error_file", str(work / "sipp-errors.log"),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with asyncio.timeout(60 + calls):
            while len(line.calls) < calls or any(c.frames_in < 50 for c in line.calls.values()):
                if proc.returncode is not None:
                    errors = (work / "sipp-errors.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"sipp stopped early ({proc.returncode}): {errors}")
                await asyncio.sleep(0.05)
        setup_s = time.monotonic() - setup_started
        live = list(line.calls.values())
        frames_in = [c.frames_in for c in live]
        frames_out = [c.frames_out for c in live]
        cpu0, t0 = cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, elapsed = cpu_seconds() - cpu0, time.monotonic() - t0
        got = sorted(c.frames_in - f for c, f in zip(live, frames_in, strict=True))
        sent = sorted(c.frames_out - f for c, f in zip(live, frames_out, strict=True))
        in_fps, in_median = got[0] / elapsed, got[len(got) // 2] / elapsed
        out_fps = sent[0] / elapsed
        answered = line.stats.answered
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        await holder.close()
        await line.stop()
        sink_transport.close()
        shutil.rmtree(work, ignore_errors=True)
    return Figures(
        calls=calls,
        answered=answered,
        seconds=elapsed,
        cpu_total_pct=100 * cpu / elapsed,
        cpu_per_call_pct=100 * cpu / elapsed / calls,
        in_fps=in_fps,
        in_median_fps=in_median,
        out_fps=out_fps,
        setup_s=setup_s,
    )


async def main(args: argparse.Namespace) -> None:
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (Debian: apt-get install sip-tester)")
    print(
        f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"mode {args.mode}, load {os.getloadavg()[0]:.1f}"
    )
    print("calls  answered  CPU total  CPU per call  caller->gw min/median  gw->caller min  set-up")
    for calls in args.calls:
        if args.mode == "bridge":
            from realtime.peers.rtc import loopback_candidates

            with loopback_candidates():
                f = await measure(calls, args.seconds, args.mode, sipp)
        else:
            f = await measure(calls, args.seconds, args.mode, sipp)
        print(
            f"{f.calls:5d}  {f.answered:8d}  {f.cpu_total_pct:8.1f}%  {f.cpu_per_call_pct:11.2f}%  "
            f"{f.in_fps:10.1f} / {f.in_median_fps:4.1f}  {f.out_fps:14.1f}  {f.setup_s:5.1f}s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=15.0, help="measuring window per step")
    parser.add_argument("--mode", choices=("line", "bridge"), default="line")
    asyncio.run(main(parser.parse_args()))
