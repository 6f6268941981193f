# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""A small driver for routing tests: a desk with a clock, records of events and decisions, terse helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from routing import (
    CounselorPresent,
    Decision,
    DeskPolicy,
    Engine,
    Event,
    InterpreterAvailable,
    Priority,
    SafetyFlag,
    Tick,
    default_policy_data,
)
from routing.events import ConsultationRequested

JST = ZoneInfo("Asia/Tokyo")
D = TypeVar("D")


def jst(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Tokyo wall-clock time as a UTC instant, the way events carry it."""
    return datetime(year, month, day, hour, minute, second, tzinfo=JST).astimezone(UTC)


def policy(**sections: Any) -> DeskPolicy:
    """The default desk policy with some sections overridden (merged key by key)."""
    data = default_policy_data()
    for name, values in sections.items():
        data[name] = {**data[name], **values} if isinstance(data[name], dict) else values
    return DeskPolicy.from_dict(data)


class Desk:
    """An engine plus a clock; every helper sends one event at the current time and returns its decisions."""

    def __init__(self, start: datetime, desk_policy: DeskPolicy | None = None) -> None:
        self.engine = Engine(desk_policy or DeskPolicy.default())
        self.now = start
        self.log: list[tuple[Event, list[Decision]]] = []

    def send(self, event: Event) -> list[Decision]:
        decisions = self.engine.handle(event)
        self.log.append((event, decisions))
        return decisions

    def advance(self, seconds: float) -> list[Decision]:
        self.now += timedelta(seconds=seconds)
        return self.send(Tick(at=self.now))

    def counselor(self, counselor_id: str, *languages: str) -> list[Decision]:
        return self.send(
            CounselorPresent(at=self.now, counselor_id=counselor_id, languages=frozenset(languages))
        )

    def interpreter(
        self,
        interpreter_id: str,
        *languages: str,
        gender: str | None = None,
        cleared: Iterable[SafetyFlag] = (),
        vendor: str = "default",
    ) -> list[Decision]:
        return self.send(
            InterpreterAvailable(
                at=self.now,
                interpreter_id=interpreter_id,
                languages=frozenset(languages),
                gender=gender,
                safety_cleared=frozenset(cleared),
                vendor=vendor,
            )
        )

    def request(
        self,
        request_id: str,
        language: str,
        *,
        urgent: bool = False,
        flags: Iterable[SafetyFlag] = (),
        gender: str | None = None,
        exclude: Iterable[str] = (),
        **extra: Any,
    ) -> list[Decision]:
        event = ConsultationRequested(
            at=self.now,
            request_id=request_id,
            language=language,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            safety_flags=frozenset(flags),
            gender_preference=gender,
            excluded_interpreter_ids=frozenset(exclude),
        )
        return self.send(replace(event, **extra) if extra else event)

    @property
    def decisions(self) -> list[Decision]:
        return [decision for _, decisions in self.log for decision in decisions]

    @property
    def events(self) -> list[Event]:
        return [event for event, _ in self.log]


def only(decisions: Iterable[object], kind: type[D]) -> list[D]:
    """The decisions of one kind, in order."""
    return [decision for decision in decisions if isinstance(decision, kind)]


def one(decisions: Iterable[object], kind: type[D]) -> D:
    """The single decision of a kind (fails the test if there are none or several)."""
    found = only(decisions, kind)
    assert len(found) == 1, f"expected one {kind.__name__}, got {found}"
    return found[0]


def random_scenario(seed: int, steps: int) -> list[Event]:
    """A random but valid event sequence (steered by the engine's own decisions), for replay tests."""
    import random

    from routing import (
        Assigned,
        CallEnded,
        CallTransferred,
        Closed,
        ConsultationAbandoned,
        InterpreterAway,
        InterpreterRequested,
        OfferAccepted,
        OfferDeclined,
        Offered,
        OfferEnded,
        ParticipantLeft,
        Requeued,
        Role,
        RoutingConflict,
    )

    rng = random.Random(seed)
    desk = Desk(jst(2026, 6, 1, 9, 55))
    languages = ["en", "zh", "vi", "ja", "ko", "pt", "ne", "es", "fil", "uk", "th"]
    interpreters = [f"interp-{n}" for n in range(24)]
    for n in range(5):
        desk.counselor(f"counselor-{n}", *rng.sample(["en", "zh", "vi"], rng.randint(0, 2)))
    for interpreter_id in interpreters:
        desk.interpreter(
            interpreter_id,
            *rng.sample(languages, rng.randint(1, 3)),
            gender=rng.choice([None, "female", "male"]),
            cleared=rng.sample([SafetyFlag.DV, SafetyFlag.CHILD], rng.randint(0, 2)),
            vendor=rng.choice(["default", "acme"]),
        )
    offers: dict[str, str] = {}
    calls: dict[str, str | None] = {}
    waiting: list[str] = []
    seeking: set[str] = set()  # calls back in the queue for an interpreter
    for step in range(steps):
        roll = rng.random()
        if roll < 0.3:
            request_id = f"req-{step}"
            waiting.append(request_id)
            decisions = desk.request(
                request_id,
                rng.choice(languages),
                urgent=rng.random() < 0.1,
                flags=rng.sample([SafetyFlag.DV, SafetyFlag.CHILD], rng.choice([0, 0, 0, 1, 2])),
                gender=rng.choice([None, None, "female", "male"]),
                exclude=rng.sample(interpreters, rng.choice([0, 0, 1, 3])),
            )
        elif roll < 0.55 and offers:
            request_id = rng.choice(sorted(offers))
            answer = OfferAccepted if rng.random() < 0.7 else OfferDeclined
            decisions = desk.send(
                answer(at=desk.now, request_id=request_id, interpreter_id=offers[request_id])
            )
        elif roll < 0.72 and calls:
            request_id = rng.choice(sorted(calls))
            in_call = calls[request_id]
            if in_call is not None and rng.random() < 0.2:
                event: Event = ParticipantLeft(
                    at=desk.now, request_id=request_id, role=Role.INTERPRETER, participant_id=in_call
                )
            elif in_call is None and request_id not in seeking and rng.random() < 0.2:
                event = InterpreterRequested(at=desk.now, request_id=request_id)
            elif rng.random() < 0.2:  # hand the call to a free colleague (the engine judges eligibility)
                free = [c.counselor_id for c in desk.engine.snapshot().counselors if c.state.value == "free"]
                event = CallTransferred(
                    at=desk.now, request_id=request_id, to_counselor_id=rng.choice(free or ["counselor-0"])
                )
            else:
                event = CallEnded(at=desk.now, request_id=request_id)
            try:
                decisions = desk.send(event)
            except RoutingConflict:  # a transfer the engine refused: nothing stored, time passes instead
                decisions = desk.advance(1)
        elif roll < 0.76 and waiting:
            decisions = desk.send(ConsultationAbandoned(at=desk.now, request_id=waiting.pop(0)))
        elif roll < 0.8:
            interpreter_id = rng.choice(interpreters)
            if rng.random() < 0.5:
                decisions = desk.send(InterpreterAway(at=desk.now, interpreter_id=interpreter_id))
            else:
                decisions = desk.interpreter(interpreter_id, *rng.sample(languages, 2))
        else:
            decisions = desk.advance(rng.choice([1, 3, 10, 25, 70]))
        for decision in decisions:
            if isinstance(decision, Offered):
                offers[decision.request_id] = decision.interpreter_id
            elif isinstance(decision, OfferEnded):
                offers.pop(decision.request_id, None)
            elif isinstance(decision, Requeued):
                seeking.add(decision.request_id)
            elif isinstance(decision, Assigned):
                offers.pop(decision.request_id, None)
                seeking.discard(decision.request_id)
                calls[decision.request_id] = decision.interpreter_id
                if decision.request_id in waiting:
                    waiting.remove(decision.request_id)
            elif isinstance(decision, Closed):
                calls.pop(decision.request_id, None)
                seeking.discard(decision.request_id)
                if decision.request_id in waiting:
                    waiting.remove(decision.request_id)
        for request_id in [r for r, i in calls.items() if i is not None]:
            if request_id in offers:  # a re-offer is ringing: the call has no interpreter for now
                calls[request_id] = None
    return desk.events
