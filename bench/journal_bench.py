# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Live desk start-up: the old full replay of the journal against a checkpoint plus its tail.

Run: python bench/journal_bench.py [--sizes 10000,100000,1000000] [--full-max 1000000]

1. For each size, writes a SQLite database (the real schema, by the migrations) whose routing journal holds
   that many events with their decisions, exactly as the desk writes them: a busy desk open round the clock
   (12 counselors, 25 interpreters, more arrivals than it serves until 300 cases are live, so the live state
   stays a few hundred cases however long the history), the policy row, and the three newest checkpoints (one
   every 500 events; the newest 500 events before the end: the longest tail a start can meet).
2. Measures each way to start in a fresh subprocess (so peak memory is that start's alone): "full" is the
   release before checkpoints (`_rebuild`: load every event row, replay all under today's policy);
   "checkpoint" is `app.live.journal.rebuild` (newest checkpoint plus the tail, decisions compared with the
   recorded ones).
   Time is wall-clock for the whole rebuild (database reads included); peak memory is the subprocess's peak
   resident set (VmHWM), printed beside a subprocess that only imports the same modules (the floor).
Full replays above --full-max are not run: their time and memory are extrapolated linearly from the largest
measured one and marked "extrapolated".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = datetime(2026, 6, 1, 1, 30, tzinfo=UTC)
CHECKPOINT_EVERY = 500
TAIL = CHECKPOINT_EVERY  # the newest checkpoint is a whole interval old: the longest tail there is


def bench_policy():
    from routing import DeskPolicy, default_policy_data

    data = default_policy_data()
    always = {
        "opens": "00:00",
        "closes": "23:59",
        "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "timezone": "Asia/Tokyo",
        "holiday_country": None,
        "annual_closures": [],
    }
    data["desk_hours"] = dict(always)
    data["interpreter_hours"] = dict(always)
    return DeskPolicy.from_dict(data)


# -- writing a journal -------------------------------------------------------------------------------------


def generate(path: Path, size: int, seed: int) -> dict[str, Any]:
    """A migrated SQLite database with `size` journalled events, their decisions, policy and checkpoints."""
    from sqlalchemy import create_engine, insert

    from app import migrate
    from app.live.journal import EVENT_FORMAT
    from app.live.models import RoutingCheckpoint, RoutingDecision, RoutingEvent, RoutingPolicy
    from routing import (
        CHECKPOINT_FORMAT,
        Assigned,
        CallEnded,
        Closed,
        ConsultationCancelled,
        ConsultationRequested,
        CounselorPresent,
        Engine,
        FallbackAccepted,
        FallbackOffered,
        FallbackOption,
        InterpreterAvailable,
        OfferAccepted,
        OfferDeclined,
        Offered,
        OfferEnded,
        Priority,
        ServiceMode,
        Tick,
        decision_to_dict,
        event_to_dict,
        policy_version,
    )

    rng = random.Random(seed)
    policy = bench_policy()
    version = policy_version(policy)
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    db = create_engine(f"sqlite:///{path}")
    engine = Engine(policy)
    remote = [code for code, mode in policy.languages.items() if mode is ServiceMode.REMOTE]
    on_site = [code for code, mode in policy.languages.items() if mode is ServiceMode.ON_SITE]
    now = START
    events: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    checkpoints: list[dict[str, Any]] = []
    ringing: dict[str, tuple[str, datetime]] = {}  # request -> interpreter, deadline
    calls: list[str] = []
    waiting: list[str] = []
    live: set[str] = set()
    seq = 0
    made = 0

    def send(event) -> None:
        nonlocal seq
        out = engine.handle(event)
        seq += 1
        events.append(
            {
                "seq": seq,
                "at": event.at,
                "kind": type(event).__name__,
                "request_id": getattr(event, "request_id", None),
                "payload": event_to_dict(event),
                "recorded_at": event.at,
                "format_version": EVENT_FORMAT,
                "policy_version": version,
            }
        )
        for decision in out:
            decisions.append(
                {
                    "event_seq": seq,
                    "kind": type(decision).__name__,
                    "request_id": getattr(decision, "request_id", None),
                    "payload": decision_to_dict(decision),
                }
            )
            match decision:
                case Offered():
                    ringing[decision.request_id] = (decision.interpreter_id, decision.deadline)
                case OfferEnded():
                    ringing.pop(decision.request_id, None)
                case Assigned():
                    ringing.pop(decision.request_id, None)
                    if not decision.rejoin:
                        calls.append(decision.request_id)
                case FallbackOffered() if not decision.queued:
                    waiting.append(decision.request_id)
                case Closed():
                    live.discard(decision.request_id)
        if seq % CHECKPOINT_EVERY == 0 and seq <= size - TAIL:
            checkpoints.append(
                {
                    "event_seq": seq,
                    "format_version": CHECKPOINT_FORMAT,
                    "policy_version": version,
                    "at": engine.now,
                    "payload": engine.checkpoint(),
                    "created_at": engine.now,
                }
            )
            del checkpoints[:-3]
        if len(events) >= 20_000:
            flush()

    def flush() -> None:
        if not events:
            return
        with db.begin() as connection:
            connection.execute(insert(RoutingEvent.__table__), events)
            if decisions:
                connection.execute(insert(RoutingDecision.__table__), decisions)
        events.clear()
        decisions.clear()

    for n in range(12):
        languages = frozenset(rng.sample(on_site, rng.randint(0, 2)))
        send(CounselorPresent(at=now, counselor_id=f"c{n}", languages=languages))
    for n in range(25):
        send(
            InterpreterAvailable(
                at=now,
                interpreter_id=f"i{n}",
                languages=frozenset(rng.sample(remote, 2)),
                gender=rng.choice(["female", "male", None]),
                safety_cleared=frozenset(),
            )
        )
    while seq < size:
        now += timedelta(seconds=rng.choice([1, 2, 3]))
        roll = rng.random()
        if waiting:
            request_id = waiting.pop()
            if request_id in live:
                send(FallbackAccepted(at=now, request_id=request_id, option=FallbackOption.MT_CHAT))
        elif roll < 0.45 and len(live) < 300:
            made += 1
            request_id = f"r{made}"
            live.add(request_id)
            language = rng.choice(on_site) if rng.random() < 0.6 else rng.choice(remote)
            send(
                ConsultationRequested(
                    at=now,
                    request_id=request_id,
                    language=language,
                    priority=Priority.URGENT if rng.random() < 0.05 else Priority.NORMAL,
                )
            )
        elif roll < 0.65 and any(deadline > now for _, deadline in ringing.values()):
            request_id, interpreter_id = next((r, i) for r, (i, d) in ringing.items() if d > now)
            kind = OfferAccepted if rng.random() < 0.85 else OfferDeclined
            send(kind(at=now, request_id=request_id, interpreter_id=interpreter_id))
        elif roll < 0.85 and calls:
            request_id = calls.pop(rng.randrange(len(calls)) if len(calls) > 8 else 0)
            send(CallEnded(at=now, request_id=request_id))
        elif roll < 0.88 and live:
            request_id = rng.choice(sorted(live - set(calls) - set(ringing)) or [""])
            if request_id and request_id in live:
                send(ConsultationCancelled(at=now, request_id=request_id))
        else:
            send(Tick(at=now))
    flush()
    with db.begin() as connection:
        connection.execute(
            insert(RoutingPolicy.__table__),
            [{"version": version, "payload": policy.to_dict(), "first_used_at": START}],
        )
        connection.execute(insert(RoutingCheckpoint.__table__), checkpoints)
    db.dispose()
    snapshot = engine.snapshot()
    return {
        "queued": len(snapshot.queue),
        "calls": len(snapshot.calls),
        "offers": len(snapshot.offers),
        "checkpoint_seq": checkpoints[-1]["event_seq"],
        "checkpoint_bytes": len(json.dumps(checkpoints[-1]["payload"])),
        "db_mb": path.stat().st_size / 1e6,
    }


# -- measuring one start (in a subprocess) ----------------------------------------------------------------


async def _start(path: Path, how: str) -> dict[str, Any]:
    from sqlalchemy import select

    from app.db import create_engine, create_sessionmaker
    from app.live import journal
    from app.live.models import RoutingEvent
    from routing import Engine, event_from_dict

    policy = bench_policy()
    db = create_engine(f"sqlite+aiosqlite:///{path}")
    sessionmaker = create_sessionmaker(db)
    if how == "floor":
        await db.dispose()
        return {"seconds": 0.0, "events": 0}
    started = time.perf_counter()
    async with sessionmaker() as session:
        if how == "full":  # the release before checkpoints: every row into memory, all re-decided
            rows = (await session.scalars(select(RoutingEvent).order_by(RoutingEvent.seq))).all()
            engine = Engine(policy)
            for row in rows:
                engine.handle(event_from_dict(row.payload))
            replayed, diverged = len(rows), 0
        else:
            rebuilt = await journal.rebuild(session, policy, lambda *_: None)
            engine, replayed, diverged = rebuilt.engine, rebuilt.replayed, rebuilt.diverged
    seconds = time.perf_counter() - started
    snapshot = engine.snapshot()
    await db.dispose()
    return {
        "seconds": seconds,
        "events": replayed,
        "diverged": diverged,
        "queued": len(snapshot.queue),
        "calls": len(snapshot.calls),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that across exec from the
    parent, which here is the generator holding a big journal."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(path: Path, how: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", how, "--db", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--full-max", type=int, default=100_000, help="largest full replay actually run")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--measure", choices=["full", "checkpoint", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        out = asyncio.run(_start(args.db, args.measure))
        out["maxrss_mb"] = peak_rss_mb()
        print(json.dumps(out))
        return
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}, seed {args.seed}")
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"journal-{size}.db"
            t0 = time.perf_counter()
            info = generate(path, size, args.seed)
            print(
                f"{size:>9,} events: written in {time.perf_counter() - t0:.0f} s, {info['db_mb']:.0f} MB; "
                f"live state {info['queued']} queued, {info['calls']} calls, {info['offers']} ringing; "
                f"newest checkpoint at event {info['checkpoint_seq']:,}, "
                f"{info['checkpoint_bytes'] / 1e3:.0f} kB",
                flush=True,
            )
            floor = measure(path, "floor")
            new = measure(path, "checkpoint")
            full = measure(path, "full") if size <= args.full_max else None
            rows.append((size, floor, full, new))
            path.unlink()
    measured = [(size, full) for size, _, full, _ in rows if full is not None]
    print()
    print(
        "| events | full replay: start-up | full replay: peak RSS | checkpoint + tail: start-up | "
        "checkpoint + tail: peak RSS | events replayed | import floor RSS |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, floor, full, new in rows:
        if full is not None:
            full_s, full_mb, mark = full["seconds"], full["maxrss_mb"], ""
            assert (full["queued"], full["calls"]) == (new["queued"], new["calls"]), "the two starts differ"
        else:
            base_size, base = measured[-1]
            scale = size / base_size
            full_s = base["seconds"] * scale
            full_mb = floor["maxrss_mb"] + (base["maxrss_mb"] - floor["maxrss_mb"]) * scale
            mark = " (extrapolated)"
        print(
            f"| {size:,} | {full_s:.2f} s{mark} | {full_mb:,.0f} MB{mark} | {new['seconds']:.3f} s | "
            f"{new['maxrss_mb']:,.0f} MB | {new['events']:,} | {floor['maxrss_mb']:,.0f} MB |"
        )
    diverged = sum(new.get("diverged", 0) for _, _, _, new in rows)
    print(f"\nreplayed decisions that differed from the recorded ones: {diverged}")


if __name__ == "__main__":
    main()
