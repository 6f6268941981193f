"""Read-only views of the engine's state, for staff screens and residents' waiting pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing.events import Priority, SafetyFlag
from routing.policy import ServiceMode


class QueueState(StrEnum):
    """A queued request is either waiting or ringing an interpreter."""

    WAITING = "waiting"
    OFFERED = "offered"


class CounselorState(StrEnum):
    """Counselor state as staff see it."""

    FREE = "free"  # present and not in a call
    IN_CALL = "in_call"
    BUSY = "busy"  # present, not taking consultations
    WRAP_UP = "wrap_up"  # writing up the last call: offered nothing until the record is saved or time is up
    AWAY = "away"


class InterpreterState(StrEnum):
    """Interpreter state as staff see it."""

    AVAILABLE = "available"  # idle, can be offered
    OFFERED = "offered"
    BUSY = "busy"  # in a call
    AWAY = "away"
    OFFLINE = "offline"


class Availability(StrEnum):
    """What a language's button says right now."""

    AVAILABLE_NOW = "available_now"  # someone can serve it now (the wait is the console's estimate)
    LATER_TODAY = "later_today"  # this language's service opens later today (``opens_at``)
    BOOK_AHEAD = "book_ahead"  # by reservation only
    CLOSED = "closed"  # not now: closed until ``opens_at`` (another day), or nobody to serve it (None)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueEntry:
    """One request in the queue, in global dispatch order."""

    request_id: str
    language: str
    priority: Priority
    reoffer: bool  # in a call, waiting for a replacement interpreter (ranks first)
    position: int  # 1-based within the language's queue
    waiting_since: datetime
    state: QueueState
    offered_to: str | None
    channel: str | None
    site_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferView:
    """An outstanding offer."""

    request_id: str
    interpreter_id: str
    deadline: datetime
    reoffer: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CallView:
    """A request in a call."""

    request_id: str
    language: str
    counselor_id: str
    interpreter_id: str | None
    since: datetime
    awaiting_interpreter: bool  # its interpreter dropped out; a replacement is being found


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingView:
    """A request that was not queued and waits for the resident to pick a fallback (or leave)."""

    request_id: str
    language: str
    since: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CounselorView:
    """A counselor's state."""

    counselor_id: str
    languages: tuple[str, ...]
    state: CounselorState
    request_id: str | None
    idle_since: datetime
    wrap_up_until: datetime | None = None  # while in wrap-up: when it ends at the latest


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterView:
    """An interpreter's state."""

    interpreter_id: str
    languages: tuple[str, ...]
    vendor: str
    gender: str | None
    safety_cleared: tuple[SafetyFlag, ...]
    state: InterpreterState
    request_id: str | None  # offered or in a call
    idle_since: datetime
    missed_in_row: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything live, in deterministic order: equal for two engines fed the same events."""

    at: datetime | None
    queue: tuple[QueueEntry, ...]  # global dispatch order: re-offers, urgent, normal; FIFO within each
    offers: tuple[OfferView, ...]
    calls: tuple[CallView, ...]
    pending: tuple[PendingView, ...]
    counselors: tuple[CounselorView, ...]
    interpreters: tuple[InterpreterView, ...]
    held_counselors: int  # free counselors counted on by outstanding offers (not named until the accept)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePosition:
    """A resident's place and expected wait."""

    request_id: str
    language: str
    position: int
    estimated_wait_s: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageAvailability:
    """One language's status for the intake screen."""

    language: str
    mode: ServiceMode
    status: Availability
    queue_length: int
    estimated_wait_s: int | None  # for a new normal-priority arrival; None when it cannot be estimated
    opens_at: datetime | None  # when this language's service next opens: desk and, for remote, its vendors
