"""Call legs from room events: who was in a consultation's call, from when to when (billable minutes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.consultation.models import CallLeg, Consultation
from app.enums import CallRole
from realtime.rooms import ParticipantJoined, ParticipantLeft, RoomEvent


def _person_ids(participant_id: str) -> dict[str, int]:
    kind, _, number = participant_id.partition("-")
    if not number.isdigit():
        return {}
    if kind == "staff":
        return {"staff_user_id": int(number)}
    if kind == "interp":
        return {"interpreter_id": int(number)}
    return {}


async def record_room_events(session: AsyncSession, events: Iterable[RoomEvent]) -> None:
    """Open a leg on join, close it on leave; rejoins (a page reload) keep the same leg."""
    for event in events:
        if isinstance(event, ParticipantJoined):
            consultation_id = await session.scalar(
                select(Consultation.id).where(Consultation.public_id == event.consultation_id)
            )
            if consultation_id is None:
                continue
            session.add(
                CallLeg(
                    consultation_id=consultation_id,
                    role=CallRole(event.role),
                    participant_id=event.participant_id,
                    joined_at=event.at,
                    **_person_ids(event.participant_id),
                )
            )
        elif isinstance(event, ParticipantLeft):
            leg = await session.scalar(
                select(CallLeg)
                .join(Consultation, Consultation.id == CallLeg.consultation_id)
                .where(Consultation.public_id == event.consultation_id)
                .where(CallLeg.participant_id == event.participant_id, CallLeg.left_at.is_(None))
                .order_by(CallLeg.id.desc())
                .limit(1)
            )
            if leg is not None:
                leg.left_at = event.at
                leg.leave_reason = event.reason
    await session.flush()


class CallLegRecorder:
    """Writes each batch of room events in its own transaction, one batch after another, in the order given.

    Why: a join and the leave that ends it come from different websocket tasks. Unordered, the leave could
    look for a leg whose insert has not committed yet (a waiting SQLite writer is not served first come,
    first served): the leg would stay open for ever, or be missing when the call's record is read after it
    ended.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._in_order = asyncio.Lock()  # FIFO: batches commit in the order their callers asked

    async def record(self, events: Sequence[RoomEvent]) -> None:
        if not events:
            return
        async with self._in_order, self._sessionmaker() as session:
            await record_room_events(session, events)
            await session.commit()
