# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Routing engine benchmark: per-event latency on a desk with 10,000 queued requests and 1,000 interpreters.

Run: python bench/routing_bench.py [--requests 10000] [--interpreters 1000] [--events 20000]

1. Builds the state: interpreters go available, requests queue while no counselor is present, then the
   counselors arrive (the first offers and assignments go out).
2. Runs a realistic mix (accept, decline, expire, call ended, new request, tick, cancel, interpreter churn)
   and times `Engine.handle` for each event with time.perf_counter_ns.
3. Replays the first --naive-events of the very same events into a naive engine whose selection scans every
   waiting request and every interpreter, checks it decides exactly the same, and prints both side by side.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing import (
    Assigned,
    CallEnded,
    Closed,
    ConsultationAbandoned,
    ConsultationCancelled,
    ConsultationRequested,
    CounselorPresent,
    Decision,
    DeskPolicy,
    Engine,
    Event,
    InterpreterAvailable,
    InterpreterAway,
    OfferAccepted,
    OfferDeclined,
    Offered,
    OfferEnded,
    OfferExpired,
    Priority,
    SafetyFlag,
    ServiceMode,
    Tick,
)
from routing.selection import choose_counselor
from routing.state import CounselorRecord, Need, Rank, RequestRecord

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 6, 1, 10, 30, tzinfo=JST).astimezone(UTC)  # a Monday, desk and vendor open
POLICY = DeskPolicy.default()
ON_SITE = [code for code, mode in POLICY.languages.items() if mode is ServiceMode.ON_SITE]
REMOTE = [code for code, mode in POLICY.languages.items() if mode is ServiceMode.REMOTE]
# Request mix loosely after the desk's figures: Vietnamese, Chinese, Korean, English, Portuguese, Nepali lead.
LANGUAGE_WEIGHTS = {
    "vi": 16, "zh": 12, "en": 10, "ja": 6, "ko": 10, "pt": 8, "ne": 8, "fil": 6, "id": 5, "es": 4,
    "hi": 3, "th": 3, "fr": 2, "ru": 2,
}  # fmt: skip
EVENT_WEIGHTS = {
    "accept": 24,
    "decline": 8,
    "expire": 5,
    "call_ended": 22,
    "new_request": 22,
    "tick": 14,
    "cancel": 2,
    "interpreter_churn": 3,
}


Candidate = tuple[RequestRecord, CounselorRecord | None, str | None]
ANSWERS: dict[str, type[OfferAccepted | OfferDeclined | OfferExpired]] = {
    "accept": OfferAccepted,
    "decline": OfferDeclined,
    "expire": OfferExpired,
}


class NaiveEngine(Engine):
    """The same rules without indexes: each dispatch scans every live request and every interpreter."""

    def _find_candidate(self, capacity: int) -> Candidate | None:
        now = self._clock()
        best: Candidate | None = None
        best_key = None
        for request in self._requests.values():
            if request.bucket is None or request.live_key is None:
                continue  # not waiting
            key = request.live_key
            if (best_key is not None and key >= best_key) or (capacity <= 0 and key[0] != Rank.REOFFER):
                continue
            need = request.bucket_key()[0]
            if need is not Need.INTERPRETER:
                counselor = choose_counselor(
                    self._free.values(), request.language, self._policy.staff_language
                )
                if counselor is not None:
                    best, best_key = (request, counselor, None), key
                    continue
                if need is Need.COUNSELOR:
                    continue
            chosen = self._scan_interpreters(request, now)
            if chosen is not None:
                best, best_key = (request, None, chosen), key
        return best

    def _scan_interpreters(self, request: RequestRecord, now: datetime) -> str | None:
        chosen = None
        for interpreter in self._interpreters.values():
            if not (interpreter.is_idle and interpreter.can_take(request, now)):
                continue
            if not self._vendor_open(interpreter.vendor):
                continue
            if interpreter.interpreter_id == request.reserved_interpreter_id:
                return interpreter.interpreter_id
            if chosen is None or interpreter.idle_key < chosen.idle_key:
                chosen = interpreter
        return None if chosen is None else chosen.interpreter_id


