# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Events and decisions survive a JSON round trip, so the app can store events and replay them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from routing_kit import jst

from routing import (
    Assigned,
    AwayReason,
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
    Decision,
    Event,
    FallbackAccepted,
    FallbackOffered,
    FallbackOption,
    FallbackReason,
    InterpreterAvailable,
    InterpreterAway,
    InterpreterOffline,
    InterpreterRequested,
    InterpreterSetAway,
    OfferAccepted,
    OfferDeclined,
    Offered,
    OfferEnded,
    OfferEndReason,
    OfferExpired,
    Outcome,
    ParticipantLeft,
    Priority,
    Queued,
    Requeued,
    RequeueReason,
    Role,
    SafetyFlag,
    Tick,
    Transferred,
    decision_from_dict,
    decision_to_dict,
    event_from_dict,
    event_to_dict,
)

AT = jst(2026, 6, 1, 10, 30)

EVENTS: list[Event] = [
    ConsultationRequested(
        at=AT,
        request_id="r1",
        language="ne",
        priority=Priority.URGENT,
        safety_flags=frozenset({SafetyFlag.DV, SafetyFlag.CHILD}),
        gender_preference="female",
        excluded_interpreter_ids=frozenset({"i9", "i8"}),
        reservation_id="res-1",
        reserved_interpreter_id="i3",
        channel="satellite",
        site_id="soja",
    ),
    ConsultationRequested(at=AT, request_id="r2", language="en"),
    ConsultationCancelled(at=AT, request_id="r1"),
    ConsultationAbandoned(at=AT, request_id="r1"),
    FallbackAccepted(at=AT, request_id="r1", option=FallbackOption.CALLBACK),
    CounselorPresent(at=AT, counselor_id="c1", languages=frozenset({"en"})),
    CounselorAway(at=AT, counselor_id="c1"),
    CounselorBusy(at=AT, counselor_id="c1"),
    CounselorFree(at=AT, counselor_id="c1"),
    InterpreterAvailable(
        at=AT,
        interpreter_id="i1",
        languages=frozenset({"ne", "hi"}),
        vendor="acme",
        gender="male",
        safety_cleared=frozenset({SafetyFlag.DV}),
    ),
    InterpreterAway(at=AT, interpreter_id="i1"),
    InterpreterOffline(at=AT, interpreter_id="i1"),
    OfferAccepted(at=AT, request_id="r1", interpreter_id="i1"),
    OfferDeclined(at=AT, request_id="r1", interpreter_id="i1"),
    OfferExpired(at=AT, request_id="r1", interpreter_id="i1"),
    ParticipantLeft(at=AT, request_id="r1", role=Role.INTERPRETER, participant_id="i1"),
    InterpreterRequested(at=AT, request_id="r1"),
    CallTransferred(at=AT, request_id="r1", to_counselor_id="c2"),
    CallEnded(at=AT, request_id="r1", counselor_wrap_up=True),
    Tick(at=AT),
]

DECISIONS: list[Decision] = [
    Queued(at=AT, request_id="r1", language="ne", position=3, estimated_wait_s=None),
    Offered(at=AT, request_id="r1", interpreter_id="i1", deadline=AT + timedelta(seconds=20), reoffer=True),
    OfferEnded(at=AT, request_id="r1", interpreter_id="i1", reason=OfferEndReason.EXPIRED),
    Assigned(at=AT, request_id="r1", counselor_id="c1", interpreter_id=None),
    Transferred(at=AT, request_id="r1", from_counselor_id="c1", to_counselor_id="c2", interpreter_id="i1"),
    Requeued(
        at=AT, request_id="r1", interpreter_id="i1", reason=RequeueReason.INTERPRETER_DROPPED, position=1
    ),
    Requeued(
        at=AT, request_id="r1", interpreter_id=None, reason=RequeueReason.INTERPRETER_REQUESTED, position=2
    ),
    FallbackOffered(
        at=AT,
        request_id="r1",
        reason=FallbackReason.VENDOR_CLOSED,
        options=(FallbackOption.MT_CHAT, FallbackOption.CALLBACK),
        queued=True,
    ),
    InterpreterSetAway(at=AT, interpreter_id="i1", reason=AwayReason.MISSED_OFFERS),
    Closed(at=AT, request_id="r1", outcome=Outcome.SERVED),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_event_codec__json_round_trip(event):
    assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: type(d).__name__)
def test_decision_codec__json_round_trip(decision):
    assert decision_from_dict(json.loads(json.dumps(decision_to_dict(decision)))) == decision


def test_event_to_dict__is_tagged_and_sorted():
    data = event_to_dict(EVENTS[0])
    assert data["type"] == "ConsultationRequested"
    assert data["excluded_interpreter_ids"] == ["i8", "i9"]
    assert data["at"] == "2026-06-01T01:30:00+00:00"


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Teleport", "at": "2026-06-01T01:30:00+00:00"},
        {"type": "Tick"},
        {"type": "Tick", "at": 12},
        {"type": "Tick", "at": "2026-06-01T01:30:00"},  # naive: routing refuses to guess the zone
        {"type": "Tick", "at": "2026-06-01T01:30:00+00:00", "colour": "blue"},
        {"type": "CallEnded", "at": "2026-06-01T01:30:00+00:00", "request_id": 7},
        {
            "type": "CallEnded",
            "at": "2026-06-01T01:30:00+00:00",
            "request_id": "r",
            "counselor_wrap_up": "yes",
        },
        {
            "type": "FallbackAccepted",
            "at": "2026-06-01T01:30:00+00:00",
            "request_id": "r",
            "option": "pigeon",
        },
    ],
)
def test_event_from_dict__malformed__raises_value_error(data):
    with pytest.raises(ValueError):
        event_from_dict(data)


def test_event__naive_datetime__is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Tick(at=AT.replace(tzinfo=None))


def test_event__other_zone__is_normalised_to_utc():
    event = Tick(at=datetime(2026, 6, 1, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo")))
    assert event.at == AT
    assert event.at.tzinfo is UTC
