"""Who hears of a routing decision, and which frame each gets (the news; the row is app/live/transitions.py).

Pure: the desk hands in the decision, the case it is about and how to name an offer that just ended; the
room invitations that need an open room are the desk's (``LiveDesk._room_invites``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.consultation.models import Consultation
from app.live import frames, topics
from app.live.transitions import TERMINAL_STATUS
from realtime.protocol import Message, Offer, OfferWithdrawn, QueueUpdate
from routing import (
    Assigned,
    Closed,
    Decision,
    FallbackOffered,
    InterpreterSetAway,
    Offered,
    OfferEnded,
    OfferEndReason,
    Queued,
    QueuePosition,
    Requeued,
    RequeueReason,
    Transferred,
)

WITHDRAW_REASON = {
    OfferEndReason.DECLINED: "cancelled",
    OfferEndReason.EXPIRED: "expired",
    OfferEndReason.INTERPRETER_UNAVAILABLE: "cancelled",
    OfferEndReason.COUNSELOR_UNAVAILABLE: "cancelled",
    OfferEndReason.REQUEST_CLOSED: "cancelled",
}

OfferIdOf = Callable[[str, str], str]
"""(request_id, interpreter_id) -> the id of the offer that rang them (the desk remembers it)."""


@dataclass(frozen=True, slots=True)
class Push:
    """One frame for everyone subscribed to one hub topic."""

    topic: str
    message: Message


def offer_frame(case: Consultation, interpreter_id: str, deadline: datetime) -> Offer:
    """What an interpreter is told about a call: never the resident's name or contact."""
    return Offer(
        offer_id=topics.offer_id(case.public_id, interpreter_id, int(deadline.timestamp())),
        consultation_id=case.public_id,
        language=case.language_code,
        channel=case.channel.value,
        municipality=case.resident_municipality_code or "unknown",
        topic_hint=case.topic_hint_code,
        expires_at=deadline,
    )


def forced_away(decision: InterpreterSetAway) -> Push:
    """Routing set an interpreter away: their console switches off."""
    forced = frames.PresenceForced(reason=decision.reason.value)
    return Push(topics.interpreter(decision.interpreter_id), forced)


def pushes_for(decision: Decision, case: Consultation, offer_id_of: OfferIdOf) -> list[Push]:
    """The frames a decision about ``case`` sends: to its watchers (tablet, resident), interpreters, desk."""
    watchers = topics.consultation(case.public_id)

    def status(value: str) -> Push:
        return Push(watchers, frames.CaseStatus(status=value, consultation_id=case.public_id))

    match decision:
        case InterpreterSetAway():
            return [forced_away(decision)]
        case Queued():
            update = QueueUpdate(
                consultation_id=case.public_id,
                position=decision.position,
                estimated_wait_s=decision.estimated_wait_s,
            )
            return [Push(watchers, update)]
        case Offered():
            offer = offer_frame(case, decision.interpreter_id, decision.deadline)
            return [Push(topics.interpreter(decision.interpreter_id), offer), status("connecting")]
        case OfferEnded():
            withdrawn = OfferWithdrawn(
                offer_id=offer_id_of(case.public_id, decision.interpreter_id),
                reason=WITHDRAW_REASON[decision.reason],  # type: ignore[arg-type]
            )
            return [Push(topics.interpreter(decision.interpreter_id), withdrawn)]
        case Assigned():
            return [status("connected")]
        case Transferred():
            return []  # the call goes on; the room invitations follow from the desk
        case Requeued():
            # the resident hears the interpreter is changing only when one dropped out; a counselor's
            # request for one shows as "connecting" once an interpreter is rung
            if decision.reason is not RequeueReason.INTERPRETER_DROPPED:
                return []
            return [status("interpreter_changing")]
        case FallbackOffered():
            choices = frames.FallbackOffered(
                consultation_id=case.public_id,
                reason=decision.reason.value,
                options=tuple(o.value for o in decision.options),
                queued=decision.queued,
            )
            return [Push(watchers, choices), Push(topics.DESK, choices)]
        case Closed():
            return [status(TERMINAL_STATUS[decision.outcome].value)]


WaitTold = dict[str, tuple[int, int | None]]
"""What each queued case's watchers were last told: (position, estimated_wait_s), by request id."""


def wait_updates(
    positions: Sequence[QueuePosition], told: WaitTold, just_queued: Collection[str]
) -> list[Push]:
    """A queue.update for every waiting case whose place or estimate changed since its watchers last heard.

    Routing says a case's wait once, when it is queued; a counselor signing in, a call ending or a vendor
    opening later changes it, and the tablet would keep showing a stale "cannot be estimated" while the
    console shows the new estimate. Both come from routing's one estimate (`Engine.position` and
    `Engine.availability`). `told` is updated in place; cases no longer queued are forgotten; the
    `just_queued` were told by their Queued frame.
    """
    pushes: list[Push] = []
    now = {p.request_id: (p.position, p.estimated_wait_s) for p in positions}
    for request_id in list(told):
        if request_id not in now:
            del told[request_id]
    for request_id, said in now.items():
        if told.get(request_id) != said and request_id not in just_queued:
            update = QueueUpdate(consultation_id=request_id, position=said[0], estimated_wait_s=said[1])
            pushes.append(Push(topics.consultation(request_id), update))
        told[request_id] = said
    return pushes
