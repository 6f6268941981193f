"""What the case row becomes for each routing decision (app/live/transitions.py); no frames, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.consultation.models import Consultation
from app.enums import Channel, ConsultationStatus
from app.enums import Outcome as CaseOutcome
from app.live.transitions import advance_case
from routing import (
    Assigned,
    AwayReason,
    Closed,
    Decision,
    FallbackOffered,
    FallbackOption,
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

T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
EARLIER = T0 - timedelta(minutes=5)
CASE = "c0ffee00c0ffee00"


def _case(status: ConsultationStatus, **times: datetime) -> Consultation:
    return Consultation(public_id=CASE, language_code="ne", channel=Channel.counter, status=status, **times)


S = ConsultationStatus
QUEUED = Queued(at=T0, request_id=CASE, language="ne", position=1, estimated_wait_s=60)
OFFERED = Offered(at=T0, request_id=CASE, interpreter_id="7", deadline=T0, reoffer=False)
OFFER_ENDED = OfferEnded(at=T0, request_id=CASE, interpreter_id="7", reason=OfferEndReason.EXPIRED)
ASSIGNED = Assigned(at=T0, request_id=CASE, counselor_id="3", interpreter_id="7")
TRANSFERRED = Transferred(
    at=T0, request_id=CASE, from_counselor_id="3", to_counselor_id="4", interpreter_id="7"
)
REQUEUED = Requeued(
    at=T0, request_id=CASE, interpreter_id="7", reason=RequeueReason.INTERPRETER_DROPPED, position=1
)
FALLBACK_NOT_QUEUED = FallbackOffered(
    at=T0, request_id=CASE, reason=FallbackReason.DESK_CLOSED, options=(FallbackOption.MT_CHAT,), queued=False
)
FALLBACK_QUEUED = FallbackOffered(
    at=T0, request_id=CASE, reason=FallbackReason.LONG_WAIT, options=(FallbackOption.MT_CHAT,), queued=True
)


@pytest.mark.parametrize(
    ("before", "decision", "after"),
    [
        (S.requested, QUEUED, S.queued),
        (S.offered, QUEUED, S.offered),  # an offer made in the same step stands
        (S.requested, OFFERED, S.offered),
        (S.queued, OFFERED, S.offered),
        (S.connected, OFFERED, S.connected),  # a re-offer keeps the running call connected
        (S.offered, OFFER_ENDED, S.queued),
        (S.connected, OFFER_ENDED, S.connected),
        (S.offered, ASSIGNED, S.connected),
        (S.connected, TRANSFERRED, S.connected),
        (S.connected, REQUEUED, S.connected),
        (S.requested, FALLBACK_NOT_QUEUED, S.requested),
        (S.connected, Closed(at=T0, request_id=CASE, outcome=Outcome.SERVED), S.ended),
        (S.queued, Closed(at=T0, request_id=CASE, outcome=Outcome.CANCELLED), S.cancelled),
        (S.queued, Closed(at=T0, request_id=CASE, outcome=Outcome.ABANDONED), S.abandoned),
        (S.requested, Closed(at=T0, request_id=CASE, outcome=Outcome.FALLBACK_ACCEPTED), S.fallback),
    ],
)
def test_advance_case__status(
    before: ConsultationStatus, decision: Decision, after: ConsultationStatus
) -> None:
    case = _case(before)
    advance_case(case, decision)
    assert case.status is after


def test_advance_case__milestones_are_set_once() -> None:
    case = _case(S.requested)
    advance_case(case, QUEUED)
    assert case.routed_at == T0 and case.offered_at is None
    advance_case(case, OFFERED)
    assert case.offered_at == T0
    later = T0 + timedelta(minutes=1)
    advance_case(case, Assigned(at=later, request_id=CASE, counselor_id="3", interpreter_id="7"))
    assert (case.routed_at, case.offered_at, case.connected_at) == (T0, T0, later)
    advance_case(case, Closed(at=later, request_id=CASE, outcome=Outcome.SERVED))
    assert case.ended_at == later and case.outcome is None


def test_advance_case__earlier_milestones_are_kept() -> None:
    case = _case(S.queued, routed_at=EARLIER, offered_at=EARLIER, connected_at=EARLIER, ended_at=EARLIER)
    for decision in (OFFERED, ASSIGNED, Closed(at=T0, request_id=CASE, outcome=Outcome.SERVED)):
        advance_case(case, decision)
    assert (case.routed_at, case.offered_at, case.connected_at, case.ended_at) == (EARLIER,) * 4


def test_advance_case__fallback_routes_only_an_unqueued_request() -> None:
    unqueued, queued = _case(S.requested), _case(S.requested)
    advance_case(unqueued, FALLBACK_NOT_QUEUED)
    advance_case(queued, FALLBACK_QUEUED)
    assert unqueued.routed_at == T0 and queued.routed_at is None


def test_advance_case__abandoned_sets_the_outcome() -> None:
    case = _case(S.queued)
    advance_case(case, Closed(at=T0, request_id=CASE, outcome=Outcome.ABANDONED))
    assert case.outcome is CaseOutcome.abandoned


def test_advance_case__interpreter_away__row_untouched() -> None:
    case = _case(S.queued)
    advance_case(case, InterpreterSetAway(at=T0, interpreter_id="7", reason=AwayReason.MISSED_OFFERS))
    assert case.status is S.queued and case.routed_at is None
