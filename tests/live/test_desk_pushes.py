"""Which frames a routing decision sends to whom (app/live/pushes.py), as screens read them on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from app.consultation.models import Consultation
from app.enums import Channel, ConsultationStatus
from app.live.pushes import Push, forced_away, pushes_for
from realtime.protocol import encode
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
CASE = "c0ffee00c0ffee00"
WATCHERS = f"consultation:{CASE}"


def _case() -> Consultation:
    return Consultation(
        public_id=CASE,
        language_code="ne",
        channel=Channel.counter,
        status=ConsultationStatus.queued,
        resident_municipality_code="131016",
        topic_hint_code="tax",
    )


def _offer_id(request_id: str, interpreter_id: str) -> str:
    return f"{request_id}.{interpreter_id}.1780275600"


def _wire(pushes: list[Push]) -> list[tuple[str, dict[str, Any]]]:
    return [(push.topic, json.loads(encode(push.message))) for push in pushes]


def _status(value: str) -> tuple[str, dict[str, Any]]:
    return WATCHERS, {"type": "status", "status": value, "consultation_id": CASE}


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (
            Queued(at=T0, request_id=CASE, language="ne", position=2, estimated_wait_s=90),
            [
                (
                    WATCHERS,
                    {"type": "queue.update", "consultation_id": CASE, "position": 2, "estimated_wait_s": 90},
                )
            ],
        ),
        (
            Offered(at=T0, request_id=CASE, interpreter_id="7", deadline=T0, reoffer=False),
            [
                (
                    "interpreter:7",
                    {
                        "type": "offer",
                        "offer_id": f"{CASE}.7.{int(T0.timestamp())}",
                        "consultation_id": CASE,
                        "language": "ne",
                        "channel": "counter",
                        "municipality": "131016",
                        "topic_hint": "tax",
                        "expires_at": "2026-06-01T01:00:00Z",
                    },
                ),
                _status("connecting"),
            ],
        ),
        (
            OfferEnded(at=T0, request_id=CASE, interpreter_id="7", reason=OfferEndReason.EXPIRED),
            [
                (
                    "interpreter:7",
                    {"type": "offer.withdrawn", "offer_id": _offer_id(CASE, "7"), "reason": "expired"},
                )
            ],
        ),
        (
            OfferEnded(at=T0, request_id=CASE, interpreter_id="7", reason=OfferEndReason.DECLINED),
            [
                (
                    "interpreter:7",
                    {"type": "offer.withdrawn", "offer_id": _offer_id(CASE, "7"), "reason": "cancelled"},
                )
            ],
        ),
        (Assigned(at=T0, request_id=CASE, counselor_id="3", interpreter_id="7"), [_status("connected")]),
        (
            Transferred(
                at=T0, request_id=CASE, from_counselor_id="3", to_counselor_id="4", interpreter_id=None
            ),
            [],
        ),
        (
            Requeued(
                at=T0,
                request_id=CASE,
                interpreter_id="7",
                reason=RequeueReason.INTERPRETER_DROPPED,
                position=1,
            ),
            [_status("interpreter_changing")],
        ),
        (
            Requeued(
                at=T0,
                request_id=CASE,
                interpreter_id=None,
                reason=RequeueReason.INTERPRETER_REQUESTED,
                position=1,
            ),
            [],
        ),
        (Closed(at=T0, request_id=CASE, outcome=Outcome.SERVED), [_status("ended")]),
        (Closed(at=T0, request_id=CASE, outcome=Outcome.FALLBACK_ACCEPTED), [_status("fallback")]),
    ],
)
def test_pushes_for__frames_and_audience(
    decision: Decision, expected: list[tuple[str, dict[str, Any]]]
) -> None:
    assert _wire(pushes_for(decision, _case(), _offer_id)) == expected


def test_pushes_for__fallback__resident_and_desk_hear_the_same() -> None:
    decision = FallbackOffered(
        at=T0,
        request_id=CASE,
        reason=FallbackReason.NO_INTERPRETER,
        options=(FallbackOption.MT_CHAT, FallbackOption.CALLBACK),
        queued=True,
    )
    frame = {
        "type": "fallback.offered",
        "consultation_id": CASE,
        "reason": "no_interpreter",
        "options": ["mt_chat", "callback"],
        "queued": True,
    }
    assert _wire(pushes_for(decision, _case(), _offer_id)) == [(WATCHERS, frame), ("desk", frame)]


def test_forced_away__interpreter_hears_why() -> None:
    push = forced_away(InterpreterSetAway(at=T0, interpreter_id="7", reason=AwayReason.MISSED_OFFERS))
    assert _wire([push]) == [
        ("interpreter:7", {"type": "presence.forced", "state": "away", "reason": "missed_offers"})
    ]


def test_pushes_for__the_row_is_not_touched() -> None:
    case = _case()
    pushes_for(Assigned(at=T0, request_id=CASE, counselor_id="3", interpreter_id="7"), case, _offer_id)
    assert case.status is ConsultationStatus.queued and case.connected_at is None
