"""The routing engine: events in, decisions out.

Deterministic and clock-free: every event carries `at`; the same events in the same order always give the same
decisions, so the app rebuilds the live state after a restart by replaying its stored events.

Reservation order (counselor vs interpreter): a request that needs an interpreter rings the interpreter
first, while a counselor is free, and *holds one unit of counselor capacity* (not a named counselor) for the
length of the ring. The counselor is named only at the accept, when we know the most (who became free,
which on-site queues wait). So an accept can always be honoured, a counselor is held only while an
interpreter is actually ringing (at most OfferRules.timeout_s per attempt), and on-site requests can still
take any free counselor as long as enough remain for the holds. Invariant: holds <= free counselors; if a
counselor leaves and breaks it, the newest holding offer is withdrawn (OfferEnded COUNSELOR_UNAVAILABLE).

`handle` is atomic: it validates the event against the state first and raises a `RoutingConflict` (HTTP 409)
before changing anything, so a rejected event must simply not be stored.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, assert_never

from routing.calendar import next_common_opening
from routing.checkpoint import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    decode_record,
    decode_value,
    encode_record,
)
from routing.decisions import (
    Assigned,
    AwayReason,
    Closed,
    Decision,
    FallbackOffered,
    FallbackReason,
    InterpreterSetAway,
    Offered,
    OfferEnded,
    OfferEndReason,
    Outcome,
    Queued,
    Requeued,
    RequeueReason,
    Transferred,
)
from routing.errors import (
    DuplicateRequest,
    InvalidTransition,
    OfferNotOutstanding,
    RoutingConflict,
    UnknownCounselor,
    UnknownInterpreter,
    UnknownRequest,
    UnsupportedLanguage,
)
from routing.estimates import HandlingTimes, estimate_wait_s
from routing.events import (
    AbandonReason,
    CallEnded,
    CallTransferred,
    ConsultationAbandoned,
    ConsultationCancelled,
    ConsultationRequested,
    CounselorAway,
    CounselorBusy,
    CounselorFree,
    CounselorPresent,
    Event,
    FallbackAccepted,
    InterpreterAvailable,
    InterpreterAway,
    InterpreterOffline,
    InterpreterRequested,
    OfferAccepted,
    OfferDeclined,
    OfferExpired,
    ParticipantLeft,
    Role,
    Tick,
    WrapUpEnded,
)
from routing.policy import DEFAULT_VENDOR, DeskPolicy, FallbackOption, ServiceMode
from routing.queue import LanguageQueue
from routing.selection import IdlePool, capability_of, choose_counselor, counselor_order, first_eligible
from routing.snapshot import (
    Availability,
    CallView,
    CounselorState,
    CounselorView,
    InterpreterState,
    InterpreterView,
    LanguageAvailability,
    OfferView,
    PendingView,
    QueueEntry,
    QueuePosition,
    QueueState,
    Snapshot,
)
from routing.state import (
    BucketKey,
    CounselorRecord,
    InterpreterRecord,
    Need,
    OfferRecord,
    Phase,
    Presence,
    QueueKey,
    Rank,
    RequestRecord,
)


class _TimerKind(IntEnum):
    OFFER_DEADLINE = 0
    GENDER_RELAX = 1
    ON_SITE_RELAX = 2
    FALLBACK = 3
    WRAP_UP = 4  # the id slot holds a counselor id; the token ties it to one wrap-up


# (due, seq, kind, request id, token): seq makes the order total; token ties a deadline to one offer.
_Timer = tuple[datetime, int, _TimerKind, str, int]
# (request, counselor for a direct assignment, or interpreter id to ring)
_Candidate = tuple[RequestRecord, CounselorRecord | None, str | None]
_VendorOpen = Callable[[str], bool]


class Engine:
    """Routes consultation requests to counselors and interpreters for one desk."""

    # Outcomes of this many recently closed requests are remembered (duplicates, late events, `outcome`);
    # older ones are forgotten so memory (and a checkpoint) is bounded by the live state, not by history.
    CLOSED_MEMORY = 10_000

    def __init__(self, policy: DeskPolicy) -> None:
        self._policy = policy
        self._now: datetime | None = None
        self._request_seq = 0
        self._offer_seq = 0
        self._timer_seq = 0
        self._requests: dict[str, RequestRecord] = {}  # live requests
        self._by_seq: dict[int, RequestRecord] = {}
        self._closed: OrderedDict[str, Outcome] = OrderedDict()  # the latest CLOSED_MEMORY outcomes
        self._queues: dict[str, LanguageQueue] = {}
        self._waiting_reoffers = 0
        self._counselors: dict[str, CounselorRecord] = {}
        self._free: dict[str, CounselorRecord] = {}  # present and not in a call
        self._holds = 0  # outstanding offers counting on a free counselor
        self._interpreters: dict[str, InterpreterRecord] = {}
        self._idle = IdlePool()
        self._online: dict[str, dict[str, int]] = {}  # language -> vendor -> interpreters available
        self._offers: dict[str, OfferRecord] = {}  # by request id
        self._timers: list[_Timer] = []
        self._handling = HandlingTimes(policy.estimates)
        self._vendor_open_cache: dict[str, bool] = {}  # valid for the current instant only
        self._hours_state: dict[
            str | None, tuple[bool, datetime | None]
        ] = {}  # None: the desk; else a vendor
        self._vendors: dict[str, None] = dict.fromkeys(policy.vendor_hours)  # every vendor seen, in order
        self._open_vendors_cache: tuple[str, ...] | None = None
        self._desk_open_cache: bool | None = None
        self._here: dict[str, int] = {}  # language -> counselors not away who speak it (staff language: all)
        self._arrival: RequestRecord | None = None

    # -- public API -------------------------------------------------------------------------------

    @property
    def policy(self) -> DeskPolicy:
        """The desk policy this engine applies."""
        return self._policy

    @property
    def now(self) -> datetime | None:
        """The engine's time: the latest `at` it has handled (None before the first event)."""
        return self._now

    @classmethod
    def replay(cls, policy: DeskPolicy, events: Iterable[Event]) -> Engine:
        """Rebuild an engine from stored events (their decisions were already acted on)."""
        engine = cls(policy)
        for event in events:
            engine.handle(event)
        return engine

    # -- checkpoints ------------------------------------------------------------------------------

    def checkpoint(self) -> dict[str, Any]:
        """The engine's whole state as JSON-ready data; `Engine.restore` turns it back into an engine.

        Engine-level state, explicitly (a new piece of state must be added here and in `restore`):
        now, the three sequence counters, the live requests (with their offers), the remembered outcomes of
        closed requests, counselors, interpreters, pending timers (offer deadlines and relaxation rules are
        facts already announced: kept as they are), learned handling times and the vendors seen. Everything
        else (queues, waiting buckets, the idle pool, free counselors, holds, online and here counts, offers
        by request) is an index, rebuilt from these records on restore.
        """
        return {
            "format_version": CHECKPOINT_FORMAT,
            "now": None if self._now is None else self._now.isoformat(),
            "request_seq": self._request_seq,
            "offer_seq": self._offer_seq,
            "timer_seq": self._timer_seq,
            "requests": [encode_record(r) for r in sorted(self._requests.values(), key=_seq_of)],
            "closed": [[request_id, outcome.value] for request_id, outcome in self._closed.items()],
            "counselors": [encode_record(c) for c in self._counselors.values()],
            "interpreters": [encode_record(i) for i in self._interpreters.values()],
            "timers": [
                [due.isoformat(), seq, int(kind), request_id, token]
                for due, seq, kind, request_id, token in self._timers
            ],
            "handling_means": self._handling.means,
            "vendors": list(self._vendors),
        }

    @classmethod
    def restore(cls, policy: DeskPolicy, data: Any) -> Engine:
        """An engine in the state `checkpoint` saved, applying `policy` from now on.

        With the policy the checkpoint was taken under, the engine behaves exactly as the one that wrote it.
        With another policy, this is how a policy change applies: the past (who waits since when, what was
        offered until when, who is in a call) is kept, the new rules decide everything after this moment.
        Raises CheckpointError on malformed data or an unknown format.
        """
        if not isinstance(data, dict):
            raise CheckpointError("a checkpoint is a JSON object")
        version = data.get("format_version")
        if version != CHECKPOINT_FORMAT:
            raise CheckpointError(f"unknown checkpoint format {version!r}")
        engine = cls(policy)
        try:
            engine._load(data)
        except CheckpointError:
            raise
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"malformed checkpoint: {exc!r}") from exc
        return engine

    def _load(self, data: dict[str, Any]) -> None:
        """Fill a fresh engine from checkpoint data, then rebuild every index by the engine's own helpers."""
        now = decode_value(datetime | None, data["now"], "now")
        self._now = now
        self._request_seq = decode_value(int, data["request_seq"], "request_seq")
        self._offer_seq = decode_value(int, data["offer_seq"], "offer_seq")
        self._timer_seq = decode_value(int, data["timer_seq"], "timer_seq")
        for item in data["closed"]:
            request_id, outcome = item
            self._closed[decode_value(str, request_id, "closed")] = Outcome(outcome)
        for index, item in enumerate(data["requests"]):
            request = decode_record(RequestRecord, item, f"requests[{index}]")
            self._requests[request.request_id] = request
            self._by_seq[request.seq] = request
        for index, item in enumerate(data["counselors"]):
            counselor = decode_record(CounselorRecord, item, f"counselors[{index}]")
            self._counselors[counselor.counselor_id] = counselor
        for index, item in enumerate(data["interpreters"]):
            interpreter = decode_record(InterpreterRecord, item, f"interpreters[{index}]")
            self._interpreters[interpreter.interpreter_id] = interpreter
        for due, seq, kind, request_id, token in data["timers"]:
            self._timers.append(
                (
                    decode_value(datetime, due, "timers.due"),
                    decode_value(int, seq, "timers.seq"),
                    _TimerKind(kind),
                    decode_value(str, request_id, "timers.request_id"),
                    decode_value(int, token, "timers.token"),
                )
            )
        heapq.heapify(self._timers)  # already a heap when written; cheap insurance for hand-made data
        self._handling.load(decode_value(dict[str, float], data["handling_means"], "handling_means"))
        for vendor in data["vendors"]:
            self._vendors.setdefault(decode_value(str, vendor, "vendors"), None)
        self._reindex()

    def _reindex(self) -> None:
        """Rebuild the indexes from the records, through the same helpers the events use."""
        if (self._requests or self._counselors or self._interpreters) and self._now is None:
            raise CheckpointError("a checkpoint with records must have a time")
        for request in self._requests.values():
            if request.offer is not None:
                if request.offer.request_id != request.request_id:
                    raise CheckpointError(f"offer of {request.request_id!r} names another request")
                self._offers[request.request_id] = request.offer
                if request.offer.holds_counselor:
                    self._holds += 1
            if request.live_key is not None:
                self._queue(request.language).add_live(request.live_key)
            if request.bucket is not None:
                bucket, request.bucket = request.bucket, None
                if bucket != request.bucket_key() or request.live_key is None:
                    raise CheckpointError(f"request {request.request_id!r} is filed in the wrong bucket")
                self._make_waiting(request)
        for counselor in self._counselors.values():
            idle_since = counselor.idle_since
            self._sync_counselor(counselor)
            counselor.idle_since = idle_since  # filing a free counselor must not restart their idle time
        for interpreter in self._interpreters.values():
            self._sync_interpreter(interpreter)
        if self._holds > len(self._free):
            raise CheckpointError("more ringing offers hold a counselor than there are free counselors")

    def handle(self, event: Event) -> list[Decision]:
        """Apply one event and return the decisions it causes, in the order the app should act on them.

        Time first moves to `event.at` (an earlier `at` than the engine's time is treated as now): offers past
        their deadline expire, waits relax; then the event applies; then free people are matched to the queue.
        Raises a RoutingConflict, with no state change, when the event contradicts the state.
        """
        at = event.at if self._now is None or event.at > self._now else self._now
        self._validate(event, at)
        out: list[Decision] = []
        if at != self._now:
            self._now = at
            self._vendor_open_cache.clear()
            self._open_vendors_cache = None
            self._desk_open_cache = None
        self._fire_timers(out)
        self._apply(event, out)
        self._fire_timers(out)  # rules with a zero wait apply at once
        self._dispatch(out)
        arrival, self._arrival = self._arrival, None
        if arrival is not None and arrival.phase is Phase.QUEUED and arrival.live_key is not None:
            position = self._queue(arrival.language).position(arrival.live_key)
            out.append(
                Queued(
                    at=at,
                    request_id=arrival.request_id,
                    language=arrival.language,
                    position=position,
                    estimated_wait_s=self._estimate(arrival.language, position, self._vendor_open),
                )
            )
        return out

    def next_wakeup(self) -> datetime | None:
        """When the app should send the next Tick at the latest; None when nothing is pending.

        The earliest offer deadline or relaxation rule, or, while anyone is queued, the next time an
        interpreter vendor opens or closes. (A timer may belong to a request that has since closed: an
        early Tick is harmless.) Ticking every few seconds as well is a fine safety net.
        """
        due = [self._timers[0][0]] if self._timers else []
        now = self._now
        if now is not None and any(queue.waiting for queue in self._queues.values()):
            for vendor in self._vendors:
                change = self._policy.hours_for_vendor(vendor).state_at(now)[1]
                if change is not None:
                    due.append(change)
        return min(due, default=None)

    def position(self, request_id: str) -> QueuePosition | None:
        """A queued request's place and expected wait; None when it is not in a queue."""
        request = self._requests.get(request_id)
        if request is None or request.live_key is None:
            return None
        position = self._queue(request.language).position(request.live_key)
        return QueuePosition(
            request_id=request_id,
            language=request.language,
            position=position,
            estimated_wait_s=self._estimate(request.language, position, self._vendor_open),
        )

    def fallback_offer(self, request_id: str) -> FallbackOffered | None:
        """The fallbacks a request still waiting may take now (the latest offered); None once in a call,
        closed, or never offered. Watchers are told this first, so a late watcher sees the choices too."""
        request = self._requests.get(request_id)
        if request is None or request.phase not in (Phase.QUEUED, Phase.PENDING_FALLBACK):
            return None
        return request.fallback

    def transfer_targets(self, request_id: str) -> tuple[str, ...]:
        """The counselors a call could be handed to now (the same rule CallTransferred is checked by).

        Raises a RoutingConflict when the request is not in a call. In the order the engine assigns them.
        """
        request = self._live(request_id)
        if request.phase is not Phase.IN_CALL:
            raise InvalidTransition(f"consultation {request_id!r} is not in a call")
        at = self._clock()
        targets: list[CounselorRecord] = []
        for counselor in self._free.values():
            try:
                self._check_transfer(
                    CallTransferred(at=at, request_id=request_id, to_counselor_id=counselor.counselor_id)
                )
            except RoutingConflict:
                continue
            targets.append(counselor)
        return tuple(c.counselor_id for c in sorted(targets, key=counselor_order))

    def knows(self, request_id: str) -> bool:
        """Live, or closed recently enough that its outcome is remembered."""
        return request_id in self._requests or request_id in self._closed

    def outcome(self, request_id: str) -> Outcome | None:
        """The terminal state of a closed request; None while it is live (UnknownRequest if never seen)."""
        if request_id in self._requests:
            return None
        if request_id in self._closed:
            return self._closed[request_id]
        raise UnknownRequest(f"no consultation {request_id!r}")

    def availability(self, at: datetime | None = None) -> tuple[LanguageAvailability, ...]:
        """Per language: available now, later today, by reservation or not now; the queue, the wait a new
        arrival faces (the console's estimate), and when that language's own service opens next."""
        when = at if at is not None else self._now
        if when is None:
            raise ValueError("availability needs a time: pass `at` or handle an event first")
        policy = self._policy
        desk_open = policy.desk_hours.is_open(when)
        opens: dict[str, bool] = {}

        def vendor_open(vendor: str) -> bool:
            if vendor not in opens:
                opens[vendor] = policy.hours_for_vendor(vendor).is_open(when)
            return opens[vendor]

        here = [c for c in self._counselors.values() if c.presence is not Presence.AWAY]
        today = policy.desk_hours.local_date(when)
        result: list[LanguageAvailability] = []
        for language, mode in policy.languages.items():
            queue = self._queues.get(language)
            length = len(queue) if queue is not None else 0
            status = Availability.CLOSED
            opens_at: datetime | None = None
            estimate: int | None = None
            if mode is ServiceMode.RESERVATION:
                status = Availability.BOOK_AHEAD
            elif desk_open and self._live_now(language, mode, here, vendor_open):
                status = Availability.AVAILABLE_NOW
                estimate = self._estimate(language, length + 1, vendor_open)
            else:
                opens_at = self._service_opening(language, mode, when)
                if opens_at is not None and opens_at <= when:
                    opens_at = None  # open hours, but nobody here to serve it: not now, no promise
                if opens_at is not None and policy.desk_hours.local_date(opens_at) == today:
                    status = Availability.LATER_TODAY
            result.append(
                LanguageAvailability(
                    language=language,
                    mode=mode,
                    status=status,
                    queue_length=length,
                    estimated_wait_s=estimate,
                    opens_at=opens_at,
                )
            )
        return tuple(result)

    def _live_now(
        self, language: str, mode: ServiceMode, here: list[CounselorRecord], vendor_open: _VendorOpen
    ) -> bool:
        """Someone present can serve `language` now (the desk being open is the caller's check)."""
        by_interpreter = bool(here) and self._online_count(language, vendor_open) > 0
        if mode is ServiceMode.ON_SITE:
            return by_interpreter or any(self._speaks(c, language) for c in here)
        return by_interpreter

    def _service_opening(self, language: str, mode: ServiceMode, when: datetime) -> datetime | None:
        """When `language` is next served by the hours: the desk's, and for a remote language also the hours
        of the vendors whose interpreters speak it (the default vendor's while none is known)."""
        policy = self._policy
        if mode is ServiceMode.ON_SITE:
            return policy.desk_hours.next_opening(when)
        speakers = (i for i in self._interpreters.values() if language in i.languages)
        vendors = {i.vendor for i in speakers} or {DEFAULT_VENDOR}
        openings = [
            opening
            for vendor in sorted(vendors)
            if (opening := next_common_opening((policy.desk_hours, policy.hours_for_vendor(vendor)), when))
            is not None
        ]
        return min(openings, default=None)

    def snapshot(self) -> Snapshot:
        """The live state for staff screens (and for checking that a replay rebuilt the same state)."""
        queued = sorted((r for r in self._requests.values() if r.live_key is not None), key=_live_key)
        positions: dict[str, int] = {}
        queue: list[QueueEntry] = []
        for request in queued:
            positions[request.language] = positions.get(request.language, 0) + 1
            queue.append(
                QueueEntry(
                    request_id=request.request_id,
                    language=request.language,
                    priority=request.priority,
                    reoffer=request.needs_interpreter,
                    position=positions[request.language],
                    waiting_since=request.requested_at,
                    state=QueueState.WAITING if request.offer is None else QueueState.OFFERED,
                    offered_to=None if request.offer is None else request.offer.interpreter_id,
                    channel=request.channel,
                    site_id=request.site_id,
                )
            )
        by_arrival = sorted(self._requests.values(), key=lambda r: r.seq)
        offers = tuple(
            OfferView(
                request_id=offer.request_id,
                interpreter_id=offer.interpreter_id,
                deadline=offer.deadline,
                reoffer=not offer.holds_counselor,
            )
            for offer in sorted(self._offers.values(), key=lambda o: o.seq)
        )
        calls = tuple(
            CallView(
                request_id=r.request_id,
                language=r.language,
                counselor_id=r.counselor_id,
                interpreter_id=r.interpreter_id,
                since=r.assigned_at,
                awaiting_interpreter=r.needs_interpreter,
            )
            for r in by_arrival
            if r.phase is Phase.IN_CALL and r.counselor_id is not None and r.assigned_at is not None
        )
        pending = tuple(
            PendingView(request_id=r.request_id, language=r.language, since=r.requested_at)
            for r in by_arrival
            if r.phase is Phase.PENDING_FALLBACK
        )
        counselors = tuple(
            CounselorView(
                counselor_id=c.counselor_id,
                languages=tuple(sorted(c.languages)),
                state=_counselor_state(c),
                request_id=c.request_id,
                idle_since=c.idle_since,
                wrap_up_until=c.wrap_up_until,
            )
            for c in sorted(self._counselors.values(), key=lambda c: c.counselor_id)
        )
        interpreters = tuple(
            InterpreterView(
                interpreter_id=i.interpreter_id,
                languages=tuple(sorted(i.languages)),
                vendor=i.vendor,
                gender=i.gender,
                safety_cleared=tuple(sorted(i.safety_cleared)),
                state=_interpreter_state(i),
                request_id=i.request_id if i.request_id is not None else i.offer_request_id,
                idle_since=i.idle_since,
                missed_in_row=i.missed_in_row,
            )
            for i in sorted(self._interpreters.values(), key=lambda i: i.interpreter_id)
        )
        return Snapshot(
            at=self._now,
            queue=tuple(queue),
            offers=offers,
            calls=calls,
            pending=pending,
            counselors=counselors,
            interpreters=interpreters,
            held_counselors=self._holds,
        )

    # -- validation (no state change) -------------------------------------------------------------

    def _validate(self, event: Event, at: datetime) -> None:
        match event:
            case ConsultationRequested():
                if event.request_id in self._requests or event.request_id in self._closed:
                    raise DuplicateRequest(f"consultation {event.request_id!r} already exists")
                if self._policy.mode_of(event.language) is None:
                    raise UnsupportedLanguage(f"the desk does not offer language {event.language!r}")
            case ConsultationCancelled() | ConsultationAbandoned() | FallbackAccepted():
                if self._live(event.request_id).phase is Phase.IN_CALL:
                    raise InvalidTransition(f"consultation {event.request_id!r} is in a call: end the call")
            case CallEnded():
                if self._live(event.request_id).phase is not Phase.IN_CALL:
                    raise InvalidTransition(f"consultation {event.request_id!r} is not in a call")
            case InterpreterRequested():
                request = self._live(event.request_id)
                if request.phase is not Phase.IN_CALL:
                    raise InvalidTransition(f"consultation {event.request_id!r} is not in a call")
                if request.interpreter_id is not None or request.needs_interpreter:
                    raise InvalidTransition(
                        f"consultation {event.request_id!r} already has an interpreter or is finding one"
                    )
            case CallTransferred():
                self._check_transfer(event)
            case ParticipantLeft():
                if event.request_id not in self._requests and event.request_id not in self._closed:
                    raise UnknownRequest(f"no consultation {event.request_id!r}")
            case OfferAccepted() | OfferDeclined():
                offer = self._live(event.request_id).offer
                if offer is None or offer.interpreter_id != event.interpreter_id or offer.deadline <= at:
                    raise OfferNotOutstanding(
                        f"no outstanding offer of {event.request_id!r} to {event.interpreter_id!r}"
                    )
            case OfferExpired():
                offer = self._live(event.request_id).offer
                if offer is None or offer.interpreter_id != event.interpreter_id:
                    raise OfferNotOutstanding(
                        f"no outstanding offer of {event.request_id!r} to {event.interpreter_id!r}"
                    )
            case CounselorAway() | CounselorBusy() | CounselorFree() | WrapUpEnded():
                if event.counselor_id not in self._counselors:
                    raise UnknownCounselor(f"counselor {event.counselor_id!r} has not signed in")
            case InterpreterAway() | InterpreterOffline():
                if event.interpreter_id not in self._interpreters:
                    raise UnknownInterpreter(f"interpreter {event.interpreter_id!r} was never available")
            case CounselorPresent() | InterpreterAvailable() | Tick():
                pass
            case _:
                assert_never(event)

    def _check_transfer(self, event: CallTransferred) -> None:
        """The target takes the call as if assigned it now: present, idle, not needed for a ringing
        interpreter's hold, and speaking an on-site language when no interpreter is in the call."""
        request = self._live(event.request_id)
        if request.phase is not Phase.IN_CALL:
            raise InvalidTransition(f"consultation {event.request_id!r} is not in a call")
        target = self._counselors.get(event.to_counselor_id)
        if target is None:
            raise UnknownCounselor(f"counselor {event.to_counselor_id!r} has not signed in")
        if target.counselor_id == request.counselor_id:
            raise InvalidTransition(f"counselor {target.counselor_id!r} is already in this call")
        if target.counselor_id not in self._free:
            raise InvalidTransition(
                f"counselor {target.counselor_id!r} is not free ({_counselor_state(target).value})"
            )
        assert request.counselor_id is not None
        former_frees = self._counselors[request.counselor_id].presence is Presence.PRESENT
        if self._holds > len(self._free) - 1 + int(former_frees):
            raise InvalidTransition(
                f"counselor {target.counselor_id!r} is held for a call an interpreter is being rung for"
            )
        bridged = request.interpreter_id is not None or request.mode is not ServiceMode.ON_SITE
        if not bridged and not self._speaks(target, request.language):
            raise InvalidTransition(
                f"counselor {target.counselor_id!r} does not speak {request.language!r} "
                "and no interpreter is in the call"
            )

    def _live(self, request_id: str) -> RequestRecord:
        request = self._requests.get(request_id)
        if request is not None:
            return request
        if request_id in self._closed:
            raise InvalidTransition(
                f"consultation {request_id!r} is already closed ({self._closed[request_id]})"
            )
        raise UnknownRequest(f"no consultation {request_id!r}")

    # -- applying events --------------------------------------------------------------------------

    def _apply(self, event: Event, out: list[Decision]) -> None:
        match event:
            case ConsultationRequested():
                self._on_requested(event, out)
            case ConsultationCancelled():
                self._close_waiting(self._requests[event.request_id], Outcome.CANCELLED, out)
            case ConsultationAbandoned():
                self._close_waiting(
                    self._requests[event.request_id], Outcome.ABANDONED, out, abandon_reason=event.reason
                )
            case FallbackAccepted():
                self._close_waiting(self._requests[event.request_id], Outcome.FALLBACK_ACCEPTED, out)
            case CounselorPresent():
                self._on_counselor_present(event)
            case CounselorFree():
                counselor = self._counselors[event.counselor_id]
                counselor.wrap_up_until = None
                self._set_counselor(counselor, Presence.PRESENT, out)
            case WrapUpEnded():
                self._end_wrap_up(self._counselors[event.counselor_id])
            case CounselorBusy():
                self._set_counselor(self._counselors[event.counselor_id], Presence.BUSY, out)
            case CounselorAway():
                self._set_counselor(self._counselors[event.counselor_id], Presence.AWAY, out)
            case InterpreterAvailable():
                self._on_interpreter_available(event)
            case InterpreterAway():
                self._on_interpreter_gone(self._interpreters[event.interpreter_id], Presence.AWAY, out)
            case InterpreterOffline():
                self._on_interpreter_gone(self._interpreters[event.interpreter_id], Presence.OFFLINE, out)
            case OfferAccepted():
                self._on_accepted(self._requests[event.request_id], out)
            case OfferDeclined():
                self._on_declined(self._requests[event.request_id], out)
            case OfferExpired():
                request = self._requests[event.request_id]
                if request.offer is not None:  # else a deadline timer already expired it
                    self._expire(request, out)
            case ParticipantLeft():
                self._on_participant_left(event, out)
            case InterpreterRequested():
                self._seek_interpreter(self._requests[event.request_id], None, out)
            case CallTransferred():
                self._on_transferred(self._requests[event.request_id], event.to_counselor_id, out)
            case CallEnded():
                self._on_call_ended(self._requests[event.request_id], event.counselor_wrap_up, out)
            case Tick():
                pass
            case _:
                assert_never(event)

    def _on_requested(self, event: ConsultationRequested, out: list[Decision]) -> None:
        now = self._clock()
        policy = self._policy
        mode = policy.mode_of(event.language)
        assert mode is not None  # validated
        self._request_seq += 1
        request = RequestRecord(
            request_id=event.request_id,
            seq=self._request_seq,
            language=event.language,
            mode=mode,
            priority=event.priority,
            safety_flags=event.safety_flags,
            gender_preference=event.gender_preference,
            excluded=event.excluded_interpreter_ids,
            reservation_id=event.reservation_id,
            reserved_interpreter_id=event.reserved_interpreter_id,
            channel=event.channel,
            site_id=event.site_id,
            requested_at=now,
        )
        self._requests[request.request_id] = request
        self._by_seq[request.seq] = request
        if not self._desk_open():
            self._pend(request, FallbackReason.DESK_CLOSED, policy.fallback_options, out)
            return
        if mode is ServiceMode.RESERVATION:
            if event.reservation_id is None:
                self._pend(request, FallbackReason.RESERVATION_ONLY, (FallbackOption.RESERVATION,), out)
                return
            request.mode = ServiceMode.REMOTE  # the booked slot is now: served live like a remote language
        self._enqueue(request)
        self._arrival = request
        relax = policy.relaxation
        if request.gender_preference is not None and relax.gender_after_s is not None:
            self._schedule(now, relax.gender_after_s, _TimerKind.GENDER_RELAX, request.request_id)
        if request.mode is ServiceMode.ON_SITE:
            if relax.on_site_to_remote_after_s is not None:
                self._schedule(
                    now, relax.on_site_to_remote_after_s, _TimerKind.ON_SITE_RELAX, request.request_id
                )
            if relax.on_site_fallback_after_s is not None:
                self._schedule(now, relax.on_site_fallback_after_s, _TimerKind.FALLBACK, request.request_id)
            return
        if relax.remote_fallback_after_s is not None:
            self._schedule(now, relax.remote_fallback_after_s, _TimerKind.FALLBACK, request.request_id)
        if self._online_count(request.language, self._vendor_open) == 0:
            vendor_open = self._vendor_open(DEFAULT_VENDOR)
            reason = FallbackReason.NO_INTERPRETER if vendor_open else FallbackReason.VENDOR_CLOSED
            self._offer_fallback(request, reason, queued=True, out=out)

    def _pend(
        self,
        request: RequestRecord,
        reason: FallbackReason,
        options: tuple[FallbackOption, ...],
        out: list[Decision],
    ) -> None:
        request.phase = Phase.PENDING_FALLBACK
        request.fallback_reasons.append(reason)
        request.fallback = FallbackOffered(
            at=self._clock(), request_id=request.request_id, reason=reason, options=options, queued=False
        )
        out.append(request.fallback)

    def _offer_fallback(
        self, request: RequestRecord, reason: FallbackReason, *, queued: bool, out: list[Decision]
    ) -> None:
        if reason in request.fallback_reasons:
            return
        request.fallback_reasons.append(reason)
        request.fallback = FallbackOffered(
            at=self._clock(),
            request_id=request.request_id,
            reason=reason,
            options=self._policy.fallback_options,
            queued=queued,
        )
        out.append(request.fallback)

    def _close_waiting(
        self,
        request: RequestRecord,
        outcome: Outcome,
        out: list[Decision],
        *,
        abandon_reason: AbandonReason | None = None,
    ) -> None:
        if request.offer is not None:
            self._withdraw(request, OfferEndReason.REQUEST_CLOSED, out, requeue=False)
        self._close(request, outcome, out, abandon_reason=abandon_reason)

    def _close(
        self,
        request: RequestRecord,
        outcome: Outcome,
        out: list[Decision],
        *,
        abandon_reason: AbandonReason | None = None,
    ) -> None:
        self._dequeue(request)
        request.phase = Phase.CLOSED
        del self._requests[request.request_id]
        del self._by_seq[request.seq]
        self._closed[request.request_id] = outcome
        if len(self._closed) > self.CLOSED_MEMORY:
            self._closed.popitem(last=False)
        out.append(
            Closed(
                at=self._clock(),
                request_id=request.request_id,
                outcome=outcome,
                abandon_reason=abandon_reason,
            )
        )

    def _on_counselor_present(self, event: CounselorPresent) -> None:
        languages = event.languages - {self._policy.staff_language}
        counselor = self._counselors.get(event.counselor_id)
        if counselor is None:
            counselor = CounselorRecord(
                counselor_id=event.counselor_id,
                languages=languages,
                presence=Presence.PRESENT,
                idle_since=self._clock(),
            )
            self._counselors[counselor.counselor_id] = counselor
        else:
            counselor.languages = languages
            counselor.presence = Presence.PRESENT
        self._sync_counselor(counselor)

    def _end_wrap_up(self, counselor: CounselorRecord) -> None:
        """Wrap-up is over (record saved, or its limit passed): free again if present and not in a call."""
        if counselor.wrap_up_until is not None:
            counselor.wrap_up_until = None
            self._sync_counselor(counselor)

    def _set_counselor(self, counselor: CounselorRecord, presence: Presence, out: list[Decision]) -> None:
        counselor.presence = presence
        self._sync_counselor(counselor)
        self._enforce_holds(out)

    def _on_interpreter_available(self, event: InterpreterAvailable) -> None:
        if event.vendor not in self._vendors:
            self._vendors[event.vendor] = None
            self._open_vendors_cache = None
        interpreter = self._interpreters.get(event.interpreter_id)
        if interpreter is None:
            interpreter = InterpreterRecord(
                interpreter_id=event.interpreter_id,
                languages=event.languages,
                vendor=event.vendor,
                gender=event.gender,
                safety_cleared=event.safety_cleared,
                presence=Presence.PRESENT,
                idle_since=self._clock(),
            )
            self._interpreters[interpreter.interpreter_id] = interpreter
        else:
            if interpreter.presence is not Presence.PRESENT:
                interpreter.idle_since = (
                    self._clock()
                )  # back from away/offline: joins the end of the rotation
                interpreter.missed_in_row = 0
            interpreter.presence = Presence.PRESENT
            interpreter.languages = event.languages
            interpreter.vendor = event.vendor
            interpreter.gender = event.gender
            interpreter.safety_cleared = event.safety_cleared
        self._sync_interpreter(interpreter)

    def _on_interpreter_gone(
        self, interpreter: InterpreterRecord, presence: Presence, out: list[Decision]
    ) -> None:
        interpreter.presence = presence
        if interpreter.offer_request_id is not None:
            request = self._requests[interpreter.offer_request_id]
            self._withdraw(request, OfferEndReason.INTERPRETER_UNAVAILABLE, out, requeue=True)
        elif interpreter.request_id is not None and presence is Presence.OFFLINE:
            self._drop_interpreter(self._requests[interpreter.request_id], interpreter, out)
        self._sync_interpreter(interpreter)

    def _on_participant_left(self, event: ParticipantLeft, out: list[Decision]) -> None:
        request = self._requests.get(event.request_id)
        if (
            event.role is not Role.INTERPRETER
            or request is None
            or request.phase is not Phase.IN_CALL
            or request.interpreter_id != event.participant_id
        ):
            return  # only an interpreter dropping out of a live call changes routing; repeats are harmless
        interpreter = self._interpreters[event.participant_id]
        self._drop_interpreter(request, interpreter, out)
        if interpreter.presence is Presence.PRESENT:
            interpreter.presence = Presence.AWAY
            out.append(
                InterpreterSetAway(
                    at=self._clock(), interpreter_id=interpreter.interpreter_id, reason=AwayReason.LEFT_CALL
                )
            )
        self._sync_interpreter(interpreter)

    def _drop_interpreter(
        self, request: RequestRecord, interpreter: InterpreterRecord, out: list[Decision]
    ) -> None:
        interpreter.request_id = None
        request.interpreter_id = None
        self._seek_interpreter(request, interpreter.interpreter_id, out)

    def _seek_interpreter(self, request: RequestRecord, dropped_id: str | None, out: list[Decision]) -> None:
        """A request in a call goes back to the queue for an interpreter (re-offer rank); the call goes on."""
        request.needs_interpreter = True
        self._enqueue(request)
        assert request.live_key is not None
        out.append(
            Requeued(
                at=self._clock(),
                request_id=request.request_id,
                interpreter_id=dropped_id,
                reason=(
                    RequeueReason.INTERPRETER_DROPPED
                    if dropped_id is not None
                    else RequeueReason.INTERPRETER_REQUESTED
                ),
                position=self._queue(request.language).position(request.live_key),
            )
        )

    def _on_accepted(self, request: RequestRecord, out: list[Decision]) -> None:
        interpreter = self._end_offer(request)
        interpreter.missed_in_row = 0
        interpreter.request_id = request.request_id
        self._sync_interpreter(interpreter)
        if request.needs_interpreter:
            request.needs_interpreter = False
            request.interpreter_id = interpreter.interpreter_id
            self._dequeue(request)
            assert request.counselor_id is not None
            out.append(
                Assigned(
                    at=self._clock(),
                    request_id=request.request_id,
                    counselor_id=request.counselor_id,
                    interpreter_id=interpreter.interpreter_id,
                    rejoin=True,
                )
            )
            return
        counselor = choose_counselor(self._free.values(), None, self._policy.staff_language)
        assert counselor is not None, "invariant: holds <= free counselors"
        self._assign(request, counselor, interpreter.interpreter_id, out)

    def _on_declined(self, request: RequestRecord, out: list[Decision]) -> None:
        interpreter = self._end_offer(request)
        out.append(
            OfferEnded(
                at=self._clock(),
                request_id=request.request_id,
                interpreter_id=interpreter.interpreter_id,
                reason=OfferEndReason.DECLINED,
            )
        )
        interpreter.missed_in_row = 0
        self._after_failed_offer(request, interpreter)

    def _expire(self, request: RequestRecord, out: list[Decision]) -> None:
        now = self._clock()
        interpreter = self._end_offer(request)
        out.append(
            OfferEnded(
                at=now,
                request_id=request.request_id,
                interpreter_id=interpreter.interpreter_id,
                reason=OfferEndReason.EXPIRED,
            )
        )
        interpreter.missed_in_row += 1
        if (
            interpreter.missed_in_row >= self._policy.offers.max_missed_in_row
            and interpreter.presence is Presence.PRESENT
        ):
            interpreter.presence = Presence.AWAY
            interpreter.missed_in_row = 0
            out.append(
                InterpreterSetAway(
                    at=now, interpreter_id=interpreter.interpreter_id, reason=AwayReason.MISSED_OFFERS
                )
            )
        self._after_failed_offer(request, interpreter)

    def _after_failed_offer(self, request: RequestRecord, interpreter: InterpreterRecord) -> None:
        # The interpreter goes to the back of the rotation and is not offered this request again for a while.
        now = self._clock()
        interpreter.idle_since = now
        self._sync_interpreter(interpreter)
        request.cooldown[interpreter.interpreter_id] = now + timedelta(
            seconds=self._policy.offers.redial_cooldown_s
        )
        self._make_waiting(request)

    def _on_transferred(self, request: RequestRecord, to_counselor_id: str, out: list[Decision]) -> None:
        """Swap the call's counselor; the former one is free (dispatch may give them the next request)."""
        assert request.counselor_id is not None
        former = self._counselors[request.counselor_id]
        target = self._counselors[to_counselor_id]
        former.request_id = None
        target.request_id = request.request_id
        request.counselor_id = target.counselor_id
        self._sync_counselor(target)
        self._sync_counselor(former)
        out.append(
            Transferred(
                at=self._clock(),
                request_id=request.request_id,
                from_counselor_id=former.counselor_id,
                to_counselor_id=target.counselor_id,
                interpreter_id=request.interpreter_id,
            )
        )

    def _on_call_ended(self, request: RequestRecord, wrap_up: bool, out: list[Decision]) -> None:
        now = self._clock()
        if request.offer is not None:
            self._withdraw(request, OfferEndReason.REQUEST_CLOSED, out, requeue=False)
        request.needs_interpreter = False
        assert request.counselor_id is not None and request.assigned_at is not None
        counselor = self._counselors[request.counselor_id]
        counselor.request_id = None
        if wrap_up and self._policy.wrap_up_s > 0:
            counselor.wrap_up_token += 1
            counselor.wrap_up_until = now + timedelta(seconds=self._policy.wrap_up_s)
            self._schedule(
                now,
                self._policy.wrap_up_s,
                _TimerKind.WRAP_UP,
                counselor.counselor_id,
                counselor.wrap_up_token,
            )
        self._sync_counselor(counselor)
        if request.interpreter_id is not None:
            interpreter = self._interpreters[request.interpreter_id]
            interpreter.request_id = None
            interpreter.idle_since = now
            self._sync_interpreter(interpreter)
        self._handling.record(request.language, (now - request.assigned_at).total_seconds())
        self._close(request, Outcome.SERVED, out)

    # -- timers -----------------------------------------------------------------------------------

    def _schedule(
        self, start: datetime, after_s: int, kind: _TimerKind, request_id: str, token: int = 0
    ) -> None:
        self._timer_seq += 1
        heapq.heappush(
            self._timers, (start + timedelta(seconds=after_s), self._timer_seq, kind, request_id, token)
        )

    def _fire_timers(self, out: list[Decision]) -> None:
        now = self._clock()
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, _, kind, request_id, token = heapq.heappop(timers)
            if kind is _TimerKind.WRAP_UP:
                counselor = self._counselors.get(request_id)
                if counselor is not None and counselor.wrap_up_token == token:
                    self._end_wrap_up(counselor)
                continue
            request = self._requests.get(request_id)
            if request is None:
                continue
            if kind is _TimerKind.OFFER_DEADLINE:
                if request.offer is not None and request.offer.seq == token:
                    self._expire(request, out)
            elif kind is _TimerKind.GENDER_RELAX:
                request.gender_relaxed = True
                self._rebucket(request)
            elif kind is _TimerKind.ON_SITE_RELAX:
                if request.phase is Phase.QUEUED:
                    request.on_site_relaxed = True
                    self._rebucket(request)
            elif request.phase is Phase.QUEUED:  # FALLBACK
                self._offer_fallback(request, FallbackReason.LONG_WAIT, queued=True, out=out)

    # -- dispatch ---------------------------------------------------------------------------------

    def _dispatch(self, out: list[Decision]) -> None:
        """Match free people to the queue until nothing more can start (bounded by free counselors)."""
        while True:
            capacity = len(self._free) - self._holds
            if capacity <= 0 and self._waiting_reoffers == 0:
                return
            candidate = self._find_candidate(capacity)
            if candidate is None:
                return
            request, counselor, interpreter_id = candidate
            if counselor is not None:
                self._assign(request, counselor, None, out)
            else:
                assert interpreter_id is not None
                self._offer(request, self._interpreters[interpreter_id], out)

    def _find_candidate(self, capacity: int) -> _Candidate | None:
        """The dispatchable request first in (rank, arrival) order, with the resource to give it.

        Buckets are visited in the order of their heads; a candidate found in one bucket bounds the search, so
        usually the first dispatchable head ends it. Requests past a bucket's head are looked at only when
        their own exclusions or cooldowns made an earlier one fail.
        """
        heads = [
            (keys[0], language, bucket, keys)
            for language, queue in self._queues.items()
            for bucket, keys in queue.waiting.items()
        ]
        heads.sort(key=_first)
        best: _Candidate | None = None
        bound: QueueKey | None = None
        counselor_for: dict[str, CounselorRecord | None] = {}
        open_vendors = self._open_vendors()
        anyone_idle: dict[str, bool] = {}
        for head, language, bucket, keys in heads:
            if bound is not None and head >= bound:
                break
            if capacity <= 0 and head[0] != Rank.REOFFER:
                break  # heads are sorted: only re-offers could go without a free counselor
            if bucket[0] is Need.INTERPRETER:
                idle = anyone_idle.get(language)
                if idle is None:
                    idle = anyone_idle[language] = self._idle.has_idle(language, open_vendors)
                if not idle:
                    continue
            candidate = self._best_in_bucket(
                language, bucket, keys, capacity, bound, counselor_for, open_vendors
            )
            if candidate is not None:
                best = candidate
                bound = candidate[0].live_key
        return best

    def _best_in_bucket(
        self,
        language: str,
        bucket: BucketKey,
        keys: list[QueueKey],
        capacity: int,
        bound: QueueKey | None,
        counselor_for: dict[str, CounselorRecord | None],
        open_vendors: tuple[str, ...],
    ) -> _Candidate | None:
        head = keys[0]
        if (bound is not None and head >= bound) or (capacity <= 0 and head[0] != Rank.REOFFER):
            return None
        need, gender, flags = bucket
        if need is not Need.INTERPRETER:  # never a re-offer: those always need an interpreter
            if language not in counselor_for:
                counselor_for[language] = choose_counselor(
                    self._free.values(), language, self._policy.staff_language
                )
            counselor = counselor_for[language]
            if counselor is not None:
                return (self._by_seq[head[1]], counselor, None)
            if need is Need.COUNSELOR:
                return None
        pools = self._idle.matching(language, gender, flags, open_vendors)
        if not pools:
            return None
        now = self._clock()
        for key in keys:
            if (bound is not None and key >= bound) or (capacity <= 0 and key[0] != Rank.REOFFER):
                return None
            request = self._by_seq[key[1]]
            interpreter_id = self._pick_interpreter(request, pools, now)
            if interpreter_id is not None:
                return (request, None, interpreter_id)
            if not request.has_personal_filters(now):
                return (
                    None  # the rest of the bucket shares its constraints minus personal ones: no better luck
                )
        return None

    def _pick_interpreter(
        self, request: RequestRecord, pools: list[list[tuple[datetime, str]]], now: datetime
    ) -> str | None:
        reserved_id = request.reserved_interpreter_id
        if reserved_id is not None:
            reserved = self._interpreters.get(reserved_id)
            if (
                reserved is not None
                and reserved.is_idle
                and reserved.can_take(request, now)
                and self._vendor_open(reserved.vendor)
            ):
                return reserved_id
        return first_eligible(pools, request, now)

    def _assign(
        self,
        request: RequestRecord,
        counselor: CounselorRecord,
        interpreter_id: str | None,
        out: list[Decision],
    ) -> None:
        self._dequeue(request)
        request.phase = Phase.IN_CALL
        request.counselor_id = counselor.counselor_id
        request.interpreter_id = interpreter_id
        request.assigned_at = self._clock()
        counselor.request_id = request.request_id
        self._sync_counselor(counselor)
        out.append(
            Assigned(
                at=self._clock(),
                request_id=request.request_id,
                counselor_id=counselor.counselor_id,
                interpreter_id=interpreter_id,
            )
        )

    def _offer(self, request: RequestRecord, interpreter: InterpreterRecord, out: list[Decision]) -> None:
        now = self._clock()
        self._unwait(request)
        holds = not request.needs_interpreter
        if holds:
            self._holds += 1
        self._offer_seq += 1
        offer = OfferRecord(
            request_id=request.request_id,
            interpreter_id=interpreter.interpreter_id,
            deadline=now + timedelta(seconds=self._policy.offers.timeout_s),
            seq=self._offer_seq,
            holds_counselor=holds,
        )
        request.offer = offer
        self._offers[request.request_id] = offer
        interpreter.offer_request_id = request.request_id
        self._sync_interpreter(interpreter)
        self._schedule(
            now, self._policy.offers.timeout_s, _TimerKind.OFFER_DEADLINE, request.request_id, offer.seq
        )
        out.append(
            Offered(
                at=now,
                request_id=request.request_id,
                interpreter_id=interpreter.interpreter_id,
                deadline=offer.deadline,
                reoffer=not holds,
            )
        )

    def _end_offer(self, request: RequestRecord) -> InterpreterRecord:
        offer = request.offer
        assert offer is not None
        request.offer = None
        del self._offers[request.request_id]
        if offer.holds_counselor:
            self._holds -= 1
        interpreter = self._interpreters[offer.interpreter_id]
        interpreter.offer_request_id = None
        return interpreter

    def _withdraw(
        self, request: RequestRecord, reason: OfferEndReason, out: list[Decision], *, requeue: bool
    ) -> None:
        """End an offer through nobody's fault: the interpreter keeps their place in the idle order."""
        interpreter = self._end_offer(request)
        self._sync_interpreter(interpreter)
        out.append(
            OfferEnded(
                at=self._clock(),
                request_id=request.request_id,
                interpreter_id=interpreter.interpreter_id,
                reason=reason,
            )
        )
        if requeue:
            self._make_waiting(request)

    def _enforce_holds(self, out: list[Decision]) -> None:
        while self._holds > len(self._free):
            newest = max((o for o in self._offers.values() if o.holds_counselor), key=lambda o: o.seq)
            self._withdraw(
                self._requests[newest.request_id], OfferEndReason.COUNSELOR_UNAVAILABLE, out, requeue=True
            )

    # -- indexes ----------------------------------------------------------------------------------

    def _queue(self, language: str) -> LanguageQueue:
        queue = self._queues.get(language)
        if queue is None:
            queue = self._queues[language] = LanguageQueue()
        return queue

    def _enqueue(self, request: RequestRecord) -> None:
        request.live_key = (int(request.rank), request.seq)
        self._queue(request.language).add_live(request.live_key)
        self._make_waiting(request)

    def _dequeue(self, request: RequestRecord) -> None:
        self._unwait(request)
        if request.live_key is not None:
            self._queue(request.language).remove_live(request.live_key)
            request.live_key = None

    def _make_waiting(self, request: RequestRecord) -> None:
        assert request.live_key is not None and request.bucket is None and request.offer is None
        request.bucket = request.bucket_key()
        self._queue(request.language).add_waiting(request.bucket, request.live_key)
        if request.live_key[0] == Rank.REOFFER:
            self._waiting_reoffers += 1

    def _unwait(self, request: RequestRecord) -> None:
        if request.bucket is None:
            return
        assert request.live_key is not None
        self._queue(request.language).remove_waiting(request.bucket, request.live_key)
        request.bucket = None
        if request.live_key[0] == Rank.REOFFER:
            self._waiting_reoffers -= 1

    def _rebucket(self, request: RequestRecord) -> None:
        if request.bucket is not None and request.bucket != request.bucket_key():
            self._unwait(request)
            self._make_waiting(request)

    def _sync_counselor(self, counselor: CounselorRecord) -> None:
        here_entry = None if counselor.presence is Presence.AWAY else counselor.languages
        if here_entry != counselor.here_entry:
            if counselor.here_entry is not None:
                self._count_here(counselor.here_entry, -1)
            if here_entry is not None:
                self._count_here(here_entry, 1)
            counselor.here_entry = here_entry
        free = (
            counselor.presence is Presence.PRESENT
            and counselor.request_id is None
            and counselor.wrap_up_until is None
        )
        if free and counselor.counselor_id not in self._free:
            counselor.idle_since = self._clock()
            self._free[counselor.counselor_id] = counselor
        elif not free:
            self._free.pop(counselor.counselor_id, None)

    def _sync_interpreter(self, interpreter: InterpreterRecord) -> None:
        """File the interpreter in the idle pool and online counts according to their current state."""
        pool_entry = (
            (interpreter.languages, capability_of(interpreter), interpreter.idle_key)
            if interpreter.is_idle
            else None
        )
        if pool_entry != interpreter.pool_entry:
            if interpreter.pool_entry is not None:
                self._idle.remove(*interpreter.pool_entry)
            if pool_entry is not None:
                self._idle.add(*pool_entry)
            interpreter.pool_entry = pool_entry
        online_entry = (interpreter.languages, interpreter.vendor) if interpreter.online else None
        if online_entry != interpreter.online_entry:
            if interpreter.online_entry is not None:
                self._count_online(*interpreter.online_entry, -1)
            if online_entry is not None:
                self._count_online(*online_entry, 1)
            interpreter.online_entry = online_entry

    def _count_here(self, languages: frozenset[str], delta: int) -> None:
        for language in (*languages, self._policy.staff_language):
            self._here[language] = self._here.get(language, 0) + delta

    def _count_online(self, languages: frozenset[str], vendor: str, delta: int) -> None:
        for language in languages:
            by_vendor = self._online.setdefault(language, {})
            count = by_vendor.get(vendor, 0) + delta
            if count:
                by_vendor[vendor] = count
            else:
                del by_vendor[vendor]

    # -- helpers ----------------------------------------------------------------------------------

    def _clock(self) -> datetime:
        assert self._now is not None
        return self._now

    def _desk_open(self) -> bool:
        if self._desk_open_cache is None:
            self._desk_open_cache = self._hours_open(None)
        return self._desk_open_cache

    def _open_vendors(self) -> tuple[str, ...]:
        if self._open_vendors_cache is None:
            self._open_vendors_cache = tuple(vendor for vendor in self._vendors if self._vendor_open(vendor))
        return self._open_vendors_cache

    def _vendor_open(self, vendor: str) -> bool:
        cached = self._vendor_open_cache.get(vendor)
        if cached is None:
            cached = self._vendor_open_cache[vendor] = self._hours_open(vendor)
        return cached

    def _hours_open(self, vendor: str | None) -> bool:
        """Open now? Cached until the next opening or closing, since the engine's time only moves forward."""
        now = self._clock()
        state = self._hours_state.get(vendor)
        if state is None or (state[1] is not None and now >= state[1]):
            hours = self._policy.desk_hours if vendor is None else self._policy.hours_for_vendor(vendor)
            state = self._hours_state[vendor] = hours.state_at(now)
        return state[0]

    def _online_count(self, language: str, vendor_open: _VendorOpen) -> int:
        by_vendor = self._online.get(language)
        if not by_vendor:
            return 0
        return sum(count for vendor, count in by_vendor.items() if vendor_open(vendor))

    def _speaks(self, counselor: CounselorRecord, language: str) -> bool:
        return language == self._policy.staff_language or language in counselor.languages

    def _estimate(self, language: str, position: int, vendor_open: _VendorOpen) -> int | None:
        mode = self._policy.mode_of(language)
        capacity = len(self._free) - self._holds
        if mode is ServiceMode.ON_SITE:
            servers = self._here.get(language, 0)
            free_now = capacity > 0 and any(self._speaks(c, language) for c in self._free.values())
        else:
            servers = min(
                self._here.get(self._policy.staff_language, 0), self._online_count(language, vendor_open)
            )
            free_now = capacity > 0 and self._idle.has_idle(
                language, [vendor for vendor in self._vendors if vendor_open(vendor)]
            )
        return estimate_wait_s(position, self._handling.mean_s(language), servers, free_now)


def _first(head: tuple[QueueKey, str, BucketKey, list[QueueKey]]) -> QueueKey:
    return head[0]


def _seq_of(request: RequestRecord) -> int:
    return request.seq


def _live_key(request: RequestRecord) -> QueueKey:
    assert request.live_key is not None
    return request.live_key


def _counselor_state(counselor: CounselorRecord) -> CounselorState:
    if counselor.request_id is not None:
        return CounselorState.IN_CALL
    if counselor.wrap_up_until is not None and counselor.presence is not Presence.AWAY:
        return CounselorState.WRAP_UP
    if counselor.presence is Presence.PRESENT:
        return CounselorState.FREE
    return CounselorState.BUSY if counselor.presence is Presence.BUSY else CounselorState.AWAY


def _interpreter_state(interpreter: InterpreterRecord) -> InterpreterState:
    if interpreter.request_id is not None:
        return InterpreterState.BUSY
    if interpreter.offer_request_id is not None:
        return InterpreterState.OFFERED
    if interpreter.presence is Presence.PRESENT:
        return InterpreterState.AVAILABLE
    return InterpreterState.AWAY if interpreter.presence is Presence.AWAY else InterpreterState.OFFLINE
