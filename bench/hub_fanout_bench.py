# mypy: allow-untyped-defs, allow-untyped-calls
"""The hub's own cost of one frame to many sockets: queued (a task woken per socket) against eager.

Run: python bench/hub_fanout_bench.py [--sockets 2000] [--frames 50]

In-process, uvloop, sockets whose send completes at once (no network, no framing): what is left is the hub
and the event loop, i.e. what `Subscriber(eager=True)` saves on each push (app/live/hub.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.live.hub import Hub, Subscriber


async def one_shape(sockets: int, frames: int, *, eager: bool) -> list[float]:
    hub, done, count = Hub(), asyncio.Event(), [0]

    async def send(_text: str) -> None:
        count[0] += 1
        if count[0] == sockets:
            done.set()

    async def close(_code: int, _reason: str) -> None:
        return None

    subscribers = [Subscriber(send, close, f"s{i}", eager=eager) for i in range(sockets)]
    for subscriber in subscribers:
        subscriber.start()
        hub.subscribe(subscriber, ["desk"])
    await asyncio.sleep(0)
    took = []
    for _ in range(frames):
        count[0] = 0
        done.clear()
        t0 = time.perf_counter()
        hub.publish("desk", '{"type":"queue.changed","at":"2026-01-01T00:00:00+09:00"}')
        await done.wait()
        took.append(1000 * (time.perf_counter() - t0))
    for subscriber in subscribers:
        await subscriber.stop()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=50)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"one frame to {args.sockets} sockets, {args.frames} frames: ms until every socket was written")
    for eager in (False, True):
        took = sorted(uvloop.run(one_shape(args.sockets, args.frames, eager=eager)))
        label = "eager (in the publisher's turn)" if eager else "queued (a task per socket)"
        print(f"{label:34} p50 {statistics.median(took):7.1f}   max {took[-1]:7.1f}")


if __name__ == "__main__":
    main()
