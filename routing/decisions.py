"""Decisions returned by the engine: what the app must do (ring, connect, inform the resident, close)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing.events import AbandonReason
from routing.policy import FallbackOption


class Outcome(StrEnum):
    """The one terminal state every request reaches."""

    SERVED = "served"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"
    FALLBACK_ACCEPTED = "fallback_accepted"


class FallbackReason(StrEnum):
    """Why a live consultation is not (or not yet) possible."""

    DESK_CLOSED = "desk_closed"  # outside desk hours, holiday, year-end: request not queued
    RESERVATION_ONLY = "reservation_only"  # language served by appointment, no reservation: not queued
    VENDOR_CLOSED = "vendor_closed"  # before/after the interpreter vendor's hours: still queued
    NO_INTERPRETER = "no_interpreter"  # nobody online covers the language: still queued
    LONG_WAIT = "long_wait"  # waited past the policy's threshold: still queued


class OfferEndReason(StrEnum):
    """Why an offer ended without an accept."""

    DECLINED = "declined"
    EXPIRED = "expired"
    INTERPRETER_UNAVAILABLE = "interpreter_unavailable"  # went away/offline while ringing
    COUNSELOR_UNAVAILABLE = "counselor_unavailable"  # the counselor it counted on left the desk
    REQUEST_CLOSED = "request_closed"  # cancelled, abandoned, fallback accepted, or the call ended


class AwayReason(StrEnum):
    """Why the engine set an interpreter away."""

    MISSED_OFFERS = "missed_offers"  # let OfferRules.max_missed_in_row offers expire in a row
    LEFT_CALL = "left_call"  # dropped out of a call; must go available again to get offers


class RequeueReason(StrEnum):
    """Why a request in a call went back to the queue."""

    INTERPRETER_DROPPED = "interpreter_dropped"
    INTERPRETER_REQUESTED = "interpreter_requested"  # the counselor asked for one during the call


@dataclass(frozen=True, slots=True, kw_only=True)
class Queued:
    """The request waits: tell the resident their place in their language's queue and the expected wait."""

    at: datetime
    request_id: str
    language: str
    position: int  # 1-based, within the language's queue
    estimated_wait_s: int | None  # None when nobody who could serve it is present


@dataclass(frozen=True, slots=True, kw_only=True)
class Offered:
    """Ring this interpreter for this request until `deadline`."""

    at: datetime
    request_id: str
    interpreter_id: str
    deadline: datetime
    reoffer: bool  # the request is already in a call with its counselor (an interpreter dropped out)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferEnded:
    """Stop ringing: the offer ended without an accept."""

    at: datetime
    request_id: str
    interpreter_id: str
    reason: OfferEndReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Assigned:
    """Connect the call: counselor (and interpreter, if any) join the request's room."""

    at: datetime
    request_id: str
    counselor_id: str
    interpreter_id: str | None
    rejoin: bool = False  # a replacement interpreter joins a call already in progress


@dataclass(frozen=True, slots=True, kw_only=True)
class Transferred:
    """A call changed counselor: the new one joins the running room, the former one leaves it."""

    at: datetime
    request_id: str
    from_counselor_id: str
    to_counselor_id: str
    interpreter_id: str | None  # stays in the call


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeued:
    """A request in a call needs an interpreter (theirs dropped out, or the counselor asked for one): it is
    offered with top priority, same request id."""

    at: datetime
    request_id: str
    interpreter_id: str | None  # the one who dropped out; None when the counselor asked
    reason: RequeueReason
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackOffered:
    """Offer the resident machine-translated chat, a callback or a reservation."""

    at: datetime
    request_id: str
    reason: FallbackReason
    options: tuple[FallbackOption, ...]
    queued: bool  # True: the resident keeps their place unless they accept a fallback


@dataclass(frozen=True, slots=True, kw_only=True)
class InterpreterSetAway:
    """The engine set an interpreter away; they get no offers until InterpreterAvailable."""

    at: datetime
    interpreter_id: str
    reason: AwayReason


@dataclass(frozen=True, slots=True, kw_only=True)
class Closed:
    """The request reached its terminal state; nothing more will be decided about it."""

    at: datetime
    request_id: str
    outcome: Outcome
    abandon_reason: AbandonReason | None = None  # set for ABANDONED when the event said why


Decision = (
    Queued
    | Offered
    | OfferEnded
    | Assigned
    | Transferred
    | Requeued
    | FallbackOffered
    | InterpreterSetAway
    | Closed
)

DECISION_TYPES: tuple[type[Decision], ...] = (
    Queued,
    Offered,
    OfferEnded,
    Assigned,
    Transferred,
    Requeued,
    FallbackOffered,
    InterpreterSetAway,
    Closed,
)