class Workload:
    """Generates the events of a busy desk, steering by the decisions the engine returns."""

    def __init__(self, rng: random.Random, interpreters: int, counselors: int) -> None:
        self.rng = rng
        self.now = START
        self.n_interpreters = interpreters
        self.n_counselors = counselors
        self.request_seq = 0
        self.offers: dict[str, str] = {}  # request -> interpreter
        self.calls: list[str] = []
        self.waiting: dict[str, None] = {}  # ordered set of queued request ids
        self.interpreter_ids: list[str] = []
        self.away: list[str] = []
        self.profiles: dict[str, InterpreterAvailable] = {}

    def observe(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            if isinstance(decision, Offered):
                self.offers[decision.request_id] = decision.interpreter_id
            elif isinstance(decision, OfferEnded):
                self.offers.pop(decision.request_id, None)
            elif isinstance(decision, Assigned):
                self.offers.pop(decision.request_id, None)
                self.waiting.pop(decision.request_id, None)
                if not decision.rejoin:
                    self.calls.append(decision.request_id)
            elif isinstance(decision, Closed):
                self.waiting.pop(decision.request_id, None)
                self.offers.pop(decision.request_id, None)

    def setup_events(self, requests: int) -> list[Event]:
        rng = self.rng
        events: list[Event] = []
        languages = [*REMOTE, *ON_SITE[1:], "uk"]  # interpreters also cover en/zh/vi (relaxation route)
        for n in range(self.n_interpreters):
            spoken = {rng.choice(languages)}
            if rng.random() < 0.3:
                spoken.add(rng.choice(languages))
            event = InterpreterAvailable(
                at=self.now,
                interpreter_id=f"i{n:04d}",
                languages=frozenset(spoken),
                vendor="default" if rng.random() < 0.8 else "acme",
                gender=rng.choice(["female", "male", None]),
                safety_cleared=frozenset(
                    flag for flag, p in ((SafetyFlag.DV, 0.1), (SafetyFlag.CHILD, 0.05)) if rng.random() < p
                ),
            )
            self.profiles[event.interpreter_id] = event
            self.interpreter_ids.append(event.interpreter_id)
            events.append(event)
        for _ in range(requests):
            self.now += timedelta(milliseconds=50)
            events.append(self.new_request())
        for n in range(self.n_counselors):
            speaks: tuple[str, ...] = [("en",), ("zh", "vi"), ("vi",), (), ()][n % 5]
            events.append(
                CounselorPresent(at=self.now, counselor_id=f"c{n:02d}", languages=frozenset(speaks))
            )
        return events

    def new_request(self) -> ConsultationRequested:
        rng = self.rng
        self.request_seq += 1
        request_id = f"r{self.request_seq:06d}"
        flags = frozenset({SafetyFlag.DV}) if rng.random() < 0.03 else frozenset()
        excluded = frozenset(rng.sample(self.interpreter_ids, 2)) if rng.random() < 0.05 else frozenset()
        self.waiting[request_id] = None
        return ConsultationRequested(
            at=self.now,
            request_id=request_id,
            language=rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0],
            priority=Priority.URGENT if rng.random() < 0.05 else Priority.NORMAL,
            gender_preference=rng.choice(["female", "male"]) if rng.random() < 0.15 else None,
            safety_flags=flags,
            excluded_interpreter_ids=excluded,
            channel=rng.choice(["counter", "satellite", "phone", "video"]),
        )

    def next_event(self) -> tuple[str, Event]:
        rng = self.rng
        kinds = list(EVENT_WEIGHTS)
        while True:
            kind = rng.choices(kinds, weights=list(EVENT_WEIGHTS.values()))[0]
            self.now += timedelta(milliseconds=rng.randint(50, 400))
            if kind in ("accept", "decline", "expire") and self.offers:
                request_id = rng.choice(list(self.offers))
                interpreter_id = self.offers[request_id]
                answer = ANSWERS[kind]
                return kind, answer(at=self.now, request_id=request_id, interpreter_id=interpreter_id)
            if kind == "call_ended" and self.calls:
                request_id = self.calls.pop(rng.randrange(len(self.calls)))
                return kind, CallEnded(at=self.now, request_id=request_id)
            if kind == "new_request":
                return kind, self.new_request()
            if kind == "tick":
                self.now += timedelta(seconds=1)
                return kind, Tick(at=self.now)
            if kind == "cancel" and self.waiting:
                request_id = next(iter(self.waiting))  # the longest waiting gives up
                self.waiting.pop(request_id)
                gives_up: type[ConsultationCancelled | ConsultationAbandoned] = (
                    ConsultationCancelled if rng.random() < 0.5 else ConsultationAbandoned
                )
                return kind, gives_up(at=self.now, request_id=request_id)
            if kind == "interpreter_churn":
                if self.away and rng.random() < 0.5:
                    interpreter_id = self.away.pop(rng.randrange(len(self.away)))
                    profile = self.profiles[interpreter_id]
                    return kind, InterpreterAvailable(
                        at=self.now,
                        interpreter_id=interpreter_id,
                        languages=profile.languages,
                        vendor=profile.vendor,
                        gender=profile.gender,
                        safety_cleared=profile.safety_cleared,
                    )
                interpreter_id = rng.choice(self.interpreter_ids)
                if interpreter_id not in self.away:
                    self.away.append(interpreter_id)
                    return kind, InterpreterAway(at=self.now, interpreter_id=interpreter_id)


