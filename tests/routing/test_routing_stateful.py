# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Stateful property tests: random sequences of events keep the engine's invariants.

After every step: nobody is double-booked; no waiting request could have been dispatched with the people who
are free (checked by brute force, independently of the engine's indexes); dispatches within one event come in
(rank, arrival) order and never skip an earlier, equally constrained request. At the end the desk is driven
to quiescence: every request was assigned or offered a fallback, ends in exactly one terminal state, and
replaying the JSON-stored events into a fresh engine gives the same decisions and the same snapshot.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from routing_kit import Desk, jst, policy

from routing import (
    Assigned,
    CallEnded,
    CallTransferred,
    Closed,
    ConsultationAbandoned,
    ConsultationCancelled,
    ConsultationRequested,
    CounselorAway,
    CounselorBusy,
    CounselorFree,
    CounselorPresent,
    CounselorState,
    Decision,
    Engine,
    Event,
    FallbackAccepted,
    FallbackOffered,
    FallbackOption,
    InterpreterAvailable,
    InterpreterAway,
    InterpreterOffline,
    InterpreterRequested,
    InterpreterState,
    OfferAccepted,
    OfferDeclined,
    Offered,
    OfferEnded,
    OfferEndReason,
    OfferExpired,
    ParticipantLeft,
    Priority,
    QueueState,
    Role,
    RoutingConflict,
    SafetyFlag,
    ServiceMode,
    Snapshot,
    Tick,
    Transferred,
    WrapUpEnded,
    event_from_dict,
    event_to_dict,
)

POLICY = policy(
    offers={"timeout_s": 20, "max_missed_in_row": 2, "redial_cooldown_s": 30},
    relaxation={
        "on_site_to_remote_after_s": 60,
        "gender_after_s": 40,
        "remote_fallback_after_s": 120,
        "on_site_fallback_after_s": 300,
    },
)
START_TIMES = [
    jst(2026, 6, 1, 10, 0),  # normal weekday
    jst(2026, 6, 2, 13, 0),
    jst(2026, 6, 1, 9, 50),  # the vendor opens after ten minutes
    jst(2026, 6, 1, 16, 50),  # the desk closes during the run
    jst(2026, 11, 23, 11, 0),  # national holiday
]
COUNSELORS = {"c-en": ("en",), "c-zhvi": ("zh", "vi"), "c-ja": ()}
INTERPRETERS = {
    "i-ko-f": (("ko",), "female", (SafetyFlag.DV,)),
    "i-ko-m": (("ko", "en"), "male", ()),
    "i-ne-f": (("ne",), "female", (SafetyFlag.DV, SafetyFlag.CHILD)),
    "i-ne-m": (("ne", "hi"), "male", ()),
    "i-pt": (("pt",), None, ()),
    "i-uk": (("uk",), "female", ()),
}
LANGUAGES = ["en", "zh", "ja", "ko", "ne", "pt", "uk", "th"]  # th: nobody covers it
RANK = {Priority.URGENT: 1, Priority.NORMAL: 2}
PRESENCE: dict[str, type[CounselorFree | CounselorBusy | CounselorAway]] = {
    "free": CounselorFree,
    "busy": CounselorBusy,
    "away": CounselorAway,
}
ANSWERS: dict[str, type[OfferAccepted | OfferDeclined | OfferExpired]] = {
    "accept": OfferAccepted,
    "decline": OfferDeclined,
    "expire": OfferExpired,
}


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.desk: Desk
        self.snap: Snapshot
        self.requests: dict[str, ConsultationRequested] = {}
        self.arrival: dict[str, int] = {}
        self.closed: Counter[str] = Counter()
        self.assigned: set[str] = set()
        self.fell_back: set[str] = set()
        self.left_early: set[str] = set()  # closed by the resident before anything was decided for them
        self.cooldown: dict[tuple[str, str], datetime] = {}
        self.known_counselors: set[str] = set()
        self.known_interpreters: set[str] = set()

    # -- plumbing ---------------------------------------------------------------------------------

    def send(self, event: Event) -> list[Decision]:
        waiting_before = {e.request_id for e in self.snap.queue if e.state is QueueState.WAITING}
        decisions = self.desk.send(event)
        self.snap = self.desk.engine.snapshot()
        dispatched: list[tuple[tuple[int, int], str, str | None]] = []
        for decision in decisions:
            request_id = getattr(decision, "request_id", None)
            assert request_id is None or self.closed[request_id] == 0, f"decision after close: {decision}"
            match decision:
                case Closed():
                    self.closed[decision.request_id] += 1
                case Assigned():
                    self.assigned.add(decision.request_id)
                    if decision.interpreter_id is None:
                        dispatched.append((self.key(decision.request_id, False), decision.request_id, None))
                case Offered():
                    key = self.key(decision.request_id, decision.reoffer)
                    dispatched.append((key, decision.request_id, decision.interpreter_id))
                case FallbackOffered():
                    self.fell_back.add(decision.request_id)
                case OfferEnded() if decision.reason in (OfferEndReason.DECLINED, OfferEndReason.EXPIRED):
                    until = decision.at + timedelta(seconds=POLICY.offers.redial_cooldown_s)
                    self.cooldown[(decision.request_id, decision.interpreter_id)] = until
        self.check_dispatch_order(dispatched, waiting_before | {getattr(event, "request_id", "")})
        return decisions

    def key(self, request_id: str, reoffer: bool) -> tuple[int, int]:
        rank = 0 if reoffer else RANK[self.requests[request_id].priority]
        return (rank, self.arrival[request_id])

    def profile(self, request_id: str) -> tuple[object, ...]:
        r = self.requests[request_id]
        return (
            r.language,
            r.priority,
            r.gender_preference,
            r.safety_flags,
            r.excluded_interpreter_ids,
            r.reserved_interpreter_id,
        )

    def check_dispatch_order(self, dispatched, candidates) -> None:
        keys = [key for key, _, _ in dispatched]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), f"dispatch out of order: {dispatched}"
        still_waiting = [e for e in self.snap.queue if e.state is QueueState.WAITING and not e.reoffer]
        for key, request_id, interpreter_id in dispatched:
            if key[0] == 0:
                continue
            for entry in still_waiting:
                if entry.request_id not in candidates:
                    continue
                earlier = self.arrival[entry.request_id] < key[1]
                same = self.profile(entry.request_id) == self.profile(request_id)
                until = self.cooldown.get((entry.request_id, interpreter_id or ""))
                cooling = until is not None and self.snap.at is not None and until > self.snap.at
                assert not (earlier and same and not cooling), (
                    f"FIFO: {request_id} dispatched while earlier {entry.request_id} waits"
                )

    # -- rules ------------------------------------------------------------------------------------

    @initialize(
        start=st.sampled_from(START_TIMES),
        counselors=st.sets(st.sampled_from(sorted(COUNSELORS)), min_size=1),
        interpreters=st.sets(st.sampled_from(sorted(INTERPRETERS)), min_size=2),
    )
    def start(self, start: datetime, counselors: set[str], interpreters: set[str]) -> None:
        self.desk = Desk(start, POLICY)
        self.snap = self.desk.engine.snapshot()
        for counselor_id in sorted(counselors):
            self.counselor(counselor_id, "present")
        for interpreter_id in sorted(interpreters):
            self.interpreter(interpreter_id, "available")

    @rule(
        language=st.sampled_from(LANGUAGES),
        urgent=st.sampled_from([False, False, False, True]),
        gender=st.sampled_from([None, None, "female", "male"]),
        flags=st.sampled_from([(), (), (), (), (SafetyFlag.DV,), (SafetyFlag.CHILD, SafetyFlag.DV)]),
        exclude=st.sets(st.sampled_from(sorted(INTERPRETERS)), max_size=2),
        reserved=st.booleans(),
    )
    def request(self, language, urgent, gender, flags, exclude, reserved) -> None:
        request_id = f"r{len(self.requests)}"
        event = ConsultationRequested(
            at=self.desk.now,
            request_id=request_id,
            language=language,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            gender_preference=gender,
            safety_flags=frozenset(flags),
            excluded_interpreter_ids=frozenset(exclude),
            reservation_id="res-1" if reserved and language == "uk" else None,
            reserved_interpreter_id="i-uk" if reserved and language == "uk" else None,
        )
        self.requests[request_id] = event
        self.arrival[request_id] = len(self.arrival)
        self.send(event)

    @rule(
        counselor_id=st.sampled_from(sorted(COUNSELORS)),
        action=st.sampled_from(["present", "free", "busy", "away"]),
    )
    def counselor(self, counselor_id, action) -> None:
        at = self.desk.now
        if action == "present" or counselor_id not in self.known_counselors:
            self.known_counselors.add(counselor_id)
            self.send(
                CounselorPresent(
                    at=at, counselor_id=counselor_id, languages=frozenset(COUNSELORS[counselor_id])
                )
            )
        else:
            self.send(PRESENCE[action](at=at, counselor_id=counselor_id))

    @rule(
        interpreter_id=st.sampled_from(sorted(INTERPRETERS)),
        action=st.sampled_from(["available", "away", "offline"]),
    )
    def interpreter(self, interpreter_id, action) -> None:
        if action == "available" or interpreter_id not in self.known_interpreters:
            self.known_interpreters.add(interpreter_id)
            self.send(available(interpreter_id, self.desk.now))
        else:
            gone: type[InterpreterAway | InterpreterOffline] = (
                InterpreterAway if action == "away" else InterpreterOffline
            )
            self.send(gone(at=self.desk.now, interpreter_id=interpreter_id))

    @precondition(lambda self: self.snap.offers)
    @rule(pick=st.integers(0, 99), answer=st.sampled_from(["accept", "accept", "decline", "expire"]))
    def answer_offer(self, pick, answer) -> None:
        offer = self.snap.offers[pick % len(self.snap.offers)]
        reply = ANSWERS[answer]
        self.send(reply(at=self.desk.now, request_id=offer.request_id, interpreter_id=offer.interpreter_id))

    @precondition(lambda self: self.snap.calls)
    @rule(pick=st.integers(0, 99), wrap_up=st.sampled_from([False, False, True]))
    def end_call(self, pick, wrap_up) -> None:
        call = self.snap.calls[pick % len(self.snap.calls)]
        self.send(CallEnded(at=self.desk.now, request_id=call.request_id, counselor_wrap_up=wrap_up))

    @precondition(lambda self: any(c.state is CounselorState.WRAP_UP for c in self.snap.counselors))
    @rule(pick=st.integers(0, 99))
    def record_saved(self, pick) -> None:
        wrapping = [c.counselor_id for c in self.snap.counselors if c.state is CounselorState.WRAP_UP]
        counselor_id = wrapping[pick % len(wrapping)]
        self.send(WrapUpEnded(at=self.desk.now, counselor_id=counselor_id))
        view = next(c for c in self.snap.counselors if c.counselor_id == counselor_id)
        assert view.wrap_up_until is None and view.state is not CounselorState.WRAP_UP

    @precondition(lambda self: any(c.interpreter_id for c in self.snap.calls))
    @rule(pick=st.integers(0, 99))
    def interpreter_leaves_call(self, pick) -> None:
        calls = [c for c in self.snap.calls if c.interpreter_id]
        call = calls[pick % len(calls)]
        assert call.interpreter_id is not None
        self.send(
            ParticipantLeft(
                at=self.desk.now,
                request_id=call.request_id,
                role=Role.INTERPRETER,
                participant_id=call.interpreter_id,
            )
        )

    def calls_without_interpreter(self) -> list[str]:
        seeking = {e.request_id for e in self.snap.queue if e.reoffer}
        calls = self.snap.calls
        return [c.request_id for c in calls if c.interpreter_id is None and c.request_id not in seeking]

    @precondition(lambda self: self.calls_without_interpreter())
    @rule(pick=st.integers(0, 99))
    def counselor_requests_interpreter(self, pick) -> None:
        calls = self.calls_without_interpreter()
        self.send(InterpreterRequested(at=self.desk.now, request_id=calls[pick % len(calls)]))

    @precondition(lambda self: self.snap.calls)
    @rule(pick=st.integers(0, 99), to=st.sampled_from(sorted(COUNSELORS)), prefer_free=st.booleans())
    def transfer_call(self, pick, to, prefer_free) -> None:
        """Accepted exactly when the target is free and may take the call (judged here from the snapshot)."""
        call = self.snap.calls[pick % len(self.snap.calls)]
        idle = [c.counselor_id for c in self.snap.counselors if c.state is CounselorState.FREE]
        if prefer_free and idle:
            to = idle[pick % len(idle)]
        states = {c.counselor_id: c for c in self.snap.counselors}
        free = sum(1 for c in self.snap.counselors if c.state is CounselorState.FREE)
        view = states.get(to)
        bridged = call.interpreter_id is not None or POLICY.mode_of(call.language) is not ServiceMode.ON_SITE
        eligible = (
            view is not None
            and view.state is CounselorState.FREE
            and (bridged or call.language in (*view.languages, "ja"))
        )
        # the target may be needed for a ringing interpreter's hold unless the former counselor frees up
        # (their presence is hidden behind IN_CALL): then either answer is right, the invariants judge it
        certain = self.snap.held_counselors <= free - 1
        event = CallTransferred(at=self.desk.now, request_id=call.request_id, to_counselor_id=to)
        offered = to in self.desk.engine.transfer_targets(call.request_id)  # the console's picker
        if not eligible:
            assert not offered, f"picker offers an ineligible {to}"
            before = self.desk.engine.snapshot()
            try:
                self.desk.engine.handle(event)
            except RoutingConflict:
                pass
            else:
                raise AssertionError(f"accepted an ineligible transfer {event}")
            assert self.desk.engine.snapshot() == before
            return
        try:
            decisions = self.send(event)
        except RoutingConflict:
            assert not certain and not offered, f"refused an eligible transfer {event}"
            return
        assert offered, f"picker left out {to}"
        moved = [d for d in decisions if isinstance(d, Transferred)]
        assert [(d.from_counselor_id, d.to_counselor_id) for d in moved] == [(call.counselor_id, to)]
        assert next(c for c in self.snap.calls if c.request_id == call.request_id).counselor_id == to

    @precondition(lambda self: self.snap.pending or any(not e.reoffer for e in self.snap.queue))
    @rule(pick=st.integers(0, 99), how=st.sampled_from(["cancel", "abandon", "fallback"]))
    def resident_leaves(self, pick, how) -> None:
        ids = [p.request_id for p in self.snap.pending] + [
            e.request_id for e in self.snap.queue if not e.reoffer
        ]
        request_id = ids[pick % len(ids)]
        self.left_early.add(request_id)
        if how == "cancel":
            self.send(ConsultationCancelled(at=self.desk.now, request_id=request_id))
        elif how == "abandon":
            self.send(ConsultationAbandoned(at=self.desk.now, request_id=request_id))
        else:
            self.send(
                FallbackAccepted(at=self.desk.now, request_id=request_id, option=FallbackOption.CALLBACK)
            )

    @rule(seconds=st.sampled_from([1, 5, 15, 20, 30, 45, 130]))
    def tick(self, seconds) -> None:
        self.desk.now += timedelta(seconds=seconds)
        self.send(Tick(at=self.desk.now))

    @rule(pick=st.integers(0, 99), kind=st.sampled_from(["accept", "cancel_call", "end_queued", "ghost"]))
    def nonsense_is_refused(self, pick, kind) -> None:
        at = self.desk.now
        calls = [c.request_id for c in self.snap.calls]
        queued = [e.request_id for e in self.snap.queue if e.state is QueueState.WAITING and not e.reoffer]
        if kind == "accept" and queued:
            event: Event = OfferAccepted(
                at=at, request_id=queued[pick % len(queued)], interpreter_id="i-ko-f"
            )
        elif kind == "cancel_call" and calls:
            event = ConsultationCancelled(at=at, request_id=calls[pick % len(calls)])
        elif kind == "end_queued" and queued:
            event = CallEnded(at=at, request_id=queued[pick % len(queued)])
        else:
            event = CounselorFree(at=at, counselor_id="c-ghost")
        before = self.desk.engine.snapshot()
        try:
            self.desk.engine.handle(event)
        except RoutingConflict:
            pass
        else:
            raise AssertionError(f"accepted a nonsense event {event}")
        assert self.desk.engine.snapshot() == before

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def nobody_double_booked(self) -> None:
        snap = self.snap
        busy_interpreters = [o.interpreter_id for o in snap.offers] + [
            c.interpreter_id for c in snap.calls if c.interpreter_id
        ]
        assert len(busy_interpreters) == len(set(busy_interpreters))
        assert len({o.request_id for o in snap.offers}) == len(snap.offers)
        counselors_in_calls = [c.counselor_id for c in snap.calls]
        assert len(counselors_in_calls) == len(set(counselors_in_calls))
        states = {i.interpreter_id: i.state for i in snap.interpreters}
        assert all(states[o.interpreter_id] is InterpreterState.OFFERED for o in snap.offers)
        assert all(states[c.interpreter_id] is InterpreterState.BUSY for c in snap.calls if c.interpreter_id)
        by_counselor = {c.counselor_id: c for c in snap.counselors}
        assert all(by_counselor[c.counselor_id].request_id == c.request_id for c in snap.calls)
        free = sum(1 for c in snap.counselors if c.state is CounselorState.FREE)
        assert snap.held_counselors == sum(1 for o in snap.offers if not o.reoffer) <= free
        live = [e.request_id for e in snap.queue if not e.reoffer] + [c.request_id for c in snap.calls]
        live += [p.request_id for p in snap.pending]
        assert len(live) == len(set(live)), "a request is in two places"

    @invariant()
    def wrap_up_is_honoured(self) -> None:
        """A counselor in wrap-up is never in a call, never counted free, and never past the limit."""
        snap = self.snap
        for counselor in snap.counselors:
            if counselor.wrap_up_until is None:
                continue
            assert counselor.request_id is None, f"{counselor.counselor_id} was given a call in wrap-up"
            assert counselor.state is not CounselorState.FREE
            assert snap.at is not None and counselor.wrap_up_until > snap.at, "wrap-up outlived its limit"
            assert counselor.wrap_up_until <= snap.at + timedelta(seconds=POLICY.wrap_up_s)

    @invariant()
    def nothing_dispatchable_left_waiting(self) -> None:
        snap = self.snap
        if snap.at is None:
            return
        now = snap.at
        free = [c for c in snap.counselors if c.state is CounselorState.FREE]
        capacity = len(free) - snap.held_counselors
        idle = [i for i in snap.interpreters if i.state is InterpreterState.AVAILABLE]
        relax = POLICY.relaxation
        for entry in snap.queue:
            if entry.state is not QueueState.WAITING:
                continue
            request = self.requests[entry.request_id]
            waited = (now - request.at).total_seconds()
            on_site = POLICY.mode_of(request.language) is ServiceMode.ON_SITE and not entry.reoffer
            if on_site and capacity > 0:
                speaking = [c for c in free if request.language in (*c.languages, "ja")]
                assert not speaking, f"{entry.request_id} waits while {speaking[0].counselor_id} is free"
            by_interpreter = not on_site or (
                relax.on_site_to_remote_after_s is not None and waited >= relax.on_site_to_remote_after_s
            )
            if not by_interpreter or not (entry.reoffer or capacity > 0):
                continue
            gender_relaxed = relax.gender_after_s is not None and waited >= relax.gender_after_s
            for interpreter in idle:
                eligible = (
                    request.language in interpreter.languages
                    and request.safety_flags <= set(interpreter.safety_cleared)
                    and (gender_relaxed or request.gender_preference in (None, interpreter.gender))
                    and interpreter.interpreter_id not in request.excluded_interpreter_ids
                    and self.cooldown.get((entry.request_id, interpreter.interpreter_id), now) <= now
                    and POLICY.hours_for_vendor(interpreter.vendor).is_open(now)
                )
                assert not eligible, f"{entry.request_id} waits while {interpreter.interpreter_id} is idle"

    # -- the end ----------------------------------------------------------------------------------

    def teardown(self) -> None:
        if not hasattr(self, "desk"):
            return
        self.drive_to_quiescence()
        for request_id in self.requests:
            assert self.closed[request_id] == 1, f"{request_id} closed {self.closed[request_id]} times"
            served_or_fell_back = request_id in self.assigned or request_id in self.fell_back
            assert served_or_fell_back or request_id in self.left_early, f"{request_id} starved"
        self.check_replay()

    def drive_to_quiescence(self) -> None:
        for counselor_id, languages in COUNSELORS.items():
            self.send(
                CounselorPresent(at=self.desk.now, counselor_id=counselor_id, languages=frozenset(languages))
            )
        for interpreter_id in INTERPRETERS:
            self.send(available(interpreter_id, self.desk.now))
        for _ in range(80):
            if not (self.snap.queue or self.snap.calls or self.snap.pending):
                return
            for offer in self.snap.offers:
                self.send(
                    OfferAccepted(
                        at=self.desk.now, request_id=offer.request_id, interpreter_id=offer.interpreter_id
                    )
                )
            for call in self.snap.calls:
                self.send(CallEnded(at=self.desk.now, request_id=call.request_id))
            gave_up = [p.request_id for p in self.snap.pending]
            gave_up += [
                e.request_id
                for e in self.snap.queue
                if e.state is QueueState.WAITING and e.request_id in self.fell_back and not e.reoffer
            ]
            for request_id in gave_up:
                self.send(
                    FallbackAccepted(at=self.desk.now, request_id=request_id, option=FallbackOption.MT_CHAT)
                )
            self.tick(30)
        raise AssertionError(f"no quiescence: {self.snap}")

    def check_replay(self) -> None:
        stored = [event_to_dict(event) for event in self.desk.events]  # what the app persists
        fresh = Engine(POLICY)
        for (original, decisions), data in zip(self.desk.log, stored, strict=True):
            event = event_from_dict(data)
            assert event == original
            assert fresh.handle(event) == decisions
        assert fresh.snapshot() == self.desk.engine.snapshot()


def available(interpreter_id: str, at: datetime) -> InterpreterAvailable:
    languages, gender, cleared = INTERPRETERS[interpreter_id]
    return InterpreterAvailable(
        at=at,
        interpreter_id=interpreter_id,
        languages=frozenset(languages),
        gender=gender,
        safety_cleared=frozenset(cleared),
    )


RoutingMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_routing_invariants = RoutingMachine.TestCase
