"""The engine's internal, mutable records of requests, counselors, interpreters and offers.

Not part of the public API: the app sees them only through decisions, `Snapshot` and the queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from routing.decisions import FallbackOffered, FallbackReason
from routing.events import Priority, SafetyFlag
from routing.policy import ServiceMode


class Rank(IntEnum):
    """Queue order: lower first. A re-offer after a dropped interpreter beats everything."""

    REOFFER = 0
    URGENT = 1
    NORMAL = 2


class Need(IntEnum):
    """What a waiting request needs to be dispatched."""

    COUNSELOR = 0  # a counselor who speaks the language
    COUNSELOR_OR_INTERPRETER = (
        1  # on-site language after a long wait: that, or an interpreter plus any counselor
    )
    INTERPRETER = 2  # an interpreter plus any counselor (or only an interpreter, when re-offering)


class Phase(StrEnum):
    """Where a request is in its life."""

    PENDING_FALLBACK = (
        "pending_fallback"  # not queued (desk closed, reservation only): waits for the resident
    )
    QUEUED = "queued"  # waiting or being offered
    IN_CALL = "in_call"  # assigned; may be re-offering a replacement interpreter
    CLOSED = "closed"


class Presence(StrEnum):
    """What a person told us about themselves (a call in progress is tracked separately)."""

    PRESENT = "present"  # counselor at the desk / interpreter available
    BUSY = "busy"  # counselor only: present but not taking consultations
    AWAY = "away"
    OFFLINE = "offline"  # interpreter only


# Waiting requests are bucketed by what they need and by the interpreter constraints shared by every request
# in the bucket, so a look at the bucket's head (or a short scan past personal exclusions) finds the next one.
BucketKey = tuple[Need, str | None, frozenset[SafetyFlag]]
QueueKey = tuple[int, int]  # (rank, arrival seq): FIFO within a rank
IdleKey = tuple[datetime, str]  # (idle since, interpreter id): longest idle first, ties by id


@dataclass(slots=True, eq=False)
class OfferRecord:
    """An outstanding offer: one per request and one per interpreter at most."""

    request_id: str
    interpreter_id: str
    deadline: datetime
    seq: int
    holds_counselor: bool  # counts against free counselors until accepted or ended (not for a re-offer)


@dataclass(slots=True, eq=False)
class RequestRecord:
    """One consultation request, from intake to its terminal state."""

    request_id: str
    seq: int
    language: str
    mode: ServiceMode  # ON_SITE or REMOTE once queued (a reservation with an id is served as REMOTE)
    priority: Priority
    safety_flags: frozenset[SafetyFlag]
    gender_preference: str | None
    excluded: frozenset[str]
    reservation_id: str | None
    reserved_interpreter_id: str | None
    channel: str | None
    site_id: str | None
    requested_at: datetime
    phase: Phase = Phase.QUEUED
    offer: OfferRecord | None = None
    counselor_id: str | None = None
    interpreter_id: str | None = None
    needs_interpreter: bool = False  # in a call whose interpreter dropped out
    on_site_relaxed: bool = False
    gender_relaxed: bool = False
    fallback_reasons: list[FallbackReason] = field(default_factory=list)
    fallback: FallbackOffered | None = None  # the latest fallbacks offered: the resident's choices now
    cooldown: dict[str, datetime] = field(default_factory=dict)  # interpreter -> not offered again before
    assigned_at: datetime | None = None
    live_key: QueueKey | None = None  # set while counted in the language's queue
    bucket: BucketKey | None = None  # set while waiting (queued, no offer)

    @property
    def rank(self) -> Rank:
        """Current queue rank."""
        if self.needs_interpreter:
            return Rank.REOFFER
        return Rank.URGENT if self.priority is Priority.URGENT else Rank.NORMAL

    @property
    def in_queue(self) -> bool:
        """Counted in its language's queue (waiting, being offered, or re-offering inside a call)."""
        return self.phase is Phase.QUEUED or (self.phase is Phase.IN_CALL and self.needs_interpreter)

    @property
    def gender_wanted(self) -> str | None:
        """The interpreter gender still required (None once relaxed or never asked)."""
        return None if self.gender_relaxed else self.gender_preference

    def bucket_key(self) -> BucketKey:
        """The waiting bucket this request belongs to right now."""
        if self.needs_interpreter or self.mode is not ServiceMode.ON_SITE:
            return (Need.INTERPRETER, self.gender_wanted, self.safety_flags)
        if self.on_site_relaxed:
            return (Need.COUNSELOR_OR_INTERPRETER, self.gender_wanted, self.safety_flags)
        return (Need.COUNSELOR, None, frozenset())  # interpreter constraints do not matter to a counselor

    def has_personal_filters(self, now: datetime) -> bool:
        """True when this request excludes some interpreters that others in its bucket could get."""
        if self.excluded or self.reserved_interpreter_id is not None:
            return True
        return any(until > now for until in self.cooldown.values())


@dataclass(slots=True, eq=False)
class CounselorRecord:
    """A counselor; speaks the staff language plus `languages`."""

    counselor_id: str
    languages: frozenset[str]
    presence: Presence
    idle_since: datetime
    request_id: str | None = None  # the call they are in
    here_entry: frozenset[str] | None = None  # languages counted as present (None while away)
    # After a call: writing the case record, offered nothing until WrapUpEnded/CounselorFree or the limit.
    wrap_up_until: datetime | None = None
    wrap_up_token: int = 0  # ties the limit's timer to this wrap-up (a later wrap-up gets a new token)

    @property
    def in_wrap_up(self) -> bool:
        """Still writing up the last call."""
        return self.wrap_up_until is not None


@dataclass(slots=True, eq=False)
class InterpreterRecord:
    """A remote interpreter of some vendor."""

    interpreter_id: str
    languages: frozenset[str]
    vendor: str
    gender: str | None
    safety_cleared: frozenset[SafetyFlag]
    presence: Presence
    idle_since: datetime
    offer_request_id: str | None = None
    request_id: str | None = None  # the call they are in
    missed_in_row: int = 0
    # Where the engine's indexes file this interpreter now, so a change of profile or state can be undone.
    pool_entry: tuple[frozenset[str], tuple[str, str | None, frozenset[SafetyFlag]], IdleKey] | None = None
    online_entry: tuple[frozenset[str], str] | None = None

    @property
    def idle_key(self) -> IdleKey:
        """Sort key for longest-idle-first."""
        return (self.idle_since, self.interpreter_id)

    @property
    def is_idle(self) -> bool:
        """Available and neither ringing nor in a call."""
        return self.presence is Presence.PRESENT and self.offer_request_id is None and self.request_id is None

    @property
    def online(self) -> bool:
        """Available (idle, ringing or in a call)."""
        return self.presence is Presence.PRESENT

    def can_take(self, request: RequestRecord, now: datetime) -> bool:
        """Hard and soft (unless relaxed) constraints, plus the request's own exclusions and cooldowns."""
        if request.language not in self.languages or not request.safety_flags <= self.safety_cleared:
            return False
        wanted = request.gender_wanted
        if wanted is not None and self.gender != wanted:
            return False
        if self.interpreter_id in request.excluded:
            return False
        until = request.cooldown.get(self.interpreter_id)
        return until is None or until <= now