def timed_run(
    engine: Engine, events: list[tuple[str, Event]]
) -> tuple[dict[str, list[int]], list[list[Decision]]]:
    latencies: dict[str, list[int]] = defaultdict(list)
    outputs: list[list[Decision]] = []
    clock = time.perf_counter_ns
    gc.collect()
    for kind, event in events:
        started = clock()
        decisions = engine.handle(event)
        latencies[kind].append(clock() - started)
        outputs.append(decisions)
    return latencies, outputs


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0  # ns -> µs


def summary(name: str, latencies: dict[str, list[int]], outputs: list[list[Decision]]) -> dict[str, float]:
    everything = [ns for values in latencies.values() for ns in values]
    total_s = sum(everything) / 1e9
    decisions = sum(len(d) for d in outputs)
    return {
        "events": len(everything),
        "decisions": decisions,
        "events_per_s": len(everything) / total_s,
        "decisions_per_s": decisions / total_s,
        "p50": percentile(everything, 0.50),
        "p90": percentile(everything, 0.90),
        "p99": percentile(everything, 0.99),
        "max": max(everything) / 1000.0,
        "mean": statistics.fmean(everything) / 1000.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--interpreters", type=int, default=1_000)
    parser.add_argument("--counselors", type=int, default=40)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--naive-events", type=int, default=1_000)
    parser.add_argument("--worst-naive-events", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    workload = Workload(rng, args.interpreters, args.counselors)
    engine = Engine(POLICY)
    setup = workload.setup_events(args.requests)
    started = time.perf_counter()
    setup_outputs = [engine.handle(event) for event in setup]
    setup_s = time.perf_counter() - started
    for decisions in setup_outputs:
        workload.observe(decisions)

    # Generate the mix against the indexed engine (events depend on its decisions), timing each event.
    mix: list[tuple[str, Event]] = []
    latencies: dict[str, list[int]] = defaultdict(list)
    outputs: list[list[Decision]] = []
    clock = time.perf_counter_ns
    gc.collect()
    for _ in range(args.events):
        kind, event = workload.next_event()
        began = clock()
        decisions = engine.handle(event)
        latencies[kind].append(clock() - began)
        workload.observe(decisions)
        mix.append((kind, event))
        outputs.append(decisions)
    snapshot = engine.snapshot()

    # The naive engine replays the same setup and the first events of the same mix.
    naive = NaiveEngine(POLICY)
    for event in setup:
        naive.handle(event)
    naive_latencies, naive_outputs = timed_run(naive, mix[: args.naive_events])
    same = naive_outputs == outputs[: args.naive_events]
    indexed_head: dict[str, list[int]] = defaultdict(list)
    for (kind, _), ns in zip(mix[: args.naive_events], _flatten_in_order(latencies, mix), strict=False):
        indexed_head[kind].append(ns)

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}, seed {args.seed}")
    print(
        f"state: {args.requests:,} requests queued, {args.interpreters:,} interpreters,"
        f" {args.counselors} counselors; setup {len(setup):,} events in {setup_s:.2f} s"
    )
    print(
        f"after the mix: {len(snapshot.queue):,} queued, {len(snapshot.offers)} offers ringing,"
        f" {len(snapshot.calls)} calls in progress"
    )
    print()
    print(f"indexed engine, {args.events:,} events (latency per event, µs)")
    _table(latencies, sum(len(decisions) for decisions in outputs))
    print()
    print(
        f"side by side on the first {args.naive_events:,} events of the same mix"
        f" (identical decisions: {same})"
    )
    rows = [
        ("indexed", summary("indexed", indexed_head, outputs[: args.naive_events])),
        ("naive linear scan", summary("naive", naive_latencies, naive_outputs)),
    ]
    print(f"{'engine':<20}{'events/s':>12}{'decisions/s':>14}{'p50 µs':>10}{'p99 µs':>10}{'max µs':>11}")
    for name, row in rows:
        print(
            f"{name:<20}{row['events_per_s']:>12,.0f}{row['decisions_per_s']:>14,.0f}"
            f"{row['p50']:>10.1f}{row['p99']:>10.1f}{row['max']:>11.1f}"
        )
    if not same:
        raise SystemExit("the naive engine decided differently: the indexes are wrong")
    print()
    print(
        "worst case: 09:30, vendor closed, a counselor free,"
        f" {args.requests:,} remote requests queued; every event scans all buckets and rings nobody"
    )
    worst_case(args.requests, args.interpreters, 1, 4_000, args.worst_naive_events, args.seed)


def worst_case(
    requests: int, interpreters: int, counselors: int, events: int, naive_events: int, seed: int
) -> None:
    """Every counselor free, nobody dispatchable: 09:30, vendor not open yet, only remote requests queued.

    Each event must then look at every waiting bucket and find nobody to ring: the worst steady state.
    """
    rng = random.Random(seed)
    workload = Workload(rng, interpreters, counselors)
    workload.now = datetime(2026, 6, 1, 9, 30, tzinfo=JST).astimezone(UTC)
    remote_weights = {code: weight for code, weight in LANGUAGE_WEIGHTS.items() if code in REMOTE}
    setup: list[Event] = []
    for event in workload.setup_events(0):
        setup.append(event)
    remote_requests = []
    for _ in range(requests):
        workload.now += timedelta(milliseconds=10)
        request = workload.new_request()
        remote_requests.append(
            ConsultationRequested(
                at=request.at,
                request_id=request.request_id,
                language=rng.choices(list(remote_weights), weights=list(remote_weights.values()))[0],
                priority=request.priority,
                gender_preference=request.gender_preference,
                safety_flags=request.safety_flags,
                excluded_interpreter_ids=request.excluded_interpreter_ids,
            )
        )
    mix: list[tuple[str, Event]] = []
    for n in range(events):
        workload.now += timedelta(milliseconds=100)
        if n % 2:
            mix.append(("tick", Tick(at=workload.now)))
        else:
            request = workload.new_request()
            mix.append(
                (
                    "new_request",
                    ConsultationRequested(at=request.at, request_id=request.request_id, language="ne"),
                )
            )
    results = []
    for name, cls, count in (("indexed", Engine, events), ("naive linear scan", NaiveEngine, naive_events)):
        engine = cls(POLICY)
        # Counselors sign in last, so building the queue does not make the naive engine scan on every arrival.
        for event in sorted([*setup, *remote_requests], key=lambda e: isinstance(e, CounselorPresent)):
            engine.handle(event)
        if count:
            latencies, outputs = timed_run(engine, mix[:count])
            results.append((name, summary(name, latencies, outputs)))
    print(f"{'engine':<20}{'events':>8}{'p50 µs':>10}{'p99 µs':>10}{'max µs':>11}")
    for name, row in results:
        print(f"{name:<20}{row['events']:>8,}{row['p50']:>10.1f}{row['p99']:>10.1f}{row['max']:>11.1f}")


def _flatten_in_order(latencies: dict[str, list[int]], mix: list[tuple[str, Event]]) -> list[int]:
    cursor: Counter[str] = Counter()
    ordered = []
    for kind, _ in mix:
        ordered.append(latencies[kind][cursor[kind]])
        cursor[kind] += 1
    return ordered


def _table(latencies: dict[str, list[int]], decisions: int) -> None:
    print(f"{'event':<20}{'count':>8}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>10}")
    for kind in EVENT_WEIGHTS:
        values = latencies.get(kind)
        if values:
            print(
                f"{kind:<20}{len(values):>8,}{percentile(values, 0.5):>9.1f}{percentile(values, 0.9):>9.1f}"
                f"{percentile(values, 0.99):>9.1f}{max(values) / 1000:>10.1f}"
            )
    everything = [ns for values in latencies.values() for ns in values]
    total_s = sum(everything) / 1e9
    print(
        f"{'all':<20}{len(everything):>8,}{percentile(everything, 0.5):>9.1f}"
        f"{percentile(everything, 0.9):>9.1f}{percentile(everything, 0.99):>9.1f}"
        f"{max(everything) / 1000:>10.1f}"
        f"   -> {len(everything) / total_s:,.0f} events/s, {decisions / total_s:,.0f} decisions/s"
    )


if __name__ == "__main__":
    main()
