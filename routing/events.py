"""Events fed to the engine: facts about requests, people and time.

Every event carries `at`, a timezone-aware instant (normalised to UTC); the engine never reads the clock, so
replaying stored events rebuilds the same state and the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from routing.policy import DEFAULT_VENDOR, FallbackOption


class Priority(StrEnum):
    """Request priority chosen at intake (a re-offer after a dropped interpreter ranks above both)."""

    NORMAL = "normal"
    URGENT = "urgent"


class SafetyFlag(StrEnum):
    """Sensitive cases that only specially cleared interpreters may take."""

    DV = "dv"
    CHILD = "child"


class AbandonReason(StrEnum):
    """Why a waiting case was abandoned (the statistics count each apart)."""

    RESIDENT_LEFT = "resident_left"  # the resident's screen went away and did not come back in time
    STAFF_REMOVED = "staff_removed"  # staff took it off the queue (their reason is in the audit log)
    HUNG_UP = "hung_up"  # a phone caller hung up while waiting


class Role(StrEnum):
    """Role of a participant in a call room."""

    RESIDENT = "resident"
    COUNSELOR = "counselor"
    INTERPRETER = "interpreter"
    STAFF = "staff"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Event:
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"{type(self).__name__}.at must be timezone-aware, got {self.at!r}")
        object.__setattr__(self, "at", self.at.astimezone(UTC))


# -- requests ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultationRequested(_Event):
    """A resident asks for a consultation (after the app stored the case)."""

    request_id: str
    language: str
    priority: Priority = Priority.NORMAL
    safety_flags: frozenset[SafetyFlag] = frozenset()
    gender_preference: str | None = None  # soft: dropped after RelaxationRules.gender_after_s
    excluded_interpreter_ids: frozenset[str] = frozenset()  # interpreters who know the resident
    reservation_id: str | None = (
        None  # set when the resident booked this slot (needed for reservation languages)
    )
    reserved_interpreter_id: str | None = None  # offered first when idle and eligible
    channel: str | None = None  # informational (counter, satellite, phone, video): shown in the snapshot
    site_id: str | None = None  # informational


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultationCancelled(_Event):
    """Staff or the resident cancelled a request that is not in a call."""

    request_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultationAbandoned(_Event):
    """The resident left (closed the page, hung up) before being served."""

    request_id: str
    reason: AbandonReason | None = None  # None in journals written before reasons were kept


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackAccepted(_Event):
    """The resident took machine-translated chat, a callback or a reservation instead of waiting."""

    request_id: str
    option: FallbackOption


# -- counselors ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CounselorPresent(_Event):
    """A counselor signs in (or updates their languages); the staff language is implied."""

    counselor_id: str
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class CounselorAway(_Event):
    """A counselor leaves the desk; if in a call, they leave once it ends."""

    counselor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CounselorBusy(_Event):
    """A counselor is busy outside routing (wrap-up, another task); if in a call, after it ends."""

    counselor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CounselorFree(_Event):
    """A present counselor can take consultations again."""

    counselor_id: str


# -- interpreters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterAvailable(_Event):
    """An interpreter goes available (or updates their profile); registers them on first sight."""

    interpreter_id: str
    languages: frozenset[str]
    vendor: str = DEFAULT_VENDOR
    gender: str | None = None
    safety_cleared: frozenset[SafetyFlag] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterAway(_Event):
    """An interpreter pauses; an outstanding offer is withdrawn, a call in progress continues."""

    interpreter_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterOffline(_Event):
    """An interpreter's connection is gone; a call in progress loses them (the request is re-offered)."""

    interpreter_id: str


# -- offers and calls ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferAccepted(_Event):
    """The interpreter accepted the outstanding offer (before its deadline)."""

    request_id: str
    interpreter_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferDeclined(_Event):
    """The interpreter declined the outstanding offer."""

    request_id: str
    interpreter_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferExpired(_Event):
    """The app's own timer says the offer lapsed (a Tick past the deadline does the same)."""

    request_id: str
    interpreter_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantLeft(_Event):
    """Someone left the call room; only an interpreter leaving changes routing (the request is re-offered)."""

    request_id: str
    role: Role
    participant_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterRequested(_Event):
    """The counselor in a call without an interpreter asks for one in the case's language.

    The request is re-offered to the pool (ranked like a dropped interpreter's); the call goes on meanwhile.
    """

    request_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(_Event):
    """The counselor in a call hands it to a free colleague, who joins the running call (same interpreter).

    The former counselor is free at once; the target must be present, idle, and speak an on-site language
    when no interpreter is in the call.
    """

    request_id: str
    to_counselor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(_Event):
    """The counselor ended the call: the request is served."""

    request_id: str
    counselor_wrap_up: bool = (
        False  # wrap-up: no offers until WrapUpEnded, CounselorFree or the policy's limit
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapUpEnded(_Event):
    """The counselor saved the case record: wrap-up is over (their presence stays as it is)."""

    counselor_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(_Event):
    """Time passes: expire offers, relax rules, re-evaluate the queue (every event does this first)."""


Event = (
    ConsultationRequested
    | ConsultationCancelled
    | ConsultationAbandoned
    | FallbackAccepted
    | CounselorPresent
    | CounselorAway
    | CounselorBusy
    | CounselorFree
    | InterpreterAvailable
    | InterpreterAway
    | InterpreterOffline
    | OfferAccepted
    | OfferDeclined
    | OfferExpired
    | ParticipantLeft
    | InterpreterRequested
    | CallTransferred
    | CallEnded
    | WrapUpEnded
    | Tick
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ConsultationRequested,
    ConsultationCancelled,
    ConsultationAbandoned,
    FallbackAccepted,
    CounselorPresent,
    CounselorAway,
    CounselorBusy,
    CounselorFree,
    InterpreterAvailable,
    InterpreterAway,
    InterpreterOffline,
    OfferAccepted,
    OfferDeclined,
    OfferExpired,
    ParticipantLeft,
    InterpreterRequested,
    CallTransferred,
    CallEnded,
    WrapUpEnded,
    Tick,
)
