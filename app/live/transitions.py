"""What a case row becomes when routing decides something about it (status and milestone times).

Kept apart from the frames the decision sends (app/live/pushes.py): the row is the record, the frames are
news, and each can be read and tested alone.
"""

from __future__ import annotations

from app.consultation.models import Consultation
from app.enums import AbandonReason as CaseAbandonReason
from app.enums import ConsultationStatus
from app.enums import Outcome as CaseOutcome
from routing import (
    Assigned,
    Closed,
    Decision,
    FallbackOffered,
    Offered,
    OfferEnded,
    Outcome,
    Queued,
)

TERMINAL_STATUS = {
    Outcome.SERVED: ConsultationStatus.ended,
    Outcome.CANCELLED: ConsultationStatus.cancelled,
    Outcome.ABANDONED: ConsultationStatus.abandoned,
    Outcome.FALLBACK_ACCEPTED: ConsultationStatus.fallback,
}


def advance_case(case: Consultation, decision: Decision) -> None:
    """Move the case row along; decisions that change nothing on the row (transfers, requeues) leave it."""
    match decision:
        case Queued():
            if case.status is ConsultationStatus.requested:  # an offer made in the same step stands
                case.status = ConsultationStatus.queued
            case.routed_at = case.routed_at or decision.at
        case Offered():
            if case.status is not ConsultationStatus.connected:
                case.status = ConsultationStatus.offered
            case.routed_at = case.routed_at or decision.at
            case.offered_at = case.offered_at or decision.at
        case OfferEnded():
            if case.status is ConsultationStatus.offered:
                case.status = ConsultationStatus.queued
        case Assigned():
            case.status = ConsultationStatus.connected
            case.routed_at = case.routed_at or decision.at
            case.connected_at = case.connected_at or decision.at
        case FallbackOffered():
            if not decision.queued and case.status is ConsultationStatus.requested:
                case.routed_at = case.routed_at or decision.at
        case Closed():
            case.status = TERMINAL_STATUS[decision.outcome]
            case.ended_at = case.ended_at or decision.at
            if decision.outcome is Outcome.ABANDONED:
                case.outcome = CaseOutcome.abandoned
                if decision.abandon_reason is not None:
                    case.abandon_reason = CaseAbandonReason(decision.abandon_reason.value)
        case _:
            pass
