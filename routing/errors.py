"""Domain errors: an event that contradicts the engine's state.

`Engine.handle` validates an event *before* touching any state, so a raised `RoutingConflict` means the event
had no effect at all: the app answers 409 and does not store the event (replay then stays consistent).
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base of everything the routing package raises on purpose."""

    code = "routing_error"


class PolicyError(RoutingError, ValueError):
    """A desk policy (dict or dataclass) is malformed; the admin must fix the data (HTTP 422)."""

    code = "invalid_policy"


class RoutingConflict(RoutingError):
    """The event makes no sense in the current state; map to HTTP 409 with `code` and the message."""

    code = "conflict"


class UnknownRequest(RoutingConflict):
    """No consultation with this id was ever requested."""

    code = "unknown_request"


class DuplicateRequest(RoutingConflict):
    """A consultation with this id already exists (the app's idempotency key should have caught it)."""

    code = "duplicate_request"


class UnsupportedLanguage(RoutingConflict):
    """The desk policy does not list the requested language."""

    code = "unsupported_language"


class UnknownCounselor(RoutingConflict):
    """A counselor event for a counselor who never signed in (no CounselorPresent yet)."""

    code = "unknown_counselor"


class UnknownInterpreter(RoutingConflict):
    """An interpreter event for an interpreter who never went available."""

    code = "unknown_interpreter"


class OfferNotOutstanding(RoutingConflict):
    """Accept/decline/expire of an offer that is not (or no longer) outstanding, e.g. a late accept."""

    code = "offer_not_outstanding"


class InvalidTransition(RoutingConflict):
    """The request is in a state where the event cannot apply (cancel during a call, end a queued call)."""

    code = "invalid_transition"
